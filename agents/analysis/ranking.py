"""Fuse evidence into ranked root-cause candidates, using the dependency graph to tell causes from symptoms."""

from __future__ import annotations

import math
from collections import defaultdict

from agents.analysis.change_attribution import is_ticket_evidence, rank_ticket_candidates
from agents.analysis.classify import classify
from agents.analysis.instances import lone_instance
from agents.analysis.models import Candidate
from agents.analysis.signals import SCORE_SCALE, evidence_family, strength
from graphs.contracts import DependencyEdge, Evidence, EvidenceKind

# How strongly each kind of signal speaks for its own service being the cause (symptoms of others weigh little).
FAMILY_WEIGHT = {
    "cpu": 1.0,
    "memory": 0.6,
    "server_latency": 0.9,
    "inbound_latency": 1.0,
    "success": 0.8,
    "client_latency": 0.3,
    "self_latency": 1.0,
    "log_error": 1.0,
    "log_framework_error": 0.5,
    "log_new": 0.9,
    "log_gone": 0.9,
    "log_break": 1.0,
    "log_break_explained": 0.3,
    "log_surge": 0.6,
}
PROPAGATING = {
    "server_latency",
    "client_latency",
    "self_latency",
    "success",
    "log_error",
    "log_framework_error",
    "log_new",
    "log_surge",
    "log_break",
}
DOWNSTREAM_DISCOUNT = 0.5  # a symptom that a sicker callee explains counts half
CHANGE_WITH_ANOMALY = 0.95
CHANGE_ALONE = 0.3
EARLIEST_BONUS = 0.03
# the unclipped size of a metric departure: z up to this cap, and how many times its usual level (log scale, 100x = 1)
Z_CAP = 1000.0
RELATIVE_DECADES = 2.0
SIMULTANEOUS_S = 90.0  # onsets this close are one moment (sampling, alert delay)
EXPLAINS_AWAY = 0.8  # a callee that departed no later, at least this share of the size, explains a caller's symptoms
# the signal families the model weighs separately (the strongest of each group, 0..1)
FEATURE_GROUP = {
    "cpu": "sig_cpu",
    "memory": "sig_memory",
    "server_latency": "sig_latency",
    "inbound_latency": "sig_latency",
    "self_latency": "sig_latency",
    "client_latency": "sig_client_latency",
    "success": "sig_errors",
    "log_error": "sig_log_error",
    "log_framework_error": "sig_log_error",
    "log_new": "sig_log_change",
    "log_gone": "sig_log_change",
    "log_break": "sig_log_change",
    "log_break_explained": "sig_log_change",
    "log_surge": "sig_log_change",
}


def rank_candidates(evidence: list[Evidence], edges: list[DependencyEdge]) -> list[Candidate]:
    """Candidates best first; each cites the evidence ids it rests on."""
    if is_ticket_evidence(evidence):  # a ticket: follow the symptom to where it begins (change_attribution)
        return rank_ticket_candidates(evidence, edges)
    by_service: dict[str, list[Evidence]] = defaultdict(list)
    for item in evidence:
        if item.service and item.kind in (*SCORE_SCALE, EvidenceKind.change):
            by_service[item.service].append(item)
    _attribute_waits(by_service)
    family_strength = {service: _family_strengths(items) for service, items in by_service.items()}
    callees: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        if edge.caller != edge.callee:
            callees[edge.caller].add(edge.callee)
    onsets = {service: _onset(items) for service, items in by_service.items()}
    scores: dict[str, float] = {}
    feats: dict[str, dict[str, float]] = defaultdict(dict)
    for service in family_strength:
        feats[service].update(_magnitude(by_service[service]))
    _explained_away(feats, callees, onsets)
    for service, families in family_strength.items():
        sickest_callee = max((_own_strength(family_strength.get(c, {})) for c in callees[service]), default=0.0)
        # strengths saturate, so a callee as sick as a wrapper can read a hair weaker: compare the unclipped sizes too
        sized_alike = feats[service].get("callee_explains", 0.0) >= EXPLAINS_AWAY
        miss = own_miss = 1.0
        for family, value in families.items():
            weight = FAMILY_WEIGHT.get(family, 0.0)
            own_miss *= 1.0 - weight * value
            if family in PROPAGATING and (sickest_callee >= value * weight or sized_alike):
                weight *= DOWNSTREAM_DISCOUNT
                feats[service]["explained_by_callee"] = 1.0
            miss *= 1.0 - weight * value
            group = FEATURE_GROUP.get(family)
            if group:
                feats[service][group] = max(feats[service].get(group, 0.0), value)
        scores[service] = 1.0 - miss
        feats[service]["own_strength"] = 1.0 - own_miss
    for service, items in by_service.items():
        before = scores.get(service, 0.0)
        scores[service] = _with_changes(before, items, onsets[service])
        if scores[service] > before:
            kind = "change_with_anomaly" if onsets[service] is not None and before > 0 else "change_alone"
            feats[service][kind] = 1.0
    before = dict(scores)
    _reward_earliest(scores, onsets)
    for service, score in scores.items():
        feats[service]["alert_score"] = min(1.0, score)
        if score > before[service]:
            feats[service]["earliest"] = 1.0
    candidates = [
        _candidate(service, score, by_service[service], feats[service])
        for service, score in scores.items()
        if score > 0
    ]
    return sorted(candidates, key=lambda c: (-c.score, c.service))


