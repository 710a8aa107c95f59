"""Hypothesis: the analysis engine ranks candidate root causes from the evidence; every one cites evidence ids."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig

from agents.analysis import rank_candidates
from graphs.contracts import DependencyEdge, Evidence, EvidenceKind, Hypothesis, RoutingDecision

MAX_HYPOTHESES = 5


def topology(evidence: list[Evidence]) -> list[DependencyEdge]:
    edges: dict[tuple[str, str], DependencyEdge] = {}
    for item in evidence:
        if item.kind is EvidenceKind.topology or "edges" in item.data:
            for raw in item.data.get("edges", []):
                edge = DependencyEdge.model_validate(raw)
                edges[(edge.caller, edge.callee)] = edge
    return list(edges.values())


async def hypothesis(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    evidence = [Evidence.model_validate(e) for e in state.get("evidence", [])]
    candidates = rank_candidates(evidence, topology(evidence))
    known = {e.id for e in evidence}
    hypotheses = [
        Hypothesis(
            id=f"h{rank}-{c.service}",
            service=c.service,
            fault_type=c.fault_type,
            pinpoint=c.pinpoint,
            statement=c.statement,
            supporting=[i for i in c.supporting if i in known],
            contradicting=[i for i in c.contradicting if i in known],
            score=round(c.score, 6),
        )
        for rank, c in enumerate(candidates[:MAX_HYPOTHESES], start=1)
    ]
    decision = RoutingDecision(
        node="hypothesis",
        tier="fast",
        model="analyst",
        reason="default tier: the evidence-driven engine",
        confidence_before=None,
    )
    return {
        "hypotheses": [h.model_dump(mode="json") for h in hypotheses],
        "routing_log": [decision.model_dump(mode="json")],
    }
