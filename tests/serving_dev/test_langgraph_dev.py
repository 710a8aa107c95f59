"""`langgraph dev` serves our graph; the official langgraph-sdk client runs an investigation through it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dev_server import langgraph_dev
from langgraph_sdk import get_client

from memory.redis_server import free_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("langgraph-dev") / "server.log"
    # the served graph writes its stores under PM_HOME
    env = {"PM_WORLD": "demo", "PM_HOME": str(tmp_path_factory.mktemp("pm-home"))}
    with langgraph_dev(free_port(), log, env) as url:
        yield url


async def test_an_investigation_runs_through_the_langgraph_server_api(dev_server: str) -> None:
    client = get_client(url=dev_server)
    assistants = await client.assistants.search(graph_id="investigation")
    assert assistants, "the graph of langgraph.json is registered"
    thread = await client.threads.create()
    state = await client.runs.wait(
        thread["thread_id"],
        "investigation",
        input={"request": {"text": "checkout p95 latency above 2s", "at": "2026-11-20T10:41:00Z"}},
    )
    report = state["report"]
    assert report["root_cause"]["service"] == "inventory"
    assert report["root_cause"]["pinpoint"]["ref"] == "deploy-7790"
    assert report["investigation_id"] == thread["thread_id"]
    # the run stops at the approval interrupt with the rollback proposed
    thread_state = await client.threads.get_state(thread["thread_id"])
    assert thread_state["next"] == ["approval"]
