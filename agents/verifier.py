"""Verifier: the checklist decides the confidence, not anyone's self-report."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig

from agents.analysis.model.score import CONFIDENCE_CAP, Params, calibrated, confirmed, load_params
from agents.checklist import CaseContext, checklist
from agents.router.router import current_tier, get_router
from agents.services import get_services
from agents.skeptic import review
from graphs.contracts import (
    CheckItem,
    CheckResult,
    Evidence,
    Hypothesis,
    RoutingDecision,
    Verdict,
    VerdictStatus,
)

WEIGHTS = {
    CheckItem.symptom: 0.25,
    CheckItem.pinpoint: 0.2,
    CheckItem.timing: 0.25,
    CheckItem.mechanism: 0.2,
    CheckItem.duration: 0.1,
}
MIN_MARGIN = 0.15  # a runner-up within 15 % of the top score is a competing explanation, not a settled one
GATES = (CheckItem.timing, CheckItem.mechanism)  # a cause must precede its effects and sit below them
UNSETTLED_CAP = 0.45  # the most a hypothesis with a failed gate or a close runner-up can earn


async def verifier(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    settings = get_services(config).settings
    evidence = [Evidence.model_validate(e) for e in state.get("evidence", [])]
    hypotheses = [Hypothesis.model_validate(h) for h in state.get("hypotheses", [])]
    if not hypotheses:
        return {"verdicts": [], "iteration": state.get("iteration", 0) + 1}
    params = load_params(settings.model_params) if settings.model_params else None
    verdicts = [judge(h, hypotheses, evidence, settings.confirm_threshold, params) for h in hypotheses[:3]]
    update: dict[str, Any] = {"iteration": state.get("iteration", 0) + 1}
    verdicts, hypotheses, decisions = await _with_router(state, config, verdicts, hypotheses, evidence)
    if decisions:
        update["routing_log"] = await get_router(config).record(state, decisions)
        update["hypotheses"] = [h.model_dump(mode="json") for h in hypotheses]
    return {"verdicts": [v.model_dump(mode="json") for v in verdicts], **update}


async def _with_router(
    state: dict[str, Any],
    config: RunnableConfig,
    verdicts: list[Verdict],
    hypotheses: list[Hypothesis],
    evidence: list[Evidence],
) -> tuple[list[Verdict], list[Hypothesis], list[RoutingDecision]]:
    """What the router adds when a model served this pass: the confidence it moved to, and the skeptic on deep."""
    log = state.get("routing_log", [])
    tier = current_tier(log)
    last = log[-1] if log else {}
    served_by_model = last.get("node") == "hypothesis" and last.get("outcome") == "served" and last.get("model_calls")
    if tier is None or (tier != "deep" and not served_by_model):
        return verdicts, hypotheses, []
    router = get_router(config)
    decisions: list[RoutingDecision] = []
    top = verdicts[0]
    before = _previous_confidence(state, hypotheses[0].id)
    if served_by_model:
        decisions.append(
            RoutingDecision(
                node="verifier",
                tier=tier,
                model="analyst",
                reason=f"checklist on the {tier} tier's hypotheses",
                confidence_before=before,
                confidence_after=top.confidence,
            )
        )
    skeptic = router.resolve("deep", "verifier")
    if tier == "deep" and skeptic.available and not skeptic.is_engine:
        pending = [RoutingDecision.model_validate(r) for r in log] + decisions
        reviewed, flagged, decision = await review(
            router,
            {**state, "routing_log": [d.model_dump() for d in pending]},
            skeptic,
            hypotheses[0],
            top,
            evidence,
            router.settings.confirm_threshold,
        )
        verdicts = [reviewed, *verdicts[1:]]
        hypotheses = [flagged, *hypotheses[1:]]
        decisions.append(decision)
    return verdicts, hypotheses, decisions


def _previous_confidence(state: dict[str, Any], hypothesis_id: str) -> float | None:
    for verdict in reversed(state.get("verdicts", [])):
        if verdict.get("hypothesis_id") == hypothesis_id:
            return verdict.get("confidence")
    return None


def judge(
    h: Hypothesis, ranked: list[Hypothesis], evidence: list[Evidence], threshold: float, params: Params | None = None
) -> Verdict:
    """Run the five checks for one hypothesis and turn them into a confidence and a status.

    Confirmed only when the checklist earns the threshold, the timing and mechanism checks passed and no runner-up
    comes close: a cause that did not precede its effects, or has an equally good rival, is not settled."""
    checks, _ = checklist(h, evidence, CaseContext(evidence))
    if h.probability is not None:  # the fitted model weighed the checks already: its calibrated share decides
        return _modelled(h, ranked, checks, threshold, params or load_params())
    applicable = [c for c in checks if c.applicable]
    total = sum(WEIGHTS[c.item] for c in applicable) or 1.0
    passed = sum(WEIGHTS[c.item] for c in applicable if c.passed) / total
    confidence = passed * _margin_factor(h, ranked)
    gate_failed = any(c.item in GATES and c.applicable and not c.passed for c in checks)
    if gate_failed or (h is ranked[0] and _margin(ranked) < MIN_MARGIN):
        confidence = min(confidence, UNSETTLED_CAP)
    confidence = round(min(confidence, CONFIDENCE_CAP), 4)
    gaps = [c.item for c in applicable if not c.passed]
    settled = confidence >= threshold and h is ranked[0] and not gate_failed
    status = VerdictStatus.confirmed if settled else VerdictStatus.declined
    return Verdict(hypothesis_id=h.id, checklist=checks, confidence=confidence, status=status, gaps=gaps)


def _modelled(
    h: Hypothesis, ranked: list[Hypothesis], checks: list[CheckResult], threshold: float, params: Params
) -> Verdict:
    """Confidence is the calibrated probability that the service is the cause (from its share of the explanation and
    the checks); confirmed above the threshold chosen on cross-validation, for the top hypothesis only, and only when
    no rival's share comes close."""
    rivals = [r.probability or 0.0 for r in ranked if r is not h and r.probability is not None]
    runner_up = max(rivals, default=0.0)
    features = {a.feature: a.value for a in h.attributions}
    contenders = [{a.feature: a.value for a in r.attributions} for r in ranked if r.probability is not None]
    confidence = round(calibrated(h.probability or 0.0, runner_up, features, params, contenders), 4)
    share = h.probability or 0.0
    settled = h is ranked[0] and confidence >= threshold and confirmed(confidence, share, runner_up, params, features)
    gaps = [c.item for c in checks if c.applicable and not c.passed]
    status = VerdictStatus.confirmed if settled else VerdictStatus.declined
    return Verdict(hypothesis_id=h.id, checklist=checks, confidence=confidence, status=status, gaps=gaps)


def _margin(ranked: list[Hypothesis]) -> float:
    """How far the top hypothesis leads the runner-up, as a share of its score."""
    if len(ranked) < 2 or ranked[0].score <= 0:
        return 1.0
    return (ranked[0].score - ranked[1].score) / ranked[0].score


def _margin_factor(h: Hypothesis, ranked: list[Hypothesis]) -> float:
    """A clear winner keeps its checklist score; a near tie with the runner-up lowers it."""
    if h is not ranked[0] or len(ranked) < 2 or h.score <= 0:
        return 1.0 if h is ranked[0] else 0.8
    margin = (h.score - ranked[1].score) / h.score
    return 0.6 + 0.4 * min(1.0, margin * 2)
