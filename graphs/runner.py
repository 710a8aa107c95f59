"""Running the graph outside a server: the CLI, evaluations and tests open a session and run investigations."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager, nullcontext
from typing import Any

from langgraph.types import Command
from pydantic import BaseModel, ConfigDict

from agents.collector.context import GRAPH_KEY
from agents.collector.history import MEMORY_KEY
from agents.services import SERVICES_KEY, NodeServices
from graphs.contracts import InvestigationRequest, Report
from graphs.deadletters import dead_letter_store, failure_letter, record_failure
from graphs.instrument import AUDIT_LOG_KEY, open_audit_log
from graphs.investigation import build_graph
from graphs.metrics import STARTED_AT_KEY
from graphs.settings import Settings
from graphs.tracing import with_trace_context
from memory.audit import AuditTrail, bind_trail, record_tool_result
from memory.checkpointers import open_checkpointer
from memory.depgraph import open_dependency_graph
from memory.incidents import has_incident_memory, open_incident_memory
from tools.gateway.gateway import Gateway
from tools.telemetry import investigation_span

UpdateHook = Callable[[str, dict[str, Any]], None]


class RunOutcome(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    investigation_id: str
    report: Report | None
    interrupted: bool = False
    pending_actions: list[dict[str, Any]] = []


class InvestigationSession:
    """A compiled graph with its checkpointer and services, reused across investigations."""

    def __init__(self, services: NodeServices, checkpointer: Any) -> None:
        self.services = services
        self.graph = build_graph().compile(checkpointer=checkpointer, name="investigation")

    def config(self, thread_id: str) -> dict[str, Any]:
        return {"configurable": {"thread_id": thread_id, SERVICES_KEY: self.services}, "recursion_limit": 100}

    async def run(
        self,
        request: InvestigationRequest | None,
        *,
        thread_id: str | None = None,
        resume: Any = None,
        on_update: UpdateHook | None = None,
    ) -> RunOutcome:
        """Start (request), continue after a crash (request None), or answer an approval (resume)."""
        thread_id = thread_id or uuid.uuid4().hex
        config = self.config(thread_id)
        config["configurable"][STARTED_AT_KEY] = time.time()
        if resume is not None:
            payload: Any = Command(resume=resume)
        elif request is not None:
            payload = {"request": request.model_dump(mode="json")}
        else:
            payload = None
        log = self.services.extras.get(AUDIT_LOG_KEY)
        tenant = request.tenant if request else await self._tenant_of(config)
        trail = AuditTrail(log, thread_id, tenant=tenant) if log is not None else None
        with investigation_span(thread_id), bind_trail(trail) if trail else nullcontext():
            try:
                # sync durability: each step's checkpoint is stored before the next starts, so a SIGKILL loses at
                # most the step in flight and --resume never re-runs a finished node
                async for chunk in self.graph.astream(
                    payload, with_trace_context(config), stream_mode="updates", durability="sync"
                ):
                    for node, update in chunk.items():
                        if on_update is not None and node != "__interrupt__":
                            on_update(node, update if isinstance(update, dict) else {})
            except Exception as error:
                if not getattr(error, "pm_dead_lettered", False):  # failed outside a node (e.g. a checkpoint)
                    state = {
                        "investigation_id": thread_id,
                        "request": payload.get("request") if isinstance(payload, dict) else None,
                    }
                    await record_failure(self.services, failure_letter(None, state, config, error))
                    error.pm_dead_lettered = True  # type: ignore[attr-defined]
                raise
        return await self.outcome(thread_id)

    async def redrive(self, investigation_id: str, *, on_update: UpdateHook | None = None) -> RunOutcome:
        """Run a dead investigation again: from its last checkpoint, or from its input when it has none."""
        store = dead_letter_store(self.services)
        letter = await store.get(investigation_id)
        if letter is None:
            raise KeyError(investigation_id)
        await store.put(letter.model_copy(update={"redrives": letter.redrives + 1}))
        if await self.has_thread(investigation_id):
            return await self.run(None, thread_id=investigation_id, on_update=on_update)
        request = InvestigationRequest.model_validate((letter.inputs or {}).get("request") or {})
        return await self.run(request, thread_id=investigation_id, on_update=on_update)

    async def _tenant_of(self, config: dict[str, Any]) -> str:
        """The tenant a resumed investigation was started for (its audit events keep belonging to it)."""
        snapshot = await self.graph.aget_state(config)
        return str(((snapshot.values or {}).get("request") or {}).get("tenant", "default"))

    async def outcome(self, thread_id: str) -> RunOutcome:
        snapshot = await self.graph.aget_state(self.config(thread_id))
        values = snapshot.values or {}
        pending = [i.value for task in snapshot.tasks for i in task.interrupts]
        report = Report.model_validate(values["report"]) if values.get("report") else None
        return RunOutcome(
            investigation_id=thread_id,
            report=report,
            interrupted=bool(pending),
            pending_actions=[a for p in pending if isinstance(p, dict) for a in p.get("actions", [])],
        )

    async def has_thread(self, thread_id: str) -> bool:
        snapshot = await self.graph.aget_state(self.config(thread_id))
        return bool(snapshot.values)


@asynccontextmanager
async def open_session(settings: Settings, *, gateway: Gateway | None = None) -> AsyncIterator[InvestigationSession]:
    async with AsyncExitStack() as stack:
        if gateway is None:
            gateway = await stack.enter_async_context(Gateway.from_settings(settings, on_call=record_tool_result))
        checkpointer = await stack.enter_async_context(open_checkpointer(settings))
        extras: dict[str, Any] = {AUDIT_LOG_KEY: open_audit_log(settings)}
        extras[GRAPH_KEY] = await stack.enter_async_context(open_dependency_graph(settings))
        if has_incident_memory(settings):
            extras[MEMORY_KEY] = await stack.enter_async_context(open_incident_memory(settings))
        services = NodeServices(settings=settings, gateway=gateway, extras=extras)
        yield InvestigationSession(services, checkpointer)


async def run_investigation(
    request: InvestigationRequest, settings: Settings, *, thread_id: str | None = None
) -> RunOutcome:
    async with open_session(settings) as session:
        return await session.run(request, thread_id=thread_id)
