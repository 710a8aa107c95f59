"""A served run whose node crashes every time: a dead letter visible in /metrics, listed and re-driven by the CLI.

The crash is injected by configuration: the dependency graph is a Neo4j on a port where nothing listens, so the
`collect` node that teaches it the topology fails on every attempt, after intake and planner left their audit trail.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from langgraph_sdk import get_client
from serving_stack import DEMO_INPUT, Stack, own_stack
from test_queue_metrics import scrape

from api.serve import REPO_ROOT
from memory.redis_server import free_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def broken_stack(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    home = tmp_path_factory.mktemp("dead-letters")
    env = {"PM_DEPENDENCY_GRAPH": "neo4j", "PM_NEO4J_URI": f"bolt://127.0.0.1:{free_port()}"}
    env["PM_AUTO_REDRIVE"] = "0"  # an unreachable Neo4j is transient: here the operator re-drives (test_auto_redrive)
    with own_stack(redis_url, redis_db=14, log_dir=home / "logs", extra_env=env) as stack:
        yield stack


def pm(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PM_REDIS_URL": stack.redis_url, "PM_HOME": stack.env["PM_HOME"], "PM_DEAD_LETTERS": "redis"}
    command = [sys.executable, "-m", "api.cli.main", *args]
    return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)


async def _until_error(client: object, thread_id: str, run_id: str) -> None:
    for _ in range(600):
        run = await client.runs.get(thread_id, run_id)  # type: ignore[attr-defined]
        if run["status"] in ("error", "success", "interrupted"):
            assert run["status"] == "error", run
            return
        await asyncio.sleep(0.25)
    raise AssertionError("the run never ended")


async def test_a_served_run_that_always_crashes_is_a_dead_letter_never_lost(broken_stack: Stack) -> None:
    client = get_client(url=broken_stack.url, api_key=broken_stack.acme.api_key)
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], "investigation", input=DEMO_INPUT)
    await _until_error(client, thread["thread_id"], run["run_id"])

    async with httpx.AsyncClient(base_url=broken_stack.url, timeout=30.0) as http:
        metrics = scrape((await http.get("/metrics")).text)
    assert metrics["pm_dead_letters_waiting"] == 1
    assert metrics["pm_node_failures_total"] >= 1

    listed = pm(broken_stack, "runs", "dead-letters", "--json")
    assert listed.returncode == 0, listed.stderr
    (letter,) = json.loads(listed.stdout)
    assert letter["investigation_id"] == thread["thread_id"] and letter["origin"] == "served"
    assert letter["node"] == "collect" and letter["runs"] == [run["run_id"]] and letter["failures"] == 1
    assert letter["tenant"] == broken_stack.acme.name
    assert letter["inputs"]["request"]["text"] == DEMO_INPUT["request"]["text"]
    assert "request_received" in {e["type"] for e in letter["audit"]}, "the audit trail as far as it got"

    redriven = pm(broken_stack, "runs", "redrive", thread["thread_id"], "--url", broken_stack.url)
    assert redriven.returncode == 2 and "--api-key" in redriven.stderr, "no key, no service token: one line"
    redriven = pm(
        broken_stack,
        "runs",
        "redrive",
        thread["thread_id"],
        "--url",
        broken_stack.url,
        "--api-key",
        broken_stack.acme.api_key,
    )
    assert redriven.returncode == 0, redriven.stderr
    runs = await client.runs.list(thread["thread_id"])
    (again,) = [r for r in runs if r["run_id"] != run["run_id"]]
    await _until_error(client, thread["thread_id"], again["run_id"])
    (letter,) = json.loads(pm(broken_stack, "runs", "dead-letters", "--json").stdout)
    assert (letter["failures"], letter["redrives"]) == (2, 1), "the re-driven run crashed again and was counted"
    assert letter["runs"] == [run["run_id"], again["run_id"]]
    assert (letter["auto_redrives"], letter["status"]) == (0, "dead"), "PM_AUTO_REDRIVE=0: no automatic re-drive"


@pytest.fixture(scope="module")
def timing_out_stack(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Runs hang in `collect` (version-control never answers) and the runtime gives up on a run after 3 s."""
    from test_queue_metrics import hanging_version_control

    home = tmp_path_factory.mktemp("timeouts")
    env = hanging_version_control(home) | {"BG_JOB_TIMEOUT_SECS": "3"}
    with own_stack(redis_url, redis_db=6, log_dir=home / "logs", extra_env=env) as stack:
        yield stack


async def test_a_run_the_runtime_gives_up_on_is_swept_into_the_dead_letters(timing_out_stack: Stack) -> None:
    client = get_client(url=timing_out_stack.url, api_key=timing_out_stack.acme.api_key)
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], "investigation", input=DEMO_INPUT)
    await _until_error(client, thread["thread_id"], run["run_id"])  # no node raised: our graph never saw it fail

    async with httpx.AsyncClient(base_url=timing_out_stack.url, timeout=30.0) as http:
        metrics = scrape((await http.get("/metrics")).text)  # the scrape sweeps the runtime's failed runs
    assert metrics["pm_dead_letters_waiting"] == 1
    (letter,) = json.loads(pm(timing_out_stack, "runs", "dead-letters", "--json").stdout)
    assert letter["investigation_id"] == thread["thread_id"] and letter["runs"] == [run["run_id"]]
    assert letter["node"] is None and "maximum execution time" in letter["error"]
    assert letter["inputs"]["request"]["text"] == DEMO_INPUT["request"]["text"]
    assert letter["tenant"] == timing_out_stack.acme.name
