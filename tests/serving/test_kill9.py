"""An instance killed with SIGKILL mid-run: the other finishes the investigation and the Slack report is posted once.

Its own PostgreSQL, Redis database and Slack stand-in, so no other instance can pick the run up. The run is slowed
down in `collect` by a version-control provider that hangs (the gateway times it out and falls back to the world),
which leaves time to start the second instance and kill the first while it holds the run.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from langgraph_sdk import get_client
from model_params import lenient_params
from serving_stack import SLACK_SIGNING_SECRET
from slack_standin import SlackStandIn, running_standin
from test_slack import button_value, command, signed, wait_for_post

from api.auth.tenants import create_tenant
from api.serve import REPO_ROOT, instance_env, start_instance, stop_instance, wait_ready
from memory.postgres_server import running
from memory.redis_server import free_port

pytestmark = pytest.mark.slow
FAST_RECOVERY = {"LEASE_DURATION_SECONDS": "9", "HEARTBEAT_INTERVAL_SECONDS": "3", "REAPER_INTERVAL_SECONDS": "2"}


@pytest.fixture(scope="module")
def kill_setup(
    redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, SlackStandIn, Path]]:
    """(database url, redis url, Slack stand-in, config dir): a PostgreSQL of its own and Redis database 8."""
    home = tmp_path_factory.mktemp("kill9")
    with running() as postgres, running_standin() as (standin, slack_url):
        servers = json.loads((REPO_ROOT / "api" / "slack" / "mcp-servers.json").read_text())["mcpServers"]
        hang = ["-m", "tools.servers.standins", "--vendor", "contract", "--world", "demo", "--fault", "hang"]
        servers["hanging"] = {"command": sys.executable, "args": hang}
        (home / "servers.json").write_text(json.dumps({"mcpServers": servers}))
        routing = yaml.safe_load((REPO_ROOT / "api" / "slack" / "routing.yaml").read_text())
        routing["interfaces"]["version-control"] = {
            "provider": "hanging",
            "fallback": "internal",
            "timeout_s": 20,
            "retry": {"attempts": 1},
        }
        (home / "routing.yaml").write_text(yaml.safe_dump(routing))
        (home / "slack_url").write_text(slack_url)
        yield postgres.url, redis_url.rsplit("/", 1)[0] + "/8", standin, home


async def test_sigkill_mid_run_completes_elsewhere_and_posts_once(
    kill_setup: tuple[str, str, SlackStandIn, Path],
) -> None:
    database_url, redis_url, standin, home = kill_setup
    tenant = await create_tenant("kill9", redis_url)
    extra = FAST_RECOVERY | {
        "PM_HOME": str(home / "pm"),
        "PM_WORLD": "demo",
        "PM_MODEL_PARAMS": str(lenient_params()),  # recovery on a settled verdict, not the model's call
        "PM_SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
        "PM_SLACK_BOT_TOKEN": "xoxb-test-token",
        "PM_SLACK_API_URL": (home / "slack_url").read_text(),
        "PM_SLACK_TENANT": tenant.name,
        "PM_ROUTING_TABLE": str(home / "routing.yaml"),
        "PM_MCP_SERVERS_FILE": str(home / "servers.json"),
    }
    ports = [free_port(), free_port()]

    def env(port: int) -> dict[str, str]:
        return instance_env(
            database_url=database_url, redis_url=redis_url, port=port, service_token="kill9-token", extra=extra
        )

    first = start_instance(ports[0], env(ports[0]), home / "logs" / "first.log")
    second = None
    try:
        wait_ready(first)
        body = command("investigate checkout p95 latency above 2s at 2026-11-20T10:41:00Z")
        async with httpx.AsyncClient(base_url=first.url, timeout=60.0) as http:
            assert (await http.post("/slack/events", content=body, headers=signed(body))).status_code == 200
        client = get_client(url=first.url, api_key=tenant.api_key)
        (thread,) = await client.threads.search(limit=10)
        thread_id = thread["thread_id"]
        for _ in range(300):  # the only instance took the run: wait until it is collecting evidence
            state = await client.threads.get_state(thread_id)
            if "collect" in (state.get("next") or []):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError(f"the run never reached collect: {state.get('next')}")

        second = start_instance(ports[1], env(ports[1]), home / "logs" / "second.log")
        wait_ready(second)
        assert not any(button_value(p, "pm_approve") for p in standin.posts()), "the run finished before the kill"
        stop_instance(first, signal.SIGKILL)

        other = get_client(url=second.url, api_key=tenant.api_key)
        report = await wait_for_post(standin, lambda p: button_value(p, "pm_approve"), "with the report")
        for _ in range(600):
            state = await other.threads.get_state(thread_id)
            if state.get("next") == ["approval"] and state["tasks"][0].get("interrupts"):
                break
            await asyncio.sleep(0.2)
        else:
            raise AssertionError(f"the investigation did not reach the approval interrupt: {state.get('next')}")
    finally:
        for instance in (first, second):
            if instance is not None:
                stop_instance(instance)

    assert state["values"]["report"]["root_cause"]["service"] == "inventory"
    assert button_value(report, "pm_approve") == thread_id
    reports = [p for p in standin.posts() if button_value(p, "pm_approve")]
    assert len(reports) == 1, f"the report was posted {len(reports)} times"
