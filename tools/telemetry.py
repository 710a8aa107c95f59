"""OpenTelemetry helpers: spans for investigations, tool calls and model calls, and the OTLP exporter switch.

Nothing happens at import. Without `configure_tracing` (or with no `OTEL_EXPORTER_OTLP_ENDPOINT`) the OpenTelemetry
API hands out no-op spans, so these helpers cost next to nothing. LangSmith is never switched on here: it follows
its own `LANGSMITH_TRACING` variable, which this module leaves alone.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

TRACER_NAME = "production_master"
SERVICE_NAME = "production-master"
_PROPAGATOR = TraceContextTextMapPropagator()
_configured: Any = None


def get_tracer() -> Tracer:
    """The tracer of this project, from whatever provider is global now (a no-op one until configured)."""
    return trace.get_tracer(TRACER_NAME)


class SpanHandle:
    """What the code inside a span may tell it: the outcome and counters, set as attributes when the span ends."""

    def __init__(self, span: Span, **attributes: Any) -> None:
        self.span = span
        self.attributes: dict[str, Any] = dict(attributes)

    def set(self, **attributes: Any) -> None:
        """Set `pm.<name>` attributes, e.g. `set(outcome="timeout", retries=2, breaker_state="open")`."""
        self.attributes.update({f"pm.{name}": value for name, value in attributes.items()})

    def usage(self, input_tokens: int, output_tokens: int, *, response_model: str | None = None) -> None:
        """Token counts of a model call (GenAI semantic conventions)."""
        self.attributes["gen_ai.usage.input_tokens"] = int(input_tokens)
        self.attributes["gen_ai.usage.output_tokens"] = int(output_tokens)
        if response_model:
            self.attributes["gen_ai.response.model"] = response_model

    def _flush(self) -> None:
        self.span.set_attributes({key: value for key, value in self.attributes.items() if value is not None})


@contextmanager
def _span(name: str, kind: SpanKind, attributes: dict[str, Any], *, parent: Any = None) -> Iterator[SpanHandle]:
    tracer = get_tracer()
    with tracer.start_as_current_span(
        name, context=parent, kind=kind, record_exception=False, set_status_on_exception=False
    ) as span:
        handle = SpanHandle(span, **attributes)
        try:
            yield handle
        except asyncio.CancelledError:
            if handle.attributes.get("pm.outcome") in (None, "ok"):
                handle.attributes["pm.outcome"] = "cancelled"
            raise
        except BaseException as error:
            if handle.attributes.get("pm.outcome") == "interrupted":  # control flow (a graph interrupt), not failure
                raise
            if handle.attributes.get("pm.outcome") in (None, "ok"):
                handle.attributes["pm.outcome"] = "error"
            span.record_exception(error)
            span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"[:200]))
            raise
        finally:
            handle._flush()


@contextmanager
def tool_span(interface: str, provider: str, operation: str) -> Iterator[SpanHandle]:
    """A span around one gateway call; `handle.set(outcome=..., retries=..., breaker_state=..., provider=...)`."""
    attributes = {
        "pm.interface": interface,
        "pm.provider": provider,
        "pm.operation": operation,
        "pm.outcome": "ok",
        "pm.retries": 0,
        "pm.breaker_state": "closed",
    }
    with _span(f"tool {interface}.{operation}", SpanKind.CLIENT, attributes) as handle:
        yield handle


@contextmanager
def model_span(system: str, model: str, *, operation: str = "chat") -> Iterator[SpanHandle]:
    """A span around one model call with GenAI attributes; report tokens with `handle.usage(in, out)`."""
    attributes = {
        "gen_ai.operation.name": operation,
        "gen_ai.system": system,
        "gen_ai.request.model": model,
        "pm.outcome": "ok",
    }
    with _span(f"{operation} {model}", SpanKind.CLIENT, attributes) as handle:
        yield handle


@contextmanager
def investigation_span(investigation_id: str, **attributes: Any) -> Iterator[SpanHandle]:
    """The root span of one investigation; pass `trace_carrier()` into the graph config for runtimes that need it."""
    extra = {f"pm.{name}": value for name, value in attributes.items()}
    with _span("investigation", SpanKind.INTERNAL, {"pm.investigation_id": investigation_id, **extra}) as handle:
        yield handle


@contextmanager
def child_span(name: str, carrier: Mapping[str, str] | None = None, **attributes: Any) -> Iterator[SpanHandle]:
    """A span under the current span, or under the span that `carrier` names when one is given (explicit wins)."""
    parent = context_from_carrier(carrier) if carrier else None
    with _span(name, SpanKind.INTERNAL, {f"pm.{key}": value for key, value in attributes.items()}, parent=parent) as h:
        yield h


def trace_carrier() -> dict[str, str]:
    """The current span as W3C trace-context headers (`traceparent`); {} when there is no recording span."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier


def context_from_carrier(carrier: Mapping[str, str]) -> otel_context.Context | None:
    """The parent context a carrier names, or None when it names none."""
    context = _PROPAGATOR.extract(dict(carrier))
    return context if trace.get_current_span(context).get_span_context().is_valid else None


def configure_tracing(settings: Any = None, *, exporter: Any = None) -> Any:
    """Install a tracer provider when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (or an exporter is given); else nothing.

    Returns the SDK provider (call `shutdown()` to flush), or None when tracing stays off. Idempotent.
    """
    global _configured
    if _configured is not None:
        return _configured
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    if exporter is None and not endpoint:
        return None
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    if exporter is None:
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        except ImportError:
            raise RuntimeError(
                "OTEL_EXPORTER_OTLP_ENDPOINT is set but the OTLP exporter is missing: "
                "pip install 'production-master[otel]'"
            ) from None
        exporter = OTLPSpanExporter()
    resource = Resource.create(
        {
            "service.name": os.environ.get("OTEL_SERVICE_NAME", SERVICE_NAME),
            "deployment.environment": str(getattr(settings, "env", "development")),
        }
    )
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    _configured = provider
    return provider


__all__ = [
    "SpanHandle",
    "child_span",
    "configure_tracing",
    "context_from_carrier",
    "get_tracer",
    "investigation_span",
    "model_span",
    "tool_span",
    "trace_carrier",
]
