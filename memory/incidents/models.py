"""What incident memory holds: past incidents with their verified root causes, and search matches."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from graphs.contracts import FaultType, Pinpoint, utc

TENANT_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"


class PastIncident(BaseModel):
    """One resolved incident whose root cause a person verified (or an import vouches for)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(..., min_length=1, max_length=200, description="Stable id within the tenant, e.g. 'INC-1234'.")
    tenant: str = Field("default", pattern=TENANT_PATTERN)
    title: str = Field(..., min_length=1)
    summary: str = ""
    services: list[str] = Field(default_factory=list, description="Services involved, root-cause service first.")
    fault_type: FaultType = FaultType.unknown
    root_cause: str = Field("", description="The verified root-cause statement.")
    pinpoint: Pinpoint = Field(default_factory=Pinpoint)
    started_at: datetime
    resolved_at: datetime | None = None
    investigation_id: str | None = Field(None, description="The investigation that produced it, if any.")
    verified_by: str | None = Field(None, description="Who confirmed the root cause.")
    verified_at: datetime | None = None
    source: str = Field("feedback", description="feedback, import, postmortem, ...")

    @field_validator("started_at", "resolved_at", "verified_at")
    @classmethod
    def _in_utc(cls, value: datetime | None) -> datetime | None:
        return utc(value) if value else None

    def search_text(self) -> str:
        """The text that keyword and vector search see."""
        parts = [self.title, self.summary, self.root_cause, " ".join(self.services), self.fault_type.value]
        if self.pinpoint.ref or self.pinpoint.detail:
            parts.append(f"{self.pinpoint.kind} {self.pinpoint.ref} {self.pinpoint.detail}")
        return "\n".join(part for part in parts if part)


class IncidentMatch(BaseModel):
    """A past incident found by search, with its fused rank score (higher is closer)."""

    model_config = ConfigDict(extra="forbid")

    incident: PastIncident
    score: float
