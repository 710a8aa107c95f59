"""Ticket-driven ranking: follow the symptom down the dependency graph to where it begins, then ask what changed there.

Roles (how a service relates to the symptom) give the base score; bonuses come from a change that precedes the
onset, a change whose diff names what the errors name, callers' errors that name the service, the ticket's ids in
its logs, and the earliest onset. Team chat never enters the score: it is a lead, not proof.
"""

from __future__ import annotations

from collections import defaultdict

from agents.analysis.change_links import (
    _error_token_onsets,
    _error_tokens,
    _leaks,
    _linked_changes,
    _live_before_named,
    _named_by_callers,
    _outside_call_graph,
    _reference,
    _reward_earliest,
    _timed_changes,
    limit_changes,
    shared_host_edges,
)
from agents.analysis.common_cause import shared_failures
from agents.analysis.contention import noisy_neighbours, scheduled_jobs
from agents.analysis.expiry import expired_credentials, rejected_by_callee
from agents.analysis.libraries import implicated_libraries
from agents.analysis.models import Candidate
from agents.analysis.service_view import (
    BONUS,
    CHANGE_LEAD_S,
    DRIVEN_LEAD_S,
    ELSEWHERE,
    OWN_ERRORS_EXPLAINED,
    ROLE,
    UNTRACED_FACTOR,
)
from agents.analysis.silent import silent_callees
from agents.analysis.ticket_candidate import _candidate
from agents.analysis.ticket_features import TicketCase, change_timing, measure, trouble_below_first
from agents.analysis.ticket_lines import blamed
from agents.analysis.ticket_walk import (
    _amplifiers,
    _chain,
    _drivers,
    _failing_path,
    _frontier,
    _graph,
    _moved_below_after_change,
    _neighbourhood,
    _seeds,
    _stormed,
    _views,
)
from agents.analysis.trail_rivals import ended_before_ticket_failures, outlived_by_ticket, untraced_to_ticket
from graphs.contracts import DependencyEdge, Evidence, EvidenceKind


def is_ticket_evidence(evidence: list[Evidence]) -> bool:
    return any(e.kind is EvidenceKind.ticket for e in evidence)


