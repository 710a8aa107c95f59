"""provide_release_context: deploys, commits, pull requests, flag rollouts and config changes in the window."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from agents.analysis.libraries import dependency_bumps, registry_names, shipped_commits
from agents.collector.common import Collected, window_args
from agents.evidence import from_result
from agents.services import NodeServices
from graphs.contracts import Capability, CapabilityTask, Change, EvidenceKind, InvestigationRequest, TimeWindow
from tools.gateway.models import ToolResult, ToolStatus

SOURCES = (
    ("version-control", "list_deployments", "deployments"),
    ("version-control", "list_commits", "commits"),
    ("version-control", "list_prs", "pull requests"),
    ("feature-flags", "get_rollout_history", "flag and config changes"),
)
DIFF_LIMIT = 4000
MAX_SHIPPED = 30  # older commits a window's deploys ship, fetched to see which dependencies they move
MAX_LIBRARIES = 5
MAX_SERVICES_ASKED = 25  # per-service questions when a provider cannot answer for the whole window
LIBRARY_LOOKBACK = timedelta(days=30)  # a library's release may come weeks before its consumers ship it


async def release_context(task: CapabilityTask, request: InvestigationRequest, services: NodeServices) -> Collected:
    out = Collected(task.capability)
    services_in_scope = task.scope.services or [None]
    calls = [(iface, op, what, svc) for iface, op, what in SOURCES for svc in services_in_scope]
    results = await asyncio.gather(
        *(services.gateway.call(iface, op, window_args(task.scope.window, service=svc)) for iface, op, _, svc in calls)
    )
    answered = list(zip(calls, results, strict=True))
    if not task.scope.services:
        answered = await _asked_per_service(answered, task, services)
    for (_, _, what, _), result in answered:
        data = out.payload(result, what, task.scope.window)
        for raw in (data or {}).get("changes", []):
            change = Change.model_validate(raw)
            out.evidence.append(change_evidence(task.capability, result, change))
    await _shipped_libraries(out, task, services)
    return out


Answered = list[tuple[tuple[str, str, str, str | None], ToolResult]]


async def _asked_per_service(answered: Answered, task: CapabilityTask, services: NodeServices) -> Answered:
    """Ask again per known service where a provider refused a window-wide question (a version-control server that
    lists one repository at a time cannot answer 'every deploy in the window')."""
    failed = [i for i, ((iface, *_), result) in enumerate(answered) if iface == "version-control" and _refused(result)]
    if not failed:
        return answered
    known = await services.gateway.call("log-system", "list_services", {})
    names = [str(n) for n in ((known.data or {}).get("services") or [])][:MAX_SERVICES_ASKED] if known.ok else []
    if not names:
        return answered
    window = task.scope.window
    retries = [(i, name) for i in failed for name in names]
    results = await asyncio.gather(
        *(
            services.gateway.call(answered[i][0][0], answered[i][0][1], window_args(window, service=name))
            for i, name in retries
        )
    )
    kept: Answered = []
    for index, item in enumerate(answered):
        got = [
            ((*item[0][:3], name), result)
            for (i, name), result in zip(retries, results, strict=True)
            if i == index and result.status is ToolStatus.ok
        ]
        kept.extend(got or [item])  # nothing answered per service either: the first failure is the absence recorded
    return kept


def _refused(result: ToolResult) -> bool:
    """The provider failed, or its vendor tool could not express the question, rather than found nothing."""
    return result.status in (ToolStatus.error, ToolStatus.refused) or result.error_kind == "inexpressible"


async def _shipped_libraries(out: Collected, task: CapabilityTask, services: NodeServices) -> None:
    """Commits the window's deploys ship that move a dependency (older than the window, so not listed yet), and the
    recent changes of those dependencies that the service registry knows (in-house libraries with a repo)."""
    gateway = services.gateway
    known = {str(e.data.get("id")) for e in out.evidence if e.kind is EvidenceKind.change}
    wanted = [
        sha
        for e in out.evidence
        if e.kind is EvidenceKind.change and e.data.get("change_kind") == "deploy"
        for sha in shipped_commits(str(e.data.get("diff", "")))
        if not any(k.startswith(sha) or sha.startswith(k) for k in known if k)
    ]
    wanted = list(dict.fromkeys(wanted))[:MAX_SHIPPED]
    results = await asyncio.gather(*(gateway.call("version-control", "get_diff", {"ref": sha}) for sha in wanted))
    bumped: dict[str, float] = {}
    for result in results:
        raw = (out.payload(result, "a shipped commit") or {}).get("change")
        change = Change.model_validate(raw) if raw else None
        bumps = dependency_bumps(change.title, change.diff) if change else []
        if change and bumps:
            out.evidence.append(change_evidence(out.capability, result, change))
            for bump in bumps:
                bumped[bump.library] = min(bumped.get(bump.library, change.timestamp), change.timestamp)
    for library, at in sorted(bumped.items())[:MAX_LIBRARIES]:
        info = None
        for name in registry_names(library):
            resolved = await gateway.call("service-registry", "resolve_service", {"name": name})
            info = (resolved.data or {}).get("service") if resolved.ok else None
            if info:
                break
        if not info:
            continue  # a third-party package: its consumers' deploys stay the suspects
        start = datetime.fromtimestamp(at, UTC) - LIBRARY_LOOKBACK
        window = TimeWindow(start=start, end=task.scope.window.end)
        for op, what in (("list_commits", "library commits"), ("list_prs", "library pull requests")):
            result = await gateway.call("version-control", op, window_args(window, service=info["name"]))
            for raw in (out.payload(result, what, window) or {}).get("changes", []):
                change = Change.model_validate(raw)
                if change.id not in known:
                    known.add(change.id)
                    item = change_evidence(out.capability, result, change)
                    item.data["package"] = library  # the name consumers' manifests give it
                    out.evidence.append(item)


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
