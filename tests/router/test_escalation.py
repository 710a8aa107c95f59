"""Escalation fast -> balanced -> deep with scripted models, budget limits, fallbacks and exact cost."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage
from router_fakes import scripted, tool_reply
from router_harness import CONFIRM, RunLoop, engine_confidence, router_settings

from agents.llm_hypothesis import HypothesisProposal
from agents.skeptic import SkepticReview

ENGINE_CONFIDENCE = engine_confidence()  # the checklist on the engine's top hypothesis (payments, nothing pinned)

BETTER_CITED = {
    "hypotheses": [
        {
            "service": "payments",
            "fault_type": "config_change",
            "pinpoint_kind": "config",
            "pinpoint_ref": "cfg-118",
            "statement": "config push cfg-118 shrank the payments DB pool to 5; requests queue and time out.",
            "supporting": ["ev-pay-log", "ev-chat", "ev-pay-lat"],
        }
    ]
}
INVENTED = {
    "hypotheses": [
        {"service": "ledger", "statement": "ledger is down", "supporting": ["ev-does-not-exist"]},
        *BETTER_CITED["hypotheses"],
    ]
}


def proposal(args: dict[str, Any], tokens_in: int, tokens_out: int) -> AIMessage:
    return tool_reply(HypothesisProposal.__name__, args, tokens_in, tokens_out)


def skeptic_reply(args: dict[str, Any], tokens_in: int, tokens_out: int) -> AIMessage:
    return tool_reply(SkepticReview.__name__, args, tokens_in, tokens_out)


def trail(report) -> list[tuple[str, str, str]]:
    return [(d.node, d.tier, d.outcome) for d in report.routing_log]


async def test_no_model_keeps_the_engine_result_and_records_unavailable_tiers(run_loop: RunLoop) -> None:
    report, state = await run_loop(router_settings(tiers={"fast": "analyst"}))
    first = state["verdicts"][0]
    assert first["hypothesis_id"] == "h1-payments"
    assert first["confidence"] == ENGINE_CONFIDENCE and first["status"] == "declined"
    assert [h["source"] for h in state["hypotheses"]] == ["analyst"] * len(state["hypotheses"])
    assert trail(report) == [
        ("hypothesis", "fast", "served"),
        ("router", "balanced", "unavailable"),
        ("router", "deep", "unavailable"),
    ]
    assert report.status.value == "unconfirmed" and report.cost.model_calls == 0 and report.cost.usd == 0.0


async def test_escalation_fast_balanced_deep_changes_the_verdict_with_exact_cost(run_loop: RunLoop) -> None:
    balanced = scripted(AIMessage(content="I think it is payments.", usage_metadata=_usage(1000, 200)))
    deep = scripted(
        proposal(INVENTED, 2000, 500),
        skeptic_reply({"contradicting": ["ev-chk-cpu", "ev-nope"], "penalty": 0.05, "concerns": ["cpu"]}, 1500, 100),
    )
    audit = RecordingAudit()
    report, state = await run_loop(router_settings(), {"models": {"balanced": balanced, "deep": deep}, "audit": audit})
    assert trail(report) == [
        ("hypothesis", "fast", "served"),
        ("router", "balanced", "granted"),
        ("hypothesis", "balanced", "fallback"),
        ("router", "deep", "granted"),
        ("hypothesis", "deep", "served"),
        ("verifier", "deep", "served"),
        ("verifier", "deep", "served"),
    ]
    verdicts = state["verdicts"]
    assert verdicts[0]["status"] == "declined" and verdicts[0]["confidence"] == ENGINE_CONFIDENCE
    assert report.status.value == "confirmed"
    assert report.root_cause.pinpoint.ref == "cfg-118" and report.root_cause.fault_type.value == "config_change"
    # the checklist lifts the better-cited hypothesis over the threshold; the skeptic's cited contradiction takes
    # its 0.05 off, and the verdict stays confirmed
    checklist, skeptic = report.routing_log[5], report.routing_log[6]
    assert checklist.confidence_before == ENGINE_CONFIDENCE
    assert checklist.confidence_after is not None and checklist.confidence_after - 0.05 >= CONFIRM
    assert (skeptic.confidence_before, skeptic.confidence_after) == (
        checklist.confidence_after,
        round(checklist.confidence_after - 0.05, 4),
    )
    assert report.confidence == skeptic.confidence_after
    assert any("ev-nope" in n for n in skeptic.notes)
    assert "ev-chk-cpu" in state["hypotheses"][0]["contradicting"]  # flagged by the skeptic
    served = report.routing_log[4]
    assert any("ev-does-not-exist" in n for n in served.notes)  # the invented hypothesis was dropped and recorded
    assert all(h["service"] != "ledger" for h in state["hypotheses"])
    assert "malformed output" in report.routing_log[2].reason
    # exact cost: balanced 1000/200 at (2, 8) $/Mtok, deep 2000/500 + 1500/100 at (3, 15) $/Mtok
    assert report.cost.tokens_in == 4500 and report.cost.tokens_out == 800 and report.cost.model_calls == 3
    assert report.cost.usd == pytest.approx(0.0036 + 0.0135 + 0.006, abs=1e-12)
    assert [p["outcome"] for p in audit.events] == [d.outcome for d in report.routing_log]
    assert {p["investigation_id"] for p in audit.events} == {"inv-pool"}


async def test_budget_exhaustion_stops_escalation(run_loop: RunLoop) -> None:
    balanced = scripted(proposal({"hypotheses": []}, 1000, 200))
    deep = scripted(proposal(BETTER_CITED, 10, 10))
    report, _ = await run_loop(router_settings(budget_usd=0.003), {"models": {"balanced": balanced, "deep": deep}})
    assert trail(report)[-1] == ("router", "deep", "stopped")
    assert "budget spent (usd 0.0036/0.0030)" in report.routing_log[-1].reason
    assert deep.received == [] and report.status.value == "unconfirmed"
    assert report.cost.model_calls == 1


async def test_call_budget_refuses_a_model_call_and_keeps_the_engine_result(run_loop: RunLoop) -> None:
    deep = scripted(proposal(BETTER_CITED, 10, 10))
    report, state = await run_loop(router_settings(tier="deep", budget_model_calls=0), {"models": {"deep": deep}})
    assert trail(report)[0] == ("hypothesis", "deep", "over_budget")
    assert deep.received == [] and state["verdicts"][0]["confidence"] == ENGINE_CONFIDENCE


async def test_timeout_and_error_fall_back_to_the_engine(run_loop: RunLoop) -> None:
    balanced = scripted(proposal(BETTER_CITED, 5, 5), delay=30.0)
    deep = scripted(proposal(BETTER_CITED, 5, 5), error="503 overloaded")
    report, state = await run_loop(
        router_settings(model_timeout_seconds=0.05), {"models": {"balanced": balanced, "deep": deep}}
    )
    fallbacks = [d for d in report.routing_log if d.outcome == "fallback"]
    assert [(d.node, d.tier, d.reason.split(":")[0]) for d in fallbacks] == [
        ("hypothesis", "balanced", "model timed out after 0.05s"),
        ("hypothesis", "deep", "model error"),
        ("verifier", "deep", "model error"),  # the skeptic fails too: the checklist's verdict stands
    ]
    assert all(h["source"] == "analyst" for h in state["hypotheses"])
    assert {v["confidence"] for v in state["verdicts"] if v["hypothesis_id"] == "h1-payments"} == {ENGINE_CONFIDENCE}
    assert trail(report)[-1] == ("router", "deep", "stopped") and report.status.value == "unconfirmed"
    assert report.cost.model_calls == 3 and report.cost.usd == 0.0


async def test_a_model_without_tool_calling_falls_back(run_loop: RunLoop) -> None:
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

    plain = GenericFakeChatModel(messages=iter([AIMessage(content="payments")]))
    report, _ = await run_loop(router_settings(tier="balanced"), {"models": {"balanced": plain}})
    assert report.routing_log[0].outcome == "fallback"
    assert "does not support structured output" in report.routing_log[0].reason


async def test_low_confidence_threshold_escalates_a_confirmed_verdict(run_loop: RunLoop) -> None:
    deep = scripted(proposal(BETTER_CITED, 100, 10), skeptic_reply({"contradicting": [], "penalty": 0.2}, 100, 10))
    report, _ = await run_loop(
        router_settings(tier="deep", tiers={"fast": "analyst"}, confirm_threshold=0.5, tier_thresholds={"deep": 0.99}),
        {"models": {"deep": deep}},
    )
    # the uncited penalty is ignored; the verdict is confirmed but below deep's 0.99 (confidence stops at 0.98) and
    # there is no higher tier
    assert report.routing_log[-1].outcome == "stopped" and "no higher tier" in report.routing_log[-1].reason
    assert any("ignored a penalty" in n for n in report.routing_log[-2].notes)
    assert report.status.value == "confirmed" and 0.5 <= report.confidence < 0.99


class RecordingAudit:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    async def append(self, type: str, payload: dict[str, Any]) -> None:
        assert type == "routing_decision"
        self.events.append(payload)


def _usage(tokens_in: int, tokens_out: int) -> dict[str, int]:
    return {"input_tokens": tokens_in, "output_tokens": tokens_out, "total_tokens": tokens_in + tokens_out}
