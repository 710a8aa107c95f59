"""The verifier's checklist: five checks per hypothesis and the rival explanations a careful SRE rules out,
also offered to the model as a mechanism plug-in (Checklist)."""

from __future__ import annotations

from collections import defaultdict

from agents.analysis.call_reach import reachable
from agents.analysis.change_attribution import is_ticket_evidence
from agents.analysis.change_links import shared_host_edges
from agents.analysis.change_rivals import blamed_change_late, earlier_change_below, later_change_below
from agents.analysis.model.mechanism import Attributed
from agents.analysis.models import Candidate
from agents.analysis.rivals import (
    callers_in_trouble_earlier,
    contested_driven,
    louder_caller,
    recovered_before_dependants,
)
from agents.analysis.service_view import DEPLOY_KINDS, DRIVEN_LEAD_S
from agents.analysis.topology import topology
from agents.analysis.trail_rivals import (
    blamed_elsewhere,
    clean_trail_above,
    ended_before_ticket_failures,
    outlived_by_ticket,
    served_cleanly,
    untraced_to_ticket,
)
from graphs.contracts import (
    CheckItem,
    CheckResult,
    DependencyEdge,
    Evidence,
    EvidenceKind,
    Hypothesis,
)

ANOMALY_KINDS = {EvidenceKind.metric_anomaly, EvidenceKind.log_pattern, EvidenceKind.trace_anomaly}
ONSET_TOLERANCE_S = 90.0
CHANGE_LEAD_S = 6 * 3600.0


class CaseContext:
    """What every hypothesis of one case is checked against, computed once."""

    def __init__(self, evidence: list[Evidence]) -> None:
        self.evidence = evidence
        self.by_id = {e.id: e for e in evidence}
        self.anomalies = [e for e in evidence if e.kind in ANOMALY_KINDS and e.service]
        self.onsets = _earliest_onsets(self.anomalies)
        self.ticket = is_ticket_evidence(evidence)
        edges = topology(evidence)
        self.edges = [*edges, *shared_host_edges(evidence, edges)] if self.ticket else edges


def checklist(
    h: Hypothesis, evidence: list[Evidence], ctx: CaseContext
) -> tuple[list[CheckResult], list[tuple[str, str]]]:
    """The five checks of one hypothesis, and the rival explanations (name, why) that stand against it."""
    edges, onsets = ctx.edges, ctx.onsets
    scope = _scope(h, evidence, edges, onsets)
    own = [e for e in ctx.anomalies if e.service in scope]
    checks = [
        _symptom(h, own),
        _pinpoint(h, ctx.by_id),
        _timing(h, evidence, onsets, scope),
        _mechanism(h, edges, onsets, evidence, scope),
        _duration(own),
    ]
    rivals: list[tuple[str, str]] = []
    if ctx.ticket:
        checks, rivals = _ruled_out(h, checks, edges, evidence, onsets, scope)
    return checks, rivals


def check_features(h: Hypothesis, ctx: CaseContext) -> dict[str, float]:
    """The checklist as model features: each check passed (1), failed (0) or not applicable (0.5), each rival 1."""
    return {a.feature: a.value for a in check_attributions(h, ctx)}


def check_attributions(h: Hypothesis, ctx: CaseContext) -> list[Attributed]:
    """Each check with the evidence it cites, and each rival that stands with why."""
    checks, rivals = checklist(h, ctx.evidence, ctx)
    out = [
        Attributed(
            f"check_{c.item.value}",
            (1.0 if c.passed else 0.0) if c.applicable else 0.5,
            c.note,
            tuple(c.evidence_ids) if c.passed else (),
            () if c.passed else tuple(c.evidence_ids),
        )
        for c in checks
    ]
    return out + [Attributed(f"rival_{name}", 1.0, why) for name, why in rivals]


class Checklist:
    """The verifier's checks and rival explanations as a mechanism: a candidate the checks fail loses weight."""

    name = "checklist"

    def __init__(self, ctx: CaseContext) -> None:
        self.ctx = ctx

    def attribute(self, candidate: Candidate) -> list[Attributed]:
        probe = Hypothesis(
            id="probe",
            service=candidate.service,
            pinpoint=candidate.pinpoint,
            statement="",
            supporting=candidate.supporting,
        )
        return check_attributions(probe, self.ctx)


def _ruled_out(
    h: Hypothesis,
    checks: list[CheckResult],
    edges: list[DependencyEdge],
    evidence: list[Evidence],
    onsets: dict[str, float],
    scope: set[str],
) -> tuple[list[CheckResult], list[tuple[str, str]]]:
    """What a careful SRE rules out before confirming: a blamed change live only after the trouble began (timing),
    a rival change below the candidate, callers in trouble first, a driven callee its own dependency explains as
    well, trouble over before the ticket's (mechanism)."""
    onset = min((onsets[s] for s in scope if s in onsets), default=None)
    if onset is None:
        return checks, []
    failures: dict[CheckItem, str] = {}
    rivals: list[tuple[str, str]] = []
    late = blamed_change_late(h.pinpoint.ref, evidence, onset) if h.pinpoint.kind == "change" else None
    if late is not None:
        failures[CheckItem.timing] = f"{late.summary} reached production after the trouble began"
        rivals.append(("late_change", failures[CheckItem.timing]))
    standing = _rival_explanations(h, scope, edges, evidence, onset)
    if standing:
        failures[CheckItem.mechanism] = standing[0][1]
        rivals += standing
    checks = [
        c.model_copy(update={"passed": False, "applicable": True, "note": failures[c.item]})
        if c.item in failures and c.passed
        else c
        for c in checks
    ]
    return checks, rivals


