"""Building a stand-in: a FastMCP server with one vendor's tool names and payload shapes over a world's data.

A stand-in registers a vendor tool only when the world implements every operation that tool needs, so a missing
capability looks the same as on our internal server (the tool is absent). An optional fault plan turns any stand-in
into a misbehaving provider (hang, fail every other call, malformed payloads, die mid-call) for fault injection.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from mcp.server.fastmcp import FastMCP

from tools.adapters.wire import epoch
from tools.interfaces import OpInput, OpOutput
from tools.worlds.base import World, world_operation

FaultMode = Literal["hang", "flaky", "malformed", "die"]
EARLIEST = datetime(1970, 1, 2, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class VendorTool:
    """One vendor tool: its function (named parameters = the vendor's schema) and the world operations it needs."""

    name: str
    fn: Callable[..., Any]
    needs: tuple[str, ...]


@dataclass
class FaultPlan:
    """How a stand-in misbehaves: `mode` on calls after the first `after` good ones."""

    mode: FaultMode
    after: int = 0
    calls: int = 0
    seen: list[float] = field(default_factory=list)


class WorldCalls:
    """A world's operations called by name with keyword arguments, as the stand-ins need them."""

    def __init__(self, world: World) -> None:
        self.world = world

    def has(self, operation: str) -> bool:
        return world_operation(self.world, operation) is not None

    def __call__(self, operation: str, model: type[OpInput], **kwargs: Any) -> Any:
        impl = world_operation(self.world, operation)
        if impl is None:
            raise ValueError(f"this world does not serve {operation}")
        out: OpOutput = impl(model(**kwargs))
        return out


def when(value: str | None, default: datetime) -> datetime:
    """An instant from a vendor's time argument (RFC 3339, epoch seconds or Loki nanoseconds)."""
    return datetime.fromtimestamp(epoch(value), UTC) if value else default


def build_standin(
    name: str,
    tools: list[VendorTool],
    world: World,
    *,
    fault: FaultPlan | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
) -> FastMCP:
    """A FastMCP server exposing the tools the world can back, each wrapped by the fault plan when there is one."""
    server = FastMCP(f"standin-{name}", host=host, port=port, log_level="WARNING")
    calls = WorldCalls(world)
    plan = fault or FaultPlan(mode="flaky", after=10**12)
    for tool in tools:
        if all(calls.has(op) for op in tool.needs):
            server.add_tool(
                _instrumented(tool.fn, plan, active=fault is not None), name=tool.name, structured_output=False
            )

    def standin_stats() -> str:
        """Call times (monotonic seconds) this stand-in has seen: for rate-limit tests."""
        return json.dumps({"count": plan.calls, "calls": plan.seen})

    server.add_tool(standin_stats, name="standin_stats", structured_output=False)
    return server


def _instrumented(fn: Callable[..., Any], plan: FaultPlan, *, active: bool) -> Callable[..., Any]:
    @functools.wraps(fn)
    async def tool(*args: Any, **kwargs: Any) -> str:
        plan.calls += 1
        plan.seen.append(time.monotonic())
        number = plan.calls
        if active and number > plan.after:
            if plan.mode == "hang":
                await asyncio.sleep(3600)
            elif plan.mode == "die":
                os._exit(3)  # the process ends mid-call, before any answer is written
            elif plan.mode == "flaky" and number % 2 == 0:
                raise RuntimeError("injected failure: the provider failed this call")
            elif plan.mode == "malformed":
                return "<html>502 Bad Gateway</html>" if number % 2 else json.dumps({"unexpected": True})
        result = fn(*args, **kwargs)
        return result if isinstance(result, str) else json.dumps(result, separators=(",", ":"))

    return tool
