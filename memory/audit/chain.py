"""Checking a hash chain: which event is the first one that does not belong, and why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel

from memory.audit.events import GENESIS_HASH, AuditEvent

Reason = Literal["edited", "inserted", "deleted", "reordered", "unreadable", "truncated"]


class VerifyResult(BaseModel):
    """The verdict on one investigation's audit chain."""

    ok: bool
    events: int
    first_bad_seq: int | None = None
    reason: Reason | None = None
    detail: str = ""
    head_hash: str | None = None

    @property
    def message(self) -> str:
        if self.ok:
            return f"ok: {self.events} events, chain intact (head {(self.head_hash or GENESIS_HASH)[:16]})"
        return f"TAMPERED: {self.reason} at seq {self.first_bad_seq}: {self.detail}"


def verify_chain(events: Sequence[AuditEvent], *, expected_head: str | None = None) -> VerifyResult:
    """Check numbering, links and hashes; `expected_head` (the last hash kept elsewhere) also catches a cut tail."""
    prev_hash = GENESIS_HASH
    investigation = events[0].investigation_id if events else None
    for position, event in enumerate(events):
        expected_seq = position + 1
        if event.hash != event.expected_hash():
            return _bad(events, event.seq, "edited", f"hash does not match the content of event seq {event.seq}")
        if event.investigation_id != investigation:
            return _bad(events, event.seq, "inserted", f"event of investigation {event.investigation_id!r} in chain")
        if event.seq != expected_seq or event.prev_hash != prev_hash:
            reason, detail = _classify(events, position, prev_hash)
            return _bad(events, expected_seq if reason == "deleted" else event.seq, reason, detail)
        prev_hash = event.hash
    if expected_head is not None and prev_hash != expected_head:
        last = events[-1].seq if events else 0
        return _bad(events, last + 1, "truncated", "the last event is not the recorded head: events after it are gone")
    return VerifyResult(ok=True, events=len(events), head_hash=prev_hash if events else None)


def _classify(events: Sequence[AuditEvent], position: int, prev_hash: str) -> tuple[Reason, str]:
    event = events[position]
    expected_seq = position + 1
    seqs = [item.seq for item in events]
    if seqs != sorted(seqs) and sorted(seqs) == list(range(1, len(events) + 1)):
        return "reordered", f"seq {event.seq} stands where seq {expected_seq} belongs"
    if event.seq > expected_seq:
        missing = ", ".join(str(seq) for seq in range(expected_seq, event.seq))
        return "deleted", f"seq {missing} missing before seq {event.seq}"
    if event.seq < expected_seq:
        return "inserted", f"a second event numbered seq {event.seq} follows seq {expected_seq - 1}"
    # numbering is right but the link is not: an event sealed elsewhere (a forged branch) was put in its place
    return "inserted", f"seq {event.seq} links to {event.prev_hash[:12]}…, expected {prev_hash[:12]}…"


def _bad(events: Sequence[AuditEvent], seq: int, reason: Reason, detail: str) -> VerifyResult:
    return VerifyResult(ok=False, events=len(events), first_bad_seq=seq, reason=reason, detail=detail)


__all__ = ["Reason", "VerifyResult", "verify_chain"]
