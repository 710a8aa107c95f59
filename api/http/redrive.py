"""Automatic re-drive of served dead letters whose error is transient infrastructure (a store that was down).

Every instance runs `redrive_loop` beside its routes (the app's lifespan). A pass sweeps the runtime's failed runs
into the letters (as a metrics refresh does), then for each served letter whose error `memory.transient` calls
transient and whose back-off has passed, it claims the letter in Redis (SET NX with expiry: one instance at a time),
checks that the investigation is neither running nor reported, counts the attempt and starts a new run on the thread
from its last checkpoint: what `runs redrive` does. The letter clears when the investigation reports; after
`PM_REDRIVE_MAX` attempts it stays listed as `auto_redrive_exhausted` for an operator.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from prometheus_client import Counter

from api.http.context import ServingContext, serving_context
from api.http.settings import ServingSettings, serving_settings
from memory.deadletters import DeadLetter, DeadLetterStore, RedriveStatus
from memory.transient import is_transient

AUTO_REDRIVES = Counter(
    "pm_auto_redrives_total",
    "Dead letters re-driven automatically, by outcome: started (a new run), refused (the runtime did not take it), "
    "exhausted (attempts used up: an operator's turn), reported (the investigation had reported: letter cleared).",
    ["outcome"],
)
PASSES = Counter("pm_redrive_passes_total", "Passes of the automatic re-drive over the dead-letter list.")
CLAIM_KEY = "pm:redrive-claim:{investigation_id}"
CLAIM_SECONDS = 120  # longer than one re-drive takes to start; the claim is released as soon as it has
ACTIVE = ("pending", "running")
ACTOR = "auto-redrive"

_log = logging.getLogger(__name__)


def backoff(attempts: int, settings: ServingSettings) -> timedelta:
    """How long after its last failure (or attempt) a letter waits before attempt `attempts + 1`."""
    seconds = settings.redrive_backoff_seconds * 2 ** min(attempts, 30)
    return timedelta(seconds=min(seconds, settings.redrive_backoff_max_seconds))


def due_at(letter: DeadLetter, settings: ServingSettings) -> datetime:
    last = max(letter.last_failed_at, letter.last_auto_redrive_at or letter.last_failed_at)
    return last + backoff(letter.auto_redrives, settings)


class AutoRedrive:
    """One instance's re-driver: the shared dead-letter store, Redis for claims, this server's API for runs."""

    def __init__(self, ctx: ServingContext, store: DeadLetterStore, audit: Any | None) -> None:
        self.ctx = ctx
        self.settings = ctx.settings
        self.store = store
        self.audit = audit
        self.owner = secrets.token_hex(8)

    async def run_pass(self) -> int:
        """One look at every served letter; the number of re-drives started."""
        from api.http.slo import refresh_slo

        PASSES.inc()
        await refresh_slo()  # the runtime's own failures (a checkpoint write that failed) become letters here
        started = 0
        for letter in await self.store.list():
            if letter.origin != "served":
                continue
            try:
                started += await self.consider(letter)
            except Exception as error:  # the store or the runtime is still down: the next pass tries again
                _log.warning("auto re-drive of %s: %s: %s", letter.investigation_id, type(error).__name__, error)
        return started

    async def consider(self, letter: DeadLetter) -> int:
        if not is_transient(letter.error_types, letter.error):
            await self._mark(letter, "not_transient")
            return 0
        if letter.auto_redrives >= self.settings.redrive_max:
            waiting = letter.status != "auto_redrive_exhausted" and not await self._in_flight(letter)
            if waiting and await self._mark(letter, "auto_redrive_exhausted"):
                AUTO_REDRIVES.labels("exhausted").inc()
                await self._note(letter, f"automatic re-drive gave up after {letter.auto_redrives} attempts")
            return 0
        if letter.status != "auto_redrive_pending":
            await self._mark(letter, "auto_redrive_pending")
        if datetime.now(UTC) < due_at(letter, self.settings):
            return 0
        key = CLAIM_KEY.format(investigation_id=letter.investigation_id)
        if not await self.ctx.redis.set(key, self.owner, nx=True, ex=CLAIM_SECONDS):
            return 0  # another instance is on it
        try:
            return await self._redrive(letter)
        finally:
            if await self.ctx.redis.get(key) == self.owner:
                await self.ctx.redis.delete(key)

    async def _redrive(self, seen: DeadLetter) -> int:
        letter = await self.store.get(seen.investigation_id)  # as it is now, under the claim
        if letter is None or letter.auto_redrives != seen.auto_redrives:
            return 0  # reported, or re-driven by another instance since the list was read
        client = self.ctx.client_for(letter.tenant)
        runs = await client.runs.list(letter.investigation_id, limit=20)
        if _running(runs):
            return 0  # a re-drive (or a takeover after a crash) is running: its outcome decides
        state = await client.threads.get_state(letter.investigation_id)
        if _newest_did_not_fail(runs):
            if (state.get("values") or {}).get("report") and await self.store.remove(letter.investigation_id):
                # it reported after all (clearing the letter failed then): nothing to run again
                AUTO_REDRIVES.labels("reported").inc()
                await self._note(letter, "dead letter cleared: the investigation had reported")
            return 0
        attempt = letter.auto_redrives + 1
        now = datetime.now(UTC)
        counted = await self.store.update(
            letter.investigation_id,
            lambda d: d.model_copy(
                update={"auto_redrives": attempt, "last_auto_redrive_at": now, "status": "auto_redrive_pending"}
            ),
        )
        if counted is None:
            return 0
        try:
            run = await continue_run(client, letter, self.settings.graph_id, state)
        except Exception as error:
            AUTO_REDRIVES.labels("refused").inc()
            await self._note(letter, f"automatic re-drive {attempt} refused: {type(error).__name__}", attempt=attempt)
            raise
        AUTO_REDRIVES.labels("started").inc()
        await self._note(
            letter,
            f"automatic re-drive {attempt}/{self.settings.redrive_max} after a transient error",
            attempt=attempt,
            run_id=str(run["run_id"]),
            error=letter.error[:300],
        )
        _log.warning("auto re-drive %d of %s: run %s", attempt, letter.investigation_id, run["run_id"])
        return 1

    async def _in_flight(self, letter: DeadLetter) -> bool:
        """A run on the thread is pending or running, or the newest one did not fail (e.g. waits on an approval)."""
        runs = await self.ctx.client_for(letter.tenant).runs.list(letter.investigation_id, limit=20)
        return _running(runs) or _newest_did_not_fail(runs)

    async def _mark(self, letter: DeadLetter, status: RedriveStatus) -> bool:
        """Set the letter's status; True only for the write that changed it, so that of two instances (or passes)
        reading the same stale list, one counts the transition."""
        if letter.status == status:
            return False
        changed = False

        def change(current: DeadLetter) -> DeadLetter:
            nonlocal changed  # the store may retry the change under contention: the last call is what was written
            changed = current.status != status
            return current.model_copy(update={"status": status})

        return await self.store.update(letter.investigation_id, change) is not None and changed

    async def _note(self, letter: DeadLetter, text: str, **extra: Any) -> None:
        if self.audit is None:
            return
        from memory.audit import AuditTrail

        try:
            await AuditTrail(self.audit, letter.investigation_id, tenant=letter.tenant).note(text, actor=ACTOR, **extra)
        except Exception as error:
            _log.warning("cannot write the re-drive note of %s: %s", letter.investigation_id, type(error).__name__)


async def continue_run(client: Any, letter: DeadLetter, graph_id: str, state: dict[str, Any]) -> dict[str, Any]:
    """A new run on the letter's thread: from its last checkpoint (the failed node runs again), else from its input."""
    if state.get("checkpoint") and state.get("values"):
        return await client.runs.create(letter.investigation_id, graph_id, checkpoint=state["checkpoint"])
    return await client.runs.create(letter.investigation_id, graph_id, input=letter.inputs)


