"""Ticket-driven ranking: follow the symptom down the dependency graph to where it begins, then ask what changed there.

Roles (how a service relates to the symptom) give the base score; bonuses come from a change that precedes the
onset, a change whose diff names what the errors name, callers' errors that name the service, the ticket's ids in
its logs, and the earliest onset. Team chat never enters the score: it is a lead, not proof.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from agents.analysis.common_cause import shared_failures
from agents.analysis.contention import client_label, noisy_neighbours, scheduled_jobs
from agents.analysis.expiry import countdowns, expired_credentials, rejected_by_callee
from agents.analysis.libraries import bump_evidence_ids, implicated_libraries
from agents.analysis.metric_kinds import FAILURE_FAMILIES, is_exhaustible, metric_family
from agents.analysis.models import Candidate
from agents.analysis.rivals import (
    ORIGIN,
    effective_at,
    ended_before_ticket_failures,
    outlived_by_ticket,
    reachable,
    untraced_to_ticket,
)
from agents.analysis.silent import silent_callees
from agents.analysis.ticket_lines import blamed, carriers, first_named
from graphs.contracts import DependencyEdge, Evidence, EvidenceKind, FaultType, Pinpoint

ONSET_TOLERANCE_S = 120.0  # a callee may show trouble this much after its caller and still explain it
CHANGE_LEAD_S = 6 * 3600.0  # a deploy, flag or config change this long before the onset may explain it
DRIVEN_LEAD_S = 15 * 60.0  # a busy dependency right after its caller's change was driven by that change
LINK_LOOKBACK_S = 7 * 86400.0
UNTRACED_FACTOR = 0.5  # a candidate the ticket's failing requests never reach, or whose trouble was over before they
# failed, explains other trouble, not the ticket's
ROLE = {
    "frontier": 1.0,
    "amplifier": 1.2,
    "driver": 1.0,
    "linked": 1.0,
    "chain": 0.5,
    "victim": 0.6,
    "busy": 0.8,
    "bystander": 0.3,
    "quiet_change": 0.1,
    "job": 1.2,
    "neighbour": 1.2,
    "library": 1.2,
    "consumer": 0.5,
    "rejecting": 0.5,
    "common": 1.2,
}
BONUS = {
    "timed_change": 0.3,
    "prompt_change": 0.2,
    "linked_change": 0.8,
    "named_by_callers": 0.2,
    "accused_by_ticket": 0.3,
    "ticket_ids": 0.2,
    "earliest": 0.3,
    "leak": 0.3,
    "expired": 0.5,
}
TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:[.\-/][A-Za-z0-9_]+)*")
MIN_TOKEN = 6
# roles whose own errors are not the symptom (explained below them, or beside the symptom's chain): a change naming
# them explains those errors, not the ticket's
OWN_ERRORS_EXPLAINED = ("chain", "bystander")
# roles whose trouble the graph walk traced to another service (what drove, amplified or starved it, or what its
# change drove): the callers that blame it name where the failure showed
ELSEWHERE = ("victim", "busy", "driver")
FAILING = FAILURE_FAMILIES | {"log_error", "error_origin"}
DEPLOY_KINDS = {"deploy", "feature_flag", "config"}
CHANGE_FAULTS = {"feature_flag": FaultType.feature_flag, "config": FaultType.config_change}
RESOURCE_FAULTS = (
    (("cert", "expiry", "tls"), FaultType.certificate_expiry),
    (("memory", "rss", "heap", "oom"), FaultType.memory_exhaustion),
    (
        ("_up", "available", "healthy", "clients", "sealed", "running", "partition", "online"),
        FaultType.dependency_outage,
    ),
    (("disk", "wal", "quota", "conn", "slots", "pool"), FaultType.resource_exhaustion),
    (("cpu",), FaultType.cpu_consumed),
)


@dataclass
class ServiceView:
    """What the evidence says about one service."""

    name: str
    anomalies: list[Evidence] = field(default_factory=list)
    changes: list[Evidence] = field(default_factory=list)
    trail: list[Evidence] = field(default_factory=list)

    @property
    def faults(self) -> list[Evidence]:
        return [a for a in self.anomalies if a.data.get("fault")]

    @property
    def onset(self) -> float | None:
        """Earliest onset of any departure, traffic included."""
        return _earliest(self.anomalies)

    @property
    def fault_onset(self) -> float | None:
        """When the service's largest trouble began: an early small blip in the same series is only a prelude."""
        return _earliest(self.faults, major=True)

    @property
    def failing(self) -> bool:
        """Errors, latency or lost availability at the onset of its trouble, not merely busy."""
        onset = self.fault_onset
        return any(
            a.data.get("family") in FAILING and (onset is None or _start(a) <= onset + ONSET_TOLERANCE_S)
            for a in self.faults
        )

    @property
    def lasting_onset(self) -> float | None:
        """When the trouble still going at the window's end began: faults that came back before it are a blip; None
        when nothing is ongoing or a fault still is (then the earliest onset stands)."""
        if any(a.data.get("ongoing") for a in self.faults):
            return None
        return _earliest([a for a in self.anomalies if a.data.get("ongoing")])

    @property
    def failing_onset(self) -> float | None:
        """When errors, latency or lost availability began (a resource trending towards a limit is not yet failing)."""
        return _earliest([a for a in self.faults if a.data.get("family") in FAILING])

    def load_moves(self, direction: int) -> list[Evidence]:
        """Traffic or usage that moved this way: the service got (or lost) work."""
        return [
            a
            for a in self.anomalies
            if a.data.get("family") in ("traffic", "resource") and a.data.get("direction") == direction
        ]

    def prompt_change(self) -> Evidence | None:
        """The latest deploy, flag or config change shortly before the service's own trouble began."""
        onset = self.fault_onset
        if onset is None:
            return None
        near = [
            c
            for c in self.changes
            if c.data.get("change_kind") in DEPLOY_KINDS and onset - DRIVEN_LEAD_S <= c.data["onset"] <= onset
        ]
        return max(near, key=lambda c: c.data["onset"]) if near else None


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
    for name, role in roles.items():
        view = views[name]
        score = ROLE[role]
        notes[name].append(role)
        feats[name][f"role_{role}"] = 1.0
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


