"""The real mcp-atlassian (Jira) over stdio, with Jira's REST API stood in on 127.0.0.1 from a scenario world.

Fails when the vendor renames a tool we call, drops or adds a required argument, or changes the payload we parse;
and gates the mcp-atlassian provider with `production-master providers parity` and an investigation through it.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from vendor_helpers import VENV, assert_adapter_fits, standin, vendor_and_world, vendor_command, vendor_session

from tools import interfaces as io
from tools.adapters import get_adapter
from tools.servers.standins.http import Seen
from tools.servers.standins.jira_api import jira_app
from tools.worlds.base import load_world

SCENARIO = "checkout-payment-errors"
WORLD_OPTIONS = {"scenario": SCENARIO}
KEY = "SUP-4821"


@pytest.fixture(scope="module")
def world():  # type: ignore[no-untyped-def]
    return load_world("scenario", WORLD_OPTIONS)


@pytest.fixture(scope="module")
def command() -> str:
    return vendor_command("mcp-atlassian", VENV / "atlassian" / "bin" / "mcp-atlassian")


@pytest.fixture(scope="module")
def jira(world) -> Iterator[tuple[str, Seen]]:  # type: ignore[no-untyped-def]
    with standin(jira_app, world) as answered:
        yield answered


QUIET = {"TOOLSETS": "all", "FASTMCP_CHECK_FOR_UPDATES": "off", "FASTMCP_SHOW_SERVER_BANNER": "false"}


def env_for(url: str) -> dict[str, str]:
    """Jira Data Center mode (a non-Cloud URL and a personal access token); no update check leaves the machine."""
    return {"JIRA_URL": url, "JIRA_PERSONAL_TOKEN": "standin-token", "HOME": os.environ["HOME"]} | QUIET


async def test_contract_of_the_atlassian_adapter(command: str, jira: tuple[str, Seen], world) -> None:  # type: ignore[no-untyped-def]
    url, seen = jira
    adapter = get_adapter("mcp-atlassian")
    samples = {
        "get_ticket": io.GetTicketIn(key=KEY),
        "search_tickets": io.SearchTicketsIn(query="payment"),
        "add_comment": io.AddCommentIn(key=KEY, body="root cause: payments-api"),
    }
    async with vendor_session(command, [], env_for(url)) as session:
        tools = (await session.list_tools()).tools
        assert_adapter_fits(adapter, tools, samples)
        for operation, query in samples.items():
            got, want = await vendor_and_world(session, adapter, world, operation, query)
            if operation == "add_comment":
                assert got["ok"] and got["ref"].startswith(f"{KEY}#comment-")
                continue
            for payload in (got, want):  # mcp-atlassian's search carries no comments (declared lossy)
                for ticket in [payload.get("ticket"), *payload.get("tickets", [])]:
                    if ticket:
                        ticket.pop("comments")
            assert got == want, operation
    assert seen.unanswered == [], "mcp-atlassian asked the Jira stand-in for endpoints it does not serve"


def _configure(tmp_path: Path, command: str, url: str) -> dict[str, str]:
    routing = {
        "providers": {"jira-vendor": {"server": "atlassian", "adapter": "mcp-atlassian"}},
        "interfaces": {"ticket-system": {"provider": "jira-vendor", "mode": "external", "fallback": None}},
    }
    (tmp_path / "routing.yaml").write_text(json.dumps(routing))
    servers = {
        "mcpServers": {
            "atlassian": {
                "command": command,
                "env": {"JIRA_URL": url, "JIRA_PERSONAL_TOKEN": "${PM_TEST_JIRA_TOKEN}"} | QUIET,
            }
        }
    }
    (tmp_path / "servers.json").write_text(json.dumps(servers))
    return os.environ | {
        "PM_ROUTING_TABLE": str(tmp_path / "routing.yaml"),
        "PM_MCP_SERVERS_FILE": str(tmp_path / "servers.json"),
        "PM_WORLD_OPTIONS": json.dumps(WORLD_OPTIONS),
        "PM_TEST_JIRA_TOKEN": "standin-token",  # pragma: allowlist secret
    }


def _cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = str(VENV / "bin" / "production-master")
    return subprocess.run([exe, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_parity_gate_and_an_investigation_through_mcp_atlassian(
    tmp_path: Path, command: str, jira: tuple[str, Seen]
) -> None:
    url, _ = jira
    env = _configure(tmp_path, command, url)
    gate = _cli("providers", "parity", "--interface", "ticket-system", "--a", "internal", "--b", "jira-vendor",
                "--world", "scenario", "--json", env=env, cwd=tmp_path)  # fmt: skip
    assert gate.returncode == 0, gate.stdout[-2000:] + gate.stderr[-2000:]
    report = json.loads(gate.stdout)
    assert report["cases"] and all(c["count_b"] > 0 for c in report["cases"])

    runs = {}
    for name, run_env in (("internal", os.environ | {"PM_WORLD_OPTIONS": json.dumps(WORLD_OPTIONS)}), ("vendor", env)):
        out = tmp_path / name
        done = _cli("investigate", "--ticket", KEY, "--world", "scenario", "--checkpointer", "memory", "-q",
                    "--out", str(out), env=run_env, cwd=tmp_path)  # fmt: skip
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        runs[name] = json.loads((out / "report.json").read_text())
    vendor = runs["vendor"]
    ticket = [e for e in vendor["evidence"] if e["kind"] == "ticket"]
    assert ticket and ticket[0]["provider"] == "jira-vendor", "the ticket must come through mcp-atlassian"
    assert vendor["root_cause"]["service"] == runs["internal"]["root_cause"]["service"]
    assert vendor["root_cause"]["pinpoint"]["ref"] == runs["internal"]["root_cause"]["pinpoint"]["ref"]
