"""Binding an investigation's `AuditTrail` to the running context, and the gateway hook that records tool calls.

The gateway is shared by many investigations, so its `on_call` hook finds the trail of the investigation it is
serving through a context variable; LangGraph copies the context into every node task and thread.

    async with open_session(settings) as session:            # gateway built with on_call=record_tool_result
        with bind_trail(AuditTrail(log, investigation_id)):
            await session.run(request, thread_id=investigation_id)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from memory.audit.events import AuditEvent
from memory.audit.trail import AuditTrail

current_trail: ContextVar[AuditTrail | None] = ContextVar("pm_audit_trail", default=None)


@contextmanager
def bind_trail(trail: AuditTrail) -> Iterator[AuditTrail]:
    """Make `trail` the one that hooks in this context (and the tasks it starts) record to."""
    token = current_trail.set(trail)
    try:
        yield trail
    finally:
        current_trail.reset(token)


async def record_tool_result(result: Any, args: dict[str, Any], approval_id: str | None = None) -> AuditEvent | None:
    """A `ToolCallHook` for the gateway: one tool_call event per `ToolResult`, raw response kept by its hash.

    The response stored is what the gateway hashed into `lineage.response_hash` (`data`, or `{"error": ...}`).
    """
    trail = current_trail.get()
    if trail is None:
        return None
    lineage = getattr(result, "lineage", None)
    response = result.data if result.data is not None else {"error": result.error}
    status = getattr(result.status, "value", str(result.status))
    return await trail.tool_call(
        tool_call_id=lineage.tool_call_id if lineage else f"{status}-{uuid.uuid4().hex[:12]}",
        interface=result.interface,
        provider=result.provider,
        operation=result.operation,
        args=args,
        response=response,
        outcome=status,
        retries=max(int(getattr(result, "attempts", 1)) - 1, 0),
        duration_ms=round(float(getattr(result, "seconds", 0.0)) * 1000, 3),
        error=result.error,
        args_hash=lineage.args_hash if lineage else None,
        response_hash=lineage.response_hash if lineage else None,
        approval_id=approval_id,
        redacted=True,  # the gateway redacts every payload before it hashes it or hands it on
    )


__all__ = ["bind_trail", "current_trail", "record_tool_result"]
