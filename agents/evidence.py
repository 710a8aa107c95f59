"""Turning tool results into Evidence: findings get lineage; failures become evidence of absence."""

from __future__ import annotations

from typing import Any

from graphs.contracts import Capability, Evidence, EvidenceKind, TimeWindow
from tools.gateway.models import ToolResult


def absence(capability: Capability, result: ToolResult, what: str, window: TimeWindow | None = None) -> Evidence:
    """A failed or empty call recorded as a fact: we looked, and here is why nothing came back."""
    reason = result.error or "no data"
    return Evidence(
        id=Evidence.make_id("absence", capability, result.interface, result.operation, what),
        capability=capability,
        interface=result.interface,
        provider=result.provider,
        kind=EvidenceKind.absence,
        time_range=window,
        summary=f"No {what}: {result.operation} via {result.provider} answered {result.status.value} ({reason})",
        data={"status": result.status.value, "reason": reason, "operation": result.operation},
        lineage=result.lineage,
    )


def from_result(
    capability: Capability,
    result: ToolResult,
    *,
    kind: EvidenceKind,
    key: tuple[Any, ...],
    summary: str,
    service: str | None = None,
    window: TimeWindow | None = None,
    data: dict[str, Any] | None = None,
    score: float = 0.0,
) -> Evidence:
    return Evidence(
        id=Evidence.make_id(kind, *key),
        capability=capability,
        interface=result.interface,
        provider=result.provider,
        kind=kind,
        service=service,
        time_range=window,
        summary=summary,
        data=data or {},
        score=max(score, 0.0),
        lineage=result.lineage,
    )


def analysis_failure(capability: Capability, exc: Exception, window: TimeWindow | None) -> Evidence:
    """The engine failed on data it was given: recorded as absence, so the investigation still ends in a report."""
    reason = f"{type(exc).__name__}: {str(exc)[:300]}"
    return Evidence(
        id=Evidence.make_id("absence", capability, "analysis", reason),
        capability=capability,
        interface="analysis",
        provider="analyst",
        kind=EvidenceKind.absence,
        time_range=window,
        summary=f"No runtime findings: the analysis engine failed ({reason})",
        data={"status": "error", "reason": reason, "operation": "analyse_runtime"},
    )
