"""A run that raises lands in the dead-letter store (with its node, error and input); its report takes it out."""

from __future__ import annotations

import logging
from typing import Any

from prometheus_client import Counter

from agents.services import NodeServices
from graphs.metrics import INVESTIGATIONS, STARTED_AT_KEY
from memory.deadletters import DeadLetter, DeadLetterStore, open_dead_letters
from memory.transient import exception_types

DEAD_LETTERS_KEY = "dead_letters"
DEAD_LETTERED = Counter("pm_dead_letters_total", "Investigations that entered the dead-letter list.", ["origin"])
REDRIVEN = Counter("pm_dead_letters_resolved_total", "Dead investigations that a re-drive brought to a report.")

_log = logging.getLogger(__name__)


def dead_letter_store(services: NodeServices) -> DeadLetterStore:
    """The process's store, opened on first use from the settings."""
    store = services.extras.get(DEAD_LETTERS_KEY)
    if store is None:
        settings = services.settings
        store = open_dead_letters(settings.dead_letters, home=settings.home, redis_url=settings.redis_url)
        services.extras[DEAD_LETTERS_KEY] = store
    return store


def failure_letter(node: str | None, state: dict[str, Any], config: dict[str, Any], error: BaseException) -> DeadLetter:
    configurable = config.get("configurable") or {}
    request = state.get("request") or {}
    run_id = configurable.get("run_id")
    return DeadLetter(
        investigation_id=str(state.get("investigation_id") or configurable.get("thread_id") or "unknown"),
        origin="cli" if STARTED_AT_KEY in configurable else "served",
        tenant=str(request.get("tenant", "default")),
        node=node,
        error=f"{type(error).__name__}: {error}"[:4000],
        error_types=exception_types(error),
        inputs={"request": request} if request else {},
        runs=[str(run_id)] if run_id else [],
    )


async def record_failure(services: NodeServices, letter: DeadLetter, tier: str = "fast") -> None:
    """Never raises: the original error is what the caller re-raises (and the runtime still marks the run)."""
    try:
        if await dead_letter_store(services).record(letter):
            DEAD_LETTERED.labels(letter.origin).inc()
            INVESTIGATIONS.labels("dead_letter", tier).inc()
    except Exception as error:  # the store is down: the serving sweep finds the run in the runtime's table later
        _log.error("cannot record dead letter %s: %s", letter.investigation_id, error)


async def resolve(services: NodeServices, investigation_id: str) -> None:
    """The investigation reached its report: a dead letter it had (a re-drive worked) is done."""
    try:
        if await dead_letter_store(services).remove(investigation_id):
            REDRIVEN.inc()
    except Exception as error:
        _log.warning("cannot clear dead letter %s: %s", investigation_id, error)