# --- the graph walk -------------------------------------------------------------------------------


def _views(evidence: list[Evidence], edges: list[DependencyEdge]) -> dict[str, ServiceView]:
    views: dict[str, ServiceView] = {}
    for edge in edges:
        for name in (edge.caller, edge.callee):
            views.setdefault(name, ServiceView(name))
    for item in evidence:
        if not item.service:
            continue
        view = views.setdefault(item.service, ServiceView(item.service))
        detector = item.data.get("detector")
        if item.kind is EvidenceKind.change and isinstance(item.data.get("onset"), int | float):
            if all(c.id != item.id for c in view.changes):
                view.changes.append(item)
        elif detector == "onset" and isinstance(item.data.get("onset"), int | float):
            view.anomalies.append(item)
        elif detector == "identifier":
            view.trail.append(item)
    return views


def _failing_path(evidence: list[Evidence], callees: dict[str, set[str]]) -> set[str]:
    """The services that logged the ticket's identifiers (in errors, when any did) and all they call, down to where
    the errors begin: past a service whose errors originate in itself, and that calls none of the others, the
    requests never went. A change off that path that names only its own service's errors explains those."""
    logged = {str(e.service) for e in carriers(evidence) if e.service}
    origins = {
        str(e.service) for e in evidence if e.kind is EvidenceKind.trace_anomaly and e.data.get("family") == ORIGIN
    }
    ends = {name for name in logged & origins if not callees.get(name, set()) & logged}
    path, stack = set(logged), sorted(logged - ends)
    while stack:
        for callee in callees.get(stack.pop(), ()):
            if callee not in path:
                path.add(callee)
                if callee not in ends:
                    stack.append(callee)
    return path


