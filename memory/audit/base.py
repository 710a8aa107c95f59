"""The audit log interface that every backend implements, and the checks they share."""

from __future__ import annotations

import json
import re
from typing import Protocol, runtime_checkable

from pydantic import ValidationError

from memory.audit.events import AuditDraft, AuditEvent

_INVESTIGATION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$")
_BLOB_KEY = re.compile(r"^[0-9a-f]{16,128}$")


class AuditError(Exception):
    """Base of audit errors; messages name the culprit."""


class AuditLogCorrupt(AuditError):
    """A stored record is not a valid, canonical event: someone edited the log outside the API."""

    def __init__(self, investigation_id: str, position: int, reason: str) -> None:
        super().__init__(f"audit log of {investigation_id!r}: record {position} {reason}")
        self.investigation_id = investigation_id
        self.position = position
        self.reason = reason


@runtime_checkable
class AuditLog(Protocol):
    """Append-only, hash-chained events per investigation, plus a store of raw responses keyed by their hash."""

    async def append(self, draft: AuditDraft) -> AuditEvent:
        """Redact, number and seal `draft` after the investigation's last event, store it, return it."""
        ...

    async def read(self, investigation_id: str) -> list[AuditEvent]:
        """Every event of one investigation in stored order; [] when none. Raises AuditLogCorrupt on a bad record."""
        ...

    async def investigations(self) -> list[str]:
        """Ids of investigations that have at least one event, sorted."""
        ...

    async def put_blob(self, key: str, data: bytes) -> None:
        """Store `data` under `key` (a hex hash); writing the same key again keeps the first."""
        ...

    async def get_blob(self, key: str) -> bytes | None: ...

    async def aclose(self) -> None: ...


def check_investigation_id(investigation_id: str) -> str:
    if not _INVESTIGATION_ID.match(investigation_id):
        raise AuditError(
            f"investigation id {investigation_id!r} is not usable: letters, digits and . _ : @ - only, up to 200"
        )
    return investigation_id


def check_blob_key(key: str) -> str:
    if not _BLOB_KEY.match(key):
        raise AuditError(f"blob key {key!r} is not a lowercase hex hash")
    return key


def parse_record(investigation_id: str, position: int, record: str) -> AuditEvent:
    """One stored line back into an event; it must be valid and byte-for-byte canonical."""
    try:
        event = AuditEvent.model_validate_json(record)
    except (ValidationError, json.JSONDecodeError, ValueError) as error:
        first = str(error).splitlines()[0]
        raise AuditLogCorrupt(investigation_id, position, f"is not a valid event ({first})") from None
    if event.to_line() != record:
        raise AuditLogCorrupt(investigation_id, position, f"(seq {event.seq}) is not in canonical form: edited")
    return event


def parse_head(investigation_id: str, record: str) -> AuditEvent:
    """The last stored event, which a new one will link to: it must be intact, or the append is refused."""
    event = parse_record(investigation_id, -1, record)
    if event.hash != event.expected_hash():
        raise AuditLogCorrupt(investigation_id, -1, f"(the last, seq {event.seq}) was edited: run `audit verify`")
    return event


__all__ = [
    "AuditError",
    "AuditLog",
    "AuditLogCorrupt",
    "check_blob_key",
    "check_investigation_id",
    "parse_head",
    "parse_record",
]
