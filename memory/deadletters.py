"""Dead letters: investigations whose run failed for good, kept with their error and inputs until re-driven.

Two stores behind one small interface: a SQLite file under the home (CLI runs) and a Redis hash shared by the
serving instances. A letter is keyed by investigation (the thread id); another failure of the same investigation
updates it (`failures`, `runs`), and a failure already recorded for the same run id is not counted again, so the
graph's own capture and the serving sweep can both report one run; the runs of a cleared letter stay settled, so the
sweep's overlap does not bring it back.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

RedriveStatus = Literal["dead", "auto_redrive_pending", "auto_redrive_exhausted", "not_transient"]


class DeadLetter(BaseModel):
    """One investigation that failed for good."""

    investigation_id: str = Field(..., description="The thread id: what `runs redrive` takes.")
    origin: Literal["cli", "served"]
    tenant: str = "default"
    node: str | None = Field(None, description="The node that raised; None when the runtime gave up on the run.")
    error: str
    error_types: list[str] = Field(
        default_factory=list, description="The exception's type, bases and cause (module.Class); empty when swept."
    )
    inputs: dict[str, Any] = Field(default_factory=dict, description="The run's input (the request).")
    runs: list[str] = Field(default_factory=list, description="Failed run ids (served) in order.")
    failures: int = 1
    redrives: int = 0
    auto_redrives: int = Field(0, description="Re-drives the served app started on its own (transient errors).")
    last_auto_redrive_at: datetime | None = None
    status: RedriveStatus = Field("dead", description="What automatic re-driving makes of it (see api/http/redrive).")
    first_failed_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    last_failed_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    def merged(self, newer: DeadLetter) -> DeadLetter:
        """This letter after another failure report; the same run reported twice counts once."""
        if newer.runs and set(newer.runs) <= set(self.runs):
            richer = {
                "node": self.node or newer.node,
                "inputs": self.inputs or newer.inputs,
                "error_types": self.error_types or newer.error_types,
            }
            return self.model_copy(update=richer)
        return self.model_copy(
            update={
                "node": newer.node or self.node,
                "error": newer.error,
                "error_types": newer.error_types,
                "inputs": newer.inputs or self.inputs,
                "runs": self.runs + [r for r in newer.runs if r not in self.runs],
                "failures": self.failures + 1,
                "last_failed_at": newer.last_failed_at,
            }
        )


class DeadLetterStore(Protocol):
    async def record(self, letter: DeadLetter) -> bool:
        """Add or update a letter; True when the investigation was not dead before."""
        ...

    async def list(self) -> list[DeadLetter]: ...

    async def get(self, investigation_id: str) -> DeadLetter | None: ...

    async def put(self, letter: DeadLetter) -> None: ...

    async def update(self, investigation_id: str, change: Callable[[DeadLetter], DeadLetter]) -> DeadLetter | None:
        """Read, change and write one letter as one step against concurrent recorders; None when it is gone."""
        ...

    async def remove(self, investigation_id: str) -> bool: ...

    async def count(self) -> int: ...

    async def aclose(self) -> None: ...


class SqliteDeadLetters:
    """`<home>/dead-letters.sqlite`; each call opens its own connection off the event loop."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("CREATE TABLE IF NOT EXISTS dead_letters (id TEXT PRIMARY KEY, letter TEXT NOT NULL)")
        db.execute(
            "CREATE TABLE IF NOT EXISTS settled_runs (id TEXT NOT NULL, run TEXT NOT NULL, PRIMARY KEY (id, run))"
        )
        return db

    def _record(self, letter: DeadLetter) -> bool:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")  # read and write as one, against a concurrent recorder
            row = db.execute("SELECT letter FROM dead_letters WHERE id = ?", (letter.investigation_id,)).fetchone()
            settled = {
                r[0] for r in db.execute("SELECT run FROM settled_runs WHERE id = ?", (letter.investigation_id,))
            }
            if row is None and letter.runs and set(letter.runs) <= settled:
                return False  # a failure of a letter already cleared, reported again (the sweep's overlap)
            stored = letter if row is None else DeadLetter.model_validate_json(row[0]).merged(letter)
            db.execute(
                "INSERT OR REPLACE INTO dead_letters VALUES (?, ?)", (letter.investigation_id, stored.model_dump_json())
            )
        return row is None

    async def record(self, letter: DeadLetter) -> bool:
        return await asyncio.to_thread(self._record, letter)

    def _rows(self, sql: str, *args: Any) -> list[Any]:
        with self._connect() as db:
            return db.execute(sql, args).fetchall()

    async def list(self) -> list[DeadLetter]:
        rows = await asyncio.to_thread(self._rows, "SELECT letter FROM dead_letters")
        return sorted((DeadLetter.model_validate_json(r[0]) for r in rows), key=lambda d: d.last_failed_at)

    async def get(self, investigation_id: str) -> DeadLetter | None:
        rows = await asyncio.to_thread(self._rows, "SELECT letter FROM dead_letters WHERE id = ?", investigation_id)
        return DeadLetter.model_validate_json(rows[0][0]) if rows else None

    async def put(self, letter: DeadLetter) -> None:
        sql = "INSERT OR REPLACE INTO dead_letters VALUES (?, ?)"
        await asyncio.to_thread(self._rows, sql, letter.investigation_id, letter.model_dump_json())

    def _update(self, investigation_id: str, change: Callable[[DeadLetter], DeadLetter]) -> DeadLetter | None:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT letter FROM dead_letters WHERE id = ?", (investigation_id,)).fetchone()
            if row is None:
                return None
            changed = change(DeadLetter.model_validate_json(row[0]))
            db.execute("UPDATE dead_letters SET letter = ? WHERE id = ?", (changed.model_dump_json(), investigation_id))
        return changed

    async def update(self, investigation_id: str, change: Callable[[DeadLetter], DeadLetter]) -> DeadLetter | None:
        return await asyncio.to_thread(self._update, investigation_id, change)

    async def remove(self, investigation_id: str) -> bool:
        def delete() -> bool:
            with self._connect() as db:
                row = db.execute("SELECT letter FROM dead_letters WHERE id = ?", (investigation_id,)).fetchone()
                if row is None:
                    return False
                runs = DeadLetter.model_validate_json(row[0]).runs
                db.executemany(
                    "INSERT OR IGNORE INTO settled_runs VALUES (?, ?)", [(investigation_id, r) for r in runs]
                )
                return db.execute("DELETE FROM dead_letters WHERE id = ?", (investigation_id,)).rowcount > 0

        return await asyncio.to_thread(delete)

    async def count(self) -> int:
        return int((await asyncio.to_thread(self._rows, "SELECT count(*) FROM dead_letters"))[0][0])

    async def aclose(self) -> None:
        return None


