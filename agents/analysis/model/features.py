"""Attribution features every candidate gets on both paths: what it explains through the graph and in time order.

Each feature is bounded (0..1) and does not depend on any fitted weight, so one run per case yields a dataset on
which every refit is arithmetic.
"""

from __future__ import annotations

from agents.analysis.topology import Topology
from graphs.contracts import DependencyEdge, Evidence, EvidenceKind

ANOMALY_KINDS = {EvidenceKind.metric_anomaly, EvidenceKind.log_pattern, EvidenceKind.trace_anomaly}
PROPAGATION_S = 300.0  # what depends on a cause departs within this long after it
TOLERANCE_S = 90.0  # onsets closer than this are simultaneous (sampling, alert delay)
CHANGE_LEAD_S = 6 * 3600.0  # a change this long before the onset may have started it


def degraded_onsets(evidence: list[Evidence]) -> dict[str, float]:
    """Earliest onset of trouble per service (a fault: errors, latency, saturation; traffic that moved is not)."""
    onsets: dict[str, float] = {}
    for e in evidence:
        onset = e.data.get("onset")
        if e.kind in ANOMALY_KINDS and e.service and e.data.get("fault", True) and isinstance(onset, int | float):
            onsets[e.service] = min(onsets.get(e.service, float(onset)), float(onset))
    return onsets


class CaseGraph:
    """What one case's features are computed against: the graph walk and every service's onset, built once."""

    def __init__(self, evidence: list[Evidence], edges: list[DependencyEdge]) -> None:
        self.topology = Topology(edges)
        self.onsets = degraded_onsets(evidence)
        self.changes: dict[str, list[float]] = {}
        for e in evidence:
            if e.kind is EvidenceKind.change and e.service and isinstance(e.data.get("onset"), int | float):
                self.changes.setdefault(e.service, []).append(float(e.data["onset"]))


def graph_features(service: str, case: CaseGraph) -> dict[str, float]:
    """How much of what departed the service explains (dependants that followed it), and what speaks against it."""
    topo, onsets = case.topology, case.onsets
    others = {s: t for s, t in onsets.items() if s != service}
    onset = onsets.get(service)
    out: dict[str, float] = {"has_onset": 1.0 if onset is not None else 0.0}
    if others and onset is not None:
        upstream = topo.upstream(service)
        downstream = topo.downstream(service)
        follows = [s for s, t in others.items() if s in upstream and onset - TOLERANCE_S <= t]
        in_window = [s for s in follows if others[s] <= onset + PROPAGATION_S]
        earlier = [s for s, t in others.items() if t < onset - TOLERANCE_S]
        out["explains_share"] = len(follows) / len(others)
        out["explains_in_window_share"] = len(in_window) / len(others)
        out["earlier_share"] = len(earlier) / len(others)
        out["callee_earlier"] = 1.0 if any(s in downstream for s in earlier) else 0.0
        out["unreached_earlier_share"] = len([s for s in earlier if s not in upstream]) / len(others)
        out["is_first"] = 0.0 if earlier else 1.0
    elif onset is not None:
        out["is_first"] = 1.0
    reference = onset if onset is not None else min(onsets.values(), default=None)
    changes = case.changes.get(service, [])
    if reference is not None and changes:
        before = [t for t in changes if reference - CHANGE_LEAD_S <= t <= reference + TOLERANCE_S]
        out["change_before_onset"] = 1.0 if before else 0.0
        out["change_only_after"] = 1.0 if not before and all(t > reference for t in changes) else 0.0
    return out


def derived(features: dict[str, float]) -> dict[str, float]:
    """Features computed from the others (so a cached case gains them without a re-run)."""
    out = dict(features)
    out["legacy_top"] = 1.0 if features.get("legacy_share", 0.0) >= 0.999 else 0.0
    return out
