"""Running a wire-level stand-in of a vendor's HTTP API on 127.0.0.1, in a thread of the calling process.

The vendors' own MCP servers (mcp-atlassian, mcp-grafana, github-mcp-server) talk to these over real HTTP; every
request the stand-in could not answer is kept in `unanswered`, so a test can say which endpoint a vendor started
to need.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response


@dataclass
class Seen:
    """What a stand-in was asked: every request line, and those it had no answer for."""

    requests: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def recording(app: Starlette, seen: Seen) -> Starlette:
    """Records each request; a 404 from the routes becomes an entry in `unanswered`."""

    async def record(request: Request, call_next):  # type: ignore[no-untyped-def]
        line = f"{request.method} {request.url.path}" + (f"?{request.url.query}" if request.url.query else "")
        seen.requests.append(line)
        answer: Response = await call_next(request)
        if answer.status_code == 404 and not answer.headers.get("x-standin-known"):
            seen.unanswered.append(line)
        return answer

    app.add_middleware(BaseHTTPMiddleware, dispatch=record)
    return app


def not_found(message: str) -> JSONResponse:
    """A 404 the stand-in means (an unknown issue), as opposed to an endpoint it lacks."""
    return JSONResponse({"errorMessages": [message], "errors": {}}, 404, headers={"x-standin-known": "1"})


@contextmanager
def serve(app: Starlette) -> Iterator[str]:
    """Serve the app on a free 127.0.0.1 port; yields its base URL and stops it afterwards."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name=f"standin-http-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the HTTP stand-in did not start on port {port}")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
