"""A ticket-path candidate: its fault type, pinpoint, and the evidence for and against it."""

from __future__ import annotations

from agents.analysis.change_links import _clock_of, _leaks, _timed_changes, _trouble_began
from agents.analysis.contention import client_label
from agents.analysis.expiry import countdowns
from agents.analysis.instances import lone_instance
from agents.analysis.libraries import bump_evidence_ids
from agents.analysis.metric_kinds import metric_family
from agents.analysis.models import Candidate
from agents.analysis.service_view import LINK_LOOKBACK_S, ONSET_TOLERANCE_S, RESOURCE_FAULTS, ServiceView
from graphs.contracts import Evidence, FaultType, Pinpoint

# --- the candidate ---------------------------------------------------------------------------------


def _candidate(
    name: str,
    score: float,
    role: str,
    views: dict[str, ServiceView],
    linked: list[Evidence],
    drivers: dict[str, str],
    amplifiers: dict[str, str],
    callees: dict[str, set[str]],
    symptom_start: float | None,
) -> Candidate:
    view = views[name]
    reference = _trouble_began(views[drivers[name]]) if name in drivers else (_trouble_began(view) or symptom_start)
    fault_type, pinpoint, cause = _pinpoint(view, role, linked, reference, name in amplifiers, name in drivers)
    changed = pinpoint.kind in ("change", "config", "feature_flag")  # a change to the job itself names it better
    label = client_label(views, drivers[name], name) if role == "job" and not changed else None
    if label:
        cause = f"its run {label} loaded {drivers[name]} from {_clock_of(views[name].onset)}"
        fault_type, pinpoint = FaultType.resource_exhaustion, Pinpoint(kind="operation", ref=label, detail=cause)
    elif role == "job" and pinpoint.kind != "change":
        fault_type = FaultType.resource_exhaustion
    elif role == "neighbour" and pinpoint.kind == "change":
        fault_type = FaultType.cpu_contention
    supporting = [c.id for c in _cause_changes(view, linked, reference)]
    if role == "library":
        supporting += bump_evidence_ids(views, name, [drivers[name]])
    supporting += [a.id for a in sorted(view.anomalies, key=lambda a: (-a.score, a.id))[:8]]
    supporting += [t.id for t in view.trail]
    if name in drivers:
        supporting += [a.id for a in views[drivers[name]].anomalies[:4]]
    contradicting = _contradicting(view, role, reference, callees, views)
    pinpoint = pinpoint.model_copy(update={"instance": lone_instance(view.anomalies)})
    where = f", on {pinpoint.instance}" if pinpoint.instance else ""
    return Candidate(
        service=name,
        score=round(score, 6),
        fault_type=fault_type,
        pinpoint=pinpoint,
        statement=f"{name} is the likely root cause ({fault_type.value}, {role}{where}): {cause}",
        supporting=list(dict.fromkeys(supporting)),
        contradicting=list(dict.fromkeys(contradicting)),
    )


def _cause_changes(view: ServiceView, linked: list[Evidence], reference: float | None) -> list[Evidence]:
    """The service's changes that may explain the symptom: linked ones first, then deploys, flags and config in time,
    each group nearest the onset first."""
    limit = (reference or float("inf")) + ONSET_TOLERANCE_S
    ahead = [
        c
        for c in linked
        if c.data["onset"] <= limit and (reference is None or c.data["onset"] >= reference - LINK_LOOKBACK_S)
    ]
    timed = [c for c in _timed_changes(view, reference) if c not in ahead]
    return sorted(ahead, key=lambda c: -c.data["onset"]) + sorted(timed, key=lambda c: -c.data["onset"])


