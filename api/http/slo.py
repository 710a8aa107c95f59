"""What `/metrics` computes when scraped: breaker states, the dead-letter list, and runs the runtime gave up on.

Counters and histograms live in each process's default registry (see `registry()` for several processes per pod).
The runtime's own failures that our graph never sees (a run whose retries after worker crashes ran out, a run
timeout) are swept from its PostgreSQL `runs` table into the dead-letter store here, idempotently per run id.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Gauge

from graphs.deadletters import DEAD_LETTERED, dead_letter_store
from graphs.metrics import INVESTIGATIONS
from memory.deadletters import DeadLetter

BREAKER_STATE = Gauge(
    "pm_provider_breaker_state",
    "Circuit breaker per provider: 0 closed, 1 half-open, 2 open (shared in Redis: aggregate with max()).",
    ["provider"],
    multiprocess_mode="max",
)
DEAD_LETTERS = Gauge(
    "pm_dead_letters_waiting",
    "Investigations in the dead-letter list now (a shared store: aggregate with max()).",
    multiprocess_mode="max",
)
BREAKER_LEVELS = {"closed": 0, "half_open": 1, "half-open": 1, "open": 2}
SWEEP_LOOKBACK = timedelta(days=7)
# the newest run of a thread failed and nothing ran on that thread after it: the investigation is dead
DEAD_RUNS_SQL = """
SELECT r.run_id, r.thread_id, r.user_id, r.input, r.error_message, r.updated_at FROM runs r
WHERE r.status = 'error' AND r.updated_at >= :since
  AND NOT EXISTS (SELECT 1 FROM runs n WHERE n.thread_id = r.thread_id AND n.created_at > r.created_at)
ORDER BY r.updated_at LIMIT 500
"""
RUN_CREATED_SQL = "SELECT created_at FROM runs WHERE run_id = :run_id"

CACHE_SECONDS = 5.0  # at most one refresh per this long per process, however often Prometheus scrapes

_log = logging.getLogger(__name__)
_lock = asyncio.Lock()
_refreshed_at = float("-inf")
_swept_since: datetime | None = None


def registry() -> CollectorRegistry:
    """The default registry, or with PROMETHEUS_MULTIPROC_DIR set (several worker processes behind one port) a
    fresh one that merges every process's files."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    merged = CollectorRegistry()
    multiprocess.MultiProcessCollector(merged)
    return merged


def _session_maker() -> Any | None:
    try:
        from aegra_api.core.database import db_manager
        from aegra_api.core.orm import get_session_maker
    except ImportError:
        return None
    return get_session_maker() if db_manager.engine is not None else None


async def aegra_run_created_at(run_id: str) -> datetime | None:
    """When the runtime created run `run_id` (its queue wait starts then)."""
    maker = _session_maker()
    if maker is None:
        return None
    from sqlalchemy import text

    async with maker() as session:
        return (await session.execute(text(RUN_CREATED_SQL), {"run_id": run_id})).scalar_one_or_none()


async def sweep_dead_runs() -> int:
    """Record runs the runtime marked `error` as dead letters; the number of investigations newly dead."""
    global _swept_since
    maker = _session_maker()
    if maker is None:
        return 0
    from sqlalchemy import text

    from agents.services import get_services

    since = _swept_since or datetime.now(UTC) - SWEEP_LOOKBACK
    async with maker() as session:
        rows = (await session.execute(text(DEAD_RUNS_SQL), {"since": since})).all()
    store = dead_letter_store(get_services(None))
    new = 0
    for run_id, thread_id, user_id, run_input, error, updated_at in rows:
        letter = DeadLetter(
            investigation_id=str(thread_id),
            origin="served",
            tenant=str(user_id),
            error=error or "the runtime marked the run as failed",
            inputs=dict(run_input or {}),
            runs=[str(run_id)],
            first_failed_at=updated_at,
            last_failed_at=updated_at,
        )
        if await store.record(letter):
            new += 1
            DEAD_LETTERED.labels("served").inc()
            INVESTIGATIONS.labels("dead_letter", "unknown").inc()
    if rows:  # a minute's overlap: rows committed late by a slow transaction are still seen (records are idempotent)
        _swept_since = rows[-1][5] - timedelta(minutes=1)
    return new


async def refresh_breakers() -> None:
    """Each routed provider's breaker state, as this process's gateway (or Redis, shared) holds it."""
    from agents.services import get_services

    gateway = get_services(None).gateway
    for route in gateway.routes.values():
        for provider in filter(None, (route.provider, route.fallback)):
            state = await gateway.breakers.state(provider, route.breaker)
            BREAKER_STATE.labels(provider).set(BREAKER_LEVELS.get(str(getattr(state, "value", state)), 0))


async def refresh_slo(max_age: float = CACHE_SECONDS) -> None:
    """Gauges that are read, not counted; never raises (a scrape must answer)."""
    global _refreshed_at
    async with _lock:
        if time.monotonic() - _refreshed_at < max_age:
            return
        await _refresh()
        _refreshed_at = time.monotonic()


async def _refresh() -> None:
    from agents.services import get_services

    started = time.monotonic()
    for step in (sweep_dead_runs, refresh_breakers):
        try:
            await step()
        except Exception as error:  # a store or the database may be down
            _log.warning("metrics refresh %s failed: %s", step.__name__, type(error).__name__)
    try:
        DEAD_LETTERS.set(await dead_letter_store(get_services(None)).count())
    except Exception as error:
        _log.warning("cannot count dead letters: %s", type(error).__name__)
    _log.debug("metrics refreshed in %.3fs", time.monotonic() - started)
