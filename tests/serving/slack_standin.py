"""A Slack Web API stand-in on 127.0.0.1: answers like Slack and records every call (mocked only at the wire)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI, Request
from local_app import serving


class SlackStandIn:
    """Recorded calls by method name, e.g. calls["chat.postMessage"] -> [json bodies]."""

    def __init__(self) -> None:
        self.calls: dict[str, list[dict[str, Any]]] = {}
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        self.app = FastAPI()
        self.app.add_api_route("/{method}", self._answer, methods=["POST", "GET"])

    async def _answer(self, method: str, request: Request) -> dict[str, Any]:
        if request.headers.get("content-type", "").startswith("application/json"):
            body = await request.json()
        else:
            body = dict(await request.form())
        with self._lock:
            ts = f"1795000000.{next(self._ts):06d}"
            self.calls.setdefault(method, []).append(body | {"_answered_ts": ts})
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "user": "pm"}
        return {"ok": True, "channel": body.get("channel", "C1"), "ts": ts, "message": {"ts": ts}}

    def posts(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.calls.get("chat.postMessage", []))


@contextmanager
def running_standin() -> Iterator[tuple[SlackStandIn, str]]:
    standin = SlackStandIn()
    with serving(standin.app) as url:
        yield standin, f"{url}/"
