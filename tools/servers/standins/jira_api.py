"""A stand-in of Jira Data Center's REST API v2 over a world's tickets, for the real mcp-atlassian server.

Serves what mcp-atlassian asks of a Server/DC site: `serverInfo`, `myself`, `field`, `issue/{key}` (with `fields`
selection and the `comment` field), `search` (GET or POST, JQL `key = X`, `key in (..)`, `text ~ "..."`,
`summary ~ "..."`) and `POST issue/{key}/comment`, in Jira's own JSON shapes. The payloads are generated from the
world's ticket-system operations, so the vendor server reads the same tickets our internal server serves.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from graphs.contracts import Ticket
from tools.interfaces import AddCommentIn, GetTicketIn, SearchTicketsIn
from tools.servers.standins.http import Seen, not_found, recording
from tools.worlds.base import World, world_operation

VERSION = [9, 12, 0]
_KEY = re.compile(r'^\s*(?:key|issuekey)\s*=\s*"?([A-Za-z][A-Za-z0-9_]*-\d+)"?\s*$', re.I)
_KEYS = re.compile(r"^\s*(?:key|issuekey)\s+in\s*\(([^)]*)\)\s*$", re.I)
_TEXT = re.compile(r'^\s*(?:text|summary|description)\s*~\s*"((?:[^"\\]|\\.)*)"\s*$', re.I)
_ORDER = re.compile(r"\s+order\s+by\s+.*$", re.I)
_TYPE = re.compile(r'^\s*issuetype\s*=\s*"?(\w+)"?\s*$', re.I)


def jira_time(epoch: float) -> str:
    """Jira's timestamp format: `2024-05-14T10:05:00.000+0000`."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _user(name: str) -> dict[str, Any]:
    return {"name": name, "key": name, "displayName": name, "active": True, "emailAddress": f"{name}@example.test"}


