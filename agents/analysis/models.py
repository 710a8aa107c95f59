"""The engine's seam: what it is given (RuntimeTelemetry), what it detects (Finding), what it proposes (Candidate)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from graphs.contracts import (
    Change,
    DependencyEdge,
    EvidenceKind,
    FaultType,
    LogLine,
    MetricSeries,
    Pinpoint,
    Span,
    TimeWindow,
)


class RuntimeTelemetry(BaseModel):
    """What the collector fetched for one investigation: the window, its baselines, changes and topology."""

    window: TimeWindow
    alert_at: datetime | None = None
    metrics: list[MetricSeries] = Field(default_factory=list)
    baseline_metrics: list[MetricSeries] = Field(default_factory=list)
    logs: list[LogLine] = Field(default_factory=list)
    baseline_logs: list[LogLine] = Field(default_factory=list)
    spans: list[Span] = Field(default_factory=list)
    baseline_spans: list[Span] = Field(default_factory=list)
    changes: list[Change] = Field(default_factory=list)
    edges: list[DependencyEdge] = Field(default_factory=list)


class Finding(BaseModel):
    """One detected signal; `data` carries what the ranker needs (onset, family, direction, statement, ...)."""

    kind: EvidenceKind
    service: str | None
    instance: str | None = None
    signal: str
    score: float = Field(..., ge=0.0)
    onset: float | None = None
    summary: str
    data: dict[str, Any] = Field(default_factory=dict)


class Candidate(BaseModel):
    """A ranked root-cause candidate with the evidence ids behind it."""

    service: str
    score: float
    fault_type: FaultType = FaultType.unknown
    pinpoint: Pinpoint = Field(default_factory=Pinpoint)
    statement: str
    supporting: list[str] = Field(default_factory=list)
    contradicting: list[str] = Field(default_factory=list)
    features: dict[str, float] = Field(default_factory=dict, description="What the engine's passes measured.")
