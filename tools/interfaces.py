"""The nine interfaces: each a contract of operations with pydantic inputs and outputs, read-only or action.

A capability never names a vendor: it calls an interface operation; a provider (our internal MCP server or an
external one behind an adapter) implements it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from graphs.contracts import (
    Capability,
    Change,
    ChatMessage,
    CodeHit,
    DependencyEdge,
    DocHit,
    FileContent,
    FlagState,
    LogLine,
    MetricSeries,
    ServiceInfo,
    Span,
    Ticket,
)


class OpInput(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpOutput(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Windowed(OpInput):
    start: datetime
    end: datetime


# --- log-system ------------------------------------------------------------------------------------
class QueryMetricsIn(Windowed):
    service: str | None = None
    metrics: list[str] | None = None


class QueryMetricsOut(OpOutput):
    series: list[MetricSeries]


class QueryLogsIn(Windowed):
    service: str | None = None
    contains: str | None = None
    level: str | None = None
    limit: int = Field(20_000, ge=1, le=200_000)


class QueryLogsOut(OpOutput):
    lines: list[LogLine]
    truncated: bool = False


class QueryTracesIn(Windowed):
    service: str | None = None
    limit: int = Field(50_000, ge=1, le=500_000)


class QueryTracesOut(OpOutput):
    spans: list[Span]
    truncated: bool = False


class ErrorDetailsIn(Windowed):
    service: str


class ErrorDetailsOut(OpOutput):
    errors: list[LogLine]


class ListServicesIn(OpInput):
    pass


class ListServicesOut(OpOutput):
    services: list[str]


# --- version-control -------------------------------------------------------------------------------
class ChangesIn(Windowed):
    service: str | None = None


class ChangesOut(OpOutput):
    changes: list[Change]


class GetDiffIn(OpInput):
    ref: str


class GetDiffOut(OpOutput):
    change: Change | None


# --- code-search -----------------------------------------------------------------------------------
class SearchCodeIn(OpInput):
    query: str = Field(..., min_length=1)
    repo: str | None = None
    limit: int = Field(20, ge=1, le=200)


class SearchCodeOut(OpOutput):
    hits: list[CodeHit]


class GetFileIn(OpInput):
    repo: str
    path: str
    ref: str = "main"


class GetFileOut(OpOutput):
    file: FileContent | None


# --- feature-flags ---------------------------------------------------------------------------------
class ListFlagsIn(OpInput):
    service: str | None = None


class ListFlagsOut(OpOutput):
    flags: list[FlagState]


class RolloutHistoryIn(Windowed):
    key: str | None = None
    service: str | None = None


# --- ticket-system ---------------------------------------------------------------------------------
class GetTicketIn(OpInput):
    key: str = Field(..., min_length=1)


class GetTicketOut(OpOutput):
    ticket: Ticket | None


class SearchTicketsIn(OpInput):
    query: str
    limit: int = Field(20, ge=1, le=200)


class SearchTicketsOut(OpOutput):
    tickets: list[Ticket]


class AddCommentIn(OpInput):
    key: str
    body: str


class ActionOut(OpOutput):
    ok: bool
    ref: str = ""


# --- team-communications ---------------------------------------------------------------------------
class SearchMessagesIn(Windowed):
    query: str
    limit: int = Field(50, ge=1, le=500)


class MessagesOut(OpOutput):
    messages: list[ChatMessage]


class GetThreadIn(OpInput):
    thread_id: str


class PostMessageIn(OpInput):
    channel: str
    text: str
    thread_id: str | None = None
    blocks: list[dict[str, Any]] | None = Field(None, description="Block Kit, for providers that render it.")


# --- service-registry ------------------------------------------------------------------------------
class ResolveServiceIn(OpInput):
    name: str


class ResolveServiceOut(OpOutput):
    service: ServiceInfo | None


class GetDependenciesIn(OpInput):
    service: str | None = None


class GetDependenciesOut(OpOutput):
    edges: list[DependencyEdge]


# --- domain-objects / documentation ----------------------------------------------------------------
class QueryDomainIn(OpInput):
    service: str
    method: str
    request: dict = Field(default_factory=dict)


class QueryDomainOut(OpOutput):
    result: dict


class SearchDocsIn(OpInput):
    query: str
    limit: int = Field(10, ge=1, le=100)


class SearchDocsOut(OpOutput):
    docs: list[DocHit]


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of an interface: its name, models, and whether it changes the world."""

    name: str
    input: type[OpInput]
    output: type[OpOutput]
    action: bool = False
    description: str = ""


