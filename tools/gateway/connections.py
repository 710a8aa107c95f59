"""Long-lived MCP sessions through langchain-mcp-adapters, each kept open by a task of its own."""

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
        self._stop = asyncio.Event()
        self._lock = asyncio.Lock()
        self.tools: set[str] = set()
        self.last_error: str | None = None

    async def _keep(self, ready: asyncio.Future[None]) -> None:
        try:
            async with self._client.session(self.name) as session:
                listed = await session.list_tools()
                self.tools = {tool.name for tool in listed.tools}
                self._session = session
                ready.set_result(None)
                await self._stop.wait()
        except BaseException as exc:  # the keeper must report every failure, cancellation included
            if not ready.done():
                ready.set_exception(ProviderUnavailable(f"{self.name}: {_describe(exc)}"))
            self.last_error = _describe(exc)
        finally:
            self._session = None

    async def session(self) -> ClientSession:
        """The open session, connecting (or reconnecting) first when needed."""
        async with self._lock:
            if self._session is not None and self._keeper is not None and not self._keeper.done():
                return self._session
            await self._shutdown_keeper()
            self._stop = asyncio.Event()
            ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._keeper = asyncio.create_task(self._keep(ready), name=f"mcp-{self.name}")
            try:
                await asyncio.wait_for(asyncio.shield(ready), self._connect_timeout_s)
            except TimeoutError:
                await self._shutdown_keeper()
                raise ProviderUnavailable(f"{self.name}: no answer within {self._connect_timeout_s:.0f}s") from None
            assert self._session is not None
            return self._session

    async def call_tool(self, tool: str, arguments: dict[str, Any]) -> CallToolResult:
        session = await self.session()
        try:
            return await session.call_tool(tool, arguments)
        except (Exception, asyncio.CancelledError) as exc:
            if isinstance(exc, asyncio.CancelledError):
                raise
            # a transport failure: drop the session so the next call reconnects
            self._session = None
            raise ProviderUnavailable(f"{self.name}: {_describe(exc)}") from exc

    async def _shutdown_keeper(self) -> None:
        if self._keeper is None:
            return
        self._stop.set()
        keeper, self._keeper = self._keeper, None
        try:
            await asyncio.wait_for(keeper, 5)
        except (TimeoutError, asyncio.CancelledError, Exception):
            keeper.cancel()
            with contextlib.suppress(BaseException):
                await keeper

    async def close(self) -> None:
        async with self._lock:
            await self._shutdown_keeper()


def result_text(result: CallToolResult) -> str:
    """The text payload of a tool result (our servers and adapters answer with JSON text)."""
    return "".join(part.text for part in result.content if isinstance(part, TextContent))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_describe(e) for e in exc.exceptions)
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:300]
