"""sooperset/mcp-atlassian: Jira issues through its own tools (ticket-system), the server most teams run for Jira.

Tools: `jira_search` {jql, fields (comma-separated), limit} -> {total, start_at, max_results, issues: [{key, summary,
description, status: {name}, reporter: {display_name}, created ("2024-05-14 10:05:00 UTC"), labels, components:
[names]}]}; `jira_add_comment` {issue_key, body} -> {id, body, created, author}.
Assumptions: a ticket's services are its components. `get_ticket` is a `key = "<KEY>"` search rather than
`jira_get_issue`, because mcp-atlassian 0.23 reads a Server/DC description as wiki markup and rewrites it to Markdown
(`ord_5841207, user u_99` becomes `ord*5841207, user u*99`), which breaks the identifiers an investigation looks
for; search answers leave descriptions as stored. Search carries no comments (`comments` is lossy).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from graphs.contracts import Ticket
from tools import interfaces as io
from tools.adapters.base import Mapping, VendorAdapter
from tools.adapters.jira import comment_ref, jql_text, tickets_in

FIELDS = "summary,description,status,reporter,created,labels,components"


def _when(text: str) -> float:
    """mcp-atlassian writes instants as `2024-05-14 10:05:00 UTC` (or ISO 8601 with an offset)."""
    value = text.strip().replace(" UTC", "+00:00").replace("Z", "+00:00")
    if len(value) > 5 and value[-5] in "+-" and value[-3] != ":":  # Jira's +0000
        value = f"{value[:-2]}:{value[-2:]}"
    return datetime.fromisoformat(value).timestamp()


def _ticket(issue: dict[str, Any]) -> Ticket:
    return Ticket(
        key=issue["key"],
        title=issue["summary"],
        description=issue.get("description") or "",
        status=(issue.get("status") or {}).get("name", ""),
        reporter=(issue.get("reporter") or {}).get("display_name", ""),
        created=_when(issue["created"]),
        services=[c if isinstance(c, str) else c["name"] for c in issue.get("components") or []],
        labels=list(issue.get("labels") or []),
    )


def _issues(payload: Any) -> list[Ticket]:
    return tickets_in(payload, "jira_search", _ticket)


def _get(payload: Any, q: io.GetTicketIn, o: dict[str, Any]) -> io.GetTicketOut:
    tickets = [t for t in _issues(payload) if t.key.upper() == q.key.strip().upper()]
    return io.GetTicketOut(ticket=tickets[0] if tickets else None)


class AtlassianAdapter(VendorAdapter):
    name = "mcp-atlassian"
    interfaces = ("ticket-system",)
    mappings: ClassVar[dict[str, Mapping]] = {
        "get_ticket": Mapping(
            "jira_search",
            lambda q, o: {"jql": f"key = {jql_text(q.key.strip())}", "fields": FIELDS, "limit": 1},
            _get,
            lossy=frozenset({"comments"}),
        ),
        "search_tickets": Mapping(
            "jira_search",
            lambda q, o: {"jql": f"text ~ {jql_text(q.query)}", "fields": FIELDS, "limit": min(q.limit, 50)},
            lambda p, q, o: io.SearchTicketsOut(tickets=_issues(p)[: q.limit]),
            lossy=frozenset({"comments"}),
        ),
        "add_comment": Mapping("jira_add_comment", lambda q, o: {"issue_key": q.key, "body": q.body}, comment_ref),
    }
