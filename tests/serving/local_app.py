"""Serve an ASGI app (a vendor stand-in) on 127.0.0.1 in a thread for the length of a test."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from memory.redis_server import free_port


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """The app's base URL (`http://127.0.0.1:PORT`, no trailing slash) while the block runs."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
