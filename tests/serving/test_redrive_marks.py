"""Two re-drivers (instances, or passes) reading the same dead-letter list: one of them counts a transition."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from api.http.redrive import AutoRedrive
from memory.deadletters import DeadLetter, SqliteDeadLetters


async def test_of_two_redrivers_holding_the_same_stale_letter_only_one_marks_it_exhausted(tmp_path: Path) -> None:
    store = SqliteDeadLetters(tmp_path / "dead-letters.sqlite")
    letter = DeadLetter(
        investigation_id="t-1", origin="served", error="ServiceUnavailable", status="auto_redrive_pending"
    )
    await store.put(letter)
    ctx: Any = SimpleNamespace(settings=None)
    first, second = AutoRedrive(ctx, store, None), AutoRedrive(ctx, store, None)
    marked = [await first._mark(letter, "auto_redrive_exhausted"), await second._mark(letter, "auto_redrive_exhausted")]
    assert marked == [True, False]  # the second read its list before the first wrote: it must not count again
    stored = await store.get("t-1")
    assert stored is not None and stored.status == "auto_redrive_exhausted"
