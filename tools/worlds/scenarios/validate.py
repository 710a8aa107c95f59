"""Validates scenario folders: schema errors plus dangling references and times outside the window."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from tools.worlds.scenarios.generate import expand_series, grid
from tools.worlds.scenarios.loader import SCENARIO_FILE, TRUTH_FILE, Scenario, parse_file, parse_scenario
from tools.worlds.scenarios.schema import DeploymentSpec, SeriesSpec, TruthSpec

MAX_LOG_LINES = 200_000


@dataclass(slots=True)
class Findings:
    """Errors make a world invalid; warnings are what a world would silently do that its author may not mean."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def validate_world_dir(path: Path | str) -> list[str]:
    """Every problem of a scenario folder, or of every scenario folder under path; empty when all are valid."""
    return check_world_dir(path).errors


def check_world_dir(path: Path | str) -> Findings:
    """Errors and warnings of a scenario folder, or of every scenario folder under path."""
    root = Path(path)
    if not root.is_dir():
        return Findings([f"{root}: not a directory"])
    if (root / SCENARIO_FILE).is_file():
        return check_scenario_dir(root)
    folders = sorted(p for p in root.iterdir() if (p / SCENARIO_FILE).is_file())
    if not folders:
        return Findings([f"{root}: no scenario folders (a folder holding {SCENARIO_FILE})"])
    found = Findings()
    for folder in folders:
        one = check_scenario_dir(folder)
        found.errors += one.errors
        found.warnings += one.warnings
    return found


def validate_scenario_dir(folder: Path) -> list[str]:
    return check_scenario_dir(folder).errors


def check_scenario_dir(folder: Path) -> Findings:
    scenario, problems = parse_scenario(folder)
    warnings: list[str] = []
    if scenario is not None:
        checks = _References(scenario)
        problems = checks.check()
        warnings = checks.warnings
        if (folder / TRUTH_FILE).is_file():
            truth, truth_problems = parse_file(folder, TRUTH_FILE, TruthSpec, {})
            problems += truth_problems
            if truth is not None:
                problems += _check_truth(scenario, truth)
        else:
            problems.append(f"{TRUTH_FILE}: missing (the answer the scorer needs)")
    return Findings([f"{folder.name}/{p}" for p in problems], [f"{folder.name}/{w}" for w in warnings])


