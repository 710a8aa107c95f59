"""Long-lived MCP sessions through langchain-mcp-adapters, each kept open by a task of its own.

A caller's timeout may cancel it at any point: waiting for a connection, or in a call. Nothing here may swallow that
cancellation or block on it, so connection set-up and tear-down run in their own tasks and callers only wait on them
through `asyncio.shield`.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from langchain_mcp_adapters.client import MultiServerMCPClient
from mcp import ClientSession
from mcp.types import CallToolResult, TextContent


class ProviderUnavailable(RuntimeError):
    """The provider's MCP server could not be reached or died."""


class McpConnection:
    """One MCP server session that any task may call through; reconnects after the server dies."""

    def __init__(self, name: str, connection: dict[str, Any], *, connect_timeout_s: float = 60.0) -> None:
        self.name = name
        self._client = MultiServerMCPClient({name: connection})  # type: ignore[dict-item]
        self._connect_timeout_s = connect_timeout_s
        self._session: ClientSession | None = None
        self._keeper: asyncio.Task[None] | None = None
        self._ready: asyncio.Future[None] | None = None
        self._stop: asyncio.Event | None = None
        self._retiring: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()
        self.tools: set[str] = set()
        self.last_error: str | None = None

    async def _keep(self, ready: asyncio.Future[None], stop: asyncio.Event) -> None:
        try:
            async with self._client.session(self.name) as session:
                listed = await session.list_tools()
                self.tools = {tool.name for tool in listed.tools}
                self._session = session
                ready.set_result(None)
                await stop.wait()
        except BaseException as exc:  # the keeper must report every failure, cancellation included
            self.last_error = _describe(exc)
            if not ready.done():
                ready.set_exception(ProviderUnavailable(f"{self.name}: {self.last_error}"))
        finally:
            if self._stop is stop:
                self._session = None

    async def session(self) -> ClientSession:
        """The open session, connecting (or reconnecting) first when needed."""
        async with self._lock:
            if self._needs_start():
                self._retire()
                self._start()
            ready = self._ready
        assert ready is not None
        try:
            await asyncio.wait_for(asyncio.shield(ready), self._connect_timeout_s)
        except TimeoutError:
            self._retire()
            raise ProviderUnavailable(f"{self.name}: no answer within {self._connect_timeout_s:.0f}s") from None
        session = self._session
        if session is None:
            raise ProviderUnavailable(f"{self.name}: the session closed ({self.last_error or 'server gone'})")
        return session

    def _needs_start(self) -> bool:
        if self._keeper is None or self._keeper.done() or self._ready is None:
            return True
        return self._ready.done() and (self._ready.exception() is not None or self._session is None)

    def _start(self) -> None:
        ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        ready.add_done_callback(lambda f: f.cancelled() or f.exception())  # retrieved: no "never retrieved" noise
        self._stop = asyncio.Event()
        self._ready = ready
        self._keeper = asyncio.create_task(self._keep(ready, self._stop), name=f"mcp-{self.name}")

    def _retire(self) -> None:
        """Stop the current keeper in the background; a caller never waits for a dying server."""
        keeper, stop = self._keeper, self._stop
        self._keeper, self._stop, self._ready, self._session = None, None, None, None
        if keeper is None or stop is None:
            return
        stop.set()
        task = asyncio.create_task(_finish(keeper), name=f"mcp-{self.name}-retire")
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    async def call_tool(self, tool: str, arguments: dict[str, Any]) -> CallToolResult:
        session = await self.session()
        try:
            return await session.call_tool(tool, arguments)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # a transport failure: retire the session so the next call reconnects
            if self._session is session:
                self._retire()
            raise ProviderUnavailable(f"{self.name}: {_describe(exc)}") from exc

    async def close(self) -> None:
        async with self._lock:
            self._retire()
            retiring = list(self._retiring)
        if retiring:
            await asyncio.wait(retiring, timeout=10)


async def _finish(keeper: asyncio.Task[None]) -> None:
    try:
        await asyncio.wait_for(asyncio.shield(keeper), 5)
    except (TimeoutError, Exception):
        keeper.cancel()
        with contextlib.suppress(BaseException):  # this task's own job is to absorb the keeper's end
            await keeper


def result_text(result: CallToolResult) -> str:
    """The text payload of a tool result (our servers and adapters answer with JSON text)."""
    return "".join(part.text for part in result.content if isinstance(part, TextContent))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_describe(e) for e in exc.exceptions)
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:300]
