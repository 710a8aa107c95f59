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
    """Signal the instance's process group (aegra serve and its uvicorn child) and wait until all of it is gone:
    `aegra serve` exits before its server has drained, and the stores must outlive the server."""
    group = instance.process.pid
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, sig)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (instance.process.poll() is None or _group_alive(group)):
        time.sleep(0.1)
    if instance.process.poll() is None or _group_alive(group):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
    instance.process.wait(timeout=timeout)
    while _group_alive(group) and time.monotonic() < deadline + timeout:
        time.sleep(0.1)


def _group_alive(group: int) -> bool:
    """True while any process of the group runs (a zombie its parent has not reaped counts as gone)."""
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    states = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == group:
                states.append(fields[0])
    return any(state != "Z" for state in states) if states else False


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
    credentials = store_credentials(home)
    signal.signal(signal.SIGTERM, _interrupt)  # stop cleanly under a supervisor, as on Ctrl-C
    # a signal at any point (even while starting) unwinds the stack in order: instances, then Redis, then PostgreSQL
    with contextlib.suppress(KeyboardInterrupt), contextlib.ExitStack() as stack:
        if database_url is None:
            postgres = postgres_server.running(home / "postgres", password=credentials["postgres"])
            database_url = stack.enter_context(postgres).url
        if redis_url is None:
            redis_url = stack.enter_context(redis_server.running(home / "redis", password=credentials["redis"])).url
        ports = [port + offset for offset in range(instances)]
        # audit, once-store and memory files of the instances under --home, not under their working directory
        extra = {"PM_HOME": str(home)}
        started = stack.enter_context(
            running_instances(
                ports, database_url=database_url, redis_url=redis_url, log_dir=home / "logs", host=host, extra_env=extra
            )
        )
        shown = _without_password(redis_url)
        print("production-master serving:", ", ".join(i.url for i in started), f"(Redis {shown})", flush=True)
        while all(i.process.poll() is None for i in started):
            time.sleep(1.0)


def store_credentials(home: Path) -> dict[str, str]:
    """The passwords of the Redis and PostgreSQL that `serve` starts: made once per home, kept in a 0600 file, so no
    other local user reads tenants' webhook secrets or adds API keys (`<home>/redis/redis.url` holds the URL)."""
    import json

    path = home / "credentials.json"
    if path.exists():
        return json.loads(path.read_text())
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o755)  # PostgreSQL (the `postgres` user, under root) must reach <home>/postgres
    made = {"redis": secrets.token_urlsafe(24), "postgres": secrets.token_urlsafe(24)}
    path.touch(mode=0o600)
    path.write_text(json.dumps(made))
    return made


def _without_password(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('@', 1)[1]}" if "@" in rest else url


def _interrupt(_signum: int, _frame: object) -> None:
    # once: a second signal while the servers drain must not cut the orderly stop short (servers, then stores)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt
