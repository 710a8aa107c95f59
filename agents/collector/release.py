"""provide_release_context: deploys, commits, pull requests, flag rollouts and config changes in the window."""

from __future__ import annotations

import asyncio

from agents.collector.common import Collected, window_args
from agents.evidence import from_result
from agents.services import NodeServices
from graphs.contracts import Capability, CapabilityTask, Change, EvidenceKind, InvestigationRequest, TimeWindow

SOURCES = (
    ("version-control", "list_deployments", "deployments"),
    ("version-control", "list_commits", "commits"),
    ("version-control", "list_prs", "pull requests"),
    ("feature-flags", "get_rollout_history", "flag and config changes"),
)
DIFF_LIMIT = 4000


async def release_context(task: CapabilityTask, request: InvestigationRequest, services: NodeServices) -> Collected:
    out = Collected(task.capability)
    services_in_scope = task.scope.services or [None]
    calls = [
        (iface, op, what, services.gateway.call(iface, op, window_args(task.scope.window, service=svc)))
        for iface, op, what in SOURCES
        for svc in services_in_scope
    ]
    results = await asyncio.gather(*(c[3] for c in calls))
    for (_, _, what, _), result in zip(calls, results, strict=True):
        data = out.payload(result, what, task.scope.window)
        for raw in (data or {}).get("changes", []):
            change = Change.model_validate(raw)
            out.evidence.append(change_evidence(task.capability, result, change))
    return out


def change_evidence(capability: Capability, result, change: Change):
    """One change as evidence; its relevance is the ranker's call, not the collector's."""
    diff = change.diff if len(change.diff) <= DIFF_LIMIT else change.diff[:DIFF_LIMIT] + "\n[diff truncated]"
    return from_result(
        capability,
        result,
        kind=EvidenceKind.change,
        key=(change.kind, change.id),
        summary=f"{change.kind} {change.id} on {change.service}: {change.title}",
        service=change.service,
        window=TimeWindow.model_validate({"start": change.timestamp, "end": change.timestamp + 1}),
        data={
            **change.model_dump(mode="json"),
            "diff": diff,
            "onset": change.timestamp,
            "change_kind": change.kind,
            # what names the change for a human: the flag or config key, else the commit, PR or deploy id
            "signal": change.ref if change.kind in ("feature_flag", "config") and change.ref else change.id,
        },
    )
