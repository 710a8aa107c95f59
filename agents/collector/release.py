"""provide_release_context: deploys, commits, pull requests, flag rollouts and config changes in the window."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from agents.analysis.libraries import dependency_bumps, registry_names, shipped_commits
from agents.collector.common import Collected, window_args
from agents.evidence import from_result
from agents.services import NodeServices
from graphs.contracts import Capability, CapabilityTask, Change, EvidenceKind, InvestigationRequest, TimeWindow
from tools.gateway.models import ToolResult

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


class Ask(NamedTuple):
    """One question of the release context: an interface operation over the window, for a service or for all."""

    interface: str
    operation: str
    what: str
    service: str | None


async def release_context(task: CapabilityTask, request: InvestigationRequest, services: NodeServices) -> Collected:
    out = Collected(task.capability)
    window = task.scope.window
    asks = [Ask(iface, op, what, svc) for iface, op, what in SOURCES for svc in task.scope.services or [None]]
    answered = list(zip(asks, await _ask_all(asks, window, services), strict=True))
    if not task.scope.services:
        answered = await _asked_per_service(answered, window, services)
    for ask, result in answered:
        data = out.payload(result, ask.what, window)
        for raw in (data or {}).get("changes", []):
            change = Change.model_validate(raw)
            out.evidence.append(change_evidence(task.capability, result, change))
    await _shipped_libraries(out, task, services)
    return out


async def _ask_all(asks: list[Ask], window: TimeWindow, services: NodeServices) -> list[ToolResult]:
    return await asyncio.gather(
        *(services.gateway.call(a.interface, a.operation, window_args(window, service=a.service)) for a in asks)
    )


async def _asked_per_service(
    answered: list[tuple[Ask, ToolResult]], window: TimeWindow, services: NodeServices
) -> list[tuple[Ask, ToolResult]]:
    """Where a vendor tool cannot express a window-wide question (a version-control server that lists one repository
    at a time), the same question once per service the log system knows."""
    if not any(result.error_kind == "inexpressible" for _, result in answered):
        return answered
    known = await services.gateway.call("log-system", "list_services", {})
    names = [str(n) for n in ((known.data or {}).get("services") or [])][:MAX_SERVICES_ASKED] if known.ok else []
    kept: list[tuple[Ask, ToolResult]] = []
    for ask, result in answered:
        per_service = [ask._replace(service=name) for name in names] if result.error_kind == "inexpressible" else []
        got = [(a, r) for a, r in zip(per_service, await _ask_all(per_service, window, services), strict=True) if r.ok]
        kept.extend(got or [(ask, result)])  # nothing answered per service: the first answer is the absence recorded
    return kept


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
