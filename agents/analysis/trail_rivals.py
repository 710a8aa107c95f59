"""Rivals the ticket's own trail raises: its failing requests never reach the candidate, came through it cleanly, blame
another service, or failed before or long after the candidate's trouble."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime

from agents.analysis.call_reach import adjacency, dependencies, reachable
from agents.analysis.payloads import ANOMALY_KINDS, Payload, onset_of
from agents.analysis.ticket_lines import blamed, carriers, last_failure, service_names, trail_items
from graphs.contracts import DependencyEdge, Evidence, EvidenceKind

TOLERANCE_S = 90.0
OUTLIVED_S = 10 * 60.0  # the ticket's requests failing this long after a candidate's trouble ended outlived it
# failure words, and failure modes any error and any change touching failure handling share (a timeout, a connection)
STOP_WORDS = {
    "error",
    "errors",
    "failed",
    "failure",
    "exception",
    "java",
    "lang",
    "request",
    "service",
    "update",
    "timeout",
    "timed",
    "connection",
}


def words(text: str) -> set[str]:
    """Distinctive words of a text, camelCase and snake_case split: what a change and an error can share."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    return {w for w in re.split(r"[^a-z]+", spaced.lower()) if len(w) >= 5 and w not in STOP_WORDS}


def name_words(evidence: list[Evidence]) -> set[str]:
    """The words of the services' names (those with evidence and those in the topology): an error naming a service
    shares them with every change of that service."""
    return words(" ".join(service_names(evidence)))


def ended_before_ticket_failures(scope: set[str], evidence: list[Evidence]) -> str | None:
    """The service whose error lines carry the ticket's identifiers, when all the candidate's faults had ended
    before those errors began and none of its changes shares a word with those errors: what the candidate went
    through cannot be what the ticket reports (a migration that ended and left bad data names what it touched)."""
    failed = [
        e
        for e in trail_items(evidence)
        if Payload(e).error_lines > 0 and e.service and e.service not in scope and onset_of(e) is not None
    ]
    if not failed:
        return None
    faults = [e for e in evidence if e.kind in ANOMALY_KINDS and e.service in scope and Payload(e).fault is not False]
    ends = [Payload(e) for e in faults]
    if not ends or any(p.ongoing or p.end is None for p in ends):
        return None
    ended = max(float(p.end or 0.0) for p in ends)
    first = min(failed, key=lambda e: onset_of(e) or 0.0)
    if ended + TOLERANCE_S >= (onset_of(first) or 0.0):
        return None
    said = " ".join(x for c in failed for x in Payload(c).samples)
    return None if changes_name(scope, evidence, said) else str(first.service)


def outlived_by_ticket(scope: set[str], evidence: list[Evidence]) -> str | None:
    """When the ticket's requests last failed (a clock time), if that was well after all the candidate's faults had
    ended, and the metrics that moved while they were on had too (a shifted behaviour still on a dashboard counts,
    warnings that keep coming do not), and none of its changes shares a word with the ticket's failing lines: a cause
    gone quiet cannot explain failures that went on without it (bad data a finished migration left names what it
    touched)."""
    faults = [e for e in evidence if e.kind in ANOMALY_KINDS and e.service in scope and Payload(e).is_fault]
    ends = [_ended(e) for e in faults]
    if not ends or None in ends:
        return None
    over = max(e for e in ends if e is not None)
    shifted = [  # a behaviour that moved while the trouble was on, and may still be off; one that moved later is new
        e
        for e in evidence
        if e.kind is EvidenceKind.metric_anomaly
        and e.service in scope
        and not Payload(e).is_fault
        and (onset_of(e) or 0.0) <= over + TOLERANCE_S
    ]
    ends += [_ended(e) for e in shifted]
    last = last_failure(evidence)
    if None in ends or last is None or last <= max(e for e in ends if e is not None) + OUTLIVED_S:
        return None
    said = " ".join(x for e in carriers(evidence) for x in Payload(e).samples)
    if changes_name(scope, evidence, said):
        return None
    return datetime.fromtimestamp(last, UTC).strftime("%H:%M UTC")


