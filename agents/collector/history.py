"""provide_history_context: similar past incidents with their verified root causes (a prior, never proof)."""

from __future__ import annotations

from agents.collector.common import Collected
from agents.services import NodeServices
from graphs.contracts import CapabilityTask, Evidence, EvidenceKind, InvestigationRequest

MEMORY_KEY = "incident_memory"
MATCHES = 3


async def history_context(task: CapabilityTask, request: InvestigationRequest, services: NodeServices) -> Collected:
    out = Collected(task.capability)
    memory = services.extras.get(MEMORY_KEY)
    if memory is None:
        return out
    matches = await memory.search(request.text, tenant=request.tenant, limit=MATCHES)
    out.tool_calls += 1
    for match in matches:
        past = match.incident
        cause = past.services[0] if past.services else "unknown"
        out.evidence.append(
            Evidence(
                id=Evidence.make_id("history", past.tenant, past.id),
                capability=task.capability,
                interface="incident-memory",
                provider=getattr(memory, "provider", type(memory).__name__),
                kind=EvidenceKind.history,
                service=cause,
                summary=f"similar past incident {past.id} ({past.started_at:%Y-%m-%d}): {past.title} — "
                f"verified root cause {cause} ({past.fault_type.value}) by {past.verified_by or 'unknown'}",
                data={
                    "incident_id": past.id,
                    "root_cause": past.root_cause,
                    "fault_type": past.fault_type.value,
                    "pinpoint": past.pinpoint.model_dump(),
                    "similarity": round(match.score, 4),
                    "verified_by": past.verified_by,
                    "investigation_id": past.investigation_id,
                },
            )
        )
    return out
