"""Stand-ins for FT-release, jira, Slack, context-7 and fire-console."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from graphs.contracts import ChatMessage
from tools import interfaces as io
from tools.adapters.wire import iso
from tools.servers.standins.base import EARLIEST, LATEST, VendorTool, WorldCalls, when


def ft_release_tools(world: WorldCalls) -> list[VendorTool]:
    def search_feature_toggles(searchText: str = "", status: str | None = None, limit: int = 50, offset: int = 0):
        flags = world("list_flags", io.ListFlagsIn).flags
        needle = searchText.lower()
        toggles = [
            {
                "id": hashlib.sha1(f.key.encode(), usedforsecurity=False).hexdigest()[:12],
                "name": f.key,
                "description": f.description,
                "ownerService": f.service,
                "status": "ON" if f.enabled else "OFF",
                "percentage": f.rollout_percent,
            }
            for f in flags
            if needle in f"{f.key} {f.description}".lower()
        ]
        return {"featureToggles": toggles[offset : offset + limit], "total": len(toggles)}

    def list_releases(featureToggleId: str | None = None, limit: int = 50, offset: int = 0):
        history = world("get_rollout_history", io.RolloutHistoryIn, start=EARLIEST, end=LATEST, key=featureToggleId)
        releases = [
            {
                "id": c.id,
                "featureToggleId": c.ref,
                "ownerService": c.service,
                "createdAt": iso(c.timestamp),
                "createdBy": c.author,
                "strategyType": "random",
                "description": c.title,
                "details": c.diff,
            }
            for c in history.changes
            if c.kind == "feature_flag"  # FT-release knows toggles, not config changes
        ]
        return {"releases": releases[offset : offset + limit], "total": len(releases)}

    return [
        VendorTool("search-feature-toggles", search_feature_toggles, ("list_flags",)),
        VendorTool("list-releases", list_releases, ("get_rollout_history",)),
    ]


def _issue(t: Any) -> dict[str, Any]:
    return {
        "key": t.key,
        "fields": {
            "summary": t.title,
            "description": t.description,
            "status": {"name": t.status},
            "reporter": {"displayName": t.reporter},
            "created": iso(t.created),
            "labels": t.labels,
            "components": [{"name": s} for s in t.services],
            "comment": {"comments": [{"body": c} for c in t.comments]},
        },
    }


JQL_STRING = r'"((?:[^"\\]|\\.)*)"'


def jira_tools(world: WorldCalls) -> list[VendorTool]:
    def get_issues(jql: str, fields: list[str] | None = None, maxResults: int = 50, startAt: int = 0):
        unquote = lambda s: re.sub(r"\\(.)", r"\1", s)  # noqa: E731
        if m := re.fullmatch(rf"\s*key\s*=\s*{JQL_STRING}\s*", jql):
            ticket = world("get_ticket", io.GetTicketIn, key=unquote(m.group(1))).ticket
            issues = [_issue(ticket)] if ticket else []
        elif m := re.match(rf"\s*text\s*~\s*{JQL_STRING}", jql):
            found = world(
                "search_tickets", io.SearchTicketsIn, query=unquote(m.group(1)), limit=min(startAt + maxResults, 200)
            )
            issues = [_issue(t) for t in found.tickets[startAt:]]
        else:
            raise ValueError(f"JQL not supported by this stand-in: {jql[:80]}")
        return {"issues": issues, "total": len(issues), "startAt": startAt, "maxResults": maxResults}

    def comment_on_issue(issueKey: str, body: str):
        out = world("add_comment", io.AddCommentIn, key=issueKey, body=body)
        if not out.ok:
            raise ValueError(f"Issue does not exist or you do not have permission to see it: {issueKey}")
        return {"id": out.ref.rsplit("comment-", 1)[-1], "self": f"https://jira.example/rest/api/2/issue/{issueKey}"}

    return [
        VendorTool("get-issues", get_issues, ("get_ticket", "search_tickets")),
        VendorTool("comment-on-issue", comment_on_issue, ("add_comment",)),
    ]


def _channel_id(name: str) -> str:
    return "C" + hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:8].upper()


def slack_tools(world: WorldCalls) -> list[VendorTool]:
    seen: dict[str, ChatMessage] = {}  # a stand-in can only talk about threads it has shown

    def ts(m: ChatMessage) -> str:
        return f"{m.timestamp:.6f}"

    def render(messages: list[ChatMessage]) -> list[dict[str, Any]]:
        seen.update({m.id: m for m in messages})
        items = []
        for m in messages:
            item = {
                "ts": ts(m),
                "text": m.text,
                "username": m.author,
                "client_msg_id": m.id,
                "channel": {"id": _channel_id(m.channel), "name": m.channel.lstrip("#")},
            }
            if m.thread_id and m.thread_id in seen:
                item["thread_ts"] = ts(seen[m.thread_id])
            items.append(item)
        return items

    def search_messages(searchText: str, after: str | None = None, before: str | None = None, limit: int = 20):
        found = world(
            "search_messages", io.SearchMessagesIn, query=searchText, start=when(after, EARLIEST),
            end=when(before, LATEST), limit=limit,
        ).messages  # fmt: skip
        return {"messages": {"matches": render(found), "total": len(found)}}

    def get_thread_replies(channel_id: str, thread_ts: str):
        parent = next((m for m in seen.values() if _channel_id(m.channel) == channel_id and ts(m) == thread_ts), None)
        if parent is None:
            raise ValueError("thread_not_found")
        return {"messages": render(world("get_thread", io.GetThreadIn, thread_id=parent.id).messages)}

    def post_message(channel_id: str, text: str, thread_ts: str | None = None):
        out = world("post_message", io.PostMessageIn, channel=channel_id, text=text, thread_id=thread_ts)
        return {"ok": out.ok, "channel": channel_id, "ts": out.ref}

    return [
        VendorTool("search-messages", search_messages, ("search_messages",)),
        VendorTool("slack_get_thread_replies", get_thread_replies, ("get_thread",)),
        VendorTool("slack_post_message", post_message, ("post_message",)),
    ]


def context7_tools(world: WorldCalls) -> list[VendorTool]:
    def resolve_library_id(libraryName: str) -> str:
        return f"Available Libraries:\n- Title: {libraryName}\n- Context7-compatible library ID: /world/{libraryName}"

    def query_docs(libraryId: str, query: str) -> str:
        docs = world("search_docs", io.SearchDocsIn, query=query, limit=10).docs
        if not docs:
            return f"No documentation found for {query!r} in {libraryId}."
        blocks = [f"TITLE: {d.title}\nDESCRIPTION: {d.snippet}\nSOURCE: {d.url}" for d in docs]
        return ("\n\n" + "-" * 40 + "\n\n").join(blocks)

    return [
        VendorTool("resolve-library-id", resolve_library_id, ()),
        VendorTool("query-docs", query_docs, ("search_docs",)),
    ]


def fire_console_tools(world: WorldCalls) -> list[VendorTool]:
    def invoke_rpc(service: str, method: str, request: str = "{}"):
        try:
            body = json.loads(request or "{}")
        except ValueError:
            return {"error": {"code": "INVALID_ARGUMENT", "message": "request is not JSON"}}
        out = world("query_domain", io.QueryDomainIn, service=service, method=method, request=body)
        return {"response": out.result}

    return [VendorTool("invoke_rpc", invoke_rpc, ("query_domain",))]
