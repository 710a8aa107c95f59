"""One contract suite for every DependencyGraph: the embedded one always, Neo4j when PM_NEO4J_URI is set."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from graphs.contracts import DependencyEdge, Span
from graphs.settings import Settings
from memory.depgraph import (
    DependencyGraph,
    EmbeddedDependencyGraph,
    edges_from_spans,
    learn_topology,
    open_dependency_graph,
)

# frontend -> checkout -> payments -> postgres ; checkout -> cart -> redis ; frontend -> search ; payments -> ledger
SHOP = [
    DependencyEdge(caller="frontend", callee="checkout", calls=900),
    DependencyEdge(caller="checkout", callee="payments", calls=400),
    DependencyEdge(caller="payments", callee="postgres", calls=800),
    DependencyEdge(caller="checkout", callee="cart", calls=500),
    DependencyEdge(caller="cart", callee="redis", calls=1500),
    DependencyEdge(caller="frontend", callee="search", calls=300),
    DependencyEdge(caller="payments", callee="ledger", calls=200),
    DependencyEdge(caller="ledger", callee="postgres", calls=100),
]


@pytest.fixture(params=["embedded", "neo4j"])
async def graph(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[DependencyGraph]:
    if request.param == "embedded":
        yield EmbeddedDependencyGraph(tmp_path / "depgraph.json")
        return
    uri = os.environ.get("PM_NEO4J_URI")
    if not uri:
        pytest.skip(
            "PM_NEO4J_URI is not set: no Bolt-speaking server can run on this machine "
            "(none ships on PyPI; FalkorDB speaks the Redis protocol); deploy/compose.yaml has Neo4j"
        )
    from memory.depgraph.neo4j_store import Neo4jDependencyGraph

    store = await Neo4jDependencyGraph.open(
        uri, os.environ.get("PM_NEO4J_USER", "neo4j"), os.environ.get("PM_NEO4J_PASSWORD"), graph=uuid.uuid4().hex
    )
    await store.setup()
    yield store
    await store.drop()
    await store.aclose()


async def test_learnt_topology_answers_upstream_downstream_and_paths(graph: DependencyGraph) -> None:
    assert await learn_topology(graph, SHOP) == len(SHOP)

    assert await graph.services() == sorted(
        {"frontend", "checkout", "payments", "postgres", "cart", "redis", "search", "ledger"}
    )
    assert await graph.downstream("checkout", 1) == {"payments": 1, "cart": 1}
    assert await graph.downstream("checkout", 2) == {"payments": 1, "cart": 1, "postgres": 2, "redis": 2, "ledger": 2}
    assert await graph.upstream("postgres", 1) == {"payments": 1, "ledger": 1}
    assert await graph.upstream("postgres", 3) == {"payments": 1, "ledger": 1, "checkout": 2, "frontend": 3}
    assert await graph.neighbours("payments") == {"checkout", "postgres", "ledger"}
    assert await graph.neighbours("payments", "upstream") == {"checkout"}
    assert await graph.neighbours("payments", "downstream") == {"postgres", "ledger"}
    assert await graph.paths("frontend", "postgres", 4) == [
        ["frontend", "checkout", "payments", "postgres"],
        ["frontend", "checkout", "payments", "ledger", "postgres"],
    ]
    assert await graph.paths("frontend", "postgres", 3) == [["frontend", "checkout", "payments", "postgres"]]
    assert await graph.paths("postgres", "frontend", 6) == []


async def test_blast_radius_is_every_transitive_dependent(graph: DependencyGraph) -> None:
    await learn_topology(graph, SHOP)
    assert await graph.blast_radius("postgres") == {"payments", "ledger", "checkout", "frontend"}
    assert await graph.blast_radius("redis") == {"cart", "checkout", "frontend"}
    assert await graph.blast_radius("frontend") == set()
    assert await graph.blast_radius("unknown") == set()


async def test_cycles_do_not_loop(graph: DependencyGraph) -> None:
    await learn_topology(graph, [DependencyEdge(caller=a, callee=b) for a, b in [("a", "b"), ("b", "c"), ("c", "a")]])
    assert await graph.blast_radius("a") == {"b", "c"}
    assert await graph.paths("a", "c", 5) == [["a", "b", "c"]]
    assert await graph.downstream("a", 5) == {"b": 1, "c": 2}


async def test_owners_tiers_and_attributes_merge(graph: DependencyGraph) -> None:
    await graph.upsert_service("payments", owner="team-payments", tier="1", attrs={"lang": "java"})
    await graph.upsert_edge("checkout", "payments", calls=10)
    await graph.upsert_service("payments", attrs={"repo": "git@example/payments"})

    node = await graph.service("payments")
    assert node is not None
    assert (node.owner, node.tier) == ("team-payments", "1")
    assert node.attrs == {"lang": "java", "repo": "git@example/payments"}
    assert await graph.owner("payments") == "team-payments"
    assert await graph.owner("checkout") is None
    assert await graph.owner("nowhere") is None
    assert await graph.service("nowhere") is None


async def test_deploys_are_recorded_once_and_filtered_by_time(graph: DependencyGraph) -> None:
    await graph.record_deploy("payments", "d-1", datetime(2025, 3, 1, 10, tzinfo=UTC), "v1.0")
    await graph.record_deploy("payments", "d-2", datetime(2025, 3, 2, 10, tzinfo=UTC), "v1.1")
    await graph.record_deploy("payments", "d-2", datetime(2025, 3, 2, 10, tzinfo=UTC), "v1.1")
    await graph.record_deploy("cart", "d-3", datetime(2025, 3, 2, 11, tzinfo=UTC), "v7")

    assert [d.deploy_id for d in await graph.deploys("payments")] == ["d-1", "d-2"]
    recent = await graph.deploys("payments", since=datetime(2025, 3, 2, tzinfo=UTC))
    assert [(d.deploy_id, d.version, d.at) for d in recent] == [("d-2", "v1.1", datetime(2025, 3, 2, 10, tzinfo=UTC))]
    assert "cart" in await graph.services()


async def test_call_counts_are_replaced_not_lost(graph: DependencyGraph) -> None:
    await graph.upsert_edge("a", "b", calls=5)
    await graph.upsert_edge("a", "b")
    await graph.upsert_edge("a", "b", calls=7)
    assert await graph.downstream("a") == {"b": 1}


async def test_embedded_graph_persists_to_its_file(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    async with open_dependency_graph(settings) as first:
        await learn_topology(first, SHOP)
        await first.upsert_service("payments", owner="team-payments")
    async with open_dependency_graph(settings) as second:
        assert await second.blast_radius("postgres") == {"payments", "ledger", "checkout", "frontend"}
        assert await second.owner("payments") == "team-payments"
    assert (tmp_path / "depgraph.json").exists()


async def test_two_stores_sharing_one_file_leave_it_whole(tmp_path: Path) -> None:
    """Two processes on one home (two evals side by side) write the same file; neither fails, and it stays readable."""
    path = tmp_path / "depgraph.json"
    first, second = EmbeddedDependencyGraph(path), EmbeddedDependencyGraph(path)

    async def learn(store: EmbeddedDependencyGraph, prefix: str) -> None:
        for i in range(150):
            await store.upsert_service(f"{prefix}-{i}", owner="team", attrs={"pad": "x" * 2000})

    await asyncio.gather(learn(first, "a"), learn(second, "b"))
    names = set(await EmbeddedDependencyGraph(path).services())  # reading a torn file raises
    assert names in ({f"a-{i}" for i in range(150)}, {f"b-{i}" for i in range(150)})
    assert [p.name for p in tmp_path.iterdir()] == ["depgraph.json"]  # no scratch left behind


async def test_a_corrupt_graph_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "depgraph.json").write_text("{not json")
    with pytest.raises(ValueError, match="unreadable"):
        EmbeddedDependencyGraph(tmp_path / "depgraph.json")


def test_edges_come_from_cross_service_parent_spans() -> None:
    def span(trace: str, sid: str, parent: str | None, service: str) -> Span:
        return Span(
            trace_id=trace, span_id=sid, parent_id=parent, service=service, operation="op", start=0, duration_ms=1
        )

    spans = [
        span("t1", "1", None, "frontend"),
        span("t1", "2", "1", "checkout"),
        span("t1", "3", "2", "checkout"),  # same service: no edge
        span("t1", "4", "3", "payments"),
        span("t2", "1", None, "frontend"),
        span("t2", "2", "1", "checkout"),
        span("t2", "9", "missing", "cart"),  # parent not seen: no edge
    ]
    assert edges_from_spans(spans) == [
        DependencyEdge(caller="checkout", callee="payments", calls=1),
        DependencyEdge(caller="frontend", callee="checkout", calls=2),
    ]


async def test_neo4j_without_uri_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="needs PM_NEO4J_URI"):
        async with open_dependency_graph(Settings(home=tmp_path, dependency_graph="neo4j", neo4j_uri=None)):
            pass
