"""Turns the changes of a scenario (commits, PRs, deploys, flag steps, config edits) into `Change` records."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphs.contracts import Change, FlagState
from tools.worlds.scenarios.schema import ChangesSpec, CommitSpec


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
        listed = "\n".join(f"- {sha} {by_sha[sha].title if sha in by_sha else ''}".rstrip() for sha in pr.commits)
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
        listed = "\n".join(f"- {sha} {by_sha[sha].title if sha in by_sha else ''}".rstrip() for sha in d.commits)
        scope = f"instances: {', '.join(d.instances)}" if d.instances else "instances: all"
        log.deployments.append(
            Change(
                id=d.id,
                kind="deploy",
                service=d.service,
                timestamp=d.at.timestamp(),
                author=d.author,
                title=f"deploy {d.service} {d.version} ({d.status})",
                ref=d.version,
                diff=f"version: {d.version}\nstatus: {d.status}\n{scope}\ncommits:\n{listed}".rstrip(),
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
