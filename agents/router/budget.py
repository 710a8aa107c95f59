"""The per-investigation budget: what the routing log says was spent, against the limits in settings."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from graphs.contracts import RoutingDecision
from graphs.settings import Settings

PER_MILLION = 1_000_000


def price_usd(settings: Settings, spec: str, tokens_in: int, tokens_out: int) -> float:
    """USD for one call: the price table's entry for the spec, or the deliberately high unknown-model price."""
    per_in, per_out = settings.model_prices.get(spec, settings.unknown_model_price)
    return round((tokens_in * per_in + tokens_out * per_out) / PER_MILLION, 8)


@dataclass(frozen=True, slots=True)
class Spend:
    """What an investigation has used so far."""

    usd: float = 0.0
    tokens: int = 0
    model_calls: int = 0
    seconds: float = 0.0

    @classmethod
    def of(cls, routing_log: Iterable[dict[str, Any] | RoutingDecision], started_at: float | None) -> Spend:
        decisions = [RoutingDecision.model_validate(r) if isinstance(r, dict) else r for r in routing_log]
        return cls(
            usd=sum(d.cost_usd for d in decisions),
            tokens=sum(d.tokens_in + d.tokens_out for d in decisions),
            model_calls=sum(d.model_calls for d in decisions),
            seconds=time.time() - started_at if started_at else 0.0,
        )


def exhausted(settings: Settings, spend: Spend) -> str | None:
    """Which limit is spent, as a short phrase; None while every limit has room for another model call."""
    if spend.usd >= settings.budget_usd:
        return f"usd {spend.usd:.4f}/{settings.budget_usd:.4f}"
    if spend.tokens >= settings.budget_tokens:
        return f"tokens {spend.tokens}/{settings.budget_tokens}"
    if spend.model_calls >= settings.budget_model_calls:
        return f"model calls {spend.model_calls}/{settings.budget_model_calls}"
    if settings.budget_seconds is not None and spend.seconds >= settings.budget_seconds:
        return f"wall time {spend.seconds:.0f}s/{settings.budget_seconds:.0f}s"
    return None