def _graph(edges: list[DependencyEdge]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    callees: dict[str, set[str]] = defaultdict(set)
    callers: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        if edge.caller != edge.callee:
            callees[edge.caller].add(edge.callee)
            callers[edge.callee].add(edge.caller)
    return callees, callers


def _seeds(evidence: list[Evidence], views: dict[str, ServiceView]) -> list[str]:
    """Where the reporter sees the symptom; else the services whose logs carry the ticket's ids."""
    seeds: list[str] = []
    for item in evidence:
        if item.kind is EvidenceKind.ticket:
            seeds += _reported_services(item, views)
    seeds += [name for name, view in views.items() if any(t.data.get("error_lines") for t in view.trail)]
    if not seeds:
        seeds = [name for name, view in views.items() if view.faults]
    return list(dict.fromkeys(seeds))


def _reported_services(ticket: Evidence, views: dict[str, ServiceView]) -> list[str]:
    """Where the reporter sees the symptom: the services the ticket is tagged with; services its text only mentions
    ("maybe the vendor again?") are suspicions, used only when the tags do not name known services."""
    tagged = [s for s in ticket.data.get("services", []) if s in views]
    if tagged and len(tagged) == len(ticket.data.get("services", [])):
        return tagged
    return [s for s in ticket.data.get("symptom_services") or ticket.data.get("services", []) if s in views]


def _chain(
    seeds: list[str], views: dict[str, ServiceView], callees: dict[str, set[str]], callers: dict[str, set[str]]
) -> list[str]:
    """Anomalous services reached from the seeds through callees whose trouble began no later than their caller's,
    and through where the work of a merely busy (or idle) member came from. A callee whose trouble began well before
    its caller's own change (the caller coped with it until then) is not followed."""
    chain = [s for s in seeds if views[s].anomalies]
    stack = list(seeds)
    seen = set(seeds)
    while stack:
        caller = stack.pop()
        view = views[caller]
        caller_onset = view.onset
        for callee in sorted(callees.get(caller, ())):
            onset = views[callee].onset if callee in views else None
            if callee in seen or onset is None:
                continue
            lasting = view.lasting_onset  # a blip of the caller's that came back does not date its trouble
            late = caller_onset is not None and onset > max(caller_onset, lasting or 0.0) + ONSET_TOLERANCE_S
            if late and not _down_when_failing(views[callee], view):
                continue
            if _coped(view, views[callee]):
                continue
            seen.add(callee)
            chain.append(callee)
            stack.append(callee)
        if view.anomalies and not view.faults:  # only busy or idle: follow the work to where it came from
            for origin in _load_sources(caller, views, callers):
                callees[caller].add(origin)  # the source of its work explains it, as a callee would
                callers[origin].add(caller)
                if origin not in seen:
                    seen.add(origin)
                    chain.append(origin)
                    stack.append(origin)
    return chain


def _down_when_failing(callee: ServiceView, caller: ServiceView) -> bool:
    """The callee's own health gauge turned bad by the time the caller began failing: an earlier warning of the
    caller's (a slow query after its deploy) does not date failures its dependency reports as its own outage."""
    failing = caller.failing_onset
    return failing is not None and any(
        a.data.get("family") == "availability" and _start(a) <= failing + ONSET_TOLERANCE_S for a in callee.faults
    )


def _moved_below_after_change(
    view: ServiceView, views: dict[str, ServiceView], callees: dict[str, set[str]]
) -> tuple[Evidence, str] | None:
    """The service's latest deploy, flag or config change after which a dependency's trouble began within minutes:
    the change reached below it (a sender rejected downstream, a key no cache holds). (change, dependency) or None."""
    below = reachable([view.name], callees) - {view.name}
    for change in sorted(view.changes, key=lambda c: -float(c.data["onset"])):
        if change.data.get("change_kind") not in DEPLOY_KINDS:
            continue
        at = float(change.data["onset"])
        for name in sorted(below):
            other = views.get(name)
            began = other.onset if other is not None else None
            if began is not None and at - ONSET_TOLERANCE_S <= began <= at + DRIVEN_LEAD_S:
                return change, name
    return None


def _coped(caller: ServiceView, callee: ServiceView) -> bool:
    """The callee was failing well before the caller's own change, and the caller's trouble began only after it."""
    change = caller.prompt_change()
    onset = callee.failing_onset
    return change is not None and onset is not None and onset + ONSET_TOLERANCE_S < change.data["onset"]


def _load_sources(service: str, views: dict[str, ServiceView], callers: dict[str, set[str]]) -> list[str]:
    """Callers whose own traffic or usage moved the same way at the same minute, transitively: where load came from."""
    found: list[str] = []
    for direction in (1, -1):
        moves = views[service].load_moves(direction)
        if not moves:
            continue
        onset = min(_start(a) for a in moves)
        stack, seen = [service], {service}
        while stack:
            for caller in sorted(callers.get(stack.pop(), ())):
                if caller in seen or caller not in views:
                    continue
                if any(abs(_start(a) - onset) <= ONSET_TOLERANCE_S for a in views[caller].load_moves(direction)):
                    seen.add(caller)
                    found.append(caller)
                    stack.append(caller)
    return found


def _frontier(
    chain: list[str], views: dict[str, ServiceView], callees: dict[str, set[str]], expired: dict[str, float]
) -> set[str]:
    """Chain services in trouble with no troubled chain service below them whose trouble began no later than theirs
    (and that they had not coped with until their own change): where the symptom begins. A service whose own
    credential ran out is never explained below it: its callees fail because they reject it."""
    faulty = {s for s in chain if views[s].faults}
    members = set(chain)

    def explained(service: str) -> bool:
        if service in expired:
            return False
        view = views[service]
        onset = max(view.fault_onset or float("inf"), view.lasting_onset or 0.0)
        seen: set[str] = set()
        stack = [service]
        while stack:
            for callee in callees.get(stack.pop(), ()):
                if callee not in members or callee in seen:
                    continue
                seen.add(callee)
                stack.append(callee)
                other = views[callee]
                if (
                    callee in faulty
                    and (other.fault_onset or 0.0) <= onset + ONSET_TOLERANCE_S
                    and not _coped(view, other)
                ):
                    return True
        return False

    return {s for s in faulty if not explained(s)}


def _amplifiers(chain: list[str], views: dict[str, ServiceView], callers: dict[str, set[str]]) -> dict[str, str]:
    """Callers that drove a chain service's load: named in its per-caller traffic, retrying into it, or counting
    their own calls to it surge at the same minute."""
    found: dict[str, str] = {}
    for target in chain:
        view = views[target]
        surges = view.load_moves(1)  # more requests, or more connections held: a storm shows either way
        if not surges:
            continue
        onset = min(a.data["onset"] for a in surges)
        for caller in sorted(callers.get(target, ())):
            named = any(_slug(caller) in _slug(str(a.data.get("metric", ""))) for a in surges)
            retrying = (
                any(
                    a.data.get("family") == "retry"
                    and a.data.get("direction", 0) > 0
                    and min(abs(_start(a) - onset), abs(_start(a, major=True) - onset)) <= ONSET_TOLERANCE_S
                    for a in views[caller].anomalies  # retries creeping up before the storm: its main rise counts
                )
                if caller in views
                else False
            )
            calling = caller in views and any(  # its own count of calls to the target surged with it
                _slug(target) in _slug(str(a.data.get("metric", "")))
                and a.data.get("family") in ("traffic", "retry")
                and a.data.get("direction", 0) > 0
                and abs(_start(a) - onset) <= ONSET_TOLERANCE_S
                for a in views[caller].anomalies
            )
            if named or retrying or calling:
                found[caller] = target
    return found


def _stormed(
    amplifiers: dict[str, str], roles: dict[str, str], views: dict[str, ServiceView], callees: dict[str, set[str]]
) -> list[str]:
    """Frontiers below an amplified service whose trouble began no earlier than the amplifier's: the storm's load
    reached them. One already failing before the retries began triggered them, and stays a frontier."""
    found = []
    for amplifier, target in amplifiers.items():
        began = views[amplifier].onset
        if began is None:
            continue
        for below in sorted(reachable([target], callees) - {target, amplifier}):
            onset = views[below].fault_onset if below in views else None
            if roles.get(below) == "frontier" and onset is not None and onset >= began - ONSET_TOLERANCE_S:
                found.append(below)
    return found


def _drivers(
    frontier: set[str], chain: list[str], views: dict[str, ServiceView], callers: dict[str, set[str]]
) -> dict[str, str]:
    """A frontier only busy (no errors, no latency) at its onset right after a caller changed: the caller drove it.
    The caller is a direct one in the chain, or the highest service the extra load came through; not a changed caller
    whose traffic stayed put while another caller's rose with the load."""
    found: dict[str, str] = {}
    for service in sorted(frontier):
        view = views[service]
        onset = view.fault_onset
        if view.failing or onset is None or _timed_changes(view, onset):
            continue
        direct = [c for c in sorted(callers.get(service, ())) if c in chain and _changed_before(views[c], onset)]
        louder = [c for c in sorted(callers.get(service, ())) if c in views and _load_rose_at(views[c], onset)]
        if louder and not set(louder) & set(direct):
            direct = []
        for caller in direct:
            found[caller] = service
        sources = [s for s in _load_sources(service, views, callers) if _changed_before(views[s], onset)]
        if sources and not direct:
            found[sources[-1]] = service  # the highest: the others only passed the load on
    return found


def _load_rose_at(view: ServiceView, onset: float) -> bool:
    return any(abs(_start(a) - onset) <= ONSET_TOLERANCE_S for a in view.load_moves(1))


def _changed_before(view: ServiceView, onset: float) -> bool:
    return any(
        c.data.get("change_kind") in DEPLOY_KINDS and onset - DRIVEN_LEAD_S <= c.data["onset"] <= onset
        for c in view.changes
    )


def _neighbourhood(chain: list[str], callees: dict[str, set[str]], callers: dict[str, set[str]]) -> set[str]:
    """The chain and everything within two calls of it, either way (producers of a queue, shared dependencies)."""
    near = set(chain)
    frontier = set(chain)
    for _ in range(2):
        frontier = {n for s in frontier for n in (*callees.get(s, ()), *callers.get(s, ()))} - near
        near |= frontier
    return near


# --- what links a change to the symptom ------------------------------------------------------------


def _timed_changes(view: ServiceView, onset: float | None) -> list[Evidence]:
    """Deploys, flag steps and config changes of the service shortly before its onset."""
    if onset is None:
        return []
    return [
        c
        for c in view.changes
        if c.data.get("change_kind") in DEPLOY_KINDS
        and onset - CHANGE_LEAD_S <= c.data["onset"] <= onset + ONSET_TOLERANCE_S
    ]


def _error_tokens(evidence: list[Evidence], views: dict[str, ServiceView], outside: str | None = None) -> set[str]:
    """Distinctive words of the error messages (identifiers of code, fields, keys), minus service names and ids;
    with `outside`, only other services' errors: a chain service's diff naming its own errors explains its own bug,
    not the trouble below it that the symptom follows."""
    names = {n.lower() for n in views} | {
        part for n in views for part in n.lower().split("-") if len(part) >= MIN_TOKEN
    }
    tokens: set[str] = set()
    for item in evidence:
        if outside is not None and item.service == outside:
            continue
        if item.kind is EvidenceKind.log_pattern and item.data.get("error") and item.data.get("detector") == "onset":
            tokens |= distinctive_tokens(str(item.data.get("message", "")))
    return {t for t in tokens if t not in names and not any(t.startswith(f"{n}.") for n in names)}


def distinctive_tokens(text: str) -> set[str]:
    """Words that look like code: snake_case, camelCase, dotted or dashed names, names with digits."""
    out: set[str] = set()
    for token in TOKEN.findall(text):
        for part in (token, *re.split(r"[.\-/]", token)):
            if len(part) < MIN_TOKEN or part.lower().endswith(("_id", "_ids")):
                continue
            if "_" in part or "." in part or "-" in part or re.search(r"[a-z][A-Z]|\d", part):
                out.add(part.lower())
    return out


def _change_tokens(change: Evidence) -> set[str]:
    return distinctive_tokens(
        f"{change.data.get('title', '')}\n{change.data.get('ref', '')}\n{change.data.get('diff', '')}"
    )


def _linked_changes(view: ServiceView, tokens: set[str]) -> list[Evidence]:
    if not tokens:
        return []
    return [change for change in view.changes if _change_tokens(change) & tokens]


def _error_token_onsets(evidence: list[Evidence]) -> dict[str, float]:
    """When the errors naming each distinctive word began."""
    onsets: dict[str, float] = {}
    for item in evidence:
        if item.kind is EvidenceKind.log_pattern and item.data.get("error") and item.data.get("detector") == "onset":
            for token in distinctive_tokens(str(item.data.get("message", ""))):
                onsets[token] = min(onsets.get(token, float("inf")), _start(item))
    return onsets


def _live_before_named(
    change: Evidence, view: ServiceView, token_onsets: dict[str, float], reference: float | None
) -> bool:
    """The change went live (a commit at its service's next deploy) before the errors it names began; a change that
    names none (a limit) before the service's reference onset."""
    named = [token_onsets[t] for t in _change_tokens(change) if t in token_onsets]
    limit = min(named) if named else reference
    return limit is None or (effective_at(change, view.changes) or 0.0) <= limit + ONSET_TOLERANCE_S


def limit_changes(view: ServiceView) -> list[Evidence]:
    """Deploys, flags and config changes that moved a metric of the service at once (a pool's maximum, a limit)
    whose resource later failed: the change cut the room, and the failures waited for the load to fill it."""
    found = []
    for change in view.changes:
        if change.data.get("change_kind") not in DEPLOY_KINDS:
            continue
        at = change.data["onset"]
        moved = [
            a
            for a in view.anomalies
            if a.kind is EvidenceKind.metric_anomaly
            and abs(_start(a) - at) <= ONSET_TOLERANCE_S
            and not a.data.get("fault")
        ]
        later = [
            a
            for a in view.faults
            if a.kind is EvidenceKind.metric_anomaly and _start(a, major=True) > at + ONSET_TOLERANCE_S
        ]
        if any(_resource_stem(a) and _resource_stem(a) == _resource_stem(f) for a in moved for f in later):
            found.append(change)
    return found


def _resource_stem(item: Evidence) -> str:
    """The resource a metric measures: its name without the last word (`pool_connections` of `pool_connections_max`)."""
    parts = str(item.data.get("metric", "")).lower().split("_")
    return "_".join(parts[:-1]) if len(parts) >= 3 else ""


def _named_by_callers(evidence: list[Evidence], views: dict[str, ServiceView]) -> set[str]:
    """Services that other services' error messages name first (`payments-api returned 500`, `cart-cache-1:6379`)."""
    messages = [
        (str(item.data.get("message", "")), item.service)
        for item in evidence
        if item.kind is EvidenceKind.log_pattern and item.data.get("error")
    ]
    return {name for message, speaker in messages if (name := first_named(message, set(views), speaker)) is not None}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower())


