"""The Redis 8 launcher: start/stop through the CLI, and a clear error from a Redis without the modules."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from graphs.settings import Settings
from memory.checkpointers import CheckpointerUnavailable, open_checkpointer
from memory.redis_server import find_redis_server, free_port


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "memory.redis_server", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_cli_starts_redis_8_with_search_and_json_then_stops_it(tmp_path: Path) -> None:
    started = run_cli("start", "--dir", str(tmp_path))
    assert started.returncode == 0, started.stderr
    url = started.stdout.strip()
    pid = int((tmp_path / "redis.pid").read_text())
    try:
        client = redis.Redis.from_url(url)
        assert client.info("server")["redis_version"].startswith("8.")
        names = {entry[b"name"].decode() for entry in client.module_list()}
        assert {"search", "ReJSON"} <= names
        client.close()
    finally:
        stopped = run_cli("stop", "--dir", str(tmp_path))
    assert stopped.returncode == 0, stopped.stderr
    assert not (tmp_path / "redis.pid").exists()
    with pytest.raises(ProcessLookupError):
        for _ in range(100):  # the CLI waits for exit; allow the kernel a moment to reap
            os.kill(pid, 0)
            time.sleep(0.05)


def test_stop_without_a_server_says_so(tmp_path: Path) -> None:
    result = run_cli("stop", "--dir", str(tmp_path))
    assert result.returncode == 0
    assert "no redis pid file" in result.stderr


@pytest.fixture
def plain_redis(tmp_path: Path) -> Iterator[str]:
    """The same redis-server 8 without any module: what a bare `redis-server` gives."""
    port = free_port()
    args = [str(find_redis_server()), "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--dir", str(tmp_path)]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    try:
        client = redis.Redis(port=port)
        for _ in range(200):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_checkpointer_refuses_a_redis_without_modules(plain_redis: str, tmp_path: Path) -> None:
    settings = Settings(checkpointer="redis", home=tmp_path, redis_url=plain_redis)
    with pytest.raises(CheckpointerUnavailable, match="lacks the module"):
        async with open_checkpointer(settings):
            pass
