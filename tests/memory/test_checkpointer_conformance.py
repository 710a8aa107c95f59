"""One conformance suite for every checkpointer backend (memory, sqlite, Redis 8), through a tiny real graph."""

from __future__ import annotations

import operator
import uuid
from collections import Counter
from typing import Annotated, TypedDict

import pytest
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt

from graphs.settings import Settings
from memory.checkpointers import CheckpointerUnavailable, open_checkpointer


class Tally(TypedDict):
    items: Annotated[list[str], operator.add]
    approved: bool


def tally_graph(saver: BaseCheckpointSaver, calls: Counter[str], *, crash_in: set[str] | None = None):
    """collect -> approve (interrupts for a human) -> report; `crash_in` makes a node fail once."""
    crash_in = crash_in if crash_in is not None else set()

    async def collect(state: Tally) -> dict:
        calls["collect"] += 1
        return {"items": [f"ev-{len(state['items'])}"]}

    async def approve(state: Tally) -> dict:
        calls["approve"] += 1
        answer = interrupt({"question": "approve?", "items": len(state["items"])})
        return {"approved": answer == "yes"}

    async def report(state: Tally) -> dict:
        calls["report"] += 1
        if "report" in crash_in:
            crash_in.discard("report")
            raise RuntimeError("process died in report")
        return {"items": ["report"]}

    builder = StateGraph(Tally)
    builder.add_node("collect", collect)
    builder.add_node("approve", approve)
    builder.add_node("report", report)
    builder.add_edge(START, "collect")
    builder.add_edge("collect", "approve")
    builder.add_edge("approve", "report")
    builder.add_edge("report", END)
    return builder.compile(checkpointer=saver)


def thread() -> dict:
    return {"configurable": {"thread_id": f"t-{uuid.uuid4().hex}"}}


async def test_interrupt_then_resume_finishes_the_run(saver: BaseCheckpointSaver) -> None:
    calls: Counter[str] = Counter()
    graph = tally_graph(saver, calls)
    config = thread()

    first = await graph.ainvoke({"items": [], "approved": False}, config)
    assert "__interrupt__" in first
    state = await graph.aget_state(config)
    assert state.next == ("approve",)
    assert state.values["items"] == ["ev-0"]

    done = await graph.ainvoke(Command(resume="yes"), config)
    assert done["approved"] is True
    assert done["items"] == ["ev-0", "report"]
    assert calls == Counter(collect=1, approve=2, report=1)  # approve re-runs on resume, collect does not


async def test_two_invocations_on_one_thread_accumulate(saver: BaseCheckpointSaver) -> None:
    graph = tally_graph(saver, Counter())
    config = thread()
    for _ in range(2):
        await graph.ainvoke({"items": [], "approved": False}, config)
        await graph.ainvoke(Command(resume="no"), config)

    state = await graph.aget_state(config)
    assert state.values["items"] == ["ev-0", "report", "ev-2", "report"]
    history = [snapshot async for snapshot in graph.aget_state_history(config)]
    assert len(history) >= 8
    assert history[0].config["configurable"]["checkpoint_id"] == state.config["configurable"]["checkpoint_id"]


async def test_saver_puts_gets_and_lists_checkpoints(saver: BaseCheckpointSaver) -> None:
    graph = tally_graph(saver, Counter())
    config = thread()
    await graph.ainvoke({"items": [], "approved": False}, config)

    latest = await saver.aget_tuple(config)
    assert latest is not None
    assert latest.checkpoint["channel_values"]["items"] == ["ev-0"]
    listed = [item async for item in saver.alist(config)]
    assert listed[0].config["configurable"]["checkpoint_id"] == latest.config["configurable"]["checkpoint_id"]
    assert len(listed) >= 3
    ids = [item.config["configurable"]["checkpoint_id"] for item in listed]
    assert ids == sorted(ids, reverse=True)  # newest first

    older = await saver.aget_tuple(listed[-1].config)
    assert older is not None
    assert older.config["configurable"]["checkpoint_id"] == listed[-1].config["configurable"]["checkpoint_id"]
    assert [item async for item in saver.alist(thread())] == []


async def test_failed_run_resumes_from_its_checkpoint_without_rerunning_done_nodes(
    saver: BaseCheckpointSaver,
) -> None:
    calls: Counter[str] = Counter()
    graph = tally_graph(saver, calls, crash_in={"report"})
    config = thread()
    await graph.ainvoke({"items": [], "approved": False}, config)

    with pytest.raises(RuntimeError, match="process died"):
        await graph.ainvoke(Command(resume="yes"), config)
    assert (await graph.aget_state(config)).next == ("report",)

    resumed = await graph.ainvoke(None, config)
    assert resumed["items"] == ["ev-0", "report"]
    assert resumed["approved"] is True
    assert calls == Counter(collect=1, approve=2, report=2)


async def test_a_fresh_saver_sees_what_another_wrote(saver: BaseCheckpointSaver, tmp_path, request) -> None:
    """What survives a process is what a second saver on the same store reads."""
    kind = request.node.callspec.params["saver"]
    if kind == "memory":
        pytest.skip("the in-memory saver lives and dies with its process by design")
    graph = tally_graph(saver, Counter())
    config = thread()
    await graph.ainvoke({"items": [], "approved": False}, config)

    redis_url = request.getfixturevalue("redis_url") if kind == "redis" else None
    values: dict[str, object] = {"checkpointer": kind, "home": tmp_path}
    if redis_url:
        values["redis_url"] = redis_url
    async with open_checkpointer(Settings(**values)) as second:
        calls: Counter[str] = Counter()
        done = await tally_graph(second, calls).ainvoke(Command(resume="yes"), config)
    assert done["items"] == ["ev-0", "report"]
    assert calls == Counter(approve=1, report=1)


async def test_unreachable_redis_is_a_clear_error(tmp_path) -> None:
    settings = Settings(checkpointer="redis", home=tmp_path, redis_url="redis://127.0.0.1:1/0")
    with pytest.raises(CheckpointerUnavailable, match=r"cannot reach Redis at redis://127\.0\.0\.1:1/0"):
        async with open_checkpointer(settings):
            pass
