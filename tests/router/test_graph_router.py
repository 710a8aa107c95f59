"""The real investigation graph on the demo world: unchanged without models, escalating with scripted ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from model_params import lenient_params
from router_fakes import scripted, tool_reply
from router_harness import DEEP, router_settings

from agents.analysis import rank_candidates
from agents.analysis.model.score import load_params
from agents.attribution import weigh
from agents.hypothesis import model_hypotheses_of, topology
from agents.llm_hypothesis import HypothesisProposal
from agents.skeptic import SkepticReview
from agents.verifier import judge
from api.render import render_markdown
from graphs.contracts import InvestigationRequest, Report, RoutingDecision
from graphs.runner import open_session
from graphs.settings import Settings

REQUEST = InvestigationRequest(text="checkout p95 latency above 2s", at="2026-11-20T10:41:00Z")
LEGACY = RoutingDecision(
    node="hypothesis", tier="fast", model="analyst", reason="default tier: the evidence-driven engine"
)


async def investigate(settings: Settings, extras: dict[str, Any] | None = None) -> Report:
    async with open_session(settings) as session:
        session.services.extras.update(extras or {})
        outcome = await session.run(REQUEST)
    assert outcome.report is not None
    return outcome.report


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # the engine's verdict settled (the model's own CV threshold aside), so the first pass is the whole story
    return router_settings(
        home=tmp_path, tiers={"fast": "analyst"}, model_params=lenient_params(), confirm_threshold=0.5
    )


async def test_without_models_the_engine_result_stands_and_unavailable_tiers_are_recorded(settings: Settings) -> None:
    default = await investigate(settings)
    assert default.routing_log == [LEGACY]
    evidence = default.evidence
    params = load_params(settings.model_params)
    weighed = weigh(rank_candidates(evidence, topology(evidence)), evidence, params)
    engine = model_hypotheses_of(weighed, {e.id for e in evidence})
    assert [(r.service, r.score) for r in default.ranking] == [(h.service, h.score) for h in engine]
    assert default.confidence == judge(engine[0], engine, evidence, settings.confirm_threshold, params).confidence
    assert default.cost.model_calls == 0 and default.cost.usd == 0.0

    report = await investigate(settings.model_copy(update={"tier": "deep"}))
    assert [(d.tier, d.outcome) for d in report.routing_log] == [
        ("deep", "unavailable"),
        ("balanced", "unavailable"),
        ("fast", "served"),
    ]
    assert report.routing_log[0].reason == "tier deep is unavailable: no model configured (tiers.deep)"
    assert report.root_cause == default.root_cause and report.ranking == default.ranking
    assert (report.status, report.confidence, report.verdicts) == (default.status, default.confidence, default.verdicts)


async def test_a_low_confidence_case_escalates_through_every_tier_and_reports_the_log(settings: Settings) -> None:
    empty = tool_reply(HypothesisProposal.__name__, {"hypotheses": []}, 800, 40)
    invented = tool_reply(
        HypothesisProposal.__name__,
        {"hypotheses": [{"service": "inventory", "statement": "db", "supporting": ["ev-0000000000"]}]},
        900,
        60,
    )
    calm = tool_reply(SkepticReview.__name__, {"contradicting": [], "penalty": 0.0}, 300, 20)
    strict = router_settings(
        home=settings.home, confirm_threshold=1.0, tiers={"fast": "analyst", "balanced": "ollama:small", "deep": DEEP}
    )
    report = await investigate(strict, {"models": {"balanced": scripted(empty), "deep": scripted(invented, calm)}})
    steps = [(d.node, d.tier, d.outcome) for d in report.routing_log]
    assert steps == [
        ("hypothesis", "fast", "served"),
        ("router", "balanced", "granted"),
        ("hypothesis", "balanced", "served"),
        ("verifier", "balanced", "served"),
        ("router", "deep", "granted"),
        ("hypothesis", "deep", "served"),
        ("verifier", "deep", "served"),
        ("verifier", "deep", "served"),
        ("router", "deep", "stopped"),
    ]
    assert report.status.value == "unconfirmed"
    for checklist in (report.routing_log[3], report.routing_log[6]):  # the models changed nothing here
        assert checklist.confidence_before == checklist.confidence_after == report.confidence
    assert "a human is needed" in report.routing_log[-1].reason
    assert any("ev-0000000000" in n for n in report.routing_log[5].notes)
    # ollama:small has no price entry: the high default (15, 75) $/Mtok applies; claude-test costs (3, 15)
    assert report.cost.usd == pytest.approx((800 * 15 + 40 * 75) / 1e6 + (1200 * 3 + 80 * 15) / 1e6, abs=1e-12)
    assert (report.cost.tokens_in, report.cost.tokens_out, report.cost.model_calls) == (2000, 120, 3)
    markdown = render_markdown(report)
    assert "router: tier deep" in markdown and "escalate balanced -> deep" in markdown
