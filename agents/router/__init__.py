"""The model router: tiers (fast / balanced / deep), escalation, budget, and a RoutingDecision for every choice.

Configure in settings (YAML or PM_*): `tiers: {fast: analyst, balanced: "ollama:qwen3", deep: "anthropic:claude-..."}`,
`node_tiers: {verifier: {deep: ...}}`, `tier` (where to start), `tier_thresholds`, `budget_usd` / `budget_tokens` /
`budget_seconds` / `budget_model_calls`, `model_prices: {spec: [usd per Mtok in, out]}`. Tests and embedders inject
models in `NodeServices.extras["models"]` ({tier or "node.tier": chat model}) or `extras["model_factory"]`.
"""

from agents.router.budget import Spend, exhausted, price_usd
from agents.router.escalate import after_escalation, escalate, needs_escalation
from agents.router.router import ModelRouter, current_tier, get_router, pending_grant, unavailable_tiers
from agents.router.tiers import ANALYST, TIERS, ModelFactory, Tier, TierModel, next_tier, resolve_tier

__all__ = [
    "ANALYST",
    "TIERS",
    "ModelFactory",
    "ModelRouter",
    "Spend",
    "Tier",
    "TierModel",
    "after_escalation",
    "current_tier",
    "escalate",
    "exhausted",
    "get_router",
    "needs_escalation",
    "next_tier",
    "pending_grant",
    "price_usd",
    "resolve_tier",
    "unavailable_tiers",
]
