"""A plugin's view: the official langgraph_sdk against Aegra running our graph on PostgreSQL + Redis."""

from __future__ import annotations

import pytest
from langgraph_sdk import get_client
from langgraph_sdk.errors import AuthenticationError, NotFoundError
from serving_stack import DEMO_INPUT, Stack

pytestmark = pytest.mark.slow


async def test_stream_interrupt_resume_report(stack: Stack) -> None:
    client = get_client(url=stack.url, api_key=stack.acme.api_key)
    thread = await client.threads.create()
    thread_id = thread["thread_id"]

    nodes: list[str] = []
    async for part in client.runs.stream(thread_id, "investigation", input=DEMO_INPUT, stream_mode="updates"):
        if part.event == "updates":
            nodes.extend(part.data)
    assert nodes[:2] == ["intake", "planner"]
    assert "collect" in nodes and nodes[-3:] == ["reporter", "publish", "__interrupt__"]

    state = await client.threads.get_state(thread_id)
    assert state["next"] == ["approval"]
    (interrupt,) = state["tasks"][0]["interrupts"]
    assert [a["kind"] for a in interrupt["value"]["actions"]] == ["rollback"]

    # resume through the other instance: the checkpoint lives in the shared PostgreSQL
    other = get_client(url=stack.instances[1].url, api_key=stack.acme.api_key)
    resumed = [
        part.event
        async for part in other.runs.stream(
            thread_id, "investigation", command={"resume": {"approved": True, "by": "sre@acme"}}, stream_mode="updates"
        )
    ]
    assert "updates" in resumed

    final = await client.threads.get_state(thread_id)
    report = final["values"]["report"]
    assert final["next"] == []
    assert report["root_cause"]["service"] == "inventory"
    # whether the model confirms the demo is its calibrated call (0.77 today, below its CV threshold); what serving
    # must keep is a finished report whose confidence stays below certainty
    assert report["status"] in ("confirmed", "unconfirmed") and 0.0 < report["confidence"] <= 0.98
    assert [(a["status"], a["approved_by"]) for a in report["actions"]] == [("approved", "sre@acme")]


async def test_langgraph_api_needs_a_key(stack: Stack) -> None:
    anonymous = get_client(url=stack.url, api_key="pm_not-a-key")
    with pytest.raises(AuthenticationError, match="unknown API key"):
        await anonymous.threads.create()
    with pytest.raises(AuthenticationError, match="API key required"):
        await get_client(url=stack.url, headers={"authorization": "Basic eDp5"}).threads.search()


async def test_cross_tenant_thread_read_is_404(stack: Stack) -> None:
    acme = get_client(url=stack.url, api_key=stack.acme.api_key)
    globex = get_client(url=stack.url, api_key=stack.globex.api_key)
    thread = await acme.threads.create(metadata={"purpose": "isolation"})
    assert thread["metadata"]["tenant"] == stack.acme.name
    with pytest.raises(NotFoundError):
        await globex.threads.get(thread["thread_id"])
    assert thread["thread_id"] not in [t["thread_id"] for t in await globex.threads.search(limit=100)]


async def test_a_run_belongs_to_the_authenticated_tenant_whatever_its_body_claims(stack: Stack) -> None:
    acme = get_client(url=stack.url, api_key=stack.acme.api_key)
    thread = await acme.threads.create()
    claimed = {"request": {**DEMO_INPUT["request"], "tenant": stack.globex.name}}
    state = await acme.runs.wait(thread["thread_id"], "investigation", input=claimed)
    # globex's incident memory and audit stream are never touched by acme's run
    assert state["request"]["tenant"] == stack.acme.name
    assert state["report"]["root_cause"]["service"] == "inventory"
