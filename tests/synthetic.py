"""Small hand-built evidence for the engine's mechanism tests: minutes after T0, one item per signal."""

from __future__ import annotations

from typing import Any

from agents.analysis.metric_kinds import is_fault
from graphs.contracts import Capability, DependencyEdge, Evidence, EvidenceKind

T0 = 1_700_000_000.0


def item(kind: EvidenceKind, service: str | None, key: str, /, score: float = 0.0, **data: Any) -> Evidence:
    """One evidence item of `kind` about `service`, identified by `key`, carrying `data`."""
    return Evidence(
        id=Evidence.make_id(kind, service, key),
        capability=Capability.provide_runtime_context,
        interface="log-system",
        provider="test",
        kind=kind,
        service=service,
        summary=f"{service} {key}",
        data=data,
        score=score,
    )


def metric(
    service: str,
    name: str,
    at_min: float,
    family: str,
    direction: int = 1,
    before: float = 10.0,
    peak: float = 90.0,
    **extra: Any,
) -> Evidence:
    """A metric that departed at `at_min`; whether that is a fault follows the engine's own metric kinds."""
    return item(
        EvidenceKind.metric_anomaly,
        service,
        name,
        score=20.0,
        detector="onset",
        family=family,
        metric=name,
        signal=name,
        direction=direction,
        onset=T0 + 60 * at_min,
        fault=is_fault(family, direction, name),
        before=before,
        peak=peak,
        **extra,
    )


def log(service: str, message: str, at_min: float, level: str = "ERROR") -> Evidence:
    """A log template that began at `at_min` (ERROR is a fault, anything else a warning)."""
    error = level == "ERROR"
    return item(
        EvidenceKind.log_pattern,
        service,
        message,
        score=30.0,
        detector="onset",
        family="log_error" if error else "log_warn",
        fault=error,
        error=error,
        message=message,
        signal=message,
        onset=T0 + 60 * at_min,
    )


def change(
    service: str, change_id: str, kind: str, at_s: float, title: str = "", diff: str = "", ref: str = ""
) -> Evidence:
    """A deploy, commit, PR, toggle or config change at epoch second `at_s`; a toggle or config change is known by
    its key (`ref`) when one is given."""
    return item(
        EvidenceKind.change,
        service,
        change_id,
        id=change_id,
        change_kind=kind,
        onset=at_s,
        diff=diff,
        title=title or f"{kind} {change_id}",
        ref=ref or change_id,
        signal=ref if ref and kind in ("feature_flag", "config") else change_id,
    )


def change_at(
    service: str, change_id: str, at_min: float, kind: str = "deploy", title: str = "", diff: str = "", ref: str = ""
) -> Evidence:
    """A change `at_min` minutes after T0, a deploy unless `kind` says otherwise."""
    return change(service, change_id, kind, T0 + 60 * at_min, title=title, diff=diff, ref=ref)


def ticket(*services: str) -> Evidence:
    """The ticket, naming the services where the symptom shows."""
    return item(EvidenceKind.ticket, None, "T-1", symptom_services=list(services), services=list(services))


def trail(
    service: str,
    error_lines: int,
    at_min: float = 30,
    last_min: float | None = None,
    samples: list[str] | None = None,
    warning_lines: int = 0,
) -> Evidence:
    """The ticket's identifiers found in `service`'s logs from `at_min` to `last_min`, `error_lines` of those lines
    errors and `warning_lines` warnings, `samples` what they said."""
    return item(
        EvidenceKind.log_pattern,
        service,
        "ids",
        detector="identifier",
        family="identifier",
        identifiers=["tx_1"],
        lines=max(2, error_lines),
        error_lines=error_lines,
        warning_lines=warning_lines,
        onset=T0 + 60 * at_min,
        last=T0 + 60 * (at_min if last_min is None else last_min),
        samples=samples or [],
    )


def topology(edges: list[DependencyEdge]) -> Evidence:
    """The call graph as the collector reports it."""
    return item(EvidenceKind.topology, None, "graph", edges=[e.model_dump() for e in edges])
