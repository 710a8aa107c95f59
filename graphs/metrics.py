"""The design's service levels as Prometheus metrics, observed by the graph itself (CLI and served runs alike).

Queue wait and completion time are measured from the moment the run was created: the serving runtime's run row
(`run_clock`, set by the app at the edge) or, for the CLI, when `InvestigationSession.run` began.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter, Histogram

TIERS = ("fast", "balanced", "deep")
STARTED_AT_KEY = "pm_started_at"  # configurable key: epoch seconds when the CLI run began
# seconds: an investigation is minutes at worst; a queue wait is seconds when the fleet keeps up
WAIT_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)
DURATION_BUCKETS = (1, 2.5, 5, 10, 20, 30, 60, 120, 180, 300, 600, 1200, 1800)
COST_BUCKETS = (0.0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)

QUEUE_WAIT = Histogram(
    "pm_investigation_queue_wait_seconds",
    "From run created to its first node, by tier.",
    ["tier"],
    buckets=WAIT_BUCKETS,
)
COMPLETION = Histogram(
    "pm_investigation_completion_seconds",
    "From run created to its report (recovery after a crash included), by tier.",
    ["tier"],
    buckets=DURATION_BUCKETS,
)
INVESTIGATIONS = Counter("pm_investigations_total", "Investigations that ended, by report status.", ["status", "tier"])
COST = Histogram(
    "pm_investigation_cost_usd", "Model spend per investigation (USD), by tier.", ["tier"], buckets=COST_BUCKETS
)
ACTIONS_PROPOSED = Counter("pm_actions_proposed_total", "Remedies proposed for approval, by kind.", ["kind"])
NODE_FAILURES = Counter("pm_node_failures_total", "Node executions that raised, by node.", ["node"])

RunClock = Callable[[str], Awaitable[datetime | None]]
run_clock: RunClock | None = None  # the serving runtime's "when was run X created"; set by the app at the edge


def report_tier(report: dict[str, Any], default: str = "fast") -> str:
    """The highest tier that did work for this report (a granted deep tier makes a deep investigation)."""
    worked = {
        d.get("tier")
        for d in report.get("routing_log", [])
        if d.get("outcome") in ("served", "granted") and d.get("available", True)
    }
    return next((t for t in reversed(TIERS) if t in worked), default)


async def run_started_at(config: dict[str, Any]) -> float | None:
    """Epoch seconds when this run was created, or None when nobody can tell."""
    configurable = config.get("configurable") or {}
    if STARTED_AT_KEY in configurable:
        return float(configurable[STARTED_AT_KEY])
    run_id = configurable.get("run_id")
    if run_clock is None or not run_id:
        return None
    try:
        created = await run_clock(str(run_id))
    except Exception:  # a metric must never fail the investigation
        return None
    return created.astimezone(UTC).timestamp() if created else None


async def observe_queue_wait(config: dict[str, Any], tier: str) -> None:
    """Called when a served run starts at its first node (`intake`); a CLI run does not queue, and a run resumed
    after a crash does not start at intake, so it does not wait twice."""
    if STARTED_AT_KEY in (config.get("configurable") or {}):
        return
    started = await run_started_at(config)
    if started is not None:
        QUEUE_WAIT.labels(tier).observe(max(time.time() - started, 0.0))


async def observe_report(config: dict[str, Any], report: dict[str, Any], default_tier: str) -> None:
    """An investigation produced its report: status, completion time, cost and proposed actions."""
    tier = report_tier(report, default_tier)
    INVESTIGATIONS.labels(str(report.get("status", "unknown")), tier).inc()
    COST.labels(tier).observe(float((report.get("cost") or {}).get("usd", 0.0)))
    for action in report.get("actions", []):
        ACTIONS_PROPOSED.labels(str(action.get("kind", "other"))).inc()
    started = await run_started_at(config)
    if started is not None:
        COMPLETION.labels(tier).observe(max(time.time() - started, 0.0))
