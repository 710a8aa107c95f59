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
    logs = [best[f] for f in ("log_error", "log_new", "log_gone", "log_surge") if f in best]
    cpu = level.get("cpu", 0.0)
    latency = max(level.get("inbound_latency", 0.0), level.get("server_latency", 0.0), level.get("self_latency", 0.0))
    if logs and max(strength(i) for i in logs) >= max(cpu, latency):
        top = max(logs, key=strength)
        statement = str(top.data.get("statement") or top.data.get("signal", ""))
        fault = FaultType.exception if "log_error" in best else FaultType.return_value
        return (
            fault,
            Pinpoint(kind="code" if top.data.get("statement") else "unknown", ref=statement, detail=top.summary),
            top.summary,
        )
    if cpu >= CALM_CPU and cpu >= 0.5 * latency:
        top = best["cpu"]
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
