"""The ticket path's graph walk: from the symptom down the call graph to where the trouble begins, and who loaded
whom."""

from __future__ import annotations

from collections import defaultdict

from agents.analysis.call_reach import reachable
from agents.analysis.change_links import _slug, _timed_changes
from agents.analysis.rivals import ORIGIN
from agents.analysis.service_view import DEPLOY_KINDS, DRIVEN_LEAD_S, ONSET_TOLERANCE_S, ServiceView, _start
from agents.analysis.ticket_lines import carriers
from graphs.contracts import DependencyEdge, Evidence, EvidenceKind

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
