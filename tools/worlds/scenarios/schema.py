"""The scenario format: one folder per past incident, one pydantic model per YAML file.

Times inside a scenario are ISO datetimes, "HH:MM[:SS]" on the window's day (the next day when earlier than the
window start) or "+N[smh]" after the window start; validation resolves them to UTC datetimes.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from graphs.contracts import FaultType
from tools.worlds.scenarios.fields import Instant, Labels, parse_metric_key


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- scenario.yaml ---------------------------------------------------------------------------------


class Window(Strict):
    start: Instant
    end: Instant

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end <= self.start:
            raise ValueError("window end must be after start")
        return self


class TicketSpec(Strict):
    key: str = Field(..., min_length=1)
    title: str = Field(..., min_length=1)
    description: str = ""
    status: str = "open"
    reporter: str = ""
    created: Instant
    services: list[str] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=list)
    comments: list[str] = Field(default_factory=list)


class ServiceSpec(Strict):
    name: str = Field(..., pattern=r"^[a-z0-9][a-z0-9._-]*$")
    owner: str = ""
    team_channel: str = ""
    repo: str = ""
    tier: str = ""
    kind: Literal["service", "database", "cache", "queue", "external", "infrastructure"] = "service"
    instances: int | list[str] = Field(2, description="How many instances (named <name>-<i>) or their names.")
    aliases: list[str] = Field(default_factory=list, description="Other names people use for it.")
    instance_labels: dict[str, Labels] = Field(
        default_factory=dict, description="Labels of each instance's series (node, pod, zone): instance -> labels."
    )

    @property
    def instance_names(self) -> list[str]:
        if isinstance(self.instances, list):
            return list(self.instances)
        return [f"{self.name}-{i}" for i in range(1, self.instances + 1)]

    @field_validator("instances")
    @classmethod
    def _some(cls, value: int | list[str]) -> int | list[str]:
        if (isinstance(value, int) and value < 1) or (isinstance(value, list) and not value):
            raise ValueError("a service needs at least one instance")
        return value


class EdgeSpec(Strict):
    caller: str
    callee: str
    calls: int = Field(0, ge=0, description="Calls per minute at baseline.")


class ScenarioSpec(Strict):
    """scenario.yaml: what happened from the outside, the window, the ticket and the topology."""

    id: str = Field(..., pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str
    domain: str = ""
    window: Window
    ticket: TicketSpec
    other_tickets: list[TicketSpec] = Field(default_factory=list)
    services: list[ServiceSpec] = Field(..., min_length=1)
    edges: list[EdgeSpec] = Field(default_factory=list)


# --- telemetry.yaml --------------------------------------------------------------------------------


class Anomaly(Strict):
    """A shaped deviation from the baseline between start and end (inclusive)."""

    start: Instant
    end: Instant
    shape: Literal["step", "ramp", "spike", "decay", "sawtooth"] = "step"
    value: float = Field(..., description="Added to the baseline (mode add) or multiplies it (mode scale).")
    mode: Literal["add", "scale"] = "add"
    period_minutes: float = Field(20, gt=0, description="Sawtooth period.")
    instances: list[str] | None = None

    def weight_bounds(self) -> tuple[float, float]:
        """The least and greatest weight the shape reaches (a sawtooth and a ramp start at 0)."""
        return (0.0, 1.0) if self.shape in ("ramp", "sawtooth", "decay", "spike") else (1.0, 1.0)

    @model_validator(mode="after")
    def _ordered(self) -> Anomaly:
        if self.end < self.start:
            raise ValueError("anomaly end must not be before start")
        return self


class SeriesSpec(Strict):
    baseline: float
    noise: float | None = Field(None, ge=0, description="Std deviation; default 3% of the baseline.")
    min: float = Field(0.0, description="Clip floor; a curve that reaches below it without `min` set is an error.")
    max: float | None = None
    labels: Labels = Field(default_factory=dict, description="Extra labels on this series (route, code, ...).")
    anomalies: list[Anomaly] = Field(default_factory=list)


def _series(value: Any) -> Any:
    return {"baseline": value} if isinstance(value, int | float) else value


Series = Annotated[SeriesSpec, BeforeValidator(_series)]


PLACEHOLDER = re.compile(r"\{(hex|int|choice|uuid|instance)(?::([^{}]*))?\}")
INT_RANGE = re.compile(r"^(-?\d+)-(-?\d+)$")


def int_range(arg: str) -> tuple[int, int]:
    """The bounds of `{int:A-B}` (either may be negative, `{int:-115--85}`); 0-1000 when none are given."""
    if not arg:
        return 0, 1000
    found = INT_RANGE.match(arg.strip())
    if found is None or int(found[1]) > int(found[2]):
        raise ValueError(f"{{int:{arg}}} is not a range A-B with A <= B")
    return int(found[1]), int(found[2])


class LogPattern(Strict):
    """Templated log lines at a rate per minute; placeholders {hex:N} {int:A-B} {choice:a|b} {uuid} {instance}."""

    service: str
    level: Literal["DEBUG", "INFO", "WARN", "ERROR", "FATAL"] = "INFO"
    message: str = Field(..., min_length=1)
    rate: Series = Field(..., description="Expected lines per minute over all chosen instances.")
    instances: list[str] | None = None
    trace_ids: bool = False

    @field_validator("message")
    @classmethod
    def _placeholders_fill(cls, message: str) -> str:
        for kind, arg in PLACEHOLDER.findall(message):
            if kind == "int":
                int_range(arg)
            elif kind == "hex" and arg and not arg.strip().isdigit():
                raise ValueError(f"{{hex:{arg}}} needs a length, e.g. {{hex:8}}")
            elif kind == "choice" and not any(option for option in arg.split("|")):
                raise ValueError("{choice:...} needs options, e.g. {choice:a|b}")
        return message


class LogLiteral(Strict):
    at: Instant
    service: str
    level: Literal["DEBUG", "INFO", "WARN", "ERROR", "FATAL"] = "INFO"
    message: str = Field(..., min_length=1)
    instance: str = ""
    trace_id: str = ""


class SpanSpec(Strict):
    id: str
    parent: str | None = None
    service: str
    operation: str
    ms: float = Field(..., gt=0, description="Own duration in milliseconds at baseline.")
    error_rate: float = Field(0.0, ge=0, le=1)
    link: Literal["sync", "async"] = Field(
        "sync", description="async: a consumer of a message its parent produced; starts after the parent's own time."
    )
    queue_ms: float = Field(0.0, ge=0, description="async only: time the message waits before the consumer starts.")

    @model_validator(mode="after")
    def _async_has_parent(self) -> SpanSpec:
        if self.link == "async" and self.parent is None:
            raise ValueError("an async span (a consumer) needs the parent span that produced its message")
        if self.queue_ms and self.link != "async":
            raise ValueError("queue_ms applies only to async spans (link: async)")
        return self


class TraceAnomaly(Strict):
    start: Instant
    end: Instant
    span: str
    add_ms: float = 0.0
    add_queue_ms: float = Field(0.0, ge=0, description="Extra wait before an async consumer starts (a backlog).")
    error_rate: float | None = Field(None, ge=0, le=1)
    instances: list[str] | None = Field(None, description="Only when the span runs on one of these instances.")


class TraceSpec(Strict):
    name: str
    per_min: float = Field(..., gt=0, le=60)
    spans: list[SpanSpec] = Field(..., min_length=1)
    anomalies: list[TraceAnomaly] = Field(default_factory=list)


class TelemetrySpec(Strict):
    """telemetry.yaml: metrics (service -> metric -> series), log patterns, literal log lines, traces."""

    seed: int = 0
    step_seconds: int = Field(60, ge=10, le=3600)
    metrics: dict[str, dict[str, Series]] = Field(
        default_factory=dict, description='service -> metric (`name` or `name{label="v"}`) -> series.'
    )
    log_patterns: list[LogPattern] = Field(default_factory=list)
    log_lines: list[LogLiteral] = Field(default_factory=list)
    traces: list[TraceSpec] = Field(default_factory=list)

    @field_validator("metrics")
    @classmethod
    def _metric_keys(cls, metrics: dict[str, dict[str, SeriesSpec]]) -> dict[str, dict[str, SeriesSpec]]:
        for per_service in metrics.values():
            seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
            for key, series in per_service.items():
                name, labels = parse_metric_key(key)
                identity = (name, tuple(sorted((labels | series.labels).items())))
                if identity in seen:
                    raise ValueError(f"metric {key!r}: another key names the same series")
                seen.add(identity)
        return metrics


# --- changes.yaml ----------------------------------------------------------------------------------


class CommitSpec(Strict):
    sha: str = Field(..., pattern=r"^[0-9a-f]{7,40}$")
    repo: str
    service: str
    author: str
    at: Instant
    title: str
    diff: str = ""


class PullRequestSpec(Strict):
    number: int = Field(..., ge=1)
    repo: str
    service: str
    author: str
    at: Instant = Field(..., description="When it was merged.")
    title: str
    description: str = ""
    commits: list[str] = Field(default_factory=list)


DeployStatus = Literal["succeeded", "failed", "rolled_back", "in_progress", "held"]


class DeployStep(Strict):
    """One turn of a deploy after it started: `held` (paused), `resumed`, then its outcome."""

    at: Instant
    status: Literal["held", "resumed", "succeeded", "failed", "rolled_back"]
    note: str = ""
    instances: list[str] | None = Field(None, description="The instances it reached by then; default unchanged.")


class DeploymentSpec(Strict):
    id: str
    service: str
    version: str
    at: Instant
    author: str = ""
    commits: list[str] = Field(default_factory=list)
    instances: list[str] | None = Field(None, description="A canary: the instances that got it; default all.")
    status: DeployStatus = "succeeded"
    steps: list[DeployStep] = Field(
        default_factory=list, description="What happened after `at`, in time order: held, resumed, succeeded, ..."
    )


class FlagStep(Strict):
    at: Instant
    to_percent: float = Field(..., ge=0, le=100)
    cohort: str = ""
    author: str = ""
    note: str = ""


class FlagSpec(Strict):
    key: str
    service: str
    description: str = ""
    initial_percent: float = Field(0.0, ge=0, le=100)
    history: list[FlagStep] = Field(default_factory=list)


class ConfigChangeSpec(Strict):
    id: str
    service: str
    key: str
    before: str
    after: str
    at: Instant
    author: str = ""
    title: str = ""


class InfraEventSpec(Strict):
    """Something the platform did to the services: a node reboot, a provider's maintenance, a zone failover."""

    id: str
    kind: Literal["node_reboot", "node_drain", "provider_maintenance", "zone_failover", "network_change", "other"]
    at: Instant
    end: Instant | None = None
    target: str = Field(..., min_length=1, description="What it happened to: a node, a zone, a provider resource.")
    provider: str = ""
    services: list[str] = Field(default_factory=list, description="Services that ran on the target.")
    instances: list[str] = Field(default_factory=list, description="Their instances on the target.")
    description: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> InfraEventSpec:
        if self.end is not None and self.end < self.at:
            raise ValueError("infrastructure event end must not be before at")
        return self


