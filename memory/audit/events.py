"""Audit events: immutable records, each sealed with the hash of the one before it."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from memory.audit.redact import DEFAULT_REDACTOR, Redactor

GENESIS_HASH = "0" * 64
"""`prev_hash` of the first event of every investigation."""


class AuditEventType(StrEnum):
    request_received = "request_received"
    routing_decision = "routing_decision"
    tool_call = "tool_call"
    model_call = "model_call"
    evidence_created = "evidence_created"
    hypothesis = "hypothesis"
    verdict = "verdict"
    action_proposed = "action_proposed"
    action_approved = "action_approved"
    report_published = "report_published"
    note = "note"


class AuditDraft(BaseModel):
    """An event before the log numbers and seals it: what `AuditLog.append` takes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    investigation_id: str = Field(..., min_length=1, max_length=200)
    tenant: str = "default"
    type: AuditEventType
    actor: str = Field("system", description="Who caused it: a node name, 'gateway', a user id.")
    payload: dict[str, Any] = Field(default_factory=dict)
    at: datetime | None = Field(None, description="When it happened; the append time when absent.")


class AuditEvent(BaseModel):
    """One sealed audit record; `hash = sha256(prev_hash + canonical JSON of every other field)`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seq: int = Field(..., ge=1, description="1, 2, 3, ... within one investigation.")
    investigation_id: str
    tenant: str
    at: datetime
    type: AuditEventType
    actor: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    @field_validator("at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def body(self) -> dict[str, Any]:
        """Every field except `hash`, as JSON values: what the hash covers."""
        return self.model_dump(mode="json", exclude={"hash"})

    def expected_hash(self) -> str:
        return chain_hash(self.prev_hash, self.body())

    def to_line(self) -> str:
        """The canonical one-line JSON form that files and streams store."""
        return canonical_json(self.model_dump(mode="json"))


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 kept: equal values always give equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=True)


def chain_hash(prev_hash: str, body: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(body)).encode()).hexdigest()


def seal(draft: AuditDraft, *, seq: int, prev_hash: str, redactor: Redactor = DEFAULT_REDACTOR) -> AuditEvent:
    """Number, redact and hash a draft into the event that follows `prev_hash`."""
    at = draft.at or datetime.now(UTC)
    payload = redactor.redact(json.loads(canonical_json(_jsonable(draft.payload))))
    fields: dict[str, Any] = {
        "seq": seq,
        "investigation_id": draft.investigation_id,
        "tenant": draft.tenant,
        "at": at,
        "type": draft.type,
        "actor": draft.actor,
        "payload": payload,
        "prev_hash": prev_hash,
    }
    unsealed = AuditEvent.model_validate({**fields, "hash": ""})
    return unsealed.model_copy(update={"hash": unsealed.expected_hash()})


def _jsonable(value: Any) -> Any:
    """Pydantic models, datetimes and enums inside a payload turned into plain JSON values."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


__all__ = [
    "GENESIS_HASH",
    "AuditDraft",
    "AuditEvent",
    "AuditEventType",
    "canonical_json",
    "chain_hash",
    "seal",
]