def _rival_explanations(
    h: Hypothesis, scope: set[str], edges: list[DependencyEdge], evidence: list[Evidence], onset: float
) -> list[tuple[str, str]]:
    """Every rival that stands (name, why), in the order a careful SRE weighs them."""
    out: list[tuple[str, str]] = []
    if (carriers := untraced_to_ticket(scope, edges, evidence)) is not None:
        out.append(("untraced", f"the ticket's failing requests ({carriers}) never reach {h.service}"))
    if (recovered := recovered_before_dependants(scope, edges, evidence)) is not None:
        out.append(("recovered", f"{h.service} was back to normal when {recovered[0]} began failing at {recovered[1]}"))
    if (rival := earlier_change_below(h.service, scope, edges, evidence, onset, CHANGE_LEAD_S)) or (
        rival := later_change_below(h.service, scope, edges, evidence, onset)
    ):
        out.append(("change_below", f"{rival.summary}, below {h.service}, changed earlier: a rival explanation"))
    if early := callers_in_trouble_earlier(h.service, scope, edges, evidence, onset):
        out.append(("callers_earlier", f"callers in trouble before {h.service}: {', '.join(early[:3])}"))
    if (contested := contested_driven(h.service, scope, edges, evidence)) is not None:
        out.append(("contested", f"{contested[0]}'s trouble is explained as well by {contested[1]} below it"))
    if (louder := louder_caller(h.service, scope, edges, evidence)) is not None:
        why = f"{louder[0]}'s load rose with {louder[1]}'s own traffic, while {h.service}'s did not move"
        out.append(("louder_caller", why))
    if (carrier := ended_before_ticket_failures(scope, evidence)) is not None:
        out.append(("ended_before", f"its trouble ended before {carrier} failed on the ticket's identifiers"))
    if (last := outlived_by_ticket(scope, evidence)) is not None:
        why = f"the ticket's requests were still failing at {last}, long after {h.service}'s trouble had ended"
        out.append(("outlived", why))
    if (accused := blamed_elsewhere(scope, edges, evidence)) is not None:
        out.append(("blamed_elsewhere", f"the ticket's failing lines blame {accused}, not {h.service} or below it"))
    if (clean := served_cleanly(h.service, edges, evidence, onset)) is not None:
        why = f"{h.service} handled the ticket's identifiers without a fault at {clean}, during its trouble"
        out.append(("served_cleanly", why))
    if (clean := clean_trail_above(scope, edges, evidence)) is not None:
        out.append(("clean_trail", f"the ticket's requests went through {clean}, above it, without an error"))
    return out


def _scope(h: Hypothesis, evidence: list[Evidence], edges: list[DependencyEdge], onsets: dict[str, float]) -> set[str]:
    """The service, and the callees whose trouble began minutes after one of its changes: what the change drove
    (a migration locking a shared database, a cache key change flooding the origin)."""
    scope = {h.service}
    changed = [
        float(e.data["onset"])
        for e in evidence
        if e.kind is EvidenceKind.change
        and e.service == h.service
        and e.data.get("change_kind") in DEPLOY_KINDS
        and isinstance(e.data.get("onset"), int | float)
    ]
    for edge in edges:
        onset = onsets.get(edge.callee)
        if edge.caller == h.service and onset is not None and any(at <= onset <= at + DRIVEN_LEAD_S for at in changed):
            scope.add(edge.callee)
    if is_ticket_evidence(evidence):
        scope |= _cited_services(h, evidence)
    return scope


def _cited_services(h: Hypothesis, evidence: list[Evidence]) -> set[str]:
    """Services whose anomalies the hypothesis cites as its effect: what a job loaded, a neighbour starved, a
    library's consumers; the mechanism outside the call graph that the engine found."""
    cited = set(h.supporting)
    return {str(e.service) for e in evidence if e.id in cited and e.kind in ANOMALY_KINDS and e.service}


def _earliest_onsets(anomalies: list[Evidence]) -> dict[str, float]:
    onsets: dict[str, float] = {}
    for e in anomalies:
        onset = e.data.get("onset")
        if isinstance(onset, int | float):
            onsets[e.service] = min(onsets.get(e.service, onset), onset)  # type: ignore[index]
    return onsets


def _symptom(h: Hypothesis, own: list[Evidence]) -> CheckResult:
    ids = [e.id for e in sorted(own, key=lambda e: -e.score)[:5]]
    return CheckResult(
        item=CheckItem.symptom,
        passed=bool(ids),
        note=f"{len(own)} anomalies on {h.service}" if own else f"no anomaly observed on {h.service}",
        evidence_ids=ids,
    )


