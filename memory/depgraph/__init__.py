"""Dependency graph: who calls whom, owners, deploys; learnt from traces and the service registry."""

from __future__ import annotations

import importlib.util
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from graphs.contracts import DependencyEdge, Span
from memory.depgraph.base import DependencyGraph
from memory.depgraph.embedded import EmbeddedDependencyGraph
from memory.depgraph.models import Deploy, Direction, ServiceNode

if TYPE_CHECKING:
    from graphs.settings import Settings


async def learn_topology(graph: DependencyGraph, edges: Iterable[DependencyEdge]) -> int:
    """Upsert every caller -> callee edge (from traces or the service registry); returns how many."""
    count = 0
    for edge in edges:
        if edge.caller != edge.callee:
            await graph.upsert_edge(edge.caller, edge.callee, edge.calls)
            count += 1
    return count


def edges_from_spans(spans: Iterable[Span]) -> list[DependencyEdge]:
    """Caller -> callee edges where a span's parent belongs to another service, with call counts."""
    spans = list(spans)
    service_of = {(span.trace_id, span.span_id): span.service for span in spans}
    calls: Counter[tuple[str, str]] = Counter()
    for span in spans:
        parent = service_of.get((span.trace_id, span.parent_id)) if span.parent_id else None
        if parent and parent != span.service:
            calls[parent, span.service] += 1
    return [DependencyEdge(caller=a, callee=b, calls=n) for (a, b), n in sorted(calls.items())]


async def connect_dependency_graph(settings: Settings) -> DependencyGraph:
    """The graph `settings.dependency_graph` names, open (the caller closes it): embedded (JSON under settings.home)
    or neo4j; nothing blocks the event loop."""
    if settings.dependency_graph == "neo4j":
        if not settings.neo4j_uri:
            raise ValueError("PM_DEPENDENCY_GRAPH=neo4j needs PM_NEO4J_URI (e.g. bolt://127.0.0.1:7687)")
        if importlib.util.find_spec("neo4j") is None:
            raise ValueError("PM_DEPENDENCY_GRAPH=neo4j needs pip install 'production-master[neo4j]'")
        from memory.depgraph.neo4j_store import Neo4jDependencyGraph

        password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else None
        neo4j_graph = await Neo4jDependencyGraph.open(
            settings.neo4j_uri, settings.neo4j_user, password, graph=settings.tenant
        )
        await neo4j_graph.setup()
        return neo4j_graph
    return await EmbeddedDependencyGraph.open(settings.home / "depgraph.json")


@asynccontextmanager
async def open_dependency_graph(settings: Settings) -> AsyncIterator[DependencyGraph]:
    """`connect_dependency_graph` for the length of a `with` block."""
    graph = await connect_dependency_graph(settings)
    try:
        yield graph
    finally:
        await graph.aclose()


__all__ = [
    "DependencyGraph",
    "Deploy",
    "Direction",
    "EmbeddedDependencyGraph",
    "ServiceNode",
    "connect_dependency_graph",
    "edges_from_spans",
    "learn_topology",
    "open_dependency_graph",
]
