"""ScenarioWorld: serves one hand-written past incident through the interface operations (never its truth)."""

from __future__ import annotations

import bisect
import re
from pathlib import Path
from typing import Any

from graphs.contracts import (
    ChatMessage,
    CodeHit,
    DependencyEdge,
    FileContent,
    LogLine,
    ServiceInfo,
    Ticket,
    TimeWindow,
)
from tools.interfaces import (
    ActionOut,
    AddCommentIn,
    ChangesIn,
    ChangesOut,
    ErrorDetailsIn,
    ErrorDetailsOut,
    GetDependenciesIn,
    GetDependenciesOut,
    GetDiffIn,
    GetDiffOut,
    GetFileIn,
    GetFileOut,
    GetThreadIn,
    GetTicketIn,
    GetTicketOut,
    ListFlagsIn,
    ListFlagsOut,
    ListServicesIn,
    ListServicesOut,
    MessagesOut,
    PostMessageIn,
    QueryLogsIn,
    QueryLogsOut,
    QueryMetricsIn,
    QueryMetricsOut,
    QueryTracesIn,
    QueryTracesOut,
    ResolveServiceIn,
    ResolveServiceOut,
    RolloutHistoryIn,
    SearchCodeIn,
    SearchCodeOut,
    SearchMessagesIn,
    SearchTicketsIn,
    SearchTicketsOut,
    Windowed,
)
from tools.worlds.scenarios.changes import build_changes, infrastructure_lines
from tools.worlds.scenarios.generate import build_logs, build_metrics, build_spans
from tools.worlds.scenarios.loader import DEFAULT_DIR, Scenario, load_scenario, resolve_scenario_dir
from tools.worlds.scenarios.schema import TicketSpec

_LEVELS = {"DEBUG": 10, "INFO": 20, "WARN": 30, "WARNING": 30, "ERROR": 40, "FATAL": 50, "CRITICAL": 50}
_WORD = re.compile(r"[A-Za-z0-9_.:/-]{2,}")
MAX_ERROR_LINES = 5_000


def _terms(text: str) -> list[str]:
    return [w.lower().strip(".:/-") for w in _WORD.findall(text) if len(w.strip(".:/-")) >= 2]


def _bounds(request: Windowed) -> tuple[float, float]:
    window = TimeWindow(start=request.start, end=request.end)
    return window.start.timestamp(), window.end.timestamp()


def _ticket(spec: TicketSpec) -> Ticket:
    return Ticket(
        key=spec.key,
        title=spec.title,
        description=spec.description,
        status=spec.status,
        reporter=spec.reporter,
        created=spec.created.timestamp(),
        services=list(spec.services),
        labels=list(spec.labels),
        comments=list(spec.comments),
    )


