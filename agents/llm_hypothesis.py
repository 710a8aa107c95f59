"""The LLM hypothesis step: a granted model refines and adds hypotheses, citing only evidence that exists."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from agents.analysis import Candidate
from agents.prompts import PromptError, load_prompt
from agents.router.calls import call_structured
from agents.router.digest import digest_candidates, digest_evidence
from agents.router.redaction import redact_text
from agents.router.router import ModelRouter
from agents.router.tiers import TierModel
from graphs.contracts import Evidence, FaultType, Hypothesis, Pinpoint, RoutingDecision

PROMPT = "hypothesis"
MAX_MODEL_HYPOTHESES = 5
MIN_REF_CHARS = 3
PinpointKind = Literal["change", "code", "config", "feature_flag", "operation", "resource", "unknown"]


class ProposedHypothesis(BaseModel):
    """One hypothesis as a model proposes it (lenient on purpose: we check it, not the schema)."""

    service: str = Field(..., description="The service where the cause sits.")
    fault_type: str = Field("unknown", description="One of the fault types named in the instructions.")
    pinpoint_kind: str = Field("unknown", description="change, code, config, feature_flag, operation, resource.")
    pinpoint_ref: str = Field("", description="The change id, flag key, config key or location, as evidence writes it.")
    statement: str = Field(..., description="One or two sentences: cause, mechanism, and why it started then.")
    supporting: list[str] = Field(default_factory=list, description="Ids of evidence that supports it.")
    contradicting: list[str] = Field(default_factory=list, description="Ids of evidence against it.")


class HypothesisProposal(BaseModel):
    """A model's answer: hypotheses best first."""

    hypotheses: list[ProposedHypothesis] = Field(default_factory=list)


async def model_hypotheses(
    router: ModelRouter,
    state: dict[str, Any],
    served: TierModel,
    evidence: list[Evidence],
    candidates: list[Candidate],
    engine: list[Hypothesis],
    confidence_before: float | None,
) -> tuple[list[Hypothesis], RoutingDecision]:
    """Ask the tier's model; on any failure the engine's hypotheses stand and the decision says why."""
    assert served.model is not None
    base = {
        "node": "hypothesis",
        "tier": served.tier,
        "model": served.spec,
        "confidence_before": confidence_before,
    }
    if spent := router.exhausted(state):
        reason = f"budget spent ({spent}): no model call, the engine's result stands"
        return engine, RoutingDecision(**base, reason=reason, outcome="over_budget")
    prompt = load_prompt(PROMPT)
    try:
        messages = _messages(router, state, evidence, candidates, prompt)
    except PromptError as exc:
        return engine, RoutingDecision(**base, reason=f"{exc}: the engine's result stands", outcome="fallback")
    reply = await call_structured(
        served.model, HypothesisProposal, messages, limit_seconds=router.settings.model_timeout_seconds
    )
    usage = router.usage(served.spec, reply.tokens_in, reply.tokens_out)
    if reply.parsed is None:
        return engine, RoutingDecision(
            **base,
            **usage,
            reason=f"{reply.error}: the engine's result stands",
            outcome="fallback",
            notes=[prompt.ref],
        )
    merged, notes = merge(engine, reply.parsed, evidence, source=served.spec)
    refined = sum(1 for h in merged if h.source == served.spec)
    return merged, RoutingDecision(
        **base,
        **usage,
        reason=f"{served.tier} model: {refined} hypotheses refined or added, {len(notes)} dropped or corrected",
        notes=[prompt.ref, *notes],
    )


def _messages(
    router: ModelRouter, state: dict[str, Any], evidence: list[Evidence], candidates: list[Candidate], prompt: Any
) -> list[Any]:
    others = {
        "max_hypotheses": str(MAX_MODEL_HYPOTHESES),
        "fault_types": ", ".join(f.value for f in FaultType),
        "request": redact_text(str(state.get("request", {}).get("text", "")))[:2000],
        "candidates": digest_candidates(candidates),
        "verdict": _last_verdict(state),
    }
    room = prompt.room_for("evidence", evidence_note="x" * 120, **others)
    digest = digest_evidence(evidence, max(1_000, min(router.settings.digest_max_chars, room)))
    note = f"{len(digest.ids)} items, {len(digest.summarised)} summarised, {len(digest.omitted)} omitted for size"
    return prompt.render(evidence=digest.text, evidence_note=note, **others)


