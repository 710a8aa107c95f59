"""The dependency graph the evidence carries, and the one walk every feature uses (who reaches whom)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from graphs.contracts import DependencyEdge, Evidence, EvidenceKind


def topology(evidence: list[Evidence]) -> list[DependencyEdge]:
    """Every call edge the topology evidence names, once."""
    edges: dict[tuple[str, str], DependencyEdge] = {}
    for item in evidence:
        if item.kind is EvidenceKind.topology or "edges" in item.data:
            for raw in item.data.get("edges", []):
                edge = DependencyEdge.model_validate(raw)
                edges[(edge.caller, edge.callee)] = edge
    return list(edges.values())


class Topology:
    """Callers and callees of each service; `upstream` / `downstream` are the transitive walks."""

    def __init__(self, edges: Iterable[DependencyEdge]) -> None:
        self.callees: dict[str, set[str]] = defaultdict(set)
        self.callers: dict[str, set[str]] = defaultdict(set)
        for edge in edges:
            if edge.caller != edge.callee:
                self.callees[edge.caller].add(edge.callee)
                self.callers[edge.callee].add(edge.caller)

    def upstream(self, service: str) -> set[str]:
        """Everything that depends on the service, transitively (where its trouble can show)."""
        return _walk(service, self.callers)

    def downstream(self, service: str) -> set[str]:
        """Everything the service depends on, transitively (what could explain its trouble)."""
        return _walk(service, self.callees)


def _walk(start: str, step: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    stack = [start]
    while stack:
        for nxt in step.get(stack.pop(), ()):
            if nxt not in seen and nxt != start:
                seen.add(nxt)
                stack.append(nxt)
    return seen
