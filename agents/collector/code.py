"""provide_code_context: where in the code an error the ticket quotes comes from (file:line)."""

from __future__ import annotations

from agents.collector.common import Collected
from agents.evidence import from_result
from agents.services import NodeServices
from graphs.contracts import Capability, CapabilityTask, CodeHit, Evidence, EvidenceKind, InvestigationRequest
from tools.gateway.models import ToolResult

MAX_QUERIES = 4
HITS_PER_QUERY = 5


async def code_context(task: CapabilityTask, request: InvestigationRequest, services: NodeServices) -> Collected:
    out = Collected(task.capability)
    for query in task.scope.identifiers.get("error_code", [])[:MAX_QUERIES]:
        result = await services.gateway.call("code-search", "search_code", {"query": query, "limit": HITS_PER_QUERY})
        for raw in (out.payload(result, f"code for '{query}'") or {}).get("hits", []):
            out.evidence.append(code_evidence(task.capability, result, CodeHit.model_validate(raw), query))
    return out


def code_evidence(
    capability: Capability, result: ToolResult, hit: CodeHit, query: str, service: str | None = None
) -> Evidence:
    return from_result(
        capability,
        result,
        kind=EvidenceKind.code,
        key=("code", hit.repo, hit.path, hit.line),
        summary=f"{hit.repo}/{hit.path}:{hit.line}: {hit.snippet[:160]}",
        service=service,
        data={**hit.model_dump(mode="json"), "query": query, "signal": f"{hit.path}:{hit.line}"},
    )
