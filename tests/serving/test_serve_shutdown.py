"""`production-master serve` under SIGTERM: servers stop and drain first, then Redis and PostgreSQL."""

from __future__ import annotations

import asyncio
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
import redis
from processes import wait_until_ok

from api.auth.tenants import create_tenant
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
        wait_until_ok(f"http://127.0.0.1:{port}/readyz", serve, 180)
        assert serve.poll() is None, serve.stdout.read() if serve.stdout else ""
        check_stores_need_credentials(home)
        check_served_audit_is_under_home(home, port)
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


def check_stores_need_credentials(home: Path) -> None:
    """The Redis and PostgreSQL that `serve` started refuse a local client without the generated passwords."""
    redis_url = (home / "redis" / "redis.url").read_text().strip()
    postgres_url = (home / "postgres" / "postgres.url").read_text().strip()
    assert oct((home / "credentials.json").stat().st_mode & 0o777) == "0o600"
    port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(host="127.0.0.1", port=port).ping()
    assert redis.Redis.from_url(redis_url).ping()
    pg_port = postgres_url.rsplit(":", 1)[1].split("/")[0]
    anonymous = ["psql", "-h", "127.0.0.1", "-p", pg_port, "-U", "postgres", "-w", "-c", "select 1", "aegra"]
    refused = subprocess.run(anonymous, capture_output=True, text=True, env={**os.environ, "PGPASSWORD": ""})
    assert refused.returncode != 0 and "password" in refused.stderr, refused.stderr
    assert subprocess.run(["psql", postgres_url, "-c", "select 1"], capture_output=True).returncode == 0


def check_served_audit_is_under_home(home: Path, port: int) -> None:
    """An investigation served by `serve --home H` writes its audit trail under H."""
    redis_url = (home / "redis" / "redis.url").read_text().strip()
    tenant = asyncio.run(create_tenant("shutdown", redis_url))
    headers = {"x-api-key": tenant.api_key}
    base = f"http://127.0.0.1:{port}"
    started = httpx.post(f"{base}/v1/investigations", json={"text": "checkout p95 latency"}, headers=headers)
    assert started.status_code == 202, started.text
    for _ in range(600):
        view = httpx.get(base + started.json()["status_url"], headers=headers, timeout=30).json()
        if view["report"]:
            break
        time.sleep(0.2)
    assert list((home / "audit").rglob("*.jsonl")), sorted(str(p) for p in home.rglob("*"))[:20]
