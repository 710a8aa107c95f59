"""Turns the changes of a scenario (commits, PRs, deploys, flag steps, config edits) into `Change` records."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphs.contracts import Change, FlagState, LogLine
from tools.worlds.scenarios.schema import ChangesSpec, CommitSpec, DeploymentSpec, InfraEventSpec


def _pct(value: float) -> str:
    return f"{value:g}%"


@dataclass(slots=True)
class ChangeLog:
    commits: list[Change] = field(default_factory=list)
    pull_requests: list[Change] = field(default_factory=list)
    deployments: list[Change] = field(default_factory=list)
    rollouts: list[Change] = field(default_factory=list)
    flags: list[FlagState] = field(default_factory=list)

    def all(self) -> list[Change]:
        return [*self.commits, *self.pull_requests, *self.deployments, *self.rollouts]


def _story(deploy: DeploymentSpec) -> str:
    """`succeeded`, or the turns it took: `held, then succeeded`."""
    turns = [step.status for step in deploy.steps if step.status != "resumed"]
    if not turns:
        return deploy.status
    return ", then ".join(dict.fromkeys([*turns[:-1], deploy.status]))


def _steps(deploy: DeploymentSpec) -> str:
    lines = []
    for step in deploy.steps:
        where = f" instances: {', '.join(step.instances)}" if step.instances else ""
        note = f" ({step.note})" if step.note else ""
        lines.append(f"- {step.at.isoformat()} {step.status}{where}{note}")
    return "steps:\n" + "\n".join(lines) + "\n" if lines else ""


def infrastructure_lines(events: list[InfraEventSpec], owners: dict[str, str]) -> list[LogLine]:
    """Each platform event as WARN lines on the services (and instances) it touched, at its start and end.

    `owners` maps instance names to their service."""
    lines = []
    for event in events:
        where = f"{event.target} ({event.provider})" if event.provider else event.target
        text = f"infrastructure event {event.id}: {event.kind} of {where}"
        text += f": {event.description}" if event.description else ""
        services = [*event.services, *(owners[i] for i in event.instances if i in owners)]
        by_service = {s: [i for i in event.instances if owners.get(i) == s] for s in services}
        for service, instances in sorted(by_service.items()):
            for instance in instances or [""]:
                moments = [(event.at, "started")] + ([(event.end, "ended")] if event.end else [])
                for moment, phase in moments:
                    lines.append(
                        LogLine(
                            timestamp=moment.timestamp(),
                            service=service,
                            instance=instance,
                            level="WARN",
                            message=f"{text} [{phase}]",
                        )
                    )
    return lines


def _listed(shas: list[str], by_sha: dict[str, CommitSpec]) -> str:
    """One `- <sha> <title>` line per commit (the title when the scenario has the commit)."""
    return "\n".join(f"- {sha} {by_sha[sha].title if sha in by_sha else ''}".rstrip() for sha in shas)


def build_changes(spec: ChangesSpec) -> ChangeLog:
    log = ChangeLog()
    by_sha: dict[str, CommitSpec] = {c.sha: c for c in spec.commits}
    for c in spec.commits:
        log.commits.append(
            Change(
                id=c.sha,
                kind="commit",
                service=c.service,
                timestamp=c.at.timestamp(),
                author=c.author,
                title=c.title,
                ref=c.sha,
                diff=c.diff,
            )
        )
    for pr in spec.pull_requests:
        listed = _listed(pr.commits, by_sha)
        diffs = "\n".join(by_sha[sha].diff for sha in pr.commits if sha in by_sha)
        body = "\n\n".join(part for part in (pr.description.strip(), f"Commits:\n{listed}" if listed else "", diffs))
        log.pull_requests.append(
            Change(
                id=f"pr-{pr.number}",
                kind="pull_request",
                service=pr.service,
                timestamp=pr.at.timestamp(),
                author=pr.author,
                title=f"#{pr.number} {pr.title}",
                ref=pr.commits[-1] if pr.commits else "",
                diff=body,
            )
        )
    for d in spec.deployments:
        listed = _listed(d.commits, by_sha)
        scope = f"instances: {', '.join(d.instances)}" if d.instances else "instances: all"
        log.deployments.append(
            Change(
                id=d.id,
                kind="deploy",
                service=d.service,
                timestamp=d.at.timestamp(),
                author=d.author,
                title=f"deploy {d.service} {d.version} ({_story(d)})",
                ref=d.version,
                diff=f"version: {d.version}\nstatus: {d.status}\n{scope}\n{_steps(d)}commits:\n{listed}".rstrip(),
            )
        )
    for flag in spec.flags:
        percent = flag.initial_percent
        for step in flag.history:
            cohort = f" cohort={step.cohort}" if step.cohort else ""
            lines = [f"rollout_percent: {_pct(percent)} -> {_pct(step.to_percent)}"]
            lines += [f"cohort: {step.cohort}"] if step.cohort else []
            lines += [f"note: {step.note}"] if step.note else []
            log.rollouts.append(
                Change(
                    id=f"flag:{flag.key}@{step.at.strftime('%Y%m%dT%H%M%S')}",
                    kind="feature_flag",
                    service=flag.service,
                    timestamp=step.at.timestamp(),
                    author=step.author,
                    title=f"{flag.key} {_pct(percent)} -> {_pct(step.to_percent)}{cohort}",
                    ref=flag.key,
                    diff="\n".join(lines),
                )
            )
            percent = step.to_percent
        log.flags.append(
            FlagState(key=flag.key, service=flag.service, enabled=percent > 0, rollout_percent=percent,
                      description=flag.description)
        )  # fmt: skip
    for cfg in spec.config_changes:
        log.rollouts.append(
            Change(
                id=cfg.id,
                kind="config",
                service=cfg.service,
                timestamp=cfg.at.timestamp(),
                author=cfg.author,
                title=cfg.title or f"{cfg.key}: {cfg.before} -> {cfg.after}",
                ref=cfg.key,
                diff=f"- {cfg.key}: {cfg.before}\n+ {cfg.key}: {cfg.after}",
            )
        )
    for bucket in (log.commits, log.pull_requests, log.deployments, log.rollouts):
        bucket.sort(key=lambda change: (change.timestamp, change.id))
    return log
