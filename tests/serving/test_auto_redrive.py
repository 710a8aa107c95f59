"""Served dead letters whose error is transient infrastructure are re-driven by the instances, without an operator.

A real transient failure: the stack's own Redis (which holds the audit trail here) is stopped while a run is in
`collect` and started again; the run fails writing its audit events, and the instances re-drive it from its checkpoint
until it reports, once. A permanent failure (a request the intake node rejects) is left for an operator, and a
failure that never heals (a Neo4j where nothing listens) is re-driven `PM_REDRIVE_MAX` times, then marked exhausted.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client
from serving_stack import DEMO_INPUT, Stack, own_stack
from test_dead_letters_served import pm
from test_queue_metrics import hanging_version_control

from api.auth.hook import SERVICE_TENANT_HEADER, SERVICE_TOKEN_HEADER
from memory import redis_server
from memory.audit import RedisStreamAuditLog
from memory.redis_server import free_port

pytestmark = pytest.mark.slow
QUICK = {"PM_REDRIVE_BACKOFF_SECONDS": "1", "PM_REDRIVE_INTERVAL_SECONDS": "1"}


def client_of(stack: Stack, k: int = 0) -> Any:
    """The service token acting for acme: it needs no tenant record (a Redis restart wipes them)."""
    headers = {SERVICE_TOKEN_HEADER: stack.service_token, SERVICE_TENANT_HEADER: stack.acme.name}
    return get_client(url=stack.instances[k].url, headers=headers)


def counter(stack: Stack, name: str, **labels: str) -> float:
    """`name` summed over the instances (each counts what it did)."""
    from prometheus_client.parser import text_string_to_metric_families

    total = 0.0
    for instance in stack.instances:
        text = httpx.get(instance.url + "/metrics", timeout=30).text
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                    total += sample.value
    return total


async def runs_of(client: Any, thread_id: str) -> list[dict[str, Any]]:
    return sorted(await client.runs.list(thread_id, limit=50), key=lambda r: str(r["created_at"]))


async def until(check: Any, wait_s: float, what: str) -> Any:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            found = await check()
        except Exception:  # a store on its way back
            found = None
        if found:
            return found
        await asyncio.sleep(0.5)
    raise AssertionError(f"{what}: not within {wait_s:.0f} s")


@pytest.fixture(scope="module")
def flaky_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Path, int]]:
    """2 instances on a Redis of their own (the test restarts it), audit trail in that Redis."""
    home = tmp_path_factory.mktemp("auto-redrive")
    redis_dir, port = home / "redis", free_port()
    url = redis_server.start(redis_dir, port).url
    env = hanging_version_control(home, timeout_s=8) | QUICK | {"PM_AUDIT": "redis"}
    try:
        with own_stack(url, redis_db=0, log_dir=home / "logs", extra_env=env, instances=2) as stack:
            yield stack, redis_dir, port
    finally:
        redis_server.stop(redis_dir)


async def test_a_run_failed_by_a_redis_outage_reports_without_an_operator(
    flaky_stack: tuple[Stack, Path, int],
) -> None:
    stack, redis_dir, port = flaky_stack
    client = client_of(stack)
    thread = await client.threads.create()
    thread_id = thread["thread_id"]
    run = await client.runs.create(thread_id, "investigation", input=DEMO_INPUT)
    await until(lambda: _status_is(client, thread_id, run["run_id"], "running"), 60, "the run starts")
    await asyncio.sleep(2.0)  # inside collect, waiting 8 s on the hanging version-control provider
    redis_server.stop(redis_dir)
    try:
        first = await until(lambda: _ended(client, thread_id, run["run_id"]), 60, "the run ends")
    finally:
        redis_server.start(redis_dir, port)
    assert first == "error", "the run failed on the outage (its audit trail could not be written)"

    async def reported() -> bool:
        state = await client.threads.get_state(thread_id)
        return bool((state.get("values") or {}).get("report"))

    async def settled() -> list[dict]:  # the report is in state a moment before the run stops for approval
        runs = await runs_of(client, thread_id)
        return runs if runs[-1]["status"] not in ("pending", "running") else []

    await until(reported, 240, "the investigation reaches its report with nobody re-driving it")
    runs = await until(settled, 60, "the re-driven run settles")
    assert runs[0]["run_id"] == run["run_id"] and len(runs) >= 2, [r["status"] for r in runs]
    assert runs[-1]["status"] in ("success", "interrupted"), "done (interrupted: its proposed actions await approval)"
    log = RedisStreamAuditLog(stack.redis_url)
    try:
        events = await log.read(thread_id)
    finally:
        await log.aclose()
    assert sum(e.type.value == "report_published" for e in events) == 1, "reported once"
    notes = [e for e in events if e.type.value == "note" and e.actor == "auto-redrive"]
    assert notes and notes[0].payload["attempt"] == 1 and notes[0].payload["run_id"] == runs[1]["run_id"]
    assert json.loads(pm(stack, "runs", "dead-letters", "--json").stdout) == [], "the letter cleared"
    assert counter(stack, "pm_auto_redrives_total", outcome="started") >= 1
    assert counter(stack, "pm_redrive_passes_total") > 0


async def _status_is(client: Any, thread_id: str, run_id: str, status: str) -> bool:
    return (await client.runs.get(thread_id, run_id))["status"] == status


async def _ended(client: Any, thread_id: str, run_id: str) -> str | None:
    status = (await client.runs.get(thread_id, run_id))["status"]
    return status if status in ("success", "error", "interrupted") else None


@pytest.fixture(scope="module")
def broken_stack(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The dependency graph is a Neo4j where nothing listens: `collect` fails on every attempt (transient kind)."""
    home = tmp_path_factory.mktemp("redrive-exhausted")
    env = QUICK | {
        "PM_REDRIVE_MAX": "2",
        "PM_DEPENDENCY_GRAPH": "neo4j",
        "PM_NEO4J_URI": f"bolt://127.0.0.1:{free_port()}",
    }
    with own_stack(redis_url, redis_db=15, log_dir=home / "logs", extra_env=env, instances=2) as stack:
        yield stack


