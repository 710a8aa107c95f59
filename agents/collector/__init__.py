"""The collect node: one branch per capability task, each a worker that reaches data only through the gateway."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.runnables import RunnableConfig

from agents.collector.code import code_context
from agents.collector.common import Collected
from agents.collector.context import bug_context, dependency_context, team_context
from agents.collector.history import history_context
from agents.collector.release import release_context
from agents.collector.runtime import runtime_context
from agents.collector.verify import verify_root_cause
from agents.services import NodeServices, get_services
from graphs.contracts import Capability, CapabilityTask, InvestigationRequest

Worker = Callable[[CapabilityTask, InvestigationRequest, NodeServices], Awaitable[Collected]]

WORKERS: dict[Capability, Worker] = {
    Capability.provide_runtime_context: runtime_context,
    Capability.provide_release_context: release_context,
    Capability.provide_dependency_context: dependency_context,
    Capability.provide_team_context: team_context,
    Capability.provide_bug_context: bug_context,
    Capability.provide_code_context: code_context,
    Capability.verify_root_cause: verify_root_cause,
    Capability.provide_history_context: history_context,
}


async def collect(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    task = CapabilityTask.model_validate(state["task"])
    request = InvestigationRequest.model_validate(state["request"])
    worker = WORKERS.get(task.capability)
    if worker is None:
        return {"tool_calls": 0}
    collected = await worker(task, request, get_services(config))
    return {
        "evidence": [e.model_dump(mode="json") for e in collected.evidence],
        "tool_calls": collected.tool_calls,
    }
