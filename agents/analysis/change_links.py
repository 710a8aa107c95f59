"""What links a change to the symptom: its timing, the words its diff shares with the errors, the limits it moved."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime

from agents.analysis.change_rivals import effective_at
from agents.analysis.metric_kinds import is_exhaustible
from agents.analysis.service_view import (
    BONUS,
    CHANGE_LEAD_S,
    DEPLOY_KINDS,
    DRIVEN_LEAD_S,
    MIN_TOKEN,
    ONSET_TOLERANCE_S,
    ROLE,
    TOKEN,
    ServiceView,
    _earliest,
    _start,
)
from agents.analysis.ticket_lines import first_named
from graphs.contracts import DependencyEdge, Evidence, EvidenceKind

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