class JiraSite:
    """The tickets of a world as Jira issues; comments added through the API are kept here."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.added: dict[str, list[dict[str, Any]]] = {}

    def ticket(self, key: str) -> Ticket | None:
        get = world_operation(self.world, "get_ticket")
        return get(GetTicketIn(key=key)).ticket if get else None  # type: ignore[attr-defined]

    def search(self, text: str, limit: int) -> list[Ticket]:
        find = world_operation(self.world, "search_tickets")
        return list(find(SearchTicketsIn(query=text, limit=limit)).tickets) if find else []  # type: ignore[attr-defined]

    def issue(self, ticket: Ticket, base: str, wanted: set[str] | None) -> dict[str, Any]:
        number = 10000 + sum(ord(c) for c in ticket.key)
        project = ticket.key.split("-", 1)[0]
        comments = [
            {"id": str(i + 1), "body": body, "author": _user(ticket.reporter or "reporter"),
             "created": jira_time(ticket.created), "updated": jira_time(ticket.created)}
            for i, body in enumerate(ticket.comments)
        ] + self.added.get(ticket.key, [])  # fmt: skip
        fields = {
            "summary": ticket.title,
            "description": ticket.description,
            "status": {"name": ticket.status, "id": "1", "statusCategory": {"key": "new", "name": "To Do"}},
            "reporter": _user(ticket.reporter or "reporter"),
            "assignee": None,
            "created": jira_time(ticket.created),
            "updated": jira_time(ticket.created),
            "labels": list(ticket.labels),
            "components": [{"id": str(i + 1), "name": name} for i, name in enumerate(ticket.services)],
            "issuetype": {"id": "1", "name": "Bug", "subtask": False},
            "priority": {"id": "3", "name": "Major"},
            "project": {"id": "10000", "key": project, "name": project},
            "comment": {"comments": comments, "maxResults": len(comments), "total": len(comments), "startAt": 0},
        }
        if wanted is not None:
            fields = {k: v for k, v in fields.items() if k in wanted}
        return {"id": str(number), "key": ticket.key, "self": f"{base}/rest/api/2/issue/{number}", "fields": fields}

    def matching(self, jql: str, limit: int) -> list[Ticket] | None:
        """Tickets a JQL query selects, or None when the query is beyond what this stand-in understands."""
        query = _ORDER.sub("", jql).strip()
        if found := _KEY.match(query):
            ticket = self.ticket(found[1])
            return [ticket] if ticket else []
        if found := _KEYS.match(query):
            keys = [k.strip().strip("\"'") for k in found[1].split(",") if k.strip()]
            return [t for k in keys if (t := self.ticket(k))]
        if found := _TYPE.match(query):  # every issue here is a Bug (mcp-atlassian probes for Epics)
            return [] if found[1].lower() != "bug" else None
        if found := _TEXT.match(query):
            return self.search(found[1].replace('\\"', '"').replace("\\\\", "\\"), limit)
        return None


def _wanted(value: str | list[str] | None) -> set[str] | None:
    names = value.split(",") if isinstance(value, str) else list(value or [])
    names = [n.strip() for n in names if n.strip()]
    return None if not names or "*all" in names or "*navigable" in names else set(names)


def jira_app(world: World, seen: Seen | None = None) -> Starlette:
    """The Starlette app of the stand-in Jira site over a world."""
    site = JiraSite(world)

    def base(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    async def server_info(request: Request) -> JSONResponse:
        return JSONResponse({
            "baseUrl": base(request), "version": ".".join(map(str, VERSION)), "versionNumbers": VERSION,
            "deploymentType": "Server", "buildNumber": 912000, "serverTitle": "Jira (stand-in)",
        })  # fmt: skip

    async def myself(request: Request) -> JSONResponse:
        return JSONResponse(_user("production-master"))

    async def fields(request: Request) -> JSONResponse:
        names = ["summary", "description", "status", "reporter", "created", "labels", "components", "comment"]
        return JSONResponse([{"id": n, "key": n, "name": n.title(), "custom": False} for n in names])

    async def issue(request: Request) -> JSONResponse:
        key = request.path_params["key"]
        ticket = site.ticket(key)
        if ticket is None:
            return not_found("Issue Does Not Exist")
        return JSONResponse(site.issue(ticket, base(request), _wanted(request.query_params.get("fields"))))

    async def search(request: Request) -> JSONResponse:
        params: dict[str, Any] = dict(request.query_params)
        if request.method == "POST":
            params |= await request.json()
        start, size = int(params.get("startAt") or 0), int(params.get("maxResults") or 50)
        tickets = site.matching(str(params.get("jql") or ""), start + size)
        if tickets is None:
            message = f"The stand-in does not understand the JQL {params.get('jql')!r}"
            return JSONResponse({"errorMessages": [message], "errors": {}}, 400)
        wanted = _wanted(params.get("fields"))
        issues = [site.issue(t, base(request), wanted) for t in tickets[start : start + size]]
        return JSONResponse({"startAt": start, "maxResults": size, "total": len(tickets), "issues": issues})

    async def comment(request: Request) -> JSONResponse:
        key = request.path_params["key"]
        if request.method == "GET":
            ticket = site.ticket(key)
            if ticket is None:
                return not_found("Issue Does Not Exist")
            return JSONResponse(site.issue(ticket, base(request), {"comment"})["fields"]["comment"])
        body = (await request.json()).get("body", "")
        add = world_operation(world, "add_comment")
        if site.ticket(key) is None or add is None or not add(AddCommentIn(key=key, body=body)).ok:  # type: ignore[attr-defined]
            return not_found("Issue Does Not Exist")
        number = str(1000 + sum(len(v) for v in site.added.values()))
        now = jira_time(datetime.now(UTC).timestamp())
        made = {"id": number, "body": body, "author": _user("production-master"), "created": now, "updated": now,
                "self": f"{base(request)}/rest/api/2/issue/{key}/comment/{number}"}  # fmt: skip
        site.added.setdefault(key, []).append(made)
        return JSONResponse(made, 201)

    app = Starlette(
        routes=[
            Route("/rest/api/2/serverInfo", server_info),
            Route("/rest/api/2/myself", myself),
            Route("/rest/api/2/field", fields),
            Route("/rest/api/2/search", search, methods=["GET", "POST"]),
            Route("/rest/api/2/issue/{key}", issue),
            Route("/rest/api/2/issue/{key}/comment", comment, methods=["GET", "POST"]),
        ]
    )
    return recording(app, seen) if seen is not None else app
