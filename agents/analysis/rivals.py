"""What a careful SRE rules out before confirming a cause: a blamed change live only after the trouble began, an
earlier change below the candidate, callers in trouble before it, trouble that ended before the ticket's failures or
long before they stopped, the ticket's failing lines blaming another service, another caller driving the load."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime

from agents.analysis.ticket_lines import blamed, carriers, last_failure, service_names, trail_items
from graphs.contracts import DependencyEdge, Evidence, EvidenceKind

ANOMALY_KINDS = {EvidenceKind.metric_anomaly, EvidenceKind.log_pattern, EvidenceKind.trace_anomaly}
CODE_KINDS = {"commit", "pull_request"}  # live only once a deploy ships them
RIVAL_CHANGE_KINDS = {"deploy", "config", "feature_flag"}
FAILING_FAMILIES = {"error", "latency", "availability", "log_error", "error_origin"}
LOAD_FAMILIES = {"traffic", "resource"}  # more work arriving: requests, connections, usage
TROUBLE_FAMILIES = {"retry"}  # not a fault by itself, but a caller retrying is a caller in trouble
WARNING_FAMILIES = {"log_warn"}  # a caller already warning about its answers is in trouble unless its change did it
TOLERANCE_S = 90.0
ORIGIN = "error_origin"  # a trace anomaly whose errors start in the service itself
OWN_CHANGE_S = 15 * 60.0  # a change this shortly before a service's trouble explains it on its own
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


def _onset(e: Evidence) -> float | None:
    at = e.data.get("onset")
    return float(at) if isinstance(at, int | float) else None


def effective_at(change: Evidence, evidence: list[Evidence]) -> float | None:
    """When a change reached production: a commit or pull request at its service's first deploy after it, when
    the evidence holds that service's deploys; any other change at its own time."""
    at = _onset(change)
    if at is None or change.data.get("change_kind") not in CODE_KINDS:
        return at
    deploys = [
        d
        for e in evidence
        if e.kind is EvidenceKind.change
        and e.service == change.service
        and e.data.get("change_kind") == "deploy"
        and (d := _onset(e)) is not None
    ]
    if not deploys:
        return at
    later = [d for d in deploys if d >= at]
    return min(later) if later else float("inf")


def blamed_change_late(pinpoint_ref: str, evidence: list[Evidence], onset: float) -> Evidence | None:
    """The hypothesis' pinpointed change when it reached production after the trouble began, else None."""
    for e in evidence:
        if e.kind is not EvidenceKind.change or pinpoint_ref not in (e.data.get("signal"), e.data.get("id"), e.id):
            continue
        live = effective_at(e, evidence)
        if live is not None and live > onset + TOLERANCE_S:
            return e
    return None


def reachable(starts: Iterable[str], adjacency: dict[str, set[str]]) -> set[str]:
    """Every service reached from `starts` along `adjacency` (callees for dependencies, callers for dependants)."""
    seen: set[str] = set()
    stack = list(starts)
    while stack:
        for other in adjacency.get(stack.pop(), ()):
            if other not in seen:
                seen.add(other)
                stack.append(other)
    return seen


