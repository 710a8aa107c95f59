"""A jira MCP server over Jira's REST API (v2): the tool names and payloads the jira adapter speaks.

`get-issues` {jql, fields, maxResults, startAt} is `POST /rest/api/2/search/jql` (Jira Cloud; its old
`/rest/api/2/search` answers 410 since 2025), or `POST /rest/api/2/search` where that is missing (Data Center answers
404); `comment-on-issue` {issueKey, body} is `POST /rest/api/2/issue/{issueKey}/comment`. Both answer Jira's own
JSON, which `tools/adapters/jira.py` maps to our ticket-system contract. Serving routes `ticket-system` here with
`deploy/jira/routing.yaml`, so the publish node's comment goes through the gateway's policy, audit and breakers.
Run: `python -m tools.servers.jira_rest` with PM_JIRA_URL and PM_JIRA_API_TOKEN (and PM_JIRA_EMAIL for Jira Cloud's
basic auth; without it the token is sent as a Data Center personal access token, `Bearer`).
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

import httpx
from mcp.server.fastmcp import FastMCP

TIMEOUT_S = 20.0
CLOUD_SEARCH, SERVER_SEARCH = "/rest/api/2/search/jql", "/rest/api/2/search"


class JiraRefused(ValueError):
    """Jira answered an error; the message carries its status and first error text, never the credentials."""


def jira_client(base_url: str, token: str, email: str | None = None) -> httpx.AsyncClient:
    """An HTTP client for one Jira site: basic auth (Cloud: email + API token) or a bearer personal access token."""
    auth = httpx.BasicAuth(email, token) if email else None
    headers = {"Accept": "application/json"} | ({} if email else {"Authorization": f"Bearer {token}"})
    return httpx.AsyncClient(base_url=base_url.rstrip("/"), auth=auth, headers=headers, timeout=TIMEOUT_S)


async def _send(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], *, missing_ok: bool = False
) -> dict[str, Any] | None:
    answer = await client.post(path, json=body)
    if missing_ok and answer.status_code == 404:
        return None
    if answer.status_code >= 400:
        raise JiraRefused(f"Jira answered {answer.status_code} to {path}: {_first_error(answer)}")
    return answer.json()


def _first_error(answer: httpx.Response) -> str:
    try:
        body = answer.json()
    except ValueError:
        return answer.text[:200]
    messages = [*(body.get("errorMessages") or []), *(body.get("errors") or {}).values()]
    return str(messages[0])[:200] if messages else "no error message"


def build_jira_server(client: httpx.AsyncClient) -> FastMCP:
    """The two tools over one Jira site."""
    server = FastMCP("jira-rest", log_level="WARNING")

    cloud = [True]  # until the site answers 404 to Cloud's search: then it is Data Center / Server

    async def get_issues(jql: str, fields: list[str] | None = None, maxResults: int = 50, startAt: int = 0) -> str:
        body = {"jql": jql, "fields": fields or ["*all"], "maxResults": maxResults}
        if cloud[0] and startAt == 0:  # Cloud pages with nextPageToken; we only ever read the first page
            found = await _send(client, CLOUD_SEARCH, body, missing_ok=True)
            if found is not None:
                return json.dumps(found)
            cloud[0] = False
        return json.dumps(await _send(client, SERVER_SEARCH, body | {"startAt": startAt}))

    async def comment_on_issue(issueKey: str, body: str) -> str:
        created = await _send(client, f"/rest/api/2/issue/{issueKey}/comment", {"body": body}) or {}
        return json.dumps({"id": str(created["id"]), "self": created.get("self", "")})

    server.add_tool(get_issues, name="get-issues", description="Search Jira issues with JQL.", structured_output=False)
    server.add_tool(
        comment_on_issue, name="comment-on-issue", description="Add a comment to a Jira issue.", structured_output=False
    )
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    url, token = os.environ.get("PM_JIRA_URL"), os.environ.get("PM_JIRA_API_TOKEN")
    if not url or not token:
        parser.exit(2, "PM_JIRA_URL and PM_JIRA_API_TOKEN must be set: the Jira MCP server cannot reach Jira\n")
    build_jira_server(jira_client(url, token, os.environ.get("PM_JIRA_EMAIL") or None)).run(transport="stdio")


if __name__ == "__main__":
    main()