def _running(runs: list[dict[str, Any]]) -> bool:
    return any(r["status"] in ACTIVE for r in runs)


def _newest_did_not_fail(runs: list[dict[str, Any]]) -> bool:
    newest = max(runs, key=lambda r: str(r.get("created_at") or ""), default=None)
    return newest is not None and newest["status"] != "error"


async def redrive_loop(settings: ServingSettings) -> None:
    """Pass after pass until cancelled; a pass that fails (a store down) is logged and the loop goes on."""
    from agents.services import get_services
    from graphs.deadletters import dead_letter_store
    from graphs.instrument import open_audit_log

    services = get_services(None)
    audit = open_audit_log(services.settings)
    redriver = AutoRedrive(serving_context(), dead_letter_store(services), audit)
    try:
        while True:
            await asyncio.sleep(settings.redrive_interval_seconds)
            try:
                await redriver.run_pass()
            except Exception as error:
                _log.warning("auto re-drive pass failed: %s: %s", type(error).__name__, error)
    finally:
        if audit is not None:
            with contextlib.suppress(Exception):
                await audit.aclose()


def enabled(settings: ServingSettings) -> bool:
    """On in served mode (`serve` sets the token and the shared store); `PM_AUTO_REDRIVE=0` turns it off."""
    return settings.auto_redrive and settings.service_token is not None and os.environ.get("PM_DEAD_LETTERS") == "redis"


@contextlib.asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """The re-drive loop beside the routes, for the life of the instance."""
    settings = serving_settings()
    task = asyncio.create_task(redrive_loop(settings), name="pm-auto-redrive") if enabled(settings) else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
