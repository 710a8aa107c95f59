"""Every node gets a span and an audit trail; the audit events are read off the node's state update."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.errors import GraphBubbleUp

from agents.publish import publish_progress
from agents.services import NodeServices, get_services
from graphs.deadletters import failure_letter, record_failure, resolve
from graphs.metrics import NODE_FAILURES, observe_queue_wait, observe_report
from graphs.settings import Settings
from graphs.tracing import traced_node
from memory.audit import (
    AuditEventType,
    AuditLog,
    AuditTrail,
    JsonlAuditLog,
    RedisStreamAuditLog,
    bind_trail,
    current_trail,
)

Node = Callable[[dict[str, Any], RunnableConfig], Awaitable[dict[str, Any]]]
AUDIT_LOG_KEY = "audit_log"


def open_audit_log(settings: Settings) -> AuditLog | None:
    if settings.audit == "off":
        return None
    if settings.audit == "redis":
        return RedisStreamAuditLog(settings.redis_url)
    return JsonlAuditLog(settings.home / "audit")


def _trail(services: NodeServices, state: dict[str, Any], update: dict[str, Any] | None = None) -> AuditTrail | None:
    bound = current_trail.get()
    if bound is not None:
        return bound
    investigation_id = (update or {}).get("investigation_id") or state.get("investigation_id")
    if not investigation_id:
        return None
    if AUDIT_LOG_KEY not in services.extras:
        services.extras[AUDIT_LOG_KEY] = open_audit_log(services.settings)
    log = services.extras[AUDIT_LOG_KEY]
    tenant = (state.get("request") or {}).get("tenant", "default")
    return AuditTrail(log, str(investigation_id), tenant=tenant) if log is not None else None


def instrument(name: str, fn: Node) -> Node:
    """`fn` inside a span, with the investigation's trail bound (the gateway's hook records tool calls to it); a
    node that raises leaves a dead letter, a report observes the service levels."""
    traced = traced_node(name, fn)

    async def body(services: NodeServices, state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
        trail = _trail(services, state)
        with bind_trail(trail) if trail is not None else nullcontext():
            update = await traced(state, config)
        trail = trail or _trail(services, state, update)
        if trail is not None and isinstance(update, dict):
            await record_update(trail, name, update)
        if isinstance(update, dict):
            await publish_progress(name, state, update, config)
        return update

    async def node(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
        services = get_services(config)
        tier = services.settings.tier
        if name == "intake":
            await observe_queue_wait(dict(config), tier)
        try:
            update = await body(services, state, config)
        except GraphBubbleUp:  # interrupts and parent commands are control flow, not failures
            raise
        except Exception as error:
            NODE_FAILURES.labels(name).inc()
            await record_failure(services, failure_letter(name, state, dict(config), error), tier)
            error.pm_dead_lettered = True  # type: ignore[attr-defined]  # the runner must not count it again
            raise
        if name == "reporter" and isinstance(update, dict) and update.get("report"):
            await observe_report(dict(config), update["report"], tier)
            await resolve(services, str(update["report"].get("investigation_id") or state.get("investigation_id")))
        return update

    node.__name__ = name
    return node


async def record_update(trail: AuditTrail, node: str, update: dict[str, Any]) -> None:
    """The events a node's update stands for, in the order a reader expects them."""
    if node == "intake" and "request" in update:
        await trail.request_received(update["request"])
    for decision in update.get("routing_log", []):
        await trail.routing_decision(decision, actor=node)
    for evidence in update.get("evidence", []):
        await trail.evidence_created(evidence, actor=node)
    for hypothesis in update.get("hypotheses", []):
        await trail.hypothesis(hypothesis)
    for verdict in update.get("verdicts", []):
        await trail.verdict(verdict)
    if node == "reporter":
        first = await _published_at(trail) if "report" in update else None
        if first is not None:
            # a re-drive ran the reporter again: its report was out before a later step failed; one report per
            # investigation in the trail, and a note of the re-issue
            await trail.note(
                f"report issued again by a re-drive; published at seq {first}",
                actor=node,
                status=update["report"].get("status"),
            )
            return
        for action in update.get("actions", []):
            await trail.action_proposed(action)
        if "report" in update:
            await trail.report_published(update["report"])
    if node == "approval":
        for action in update.get("actions", []):
            if action.get("status") in ("approved", "rejected"):
                await trail.action_approved(
                    action["id"], by=action.get("approved_by") or "unknown", decision=action["status"]
                )


async def _published_at(trail: AuditTrail) -> int | None:
    """The seq of the investigation's `report_published` event, None before its first report."""
    events = await trail.log.read(trail.investigation_id)
    return next((e.seq for e in events if e.type is AuditEventType.report_published), None)
