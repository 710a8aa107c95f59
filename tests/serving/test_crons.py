"""Scheduled investigations (health sweeps) through the runtime's crons, as Aegra 0.11 offers them.

Known limit: `crons.create` answers without a `cron_id` (it answers the first run), so the sweep is found again with
`crons.search`. Creating an enabled cron runs it at once; the scheduler fires the following occurrences.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from langgraph_sdk import get_client
from langgraph_sdk.errors import NotFoundError
from serving_stack import FAST_CRONS, Stack, own_stack

pytestmark = pytest.mark.slow
SWEEP = {"request": {"kind": "schedule", "source": "cron", "text": "health sweep: checkout p95 latency"}}
DEMO_SWEEP = {"request": SWEEP["request"] | {"at": "2026-11-20T10:41:00Z"}}
EVERY_5_SECONDS = "*/5 * * * * *"
FINISHED = {"success", "interrupted"}  # interrupted: the report is done, proposed actions wait for a human


@pytest.fixture(scope="module")
def cron_stack(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of its own whose scheduler polls every second and accepts seconds-first schedules."""
    with own_stack(redis_url, redis_db=11, log_dir=tmp_path_factory.mktemp("crons"), extra_env=FAST_CRONS) as stack:
        yield stack


async def test_a_health_sweep_is_scheduled_listed_and_removed(stack: Stack) -> None:
    client = get_client(url=stack.url, api_key=stack.acme.api_key)
    created = await client.crons.create("investigation", schedule="*/15 * * * *", input=SWEEP)
    assert "cron_id" not in created or created["cron_id"]  # 0.11: no id in the answer; later versions: one

    sweeps = [c for c in await client.crons.search(assistant_id="investigation") if c.get("schedule") == "*/15 * * * *"]
    assert len(sweeps) == 1
    sweep = sweeps[0]
    assert sweep["payload"]["input"] == SWEEP
    assert sweep["next_run_date"], "the runtime computed the next firing"

    other = get_client(url=stack.url, api_key=stack.globex.api_key)
    assert sweep["cron_id"] not in [c["cron_id"] for c in await other.crons.search()], "crons are per tenant"

    await client.crons.delete(sweep["cron_id"])
    assert sweep["cron_id"] not in [c["cron_id"] for c in await client.crons.search()]


async def test_a_scheduled_sweep_fires_reports_the_root_cause_and_stops_once_deleted(cron_stack: Stack) -> None:
    acme = get_client(url=cron_stack.url, api_key=cron_stack.acme.api_key)
    globex = get_client(url=cron_stack.url, api_key=cron_stack.globex.api_key)
    keep = "keep"  # a stateless cron deletes each firing's thread when its run ends; keep it to read the report
    first = await acme.crons.create("investigation", schedule=EVERY_5_SECONDS, input=DEMO_SWEEP, on_run_completed=keep)
    (cron,) = [c for c in await acme.crons.search(assistant_id="investigation") if c["schedule"] == EVERY_5_SECONDS]

    fired = await _wait_for(lambda threads: [t for t in threads if t["thread_id"] != first["thread_id"]], acme)
    await acme.crons.delete(cron["cron_id"])
    thread = fired[0]
    assert thread["metadata"]["owner"] == cron_stack.acme.name and thread["metadata"]["graph_id"] == "investigation"

    run = await _finished_run(acme, thread["thread_id"])
    assert run["user_id"] == cron_stack.acme.name
    state = await acme.threads.get_state(thread["thread_id"])
    assert state["values"]["request"]["kind"] == "schedule"
    assert state["values"]["report"]["root_cause"]["service"] == "inventory", state["values"]["report"]["root_cause"]

    assert await globex.threads.search(limit=100) == [], "another tenant sees the sweep's threads"
    with pytest.raises(NotFoundError):
        await globex.threads.get_state(thread["thread_id"])

    await asyncio.sleep(2.0)  # a firing claimed just before the delete may still be creating its run
    settled = len(await acme.threads.search(limit=1000))
    await asyncio.sleep(12.0)  # more than two periods of the schedule plus a scheduler poll
    assert len(await acme.threads.search(limit=1000)) == settled, "the deleted sweep fired again"
    assert cron["cron_id"] not in [c["cron_id"] for c in await acme.crons.search()]


async def _wait_for(select: Any, client: Any, attempts: int = 120) -> list[dict[str, Any]]:
    """Poll the tenant's threads until `select` finds some (the scheduler fires within one period and one poll)."""
    for _ in range(attempts):
        found = select(await client.threads.search(limit=1000))
        if found:
            return found
        await asyncio.sleep(0.5)
    raise AssertionError("the scheduler never fired the sweep")


async def _finished_run(client: Any, thread_id: str, attempts: int = 600) -> dict[str, Any]:
    """The thread's run once it finished (its report written)."""
    for _ in range(attempts):
        runs = await client.runs.list(thread_id)
        if runs and runs[0]["status"] in FINISHED:
            return runs[0]
        assert not runs or runs[0]["status"] in {"pending", "running", *FINISHED}, runs[0]
        await asyncio.sleep(0.2)
    raise AssertionError(f"the fired run did not finish: {runs}")
