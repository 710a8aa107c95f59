"""Hypothesis: the analysis engine ranks candidate root causes from the evidence; every one cites evidence ids."""

from __future__ import annotations

import logging
from typing import Any

from langchain_core.runnables import RunnableConfig

from agents.analysis import Candidate, rank_candidates
from agents.analysis.model.score import load_params
from agents.analysis.topology import topology
from agents.attribution import Weighed, attributions, weigh
from agents.llm_hypothesis import model_hypotheses
from agents.router.router import ModelRouter, current_tier, get_router
from agents.services import get_services
from graphs.contracts import CandidateFeatures, Evidence, EvidenceKind, Hypothesis, RoutingDecision

MAX_HYPOTHESES = 5
logger = logging.getLogger(__name__)


async def hypothesis(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    """The engine always ranks; the tier in force (a model, when the router granted one) refines and adds."""
    evidence = [Evidence.model_validate(e) for e in state.get("evidence", [])]
    try:
        settings = get_services(config).settings
        params = load_params(settings.model_params) if settings.model_params else None
        weighed = weigh(rank_candidates(evidence, topology(evidence)), evidence, params)
    except Exception:  # a ranking bug leaves the report without a candidate, never without a report
        logger.exception("the engine could not rank %d evidence items", len(evidence))
        weighed = []
    candidates = [w.candidate for w in weighed]
    hypotheses = with_history(model_hypotheses_of(weighed, {e.id for e in evidence}), evidence)
    router = get_router(config)
    hypotheses, decisions = await _at_tier(router, state, evidence, candidates, hypotheses)
    return {
        "hypotheses": [h.model_dump(mode="json") for h in hypotheses],
        "candidates": [
            CandidateFeatures(service=w.candidate.service, features=w.features, share=round(w.share, 6)).model_dump()
            for w in weighed
        ],
        "routing_log": await router.record(state, decisions),
    }


def model_hypotheses_of(weighed: list[Weighed], known: set[str]) -> list[Hypothesis]:
    """The model's best candidates as hypotheses: score is the share of the explanation, with its table."""
    scored = [w.candidate.model_copy(update={"score": w.share}) for w in weighed]
    out = engine_hypotheses(scored, known)
    return [
        h.model_copy(update={"probability": round(w.share, 6), "attributions": attributions(w)})
        for h, w in zip(out, weighed, strict=False)
    ]


def engine_hypotheses(candidates: list[Candidate], known: set[str]) -> list[Hypothesis]:
    return [
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


def with_history(hypotheses: list[Hypothesis], evidence: list[Evidence]) -> list[Hypothesis]:
    """A similar past incident with the same verified cause is cited and named: a prior, never a score."""
    history = [e for e in evidence if e.kind is EvidenceKind.history and e.service]
    out = []
    for h in hypotheses:
        same = [e for e in history if e.service == h.service]
        if same:
            past = ", ".join(str(e.data.get("incident_id")) for e in same)
            h = h.model_copy(
                update={
                    "supporting": [*h.supporting, *(e.id for e in same)],
                    "statement": f"{h.statement} (a similar past incident had the same verified cause: {past})",
                }
            )
        out.append(h)
    return out


async def _at_tier(
    router: ModelRouter,
    state: dict[str, Any],
    evidence: list[Evidence],
    candidates: list[Candidate],
    engine: list[Hypothesis],
) -> tuple[list[Hypothesis], list[RoutingDecision]]:
    tier = current_tier(state.get("routing_log", []))
    if tier is None:
        served, decisions = router.start("hypothesis")
    else:
        served, decisions = router.resolve(tier, "hypothesis"), []
    if served.is_engine or served.model is None:
        reason = "default tier: the evidence-driven engine" if served.tier == "fast" else "the evidence-driven engine"
        decisions.append(RoutingDecision(node="hypothesis", tier=served.tier, model="analyst", reason=reason))
        return engine, decisions
    pending = {**state, "routing_log": [*state.get("routing_log", []), *(d.model_dump() for d in decisions)]}
    before = _top_confidence(state, engine)
    hypotheses, decision = await model_hypotheses(router, pending, served, evidence, candidates, engine, before)
    # what a model tier proposed or changed was not weighed by the fitted model: the checklist judges it
    hypotheses = [
        h if h.source == "analyst" else h.model_copy(update={"probability": None, "attributions": []})
        for h in hypotheses
    ]
    return hypotheses, [*decisions, decision]


def _top_confidence(state: dict[str, Any], engine: list[Hypothesis]) -> float | None:
    verdicts = state.get("verdicts", [])
    if not verdicts or not engine:
        return None
    by_id = {v["hypothesis_id"]: v for v in verdicts}
    return by_id.get(engine[0].id, verdicts[-1]).get("confidence")
