"""A real Prometheus scrapes the served instances and answers our service-level metrics through its HTTP API."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from langgraph_sdk import get_client
from prometheus_server import query, running_prometheus
from serving_stack import DEMO_INPUT, Stack

pytestmark = pytest.mark.slow


async def test_prometheus_scrapes_investigation_levels_from_both_instances(stack: Stack, tmp_path: Path) -> None:
    targets = [f"{i.host}:{i.port}" for i in stack.instances]
    with running_prometheus(targets, tmp_path / "prometheus") as prometheus:
        client = get_client(url=stack.url, api_key=stack.acme.api_key)
        thread = await client.threads.create()
        await client.runs.wait(thread["thread_id"], "investigation", input=DEMO_INPUT)
        state = await client.threads.get_state(thread["thread_id"])
        status = state["values"]["report"]["status"]  # the metric is labelled with whatever the verdict was
        assert status in ("confirmed", "unconfirmed")

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            up = query(prometheus, 'up{job="production-master"}')
            done = query(prometheus, f'sum(pm_investigations_total{{status="{status}"}})')
            waited = query(prometheus, "sum(pm_investigation_queue_wait_seconds_count)")
            finished = query(prometheus, "sum by (tier) (pm_investigation_completion_seconds_count)")
            # both targets scraped at least once, and the investigation counted
            if len(up) == 2 and done and waited and finished and float(done[0]["value"][1]) >= 1:
                break
            await asyncio.sleep(0.5)
        else:
            raise AssertionError(f"Prometheus never saw the investigation: up={up} done={done} finished={finished}")

    assert sorted(float(s["value"][1]) for s in up) == [1.0, 1.0], "both instances are scraped"
    assert float(waited[0]["value"][1]) >= 1
    assert {s["metric"]["tier"] for s in finished} == {"fast"}