def adjacency(edges: list[DependencyEdge]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(callees, callers) of every service in the call graph."""
    callees: dict[str, set[str]] = defaultdict(set)
    callers: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        callees[edge.caller].add(edge.callee)
        callers[edge.callee].add(edge.caller)
    return callees, callers


def dependencies(service: str, edges: list[DependencyEdge]) -> set[str]:
    """Everything the service calls, transitively."""
    return reachable([service], adjacency(edges)[0]) - {service}


def live_changes(scope: set[str], evidence: list[Evidence], since: float, until: float) -> list[float]:
    """When each change of the services in `scope` went live, for those live between `since` and `until`."""
    return [
        live
        for e in evidence
        if e.kind is EvidenceKind.change
        and e.service in scope
        and (live := effective_at(e, evidence)) is not None
        and since <= live <= until
    ]


def earlier_change_below(
    service: str, scope: set[str], edges: list[DependencyEdge], evidence: list[Evidence], onset: float, lead_s: float
) -> Evidence | None:
    """When no change of the candidate was live before its trouble, a dependency that changed before it and shows
    anomalies of its own: the only change before the trouble is below the candidate, a rival it does not rule out."""
    below = dependencies(service, edges) - scope
    anomalous = {e.service for e in evidence if e.kind in ANOMALY_KINDS and e.service in below}
    own = live_changes(scope, evidence, onset - lead_s, onset + TOLERANCE_S)
    if own:
        return None
    rivals = [
        e
        for e in evidence
        if e.kind is EvidenceKind.change
        and e.service in anomalous
        and e.data.get("change_kind") in RIVAL_CHANGE_KINDS
        and (at := _onset(e)) is not None
        and onset - lead_s <= at < onset
    ]
    return max(rivals, key=lambda e: float(e.data["onset"]), default=None)


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
        at = _onset(e)
        if e.kind not in ANOMALY_KINDS or e.service not in upstream or at is None or at + TOLERANCE_S >= onset:
            continue
        own_cause = any(at - OWN_CHANGE_S <= c <= at + TOLERANCE_S for c in changed.get(str(e.service), []))
        warned = e.data.get("family") in WARNING_FAMILIES or e.data.get("fault") is True
        if e.data.get("family") in TROUBLE_FAMILIES or (warned and not own_cause):
            early.add(str(e.service))
    return sorted(early)


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
        if int(e.data.get("error_lines") or 0) > 0 and e.service and e.service not in scope and _onset(e) is not None
    ]
    if not failed:
        return None
    faults = [e for e in evidence if e.kind in ANOMALY_KINDS and e.service in scope and e.data.get("fault", True)]
    if not faults or any(e.data.get("ongoing") or not isinstance(e.data.get("end"), int | float) for e in faults):
        return None
    ended = max(float(e.data["end"]) for e in faults)
    first = min(failed, key=lambda e: float(e.data["onset"]))
    if ended + TOLERANCE_S >= float(first.data["onset"]):
        return None
    said = " ".join(str(x) for c in failed for x in c.data.get("samples") or [])
    return None if _changes_name(scope, evidence, said) else str(first.service)


def outlived_by_ticket(scope: set[str], evidence: list[Evidence]) -> str | None:
    """When the ticket's requests last failed (a clock time), if that was well after all the candidate's faults had
    ended, and the metrics that moved while they were on had too (a shifted behaviour still on a dashboard counts,
    warnings that keep coming do not), and none of its changes shares a word with the ticket's failing lines: a cause
    gone quiet cannot explain failures that went on without it (bad data a finished migration left names what it
    touched)."""
    faults = [e for e in evidence if e.kind in ANOMALY_KINDS and e.service in scope and e.data.get("fault") is True]
    ends = [_ended(e) for e in faults]
    if not ends or None in ends:
        return None
    over = max(e for e in ends if e is not None)
    shifted = [  # a behaviour that moved while the trouble was on, and may still be off; one that moved later is new
        e
        for e in evidence
        if e.kind is EvidenceKind.metric_anomaly
        and e.service in scope
        and e.data.get("fault") is not True
        and (_onset(e) or 0.0) <= over + TOLERANCE_S
    ]
    ends += [_ended(e) for e in shifted]
    last = last_failure(evidence)
    if None in ends or last is None or last <= max(e for e in ends if e is not None) + OUTLIVED_S:
        return None
    said = " ".join(str(x) for e in carriers(evidence) for x in e.data.get("samples") or [])
    if _changes_name(scope, evidence, said):
        return None
    return datetime.fromtimestamp(last, UTC).strftime("%H:%M UTC")


def _changes_name(scope: set[str], evidence: list[Evidence], said: str) -> bool:
    """Whether a change of the scope shares a word with what failures said, service names aside ("party=pty_1" names
    a service, not what a change touched): a change whose damage outlives it names what it touched."""
    changes = " ".join(
        f"{e.summary} {e.data.get('title', '')} {e.data.get('diff', '')}"
        for e in evidence
        if e.kind is EvidenceKind.change and e.service in scope
    )
    return bool(words(changes) & (words(said) - name_words(evidence)))


def _ended(anomaly: Evidence) -> float | None:
    """When an anomaly was over: a metric's end once it came back, the end of a log template's or a trace's surge;
    None while it goes on or when nothing says."""
    if anomaly.data.get("ongoing"):
        return None
    for key in ("end", "surge_end"):
        if isinstance(at := anomaly.data.get(key), int | float):
            return float(at)
    return None


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


def contested_driven(
    service: str, scope: set[str], edges: list[DependencyEdge], evidence: list[Evidence]
) -> tuple[str, str] | None:
    """A callee counted as driven by the candidate's change whose trouble began no earlier than errors originating in
    its own dependency: that dependency explains it as well, so the drive is not shown. Returns (callee, dependency)."""
    faults = _first(e for e in evidence if e.kind in ANOMALY_KINDS and e.data.get("fault") is True)
    origins = _first(e for e in evidence if e.kind is EvidenceKind.trace_anomaly and e.data.get("family") == ORIGIN)
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
    rises = _first(
        e
        for e in evidence
        if e.kind is EvidenceKind.metric_anomaly
        and e.data.get("family") in LOAD_FAMILIES
        and int(e.data.get("direction") or 0) > 0
    )
    if _first(
        e
        for e in evidence
        if e.service == service and e.data.get("family") == "traffic" and int(e.data.get("direction") or 0) > 0
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


def served_cleanly(service: str, edges: list[DependencyEdge], evidence: list[Evidence], onset: float) -> str | None:
    """When (a clock time) the candidate logged the ticket's identifiers with neither an error nor a warning, after its
    trouble began, while services neither above nor below it logged them in errors: it handled the ticket's
    requests, or entities, without fault, and their failures lie elsewhere."""
    items = trail_items(evidence)
    failing = {str(e.service) for e in items if int(e.data.get("error_lines") or 0) > 0 and e.service != service}
    below = dependencies(service, edges)  # a caller sending them its work may well log cleanly
    if not failing or failing & below or any(service in dependencies(name, edges) for name in failing):
        return None
    clean = [
        float(e.data["last"])
        for e in items
        if e.service == service
        and "warning_lines" in e.data
        and not int(e.data.get("error_lines") or 0)
        and not int(e.data.get("warning_lines") or 0)
        and isinstance(e.data.get("last"), int | float)
        and float(e.data["last"]) >= onset
    ]
    return datetime.fromtimestamp(max(clean), UTC).strftime("%H:%M UTC") if clean else None


def _first(anomalies: Iterable[Evidence]) -> dict[str, float]:
    first: dict[str, float] = {}
    for e in anomalies:
        at = _onset(e)
        if e.service and at is not None:
            first[str(e.service)] = min(first.get(str(e.service), at), at)
    return first


def later_change_below(
    service: str, scope: set[str], edges: list[DependencyEdge], evidence: list[Evidence], onset: float
) -> Evidence | None:
    """A dependency that changed after the candidate's last change, whose anomalies began at that change and before the
    candidate's trouble: the most recent change before the trouble sits below the candidate, a closer explanation."""
    own = live_changes(scope, evidence, float("-inf"), onset + TOLERANCE_S)
    if not own:
        return None
    first = _first(e for e in evidence if e.kind in ANOMALY_KINDS and e.service not in scope)
    below = dependencies(service, edges) - scope
    rivals = [
        e
        for e in evidence
        if e.kind is EvidenceKind.change
        and e.service in below
        and e.data.get("change_kind") in RIVAL_CHANGE_KINDS
        and (at := _onset(e)) is not None
        and max(own) < at <= onset + TOLERANCE_S
        and at - TOLERANCE_S <= first.get(str(e.service), float("inf")) < onset - TOLERANCE_S
    ]
    return max(rivals, key=lambda e: float(e.data["onset"]), default=None)


def clean_trail_above(scope: set[str], edges: list[DependencyEdge], evidence: list[Evidence]) -> str | None:
    """A caller of the candidate whose logs carry the ticket's identifiers without one error line, when no service
    logged those identifiers in an error: the ticket's requests went through it and came back fine, so the
    candidate's failures are not what the ticket reports (wrong data, not errors)."""
    trail = [e for e in trail_items(evidence) if e.service]
    if not trail or any(int(e.data.get("error_lines") or 0) > 0 for e in trail):
        return None
    if any(e.service in scope for e in trail):
        return None
    above = [e for e in trail if scope & dependencies(str(e.service), edges)]
    return str(min(above, key=lambda e: (_onset(e) or 0.0, str(e.service))).service) if above else None


def untraced_to_ticket(scope: set[str], edges: list[DependencyEdge], evidence: list[Evidence]) -> str | None:
    """The services that logged the ticket's identifiers in an error (else at all) whose requests never meet the
    candidate (it is not one of them, not below them, not above them, and calls nothing they depend on), when they
    hold most of those lines: whatever the candidate went through is not most of what the ticket reports. None when
    at least half of the ticket's lines meet it, or nothing logged the identifiers."""
    weights: dict[str, int] = defaultdict(int)
    for e in carriers(evidence):  # with no error carrying the identifiers, every service that logged them counts alike
        if e.service:
            weights[str(e.service)] += int(e.data.get("error_lines") or 0) or 1
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
        and e.data.get("fault") is True
        and e.data.get("family") in FAILING_FAMILIES
        and (at := _onset(e)) is not None
        and not any(at - OWN_CHANGE_S <= c <= at + TOLERANCE_S for c in changed[str(e.service)])
    ]
    own = [e for e in evidence if e.kind in ANOMALY_KINDS and e.service in scope and e.data.get("fault") is True]
    if not failing or not own:
        return None
    first = min(failing, key=lambda e: (float(e.data["onset"]), str(e.service)))
    began = float(first.data["onset"])
    if not any(isinstance(e.data.get("end"), int | float) and e.data.get("ongoing") is False for e in own):
        return None  # nothing of its own came back: callers in trouble first is another rival's question
    for e in own:
        start, end = _onset(e), e.data.get("end")
        if start is None or start > began + TOLERANCE_S:
            continue  # it followed the failures
        if e.data.get("ongoing") is not False or not isinstance(end, int | float) or end >= began - TOLERANCE_S:
            return None  # in trouble when they began failing
    said = " ".join(str(e.data.get("message", "")) for e in failing if e.kind is EvidenceKind.log_pattern)
    if _changes_name(scope, evidence, said):
        return None
    return str(first.service), datetime.fromtimestamp(began, UTC).strftime("%H:%M")