class RedisDeadLetters:
    """A Redis hash `pm:deadletters` (investigation id -> letter JSON), shared by every instance."""

    KEY = "pm:deadletters"
    SETTLED = "pm:deadletters:settled:{investigation_id}"  # run ids of a cleared letter, for the sweep's overlap
    SETTLED_SECONDS = 8 * 24 * 3600  # longer than the sweep looks back

    def __init__(self, redis_url: str) -> None:
        import redis.asyncio as aioredis

        self._redis: Any = aioredis.Redis.from_url(redis_url, decode_responses=True)

    async def record(self, letter: DeadLetter) -> bool:
        from redis.exceptions import WatchError

        async with self._redis.pipeline(transaction=True) as pipe:
            while True:  # optimistic: another instance may record the same investigation at the same moment
                try:
                    await pipe.watch(self.KEY)
                    raw = await pipe.hget(self.KEY, letter.investigation_id)
                    if raw is None and letter.runs:
                        settled = await pipe.smembers(self.SETTLED.format(investigation_id=letter.investigation_id))
                        if set(letter.runs) <= set(settled):
                            await pipe.unwatch()
                            return False  # a failure of a letter already cleared, reported again
                    stored = letter if raw is None else DeadLetter.model_validate_json(raw).merged(letter)
                    pipe.multi()
                    pipe.hset(self.KEY, letter.investigation_id, stored.model_dump_json())
                    await pipe.execute()
                    return raw is None
                except WatchError:
                    continue

    async def list(self) -> list[DeadLetter]:
        raw = await self._redis.hvals(self.KEY)
        return sorted((DeadLetter.model_validate_json(r) for r in raw), key=lambda d: d.last_failed_at)

    async def get(self, investigation_id: str) -> DeadLetter | None:
        raw = await self._redis.hget(self.KEY, investigation_id)
        return DeadLetter.model_validate_json(raw) if raw else None

    async def put(self, letter: DeadLetter) -> None:
        await self._redis.hset(self.KEY, letter.investigation_id, letter.model_dump_json())

    async def update(self, investigation_id: str, change: Callable[[DeadLetter], DeadLetter]) -> DeadLetter | None:
        from redis.exceptions import WatchError

        async with self._redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(self.KEY)
                    raw = await pipe.hget(self.KEY, investigation_id)
                    if raw is None:
                        await pipe.unwatch()
                        return None
                    changed = change(DeadLetter.model_validate_json(raw))
                    pipe.multi()
                    pipe.hset(self.KEY, investigation_id, changed.model_dump_json())
                    await pipe.execute()
                    return changed
                except WatchError:
                    continue

    async def remove(self, investigation_id: str) -> bool:
        raw = await self._redis.hget(self.KEY, investigation_id)
        if raw is None:
            return False
        runs = DeadLetter.model_validate_json(raw).runs
        settled = self.SETTLED.format(investigation_id=investigation_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            if runs:
                pipe.sadd(settled, *runs)
                pipe.expire(settled, self.SETTLED_SECONDS)
            pipe.hdel(self.KEY, investigation_id)
            return bool((await pipe.execute())[-1])

    async def count(self) -> int:
        return int(await self._redis.hlen(self.KEY))

    async def aclose(self) -> None:
        await self._redis.aclose()


def open_dead_letters(kind: str, *, home: Path, redis_url: str) -> DeadLetterStore:
    """The store a setting names: `local` (SQLite under home) or `redis`."""
    if kind == "redis":
        return RedisDeadLetters(redis_url)
    return SqliteDeadLetters(home / "dead-letters.sqlite")


def letter_json(letter: DeadLetter) -> dict[str, Any]:
    return json.loads(letter.model_dump_json())
