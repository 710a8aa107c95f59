"""The outermost ASGI layer of the server: bad input never reaches a route, and no 5xx body carries internals.

It wraps every route the process serves (ours and the runtime's, which Aegra mounts into our app), outside the
runtime's own middleware, so it sees requests as the client sent them:
- 413 for a body over `PM_MAX_BODY_BYTES`;
- 415 for a body that is not JSON on our JSON routes (`/v1/...`);
- 422 for JSON nested deeper than `PM_MAX_JSON_DEPTH`, and for control characters (NUL...) in the path, the query,
  or any JSON key or string (PostgreSQL cannot store NUL, and no id, key or label needs one);
- 422 for a top-level JSON or query integer outside the signed 64-bit range (a `limit` or `offset` PostgreSQL cannot
  bind: the runtime's search routes bound them from below only);
- every 5xx answer's body replaced by a generic one (the runtime's errors may quote SQL and its parameters).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, unquote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON_ONLY_PREFIXES = ("/v1/",)  # Slack's interactions are form-encoded; the runtime accepts text/plain from browsers
# C0 controls except tab, line feed and carriage return (text may hold those), and DEL
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# the API's description and the runtime's build info: they map the attack surface, so they need a key too
KEYED_PAGES = frozenset({"/docs", "/redoc", "/openapi.json", "/info", "/docs/oauth2-redirect"})
INT64 = range(-(2**63), 2**63)
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


class Refusal(Exception):
    """A request the guard answers itself, with a status and a message naming what is wrong."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text, found without parsing (no recursion)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub(b"", body)):
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def control_character_at(value: Any) -> str | None:
    """The path (`issue.fields.summary`, `labels.<key>`) of the first key or string holding a control character."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if CONTROL.search(item):
                return where or "body"
        elif isinstance(item, dict):
            for key, child in item.items():
                if CONTROL.search(key):
                    return f"{where}.{_printable(key)}" if where else _printable(key)
                stack.append((f"{where}.{key}" if where else key, child))
        elif isinstance(item, list):
            stack.extend((f"{where}.{index}" if where else str(index), child) for index, child in enumerate(item))
    return None


def out_of_range_integer(fields: dict[str, Any], *, texts: bool = False) -> str | None:
    """The first top-level field whose integer (or, with `texts`, integer text: a query) lies outside int64."""
    for name, value in fields.items():
        if isinstance(value, int) and not isinstance(value, bool):
            beyond = value not in INT64
        elif texts and isinstance(value, str) and (digits := value.strip().lstrip("+-")).isdigit():
            beyond = len(digits.lstrip("0")) > 19 or int(value) not in INT64
        else:
            continue
        if beyond:
            return _printable(name)
    return None


def _printable(text: str) -> str:
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)[:100]


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


class RequestGuard:
    """Pure ASGI middleware; see the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_json_depth: int,
        authenticate: Callable[[dict[str, str]], Awaitable[str | None]] | None = None,
        rewrite: Callable[[str, Any], Any | None] | None = None,
    ) -> None:
        self.app, self.max_body_bytes, self.max_json_depth = app, max_body_bytes, max_json_depth
        self.authenticate = authenticate  # headers -> None when they carry a valid key, else the reason
        self.rewrite = rewrite  # (path, parsed JSON body) -> a body to pass on instead, or None to keep it

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            body = await self._checked(scope, receive)
        except Refusal as refusal:
            await _answer(send, refusal.status, refusal.error, refusal.message)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: the client's disconnect, as the app expects
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay if body is not None else receive, _scrubbing(send))

    async def _checked(self, scope: Scope, receive: Receive) -> bytes | None:
        """The request body (None when the method carries none), or a Refusal."""
        path = scope.get("path", "")
        raw_query = scope.get("query_string", b"").decode("latin-1")
        query = unquote(raw_query)
        if CONTROL.search(path) or CONTROL.search(query):
            where = "path" if CONTROL.search(path) else "query"
            raise Refusal(422, "validation_error", f"{where}: control characters (e.g. NUL) are not allowed in ids")
        if (field := out_of_range_integer(dict(parse_qsl(raw_query)), texts=True)) is not None:
            raise _beyond_int64(field)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if path.rstrip("/") in KEYED_PAGES and self.authenticate is not None:
            refused = await self.authenticate(headers)
            if refused is not None:
                raise Refusal(401, "unauthorized", refused)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            raise self._too_large()
        if scope.get("method") not in BODY_METHODS:
            return None
        body = await self._read(receive)
        content_type = headers.get("content-type", "")
        if body and path.startswith(JSON_ONLY_PREFIXES) and not _is_json(content_type):
            shown = content_type.split(";", 1)[0].strip() or "none"
            raise Refusal(415, "unsupported_media_type", f"content-type: expected application/json, got {shown}")
        if body and (_is_json(content_type) or content_type.lower().startswith("text/plain")):
            parsed = self._check_json(body)
            replaced = self.rewrite(path, parsed) if self.rewrite is not None and parsed is not None else None
            if replaced is not None:
                body = json.dumps(replaced).encode()
                scope["headers"] = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
                scope["headers"].append((b"content-length", str(len(body)).encode()))
        return body

    async def _read(self, receive: Receive) -> bytes:
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise self._too_large()
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    def _check_json(self, body: bytes) -> Any:
        """The parsed body (None when malformed: the route answers that in its own words), or a Refusal."""
        if json_depth(body) > self.max_json_depth:
            raise Refusal(
                422, "validation_error", f"body: JSON nested deeper than {self.max_json_depth} levels (the limit)"
            )
        try:
            parsed = json.loads(body)
        except (ValueError, RecursionError):
            return None
        where = control_character_at(parsed)
        if where is not None:
            raise Refusal(422, "validation_error", f"{where}: control characters (e.g. NUL) are not allowed")
        if isinstance(parsed, dict) and (field := out_of_range_integer(parsed)) is not None:
            raise _beyond_int64(field)
        return parsed

    def _too_large(self) -> Refusal:
        return Refusal(413, "request_too_large", f"body: larger than {self.max_body_bytes} bytes (the limit)")


def _beyond_int64(field: str) -> Refusal:
    return Refusal(422, "validation_error", f"{field}: must lie between -2**63 and 2**63 - 1")


def _scrubbing(send: Send) -> Send:
    """A `send` that replaces the body of any 5xx answer with a generic one, keeping its status and Retry-After."""
    state: dict[str, Any] = {}

    async def scrub(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] >= 500:
            state["status"] = message["status"]
            state["retry"] = [(k, v) for k, v in message.get("headers", []) if k.lower() == b"retry-after"]
            return
        if "status" in state and message["type"] == "http.response.body":
            if message.get("more_body", False):
                return  # swallow the original body; the generic one goes out once it ends
            status = state.pop("status")
            logger.warning("answered %s with a generic body (the server log above has the cause)", status)
            await _answer(send, status, *_generic(status), extra=state["retry"])
            return
        await send(message)

    return scrub


def _generic(status: int) -> tuple[str, str]:
    if status == 503:
        return "service_unavailable", "the server could not take the request now; retry"
    return "internal_error", "internal error; the server log has the details"


async def _answer(
    send: Send, status: int, error: str, message: str, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps({"error": error, "message": message, "details": None}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
