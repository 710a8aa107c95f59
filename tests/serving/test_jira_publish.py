"""Jira end to end: a signed `jira:issue_created` webhook -> an investigation that reads the issue from Jira and
comments its report on it exactly once, through the gateway (`deploy/jira/routing.yaml`, chosen by `serve` when
PM_JIRA_URL is set) and the Jira REST MCP server (`tools/servers/jira_rest.py`), to a Jira REST API stand-in on
127.0.0.1 (mocked only at the wire).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import payloads
import pytest
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from langgraph_sdk import get_client
from local_app import serving
from mcp.server.fastmcp.exceptions import ToolError
from serving_stack import Stack, own_stack

from api.auth.keys import hmac_sha256_hex
from api.serve import REPO_ROOT, instance_env
from tools.gateway.mcp_servers import load_mcp_servers
from tools.gateway.routing import load_routing_table
from tools.servers.jira_rest import build_jira_server, jira_client

KEY = "OPS-4242"
EMAIL, TOKEN = "pm-bot@acme.test", "jira-test-token"  # test values, not secrets


class JiraStandIn:
    """Jira's REST API v2 for one issue: search by key, comments; records every comment and checks the credentials.
    Cloud (basic auth, `/search/jql`; the old `/search` answers 410) or Data Center (bearer token, `/search` only)."""

    def __init__(self, issue: dict[str, Any], *, cloud: bool = True) -> None:
        self.issue = issue
        self.cloud = cloud
        self.comments: list[dict[str, Any]] = []
        self.searches: list[str] = []
        self._ids = itertools.count(10_000)
        self._lock = threading.Lock()
        self.app = FastAPI()
        if cloud:
            self.app.add_api_route("/rest/api/2/search/jql", self._search, methods=["POST"])
            self.app.add_api_route("/rest/api/2/search", self._removed, methods=["POST"])
        else:
            self.app.add_api_route("/rest/api/2/search", self._search, methods=["POST"])
        self.app.add_api_route("/rest/api/2/issue/{key}/comment", self._comment, methods=["POST"], status_code=201)
        self.app.add_exception_handler(HTTPException, self._jira_error)

    @staticmethod
    async def _jira_error(_request: Request, error: Exception) -> JSONResponse:
        """Jira's error body: `{"errorMessages": [...], "errors": {}}`."""
        assert isinstance(error, HTTPException)
        return JSONResponse(status_code=error.status_code, content={"errorMessages": [error.detail], "errors": {}})

    async def _removed(self) -> None:
        raise HTTPException(status_code=410, detail="The requested API has been removed.")

    def _authorise(self, request: Request) -> None:
        basic = "Basic " + base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
        expected = basic if self.cloud else f"Bearer {TOKEN}"
        if request.headers.get("authorization") != expected:
            raise HTTPException(status_code=401, detail="Client must be authenticated to access this resource.")

    async def _search(self, request: Request) -> dict[str, Any]:
        self._authorise(request)
        jql = (await request.json())["jql"]
        with self._lock:
            self.searches.append(jql)
            comments = [{"id": c["id"], "body": c["body"]} for c in self.comments]
        found = [self.issue | {"fields": self.issue["fields"] | {"comment": {"comments": comments}}}]
        issues = found if jql.replace(" ", "") == f'key="{self.issue["key"]}"' else []
        return {"startAt": 0, "maxResults": 50, "total": len(issues), "issues": issues}

    async def _comment(self, key: str, request: Request) -> dict[str, Any]:
        self._authorise(request)
        if key != self.issue["key"]:
            raise HTTPException(status_code=404, detail="Issue does not exist or you do not have permission to see it.")
        body = (await request.json())["body"]
        with self._lock:
            comment = {"id": str(next(self._ids)), "body": body}
            self.comments.append(comment)
        return comment | {"self": f"http://jira.test/rest/api/2/issue/{key}/comment/{comment['id']}"}

    def posted(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.comments)


def jira_issue() -> dict[str, Any]:
    """The issue the webhook announces, as Jira's search answers it."""
    fields = payloads.jira(KEY)["issue"]["fields"]
    extra = {"status": {"name": "Open"}, "reporter": {"displayName": "Ann"}, "comment": {"comments": []}}
    return {"id": "10001", "key": KEY, "fields": fields | extra}


@pytest.fixture(scope="module")
def jira() -> Iterator[tuple[JiraStandIn, str]]:
    with running_jira(JiraStandIn(jira_issue())) as served:
        yield served


@contextmanager
def running_jira(standin: JiraStandIn) -> Iterator[tuple[JiraStandIn, str]]:
    with serving(standin.app) as url:
        yield standin, url