def _earliest(items: list[Evidence], major: bool = False) -> float | None:
    onsets = [_start(i, major) for i in items if isinstance(i.data.get("onset"), int | float)]
    return min(onsets) if onsets else None


def _start(item: Evidence, major: bool = False) -> float:
    """When an anomaly began; with major, when its largest shift began (metrics know; logs and traces do not)."""
    if major and isinstance(item.data.get("major_onset"), int | float):
        return float(item.data["major_onset"])
    return float(item.data["onset"])


def _leaks(view: ServiceView) -> list[Evidence]:
    """Exhaustible resources (descriptors, memory, connections) climbing steadily from shortly after a change, well
    before the service began failing: the leak came first, the failures followed."""
    changes = [c.data["onset"] for c in view.changes if c.data.get("change_kind") in DEPLOY_KINDS]
    failing = view.failing_onset
    return [
        a
        for a in view.faults
        if a.data.get("climbing")
        and (failing is None or _start(a) + ONSET_TOLERANCE_S < failing)
        and a.data.get("direction", 0) > 0
        and is_exhaustible(str(a.data.get("metric", "")))
        and any(at <= _start(a) <= at + DRIVEN_LEAD_S for at in changes)
    ]


def _outside_call_graph(evidence: list[Evidence], edges: list[DependencyEdge]) -> set[str]:
    """Services with telemetry but no call edge: hosts, node pools, shared infrastructure."""
    connected = {e.caller for e in edges} | {e.callee for e in edges}
    return {str(e.service) for e in evidence if e.service and e.kind is EvidenceKind.metric_anomaly} - connected


