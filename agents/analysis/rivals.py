"""Rivals in the dependants' and callers' timeline: callers in trouble before the candidate, a drive another caller
or dependency explains as well, and a candidate back to normal as its dependants began failing."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from agents.analysis.call_reach import adjacency, dependencies, reachable
from agents.analysis.change_rivals import effective_at
from agents.analysis.payloads import ANOMALY_KINDS, Payload, first_onsets, onset_of
from agents.analysis.trail_rivals import changes_name
from graphs.contracts import DependencyEdge, Evidence, EvidenceKind

FAILING_FAMILIES = {"error", "latency", "availability", "log_error", "error_origin"}
LOAD_FAMILIES = {"traffic", "resource"}  # more work arriving: requests, connections, usage
TROUBLE_FAMILIES = {"retry"}  # not a fault by itself, but a caller retrying is a caller in trouble
WARNING_FAMILIES = {"log_warn"}  # a caller already warning about its answers is in trouble unless its change did it
TOLERANCE_S = 90.0
ORIGIN = "error_origin"  # a trace anomaly whose errors start in the service itself
OWN_CHANGE_S = 15 * 60.0  # a change this shortly before a service's trouble explains it on its own


def callers_in_trouble_earlier(
    service: str, scope: set[str], edges: list[DependencyEdge], evidence: list[Evidence], onset: float
) -> list[str]:
    """Callers of the candidate whose trouble began before the candidate's: it cannot have caused what had already
    started. Retries always count; faults unless the caller's own change just before explains them separately."""
    upstream = reachable(scope, adjacency(edges)[1]) - scope
    changed: dict[str, list[float]] = defaultdict(list)
    for e in evidence:
        if e.kind is EvidenceKind.change and e.service and (live := effective_at(e, evidence)) is not None:
            changed[e.service].append(live)
    early: set[str] = set()
    for e in evidence:
        at = onset_of(e)
        if e.kind not in ANOMALY_KINDS or e.service not in upstream or at is None or at + TOLERANCE_S >= onset:
            continue
        own_cause = any(at - OWN_CHANGE_S <= c <= at + TOLERANCE_S for c in changed.get(str(e.service), []))
        warned = Payload(e).family in WARNING_FAMILIES or Payload(e).is_fault
        if Payload(e).family in TROUBLE_FAMILIES or (warned and not own_cause):
            early.add(str(e.service))
    return sorted(early)


def contested_driven(
    service: str, scope: set[str], edges: list[DependencyEdge], evidence: list[Evidence]
) -> tuple[str, str] | None:
    """A callee counted as driven by the candidate's change whose trouble began no earlier than errors originating in
    its own dependency: that dependency explains it as well, so the drive is not shown. Returns (callee, dependency)."""
    faults = first_onsets(e for e in evidence if e.kind in ANOMALY_KINDS and Payload(e).is_fault)
    origins = first_onsets(e for e in evidence if e.kind is EvidenceKind.trace_anomaly and Payload(e).family == ORIGIN)
    for member in sorted(scope - {service}):
        if member not in faults:
            continue
        for dep in sorted(dependencies(member, edges) - scope):
            if dep in origins and origins[dep] <= faults[member] + TOLERANCE_S:
                return member, dep
    return None


def louder_caller(
    service: str, scope: set[str], edges: list[DependencyEdge], evidence: list[Evidence]
) -> tuple[str, str] | None:
    """A callee counted as driven by the candidate's change whose load rose in the same minutes as another caller's
    own traffic, while the candidate's traffic did not move: that caller drove it. Returns (callee, caller)."""
    rises = first_onsets(
        e
        for e in evidence
        if e.kind is EvidenceKind.metric_anomaly and Payload(e).family in LOAD_FAMILIES and Payload(e).direction > 0
    )
    if first_onsets(
        e for e in evidence if e.service == service and Payload(e).family == "traffic" and Payload(e).direction > 0
    ):
        return None  # the candidate sent more work itself: its drive stands on its own traffic
    callers = adjacency(edges)[1]
    for member in sorted(scope - {service}):
        if member not in rises:
            continue
        for caller in sorted(callers.get(member, set()) - scope):
            if caller in rises and abs(rises[caller] - rises[member]) <= TOLERANCE_S:
                return member, caller
    return None


def recovered_before_dependants(
    scope: set[str], edges: list[DependencyEdge], evidence: list[Evidence]
) -> tuple[str, str] | None:
    """(dependant, when) when the candidate had trouble and was back to normal as the services depending on it began
    failing (failures their own change explains aside): its faults ended before that or began after it, and none of
    its changes shares a word with their errors (a change whose damage outlives it, a backfill's bad rows, names what
    the failures name). None otherwise."""
    dependants = reachable(scope, adjacency(edges)[1]) - scope
    changed: dict[str, list[float]] = defaultdict(list)
    for e in evidence:
        if e.kind is EvidenceKind.change and e.service in dependants and (live := effective_at(e, evidence)):
            changed[str(e.service)].append(live)
    failing = [
        e
        for e in evidence
        if e.kind in ANOMALY_KINDS
        and e.service in dependants
        and Payload(e).is_fault
        and Payload(e).family in FAILING_FAMILIES
        and (at := onset_of(e)) is not None
        and not any(at - OWN_CHANGE_S <= c <= at + TOLERANCE_S for c in changed[str(e.service)])
    ]
    own = [e for e in evidence if e.kind in ANOMALY_KINDS and e.service in scope and Payload(e).is_fault]
    if not failing or not own:
        return None
    first = min(failing, key=lambda e: ((onset_of(e) or 0.0), str(e.service)))
    began = onset_of(first) or 0.0
    if not any(Payload(e).came_back for e in own):
        return None  # nothing of its own came back: callers in trouble first is another rival's question
    for e in own:
        start, end = onset_of(e), Payload(e).end
        if start is None or start > began + TOLERANCE_S:
            continue  # it followed the failures
        if Payload(e).ongoing is not False or end is None or end >= began - TOLERANCE_S:
            return None  # in trouble when they began failing
    said = " ".join(Payload(e).message for e in failing if e.kind is EvidenceKind.log_pattern)
    if changes_name(scope, evidence, said):
        return None
    return str(first.service), datetime.fromtimestamp(began, UTC).strftime("%H:%M")