@pytest.fixture(scope="module")
def jira_stack(
    redis_url: str, jira: tuple[JiraStandIn, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """One instance configured as a user would (PM_JIRA_*: `serve` routes ticket-system to Jira), own PostgreSQL."""
    env = {
        "PM_JIRA_URL": jira[1],
        "PM_JIRA_EMAIL": EMAIL,
        "PM_JIRA_API_TOKEN": TOKEN,
    }
    with own_stack(redis_url, redis_db=12, log_dir=tmp_path_factory.mktemp("jira"), extra_env=env) as stack:
        yield stack


def signed(body: bytes, secret: str, api_key: str) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "x-api-key": api_key,
        "x-hub-signature": "sha256=" + hmac_sha256_hex(secret, body),
    }


async def wait_for(predicate: Any, what: str, attempts: int = 900) -> Any:
    for _ in range(attempts):
        if found := await predicate():
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
async def test_issue_created_webhook_comments_the_report_once(jira_stack: Stack, jira: tuple[JiraStandIn, str]) -> None:
    standin, _ = jira
    tenant = jira_stack.acme
    body = json.dumps(payloads.jira(KEY)).encode()
    async with httpx.AsyncClient(base_url=jira_stack.url, timeout=60.0) as http:
        answer = await http.post(
            "/v1/webhooks/jira", content=body, headers=signed(body, tenant.webhook_secret, tenant.api_key)
        )
        assert answer.status_code == 202, answer.text
        (accepted,) = answer.json()["investigations"]
        thread_id = accepted["thread_id"]

        async def commented() -> list[dict[str, Any]]:
            return standin.posted()

        (comment,) = await wait_for(commented, "the report's comment on the issue")
        assert "inventory" in comment["body"], comment["body"]  # the demo's root cause, found from the issue's times
        assert any(KEY in jql for jql in standin.searches), "the investigation did not read the issue from Jira"

        client = get_client(url=jira_stack.url, api_key=tenant.api_key)

        async def waiting_for_approval() -> dict[str, Any] | None:
            state = await client.threads.get_state(thread_id)
            return state if state.get("next") == ["approval"] else None

        state = await wait_for(waiting_for_approval, "the approval interrupt")
        assert state["values"]["request"]["ticket_key"] == KEY

        # the same delivery again (Jira retries webhooks): attached to the open investigation, no second comment
        again = await http.post(
            "/v1/webhooks/jira", content=body, headers=signed(body, tenant.webhook_secret, tenant.api_key)
        )
        assert again.status_code == 202 and again.json()["investigations"][0]["thread_id"] == thread_id

    # the publish node executes again for the same investigation: replay from the checkpoint before it
    history = await client.threads.get_history(thread_id, limit=100)
    before_publish = next(c for c in history if c["next"] == ["publish"])
    replayed = [
        part.data
        async for part in client.runs.stream(
            thread_id,
            "investigation",
            input=None,
            checkpoint_id=before_publish["checkpoint"]["checkpoint_id"],
            stream_mode="updates",
        )
        if part.event == "updates" and isinstance(part.data, dict)
    ]
    assert any("publish" in update for update in replayed), f"publish did not run again: {replayed}"
    assert len(standin.posted()) == 1, f"the report was commented {len(standin.posted())} times"


@pytest.mark.parametrize(("slack", "routing"), [(False, "routing.yaml"), (True, "routing-slack.yaml")])
def test_serve_routes_tickets_to_jira_when_configured(slack: bool, routing: str) -> None:
    extra = {"PM_JIRA_URL": "http://127.0.0.1:9"} | ({"PM_SLACK_BOT_TOKEN": "xoxb-test"} if slack else {})
    env = instance_env(database_url="postgresql://x", redis_url="redis://x", port=1, service_token="t", extra=extra)
    table = load_routing_table(Path(env["PM_ROUTING_TABLE"]))
    servers = load_mcp_servers(Path(env["PM_MCP_SERVERS_FILE"]))
    assert Path(env["PM_ROUTING_TABLE"]) == REPO_ROOT / "deploy" / "jira" / routing
    route = table.interfaces["ticket-system"]
    assert route.provider == "jira" and route.mode == "external" and route.retry.attempts == 1
    assert table.providers["jira"].adapter == "jira"
    assert (table.interfaces["team-communications"].provider == "slack-web") is slack
    assert {p.server for p in table.providers.values()} <= set(servers)


async def test_the_jira_server_speaks_data_center_and_names_refusals() -> None:
    with running_jira(JiraStandIn(jira_issue(), cloud=False)) as (standin, url):
        server = build_jira_server(jira_client(url, TOKEN))  # no email: a Data Center personal access token
        found = await server.call_tool("get-issues", {"jql": f'key = "{KEY}"', "fields": ["summary"]})
        assert json.loads(found[0].text)["issues"][0]["key"] == KEY  # Cloud's /search/jql is 404 here: fell back
        done = await server.call_tool("comment-on-issue", {"issueKey": KEY, "body": "found it"})
        assert json.loads(done[0].text)["id"] == standin.posted()[0]["id"]

        refused = build_jira_server(jira_client(url, "wrong-token"))
        with pytest.raises(ToolError, match=r"Jira answered 401 .*Client must be authenticated"):
            await refused.call_tool("comment-on-issue", {"issueKey": KEY, "body": "again"})
        assert len(standin.posted()) == 1
