"""Dependency, team and bug context: topology, what people said, and what the ticket says."""

from __future__ import annotations

import re

from agents.collector.bug_parse import parse_ticket
from agents.collector.common import Collected, window_args
from agents.evidence import from_result
from agents.services import NodeServices
from graphs.contracts import CapabilityTask, DependencyEdge, EvidenceKind, InvestigationRequest, Ticket, stable_hash
from memory.depgraph import learn_topology

GRAPH_KEY = "dependency_graph"
STOPWORDS = {"the", "and", "for", "with", "above", "below", "since", "from", "than", "this", "that", "are", "was"}


async def dependency_context(task: CapabilityTask, request: InvestigationRequest, services: NodeServices) -> Collected:
    out = Collected(task.capability)
    result = await services.gateway.call("service-registry", "get_dependencies", {})
    data = out.payload(result, "dependency graph")
    if data is not None:
        edges = data.get("edges", [])
        await _learn(services, edges)
        out.evidence.append(
            from_result(
                task.capability,
                result,
                kind=EvidenceKind.topology,
                key=("topology",),
                summary=f"dependency graph: {len(edges)} call edges",
                data={"edges": edges},
            )
        )
    return out


async def _learn(services: NodeServices, edges: list[dict]) -> None:
    """Keep the dependency graph store current with what the service registry says (once per distinct topology)."""
    graph = services.extras.get(GRAPH_KEY)
    fingerprint = stable_hash(edges)
    if graph is None or services.extras.get("learned_topology") == fingerprint:
        return
    await learn_topology(graph, [DependencyEdge.model_validate(e) for e in edges])
    services.extras["learned_topology"] = fingerprint


async def team_context(task: CapabilityTask, request: InvestigationRequest, services: NodeServices) -> Collected:
    out = Collected(task.capability)
    query = " ".join(keywords(request.text)[:6]) or request.text[:80]
    result = await services.gateway.call(
        "team-communications", "search_messages", window_args(task.scope.window, query=query)
    )
    data = out.payload(result, "team messages", task.scope.window)
    for message in (data or {}).get("messages", []):
        out.evidence.append(
            from_result(
                task.capability,
                result,
                kind=EvidenceKind.message,
                key=("message", message["id"]),
                summary=f"{message['author']} in {message['channel']}: {message['text'][:200]}",
                data={**message, "onset": message["timestamp"]},
            )
        )
    return out


async def bug_context(task: CapabilityTask, request: InvestigationRequest, services: NodeServices) -> Collected:
    out = Collected(task.capability)
    if not request.ticket_key:
        return out
    result = await services.gateway.call("ticket-system", "get_ticket", {"key": request.ticket_key})
    data = out.payload(result, f"ticket {request.ticket_key}")
    if data and data.get("ticket"):
        ticket = Ticket.model_validate(data["ticket"])
        out.evidence.append(
            from_result(
                task.capability,
                result,
                kind=EvidenceKind.ticket,
                key=("ticket", ticket.key),
                summary=f"ticket {ticket.key}: {ticket.title}",
                data={
                    **ticket.model_dump(mode="json"),
                    "identifiers": identifiers(ticket.description),
                    "parsed": parse_ticket(ticket).model_dump(mode="json"),
                    # where the reporter sees the symptom, resolved through the service registry at intake
                    "symptom_services": list(task.scope.services),
                },
            )
        )
    return out


def keywords(text: str) -> list[str]:
    words = re.findall(r"[a-zA-Z][a-zA-Z0-9_-]{2,}", text.lower())
    return [w for w in dict.fromkeys(words) if w not in STOPWORDS]


def identifiers(text: str) -> dict[str, list[str]]:
    """Request, order and user ids a human pasted into a ticket."""
    found: dict[str, list[str]] = {}
    for name, pattern in {
        "request_id": r"\breq[-_][A-Za-z0-9]{4,}\b",
        "order_id": r"\bord(?:er)?[-_][A-Za-z0-9]{4,}\b",
        "user_id": r"\buser[-_][A-Za-z0-9]{3,}\b",
        "uuid": r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
    }.items():
        hits = list(dict.fromkeys(re.findall(pattern, text)))
        if hits:
            found[name] = hits
    return found