def rank_ticket_candidates(evidence: list[Evidence], edges: list[DependencyEdge]) -> list[Candidate]:
    """Candidates best first for an investigation that started from a ticket."""
    hosts = _outside_call_graph(evidence, edges)
    edges = [*edges, *shared_host_edges(evidence, edges)]
    views = _views(evidence, edges)
    callees, callers = _graph(edges)
    seeds = _seeds(evidence, views)
    chain = _chain(seeds, views, callees, callers)
    roles: dict[str, str] = {}
    expired = expired_credentials(views)
    frontier = _frontier(chain, views, callees, expired)
    for name in chain:
        roles[name] = "frontier" if name in frontier else "chain"
    for name in sorted(frontier):
        holder = rejected_by_callee(name, views, callers, expired)
        if holder is not None:  # it rejects a caller's expired credential: the holder is where the symptom begins
            roles[name] = "victim"
            roles[holder] = "frontier"
    silent = silent_callees(frontier, views, callees, CHANGE_LEAD_S)
    for rejecting, callee in silent.items():  # it failed on the answers of a callee that changed beneath it
        roles[rejecting], roles[callee] = "rejecting", "frontier"
    for name, view in views.items():
        if name not in roles and view.faults:
            roles[name] = "bystander"
    amplifiers = _amplifiers(chain, views, callers)
    for amplifier, target in amplifiers.items():
        roles[amplifier] = "amplifier"
        if roles.get(target) == "frontier":
            roles[target] = "victim"
    for below in _stormed(amplifiers, roles, views, callees):
        roles[below] = "busy"  # loaded by the storm above it, not where the trouble began
    drivers = _drivers(frontier, chain, views, callers)
    for driver, driven in drivers.items():
        roles[driver] = "driver"
        roles[driven] = "busy"
    for callee, rejecting in {c: r for r, c in silent.items()}.items():
        drivers.setdefault(callee, rejecting)  # timed against the failures it caused, as a driver is
    for job, loaded in scheduled_jobs(frontier, views, callers).items():
        if job not in drivers:  # a run that woke up and loaded a shared resource, no change needed
            roles[job], roles[loaded], drivers[job] = "job", "busy", loaded
    for neighbour, starved in noisy_neighbours(frontier, views, hosts).items():
        if neighbour not in drivers:  # it took the CPU of the node the frontier shares with it
            roles[neighbour], roles[starved], drivers[neighbour] = "neighbour", "victim", starved
    loaded = {*drivers, *drivers.values(), *amplifiers, *amplifiers.values()}
    for shared, together in shared_failures(chain, views, callees, loaded).items():
        roles[shared] = "common"  # one cause for services failing together beats a coincidence of two
        for member in together:
            if roles.get(member) in ("frontier", "driver", "bystander"):
                roles[member] = "chain"
                drivers.pop(member, None)
    tokens = _error_tokens(evidence, views)
    libraries = implicated_libraries(views, tokens)
    for library, consumers in libraries.items():
        if library in drivers:
            continue
        roles[library], drivers[library] = "library", consumers[0]  # its new version failed in its consumers
        for consumer in consumers:
            if ROLE.get(roles.get(consumer, "bystander"), 0.0) <= ROLE["frontier"]:
                roles[consumer] = "consumer"
    failing_path = _failing_path(evidence, callees)
    linked = {
        name: _linked_changes(
            view,
            _error_tokens(evidence, views, name)
            if roles.get(name) in OWN_ERRORS_EXPLAINED or (failing_path and name not in failing_path)
            else tokens,
        )
        + limit_changes(view)
        for name, view in views.items()
    }
    near = _neighbourhood(chain, callees, callers)
    symptom_start = min((views[s].fault_onset or views[s].onset or float("inf")) for s in chain) if chain else None
    for name, changes in linked.items():
        if changes and name not in roles and name in near:
            roles[name] = "linked"
    carried = {view.name for view in views.values() if view.trail}
    for name in sorted(carried - roles.keys()):
        if (moved := _moved_below_after_change(views[name], views, callees)) is not None:
            roles[name] = "linked"  # the ticket's requests went through it, and what it calls moved at its change
            linked[name], drivers[name] = [moved[0]], moved[1]
    for name, view in views.items():
        if name not in roles and view.changes:
            roles[name] = "quiet_change"
    named = _named_by_callers(evidence, views)
    accused = blamed(evidence)
    token_onsets = _error_token_onsets(evidence)
    scores: dict[str, float] = {}
    notes: dict[str, list[str]] = defaultdict(list)
    feats: dict[str, dict[str, float]] = defaultdict(dict)
    ticket_case = TicketCase(evidence, views, callees, callers, seeds, chain, symptom_start)
    traced = _traced(roles, drivers, amplifiers)
    for name, role in roles.items():
        view = views[name]
        score = ROLE[role]
        notes[name].append(role)
        feats[name] |= _measured(name, ticket_case, drivers, libraries, traced)
        reference = _reference(name, views, drivers, symptom_start)
        # a chain service is explained by trouble below it: only a change whose diff names the errors speaks for it
        bonuses = ("linked_change",) if role in ("chain", "consumer", "rejecting") else tuple(BONUS)
        if "timed_change" in bonuses and _timed_changes(view, reference):
            score += BONUS["timed_change"]
            feats[name]["timed_change"] = 1.0
            notes[name].append("a change precedes the onset")
            if (
                (view.faults or name in drivers)
                and reference is not None
                and any(reference - DRIVEN_LEAD_S <= c.data["onset"] for c in _timed_changes(view, reference))
            ):
                score += BONUS["prompt_change"]
                feats[name]["prompt_change"] = 1.0
                notes[name].append("minutes before it")
        if "expired" in bonuses and name in expired and view.faults:
            score += BONUS["expired"]
            feats[name]["expired"] = 1.0
            notes[name].append("a credential of its own ran out as the trouble began")
        if "leak" in bonuses and _leaks(view):
            score += BONUS["leak"]
            feats[name]["leak"] = 1.0
            notes[name].append("a resource climbs steadily from a deploy on")
        if any(_live_before_named(c, view, token_onsets, reference) for c in linked[name]):
            score += BONUS["linked_change"]
            feats[name]["linked_change"] = 1.0
            notes[name].append("a change's diff names what the errors name")
        if "named_by_callers" in bonuses and name in named and view.faults:
            score += BONUS["named_by_callers"]
            feats[name]["named_by_callers"] = 1.0
            notes[name].append("callers' errors name it")
        if "accused_by_ticket" in bonuses and name in accused and role not in ELSEWHERE:
            score += BONUS["accused_by_ticket"]
            feats[name]["accused_by_ticket"] = 1.0
            notes[name].append("the ticket's failing lines blame it")
        if "ticket_ids" in bonuses and any(t.data.get("error_lines") for t in view.trail) and view.faults:
            score += BONUS["ticket_ids"]
            feats[name]["ticket_ids"] = 1.0
            notes[name].append("the ticket's ids appear in its errors")
        scores[name] = score
    before = dict(scores)
    _reward_earliest(scores, roles, views, drivers, chain, callers)
    for name in scores:
        if scores[name] > before[name]:
            feats[name]["earliest"] = 1.0
    for name in scores:
        reach = {name, *([drivers[name]] if name in drivers else []), *libraries.get(name, [])}
        if untraced_to_ticket(reach, edges, evidence) is not None:
            scores[name] *= UNTRACED_FACTOR
            notes[name].append("the ticket's failing requests never reach it")
            feats[name]["untraced"] = 1.0
        elif ended_before_ticket_failures(reach, evidence) is not None:
            scores[name] *= UNTRACED_FACTOR
            notes[name].append("its trouble was over before the ticket's requests failed")
            feats[name]["ended_before"] = 1.0
        elif outlived_by_ticket(reach, evidence) is not None:
            scores[name] *= UNTRACED_FACTOR
            notes[name].append("the ticket's requests went on failing long after its trouble ended")
            feats[name]["outlived"] = 1.0
    candidates = [
        _candidate(name, scores[name], roles[name], views, linked[name], drivers, amplifiers, callees, symptom_start)
        for name in scores
    ]
    for c in candidates:
        c.features = {"ticket_score": c.score, **feats[c.service]}
    return sorted(candidates, key=lambda c: (-c.score, c.service))


