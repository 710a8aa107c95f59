"""Rivals in the changes' timeline: when a change really went live, a blamed change live only after the trouble
began, and a change below the candidate that came before its trouble."""

from __future__ import annotations

from agents.analysis.call_reach import dependencies
from agents.analysis.payloads import ANOMALY_KINDS, Payload, first_onsets, onset_of
from graphs.contracts import DependencyEdge, Evidence, EvidenceKind

CODE_KINDS = {"commit", "pull_request"}  # live only once a deploy ships them
RIVAL_CHANGE_KINDS = {"deploy", "config", "feature_flag"}
TOLERANCE_S = 90.0


def effective_at(change: Evidence, evidence: list[Evidence]) -> float | None:
    """When a change reached production: a commit or pull request at its service's first deploy after it, when
    the evidence holds that service's deploys; any other change at its own time."""
    at = onset_of(change)
    if at is None or Payload(change).change_kind not in CODE_KINDS:
        return at
    deploys = [
        d
        for e in evidence
        if e.kind is EvidenceKind.change
        and e.service == change.service
        and Payload(e).change_kind == "deploy"
        and (d := onset_of(e)) is not None
    ]
    if not deploys:
        return at
    later = [d for d in deploys if d >= at]
    return min(later) if later else float("inf")


def blamed_change_late(pinpoint_ref: str, evidence: list[Evidence], onset: float) -> Evidence | None:
    """The hypothesis' pinpointed change when it reached production after the trouble began, else None."""
    for e in evidence:
        if e.kind is not EvidenceKind.change or pinpoint_ref not in (
            Payload(e).signal or None,
            Payload(e).change_id or None,
            e.id,
        ):
            continue
        live = effective_at(e, evidence)
        if live is not None and live > onset + TOLERANCE_S:
            return e
    return None


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
        and Payload(e).change_kind in RIVAL_CHANGE_KINDS
        and (at := onset_of(e)) is not None
        and onset - lead_s <= at < onset
    ]
    return max(rivals, key=lambda e: onset_of(e) or 0.0, default=None)


def later_change_below(
    service: str, scope: set[str], edges: list[DependencyEdge], evidence: list[Evidence], onset: float
) -> Evidence | None:
    """A dependency that changed after the candidate's last change, whose anomalies began at that change and before the
    candidate's trouble: the most recent change before the trouble sits below the candidate, a closer explanation."""
    own = live_changes(scope, evidence, float("-inf"), onset + TOLERANCE_S)
    if not own:
        return None
    first = first_onsets(e for e in evidence if e.kind in ANOMALY_KINDS and e.service not in scope)
    below = dependencies(service, edges) - scope
    rivals = [
        e
        for e in evidence
        if e.kind is EvidenceKind.change
        and e.service in below
        and Payload(e).change_kind in RIVAL_CHANGE_KINDS
        and (at := onset_of(e)) is not None
        and max(own) < at <= onset + TOLERANCE_S
        and at - TOLERANCE_S <= first.get(str(e.service), float("inf")) < onset - TOLERANCE_S
    ]
    return max(rivals, key=lambda e: onset_of(e) or 0.0, default=None)
