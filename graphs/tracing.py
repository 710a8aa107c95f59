"""`traced_node`: one OpenTelemetry span per graph node, under the investigation's root span.

LangGraph runs nodes in tasks and threads that copy the caller's context, so a node normally sees the root span.
Runtimes that start runs themselves (langgraph dev, Aegra) do not: there the root span travels explicitly as W3C
trace-context headers in `config["configurable"]["pm_trace"]` (see `with_trace_context`), and that wins.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from langgraph.errors import GraphBubbleUp

from tools.telemetry import SpanHandle, child_span, trace_carrier

TRACE_KEY = "pm_trace"


def with_trace_context(config: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of a run config that carries the current span (call inside `investigation_span`)."""
    config = dict(config or {})
    config["configurable"] = {**(config.get("configurable") or {}), TRACE_KEY: trace_carrier()}
    return config


def _carrier() -> dict[str, str] | None:
    from langgraph.config import get_config

    try:
        return (get_config().get("configurable") or {}).get(TRACE_KEY) or None
    except RuntimeError:  # called outside a runnable context (a direct call in a test)
        return None


def _span_for(name: str) -> Any:
    return child_span(f"node {name}", _carrier(), node=name)


def _finish(handle: SpanHandle, result: Any) -> Any:
    goto = getattr(result, "goto", None)
    if goto:
        handle.set(goto=str(goto))
    return result


def traced_node[F: Callable[..., Any]](name: str, fn: F) -> F:
    """`fn` (sync or async) wrapped in a span named `node <name>`; the signature LangGraph inspects is kept."""
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def async_node(*args: Any, **kwargs: Any) -> Any:
            with _span_for(name) as handle:
                try:
                    return _finish(handle, await fn(*args, **kwargs))
                except GraphBubbleUp:  # an interrupt or a parent command: control flow, not a failure
                    handle.set(outcome="interrupted")
                    raise

        return async_node  # type: ignore[return-value]

    @functools.wraps(fn)
    def sync_node(*args: Any, **kwargs: Any) -> Any:
        with _span_for(name) as handle:
            try:
                return _finish(handle, fn(*args, **kwargs))
            except GraphBubbleUp:
                handle.set(outcome="interrupted")
                raise

    return sync_node  # type: ignore[return-value]


__all__ = ["TRACE_KEY", "traced_node", "with_trace_context"]