EXPLAINING = ("amplifier", "driver", "job", "neighbour", "library", "common")  # it explains another's trouble
EXPLAINED = ("victim", "busy", "rejecting", "consumer")  # its trouble is traced to another service


def _traced(roles: dict[str, str], drivers: dict[str, str], amplifiers: dict[str, str]) -> dict[str, tuple[bool, bool]]:
    """Per service: (a mechanism traced another service's trouble to it, one traced its own trouble elsewhere)."""
    explains = {n for n, r in roles.items() if r in EXPLAINING} | set(drivers) | set(amplifiers)
    return {n: (n in explains, r in EXPLAINED) for n, r in roles.items()}


def _measured(
    name: str,
    case: TicketCase,
    drivers: dict[str, str],
    libraries: dict[str, list[str]],
    traced: dict[str, tuple[bool, bool]],
) -> dict[str, float]:
    """What the candidate explains of the ticket and the symptom, where it sits, and when its change went live."""
    view = case.views[name]
    reach = {name, *([drivers[name]] if name in drivers else []), *libraries.get(name, [])}
    explains, explained = traced.get(name, (False, False))
    reference = _reference(name, case.views, drivers, case.symptom_start)
    return {
        **measure(reach, case),
        "trouble_below_first": trouble_below_first(name, case),
        "failing": 1.0 if view.failing else 0.0,
        **change_timing(view, reference, case.evidence),
        "explains_other": 1.0 if explains else 0.0,
        "explained_by_other": 1.0 if explained else 0.0,
    }
