"""A real Prometheus (Debian's `prometheus` package) on a free loopback port, scraping given targets every second."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import yaml
from processes import stop_process, wait_until_ok

from memory.redis_server import free_port

INSTALL = "install Debian's prometheus package (apt-get install prometheus; scripts/ensure-debian-packages.sh)"


def binary(name: str) -> str:
    """`prometheus` or `promtool`, or an AssertionError naming the package to install."""
    found = shutil.which(name)
    if found is None:
        raise AssertionError(f"{name} not found: {INSTALL}")
    return found


@contextlib.contextmanager
def running_prometheus(targets: list[str], workdir: Path) -> Iterator[str]:
    """Prometheus scraping `targets` (host:port) at /metrics every second; yields its base URL."""
    workdir.mkdir(parents=True, exist_ok=True)
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "scrape_configs": [{"job_name": "production-master", "static_configs": [{"targets": targets}]}],
    }
    (workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    command = [
        binary("prometheus"),
        f"--config.file={workdir / 'prometheus.yml'}",
        f"--storage.tsdb.path={workdir / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    log = (workdir / "prometheus.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        if not wait_until_ok(f"{url}/-/ready", process, 30, every=0.2, timeout=1) and process.poll() is not None:
            raise AssertionError("prometheus exited: " + (workdir / "prometheus.log").read_text()[-2000:])
        yield url
    finally:
        stop_process(process, 10)
        log.close()


def query(url: str, promql: str) -> list[dict[str, Any]]:
    """An instant query through Prometheus's HTTP API: the result vector."""
    answer = httpx.get(f"{url}/api/v1/query", params={"query": promql}, timeout=5).json()
    assert answer["status"] == "success", answer
    return answer["data"]["result"]