@dataclass(frozen=True, slots=True)
class Interface:
    name: str
    operations: dict[str, Operation]
    description: str = ""

    def operation(self, name: str) -> Operation:
        try:
            return self.operations[name]
        except KeyError:
            known = ", ".join(sorted(self.operations))
            raise KeyError(f"interface {self.name!r} has no operation {name!r}; known: {known}") from None


def _iface(name: str, description: str, *ops: Operation) -> Interface:
    return Interface(name=name, description=description, operations={op.name: op for op in ops})


INTERFACES: dict[str, Interface] = {
    i.name: i
    for i in (
        _iface(
            "log-system",
            "Metrics, logs and traces of running services.",
            Operation("query_metrics", QueryMetricsIn, QueryMetricsOut, description="Metric series per instance."),
            Operation("query_logs", QueryLogsIn, QueryLogsOut, description="Log lines in a window."),
            Operation("query_traces", QueryTracesIn, QueryTracesOut, description="Spans in a window."),
            Operation("get_error_details", ErrorDetailsIn, ErrorDetailsOut, description="Error lines of a service."),
            Operation("list_services", ListServicesIn, ListServicesOut, description="Services that report."),
        ),
        _iface(
            "version-control",
            "Commits, pull requests, diffs and deployments.",
            Operation("list_commits", ChangesIn, ChangesOut),
            Operation("list_prs", ChangesIn, ChangesOut),
            Operation("get_diff", GetDiffIn, GetDiffOut),
            Operation("list_deployments", ChangesIn, ChangesOut),
        ),
        _iface(
            "code-search",
            "Source code search and file contents.",
            Operation("search_code", SearchCodeIn, SearchCodeOut),
            Operation("get_file", GetFileIn, GetFileOut),
        ),
        _iface(
            "feature-flags",
            "Feature toggles and their rollout history.",
            Operation("list_flags", ListFlagsIn, ListFlagsOut),
            Operation("get_rollout_history", RolloutHistoryIn, ChangesOut),
        ),
        _iface(
            "ticket-system",
            "Bug tickets and comments.",
            Operation("get_ticket", GetTicketIn, GetTicketOut),
            Operation("search_tickets", SearchTicketsIn, SearchTicketsOut),
            Operation("add_comment", AddCommentIn, ActionOut, action=True),
        ),
        _iface(
            "team-communications",
            "Chat messages and threads: a lead, never proof.",
            Operation("search_messages", SearchMessagesIn, MessagesOut),
            Operation("get_thread", GetThreadIn, MessagesOut),
            Operation("post_message", PostMessageIn, ActionOut, action=True),
        ),
        _iface(
            "service-registry",
            "Service ownership and the dependency graph.",
            Operation("resolve_service", ResolveServiceIn, ResolveServiceOut),
            Operation("get_dependencies", GetDependenciesIn, GetDependenciesOut),
        ),
        _iface(
            "domain-objects",
            "Read production domain objects through an RPC console.",
            Operation("query_domain", QueryDomainIn, QueryDomainOut),
        ),
        _iface(
            "documentation",
            "Library and internal documentation.",
            Operation("search_docs", SearchDocsIn, SearchDocsOut),
        ),
    )
}

# Which interfaces each capability may use (the planner's map).
CAPABILITY_INTERFACES: dict[Capability, tuple[str, ...]] = {
    Capability.provide_bug_context: ("ticket-system",),
    Capability.provide_runtime_context: ("log-system",),
    Capability.provide_release_context: ("version-control", "feature-flags"),
    Capability.provide_dependency_context: ("service-registry",),
    Capability.provide_history_context: (),
    Capability.provide_code_context: ("code-search", "version-control"),
    Capability.provide_team_context: ("team-communications",),
    Capability.verify_root_cause: ("log-system", "version-control", "feature-flags", "code-search"),
}


def get_interface(name: str) -> Interface:
    try:
        return INTERFACES[name]
    except KeyError:
        raise KeyError(f"unknown interface {name!r}; known: {', '.join(sorted(INTERFACES))}") from None
