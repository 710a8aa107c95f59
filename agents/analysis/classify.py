"""Fault type and pinpoint of one candidate, read from the signal that moved."""

from __future__ import annotations

from agents.analysis.signals import evidence_family, strength
from graphs.contracts import Evidence, EvidenceKind, FaultType, Pinpoint

_CHANGE_TYPES = {
    "deploy": FaultType.bad_deploy,
    "commit": FaultType.bad_deploy,
    "pull_request": FaultType.bad_deploy,
    "feature_flag": FaultType.feature_flag,
    "config": FaultType.config_change,
}
CALM_CPU = 0.3  # a CPU signal weaker than this (strength 0..1) counts as calm
LOG_FAMILIES = ("log_error", "log_break", "log_gone", "log_new", "log_framework_error", "log_surge")


def classify(items: list[Evidence]) -> tuple[FaultType, Pinpoint, str]:
    changes = [i for i in items if i.kind == EvidenceKind.change]
    if changes:
        change = changes[0]
        kind = str(change.data.get("change_kind", "deploy"))
        return (
            _CHANGE_TYPES.get(kind, FaultType.bad_deploy),
            Pinpoint(
                kind="feature_flag" if kind == "feature_flag" else "config" if kind == "config" else "change",
                ref=change.data.get("signal") or change.id,
                detail=change.summary,
            ),
            change.summary,
        )
    best: dict[str, Evidence] = {}
    for item in items:
        family = evidence_family(item)
        if family and (family not in best or strength(item) > strength(best[family])):
            best[family] = item
    level = {family: strength(item) for family, item in best.items()}
    logs = [best[f] for f in LOG_FAMILIES if f in best]
    cpu = level.get("cpu", 0.0)
    latency = max(level.get("inbound_latency", 0.0), level.get("server_latency", 0.0), level.get("self_latency", 0.0))
    if logs and max(strength(i) for i in logs) >= max(cpu, latency):
        return _from_logs(best)
    if cpu >= CALM_CPU and cpu >= 0.5 * latency:
        top = _cpu_pinpoint(items, best["cpu"])
        return (
            FaultType.cpu_contention,
            Pinpoint(kind="resource", ref=str(top.data.get("signal", "")), detail=top.summary),
            top.summary,
        )
    if latency > 0:
        top = max((best[f] for f in ("inbound_latency", "server_latency", "self_latency") if f in best), key=strength)
        if "self_latency" in best and top is best["self_latency"]:
            pinpoint = Pinpoint(kind="operation", ref=str(top.data.get("operation", "")), detail=top.summary)
        else:
            pinpoint = Pinpoint(kind="resource", ref=str(top.data.get("signal", "")), detail=top.summary)
        return FaultType.network_delay, pinpoint, top.summary
    if items:
        top = max(items, key=lambda i: i.score)
        return FaultType.unknown, Pinpoint(kind="unknown", ref=str(top.data.get("signal", ""))), top.summary
    return FaultType.unknown, Pinpoint(), "no evidence"


def _from_logs(best: dict[str, Evidence]) -> tuple[FaultType, Pinpoint, str]:
    """A wrong return value takes the code's own failure branch (it logs an error of its own); an exception skips
    the rest of the method (statements vanish) and leaves the logging to the framework or to nobody."""
    own_error = best.get("log_error")
    flow = best.get("log_break") or best.get("log_gone")
    fault = FaultType.return_value if own_error else FaultType.exception
    located = [i for i in (flow, own_error) if i is not None and "_" in str(i.data.get("statement", ""))]
    top = (
        located[0] if located else flow or own_error or max((best[f] for f in LOG_FAMILIES if f in best), key=strength)
    )
    statement = str(top.data.get("statement") or "")
    ref = statement or str(top.data.get("signal", ""))
    return fault, Pinpoint(kind="code" if statement else "unknown", ref=ref, detail=top.summary), top.summary


def _cpu_pinpoint(items: list[Evidence], strongest: Evidence) -> Evidence:
    """Usage against the pod's limit (a rate) says contention more plainly than absolute millicores."""
    rates = [
        i
        for i in items
        if evidence_family(i) == "cpu" and "rate" in str(i.data.get("signal", "")).lower() and strength(i) >= CALM_CPU
    ]
    return max(rates, key=strength) if rates else strongest
