"""Chaos on 2 served instances (a benchmark, not a test): kill -9 of the instance running a run, a Redis restart and
a PostgreSQL restart mid-run, a provider that hangs. For each: runs completed, dead-lettered, lost, reported twice,
recovery time p50/p95.

Run: `.venv/bin/pytest tests/benchmarks/test_chaos.py -m benchmark -s` (PM_CHAOS_KILLS, default 50;
PM_CHAOS_RESTARTS, default 10; PM_CHAOS_OUT, the JSON written after every fault). Runs hang 6 s in `collect` on a
version-control provider that never answers, so each fault lands mid-run. The instance running a run is the one
whose queue-wait histogram counted it (each process counts the runs it started). Recovery = fault -> the run ends.
Nobody re-drives by hand: a run that ends in `error` is a dead letter, and the instances re-drive it on their own
when its error is transient (api/http/redrive.py, default PM_REDRIVE_MAX and back-off); `auto_redriven` counts the
investigations that needed it, `auto_redrives` the re-drive runs; lost = no run of the investigation ended in
`success` or `interrupted` (report out, awaiting approval) within 8 minutes of the fault; recovery = fault -> the
end, automatic re-drives included. The fault order is: hanging provider, kills, Redis restarts, PostgreSQL restarts
(last: a restart leaves the runtime's checkpoint pool failing for a while); PM_CHAOS_FAULTS (e.g. `postgres,kill`)
picks some. Reported twice = more than one `report_published` audit event for the investigation.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
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

from api.auth.hook import SERVICE_TENANT_HEADER, SERVICE_TOKEN_HEADER
from api.serve import REPO_ROOT, Instance, instance_env, start_instance, stop_instance, wait_ready
from memory import postgres_server, redis_server
from memory.audit import JsonlAuditLog
from memory.redis_server import free_port

pytestmark = [pytest.mark.benchmark, pytest.mark.timeout(4 * 3600)]
FAST_RECOVERY = {"LEASE_DURATION_SECONDS": "9", "HEARTBEAT_INTERVAL_SECONDS": "3", "REAPER_INTERVAL_SECONDS": "2"}
AUTO_WAIT_S = 480.0  # longer than PM_REDRIVE_MAX (6) re-drives 5 s -> 120 s apart take
# the service token acts for a tenant without Redis (a Redis restart wipes keys)
TOKEN = "chaos-service-token"  # pragma: allowlist secret
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


class Chaos:
    """PostgreSQL, Redis and 2 instances that the benchmark may kill and restart on the same ports."""

    def __init__(self, home: Path) -> None:
        import tempfile

        self.home = home
        self.pg_dir = Path(tempfile.mkdtemp(prefix="pm-chaos-pg-"))  # reachable by the postgres user
        self.pg_port, self.redis_port = free_port(), free_port()
        self.ports = [free_port(), free_port()]
        self.instances: list[Instance] = []
        self.extra = FAST_RECOVERY | slow_provider(home, 6.0) | {"PM_HOME": str(home / "pm"), "PM_WORLD": "demo"}

    def start_stores(self) -> None:
        self.database_url = postgres_server.start(self.pg_dir, self.pg_port).url
        self.redis_url = redis_server.start(self.home / "redis", self.redis_port).url

    def launch(self, k: int) -> Instance:
        env = instance_env(
            database_url=self.database_url, redis_url=self.redis_url, port=self.ports[k], service_token=TOKEN,
            extra=self.extra,
        )  # fmt: skip
        instance = start_instance(self.ports[k], env, self.home / "logs" / f"{k}-{time.monotonic_ns()}.log")
        wait_ready(instance)
        return instance

    def client(self, k: int) -> Any:
        headers = {SERVICE_TOKEN_HEADER: TOKEN, SERVICE_TENANT_HEADER: "chaos"}
        return get_client(url=self.instances[k].url, headers=headers)

    def close(self) -> None:
        for instance in self.instances:
            stop_instance(instance)
        redis_server.stop(self.home / "redis")
        postgres_server.stop(self.pg_dir)
        shutil.rmtree(self.pg_dir, ignore_errors=True)


async def start_run(chaos: Chaos) -> tuple[str, str, int | None]:
    """(thread, run, index of the instance that started it; None when none did within a minute)."""
    before = [started_runs(i) for i in chaos.instances]
    client = chaos.client(0)
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], "investigation", input=INPUT)
    for _ in range(600):
        after = [started_runs(i) for i in chaos.instances]
        runner = next((k for k in range(2) if after[k] > before[k]), None)
        if runner is not None:
            await asyncio.sleep(1.0)  # inside collect, waiting on the hanging provider
            return thread["thread_id"], run["run_id"], runner
        await asyncio.sleep(0.1)
    return thread["thread_id"], run["run_id"], None


async def reported(chaos: Chaos, thread_id: str) -> int:
    audit = JsonlAuditLog(chaos.home / "pm" / "audit")
    return sum(e.type.value == "report_published" for e in await audit.read(thread_id))


async def end_of(chaos: Chaos, thread_id: str, run_id: str, client: Any) -> tuple[str, int]:
    """(how the investigation ended, the runs the instances re-drove it with); nobody re-drives by hand."""
    status = await finish(client, thread_id, run_id)
    if status != "error":
        return status, 0
    deadline, redrives = time.monotonic() + AUTO_WAIT_S, 0
    while time.monotonic() < deadline:
        try:
            runs = await client.runs.list(thread_id, limit=50)
        except Exception:  # the store that failed the run may still be coming back
            await asyncio.sleep(1.0)
            continue
        redrives = len(runs) - 1
        newest = max(runs, key=lambda r: str(r["created_at"]))
        if newest["status"] in ("success", "interrupted"):
            return str(newest["status"]), redrives
        await asyncio.sleep(1.0)
    return "lost", redrives


def row(outcomes: list[tuple[str, int]], recovery: list[float], twice: int) -> dict[str, Any]:
    done = ("success", "interrupted")
    return {
        "faults": len(outcomes),
        "completed": sum(o in done for o, _ in outcomes),
        "auto_redriven": sum(r > 0 for _, r in outcomes),
        "auto_redrives": sum(r for _, r in outcomes),
        "lost": sum(o not in done for o, _ in outcomes),
        "reported_twice": twice,
        "recovery_p50_s": pct(recovery, 0.5),
        "recovery_p95_s": pct(recovery, 0.95),
    }


async def test_chaos(tmp_path: Path) -> None:
    kills = int(os.environ.get("PM_CHAOS_KILLS", "50"))
    restarts = int(os.environ.get("PM_CHAOS_RESTARTS", "10"))
    faults = set(os.environ.get("PM_CHAOS_FAULTS", "hang,kill,redis,postgres").split(","))
    kill_deadline = float(os.environ.get("PM_CHAOS_KILL_DEADLINE", "inf"))  # epoch seconds: no new kill after it
    deadline = float(os.environ.get("PM_CHAOS_DEADLINE", "inf"))  # ... nor a store restart after this one
    chaos = Chaos(tmp_path)
    figures: dict[str, dict[str, Any]] = {}
    out = Path(os.environ.get("PM_CHAOS_OUT", tmp_path / "chaos.json"))

    def save(name: str, figure: dict[str, Any]) -> None:
        """After every fault: a run cut short still leaves its figures."""
        figures[name] = figure
        out.write_text(json.dumps(figures, indent=2))

    try:
        chaos.start_stores()
        chaos.instances = [chaos.launch(0), chaos.launch(1)]

        outcomes, recovery = [], []
        hangs = 3 if "hang" in faults else 0
        for _ in range(hangs):  # version-control hangs on every call: the gateway's timeout and fallback carry the run
            client = chaos.client(0)
            thread = await client.threads.create()
            started = time.monotonic()
            run = await client.runs.create(thread["thread_id"], "investigation", input=INPUT)
            outcomes.append(await end_of(chaos, thread["thread_id"], run["run_id"], client))
            recovery.append(time.monotonic() - started)
            save("provider hanging (6 s timeout, fallback); time = whole run", row(outcomes, recovery, 0))

        outcomes, recovery, twice = [], [], 0
        for _ in range(kills if "kill" in faults else 0):
            if time.time() > kill_deadline:
                break
            thread_id, run_id, victim = await start_run(chaos)
            if victim is None:
                outcomes.append(await end_of(chaos, thread_id, run_id, chaos.client(0)))
                continue
            killed = time.monotonic()
            stop_instance(chaos.instances[victim], signal.SIGKILL)
            outcomes.append(await end_of(chaos, thread_id, run_id, chaos.client(1 - victim)))
            recovery.append(time.monotonic() - killed)
            twice += await reported(chaos, thread_id) > 1
            chaos.instances[victim] = chaos.launch(victim)
            save("kill -9 of the instance running the run", row(outcomes, recovery, twice))
        for store in [name for name, key in (("Redis", "redis"), ("PostgreSQL", "postgres")) if key in faults]:
            outcomes, recovery, twice = [], [], 0
            for _ in range(restarts):
                if time.time() > deadline:
                    break
                thread_id, run_id, _runner = await start_run(chaos)
                hit = time.monotonic()
                if store == "Redis":
                    redis_server.stop(chaos.home / "redis")
                    redis_server.start(chaos.home / "redis", chaos.redis_port)
                else:
                    postgres_server.stop(chaos.pg_dir)
                    postgres_server.start(chaos.pg_dir, chaos.pg_port)
                outcomes.append(await end_of(chaos, thread_id, run_id, chaos.client(0)))
                recovery.append(time.monotonic() - hit)
                twice += await reported(chaos, thread_id) > 1
                save(f"{store} restart mid-run", row(outcomes, recovery, twice))

    finally:
        chaos.close()
    print(json.dumps(figures, indent=2))
    for name, figure in figures.items():
        assert figure["lost"] == 0 and figure["reported_twice"] == 0, (name, figure)
