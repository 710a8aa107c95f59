"""The runtime's backlog as Prometheus gauges: runs pending and running in its PostgreSQL `runs` table.

Autoscalers scale on these (deploy/kubernetes/overlays/keda). Every instance reports the same global
counts, so query them with `max()`, not `sum()`. One GROUP BY on the indexed status column, at most once per
`CACHE_SECONDS` per instance, however often Prometheus scrapes.
"""

from __future__ import annotations

import asyncio
import logging
import time

from prometheus_client import Counter, Gauge

CACHE_SECONDS = 5.0
STATUSES = ("pending", "running")  # Aegra's run statuses that are still work: queued, executing
COUNT_SQL = "SELECT status, count(*) FROM runs WHERE status IN ('pending', 'running') GROUP BY status"

RUNS_PENDING = Gauge("pm_runs_pending", "Runs queued in the runtime (all instances), waiting for a worker.")
RUNS_RUNNING = Gauge("pm_runs_running", "Runs executing in the runtime (all instances).")
COUNT_ERRORS = Counter("pm_runs_count_errors_total", "Backlog counts that failed (the gauges keep their last value).")
GAUGES = {"pending": RUNS_PENDING, "running": RUNS_RUNNING}

_log = logging.getLogger(__name__)
_lock = asyncio.Lock()
_counted_at = float("-inf")


async def count_runs() -> dict[str, int] | None:
    """Runs by status in the runtime's database, through the runtime's own connection pool; None when this process
    is not an Aegra server with a database (e.g. `langgraph dev`)."""
    try:
        from aegra_api.core.database import db_manager
        from aegra_api.core.orm import get_session_maker
    except ImportError:
        return None
    if db_manager.engine is None:
        return None
    from sqlalchemy import text

    async with get_session_maker()() as session:
        rows = (await session.execute(text(COUNT_SQL))).all()
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({str(status): int(count) for status, count in rows})
    return counts


async def refresh_backlog(max_age: float = CACHE_SECONDS) -> None:
    """Update the gauges when the last count is older than `max_age` seconds; never raises (a scrape must answer)."""
    global _counted_at
    async with _lock:
        if time.monotonic() - _counted_at < max_age:
            return
        try:
            counts = await count_runs()
        except Exception as error:  # the database may be down: /metrics still answers
            COUNT_ERRORS.inc()
            _log.warning("cannot count the runtime's runs: %s", type(error).__name__)
        else:
            for status, count in (counts or {}).items():
                GAUGES[status].set(count)
        _counted_at = time.monotonic()
