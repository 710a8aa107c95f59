"""Attribution features every candidate gets on both paths: what it explains through the graph and in time order.

Each feature is bounded (0..1) and does not depend on any fitted weight, so one run per case yields a dataset on
which every refit is arithmetic.
"""

from __future__ import annotations

from agents.analysis.model.mechanism import Attributed
from agents.analysis.models import Candidate
from agents.analysis.payloads import Departure
from agents.analysis.ticket_features import lead_bases
from agents.analysis.topology import Topology
from graphs.contracts import DependencyEdge, Evidence

PROPAGATION_S = 300.0  # what depends on a cause departs within this long after it
TOLERANCE_S = 90.0  # onsets closer than this are simultaneous (sampling, alert delay)
CHANGE_LEAD_S = 6 * 3600.0  # a change this long before the onset may have started it


def degraded_onsets(evidence: list[Evidence]) -> dict[str, float]:
    """Earliest onset of trouble per service (a fault: errors, latency, saturation; traffic that moved is not)."""
    onsets: dict[str, float] = {}
    for d in map(Departure, evidence):
        if d.is_trouble and d.onset is not None:
            service = str(d.evidence.service)
            onsets[service] = min(onsets.get(service, d.onset), d.onset)
    return onsets


class CaseGraph:
    """What one case's features are computed against: the graph walk and every service's onset, built once."""

    def __init__(self, evidence: list[Evidence], edges: list[DependencyEdge]) -> None:
        self.topology = Topology(edges)
        self.onsets = degraded_onsets(evidence)
        departures = [Departure(e) for e in evidence]
        self.first: dict[str, str] = {}  # the evidence id of each service's earliest trouble
        for d in sorted(departures, key=lambda d: (d.onset or 0.0, d.evidence.id)):
            if d.is_trouble:
                self.first.setdefault(str(d.evidence.service), d.evidence.id)
        self.changes: dict[str, list[float]] = {}
        for d in departures:
            if d.is_change and d.onset is not None:
                self.changes.setdefault(str(d.evidence.service), []).append(d.onset)


WHY = {
    "has_onset": "it departed from normal itself",
    "explains_share": "share of the departed services that depend on it and departed after it",
    "explains_in_window_share": "share of the departed services that depend on it and followed within 5 min",
    "earlier_share": "share of the departed services that departed before it",
    "callee_earlier": "something it depends on departed before it",
    "callee_departed_with": "something it calls directly departed no later than it (and can explain it away)",
    "unreached_earlier_share": "share of departed services, not depending on it, that departed before it",
    "is_first": "its trouble began first",
    "change_before_onset": "a change, flag or config of its own went live before its trouble",
    "change_only_after": "its changes went live only after its trouble began",
}
EXPLAINS = ("explains_share", "explains_in_window_share")
# what a candidate explains, on either path, weighed against its best rival's: explaining away within the case
RIVALLED = ("explains_share", "explains_in_window_share", "lines_met_share", "explains_other", "chain_explained_share")
WHY |= {f"lead_{name}": f"its {name.replace('_', ' ')} minus the best rival's" for name in RIVALLED}
CONTRADICTS = ("earlier_share", "unreached_earlier_share", "callee_earlier", "callee_departed_with")


class GraphInTime:
    """The mechanism every candidate gets: what departed after it through the graph, and what departed before."""

    name = "graph_in_time"

    def __init__(self, case: CaseGraph) -> None:
        self.case = case

    def attribute(self, candidate: Candidate) -> list[Attributed]:
        values, followers, earlier = _measure(candidate.service, self.case)
        ids = self.case.first
        out = []
        for name, value in values.items():
            explains = tuple(ids[s] for s in followers if s in ids) if name in EXPLAINS else ()
            contradicts = tuple(ids[s] for s in earlier if s in ids) if name in CONTRADICTS else ()
            out.append(Attributed(name, value, WHY.get(name, ""), explains[:8], contradicts[:8]))
        return out


def graph_features(service: str, case: CaseGraph) -> dict[str, float]:
    """How much of what departed the service explains (dependants that followed it), and what speaks against it."""
    return _measure(service, case)[0]


def _measure(service: str, case: CaseGraph) -> tuple[dict[str, float], list[str], list[str]]:
    topo, onsets = case.topology, case.onsets
    follows: list[str] = []
    earlier: list[str] = []
    others = {s: t for s, t in onsets.items() if s != service}
    onset = onsets.get(service)
    out: dict[str, float] = {"has_onset": 1.0 if onset is not None else 0.0}
    if others and onset is not None:
        upstream = topo.upstream(service)
        downstream = topo.downstream(service)
        follows = [s for s, t in others.items() if s in upstream and onset - TOLERANCE_S <= t]
        in_window = [s for s in follows if others[s] <= onset + PROPAGATION_S]
        earlier = [s for s, t in others.items() if t < onset - TOLERANCE_S]
        # explaining away: a wrapper (a client node, a gateway stage) departs with the resource it calls, and a
        # caller with its callee; what it calls directly and departed no later explains it
        with_it = sorted(s for s in topo.callees.get(service, ()) if s in others and others[s] <= onset + TOLERANCE_S)
        out["explains_share"] = len(follows) / len(others)
        out["explains_in_window_share"] = len(in_window) / len(others)
        out["earlier_share"] = len(earlier) / len(others)
        out["callee_earlier"] = 1.0 if any(s in downstream for s in earlier) else 0.0
        out["callee_departed_with"] = 1.0 if with_it else 0.0
        out["unreached_earlier_share"] = len([s for s in earlier if s not in upstream]) / len(others)
        out["is_first"] = 0.0 if earlier else 1.0
        earlier += [s for s in with_it if s not in earlier]
    elif onset is not None:
        out["is_first"] = 1.0
    reference = onset if onset is not None else min(onsets.values(), default=None)
    changes = case.changes.get(service, [])
    if reference is not None and changes:
        before = [t for t in changes if reference - CHANGE_LEAD_S <= t <= reference + TOLERANCE_S]
        out["change_before_onset"] = 1.0 if before else 0.0
        out["change_only_after"] = 1.0 if not before and all(t > reference for t in changes) else 0.0
    return out, sorted(follows), sorted(earlier)


def derived(features: dict[str, float]) -> dict[str, float]:
    """Features computed from the others (so a cached case gains them without a re-run)."""
    out = dict(features)
    out["legacy_top"] = 1.0 if features.get("legacy_share", 0.0) >= 0.999 else 0.0
    if "change_lead" in features:  # only the ticket path times changes this way
        out |= lead_bases(features["change_lead"])
    if "explains_other" in features:  # only the ticket path measures it; the calibrator reads the path from this
        out["ticket_path"] = 1.0  # constant within a case, so it moves no ranking
    return out


def against_rivals(rows: list[dict[str, float]]) -> list[dict[str, float]]:
    """A case's candidates, each with `lead_<f>` for what it explains: its value minus the best other candidate's (a
    lone candidate leads by its own value). Computed from the other features, so a cached case gains them too."""
    out = []
    for i, row in enumerate(rows):
        lead = {}
        for name in RIVALLED:
            best_rival = max((other.get(name, 0.0) for j, other in enumerate(rows) if j != i), default=0.0)
            lead[f"lead_{name}"] = row.get(name, 0.0) - best_rival
        out.append(row | lead)
    return out


def case_features(rows: list[dict[str, float]]) -> list[dict[str, float]]:
    """What the model reads for one case's candidates, in training and in an investigation alike: each candidate's
    derived features, then its leads over its rivals."""
    return against_rivals([derived(row) for row in rows])
