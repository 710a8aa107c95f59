"""Governed feedback: only a verifier's judgement of a report enters incident memory; the rest is kept apart."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from graphs.contracts import FaultType, Pinpoint, Report
from memory.incidents import IncidentMemory, PastIncident


class RootCauseCorrection(BaseModel):
    """What the verifier says the root cause really was, when the report got it wrong."""

    model_config = ConfigDict(extra="forbid")

    service: str = Field(..., min_length=1)
    fault_type: FaultType = FaultType.unknown
    pinpoint: str = ""
    statement: str = ""


class FeedbackEntry(BaseModel):
    """One person's verdict on one investigation's report; who, when and which investigation, always."""

    model_config = ConfigDict(extra="forbid")

    investigation_id: str = Field(..., min_length=1)
    tenant: str = "default"
    verdict: Literal["correct", "wrong"]
    by: str = Field(..., min_length=1)
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    source: str = "cli"
    correction: RootCauseCorrection | None = None
    comment: str = ""


class FeedbackOutcome(BaseModel):
    entry: FeedbackEntry
    verified: bool
    stored_in_memory: bool
    reason: str


def feedback_dir(home: Path) -> Path:
    return home / "feedback"


async def record_feedback(
    entry: FeedbackEntry,
    report: Report | None,
    *,
    verifiers: set[str],
    home: Path,
    memory: IncidentMemory | None,
) -> FeedbackOutcome:
    """Verified feedback (by a listed verifier) becomes a past incident; anything else waits in `pending.jsonl`."""
    verified = entry.by in verifiers
    if not verified:
        await asyncio.to_thread(
            _append, feedback_dir(home) / "pending.jsonl", entry, "not a verifier: kept apart until one confirms it"
        )
        return FeedbackOutcome(
            entry=entry, verified=False, stored_in_memory=False, reason=f"{entry.by} is not a verifier"
        )
    incident = past_incident(entry, report)
    if incident is None:
        reason = "a wrong verdict without a corrected root cause teaches nothing reusable"
        await asyncio.to_thread(_append, feedback_dir(home) / "accepted.jsonl", entry, reason)
        return FeedbackOutcome(entry=entry, verified=True, stored_in_memory=False, reason=reason)
    if memory is not None:
        await memory.add(incident)
    await asyncio.to_thread(
        _append, feedback_dir(home) / "accepted.jsonl", entry, f"stored as past incident {incident.id}"
    )
    return FeedbackOutcome(
        entry=entry, verified=True, stored_in_memory=memory is not None, reason=f"stored as {incident.id}"
    )


def past_incident(entry: FeedbackEntry, report: Report | None) -> PastIncident | None:
    """The incident memory entry a verified verdict stands for, or None when it names no root cause."""
    if report is None:
        return None
    rc = report.root_cause
    if entry.verdict == "correct" and rc is not None:
        service, fault, pinpoint, statement = rc.service, rc.fault_type, rc.pinpoint, rc.statement
    elif entry.correction is not None:
        c = entry.correction
        service, fault = c.service, c.fault_type
        pinpoint = Pinpoint(kind="unknown" if not c.pinpoint else "change", ref=c.pinpoint)
        statement = c.statement or f"{c.service} ({c.fault_type.value}) {c.pinpoint}".strip()
    else:
        return None
    started = report.request.at or (report.request.window.start if report.request.window else report.created_at)
    others = [r.service for r in report.ranking if r.service != service][:4]
    return PastIncident(
        id=f"inv-{entry.investigation_id}",
        tenant=entry.tenant,
        title=report.request.text[:200],
        summary=entry.comment or statement,
        services=[service, *others],
        fault_type=fault,
        root_cause=statement,
        pinpoint=pinpoint,
        started_at=started,
        investigation_id=entry.investigation_id,
        verified_by=entry.by,
        verified_at=entry.at,
        source=f"feedback:{entry.source}",
    )


def _append(path: Path, entry: FeedbackEntry, outcome: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    record: dict[str, Any] = {**entry.model_dump(mode="json"), "outcome": outcome}
    with path.open("a") as handle:
        handle.write(json.dumps(record, sort_keys=True) + "\n")
