"""Audit trail: hash-chained events per investigation, raw responses by hash, and evidence lineage."""

from memory.audit.base import AuditError, AuditLog, AuditLogCorrupt
from memory.audit.chain import VerifyResult, verify_chain
from memory.audit.events import GENESIS_HASH, AuditDraft, AuditEvent, AuditEventType
from memory.audit.hooks import bind_trail, current_trail, record_tool_result
from memory.audit.jsonl import JsonlAuditLog
from memory.audit.redact import Redactor, redact
from memory.audit.redis_stream import RedisStreamAuditLog
from memory.audit.trail import AuditTrail, ToolCallRecord

__all__ = [
    "GENESIS_HASH",
    "AuditDraft",
    "AuditError",
    "AuditEvent",
    "AuditEventType",
    "AuditLog",
    "AuditLogCorrupt",
    "AuditTrail",
    "JsonlAuditLog",
    "Redactor",
    "RedisStreamAuditLog",
    "ToolCallRecord",
    "VerifyResult",
    "bind_trail",
    "current_trail",
    "record_tool_result",
    "redact",
    "verify_chain",
]
