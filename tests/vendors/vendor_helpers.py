"""Helpers for the vendors' own MCP servers: finding them, talking to them over stdio, checking our adapters fit."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import Tool

from tools.adapters.base import VendorAdapter
from tools.interfaces import OpInput
from tools.servers.standins.http import Seen, serve

VENV = Path(sys.prefix)


def vendor_command(name: str, *candidates: Path) -> str:
    """The vendor server's executable; outside `make test` and CI a missing one skips."""
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    found = shutil.which(name, path=str(VENV / "bin")) or shutil.which(name)
    if found:
        return found
    if required():
        pytest.fail(f"{name} is not installed: `make .venv/.installed-test` installs the pinned vendor servers")
    pytest.skip(f"{name} is not installed (make test installs it)")


def required() -> bool:
    """Under `make test` (PM_VENDORS_REQUIRED) or CI a missing server fails the test instead of skipping it."""
    return bool(os.environ.get("PM_VENDORS_REQUIRED") or os.environ.get("CI"))


def require_prometheus() -> None:
    """Debian's prometheus and promtool, which tools/backends starts; installed by make test."""
    if shutil.which("prometheus") and shutil.which("promtool"):
        return
    if required():
        pytest.fail("Debian's prometheus package is missing: scripts/ensure-debian-packages.sh installs it")
    pytest.skip("Debian's prometheus package is not installed (make test installs it)")


@asynccontextmanager
async def vendor_session(command: str, args: list[str], env: dict[str, str]) -> AsyncIterator[ClientSession]:
    """An initialised MCP session with a vendor server over stdio."""
    params = StdioServerParameters(command=command, args=args, env={"PATH": os.environ.get("PATH", "")} | env)
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield session


def assert_adapter_fits(adapter: VendorAdapter, tools: list[Tool], samples: dict[str, OpInput]) -> None:
    """Every tool our adapter calls exists, takes the arguments we send, and needs none we do not send."""
    by_name = {tool.name: tool for tool in tools}
    for operation, sample in samples.items():
        tool = adapter.tool_for(operation)
        assert tool in by_name, f"{adapter.name}: the vendor has no tool {tool!r} any more (for {operation})"
        schema: dict[str, Any] = by_name[tool].inputSchema
        sent = set(adapter.arguments(operation, sample))
        known = set(schema.get("properties", {}))
        assert sent <= known, f"{adapter.name} {tool}: the vendor no longer takes {sorted(sent - known)}"
        missing = set(schema.get("required", [])) - sent
        assert not missing, f"{adapter.name} {tool}: the vendor now requires {sorted(missing)}"


def text_of(result: Any) -> str:
    assert not result.isError, f"the vendor tool failed: {[getattr(c, 'text', c) for c in result.content]}"
    return "".join(getattr(part, "text", "") for part in result.content)


@contextmanager
def standin(app: Callable[[Any, Seen], Any], world: Any) -> Iterator[tuple[str, Seen]]:
    """A vendor's HTTP API stood in on 127.0.0.1 from `world`: its URL and what it was asked."""
    seen = Seen()
    with serve(app(world, seen)) as url:
        yield url, seen


async def vendor_and_world(
    session: ClientSession, adapter: VendorAdapter, world: Any, operation: str, query: OpInput
) -> tuple[dict[str, Any], dict[str, Any]]:
    """`operation` through the vendor's server as our adapter parses it, beside the world's own answer (JSON)."""
    raw = text_of(await session.call_tool(adapter.tool_for(operation), adapter.arguments(operation, query)))
    got = adapter.parse(operation, raw, query).model_dump(mode="json")
    want = getattr(world, operation)(query).model_dump(mode="json")
    return got, want
