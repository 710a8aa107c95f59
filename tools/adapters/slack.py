"""Slack: message search, threads, posting (team-communications).

Tools: `search-messages` {searchText, after, before, limit} -> {messages: {matches: [{ts, text, username,
channel: {id, name}, thread_ts?, client_msg_id?}], total}} (Slack's search.messages shape); `slack_get_thread_replies`
{channel_id, thread_ts} -> {messages: [...same items...]}; `slack_post_message` {channel_id, text, thread_ts?} ->
{ok, channel, ts} (an action).
Assumptions: after/before accept RFC 3339 instants (we filter the window client-side as well); a message id is its
`client_msg_id` when present, else `<channel_id>/<ts>`; a thread id is `<channel_id>/<thread_ts>` (Slack names threads
by channel and parent ts), so `get_thread` needs an id of that form, and `thread_id` differs from other providers.
"""

from __future__ import annotations

from typing import Any, ClassVar

from graphs.contracts import ChatMessage
from tools import interfaces as io
from tools.adapters.base import MalformedPayload, Mapping, Unsupported, VendorAdapter
from tools.adapters.wire import epoch, iso


def _message(item: dict[str, Any]) -> ChatMessage:
    channel = item["channel"]
    ts = item["ts"]
    thread_ts = item.get("thread_ts")
    name = channel.get("name") or channel["id"]
    return ChatMessage(
        id=item.get("client_msg_id") or f"{channel['id']}/{ts}",
        channel=name if name.startswith("#") else f"#{name}",
        author=item.get("username") or item.get("user", ""),
        timestamp=epoch(ts),
        text=item["text"],
        thread_id=f"{channel['id']}/{thread_ts}" if thread_ts and thread_ts != ts else None,
    )


def _items(items: Any, tool: str) -> list[ChatMessage]:
    if not isinstance(items, list):
        raise MalformedPayload(f"{tool} messages must be a list")
    return [_message(i) for i in items]


def _search(payload: Any, q: io.SearchMessagesIn, o: dict[str, Any]) -> io.MessagesOut:
    lo, hi = q.start.timestamp(), q.end.timestamp()
    found = [m for m in _items(payload["messages"]["matches"], "search-messages") if lo <= m.timestamp <= hi]
    return io.MessagesOut(messages=found[: q.limit])


def _thread_args(q: io.GetThreadIn, o: dict[str, Any]) -> dict[str, Any]:
    channel, sep, ts = q.thread_id.partition("/")
    if not sep:
        raise Unsupported("Slack names a thread by '<channel_id>/<thread_ts>'; this id has no channel")
    return {"channel_id": channel, "thread_ts": ts}


def _post_args(q: io.PostMessageIn, o: dict[str, Any]) -> dict[str, Any]:
    args: dict[str, Any] = {"channel_id": q.channel, "text": q.text}
    if q.thread_id:
        args["thread_ts"] = q.thread_id.partition("/")[2] or q.thread_id
    return args


def _posted(payload: Any, q: io.PostMessageIn, o: dict[str, Any]) -> io.ActionOut:
    return io.ActionOut(ok=bool(payload["ok"]), ref=f"{payload.get('channel', q.channel)}/{payload.get('ts', '')}")


class SlackAdapter(VendorAdapter):
    name = "Slack"
    interfaces = ("team-communications",)
    mappings: ClassVar[dict[str, Mapping]] = {
        "search_messages": Mapping(
            "search-messages",
            lambda q, o: {"searchText": q.query, "after": iso(q.start), "before": iso(q.end), "limit": q.limit},
            _search,
            lossy=frozenset({"thread_id"}),
        ),
        "get_thread": Mapping(
            "slack_get_thread_replies",
            _thread_args,
            lambda p, q, o: io.MessagesOut(messages=_items(p["messages"], "slack_get_thread_replies")),
            lossy=frozenset({"thread_id"}),
        ),
        "post_message": Mapping("slack_post_message", _post_args, _posted, lossy=frozenset({"ref"})),
    }