def _pinpoint(
    view: ServiceView, role: str, linked: list[Evidence], reference: float | None, amplifier: bool, driver: bool
) -> tuple[FaultType, Pinpoint, str]:
    changes = _cause_changes(view, linked, reference)
    expiring = sorted(countdowns(view), key=lambda a: (a.data["onset"], -a.score))
    if expiring and not linked:  # a credential that ran out explains the failures better than a deploy near them
        top = expiring[0]
        metric = str(top.data.get("metric", ""))
        fault = _resource_fault(metric, FaultType.unknown)
        return fault, Pinpoint(kind="resource", ref=metric, detail=top.summary), top.summary
    if changes:
        change = changes[0]
        kind = str(change.data.get("change_kind", "deploy"))
        fault = {"feature_flag": FaultType.feature_flag, "config": FaultType.config_change}.get(
            kind, FaultType.bad_deploy
        )
        if amplifier and any(a.data.get("family") == "retry" for a in view.anomalies):
            fault = FaultType.retry_storm
        elif _leaks(view):
            fault = FaultType.resource_exhaustion
        elif driver and "migration" in str(change.data.get("diff", "")).lower() + " ".join(
            str(c.data.get("diff", "")).lower() for c in view.changes
        ):
            fault = FaultType.data_corruption
        pin_kind = "feature_flag" if kind == "feature_flag" else "config" if kind == "config" else "change"
        ref = str(change.data.get("signal") or change.id)
        return fault, Pinpoint(kind=pin_kind, ref=ref, detail=change.summary), change.summary
    retries = sorted((a for a in view.anomalies if a.data.get("family") == "retry"), key=lambda a: -a.score)
    if amplifier and retries:  # no change to blame: the storm itself is what to find and fix, the busy CPU is not
        top = retries[0]
        metric = str(top.data.get("metric", ""))
        return FaultType.retry_storm, Pinpoint(kind="resource", ref=metric, detail=top.summary), top.summary
    resources = lasting_first(
        sorted(
            (a for a in view.faults if a.data.get("family") in ("resource", "availability")),
            key=lambda a: (a.data["onset"], -a.score),
        )
    )
    if resources:
        top = resources[0]
        metric = str(top.data.get("metric", ""))
        fault = _resource_fault(metric, FaultType.resource_exhaustion)
        return fault, Pinpoint(kind="resource", ref=metric, detail=top.summary), top.summary
    origins = sorted((a for a in view.anomalies if a.data.get("family") == "error_origin"), key=lambda a: -a.score)
    if origins:
        top = origins[0]
        fault = FaultType.third_party_change if role == "frontier" else FaultType.exception
        return (
            fault,
            Pinpoint(kind="operation", ref=str(top.data.get("operation", "")), detail=top.summary),
            top.summary,
        )
    if view.faults:
        top = max(view.faults, key=lambda a: a.score)
        fault = FaultType.exception if top.data.get("family") == "log_error" else FaultType.unknown
        return fault, Pinpoint(kind="unknown", ref=str(top.data.get("signal", "")), detail=top.summary), top.summary
    return FaultType.unknown, Pinpoint(), "changed, but shows no anomaly of its own"


def _resource_fault(metric: str, default: FaultType) -> FaultType:
    """The fault a failing resource metric stands for, by the words of its name; a health state gone bad is an
    outage whatever else the name mentions."""
    if metric_family(metric) == "availability":
        return FaultType.dependency_outage
    return next((f for words, f in RESOURCE_FAULTS if any(w in metric.lower() for w in words)), default)


def lasting_first(resources: list[Evidence]) -> list[Evidence]:
    """States still wrong at the window's end ahead of ones that came back: a process that restarted and came up
    again is a blip, the state it came back in (sealed, degraded) is what lasts."""
    if not any(a.data.get("ongoing") for a in resources):
        return states_first(resources)
    return sorted(states_first(resources), key=lambda a: a.data.get("ongoing") is False)


def states_first(resources: list[Evidence]) -> list[Evidence]:
    """A health state that degraded (drives online, nodes up) ahead of usage (cpu, memory): usage is load, the state
    is what broke; the order is otherwise kept."""
    return sorted(resources, key=lambda a: a.data.get("family") != "availability")


def _contradicting(
    view: ServiceView,
    role: str,
    reference: float | None,
    callees: dict[str, set[str]],
    views: dict[str, ServiceView],
) -> list[str]:
    """Evidence against: a dependency that was in trouble first, changes that came after the onset."""
    against: list[str] = []
    onset = view.fault_onset or view.onset
    if onset is not None:
        for callee in sorted(callees.get(view.name, ())):
            other = views.get(callee)
            if other and other.faults and (other.fault_onset or 0) <= onset + ONSET_TOLERANCE_S:
                against += [a.id for a in other.faults[:2]]
    if reference is not None:
        against += [c.id for c in view.changes if c.data["onset"] > reference + ONSET_TOLERANCE_S]
    if role == "quiet_change":
        against += [c.id for c in view.changes[:3]]  # changed, yet nothing on it moved
    return against
