"""Provider calls and errors as Prometheus counters, counted once per gateway call (fallbacks included)."""

from __future__ import annotations

from prometheus_client import Counter

from tools.gateway.models import ToolResult, ToolStatus

PROVIDER_CALLS = Counter(
    "pm_provider_calls_total",
    "Gateway calls by the provider that answered and outcome.",
    ["interface", "provider", "outcome"],
)
PROVIDER_ERRORS = Counter(
    "pm_provider_errors_total",
    "Provider failures by kind (timeout, unavailable, tool_error, malformed, breaker_open; fallback: one a fallback "
    "provider made up for); refusals by policy are not provider errors.",
    ["interface", "provider", "kind"],
)


def count_call(result: ToolResult) -> None:
    """One call; a failed provider that a fallback replaced still counts as that provider's error."""
    PROVIDER_CALLS.labels(result.interface, result.provider, result.status.value).inc()
    if result.fallback_from:
        PROVIDER_ERRORS.labels(result.interface, result.fallback_from, "fallback").inc()
    if result.status in (ToolStatus.error, ToolStatus.timeout):
        PROVIDER_ERRORS.labels(result.interface, result.provider, result.error_kind or result.status.value).inc()