def _last_verdict(state: dict[str, Any]) -> str:
    verdicts = state.get("verdicts", [])
    if not verdicts:
        return "none yet"
    v = verdicts[-1]
    gaps = ", ".join(v.get("gaps", [])) or "none"
    return f"{v.get('hypothesis_id')} {v.get('status')} at confidence {v.get('confidence')}; failed checks: {gaps}"


def merge(
    engine: list[Hypothesis], proposal: HypothesisProposal, evidence: list[Evidence], *, source: str
) -> tuple[list[Hypothesis], list[str]]:
    """Engine ranking kept (it rests on evidence strength); a model refines a service's hypothesis or adds one.

    A proposal citing an unknown evidence id, or none in support, is dropped; a pinpoint that no cited evidence
    names is not taken. Returns the hypotheses and one note per drop or correction.
    """
    by_id = {e.id: e for e in evidence}
    by_service = {h.service: h for h in engine}
    accepted: dict[str, Hypothesis] = {}
    notes: list[str] = []
    if len(proposal.hypotheses) > MAX_MODEL_HYPOTHESES:
        notes.append(f"ignored {len(proposal.hypotheses) - MAX_MODEL_HYPOTHESES} hypotheses beyond the first five")
    for p in proposal.hypotheses[:MAX_MODEL_HYPOTHESES]:
        unknown = [i for i in (*p.supporting, *p.contradicting) if i not in by_id]
        if unknown:
            notes.append(f"dropped {p.service}: cites unknown evidence {', '.join(unknown[:5])}")
            continue
        if not p.supporting:
            notes.append(f"dropped {p.service}: cites no supporting evidence")
            continue
        if p.service in accepted:
            notes.append(f"dropped a second hypothesis for {p.service}")
            continue
        pinpoint, note = _pinpoint(p, by_id)
        if note:
            notes.append(note)
        accepted[p.service] = _refined(by_service.get(p.service), p, pinpoint, source, len(engine) + len(accepted))
    merged = [accepted.pop(h.service, h) for h in engine]
    return merged + list(accepted.values()), notes


def _pinpoint(p: ProposedHypothesis, by_id: dict[str, Evidence]) -> tuple[Pinpoint | None, str | None]:
    kind = p.pinpoint_kind if p.pinpoint_kind in PinpointKind.__args__ else "unknown"  # type: ignore[attr-defined]
    ref = p.pinpoint_ref.strip()
    if kind == "unknown" or not ref:
        return None, None
    if len(ref) < MIN_REF_CHARS:
        return None, f"ignored pinpoint {ref!r} of {p.service}: too short to match evidence"
    cited = [by_id[i] for i in p.supporting]
    if not any(ref in e.summary or ref in json.dumps(e.data, default=str) or ref == e.id for e in cited):
        return None, f"ignored pinpoint {ref} of {p.service}: no cited evidence names it"
    return Pinpoint(kind=kind, ref=ref, detail=p.statement[:300]), None


def _refined(
    base: Hypothesis | None, p: ProposedHypothesis, pinpoint: Pinpoint | None, source: str, rank: int
) -> Hypothesis:
    fault = FaultType(p.fault_type) if p.fault_type in FaultType._value2member_map_ else FaultType.unknown
    if base is None:
        return Hypothesis(
            id=f"h{rank + 1}-{p.service}-model",
            service=p.service,
            fault_type=fault,
            pinpoint=pinpoint or Pinpoint(),
            statement=p.statement,
            supporting=list(dict.fromkeys(p.supporting)),
            contradicting=list(dict.fromkeys(p.contradicting)),
            score=0.0,
            source=source,
        )
    return base.model_copy(
        update={
            "fault_type": fault if fault is not FaultType.unknown else base.fault_type,
            "pinpoint": pinpoint or base.pinpoint,
            "statement": p.statement or base.statement,
            "supporting": list(dict.fromkeys([*p.supporting, *base.supporting])),
            "contradicting": list(dict.fromkeys([*p.contradicting, *base.contradicting])),
            "source": source,
        }
    )