class ChangesSpec(Strict):
    """changes.yaml: commits, PRs, deployments, flags with history, config changes, infrastructure events."""

    commits: list[CommitSpec] = Field(default_factory=list)
    pull_requests: list[PullRequestSpec] = Field(default_factory=list)
    deployments: list[DeploymentSpec] = Field(default_factory=list)
    flags: list[FlagSpec] = Field(default_factory=list)
    config_changes: list[ConfigChangeSpec] = Field(default_factory=list)
    infrastructure: list[InfraEventSpec] = Field(default_factory=list)


# --- chat.yaml, code.yaml --------------------------------------------------------------------------


class MessageSpec(Strict):
    author: str
    at: Instant
    text: str = Field(..., min_length=1)


class ThreadSpec(Strict):
    id: str
    channel: str
    messages: list[MessageSpec] = Field(..., min_length=1)


class ChatSpec(Strict):
    """chat.yaml: threads; the first message is the thread's root."""

    threads: list[ThreadSpec] = Field(default_factory=list)


class CodeFile(Strict):
    repo: str
    path: str
    content: str


class CodeSpec(Strict):
    """code.yaml: the source files code search sees."""

    files: list[CodeFile] = Field(default_factory=list)


# --- truth.yaml (the scorer's only) ----------------------------------------------------------------


class TruthPinpoint(Strict):
    kind: Literal["change", "code", "config", "feature_flag", "operation", "resource"]
    ref: str = Field(..., min_length=1)
    accept: list[str] = Field(default_factory=list, description="Other refs that name the same cause.")


class TruthFix(Strict):
    kind: Literal["rollback", "toggle_off", "config_revert", "scale", "restart", "other"]
    target: str
    description: str


class TruthSpec(Strict):
    """truth.yaml: the answer. Only scorers read it; the world never loads it."""

    root_cause_service: str
    accept_root_cause_services: list[str] = Field(
        default_factory=list, description="Other services that count as right (the node under the pod, ...)."
    )
    fault_type: FaultType
    accept_fault_types: list[FaultType] = Field(default_factory=list)
    pinpoint: TruthPinpoint
    fix: TruthFix
    explanation: str = Field(..., min_length=1)
    red_herrings: list[str] = Field(default_factory=list)
    category: str = Field("", description="The kind of incident, for coverage reports.")
