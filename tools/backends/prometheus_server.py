"""Start and stop a throwaway Prometheus on 127.0.0.1 from Debian's `prometheus` package (server and promtool).

Data is backfilled before start with `promtool tsdb create-blocks-from openmetrics`, so the server serves history
as if it had scraped it. `PM_PROMETHEUS_BIN` overrides where the binaries are found (default: PATH, /usr/bin).

    python -m tools.backends.prometheus_server --openmetrics FILE   # serves FILE until interrupted
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

CONFIG = "global:\n  scrape_interval: 1m\nscrape_configs: []\n"
READY_SECONDS = 60.0


class PrometheusError(RuntimeError):
    """Prometheus or promtool could not be found, backfilled or started; the message says what failed."""


@dataclass(frozen=True, slots=True)
class PrometheusServer:
    """A running Prometheus that this module started."""

    port: int
    dir: Path
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_binary(name: str) -> Path:
    """`prometheus` or `promtool`: under `PM_PROMETHEUS_BIN`, else on PATH."""
    override = os.environ.get("PM_PROMETHEUS_BIN")
    found = str(Path(override) / name) if override else shutil.which(name)
    if not found or not Path(found).is_file():
        raise PrometheusError(f"no {name} found: apt-get install -y prometheus (or set PM_PROMETHEUS_BIN)")
    return Path(found)


def version() -> str:
    """The server's version, as `prometheus --version` prints it (`2.42.0+ds`)."""
    out = subprocess.run([str(find_binary("prometheus")), "--version"], capture_output=True, text=True, check=False)
    first = (out.stdout or out.stderr).split()
    return first[2] if len(first) > 2 else "unknown"


def backfill(openmetrics: Path, data_dir: Path, *, max_block_hours: int = 24) -> None:
    """Write TSDB blocks for the samples in an OpenMetrics file into a (stopped) server's data directory."""
    data_dir.mkdir(parents=True, exist_ok=True)
    args = [
        str(find_binary("promtool")),
        "tsdb",
        "create-blocks-from",
        "openmetrics",
        f"--max-block-duration={max_block_hours}h",
        str(openmetrics),
        str(data_dir),
    ]
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise PrometheusError(f"promtool backfill of {openmetrics} failed: {' | '.join(tail)}")


def start(directory: Path, port: int | None = None) -> PrometheusServer:
    """Start Prometheus on 127.0.0.1 (a free port unless given) over `directory/data`; waits until it is ready."""
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "prometheus.yml"
    config.write_text(CONFIG)
    chosen = port or free_port()
    log = (directory / "prometheus.log").open("ab")
    process = subprocess.Popen(
        [
            str(find_binary("prometheus")),
            f"--config.file={config}",
            f"--storage.tsdb.path={directory / 'data'}",
            # backfilled history is old: keep it whatever its age
            "--storage.tsdb.retention.time=100y",
            f"--web.listen-address=127.0.0.1:{chosen}",
            "--log.level=warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=directory,
    )
    log.close()
    server = PrometheusServer(port=chosen, dir=directory, process=process)
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = (directory / "prometheus.log").read_text(errors="replace").strip().splitlines()[-3:]
            raise PrometheusError(f"prometheus exited with {process.returncode}: {' | '.join(tail)}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.url}/-/ready", timeout=2.0).status_code == 200:
                return server
        time.sleep(0.1)
    stop(server)
    raise PrometheusError(f"prometheus on port {chosen} was not ready within {READY_SECONDS:.0f} s")


def stop(server: PrometheusServer) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@contextlib.contextmanager
def running(openmetrics: Path | None = None, directory: Path | None = None) -> Iterator[PrometheusServer]:
    """A Prometheus for the duration of the block, backfilled from `openmetrics` when given; a temporary directory
    (removed after) unless one is given."""
    owned = directory is None
    base = Path(tempfile.mkdtemp(prefix="pm-prometheus-")) if directory is None else directory
    try:
        if openmetrics is not None:
            backfill(openmetrics, base / "data")
        server = start(base)
        try:
            yield server
        finally:
            stop(server)
    finally:
        if owned:
            shutil.rmtree(base, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.backends.prometheus_server", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--openmetrics", type=Path, default=None, help="backfill this file before starting")
    parser.add_argument("--dir", type=Path, default=None, help="data directory (a temporary one when omitted)")
    args = parser.parse_args(argv)
    try:
        with running(args.openmetrics, args.dir) as server:
            print(server.url, flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                server.process.wait()
    except PrometheusError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["PrometheusError", "PrometheusServer", "backfill", "find_binary", "running", "start", "stop", "version"]