def _pinpoint(h: Hypothesis, by_id: dict[str, Evidence]) -> CheckResult:
    ok = h.pinpoint.kind != "unknown" and bool(h.pinpoint.ref)
    ids = [i for i in h.supporting if i in by_id and by_id[i].data.get("signal") == h.pinpoint.ref]
    where = f" on {h.pinpoint.instance}" if h.pinpoint.instance else ""
    note = f"{h.pinpoint.kind} {h.pinpoint.ref}{where}" if ok else "nothing inside the service is pinned down"
    return CheckResult(item=CheckItem.pinpoint, passed=ok, note=note, evidence_ids=ids)


def _timing(h: Hypothesis, evidence: list[Evidence], onsets: dict[str, float], scope: set[str]) -> CheckResult:
    """A change of the service shortly before the trouble of what it drives began, or its trouble came first."""
    in_scope = [onsets[s] for s in scope if s in onsets]
    onset = min(in_scope) if in_scope else None
    if onset is None:
        return CheckResult(item=CheckItem.timing, passed=False, note="no onset observed for this service")
    cited = set(h.supporting) if is_ticket_evidence(evidence) else set()
    changes = [
        e
        for e in evidence
        if e.kind is EvidenceKind.change
        and (e.service == h.service or e.id in cited)  # a library's new version ships in its consumers' deploys
        and isinstance(e.data.get("onset"), int | float)
        and onset - CHANGE_LEAD_S <= e.data["onset"] <= onset + ONSET_TOLERANCE_S
    ]
    first = all(onset <= other + ONSET_TOLERANCE_S for svc, other in onsets.items() if svc not in scope)
    if changes:
        latest = max(changes, key=lambda e: e.data["onset"])
        return CheckResult(
            item=CheckItem.timing,
            passed=True,
            note=f"{latest.summary} precedes the onset",
            evidence_ids=[latest.id],
        )
    return CheckResult(
        item=CheckItem.timing,
        passed=first,
        note="its onset is the earliest" if first else "another service degraded earlier",
    )


def _mechanism(
    h: Hypothesis, edges: list[DependencyEdge], onsets: dict[str, float], evidence: list[Evidence], scope: set[str]
) -> CheckResult:
    """The affected services depend on the hypothesis' scope, and nothing outside it degraded earlier unexplained."""
    if not edges:
        return CheckResult(item=CheckItem.mechanism, passed=False, applicable=False, note="no dependency graph")
    callers: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        callers[edge.callee].add(edge.caller)
    callees: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        callees[edge.caller].add(edge.callee)
    upstream = reachable(scope, callers) - scope
    start = min((onsets[s] for s in scope if s in onsets), default=float("inf"))
    degraded = _degraded_onsets(evidence)
    affected = [svc for svc in onsets if svc not in scope]
    explained = [
        svc for svc in affected if svc in upstream or (svc in reachable([h.service], callees) and onsets[svc] >= start)
    ]
    suspects = _below_symptom(evidence, callees)  # where the symptom could have come from
    unexplained_earlier = [
        svc
        for svc, onset in degraded.items()
        if svc not in scope
        and svc not in upstream
        and (suspects is None or svc in suspects)
        and onset + ONSET_TOLERANCE_S < start
    ]
    topo = [e.id for e in evidence if e.kind is EvidenceKind.topology][:1]
    passed = not unexplained_earlier and (bool(explained) or not affected)
    note = (
        f"{len(explained)} affected callers depend on {h.service}"
        if passed
        else f"degraded earlier without depending on {h.service}: {', '.join(unexplained_earlier[:3])}"
        if unexplained_earlier
        else f"none of the affected services ({', '.join(sorted(affected)[:3])}) depends on {h.service}"
    )
    return CheckResult(item=CheckItem.mechanism, passed=passed, note=note, evidence_ids=topo)


def _degraded_onsets(evidence: list[Evidence]) -> dict[str, float]:
    """Earliest onset of trouble per service (errors, latency, saturation); traffic that only moved is not trouble."""
    return _earliest_onsets(
        [e for e in evidence if e.kind in ANOMALY_KINDS and e.service and e.data.get("fault", True)]
    )


def _below_symptom(evidence: list[Evidence], callees: dict[str, set[str]]) -> set[str] | None:
    """The ticket's services and everything they depend on, transitively; None without a ticket."""
    tickets = [e for e in evidence if e.kind is EvidenceKind.ticket]
    if not tickets:
        return None
    seeds = {s for t in tickets for s in t.data.get("symptom_services") or t.data.get("services", [])}
    return seeds | reachable(seeds, callees)


def _duration(own: list[Evidence]) -> CheckResult:
    ongoing = [e for e in own if "ongoing" in e.data or "end" in e.data]
    if not ongoing:
        return CheckResult(item=CheckItem.duration, passed=False, applicable=False, note="the data does not say")
    ids = [e.id for e in ongoing[:3]]
    still = any(e.data.get("ongoing") for e in ongoing)
    return CheckResult(
        item=CheckItem.duration,
        passed=True,
        note="still ongoing at the window's end" if still else "it stopped",
        evidence_ids=ids,
    )
