"""What a ticket-path candidate explains, measured: how much of the ticket's failing lines its requests meet, where it
sits relative to where they fail, how much of the symptom's chain depends on it, and when its change went live
relative to the first symptom. Each value is bounded (0..1); the fitted model weighs them, not the walk's labels."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from agents.analysis.call_reach import reachable
from agents.analysis.change_rivals import effective_at
from agents.analysis.payloads import Payload
from agents.analysis.service_view import CHANGE_LEAD_S, DEPLOY_KINDS, ONSET_TOLERANCE_S, ServiceView
from agents.analysis.ticket_lines import carriers
from graphs.contracts import Evidence

CHANGE_HALF_LIFE_S = 30 * 60.0  # a change this long before the symptom counts half as much as one just before it
# the same lead at other half-lives: the fit weighs each basis, so the shape of "how soon before the symptom a change
# must be to explain it" is fitted rather than fixed at one half-life
LEAD_BASES_S = {"change_lead_5m": 5 * 60.0, "change_lead_3h": 3 * 3600.0}

WHY = {
    "lines_met_share": "share of the ticket's failing lines whose requests pass through it or what it loads",
    "lines_own_share": "share of the ticket's failing lines it logged itself",
    "lines_below_share": "share of the ticket's failing lines logged by services that depend on it",
    "lines_above_share": "share of the ticket's failing lines logged only below it (it sends them their work)",
    "symptom_depends": "a service the ticket reports depends on it",
    "chain_explained_share": "share of the symptom's troubled services that depend on it",
    "trouble_below_first": "a troubled dependency of its own failed no later than it",
    "failing": "errors, latency or lost availability at its onset, not merely busy",
    "change_lead": "a change of its own went live shortly before the first symptom (1 just before, 0.5 at 30 min)",
    "change_lead_5m": "the same lead at a 5 min half-life (1 just before, 0.5 at 5 min)",
    "change_lead_3h": "the same lead at a 3 h half-life (1 just before, 0.5 at 3 h)",
    "change_after_symptom": "its changes all went live after the first symptom",
    "explains_other": "a mechanism traced another service's trouble to it (load, credential, library, shared cause)",
    "explained_by_other": "a mechanism traced its trouble to another service",
    "ticket_path": "the ticket path weighed it (the same for every candidate of a case: it moves no ranking)",
}


@dataclass
class TicketCase:
    """What every candidate of one ticket case is measured against."""

    evidence: list[Evidence]
    views: dict[str, ServiceView]
    callees: dict[str, set[str]]
    callers: dict[str, set[str]]
    seeds: list[str]
    chain: list[str]
    symptom_start: float | None


def line_weights(evidence: list[Evidence]) -> dict[str, int]:
    """Lines of the ticket's failing requests per service that logged them (each carrier counts 1 when none erred)."""
    weights: dict[str, int] = defaultdict(int)
    for e in carriers(evidence):
        if e.service:
            weights[str(e.service)] += Payload(e).error_lines or 1
    return dict(weights)


def measure(reach: set[str], case: TicketCase) -> dict[str, float]:
    """The features of a candidate whose trouble reaches `reach` (itself, what it drove, its library's consumers)."""
    out: dict[str, float] = {}
    out |= _lines(reach, case)
    dependants = reachable(reach, case.callers) - reach
    if case.seeds:
        out["symptom_depends"] = 1.0 if set(case.seeds) & (dependants | reach) else 0.0
    troubled = [s for s in case.chain if s not in reach and case.views[s].faults]
    if troubled:
        out["chain_explained_share"] = sum(1 for s in troubled if s in dependants) / len(troubled)
    return out


def _lines(reach: set[str], case: TicketCase) -> dict[str, float]:
    weights = line_weights(case.evidence)
    total = sum(weights.values())
    if not total:
        return {}
    loads = {callee for member in reach for callee in case.callees.get(member, ())}
    met = own = below = above = 0
    for carrier, lines in weights.items():
        path = {carrier} | reachable([carrier], case.callees)  # what its failing requests went through
        above_it = reachable([carrier], case.callers)
        if reach & (path | above_it) or loads & path:
            met += lines
        if carrier in reach:
            own += lines
        elif reach & path:
            below += lines
        elif reach & above_it:
            above += lines
    return {
        "lines_met_share": met / total,
        "lines_own_share": own / total,
        "lines_below_share": below / total,
        "lines_above_share": above / total,
    }


def trouble_below_first(name: str, case: TicketCase) -> float:
    """1 when something it depends on, transitively, was in trouble no later than its own trouble began."""
    onset = case.views[name].fault_onset
    if onset is None:
        return 0.0
    below = reachable([name], case.callees) - {name}
    return float(
        any(
            (other := case.views.get(s)) is not None
            and other.fault_onset is not None
            and other.fault_onset <= onset + ONSET_TOLERANCE_S
            for s in below
        )
    )


def lead_bases(change_lead: float) -> dict[str, float]:
    """The lead at the other half-lives: `change_lead` is exp(-ln 2 * lead / half-life), so each is a power of it."""
    return {name: round(change_lead ** (CHANGE_HALF_LIFE_S / half_life), 6) for name, half_life in LEAD_BASES_S.items()}


def change_timing(view: ServiceView, reference: float | None, evidence: list[Evidence]) -> dict[str, float]:
    """How shortly before the reference (the first symptom, or the trouble it drove) its latest change went live."""
    if reference is None:
        return {}
    live = [
        at
        for c in view.changes
        if (Payload(c).change_kind or "deploy") in DEPLOY_KINDS | {"commit", "pull_request"}
        and (at := effective_at(c, evidence)) is not None
        and at != float("inf")
    ]
    if not live:
        return {}
    before = [at for at in live if reference - CHANGE_LEAD_S <= at <= reference + ONSET_TOLERANCE_S]
    lead = max(0.0, reference - max(before)) if before else None
    return {
        "change_lead": math.exp(-math.log(2) * lead / CHANGE_HALF_LIFE_S) if lead is not None else 0.0,
        "change_after_symptom": 1.0 if all(at > reference + ONSET_TOLERANCE_S for at in live) else 0.0,
    }