class _References:
    """Cross-file checks on a schema-valid scenario."""

    def __init__(self, scenario: Scenario) -> None:
        self.s = scenario
        spec = scenario.spec
        self.start, self.end = spec.window.start, spec.window.end
        self.services = {svc.name: svc for svc in spec.services}
        self.names = set(self.services) | {alias for svc in spec.services for alias in svc.aliases}
        self.repos = {svc.repo for svc in spec.services if svc.repo}
        self.owner = {name: svc.name for svc in spec.services for name in svc.instance_names}
        self.times = grid(self.start, self.end, scenario.telemetry.step_seconds)
        self.problems: list[str] = []
        self.warnings: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def _unique(self, where: str, what: str, keys: Iterable[str]) -> None:
        """A problem for each key that occurs more than once."""
        for name, count in Counter(keys).items():
            if count > 1:
                self.add(where, f"duplicate {what} {name!r}")

    def warn(self, where: str, message: str) -> None:
        self.warnings.append(f"{where}: {message}")

    def service(self, where: str, name: str) -> bool:
        if name in self.services:
            return True
        self.add(where, f"unknown service {name!r}")
        return False

    def instances(self, where: str, service: str, instances: list[str] | None) -> None:
        if instances is None or service not in self.services:
            return
        known = set(self.services[service].instance_names)
        for name in instances:
            if name not in known:
                self.add(where, f"unknown instance {name!r} of {service} (known: {', '.join(sorted(known))})")

    def in_window(self, where: str, moment: datetime, *, early_ok: bool = False) -> None:
        # Commits and pull requests may predate the window (they ship later); nothing may come after it.
        if moment > self.end or (moment < self.start and not early_ok):
            self.add(
                where,
                f"time {moment.isoformat()} is outside the window {self.start.isoformat()} .. {self.end.isoformat()}",
            )

    def floor(self, where: str, service: str, series: SeriesSpec) -> None:
        """A curve that goes below its floor would be clipped silently: say so unless `min` was set on purpose."""
        if "min" in series.model_fields_set:
            return
        bare = series.model_copy(update={"noise": 0.0, "min": float("-inf")})
        names = self.services[service].instance_names if service in self.services else [service]
        quiet = np.random.default_rng(0)  # noise is 0: the generator is never drawn from
        lowest = min(float(expand_series(bare, self.times, quiet, name).min()) for name in names)
        if lowest < series.min:
            self.warn(
                where,
                f"goes down to {lowest:g}, below {series.min:g}, where it would be clipped; "
                "fix the baseline or anomalies, or set `min` to say clipping is meant",
            )

    def check(self) -> list[str]:
        self._topology()
        self._telemetry()
        self._changes()
        self._chat_and_code()
        return self.problems

    def _topology(self) -> None:
        spec = self.s.spec
        self._unique(f"{SCENARIO_FILE}: services", "service", (svc.name for svc in spec.services))
        for i, edge in enumerate(spec.edges):
            self.service(f"{SCENARIO_FILE}: edges.{i}.caller", edge.caller)
            self.service(f"{SCENARIO_FILE}: edges.{i}.callee", edge.callee)
            if edge.caller == edge.callee:
                self.add(f"{SCENARIO_FILE}: edges.{i}", "a service cannot depend on itself")
        for i, ticket in enumerate((spec.ticket, *spec.other_tickets)):
            where = f"{SCENARIO_FILE}: {'ticket' if i == 0 else f'other_tickets.{i - 1}'}"
            for name in ticket.services:
                if name not in self.names:
                    self.add(f"{where}.services", f"unknown service {name!r}")
        if spec.ticket.created < self.start:
            self.add(f"{SCENARIO_FILE}: ticket.created", "the ticket is created before the window starts")
        for i, svc in enumerate(spec.services):
            self.instances(f"{SCENARIO_FILE}: services.{i}.instance_labels", svc.name, list(svc.instance_labels))

    def _telemetry(self) -> None:
        t = self.s.telemetry
        for service, metrics in t.metrics.items():
            if not self.service(f"telemetry.yaml: metrics.{service}", service):
                continue
            for metric, series in metrics.items():
                self.floor(f"telemetry.yaml: metrics.{service}.{metric}", service, series)
                for i, anomaly in enumerate(series.anomalies):
                    where = f"telemetry.yaml: metrics.{service}.{metric}.anomalies.{i}"
                    self.in_window(f"{where}.start", anomaly.start)
                    self.in_window(f"{where}.end", anomaly.end)
                    self.instances(f"{where}.instances", service, anomaly.instances)
        minutes = (self.end - self.start).total_seconds() / 60.0
        expected = 0.0
        for i, pattern in enumerate(t.log_patterns):
            where = f"telemetry.yaml: log_patterns.{i}"
            self.service(f"{where}.service", pattern.service)
            self.instances(f"{where}.instances", pattern.service, pattern.instances)
            self.floor(f"{where}.rate", pattern.service, pattern.rate)
            for j, anomaly in enumerate(pattern.rate.anomalies):
                self.in_window(f"{where}.rate.anomalies.{j}.start", anomaly.start)
                self.in_window(f"{where}.rate.anomalies.{j}.end", anomaly.end)
            peak = pattern.rate.baseline + sum(abs(a.value) for a in pattern.rate.anomalies if a.mode == "add")
            expected += max(peak, 0.0) * minutes
        if expected > MAX_LOG_LINES:
            self.add("telemetry.yaml: log_patterns", f"up to {expected:.0f} log lines; keep under {MAX_LOG_LINES}")
        for i, line in enumerate(t.log_lines):
            where = f"telemetry.yaml: log_lines.{i}"
            self.service(f"{where}.service", line.service)
            self.in_window(f"{where}.at", line.at)
            if line.instance:
                self.instances(f"{where}.instance", line.service, [line.instance])
        for i, trace in enumerate(t.traces):
            ids = Counter(span.id for span in trace.spans)
            by_id = {span.id: span for span in trace.spans}
            for j, span in enumerate(trace.spans):
                where = f"telemetry.yaml: traces.{i}.spans.{j}"
                self.service(f"{where}.service", span.service)
                if ids[span.id] > 1:
                    self.add(f"{where}.id", f"duplicate span id {span.id!r}")
                if span.parent is not None and span.parent not in ids:
                    self.add(f"{where}.parent", f"unknown span {span.parent!r}")
            for j, anomaly in enumerate(trace.anomalies):
                where = f"telemetry.yaml: traces.{i}.anomalies.{j}"
                span = by_id.get(anomaly.span)
                if span is None:
                    self.add(f"{where}.span", f"unknown span {anomaly.span!r}")
                else:
                    self.instances(f"{where}.instances", span.service, anomaly.instances)
                    if anomaly.add_queue_ms and span.link != "async":
                        self.add(f"{where}.add_queue_ms", f"span {span.id!r} is not async (link: async)")
                self.in_window(f"{where}.start", anomaly.start)
                self.in_window(f"{where}.end", anomaly.end)

    def _changes(self) -> None:
        c = self.s.changes
        shas = [commit.sha for commit in c.commits]
        for sha, count in Counter(shas).items():
            if count > 1:
                self.add("changes.yaml: commits", f"duplicate commit {sha}")
        for i, commit in enumerate(c.commits):
            where = f"changes.yaml: commits.{i}"
            if self.service(f"{where}.service", commit.service):
                self._repo_matches(f"{where}.repo", commit.service, commit.repo)
            self.in_window(f"{where}.at", commit.at, early_ok=True)
        for i, pr in enumerate(c.pull_requests):
            where = f"changes.yaml: pull_requests.{i}"
            if self.service(f"{where}.service", pr.service):
                self._repo_matches(f"{where}.repo", pr.service, pr.repo)
            self.in_window(f"{where}.at", pr.at, early_ok=True)
            self._commits(f"{where}.commits", pr.commits, shas)
        self._unique("changes.yaml: deployments", "deployment id", (d.id for d in c.deployments))
        for i, deploy in enumerate(c.deployments):
            where = f"changes.yaml: deployments.{i}"
            self.service(f"{where}.service", deploy.service)
            self.instances(f"{where}.instances", deploy.service, deploy.instances)
            self.in_window(f"{where}.at", deploy.at)
            self._commits(f"{where}.commits", deploy.commits, shas)
            self._deploy_steps(where, deploy)
        self._unique("changes.yaml: flags", "flag", (f.key for f in c.flags))
        for i, flag in enumerate(c.flags):
            where = f"changes.yaml: flags.{i}"
            self.service(f"{where}.service", flag.service)
            for j, step in enumerate(flag.history):
                self.in_window(f"{where}.history.{j}.at", step.at)
                if j and step.at < flag.history[j - 1].at:
                    self.add(f"{where}.history.{j}.at", "history must be in time order")
        self._unique("changes.yaml: config_changes", "config change id", (cfg.id for cfg in c.config_changes))
        for i, cfg in enumerate(c.config_changes):
            where = f"changes.yaml: config_changes.{i}"
            self.service(f"{where}.service", cfg.service)
            self.in_window(f"{where}.at", cfg.at)
        self._unique("changes.yaml: infrastructure", "infrastructure event id", (e.id for e in c.infrastructure))
        for i, event in enumerate(c.infrastructure):
            where = f"changes.yaml: infrastructure.{i}"
            for j, name in enumerate(event.services):
                self.service(f"{where}.services.{j}", name)
            for j, name in enumerate(event.instances):
                if name not in self.owner:
                    self.add(f"{where}.instances.{j}", f"unknown instance {name!r}")
            if not event.services and not event.instances:
                self.add(where, "name the services or instances it touched")
            self.in_window(f"{where}.at", event.at)

    def _deploy_steps(self, where: str, deploy: DeploymentSpec) -> None:
        previous = deploy.at
        for j, step in enumerate(deploy.steps):
            self.in_window(f"{where}.steps.{j}.at", step.at)
            self.instances(f"{where}.steps.{j}.instances", deploy.service, step.instances)
            if step.at < previous:
                self.add(f"{where}.steps.{j}.at", "steps must be in time order, after the deploy's `at`")
            previous = step.at
        if deploy.steps:
            last = deploy.steps[-1].status
            final = "in_progress" if last == "resumed" else last
            if final != deploy.status:
                self.add(f"{where}.status", f"is {deploy.status!r} but the last step says {final!r}")

    def _repo_matches(self, where: str, service: str, repo: str) -> None:
        expected = self.services[service].repo
        if expected and repo != expected:
            self.add(where, f"repo {repo!r} is not the repo of {service} ({expected!r})")

    def _commits(self, where: str, refs: list[str], shas: list[str]) -> None:
        for ref in refs:
            if not any(sha.startswith(ref) or ref.startswith(sha) for sha in shas):
                self.add(where, f"unknown commit {ref!r}")

    def _chat_and_code(self) -> None:
        self._unique("chat.yaml: threads", "thread id", (t.id for t in self.s.chat.threads))
        for i, thread in enumerate(self.s.chat.threads):
            for j, message in enumerate(thread.messages):
                self.in_window(f"chat.yaml: threads.{i}.messages.{j}.at", message.at)
                if j and message.at < thread.messages[j - 1].at:
                    self.warn(
                        f"chat.yaml: threads.{i}.messages.{j}.at",
                        f"{message.at.isoformat()} is before the message above it: a thread must be in time order",
                    )
        seen: set[tuple[str, str]] = set()
        for i, file in enumerate(self.s.code.files):
            if file.repo not in self.repos:
                self.add(f"code.yaml: files.{i}.repo", f"unknown repo {file.repo!r} (no service has it)")
            if (file.repo, file.path) in seen:
                self.add(f"code.yaml: files.{i}.path", f"duplicate file {file.repo}:{file.path}")
            seen.add((file.repo, file.path))


