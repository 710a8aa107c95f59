"""verify_root_cause: targeted follow-ups for a hypothesis (older changes, error details, the code behind an error)."""

from __future__ import annotations

import asyncio
import re

from agents.collector.common import Collected, window_args
from agents.collector.release import change_evidence
from agents.evidence import from_result
from agents.services import NodeServices
from graphs.contracts import Capability, CapabilityTask, Change, EvidenceKind, InvestigationRequest

VARIABLE = re.compile(r"(\b[\w.-]*\d[\w.-]*\b|\([^)]*\)|'[^']*'|\"[^\"]*\")")


async def verify_root_cause(task: CapabilityTask, request: InvestigationRequest, services: NodeServices) -> Collected:
    out = Collected(Capability.verify_root_cause)
    gateway = services.gateway
    service = task.scope.services[0] if task.scope.services else None
    if service is None:
        return out
    deploys, flags, errors = await asyncio.gather(
        gateway.call("version-control", "list_deployments", window_args(task.scope.window, service=service)),
        gateway.call("feature-flags", "get_rollout_history", window_args(task.scope.window, service=service)),
        gateway.call("log-system", "get_error_details", window_args(task.scope.window, service=service)),
    )
    for result, what in ((deploys, f"deployments of {service}"), (flags, f"flag changes of {service}")):
        for raw in (out.payload(result, what, task.scope.window) or {}).get("changes", []):
            out.evidence.append(change_evidence(out.capability, result, Change.model_validate(raw)))
    error_lines = (out.payload(errors, f"error details of {service}", task.scope.window) or {}).get("errors", [])
    for phrase in _search_phrases([line["message"] for line in error_lines])[:2]:
        result = await gateway.call("code-search", "search_code", {"query": phrase, "limit": 5})
        for hit in (out.payload(result, f"code for '{phrase}'") or {}).get("hits", []):
            out.evidence.append(
                from_result(
                    out.capability,
                    result,
                    kind=EvidenceKind.code,
                    key=("code", hit["repo"], hit["path"], hit["line"]),
                    summary=f"{hit['repo']}/{hit['path']}:{hit['line']}: {hit['snippet'][:160]}",
                    service=service,
                    data={**hit, "signal": f"{hit['path']}:{hit['line']}"},
                )
            )
    return out


def _search_phrases(messages: list[str]) -> list[str]:
    """The most frequent error messages, cut before their first variable part: what grep would look for."""
    counts: dict[str, int] = {}
    for message in messages:
        head = VARIABLE.split(message, maxsplit=1)[0].strip(" :=-")
        if len(head) >= 12:
            counts[head] = counts.get(head, 0) + 1
    return sorted(counts, key=lambda k: -counts[k])