def letters(stack: Stack) -> dict[str, dict[str, Any]]:
    listed = pm(stack, "runs", "dead-letters", "--json")
    assert listed.returncode == 0, listed.stderr
    return {letter["investigation_id"]: letter for letter in json.loads(listed.stdout)}


async def test_a_failure_that_never_heals_is_redriven_up_to_the_cap_then_left_listed(broken_stack: Stack) -> None:
    client = client_of(broken_stack)
    thread = await client.threads.create()
    thread_id = thread["thread_id"]
    await client.runs.create(thread_id, "investigation", input=DEMO_INPUT)

    async def exhausted() -> dict[str, Any] | None:
        letter = letters(broken_stack).get(thread_id)
        return letter if letter and letter["status"] == "auto_redrive_exhausted" else None

    letter = await until(exhausted, 150, "the letter is marked exhausted")
    assert letter["auto_redrives"] == 2 and letter["node"] == "collect"
    assert "neo4j.exceptions.ServiceUnavailable" in letter["error_types"]
    runs = await runs_of(client, thread_id)
    assert [r["status"] for r in runs] == ["error"] * 3, "the first run and two automatic re-drives, all failed"
    assert letter["failures"] == 3 and letter["runs"] == [r["run_id"] for r in runs]
    await asyncio.sleep(4.0)  # passes go on: no further attempt
    assert len(await runs_of(client, thread_id)) == 3
    table = pm(broken_stack, "runs", "dead-letters").stdout
    assert thread_id in table and "auto_redrive_exhausted" in table
    assert counter(broken_stack, "pm_auto_redrives_total", outcome="exhausted") == 1
    async with httpx.AsyncClient(base_url=broken_stack.url, timeout=30.0) as http:
        assert "pm_dead_letters_waiting 1.0" in (await http.get("/metrics")).text, "PMDeadLetters still fires"


async def test_a_permanent_error_is_left_to_an_operator(broken_stack: Stack) -> None:
    client = client_of(broken_stack)
    thread = await client.threads.create()
    thread_id = thread["thread_id"]
    bad = {"request": {"text": "checkout p95 latency above 2s", "at": "not a time"}}  # intake rejects it
    run = await client.runs.create(thread_id, "investigation", input=bad)
    assert await until(lambda: _ended(client, thread_id, run["run_id"]), 60, "the run ends") == "error"

    async def judged() -> dict[str, Any] | None:
        letter = letters(broken_stack).get(thread_id)
        return letter if letter and letter["status"] == "not_transient" else None

    letter = await until(judged, 30, "the letter is judged")
    assert letter["node"] == "intake" and letter["auto_redrives"] == 0
    await asyncio.sleep(4.0)  # several passes with a 1 s back-off
    assert [r["run_id"] for r in await runs_of(client, thread_id)] == [run["run_id"]], "never re-driven"
    assert letters(broken_stack)[thread_id]["auto_redrives"] == 0


async def test_a_letter_of_an_investigation_that_reported_is_cleared_not_redriven(
    flaky_stack: tuple[Stack, Path, int],
) -> None:
    """A letter left behind by an investigation that went on to report (clearing it failed, or a sweep raced the
    report): running it again would report twice."""
    from memory.deadletters import DeadLetter, RedisDeadLetters

    stack, _, _ = flaky_stack
    client = client_of(stack)
    thread = await client.threads.create()
    thread_id = thread["thread_id"]
    run = await client.runs.create(thread_id, "investigation", input=DEMO_INPUT)
    assert await until(lambda: _ended(client, thread_id, run["run_id"]), 120, "the run ends") != "error"
    store = RedisDeadLetters(stack.redis_url)
    late = DeadLetter(
        investigation_id=thread_id,
        origin="served",
        tenant=stack.acme.name,
        error="couldn't get a connection after 30.00 sec",
        runs=["a-run-that-failed-after-the-report"],
    )
    try:
        await store.record(late)
        await until(lambda: _gone(store, thread_id), 60, "the letter is cleared")
    finally:
        await store.aclose()
    assert [r["run_id"] for r in await runs_of(client, thread_id)] == [run["run_id"]], "no new run"
    log = RedisStreamAuditLog(stack.redis_url)
    try:
        events = await log.read(thread_id)
    finally:
        await log.aclose()
    assert sum(e.type.value == "report_published" for e in events) == 1
    assert any("had reported" in e.payload.get("text", "") for e in events if e.type.value == "note")
    assert counter(stack, "pm_auto_redrives_total", outcome="reported") >= 1


async def _gone(store: Any, thread_id: str) -> bool:
    return await store.get(thread_id) is None