def _check_truth(scenario: Scenario, truth: TruthSpec) -> list[str]:
    """The truth must name things that exist in the scenario."""
    problems: list[str] = []
    services = {svc.name for svc in scenario.spec.services}
    if truth.root_cause_service not in services:
        problems.append(f"{TRUTH_FILE}: root_cause_service: unknown service {truth.root_cause_service!r}")
    for i, name in enumerate(truth.accept_root_cause_services):
        if name not in services:
            problems.append(f"{TRUTH_FILE}: accept_root_cause_services.{i}: unknown service {name!r}")
    ref, kind = truth.pinpoint.ref, truth.pinpoint.kind
    changes = scenario.changes
    known: set[str]
    if kind == "change":
        known = {c.sha for c in changes.commits} | {d.id for d in changes.deployments}
        known |= {f"pr-{pr.number}" for pr in changes.pull_requests}
        found = ref in known or any(len(ref) >= 7 and c.sha.startswith(ref) for c in changes.commits)
        label = "commit, deployment or pr-N"
    elif kind == "feature_flag":
        found, label = ref in {f.key for f in changes.flags}, "flag key"
    elif kind == "config":
        found, label = ref in {c.key for c in changes.config_changes}, "config key"
    elif kind == "resource":
        metrics = {m for per_service in scenario.telemetry.metrics.values() for m in per_service}
        found, label = ref in metrics or ref in services, "metric name or service"
    elif kind == "code":
        path = ref.replace("#", ":").split(":")[0]
        found, label = any(f.path == path for f in scenario.code.files), "code path[:line]"
    else:
        operations = {span.operation for trace in scenario.telemetry.traces for span in trace.spans}
        texts = [f.content for f in scenario.code.files] + [p.message for p in scenario.telemetry.log_patterns]
        found = ref in operations or any(ref in text for text in texts)
        label = "span operation or text in code/logs"
    if not found:
        problems.append(f"{TRUTH_FILE}: pinpoint.ref: {kind} {ref!r} not found (expected a {label} of the scenario)")
    return problems
