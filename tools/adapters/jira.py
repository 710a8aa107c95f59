"""jira: issues through JQL, comments (ticket-system).

Tools: `get-issues` {jql, fields, maxResults, startAt} -> {issues: [{key, fields: {summary, description, status:
{name}, reporter: {displayName}, created, labels, components: [{name}], comment: {comments: [{body}]}}}], total} (the
Jira REST search shape); `comment-on-issue` {issueKey, body} -> {id, self} (an action: needs an approval id).
Assumptions: a ticket's services are its components; descriptions and comment bodies are plain text (not ADF);
search uses `text ~ "<query>"`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from graphs.contracts import Ticket
from tools import interfaces as io
from tools.adapters.base import MalformedPayload, Mapping, VendorAdapter
from tools.adapters.wire import epoch

FIELDS = ["summary", "description", "status", "reporter", "created", "labels", "components", "comment"]


def jql_text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ticket(issue: dict[str, Any]) -> Ticket:
    f = issue["fields"]
    return Ticket(
        key=issue["key"],
        title=f["summary"],
        description=f.get("description") or "",
        status=f["status"]["name"],
        reporter=(f.get("reporter") or {}).get("displayName", ""),
        created=epoch(f["created"]),
        services=[c["name"] for c in f.get("components") or []],
        labels=list(f.get("labels") or []),
        comments=[c["body"] for c in (f.get("comment") or {}).get("comments", [])],
    )


def tickets_in(payload: Any, tool: str, ticket: Callable[[dict[str, Any]], Ticket]) -> list[Ticket]:
    """The `issues` list of a Jira search answer (`tool` names it in the error), each read by `ticket`."""
    issues = payload["issues"]
    if not isinstance(issues, list):
        raise MalformedPayload(f"{tool} 'issues' must be a list")
    return [ticket(i) for i in issues]


def comment_ref(payload: Any, q: io.AddCommentIn, o: dict[str, Any]) -> io.ActionOut:
    """A Jira comment's answer `{id, ...}` as the action's reference `KEY#comment-ID`."""
    return io.ActionOut(ok=True, ref=f"{q.key}#comment-{payload['id']}")


def _issues(payload: Any) -> list[Ticket]:
    return tickets_in(payload, "get-issues", _ticket)


def _get(payload: Any, q: io.GetTicketIn, o: dict[str, Any]) -> io.GetTicketOut:
    tickets = _issues(payload)
    return io.GetTicketOut(ticket=tickets[0] if tickets else None)


class JiraAdapter(VendorAdapter):
    name = "jira"
    interfaces = ("ticket-system",)
    mappings: ClassVar[dict[str, Mapping]] = {
        "get_ticket": Mapping(
            "get-issues", lambda q, o: {"jql": f"key = {jql_text(q.key)}", "fields": FIELDS, "maxResults": 1}, _get
        ),
        "search_tickets": Mapping(
            "get-issues",
            lambda q, o: {"jql": f"text ~ {jql_text(q.query)}", "fields": FIELDS, "maxResults": q.limit, "startAt": 0},
            lambda p, q, o: io.SearchTicketsOut(tickets=_issues(p)[: q.limit]),
        ),
        "add_comment": Mapping("comment-on-issue", lambda q, o: {"issueKey": q.key, "body": q.body}, comment_ref),
    }
