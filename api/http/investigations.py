"""Start, attach to, read and resume investigations through the LangGraph API of this same server."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from langgraph_sdk.errors import NotFoundError

from agents.intake import redact_request
from api.http.context import ServingContext
from api.http.metrics import ALERTS_ATTACHED, INVESTIGATIONS_STARTED
from api.http.models import Accepted, InvestigationStatus, InvestigationView, PendingAction
from graphs.contracts import InvestigationRequest

DEDUP_KEY = "pm:dedup:{tenant}:{fingerprint}"
ATTACHED_KEY = "pm:attached:{thread_id}"
PENDING = "pending"
SETTLE_SECONDS = 15.0


class InvestigationNotFound(LookupError):
    """No investigation with this id for this tenant (another tenant's answers the same)."""


def status_url(thread_id: str) -> str:
    return f"/v1/investigations/{thread_id}"


async def start(ctx: ServingContext, request: InvestigationRequest) -> Accepted:
    """Create a thread tagged with tenant and source, and a background run of the investigation graph on it."""
    request = redact_request(request)  # before the runtime stores it as the run's input and the thread's state
    client = ctx.client_for(request.tenant)
    metadata = {"source": request.source, "kind": request.kind.value, "dedup_key": request.dedup_key or ""}
    thread = await client.threads.create(metadata=metadata)
    thread_id = thread["thread_id"]
    run = await client.runs.create(
        thread_id, ctx.settings.graph_id, input={"request": request.model_dump(mode="json")}, metadata=metadata
    )
    INVESTIGATIONS_STARTED.labels(source=request.source).inc()
    return Accepted(
        investigation_id=thread_id, thread_id=thread_id, run_id=run["run_id"], status_url=status_url(thread_id)
    )


async def start_or_attach(ctx: ServingContext, request: InvestigationRequest) -> Accepted:
    """An alert whose fingerprint matches an open investigation attaches to it; otherwise a new one starts."""
    request = redact_request(request)
    if not request.dedup_key:
        return await start(ctx, request)
    key = DEDUP_KEY.format(tenant=request.tenant, fingerprint=request.dedup_key)
    ttl = ctx.settings.dedup_ttl_seconds
    for _ in range(3):
        if await ctx.redis.set(key, PENDING, nx=True, ex=ttl):
            try:
                accepted = await start(ctx, request)
            except BaseException:
                await ctx.redis.delete(key)
                raise
            await ctx.redis.set(key, accepted.thread_id, ex=ttl)
            return accepted
        holder = await _settled(ctx, key)
        if holder and await _is_open(ctx, request.tenant, holder):
            await ctx.redis.rpush(ATTACHED_KEY.format(thread_id=holder), json.dumps(request.model_dump(mode="json")))
            await ctx.redis.expire(ATTACHED_KEY.format(thread_id=holder), ttl)
            ALERTS_ATTACHED.inc()
            return Accepted(investigation_id=holder, thread_id=holder, attached=True, status_url=status_url(holder))
        # the holder finished (or vanished): release its key, unless another delivery replaced it meanwhile
        await _delete_if_equal(ctx, key, holder)
    raise RuntimeError(f"could not claim or attach fingerprint {request.dedup_key!r}")


async def open_holder(ctx: ServingContext, request: InvestigationRequest) -> str | None:
    """The open investigation an alert with this dedup key would attach to, if any."""
    if not request.dedup_key:
        return None
    holder = await ctx.redis.get(DEDUP_KEY.format(tenant=request.tenant, fingerprint=request.dedup_key))
    return holder if holder and holder != PENDING and await _is_open(ctx, request.tenant, holder) else None


async def _settled(ctx: ServingContext, key: str) -> str | None:
    """The thread id behind a dedup key, waiting while another delivery is still creating it."""
    deadline = asyncio.get_running_loop().time() + SETTLE_SECONDS
    while True:
        value = await ctx.redis.get(key)
        if value != PENDING or asyncio.get_running_loop().time() > deadline:
            return None if value in (None, PENDING) else value
        await asyncio.sleep(0.05)


async def _delete_if_equal(ctx: ServingContext, key: str, value: str | None) -> None:
    script = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
    if value is not None:
        await ctx.redis.eval(script, 1, key, value)


async def _is_open(ctx: ServingContext, tenant: str, thread_id: str) -> bool:
    try:
        return (await view(ctx, tenant, thread_id)).status in ("queued", "running", "awaiting_approval")
    except InvestigationNotFound:
        return False


async def view(ctx: ServingContext, tenant: str, thread_id: str) -> InvestigationView:
    """Status, pending actions and report of one of the tenant's investigations."""
    client = ctx.client_for(tenant)
    try:
        thread = await client.threads.get(thread_id)
        state = await client.threads.get_state(thread_id)
    except NotFoundError:
        raise InvestigationNotFound(thread_id) from None
    values: dict[str, Any] = state.get("values") or {}
    pending = [
        PendingAction.model_validate(action)
        for task in state.get("tasks", [])
        for interrupt in task.get("interrupts", [])
        for action in (interrupt.get("value") or {}).get("actions", [])
    ]
    attached = await ctx.redis.llen(ATTACHED_KEY.format(thread_id=thread_id))
    return InvestigationView(
        investigation_id=thread_id,
        status=_status(thread.get("status", "idle"), values, pending),
        pending_actions=pending,
        attached_alerts=attached,
        report=values.get("report") if not pending or values.get("report") else None,
    )


def _status(thread_status: str, values: dict[str, Any], pending: list[PendingAction]) -> InvestigationStatus:
    if thread_status == "error":
        return "failed"
    if pending or thread_status == "interrupted":
        return "awaiting_approval"
    if thread_status == "busy":
        return "running"
    return "completed" if values.get("report") else "queued"


async def resume(
    ctx: ServingContext, tenant: str, thread_id: str, answer: dict[str, Any], wait_s: float = 0.0
) -> Accepted:
    """Answer the approval interrupt: a run that resumes the graph with `answer`. With `wait_s`, a run still
    finishing the step that posted its report is given that long to reach the interrupt."""
    current = await view(ctx, tenant, thread_id)
    deadline = asyncio.get_running_loop().time() + wait_s
    while current.status in ("running", "queued") and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.25)
        current = await view(ctx, tenant, thread_id)
    if current.status != "awaiting_approval":
        raise ValueError(f"investigation {thread_id} is {current.status}, not awaiting approval")
    client = ctx.client_for(tenant)
    run = await client.runs.create(thread_id, ctx.settings.graph_id, command={"resume": answer})
    return Accepted(
        investigation_id=thread_id, thread_id=thread_id, run_id=run["run_id"], status_url=status_url(thread_id)
    )