class ScenarioWorld:
    """One scenario at a time; data is expanded once at construction, deterministically."""

    name = "scenario"

    def __init__(self, scenario: Scenario) -> None:
        spec = scenario.spec
        self.scenario = scenario
        self.window = TimeWindow(start=spec.window.start, end=spec.window.end)
        self.ticket_key = spec.ticket.key
        self._services = {s.name: s for s in spec.services}
        instances = {s.name: s.instance_names for s in spec.services}
        start, end = spec.window.start, spec.window.end
        labels = {name: tags for s in spec.services for name, tags in s.instance_labels.items()}
        self._series = build_metrics(scenario.telemetry, instances, start, end, labels)
        self._logs = build_logs(scenario.telemetry, instances, start, end)
        owners = {name: s.name for s in spec.services for name in s.instance_names}
        if scenario.changes.infrastructure:  # platform events reach the log store, as cluster event exporters do
            self._logs = sorted(
                [*self._logs, *infrastructure_lines(scenario.changes.infrastructure, owners)],
                key=lambda line: (line.timestamp, line.service, line.message),
            )
        self._log_times = [line.timestamp for line in self._logs]
        self._spans = build_spans(scenario.telemetry, instances, start, end)
        self._span_times = [span.start for span in self._spans]
        self._changes = build_changes(scenario.changes)
        self._tickets = [_ticket(t) for t in (spec.ticket, *spec.other_tickets)]
        self._messages = [
            ChatMessage(
                id=f"{thread.id}-{i}",
                channel=thread.channel,
                author=m.author,
                timestamp=m.at.timestamp(),
                text=m.text,
                thread_id=thread.id,
            )
            for thread in scenario.chat.threads
            for i, m in enumerate(thread.messages)
        ]
        self._messages.sort(key=lambda m: (m.timestamp, m.id))
        self._files = {(f.repo, f.path): f.content for f in scenario.code.files}
        self.actions: list[dict[str, str]] = []

    @classmethod
    def from_options(cls, options: dict[str, str]) -> ScenarioWorld:
        """Options: dir (default: the bundled scenarios) and scenario (a folder name under dir)."""
        folder = resolve_scenario_dir(options.get("dir") or DEFAULT_DIR, options.get("scenario"))
        return cls(load_scenario(folder))

    @classmethod
    def from_dir(cls, folder: Path | str) -> ScenarioWorld:
        return cls(load_scenario(folder))

    def describe(self) -> dict[str, Any]:
        return {
            "world": self.name,
            "scenario": self.scenario.name,
            "domain": self.scenario.spec.domain,
            "window": {"start": self.window.start.isoformat(), "end": self.window.end.isoformat()},
            "days": sorted({self.window.start.date().isoformat(), self.window.end.date().isoformat()}),
            "ticket": self.ticket_key,
            "services": len(self._services),
            "series": len(self._series),
            "log_lines": len(self._logs),
            "spans": len(self._spans),
            "changes": len(self._changes.all()),
            "messages": len(self._messages),
            "code_files": len(self._files),
        }

    # --- log-system --------------------------------------------------------------------------------
    def list_services(self, request: ListServicesIn) -> ListServicesOut:
        return ListServicesOut(services=sorted(self._services))

    def query_metrics(self, request: QueryMetricsIn) -> QueryMetricsOut:
        lo, hi = _bounds(request)
        wanted = set(request.metrics) if request.metrics else None
        out = []
        for series in self._series:
            if request.service and series.service != request.service:
                continue
            if wanted is not None and series.metric not in wanted:
                continue
            a = bisect.bisect_left(series.timestamps, lo)
            b = bisect.bisect_right(series.timestamps, hi)
            if a < b:
                out.append(
                    series.model_copy(update={"timestamps": series.timestamps[a:b], "values": series.values[a:b]})
                )
        return QueryMetricsOut(series=out)

    def _lines(self, request: Windowed) -> list[LogLine]:
        lo, hi = _bounds(request)
        return self._logs[bisect.bisect_left(self._log_times, lo) : bisect.bisect_right(self._log_times, hi)]

    def query_logs(self, request: QueryLogsIn) -> QueryLogsOut:
        needle = request.contains.lower() if request.contains else None
        floor = _LEVELS.get(request.level.upper(), 0) if request.level else 0
        found: list[LogLine] = []
        for line in self._lines(request):
            if request.service and line.service != request.service:
                continue
            if floor and _LEVELS.get(line.level, 0) < floor:
                continue
            if needle and needle not in line.message.lower() and needle != line.trace_id:
                continue
            if len(found) == request.limit:
                return QueryLogsOut(lines=found, truncated=True)
            found.append(line)
        return QueryLogsOut(lines=found)

    def query_traces(self, request: QueryTracesIn) -> QueryTracesOut:
        lo, hi = _bounds(request)
        window = self._spans[bisect.bisect_left(self._span_times, lo) : bisect.bisect_right(self._span_times, hi)]
        spans = [s for s in window if not request.service or s.service == request.service]
        return QueryTracesOut(spans=spans[: request.limit], truncated=len(spans) > request.limit)

    def get_error_details(self, request: ErrorDetailsIn) -> ErrorDetailsOut:
        errors = [
            line
            for line in self._lines(request)
            if line.service == request.service and _LEVELS.get(line.level, 0) >= _LEVELS["ERROR"]
        ]
        return ErrorDetailsOut(errors=errors[:MAX_ERROR_LINES])

    # --- version-control ---------------------------------------------------------------------------
    def _changes_in(self, bucket: list, request: ChangesIn | RolloutHistoryIn) -> list:
        lo, hi = _bounds(request)
        return [c for c in bucket if lo <= c.timestamp <= hi and (not request.service or c.service == request.service)]

    def list_commits(self, request: ChangesIn) -> ChangesOut:
        return ChangesOut(changes=self._changes_in(self._changes.commits, request))

    def list_prs(self, request: ChangesIn) -> ChangesOut:
        return ChangesOut(changes=self._changes_in(self._changes.pull_requests, request))

    def list_deployments(self, request: ChangesIn) -> ChangesOut:
        return ChangesOut(changes=self._changes_in(self._changes.deployments, request))

    def get_diff(self, request: GetDiffIn) -> GetDiffOut:
        ref = request.ref.strip().lower()
        if not ref:
            return GetDiffOut(change=None)
        number = ref.removeprefix("#").removeprefix("pr-")
        for change in self._changes.all():
            if change.id.lower() == ref or (change.kind == "pull_request" and change.id == f"pr-{number}"):
                return GetDiffOut(change=change)
        if len(ref) >= 7:
            for change in self._changes.commits:
                if change.id.startswith(ref) or ref.startswith(change.id):
                    return GetDiffOut(change=change)
        return GetDiffOut(change=None)

    # --- code-search -------------------------------------------------------------------------------
    def search_code(self, request: SearchCodeIn) -> SearchCodeOut:
        needle = request.query.strip().lower()
        terms = _terms(request.query)
        exact: list[CodeHit] = []
        loose: list[CodeHit] = []
        for (repo, path), content in sorted(self._files.items()):
            if request.repo and repo != request.repo:
                continue
            for number, line in enumerate(content.splitlines(), start=1):
                lowered = line.lower()
                hit = CodeHit(repo=repo, path=path, line=number, snippet=line.strip()[:300])
                if needle in lowered:
                    exact.append(hit)
                elif terms and all(term in lowered for term in terms):
                    loose.append(hit)
        return SearchCodeOut(hits=(exact or loose)[: request.limit])

    def get_file(self, request: GetFileIn) -> GetFileOut:
        content = self._files.get((request.repo, request.path.lstrip("/")))
        if content is None:
            return GetFileOut(file=None)
        return GetFileOut(file=FileContent(repo=request.repo, path=request.path, content=content, ref=request.ref))

    # --- feature-flags -----------------------------------------------------------------------------
    def list_flags(self, request: ListFlagsIn) -> ListFlagsOut:
        return ListFlagsOut(
            flags=[f for f in self._changes.flags if not request.service or f.service == request.service]
        )

    def get_rollout_history(self, request: RolloutHistoryIn) -> ChangesOut:
        changes = self._changes_in(self._changes.rollouts, request)
        if request.key:
            changes = [c for c in changes if c.ref == request.key]
        return ChangesOut(changes=changes)

    # --- ticket-system -----------------------------------------------------------------------------
    def get_ticket(self, request: GetTicketIn) -> GetTicketOut:
        key = request.key.strip().upper()
        return GetTicketOut(ticket=next((t for t in self._tickets if t.key.upper() == key), None))

    def search_tickets(self, request: SearchTicketsIn) -> SearchTicketsOut:
        terms = set(_terms(request.query))
        scored = []
        for ticket in self._tickets:
            text = f"{ticket.key} {ticket.title} {ticket.description} {' '.join(ticket.labels)}".lower()
            score = sum(term in text for term in terms)
            if score:
                scored.append((-score, -ticket.created, ticket))
        scored.sort(key=lambda item: item[:2])
        return SearchTicketsOut(tickets=[t for *_, t in scored[: request.limit]])

    def add_comment(self, request: AddCommentIn) -> ActionOut:
        if not any(t.key.upper() == request.key.strip().upper() for t in self._tickets):
            return ActionOut(ok=False, ref="")
        self.actions.append({"action": "add_comment", "key": request.key, "body": request.body})
        return ActionOut(ok=True, ref=f"{request.key}#comment-{len(self.actions)}")

    # --- team-communications -----------------------------------------------------------------------
    def search_messages(self, request: SearchMessagesIn) -> MessagesOut:
        lo, hi = _bounds(request)
        phrase = request.query.strip().lower()
        terms = set(_terms(request.query))
        in_window = [m for m in self._messages if lo <= m.timestamp <= hi]
        exact = [m for m in in_window if phrase and phrase in m.text.lower()]
        if exact:
            return MessagesOut(messages=exact[: request.limit])
        scored = []
        for message in in_window:
            text = f"{message.channel} {message.text}".lower()
            score = sum(term in text for term in terms)
            if score:
                scored.append((-score, message.timestamp, message))
        scored.sort(key=lambda item: item[:2])
        return MessagesOut(messages=[m for *_, m in scored[: request.limit]])

    def get_thread(self, request: GetThreadIn) -> MessagesOut:
        return MessagesOut(messages=[m for m in self._messages if m.thread_id == request.thread_id])

    def post_message(self, request: PostMessageIn) -> ActionOut:
        self.actions.append({"action": "post_message", "channel": request.channel, "text": request.text})
        return ActionOut(ok=True, ref=f"{request.channel}#posted-{len(self.actions)}")

    # --- service-registry --------------------------------------------------------------------------
    def resolve_service(self, request: ResolveServiceIn) -> ResolveServiceOut:
        name = request.name.strip().lower()
        for service in self._services.values():
            names = {service.name, *service.aliases, service.repo, service.repo.rsplit("/", 1)[-1]}
            if name in {n.lower() for n in names if n}:
                info = ServiceInfo(
                    name=service.name,
                    owner=service.owner,
                    team_channel=service.team_channel,
                    repo=service.repo,
                    tier=service.tier,
                )
                return ResolveServiceOut(service=info)
        return ResolveServiceOut(service=None)

    def get_dependencies(self, request: GetDependenciesIn) -> GetDependenciesOut:
        edges = [
            DependencyEdge(caller=e.caller, callee=e.callee, calls=e.calls)
            for e in self.scenario.spec.edges
            if not request.service or request.service in (e.caller, e.callee)
        ]
        return GetDependenciesOut(edges=edges)