def _clock_of(epoch: float | None) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%H:%M UTC") if epoch is not None else "the onset"


def shared_host_edges(evidence: list[Evidence], edges: list[DependencyEdge]) -> list[DependencyEdge]:
    """Services that run on a host outside the call graph: the same metric left its level the same way in the same
    minutes on both (a node pool's clock, a VM's disk). The host becomes a callee, as a dependency would be."""
    connected = {e.caller for e in edges} | {e.callee for e in edges}
    by_metric: dict[str, list[Evidence]] = defaultdict(list)
    for item in evidence:
        if item.kind is EvidenceKind.metric_anomaly and item.service and item.data.get("detector") == "onset":
            by_metric[str(item.data.get("metric", ""))].append(item)
    found: dict[tuple[str, str], DependencyEdge] = {}
    for items in by_metric.values():
        for host in (i for i in items if i.service not in connected):
            for other in (i for i in items if i.service in connected):
                same_way = other.data.get("direction") == host.data.get("direction")
                if same_way and abs(_start(other) - _start(host)) <= ONSET_TOLERANCE_S:
                    key = (str(other.service), str(host.service))
                    found[key] = DependencyEdge(caller=key[0], callee=key[1])
    return list(found.values())


def _reference(
    name: str, views: dict[str, ServiceView], drivers: dict[str, str], symptom_start: float | None
) -> float | None:
    """The onset a service's changes must precede: the one it drove, its own (for a service the ticket's requests went
    through, its first warning too), or the symptom's for a quiet one."""
    if name in drivers:
        return _trouble_began(views[drivers[name]])
    view = views[name]
    reference = view.fault_onset or view.onset or symptom_start
    if view.trail and reference is not None:  # on the ticket's path, its first warning dates the trouble too
        warned = _earliest([a for a in view.anomalies if a.data.get("family") not in ("traffic", "identifier")])
        reference = min(reference, warned or reference)
    return reference


