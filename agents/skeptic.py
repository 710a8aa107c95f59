"""The LLM skeptic: when `deep` is granted it looks for evidence against the top hypothesis. It can lower the
checklist's confidence and flag contradicting evidence, never raise confidence and never cite evidence that is absent.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from agents.prompts import PromptError, load_prompt
from agents.router.calls import call_structured
from agents.router.digest import digest_evidence, digest_hypothesis
from agents.router.router import ModelRouter
from agents.router.tiers import TierModel
from graphs.contracts import Evidence, Hypothesis, RoutingDecision, Verdict, VerdictStatus

PROMPT = "skeptic"
MAX_PENALTY = 0.3


class SkepticReview(BaseModel):
    """A reviewer's answer: evidence against the hypothesis and how much confidence it should cost."""

    contradicting: list[str] = Field(default_factory=list, description="Ids of evidence against the hypothesis.")
    penalty: float = Field(0.0, description=f"Confidence to take away, 0 to {MAX_PENALTY}.")
    concerns: list[str] = Field(default_factory=list, description="One short sentence per concern.")


async def review(
    router: ModelRouter,
    state: dict[str, Any],
    served: TierModel,
    top: Hypothesis,
    verdict: Verdict,
    evidence: list[Evidence],
    threshold: float,
) -> tuple[Verdict, Hypothesis, RoutingDecision]:
    """The verdict and hypothesis after review; on any failure both stand unchanged and the decision says why."""
    assert served.model is not None
    base = {
        "node": "verifier",
        "tier": served.tier,
        "model": served.spec,
        "confidence_before": verdict.confidence,
        "confidence_after": verdict.confidence,
    }
    if spent := router.exhausted(state):
        reason = f"budget spent ({spent}): no skeptic review"
        return verdict, top, RoutingDecision(**base, reason=reason, outcome="over_budget")
    prompt = load_prompt(PROMPT)
    try:
        messages = _messages(router, prompt, top, verdict, evidence)
    except PromptError as exc:
        return verdict, top, RoutingDecision(**base, reason=f"{exc}: no skeptic review", outcome="fallback")
    reply = await call_structured(
        served.model, SkepticReview, messages, limit_seconds=router.settings.model_timeout_seconds
    )
    usage = router.usage(served.spec, reply.tokens_in, reply.tokens_out)
    if reply.parsed is None:
        return (
            verdict,
            top,
            RoutingDecision(
                **base,
                **usage,
                reason=f"{reply.error}: the checklist's verdict stands",
                outcome="fallback",
                notes=[prompt.ref],
            ),
        )
    judged, flagged, notes = apply_review(reply.parsed, top, verdict, {e.id for e in evidence}, threshold)
    reason = (
        f"skeptic: {len(flagged.contradicting) - len(top.contradicting)} contradicting evidence flagged, "
        f"confidence {verdict.confidence:.2f} -> {judged.confidence:.2f}"
    )
    decision = RoutingDecision(
        **{**base, "confidence_after": judged.confidence}, **usage, reason=reason, notes=[prompt.ref, *notes]
    )
    return judged, flagged, decision


def apply_review(
    review: SkepticReview, top: Hypothesis, verdict: Verdict, known: set[str], threshold: float
) -> tuple[Verdict, Hypothesis, list[str]]:
    """Unknown ids are dropped; a penalty counts only with at least one new, known contradicting id."""
    notes: list[str] = []
    unknown = [i for i in review.contradicting if i not in known]
    if unknown:
        notes.append(f"dropped unknown evidence ids: {', '.join(unknown[:5])}")
    cited = [i for i in dict.fromkeys(review.contradicting) if i in known and i not in top.supporting]
    supported_ids = [i for i in review.contradicting if i in top.supporting]
    if supported_ids:
        notes.append(f"ignored ids the hypothesis rests on: {', '.join(supported_ids[:5])}")
    penalty = min(MAX_PENALTY, max(0.0, review.penalty))
    if penalty and not cited:
        notes.append(f"ignored a penalty of {penalty:.2f}: no known contradicting evidence cited")
        penalty = 0.0
    notes += [f"concern: {c[:200]}" for c in review.concerns[:5]]
    confidence = round(max(0.0, verdict.confidence - penalty), 4)
    status = verdict.status if confidence >= threshold else VerdictStatus.declined
    flagged = top.model_copy(update={"contradicting": list(dict.fromkeys([*top.contradicting, *cited]))})
    return verdict.model_copy(update={"confidence": confidence, "status": status}), flagged, notes


def _messages(router: ModelRouter, prompt: Any, top: Hypothesis, verdict: Verdict, evidence: list[Evidence]) -> list:
    checklist = "\n".join(
        f"- {c.item.value}: {'pass' if c.passed else 'fail'}{'' if c.applicable else ' (n/a)'} — {c.note}"
        for c in verdict.checklist
    )
    others = {
        "max_penalty": f"{MAX_PENALTY:.1f}",
        "hypothesis": digest_hypothesis(top),
        "confidence": f"{verdict.confidence:.2f}",
        "checklist": checklist,
    }
    room = prompt.room_for("evidence", evidence_note="x" * 120, **others)
    digest = digest_evidence(evidence, max(1_000, min(router.settings.digest_max_chars, room)))
    note = f"{len(digest.ids)} items, {len(digest.summarised)} summarised, {len(digest.omitted)} omitted for size"
    return prompt.render(evidence=digest.text, evidence_note=note, **others)
