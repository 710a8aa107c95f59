"""What the dependency graph holds: services with owners and tiers, and the deploys made to them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from graphs.contracts import utc

Direction = Literal["upstream", "downstream", "both"]


class ServiceNode(BaseModel):
    """A service: who owns it, how critical it is (tier) and free-form attributes."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1)
    owner: str | None = None
    tier: str | None = None
    attrs: dict[str, Any] = Field(default_factory=dict)


class Deploy(BaseModel):
    """One deploy of a service version."""

    model_config = ConfigDict(extra="forbid")

    service: str
    deploy_id: str
    at: datetime
    version: str

    @field_validator("at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return utc(value)
