"""Speed of durable memory: Redis checkpoint writes/reads with a realistic state, and search over 10,000 incidents.

Run: .venv/bin/pytest tests/benchmarks/test_memory_bench.py -m benchmark -s -q
"""

from __future__ import annotations

import operator
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Annotated, Any, TypedDict

import pytest
from langgraph.graph import END, START, StateGraph

from graphs.settings import Settings
from memory.checkpointers import open_checkpointer
from memory.embedding import HashingEmbedder, make_embedder
from memory.incidents.lance import LanceIncidentMemory

sys.path.insert(0, str(Path(__file__).parents[1] / "memory"))
from incident_corpus import make_corpus

pytestmark = pytest.mark.benchmark


def percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p50 = statistics.median(ms)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   (n={len(ms)})"


def evidence_item(n: int) -> dict[str, Any]:
    """About the size of one Evidence in state: a summary, a few data fields and its lineage."""
    return {
        "id": f"ev-{n:010x}",
        "capability": "provide_runtime_context",
        "interface": "metrics",
        "provider": "demo-world",
        "kind": "metric-anomaly",
        "service": f"svc-{n % 12}",
        "summary": f"p99 latency of svc-{n % 12} rose 4.2x at 10:{n % 60:02d} (z=7.1) while error rate stayed flat",
        "data": {"metric": "latency_p99_ms", "baseline": 82.5, "peak": 347.0, "z": 7.1, "points": list(range(24))},
        "score": 0.8,
        "lineage": {"tool_call_id": f"call-{n}", "args_hash": "a" * 64, "response_hash": "b" * 64},
    }


class InvestigationLike(TypedDict):
    evidence: Annotated[list[dict[str, Any]], operator.add]
    notes: list[str]


def step_graph(saver: Any):
    async def collect(state: InvestigationLike) -> dict:
        return {"evidence": [evidence_item(len(state["evidence"]))], "notes": ["collected"]}

    builder = StateGraph(InvestigationLike)
    builder.add_node("collect", collect)
    builder.add_edge(START, "collect")
    builder.add_edge("collect", END)
    return builder.compile(checkpointer=saver)


async def test_redis_checkpoint_write_and_read_latency(redis_url: str, tmp_path: Path) -> None:
    settings = Settings(checkpointer="redis", redis_url=redis_url, home=tmp_path)
    async with open_checkpointer(settings) as saver:
        graph = step_graph(saver)
        config = {"configurable": {"thread_id": f"bench-{uuid.uuid4().hex}"}}
        await graph.ainvoke({"evidence": [evidence_item(n) for n in range(50)], "notes": []}, config)

        steps, puts, reads, states = [], [], [], []
        for _ in range(200):
            started = time.perf_counter()
            await graph.ainvoke({"evidence": [], "notes": []}, config)
            steps.append(time.perf_counter() - started)

        latest = await saver.aget_tuple(config)
        assert latest is not None
        assert len(latest.checkpoint["channel_values"]["evidence"]) == 251
        for n in range(200):
            checkpoint = {**latest.checkpoint, "id": str(uuid.uuid6() if hasattr(uuid, "uuid6") else uuid.uuid1())}
            put_config = {"configurable": {"thread_id": f"bench-put-{n % 20}", "checkpoint_ns": ""}}
            started = time.perf_counter()
            await saver.aput(put_config, checkpoint, latest.metadata, checkpoint["channel_versions"])
            puts.append(time.perf_counter() - started)
        for _ in range(200):
            started = time.perf_counter()
            found = await saver.aget_tuple(config)
            reads.append(time.perf_counter() - started)
            assert found is not None
        for _ in range(100):
            started = time.perf_counter()
            await graph.aget_state(config)
            states.append(time.perf_counter() - started)

    print("\nRedis checkpointer, state of 50-251 evidence items")
    print(f"  graph step (1 node, 2 checkpoints + writes): {percentiles(steps)}")
    print(f"  checkpoint write (aput, 250 items):          {percentiles(puts)}")
    print(f"  checkpoint read (aget_tuple, latest):        {percentiles(reads)}")
    print(f"  graph.aget_state (latest):                   {percentiles(states)}")


async def test_incident_search_over_10000(tmp_path: Path) -> None:
    corpus = make_corpus(10_000)
    hashing = HashingEmbedder(dim=384)
    store = await LanceIncidentMemory.open(tmp_path / "incidents", hashing)
    started = time.perf_counter()
    for start in range(0, len(corpus), 1_000):
        await store.add_many(corpus[start : start + 1_000])
    load_seconds = time.perf_counter() - started
    assert await store.count() == 10_000

    queries = [
        "payments service requests stuck acquiring DB connections after release",
        "auth pods OOMKilled memory keeps growing",
        "retry storm after cache flush overloads cart",
        "slow cross-zone calls packet loss",
        "JSON decode errors from provider API",
    ]
    plain, filtered = [], []
    for n in range(200):
        started = time.perf_counter()
        matches = await store.search(queries[n % len(queries)], limit=5)
        plain.append(time.perf_counter() - started)
        assert len(matches) == 5
    for n in range(100):
        started = time.perf_counter()
        await store.search(queries[n % len(queries)], service="payments", limit=5)
        filtered.append(time.perf_counter() - started)

    e5 = make_embedder("auto")
    query_embeds = []
    for n in range(50):
        started = time.perf_counter()
        e5.embed_query(queries[n % len(queries)])
        query_embeds.append(time.perf_counter() - started)

    print("\nEmbedded incident memory (LanceDB), 10,000 incidents")
    print(f"  load (hashing vectors, batches of 1,000):  {load_seconds:.1f} s")
    print(f"  hybrid search, top 5:                      {percentiles(plain)}")
    print(f"  hybrid search + service filter:            {percentiles(filtered)}")
    print(f"  {e5.name} query embedding (add to search): {percentiles(query_embeds)}")
