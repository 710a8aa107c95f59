"""Guards against invented evidence (hypothesis merge, skeptic review) and the budget arithmetic."""

from __future__ import annotations

import pytest
from router_fakes import pool_incident
from router_harness import router_settings

from agents.analysis import rank_candidates
from agents.hypothesis import engine_hypotheses, topology
from agents.llm_hypothesis import HypothesisProposal, ProposedHypothesis, merge
from agents.router import ModelRouter
from agents.router.budget import Spend, exhausted, price_usd
from agents.router.escalate import decide
from agents.skeptic import SkepticReview, apply_review
from agents.verifier import judge
from graphs.contracts import Hypothesis, RoutingDecision, VerdictStatus

EVIDENCE = pool_incident()
KNOWN = {e.id for e in EVIDENCE}


def engine() -> list[Hypothesis]:
    return engine_hypotheses(rank_candidates(EVIDENCE, topology(EVIDENCE)), KNOWN)


def proposed(service: str, supporting: list[str], **fields: str) -> ProposedHypothesis:
    return ProposedHypothesis(service=service, statement=f"{service} did it", supporting=supporting, **fields)


def test_merge_keeps_the_engine_ranking_and_drops_what_cites_unknown_evidence() -> None:
    base = engine()
    proposal = HypothesisProposal(
        hypotheses=[
            proposed("checkout", ["ev-chk-cpu"], fault_type="cpu_contention"),
            proposed("payments", ["ev-pay-log", "ev-ghost"]),
            proposed("payments", ["ev-chat"], pinpoint_kind="config", pinpoint_ref="cfg-999"),
            proposed("payments", ["ev-chat"]),
            proposed("queue", []),
            proposed("search", ["ev-pay-lat"]),
            proposed("ledger", ["ev-pay-lat"]),
        ]
    )
    merged, notes = merge(base, proposal, EVIDENCE, source="m")
    assert [(h.id, h.score) for h in merged] == [(h.id, h.score) for h in base]
    assert notes == [
        "ignored 2 hypotheses beyond the first five",
        "dropped payments: cites unknown evidence ev-ghost",
        "ignored pinpoint cfg-999 of payments: no cited evidence names it",
        "dropped a second hypothesis for payments",
        "dropped queue: cites no supporting evidence",
    ]
    assert merged[0].pinpoint == base[0].pinpoint and merged[0].source == "m"
    assert merged[1].fault_type.value == "cpu_contention"


def test_merge_adds_a_new_service_after_the_engine_ranking() -> None:
    base = engine()
    added = HypothesisProposal(hypotheses=[proposed("search", ["ev-pay-lat"], fault_type="not-a-fault")])
    merged, notes = merge(base, added, EVIDENCE, source="m")
    assert notes == [] and [h.id for h in merged] == [base[0].id, base[1].id, "h3-search-model"]
    assert merged[2].score == 0.0 and merged[2].fault_type.value == "unknown"


def test_skeptic_only_lowers_and_only_with_known_contradicting_evidence() -> None:
    ranked = engine()
    top = ranked[0]
    verdict = judge(top, ranked, EVIDENCE, 0.5)
    assert verdict.status is VerdictStatus.confirmed
    ignored, same, notes = apply_review(SkepticReview(penalty=0.3, contradicting=["ev-x"]), top, verdict, KNOWN, 0.5)
    assert ignored.confidence == verdict.confidence and same.contradicting == top.contradicting
    assert notes == [
        "dropped unknown evidence ids: ev-x",
        "ignored a penalty of 0.30: no known contradicting evidence cited",
    ]
    lowered, flagged, _ = apply_review(
        SkepticReview(penalty=0.9, contradicting=["ev-chk-cpu", "ev-pay-log"]), top, verdict, KNOWN, 0.5
    )
    assert lowered.confidence == round(verdict.confidence - 0.3, 4) and lowered.status is VerdictStatus.declined
    assert flagged.contradicting == ["ev-chk-cpu"]  # never the evidence the hypothesis rests on
    raised, _, _ = apply_review(SkepticReview(penalty=-0.5, contradicting=["ev-chk-cpu"]), top, verdict, KNOWN, 0.5)
    assert raised.confidence == verdict.confidence


def test_price_and_budget_limits() -> None:
    settings = router_settings(budget_usd=0.01, budget_tokens=5_000, budget_model_calls=2, budget_seconds=60)
    assert price_usd(settings, "openai:gpt-test", 1_000_000, 1_000_000) == 10.0
    assert price_usd(settings, "unknown:model", 1_000, 0) == pytest.approx(0.015)  # the high default price
    decision = RoutingDecision(node="hypothesis", tier="balanced", model="m", reason="r", model_calls=1)
    cheap = decision.model_copy(update={"tokens_in": 100, "cost_usd": 0.001})
    assert exhausted(settings, Spend.of([cheap], None)) is None
    assert exhausted(settings, Spend.of([cheap, cheap], None)) == "model calls 2/2"
    assert exhausted(settings, Spend.of([cheap.model_copy(update={"tokens_out": 4_900})], None)) == "tokens 5000/5000"
    assert exhausted(settings, Spend.of([cheap.model_copy(update={"cost_usd": 0.02})], None)) == "usd 0.0200/0.0100"
    assert exhausted(settings, Spend(seconds=61.0)) == "wall time 61s/60s"


def test_an_unused_zero_budget_bars_models_but_not_the_engines_follow_ups() -> None:
    state = {
        "hypotheses": [{"id": "h1"}],
        "verdicts": [{"hypothesis_id": "h1", "confidence": 0.4, "status": "declined"}],
        "routing_log": [RoutingDecision(node="hypothesis", tier="fast", model="analyst", reason="r").model_dump()],
        "iteration": 1,
    }
    decisions, goto = decide(state, ModelRouter(router_settings(budget_usd=0.0)))
    assert goto == "planner" and [(d.tier, d.outcome) for d in decisions] == [("balanced", "over_budget")]
    spent = [*state["routing_log"], {**state["routing_log"][0], "model_calls": 1, "tier": "balanced"}]
    decisions, goto = decide({**state, "routing_log": spent}, ModelRouter(router_settings(budget_usd=0.0)))
    assert goto == "reporter" and decisions[0].outcome == "stopped" and "a human is needed" in decisions[0].reason
