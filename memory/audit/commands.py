"""The bodies of `production-master audit verify|explain`, as plain functions the CLI wires in.

User mistakes (unknown investigation, no report yet, claim out of range) raise `AuditError` with a one-line message.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from memory.audit.base import AuditError, AuditLog, AuditLogCorrupt
from memory.audit.chain import VerifyResult, verify_chain
from memory.audit.events import AuditEvent, AuditEventType
from memory.audit.jsonl import JsonlAuditLog
from memory.audit.lineage import explain_claim, list_claims, render_chain, render_claims


def audit_dir(home: Path) -> Path:
    return Path(home) / "audit"


async def verify_investigation(log: AuditLog, investigation_id: str) -> VerifyResult:
    """Read and check one investigation's chain; a record that does not even parse is reported, not raised."""
    try:
        events = await log.read(investigation_id)
    except AuditLogCorrupt as error:
        return VerifyResult(ok=False, events=0, first_bad_seq=None, reason="edited", detail=str(error))
    if not events:
        raise AuditError(f"no audit events for investigation {investigation_id!r}")
    return verify_chain(events)


async def load_report(log: AuditLog, events: list[AuditEvent]) -> dict[str, Any]:
    """The report of the last report_published event, from the blob store."""
    published = [event for event in events if event.type == AuditEventType.report_published]
    if not published:
        raise AuditError("no report has been published for this investigation yet")
    key = str(published[-1].payload.get("report_hash", ""))
    blob = await log.get_blob(key)
    if blob is None:
        raise AuditError(f"the published report {key[:12]}… is missing from the blob store")
    return json.loads(blob)


async def explain(
    log: AuditLog, investigation_id: str, claim: int | None, *, report: dict[str, Any] | None = None
) -> str:
    """The evidence chain of claim `claim` as text; the numbered list of claims when `claim` is None."""
    try:
        events = await log.read(investigation_id)
    except AuditLogCorrupt as error:
        raise AuditError(f"{error}; run `production-master audit verify {investigation_id}`") from None
    if not events:
        raise AuditError(f"no audit events for investigation {investigation_id!r}")
    report = report if report is not None else await load_report(log, events)
    if claim is None:
        return render_claims(list_claims(report))
    keys = {str(event.payload.get("response_hash")) for event in events if event.type == AuditEventType.tool_call}
    blobs = {key: blob for key in keys if (blob := await log.get_blob(key)) is not None}
    try:
        chain = explain_claim(report, events, blobs, claim)
    except ValueError as error:
        raise AuditError(str(error)) from None
    return render_chain(chain)


def audit_verify(home: Path, investigation_id: str, *, log: AuditLog | None = None) -> tuple[bool, str]:
    """`audit verify INVESTIGATION`: (chain intact, one-line message). Exit non-zero when not ok."""

    async def run() -> tuple[bool, str]:
        target = log or JsonlAuditLog(audit_dir(home))
        try:
            result = await verify_investigation(target, investigation_id)
        except AuditError as error:
            return False, str(error)
        finally:
            if log is None:
                await target.aclose()
        return result.ok, result.message

    return asyncio.run(run())


def audit_explain(home: Path, investigation_id: str, claim: int | None, *, log: AuditLog | None = None) -> str:
    """`audit explain INVESTIGATION --claim N`: the chain as text (claims listed when N is None)."""

    async def run() -> str:
        target = log or JsonlAuditLog(audit_dir(home))
        try:
            return await explain(target, investigation_id, claim)
        finally:
            if log is None:
                await target.aclose()

    return asyncio.run(run())


__all__ = ["audit_dir", "audit_explain", "audit_verify", "explain", "load_report", "verify_investigation"]
