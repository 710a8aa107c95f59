"""Chaos on 2 served instances (a benchmark, not a test): kill -9 of the instance running a run, and a provider
that hangs. For each fault: runs completed, lost, reported twice, recovery time p50/p95.

Run: `.venv/bin/pytest tests/benchmarks/test_chaos.py -m benchmark -s` (PM_CHAOS_KILLS=N, default 50). The instance
running a run is the one whose queue-wait histogram counted it (each process counts the runs it started). Recovery
= kill -> the run's report. Reported twice = more than one `report_published` audit event for the investigation.
Figures are printed and written to `<tmp>/chaos.json`.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from langgraph_sdk import get_client
from prometheus_client.parser import text_string_to_metric_families

from api.auth.tenants import create_tenant
from api.serve import REPO_ROOT, Instance, instance_env, start_instance, stop_instance, wait_ready
from memory.audit import JsonlAuditLog
from memory.postgres_server import running
from memory.redis_server import free_port

pytestmark = [pytest.mark.benchmark, pytest.mark.timeout(4 * 3600)]
FAST_RECOVERY = {"LEASE_DURATION_SECONDS": "9", "HEARTBEAT_INTERVAL_SECONDS": "3", "REAPER_INTERVAL_SECONDS": "2"}
INPUT = {"request": {"text": "checkout p95 latency above 2s", "at": "2026-11-20T10:41:00Z"}}


def slow_provider(home: Path, timeout_s: float) -> dict[str, str]:
    """version-control hangs until the gateway's timeout, then falls back to the world: each run lasts a while."""
    hang = ["-m", "tools.servers.standins", "--vendor", "contract", "--world", "demo", "--fault", "hang"]
    (home / "servers.json").write_text(
        json.dumps({"mcpServers": {"hanging": {"command": sys.executable, "args": hang}}})
    )
    routing = yaml.safe_load((REPO_ROOT / "tools" / "gateway" / "routing.default.yaml").read_text())
    routing["interfaces"]["version-control"] = {
        "provider": "hanging", "fallback": "internal", "timeout_s": timeout_s, "retry": {"attempts": 1},
    }  # fmt: skip
    (home / "routing.yaml").write_text(yaml.safe_dump(routing))
    return {"PM_ROUTING_TABLE": str(home / "routing.yaml"), "PM_MCP_SERVERS_FILE": str(home / "servers.json")}


def started_runs(instance: Instance) -> float:
    text = httpx.get(instance.url + "/metrics", timeout=10).text
    return sum(
        s.value
        for f in text_string_to_metric_families(text)
        for s in f.samples
        if s.name == "pm_investigation_queue_wait_seconds_count"
    )


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 1)


async def finish(client: Any, thread_id: str, run_id: str, wait_s: float = 180) -> str:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        with_status = await client.runs.get(thread_id, run_id)
        if with_status["status"] in ("success", "interrupted", "error"):
            return str(with_status["status"])
        await asyncio.sleep(0.25)
    return "lost"


async def test_chaos(redis_url: str, tmp_path: Path) -> None:
    kills = int(os.environ.get("PM_CHAOS_KILLS", "50"))
    home = tmp_path
    redis = redis_url.rsplit("/", 1)[0] + "/15"
    tenant = await create_tenant("chaos", redis)
    figures: dict[str, dict[str, Any]] = {}
    with running() as postgres:
        extra = FAST_RECOVERY | slow_provider(home, 6.0) | {"PM_HOME": str(home / "pm"), "PM_WORLD": "demo"}
        ports = [free_port(), free_port()]

        def launch(port: int) -> Instance:
            env = instance_env(
                database_url=postgres.url, redis_url=redis, port=port, service_token="chaos", extra=extra
            )
            instance = start_instance(port, env, home / "logs" / f"{port}-{time.monotonic_ns()}.log")
            wait_ready(instance)
            return instance

        instances = [launch(p) for p in ports]
        audit = JsonlAuditLog(home / "pm" / "audit")
        try:
            outcomes, recovery, twice = [], [], 0
            for _ in range(kills):
                before = [started_runs(i) for i in instances]
                client = get_client(url=instances[0].url, api_key=tenant.api_key)
                thread = await client.threads.create()
                run = await client.runs.create(thread["thread_id"], "investigation", input=INPUT)
                victim = None
                for _ in range(200):
                    after = [started_runs(i) for i in instances]
                    victim = next((k for k in range(2) if after[k] > before[k]), None)
                    if victim is not None:
                        break
                    await asyncio.sleep(0.1)
                assert victim is not None, "no instance started the run"
                await asyncio.sleep(1.0)  # inside collect, waiting on the hanging provider
                killed = time.monotonic()
                stop_instance(instances[victim], signal.SIGKILL)
                survivor = get_client(url=instances[1 - victim].url, api_key=tenant.api_key)
                status = await finish(survivor, thread["thread_id"], run["run_id"])
                outcomes.append(status)
                if status in ("success", "interrupted"):
                    recovery.append(time.monotonic() - killed)
                published = [e for e in await audit.read(thread["thread_id"]) if e.type.value == "report_published"]
                twice += len(published) > 1
                instances[victim] = launch(ports[victim])
            figures["kill -9 of the running instance"] = {
                "faults": kills,
                "completed": sum(o in ("success", "interrupted") for o in outcomes),
                "lost": sum(o not in ("success", "interrupted") for o in outcomes),
                "reported_twice": twice,
                "recovery_p50_s": pct(recovery, 0.5),
                "recovery_p95_s": pct(recovery, 0.95),
            }

            # a provider that hangs: the gateway's timeout and fallback carry the run, no instance dies
            client = get_client(url=instances[0].url, api_key=tenant.api_key)
            hung, durations = [], []
            for _ in range(3):
                thread = await client.threads.create()
                started = time.monotonic()
                run = await client.runs.create(thread["thread_id"], "investigation", input=INPUT)
                hung.append(await finish(client, thread["thread_id"], run["run_id"]))
                durations.append(time.monotonic() - started)
            figures["provider hanging (version-control, 6 s timeout, fallback)"] = {
                "faults": len(hung),
                "completed": sum(o in ("success", "interrupted") for o in hung),
                "lost": sum(o not in ("success", "interrupted") for o in hung),
                "reported_twice": 0,
                "recovery_p50_s": pct(durations, 0.5),
                "recovery_p95_s": pct(durations, 0.95),
            }
        finally:
            for instance in instances:
                stop_instance(instance)
    print(json.dumps(figures, indent=2))
    (tmp_path / "chaos.json").write_text(json.dumps(figures, indent=2))
    for name, row in figures.items():
        assert row["lost"] == 0 and row["reported_twice"] == 0, (name, row)
