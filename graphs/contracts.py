"""The contracts at the rooms' doors: every room may import this module, and nothing else from graphs."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SCHEMA_VERSION = "1"


TENANT_NAME = r"^[a-z0-9][a-z0-9_-]{0,62}$"  # also what API keys and the auth hook accept


class Contract(BaseModel):
    """Base of every contract: unknown fields are an error, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid")


def stable_hash(value: Any) -> str:
    """SHA-256 of a JSON value with sorted keys: the same data always hashes the same."""
    blob = json.dumps(value, sort_keys=True, default=str, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()


def utc(value: datetime) -> datetime:
    """A datetime in UTC; a naive one is read as UTC. ValueError (a 422 in a validator) when UTC has no such time."""
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+05:00 falls before year 1 in UTC
        raise ValueError(f"{value.isoformat()} is out of range once converted to UTC") from None


# --- request ---------------------------------------------------------------------------------------


class RequestKind(StrEnum):
    alert = "alert"
    ticket = "ticket"
    question = "question"
    schedule = "schedule"


class Severity(StrEnum):
    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"
    info = "info"


class TimeWindow(Contract):
    """A closed time range in UTC."""

    start: datetime
    end: datetime

    @field_validator("start", "end")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return utc(value)

    @model_validator(mode="after")
    def _ordered(self) -> TimeWindow:
        if self.end <= self.start:
            raise ValueError(f"window end {self.end.isoformat()} must be after start {self.start.isoformat()}")
        return self

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


class InvestigationRequest(Contract):
    """What starts an investigation: an alert, a ticket, a question or a schedule."""

    source: str = Field("cli", description="Where the request came from: cli, api, slack, alertmanager, ...")
    kind: RequestKind = RequestKind.alert
    text: str = Field(..., min_length=1, max_length=20_000, description="The alert text, ticket text or question.")
    services: list[str] = Field(default_factory=list, description="Services the requester already suspects.")
    window: TimeWindow | None = Field(None, description="The time range to investigate; derived when absent.")
    at: datetime | None = Field(None, description="When the alert fired or the symptom was seen.")
    severity: Severity = Severity.high
    tenant: str = Field("default", pattern=TENANT_NAME)
    dedup_key: str | None = Field(None, description="Alert fingerprint; equal keys attach to one investigation.")
    ticket_key: str | None = Field(None, description="A ticket id to resolve through the ticket interface.")
    labels: dict[str, str] = Field(default_factory=dict)

    @field_validator("at")
    @classmethod
    def _at_in_utc(cls, value: datetime | None) -> datetime | None:
        return utc(value) if value else None


# --- planning --------------------------------------------------------------------------------------


class Capability(StrEnum):
    provide_bug_context = "provide_bug_context"
    provide_runtime_context = "provide_runtime_context"
    provide_release_context = "provide_release_context"
    provide_dependency_context = "provide_dependency_context"
    provide_history_context = "provide_history_context"
    provide_code_context = "provide_code_context"
    provide_team_context = "provide_team_context"
    verify_root_cause = "verify_root_cause"


class Scope(Contract):
    """What a task looks at: services and a time window."""

    services: list[str] = Field(default_factory=list)
    window: TimeWindow
    baseline: TimeWindow | None = Field(None, description="The quiet period just before the window (metrics).")
    reference: TimeWindow | None = Field(
        None, description="The same time one day earlier, wider (logs and traces: what is usual at all)."
    )
    identifiers: dict[str, list[str]] = Field(default_factory=dict, description="request ids, user ids, ...")


class CapabilityTask(Contract):
    """One unit of evidence gathering the planner asks the collector for."""

    id: str
    capability: Capability
    scope: Scope
    reason: str
    parent_hypothesis: str | None = None
    iteration: int = 0


# --- evidence --------------------------------------------------------------------------------------


class EvidenceKind(StrEnum):
    metric_anomaly = "metric-anomaly"
    log_pattern = "log-pattern"
    trace_anomaly = "trace-anomaly"
    change = "change"
    ticket = "ticket"
    message = "message"
    topology = "topology"
    history = "history"
    code = "code"
    absence = "absence"


class Lineage(Contract):
    """Which tool call produced a piece of evidence, and fingerprints of what went in and came out."""

    tool_call_id: str
    interface: str
    operation: str
    provider: str
    args_hash: str
    response_hash: str


class Evidence(Contract):
    """One observed fact, small enough for state, linked to the tool call it came from."""

    id: str = Field(..., description="Stable within an investigation, e.g. 'ev-3f2a9c1b'.")
    capability: Capability
    interface: str
    provider: str
    kind: EvidenceKind
    service: str | None = None
    time_range: TimeWindow | None = None
    summary: str
    data: dict[str, Any] = Field(default_factory=dict)
    score: float = Field(0.0, ge=0.0, description="Strength of the signal; 0 for context and absence.")
    lineage: Lineage | None = None

    @staticmethod
    def make_id(*parts: Any) -> str:
        """A deterministic id from the parts that make an evidence item unique."""
        return "ev-" + stable_hash(parts)[:10]


# --- hypotheses and verdicts -----------------------------------------------------------------------


class FaultType(StrEnum):
    bad_deploy = "bad_deploy"
    config_change = "config_change"
    feature_flag = "feature_flag"
    exception = "exception"
    return_value = "return"
    network_delay = "network_delay"
    cpu_contention = "cpu_contention"
    cpu_consumed = "cpu_consumed"
    memory_exhaustion = "memory_exhaustion"
    dependency_outage = "dependency_outage"
    data_corruption = "data_corruption"
    third_party_change = "third_party_change"
    retry_storm = "retry_storm"
    resource_exhaustion = "resource_exhaustion"
    certificate_expiry = "certificate_expiry"
    clock_skew = "clock_skew"
    lock_contention = "lock_contention"
    partner_throttling = "partner_throttling"
    unknown = "unknown"


class Pinpoint(Contract):
    """Where inside the service the cause sits: a change, code location, config key, operation or resource."""

    kind: Literal["change", "code", "config", "feature_flag", "operation", "resource", "unknown"] = "unknown"
    ref: str = Field("", description="Commit sha, deploy id, 'File.java#31', config key, metric name, ...")
    detail: str = ""
    instance: str = Field(
        "",
        description="The one instance or pod that carries the anomaly while the service's others stay normal, "
        "'checkout-7d9f-x2 (pod)'; empty when the service departs as a whole or runs one instance.",
    )


class Attribution(Contract):
    """One row of the table behind a hypothesis' score: a feature the engine measured and what it added."""

    feature: str
    value: float
    contribution: float = Field(0.0, description="weight times value: what the feature added to the utility")
    why: str = ""
    evidence_ids: list[str] = Field(default_factory=list, description="Evidence the feature explains or rests on.")
    contradicting_ids: list[str] = Field(default_factory=list, description="Evidence that speaks against it.")


class CandidateFeatures(Contract):
    """Every candidate the model weighed, with its features (the dataset a refit reads)."""

    service: str
    features: dict[str, float]
    share: float = 0.0


class Hypothesis(Contract):
    """A candidate root cause with the evidence for and against it."""

    id: str
    service: str
    fault_type: FaultType = FaultType.unknown
    pinpoint: Pinpoint = Field(default_factory=Pinpoint)
    statement: str
    supporting: list[str] = Field(default_factory=list)
    contradicting: list[str] = Field(default_factory=list)
    score: float = 0.0
    source: str = Field("analyst", description="Who proposed it: analyst (our engine) or a model name.")
    probability: float | None = Field(None, description="The model's share of the explanation among the candidates.")
    attributions: list[Attribution] = Field(default_factory=list)


class CheckItem(StrEnum):
    symptom = "symptom"
    pinpoint = "pinpoint"
    timing = "timing"
    mechanism = "mechanism"
    duration = "duration"


class CheckResult(Contract):
    item: CheckItem
    passed: bool
    applicable: bool = True
    note: str = ""
    evidence_ids: list[str] = Field(default_factory=list)


class VerdictStatus(StrEnum):
    confirmed = "confirmed"
    declined = "declined"


class Verdict(Contract):
    """The verifier's judgement of one hypothesis."""

    hypothesis_id: str
    checklist: list[CheckResult]
    confidence: float = Field(..., ge=0.0, le=1.0)
    status: VerdictStatus
    gaps: list[CheckItem] = Field(default_factory=list)


class RoutingDecision(Contract):
    """Which model tier served a node, and why."""

    node: str
    tier: Literal["fast", "balanced", "deep"]
    model: str
    reason: str
    confidence_before: float | None = None
    confidence_after: float | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    available: bool = True
    outcome: Literal["served", "granted", "unavailable", "over_budget", "fallback", "stopped"] = Field(
        "served",
        description="served: the tier did the node's work; granted: an escalation; unavailable: wanted but absent; "
        "over_budget: refused by the budget; fallback: the model failed and the engine's result stands; "
        "stopped: no further escalation (a human is needed).",
    )
    model_calls: int = Field(0, ge=0, description="Model calls this decision made (0 for the engine).")
    notes: list[str] = Field(default_factory=list, description="e.g. prompt versions, dropped hypotheses.")


# --- report ----------------------------------------------------------------------------------------


class ReportStatus(StrEnum):
    confirmed = "confirmed"
    unconfirmed = "unconfirmed"
    failed = "failed"


class RootCause(Contract):
    service: str
    fault_type: FaultType
    pinpoint: Pinpoint
    statement: str
    evidence_ids: list[str]
    owner: str | None = None
    blast_radius: list[str] = Field(default_factory=list, description="Services that depend on it, transitively.")
    attributions: list[Attribution] = Field(default_factory=list, description="The table behind its score.")


class RankedService(Contract):
    service: str
    score: float
    fault_type: FaultType = FaultType.unknown


class TimelineEntry(Contract):
    at: datetime
    what: str
    evidence_ids: list[str] = Field(default_factory=list)


class ProposedAction(Contract):
    """A remedy that changes production; it waits for a human's approval."""

    id: str
    kind: Literal["rollback", "toggle_off", "config_revert", "scale", "restart", "other"]
    target: str
    description: str
    owner: str | None = None
    steps: list[str] = Field(default_factory=list)
    impact: Literal["high", "low"] = "high"
    approved_by: str | None = None
    status: Literal["proposed", "approved", "rejected"] = "proposed"


class Cost(Contract):
    usd: float = 0.0
    tokens_in: int = 0
    tokens_out: int = 0
    model_calls: int = 0
    tool_calls: int = 0
    seconds: float = 0.0


class Report(Contract):
    """What an investigation concludes, with the evidence chain behind every claim."""

    schema_version: str = SCHEMA_VERSION
    investigation_id: str
    request: InvestigationRequest
    status: ReportStatus
    root_cause: RootCause | None
    confidence: float = Field(..., ge=0.0, le=1.0)
    ranking: list[RankedService] = Field(default_factory=list)
    alternatives: list[Hypothesis] = Field(default_factory=list)
    verdicts: list[Verdict] = Field(default_factory=list)
    candidates: list[CandidateFeatures] = Field(default_factory=list)
    timeline: list[TimelineEntry] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    actions: list[ProposedAction] = Field(default_factory=list)
    routing_log: list[RoutingDecision] = Field(default_factory=list)
    cost: Cost = Field(default_factory=Cost)
    iterations: int = 1
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


# --- telemetry payloads that the log-system and service-registry interfaces return -----------------


class MetricSeries(Contract):
    """One metric of one instance over time (epoch seconds)."""

    service: str
    instance: str
    metric: str
    timestamps: list[float]
    values: list[float]
    labels: dict[str, str] = Field(
        default_factory=dict, description="Extra dimensions: scope=entry|edge, caller, callee, reporter."
    )


class LogLine(Contract):
    timestamp: float
    service: str
    instance: str = ""
    level: str = "INFO"
    message: str
    trace_id: str = ""


class Span(Contract):
    trace_id: str
    span_id: str
    parent_id: str | None
    service: str
    instance: str = ""
    operation: str
    start: float = Field(..., description="Epoch seconds.")
    duration_ms: float
    error: bool = False


class DependencyEdge(Contract):
    caller: str
    callee: str
    calls: int = 0


class Change(Contract):
    """A deploy, commit, flag rollout or config change."""

    id: str
    kind: Literal["deploy", "commit", "pull_request", "feature_flag", "config"]
    service: str
    timestamp: float
    author: str = ""
    title: str = ""
    ref: str = Field("", description="Version, commit sha, flag key or config key.")
    diff: str = ""


class Ticket(Contract):
    key: str
    title: str
    description: str = ""
    status: str = "open"
    reporter: str = ""
    created: float = Field(..., description="Epoch seconds.")
    services: list[str] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=list)
    comments: list[str] = Field(default_factory=list)


class ChatMessage(Contract):
    id: str
    channel: str
    author: str
    timestamp: float
    text: str
    thread_id: str | None = None


class FlagState(Contract):
    key: str
    service: str
    enabled: bool
    rollout_percent: float = 0.0
    description: str = ""


class CodeHit(Contract):
    repo: str
    path: str
    line: int
    snippet: str


class FileContent(Contract):
    repo: str
    path: str
    content: str
    ref: str = "main"


class ServiceInfo(Contract):
    name: str
    owner: str = ""
    team_channel: str = ""
    repo: str = ""
    tier: str = ""


class DocHit(Contract):
    title: str
    url: str = ""
    snippet: str


PUBLIC_SCHEMAS: dict[str, type[BaseModel]] = {
    "request": InvestigationRequest,
    "evidence": Evidence,
    "report": Report,
}