def changes_name(scope: set[str], evidence: list[Evidence], said: str) -> bool:
    """Whether a change of the scope shares a word with what failures said, service names aside ("party=pty_1" names
    a service, not what a change touched): a change whose damage outlives it names what it touched."""
    changes = " ".join(
        f"{e.summary} {Payload(e).title} {Payload(e).diff}"
        for e in evidence
        if e.kind is EvidenceKind.change and e.service in scope
    )
    return bool(words(changes) & (words(said) - name_words(evidence)))


def _ended(anomaly: Evidence) -> float | None:
    """When an anomaly was over: a metric's end once it came back, the end of a log template's or a trace's surge;
    None while it goes on or when nothing says."""
    return Payload(anomaly).ended


def blamed_elsewhere(scope: set[str], edges: list[DependencyEdge], evidence: list[Evidence]) -> str | None:
    """The services the ticket's failing lines blame, with the timeline bearing it out, when none of them is the
    candidate, below it or depending on it: those lines point elsewhere. None when they blame nobody, or the
    candidate's side."""
    callees = adjacency(edges)[0]
    related = scope | reachable(scope, callees)
    accused = blamed(evidence)
    if not accused or any(name in related or scope & reachable([name], callees) for name in accused):
        return None
    return ", ".join(sorted(accused))


def served_cleanly(service: str, edges: list[DependencyEdge], evidence: list[Evidence], onset: float) -> str | None:
    """When (a clock time) the candidate logged the ticket's identifiers with neither an error nor a warning, after its
    trouble began, while services neither above nor below it logged them in errors: it handled the ticket's
    requests, or entities, without fault, and their failures lie elsewhere."""
    items = trail_items(evidence)
    failing = {str(e.service) for e in items if Payload(e).error_lines > 0 and e.service != service}
    below = dependencies(service, edges)  # a caller sending them its work may well log cleanly
    if not failing or failing & below or any(service in dependencies(name, edges) for name in failing):
        return None
    clean = [
        p.last
        for p in map(Payload, items)
        if p.evidence.service == service
        and p.warning_lines == 0
        and p.error_lines == 0
        and p.last is not None
        and p.last >= onset
    ]
    return datetime.fromtimestamp(max(clean), UTC).strftime("%H:%M UTC") if clean else None


def clean_trail_above(scope: set[str], edges: list[DependencyEdge], evidence: list[Evidence]) -> str | None:
    """A caller of the candidate whose logs carry the ticket's identifiers without one error line, when no service
    logged those identifiers in an error: the ticket's requests went through it and came back fine, so the
    candidate's failures are not what the ticket reports (wrong data, not errors)."""
    trail = [e for e in trail_items(evidence) if e.service]
    if not trail or any(Payload(e).error_lines > 0 for e in trail):
        return None
    if any(e.service in scope for e in trail):
        return None
    above = [e for e in trail if scope & dependencies(str(e.service), edges)]
    return str(min(above, key=lambda e: (onset_of(e) or 0.0, str(e.service))).service) if above else None


def untraced_to_ticket(scope: set[str], edges: list[DependencyEdge], evidence: list[Evidence]) -> str | None:
    """The services that logged the ticket's identifiers in an error (else at all) whose requests never meet the
    candidate (it is not one of them, not below them, not above them, and calls nothing they depend on), when they
    hold most of those lines: whatever the candidate went through is not most of what the ticket reports. None when
    at least half of the ticket's lines meet it, or nothing logged the identifiers."""
    weights: dict[str, int] = defaultdict(int)
    for e in carriers(evidence):  # with no error carrying the identifiers, every service that logged them counts alike
        if e.service:
            weights[str(e.service)] += Payload(e).error_lines or 1
    if not weights:
        return None
    callees, callers = adjacency(edges)
    loads = {callee for member in scope for callee in callees.get(member, ())}

    def meets(carrier: str) -> bool:
        path = {carrier} | reachable([carrier], callees)  # what its failing requests went through
        return bool(scope & (path | reachable([carrier], callers)) or loads & path)

    missed = sorted(carrier for carrier in weights if not meets(carrier))
    if 2 * sum(weights[c] for c in missed) <= sum(weights.values()):
        return None
    return ", ".join(missed)