def _attribute_waits(by_service: dict[str, list[Evidence]]) -> None:
    """A slow outgoing call is credited to its callee (network, the callee's queue), unless the caller's own CPU is
    the busier: a starved caller is slow around every call it makes."""
    cpu = {
        s: max((strength(i) for i in items if evidence_family(i) == "cpu"), default=0.0)
        for s, items in by_service.items()
    }
    for service, items in list(by_service.items()):
        for item in list(items):
            caller = item.data.get("called_by")
            if caller and cpu.get(caller, 0.0) > cpu.get(service, 0.0):
                items.remove(item)
                by_service[caller].append(item)


def _family_strengths(items: list[Evidence]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items:
        family = evidence_family(item)
        if family and family != "entry" and item.kind != EvidenceKind.change:
            out[family] = max(out.get(family, 0.0), strength(item))
    return out


def _explained_away(
    feats: dict[str, dict[str, float]], callees: dict[str, set[str]], onsets: dict[str, float | None]
) -> None:
    """`callee_explains`: how much of its own departure a callee that departed no later accounts for (the callee's
    size over its own, 0..1). A wrapper (a client node, a gateway stage, a function's invoker) departs as much as the
    resource it calls and is explained by it; a cause's callees stay quiet or move far less."""
    for service, own in feats.items():
        size, at = own.get("sig_magnitude", 0.0), onsets.get(service)
        if size <= 0 or at is None:
            continue
        shares = [
            min(1.0, feats[c].get("sig_magnitude", 0.0) / size)
            for c in callees.get(service, ())
            if c in feats and (onsets.get(c) or float("inf")) <= at + SIMULTANEOUS_S
        ]
        if shares:
            own["callee_explains"] = round(max(shares), 6)


def _magnitude(items: list[Evidence]) -> dict[str, float]:
    """How large the service's own metric departure is, beyond where the clipped score saturates: the robust z on a
    log scale (`sig_magnitude`) and the factor over its usual level (`sig_relative`), both 0..1."""
    z = rel = 0.0
    for item in items:
        if item.kind != EvidenceKind.metric_anomaly or evidence_family(item) in (None, "entry", "client_latency"):
            continue
        z = max(z, float(item.data.get("z_peak", item.score)))
        rel = max(rel, float(item.data.get("relative_change", 1.0)))
    out: dict[str, float] = {}
    if z > 0:
        out["sig_magnitude"] = round(math.log1p(min(z, Z_CAP)) / math.log1p(Z_CAP), 6)
    if rel > 1.0:
        out["sig_relative"] = round(min(1.0, math.log10(rel) / RELATIVE_DECADES), 6)
    return out


def _own_strength(families: dict[str, float]) -> float:
    return max((FAMILY_WEIGHT.get(f, 0.0) * v for f, v in families.items()), default=0.0)


def _onset(items: list[Evidence]) -> float | None:
    onsets = [i.data.get("onset") for i in items if i.kind != EvidenceKind.change and i.data.get("onset")]
    return min(onsets) if onsets else None


def _with_changes(score: float, items: list[Evidence], onset: float | None) -> float:
    """A change on a service counts strongly when that service's own anomaly began after it."""
    for item in items:
        if item.kind != EvidenceKind.change:
            continue
        at = item.data.get("onset")
        explains = onset is not None and at is not None and at <= onset
        boost = CHANGE_WITH_ANOMALY if explains else CHANGE_ALONE
        score = 1.0 - (1.0 - score) * (1.0 - boost)
    return score


def _reward_earliest(scores: dict[str, float], onsets: dict[str, float | None]) -> None:
    """Among strong contenders, the one whose trouble started first is the likelier cause."""
    if not scores:
        return
    top = max(scores.values())
    contenders = [s for s, v in scores.items() if v >= 0.8 * top and onsets.get(s) is not None]
    if len(contenders) > 1:
        first = min(contenders, key=lambda s: (onsets[s], s))
        scores[first] += EARLIEST_BONUS


def _candidate(service: str, score: float, items: list[Evidence], features: dict[str, float]) -> Candidate:
    fault_type, pinpoint, reason = classify(items)
    pinpoint.instance = lone_instance(items)
    supporting = [i.id for i in sorted(items, key=lambda i: -i.score)]
    where = f", on {pinpoint.instance}" if pinpoint.instance else ""
    return Candidate(
        service=service,
        score=round(score, 6),
        fault_type=fault_type,
        pinpoint=pinpoint,
        statement=f"{service} is the likely root cause ({fault_type.value}{where}): {reason}",
        supporting=supporting,
        contradicting=[],
        features=features,
    )
