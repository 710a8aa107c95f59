"""`production-master serve`: PostgreSQL + Redis + N Aegra instances running our graphs and routes, on 127.0.0.1.

Each instance is `aegra serve -c aegra.json` (every instance is also a worker); they share one PostgreSQL
(threads, runs, checkpoints) and one Redis (broker, job queue, our dedup keys and tenants).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
AEGRA_CONFIG = REPO_ROOT / "aegra.json"
SLACK_ROUTING = REPO_ROOT / "api" / "slack" / "routing.yaml"
SLACK_MCP_SERVERS = REPO_ROOT / "api" / "slack" / "mcp-servers.json"
JIRA_ROUTING = REPO_ROOT / "deploy" / "jira" / "routing.yaml"  # routing-slack.yaml when Slack is configured too


class ServeError(RuntimeError):
    """An instance did not start; the message carries its log tail."""


@dataclass
class Instance:
    """One running Aegra process that this module started (its own process group)."""

    process: subprocess.Popen[bytes]
    port: int
    host: str
    log: Path

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def instance_env(
    *, database_url: str, redis_url: str, port: int, service_token: str, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """The environment of one instance: Aegra's variables and ours (PM_*)."""
    env = dict(os.environ)
    env.update(
        {
            "AEGRA_CONFIG": str(AEGRA_CONFIG),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "REDIS_BROKER_ENABLED": "true",
            # Aegra's default pool (250) runs dry under a burst of queued runs and answers 500 to new ones
            "REDIS_MAX_CONNECTIONS": env.get("REDIS_MAX_CONNECTIONS", "4000"),
            "PM_REDIS_URL": redis_url,
            "PM_API_URL": f"http://127.0.0.1:{port}",
            "PM_SERVICE_TOKEN": service_token,
            "LOG_LEVEL": env.get("LOG_LEVEL", "WARNING"),
            "ENABLE_PROMETHEUS_METRICS": "false",  # /metrics is ours (it includes the runtime's counters)
            "PM_EFFECTS_STORE": "redis",  # once-only posts, shared by the instances
            "PM_GATEWAY_STATE": "redis",  # rate-limit buckets and breakers, shared by the instances
            "PM_DEAD_LETTERS": "redis",  # investigations that failed for good, listed and re-driven from any instance
            "PM_PYTHON": sys.executable,  # the Slack MCP server's interpreter (api/slack/mcp-servers.json)
            "PM_REPO_ROOT": str(REPO_ROOT),
        }
    )
    env.update(extra or {})
    if env.get("PM_JIRA_URL"):  # ticket investigations read the issue from Jira and comment the report on it
        both = "-slack" if env.get("PM_SLACK_BOT_TOKEN") else ""
        env.setdefault("PM_ROUTING_TABLE", str(JIRA_ROUTING.with_name(f"routing{both}.yaml")))
        env.setdefault("PM_MCP_SERVERS_FILE", str(JIRA_ROUTING.with_name("mcp-servers.json")))
    if env.get("PM_SLACK_BOT_TOKEN"):  # the publish node posts to Slack through the gateway's Slack provider
        env.setdefault("PM_ROUTING_TABLE", str(SLACK_ROUTING))
        env.setdefault("PM_MCP_SERVERS_FILE", str(SLACK_MCP_SERVERS))
    return env


def start_instance(port: int, env: dict[str, str], log: Path, host: str = "127.0.0.1") -> Instance:
    """Launch `aegra serve` bound to `host:port`; returns at once (see `wait_ready`)."""
    aegra = Path(sys.executable).with_name("aegra")
    command = [str(aegra), "serve", "-c", str(AEGRA_CONFIG), "--host", host, "--port", str(port)]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as sink:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Instance(process=process, port=port, host=host, log=log)


def wait_ready(instance: Instance, timeout: float = 90.0) -> None:
    """Poll the runtime's `/health` and our `/readyz` until both answer 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if instance.process.poll() is not None:
            break
        with contextlib.suppress(httpx.HTTPError):
            ok = all(httpx.get(instance.url + path, timeout=2.0).status_code == 200 for path in ("/health", "/readyz"))
            if ok:
                return
        time.sleep(0.25)
    tail = instance.log.read_text(errors="replace").splitlines()[-15:] if instance.log.exists() else []
    raise ServeError(f"instance on port {instance.port} not ready; log tail:\n" + "\n".join(tail))


def stop_instance(instance: Instance, sig: signal.Signals = signal.SIGTERM, timeout: float = 30.0) -> None:
    """Signal the instance's process group (aegra serve and its uvicorn child) and wait for it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(instance.process.pid, sig)
    try:
        instance.process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(instance.process.pid, signal.SIGKILL)
        instance.process.wait(timeout=timeout)


@contextlib.contextmanager
def running_instances(
    ports: list[int],
    *,
    database_url: str,
    redis_url: str,
    log_dir: Path,
    service_token: str | None = None,
    extra_env: dict[str, str] | None = None,
    host: str = "127.0.0.1",
) -> Iterator[list[Instance]]:
    """Start instances one after the other (the first runs the database migrations), stop them all after."""
    token = service_token or secrets.token_urlsafe(32)
    started: list[Instance] = []
    try:
        for port in ports:
            env = instance_env(
                database_url=database_url, redis_url=redis_url, port=port, service_token=token, extra=extra_env
            )
            instance = start_instance(port, env, log_dir / f"aegra-{port}.log", host=host)
            started.append(instance)
            wait_ready(instance)
        yield started
    finally:
        for instance in started:
            stop_instance(instance)


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 2026,
    instances: int = 1,
    home: Path = Path(".production-master"),
    database_url: str | None = None,
    redis_url: str | None = None,
) -> None:
    """Run everything in the foreground until Ctrl-C; PostgreSQL and Redis are started here unless URLs are given."""
    from memory import postgres_server, redis_server

    home = home.resolve()
    signal.signal(signal.SIGTERM, _interrupt)  # stop cleanly under a supervisor, as on Ctrl-C
    with contextlib.ExitStack() as stack:
        if database_url is None:
            database_url = stack.enter_context(postgres_server.running(home / "postgres")).url
        if redis_url is None:
            redis_url = stack.enter_context(redis_server.running(home / "redis")).url
        ports = [port + offset for offset in range(instances)]
        started = stack.enter_context(
            running_instances(ports, database_url=database_url, redis_url=redis_url, log_dir=home / "logs", host=host)
        )
        print("production-master serving:", ", ".join(i.url for i in started), f"(Redis {redis_url})", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while all(i.process.poll() is None for i in started):
                time.sleep(1.0)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt
