"""`production-master serve` under SIGTERM: servers stop and drain first, then Redis and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from memory.redis_server import free_port

pytestmark = pytest.mark.slow


def test_sigterm_stops_the_servers_before_their_stores() -> None:
    port = free_port()
    home = Path(tempfile.mkdtemp(prefix="pm-serve-home-"))
    home.chmod(0o755)  # as root, PostgreSQL runs as the `postgres` user and must reach its data directory
    serve = subprocess.Popen(
        [sys.executable, "-m", "api.cli.main", "serve", "--port", str(port), "--home", str(home)],
        env={**os.environ, "LOG_LEVEL": "INFO", "PM_WORLD": "demo"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and serve.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        assert serve.poll() is None, serve.stdout.read() if serve.stdout else ""
        serve.send_signal(signal.SIGTERM)
        output, _ = serve.communicate(timeout=120)
    finally:
        if serve.poll() is None:
            serve.kill()
        log = (home / "logs" / f"aegra-{port}.log").read_text(errors="replace")
        shutil.rmtree(home, ignore_errors=True)
    assert serve.returncode == 0, output
    after_stop = log.split("Shutting down", 1)[-1] if "Shutting down" in log else log
    for symptom in ("Connection refused", "BLPOP failed", "Error 111"):
        assert symptom not in after_stop, after_stop[-2000:]
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
