"""`langgraph dev` serves our graph; the official langgraph-sdk client runs an investigation through it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from langgraph_sdk import get_client

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("langgraph-dev") / "server.log"
    env = {
        **os.environ,
        "LANGSMITH_TRACING": "false",
        "LANGGRAPH_CLI_NO_ANALYTICS": "1",
        "LANGGRAPH_NO_VERSION_CHECK": "true",
        "PM_WORLD": "demo",
        "PM_HOME": str(tmp_path_factory.mktemp("pm-home")),  # the served graph writes its stores here
    }
    langgraph = Path(sys.executable).with_name("langgraph")
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(langgraph), "dev", "--no-browser", "--no-reload", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"langgraph dev exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/ok", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail(f"langgraph dev did not answer: {log.read_text()[-2000:]}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


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
