"""Request and response models of our routes (the OpenAPI document is generated from them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from graphs.contracts import RequestKind, Severity, TimeWindow

InvestigationStatus = Literal["queued", "running", "awaiting_approval", "completed", "failed"]


INVESTIGATION_ID = r"^[A-Za-z0-9_-]{1,100}$"  # thread ids are UUIDs; anything else never reaches the runtime


class StartInvestigation(BaseModel):
    """What a caller may set; tenant and source come from the API key and the route."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(..., min_length=1, max_length=20_000)
    kind: RequestKind = RequestKind.question
    services: list[str] = Field(default_factory=list, max_length=50)
    window: TimeWindow | None = None
    at: datetime | None = None
    severity: Severity = Severity.high
    ticket_key: str | None = Field(None, max_length=200)
    dedup_key: str | None = Field(None, max_length=500)
    labels: dict[str, str] = Field(default_factory=dict)


class Accepted(BaseModel):
    """202: the investigation runs in the background; poll `status_url`."""

    investigation_id: str = Field(..., description="The LangGraph thread id.")
    thread_id: str
    run_id: str | None = None
    attached: bool = Field(False, description="True when the alert joined an open investigation (same fingerprint).")
    status_url: str


class WebhookAccepted(BaseModel):
    """Per alert in the delivery: started, attached to an open investigation, or ignored (e.g. resolved)."""

    investigations: list[Accepted] = Field(default_factory=list)
    ignored: int = 0


class PendingAction(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    kind: str
    description: str = ""


class InvestigationView(BaseModel):
    investigation_id: str
    status: InvestigationStatus
    pending_actions: list[PendingAction] = Field(default_factory=list)
    attached_alerts: int = 0
    report: dict[str, Any] | None = None


class Approval(BaseModel):
    """Resume an investigation waiting on approval: `approved` is a list of action ids or true for all."""

    model_config = ConfigDict(extra="forbid")

    approved: list[str] | bool = Field(default_factory=list)
    rejected: list[str] = Field(default_factory=list)
    by: str = Field(..., min_length=1, max_length=200)


class Feedback(BaseModel):
    model_config = ConfigDict(extra="forbid")

    investigation_id: str = Field(..., pattern=INVESTIGATION_ID, description="The LangGraph thread id.")
    verdict: Literal["correct", "wrong"]
    note: str = Field("", max_length=5000)
    by: str = Field("unknown", max_length=200)


class FeedbackRecorded(BaseModel):
    investigation_id: str
    verdict: str
    id: str
    verified: bool = Field(
        False, description="Sent with a personal API key whose holder is one of PM_FEEDBACK_VERIFIERS."
    )
    stored_in_memory: bool = Field(False, description="It became a past incident that investigations cite.")


class ErrorBody(BaseModel):
    """Every 4xx/5xx of our routes carries this shape (the runtime's Agent Protocol error)."""

    error: str
    message: str
    details: Any = None
