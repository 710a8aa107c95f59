"""Planner: emits capability tasks (never tool calls): a first sweep, then targeted checks for a verdict's gaps."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from langchain_core.runnables import RunnableConfig

from agents.services import get_services
from graphs.contracts import (
    Capability,
    CapabilityTask,
    Hypothesis,
    InvestigationRequest,
    RequestKind,
    Scope,
    TimeWindow,
    Verdict,
    VerdictStatus,
)

TICKET_COMMIT_LOOKBACK_HOURS = 24


async def planner(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    settings = get_services(config).settings
    request = InvestigationRequest.model_validate(state["request"])
    scope = Scope.model_validate(state["scope"])
    iteration = state.get("iteration", 0)
    if iteration == 0:
        tasks = first_sweep(request, scope, settings.release_lookback_minutes)
    else:
        hypotheses = [Hypothesis.model_validate(h) for h in state.get("hypotheses", [])]
        verdicts = [Verdict.model_validate(v) for v in state.get("verdicts", [])]
        tasks = follow_ups(scope, hypotheses, verdicts, iteration)
    return {"tasks": [t.model_dump(mode="json") for t in tasks]}


def first_sweep(request: InvestigationRequest, scope: Scope, release_lookback_minutes: int) -> list[CapabilityTask]:
    # the named service is where the symptom shows, not necessarily where the cause is: look at every change
    ticket = request.kind is RequestKind.ticket or bool(request.ticket_key)
    # a ticket's window reaches back before its symptoms; commits may be older than the deploy that ships them
    release_start = (
        scope.window.start - timedelta(hours=TICKET_COMMIT_LOOKBACK_HOURS)
        if ticket
        else scope.window.end - timedelta(minutes=release_lookback_minutes)
    )
    release_scope = scope.model_copy(
        update={"services": [], "window": TimeWindow(start=release_start, end=scope.window.end)}
    )
    tasks = [
        _task(Capability.provide_runtime_context, scope, "metrics, logs and traces of every service in the window", 0),
        _task(Capability.provide_dependency_context, scope, "who calls whom, to tell causes from symptoms", 0),
        _task(Capability.provide_release_context, release_scope, "deploys, commits, flags and config before onset", 0),
        _task(Capability.provide_team_context, scope, "what people said about it (a lead, never proof)", 0),
        _task(Capability.provide_history_context, scope, "similar past incidents and their verified causes", 0),
    ]
    if ticket:
        tasks.insert(0, _task(Capability.provide_bug_context, scope, "identifiers, times and errors of the ticket", 0))
        tasks.append(_task(Capability.provide_code_context, scope, "the code behind the errors the ticket quotes", 0))
    return tasks


def follow_ups(
    scope: Scope, hypotheses: list[Hypothesis], verdicts: list[Verdict], iteration: int
) -> list[CapabilityTask]:
    """One verify task per declined hypothesis (the top few), aimed at the checklist items that failed."""
    declined = {v.hypothesis_id: v for v in verdicts if v.status is VerdictStatus.declined}
    tasks: list[CapabilityTask] = []
    for hypothesis in hypotheses[:3]:
        verdict = declined.get(hypothesis.id)
        if verdict is None or not verdict.gaps:
            continue
        wide = scope.model_copy(
            update={
                "services": [hypothesis.service],
                "window": TimeWindow(start=scope.window.start - timedelta(hours=24), end=scope.window.end),
            }
        )
        gaps = ", ".join(g.value for g in verdict.gaps)
        tasks.append(
            _task(
                Capability.verify_root_cause,
                wide,
                f"close gaps [{gaps}] of {hypothesis.service}",
                iteration,
                parent=hypothesis.id,
            )
        )
    return tasks


def _task(
    capability: Capability, scope: Scope, reason: str, iteration: int, parent: str | None = None
) -> CapabilityTask:
    return CapabilityTask(
        id=f"{capability.value}-{iteration}-{len(scope.services)}-{parent or 'all'}",
        capability=capability,
        scope=scope,
        reason=reason,
        parent_hypothesis=parent,
        iteration=iteration,
    )