def _trouble_began(view: ServiceView) -> float | None:
    """Its largest fault's onset; for a quiet service (driven, or answered differently, without a fault of its own),
    its first departure."""
    return view.fault_onset or view.onset


def _reward_earliest(
    scores: dict[str, float],
    roles: dict[str, str],
    views: dict[str, ServiceView],
    drivers: dict[str, str],
    chain: list[str],
    callers: dict[str, set[str]],
) -> None:
    """Where a symptom may begin (not a chain service, explained below it), the earliest trouble of the symptom's
    chain counts, when that trouble explains a failing service above it (a caller's own early errors explain none)."""
    onsets = {}
    for name, role in roles.items():
        if ROLE[role] < ROLE["frontier"]:
            continue
        source = drivers.get(name, name)
        onset = views[source].fault_onset or views[source].onset
        if onset is not None and _explains_above(source, onset, views, chain, callers):
            onsets[name] = onset
    related = set(chain) | {n for n, r in roles.items() if ROLE[r] >= ROLE["frontier"]} | set(drivers.values())
    everyone = [views[n].fault_onset for n in related if views[n].fault_onset is not None]
    if not onsets or not everyone:
        return
    first = min(everyone)
    for name, onset in onsets.items():
        if onset <= first + ONSET_TOLERANCE_S:
            scores[name] += BONUS["earliest"]


def _explains_above(
    service: str, onset: float, views: dict[str, ServiceView], chain: list[str], callers: dict[str, set[str]]
) -> bool:
    """A chain service above this one (its callers, transitively) began failing no earlier than it."""
    members = set(chain)
    seen: set[str] = set()
    stack = [service]
    while stack:
        for caller in callers.get(stack.pop(), ()):
            if caller in seen or caller not in members:
                continue
            seen.add(caller)
            stack.append(caller)
            failing = views[caller].failing_onset
            if failing is not None and failing >= onset - ONSET_TOLERANCE_S:
                return True
    return False


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
    return Candidate(
        service=name,
        score=round(score, 6),
        fault_type=fault_type,
        pinpoint=pinpoint,
        statement=f"{name} is the likely root cause ({fault_type.value}, {role}): {cause}",
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
