"""Scheduled investigations (health sweeps) through the runtime's crons, as Aegra 0.11 offers them.

Known limit: `crons.create` answers without a `cron_id`, so the sweep is found again with `crons.search`.
"""

from __future__ import annotations

import pytest
from langgraph_sdk import get_client
from serving_stack import Stack

pytestmark = pytest.mark.slow
SWEEP = {"request": {"kind": "schedule", "source": "cron", "text": "health sweep: checkout p95 latency"}}


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
