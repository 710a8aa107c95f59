"""router.escalate: after a declined or low-confidence verdict, grant the next tier the budget allows, or stop."""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.runnables import RunnableConfig

from agents.router.router import ROUTER_NODE, ModelRouter, current_tier, get_router
from agents.router.tiers import TIERS, Tier
from graphs.contracts import RoutingDecision

HUMAN_NEEDED = "report unconfirmed, a human is needed"


def needs_escalation(state: dict[str, Any], router: ModelRouter) -> bool:
    """The top hypothesis is declined, or confirmed below the threshold of the tier in force."""
    hypotheses = state.get("hypotheses", [])
    if not hypotheses:
        return False
    verdict = _top_verdict(state)
    if verdict is None or verdict.get("status") != "confirmed":
        return True
    tier = current_tier(state.get("routing_log", [])) or router.settings.tier
    return float(verdict.get("confidence", 0.0)) < router.threshold(tier)


async def escalate(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    """Declined with budget left: the next available tier (or follow-ups at the same tier). Budget spent: report."""
    router = get_router(config)
    decisions, _ = decide(state, router)
    return {"routing_log": await router.record(state, decisions)}


def after_escalation(state: dict[str, Any]) -> Literal["planner", "reporter"]:
    """The router's last decision says where to go: `stopped` ends the investigation."""
    log = state.get("routing_log", [])
    return "reporter" if log and log[-1].get("outcome") == "stopped" else "planner"


def decide(state: dict[str, Any], router: ModelRouter) -> tuple[list[RoutingDecision], Literal["planner", "reporter"]]:
    """The decisions of one escalation and where they lead (the last one is `stopped` exactly when it is reporter)."""
    settings = router.settings
    verdict = _top_verdict(state) or {}
    confidence = verdict.get("confidence")
    confirmed = verdict.get("status") == "confirmed"
    tier: Tier = current_tier(state.get("routing_log", [])) or settings.tier
    current = router.resolve(tier, "hypothesis")
    if not isinstance(confidence, int | float):
        why = "no verdict on the top hypothesis"
    elif confirmed:
        why = f"confirmed at {confidence:.2f}, below the {tier} threshold {router.threshold(tier):.2f}"
    else:
        why = f"declined at {confidence:.2f}"
    base = {"node": ROUTER_NODE, "confidence_before": confidence}
    iteration = state.get("iteration", 0)
    if iteration >= settings.max_iterations:
        reason = f"{why}; no iterations left ({iteration}/{settings.max_iterations}): {HUMAN_NEEDED}"
        return [RoutingDecision(**base, tier=tier, model=current.spec, reason=reason, outcome="stopped")], "reporter"
    spend = router.spend(state)
    if spent := router.exhausted(state):
        wanted = next((t for t in TIERS[TIERS.index(tier) + 1 :]), tier)
        reason = f"{why}; budget spent ({spent}): no escalation past the budget"
        model = router.resolve(wanted, "hypothesis").spec
        # a budget that models actually used up ends the investigation; an unused zero budget only bars models
        out_of_time = settings.budget_seconds is not None and spend.seconds >= settings.budget_seconds
        if spend.model_calls > 0 or out_of_time or confirmed:
            reason += f"; {HUMAN_NEEDED}"
            return [RoutingDecision(**base, tier=wanted, model=model, reason=reason, outcome="stopped")], "reporter"
        return [RoutingDecision(**base, tier=wanted, model=model, reason=reason, outcome="over_budget")], "planner"
    decisions: list[RoutingDecision] = []
    for wanted in TIERS[TIERS.index(tier) + 1 :]:
        resolved = router.resolve(wanted, "hypothesis")
        if not resolved.available:
            decisions.append(router.unavailable(ROUTER_NODE, resolved, confidence))
            continue
        reason = f"{why}: escalate {tier} -> {wanted}"
        decisions.append(RoutingDecision(**base, tier=wanted, model=resolved.spec, reason=reason, outcome="granted"))
        return decisions, "planner"
    if confirmed:
        reason = f"{why}; no higher tier available: the verdict stands"
        decisions.append(RoutingDecision(**base, tier=tier, model=current.spec, reason=reason, outcome="stopped"))
        return decisions, "reporter"
    if not decisions:  # already at the top tier; unavailable decisions above say the rest
        reason = f"{why}; no higher tier: follow-ups stay on {tier} ({current.spec})"
        decisions.append(RoutingDecision(**base, tier=tier, model=current.spec, reason=reason))
    return decisions, "planner"


def _top_verdict(state: dict[str, Any]) -> dict[str, Any] | None:
    hypotheses = state.get("hypotheses", [])
    if not hypotheses:
        return None
    latest = {v["hypothesis_id"]: v for v in state.get("verdicts", [])}
    return latest.get(hypotheses[0]["id"])
