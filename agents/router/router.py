"""The model router: resolves tiers, keeps the budget, and records every choice as a RoutingDecision."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from langchain_core.runnables import RunnableConfig

from agents.router.budget import Spend, exhausted, price_usd
from agents.router.tiers import TIERS, Tier, TierModel, resolve_tier
from agents.services import get_services
from graphs.contracts import RoutingDecision
from graphs.settings import Settings

log = logging.getLogger(__name__)

ROUTER_NODE = "router"
SERVING = ("served", "fallback", "over_budget")


class ModelRouter:
    """One per session. Per-investigation state lives in the routing log, so the router itself holds only caches.

    `extras` is `NodeServices.extras`: `models` ({tier or "node.tier": chat model}) and `model_factory` inject models;
    `audit` (an object with `async append(type, payload)`) receives every decision.
    """

    def __init__(self, settings: Settings, extras: dict[str, Any] | None = None) -> None:
        self.settings = settings
        self.extras = extras if extras is not None else {}
        self._resolved: dict[tuple[Tier, str], TierModel] = {}

    def resolve(self, tier: Tier, node: str) -> TierModel:
        key = (tier, node)
        if key not in self._resolved:
            resolved = resolve_tier(
                self.settings,
                tier,
                node,
                injected=self.extras.get("models"),
                factory=self.extras.get("model_factory"),
            )
            if not resolved.available:
                log.info("%s", resolved.unavailable)
            self._resolved[key] = resolved
        return self._resolved[key]

    def unavailable_lines(self, node: str = "hypothesis") -> list[str]:
        """One line per tier from the starting tier up that is configured-or-asked-for but cannot run."""
        start = TIERS.index(self.settings.tier)
        lines = []
        for tier in TIERS[start:]:
            resolved = self.resolve(tier, node)
            asked = tier == self.settings.tier or tier in self.settings.tiers
            if not resolved.available and asked and resolved.unavailable:
                lines.append(resolved.unavailable)
        return lines

    def threshold(self, tier: Tier) -> float:
        return self.settings.tier_thresholds.get(tier, self.settings.confirm_threshold)

    def start(self, node: str) -> tuple[TierModel, list[RoutingDecision]]:
        """The starting tier, or the nearest lower one that can run; the engine is always the floor."""
        decisions: list[RoutingDecision] = []
        for tier in reversed(TIERS[: TIERS.index(self.settings.tier) + 1]):
            resolved = self.resolve(tier, node)
            if resolved.available:
                return resolved, decisions
            decisions.append(self.unavailable(node, resolved))
        return TierModel("fast", "analyst"), decisions

    def unavailable(self, node: str, resolved: TierModel, confidence: float | None = None) -> RoutingDecision:
        return RoutingDecision(
            node=node,
            tier=resolved.tier,
            model=resolved.spec,
            reason=resolved.unavailable or "unavailable",
            confidence_before=confidence,
            available=False,
            outcome="unavailable",
        )

    def spend(self, state: dict[str, Any], pending: Iterable[RoutingDecision] = ()) -> Spend:
        return Spend.of([*state.get("routing_log", []), *pending], state.get("started_at"))

    def exhausted(self, state: dict[str, Any], pending: Iterable[RoutingDecision] = ()) -> str | None:
        """Which budget limit leaves no room for another model call, or None."""
        return exhausted(self.settings, self.spend(state, pending))

    def price(self, spec: str, tokens_in: int, tokens_out: int) -> float:
        return price_usd(self.settings, spec, tokens_in, tokens_out)

    def usage(self, spec: str, tokens_in: int, tokens_out: int) -> dict[str, Any]:
        """The RoutingDecision fields of one model call: tokens, its price, and the call itself."""
        return {
            "tokens_in": tokens_in,
            "tokens_out": tokens_out,
            "cost_usd": self.price(spec, tokens_in, tokens_out),
            "model_calls": 1,
        }

    async def record(self, state: dict[str, Any], decisions: list[RoutingDecision]) -> list[dict[str, Any]]:
        """Dump decisions for the routing log, and hand each to the audit hook when one is configured."""
        dumped = [d.model_dump(mode="json") for d in decisions]
        audit = self.extras.get("audit")
        append = getattr(audit, "append", None)
        if append is not None:
            for payload in dumped:
                try:
                    await append("routing_decision", {**payload, "investigation_id": state.get("investigation_id")})
                except Exception as exc:  # the audit writer is another room's; its failure must not stop the run
                    log.warning("audit hook failed on a routing decision: %s", type(exc).__name__)
        return dumped


def current_tier(routing_log: list[dict[str, Any]]) -> Tier | None:
    """The tier in force: the last escalation grant, else the tier the first hypothesis pass ran at."""
    decisions = [RoutingDecision.model_validate(r) for r in routing_log]
    for d in reversed(decisions):
        if d.outcome == "granted":
            return d.tier
    for d in decisions:
        if d.node == "hypothesis" and d.outcome in SERVING:
            return d.tier
    return None


def pending_grant(routing_log: list[dict[str, Any]]) -> bool:
    """An escalation was granted and no hypothesis pass has used it yet."""
    for raw in reversed(routing_log):
        if raw.get("outcome") == "granted":
            return True
        if raw.get("node") == "hypothesis" and raw.get("outcome") in SERVING:
            return False
    return False


def get_router(config: RunnableConfig | None) -> ModelRouter:
    """The session's router, kept in `NodeServices.extras["router"]` (a caller may put its own there)."""
    services = get_services(config)
    router = services.extras.get("router")
    if not isinstance(router, ModelRouter):
        router = ModelRouter(services.settings, services.extras)
        services.extras["router"] = router
    return router


def unavailable_tiers(settings: Settings) -> list[str]:
    """One line per tier this configuration asks for that cannot run (for the CLI to print before it starts)."""
    return ModelRouter(settings).unavailable_lines()
