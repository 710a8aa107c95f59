"""The served graph has incident memory and the dependency graph: feedback through our route teaches it.

`langgraph dev` (its blocking-I/O guard on, as by default) serves the graph and our routes; an investigation is
started through POST /v1/investigations, a verifier confirms it through POST /v1/feedback, and the same fault run
again through the LangGraph API cites that verified past incident, with its blast radius from the dependency graph.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from dev_server import langgraph_dev
from langgraph_sdk import get_client

from agents.services import served_stores
from api.auth.tenants import NewTenant, TenantStore, create_tenant
from graphs.contracts import DependencyEdge
from graphs.settings import Settings
from memory.depgraph import connect_dependency_graph, learn_topology
from memory.depgraph.lazy import LazyDependencyGraph
from memory.incidents import PastIncident, connect_incident_memory, open_incident_memory
from memory.incidents.lazy import LazyIncidentMemory
from memory.redis_server import free_port

REPO = Path(__file__).resolve().parents[2]
ALERT = {"text": "checkout p95 latency above 2s", "at": "2026-11-20T10:41:00Z"}
VERIFIER = "alice"


@dataclass
class DevServer:
    url: str
    home: Path
    log: Path
    tenant: NewTenant
    verifier_key: str


@pytest.fixture(scope="module")
def served(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    """`langgraph dev` with a fresh PM_HOME, our routes on Redis and one tenant whose API key the test uses."""
    tenant = asyncio.run(create_tenant(f"acme-{secrets.token_hex(3)}", redis_url))
    verifier_key = asyncio.run(_personal_key(redis_url, tenant.name, VERIFIER))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    home = tmp_path_factory.mktemp("pm-home")
    log = tmp_path_factory.mktemp("langgraph-dev") / "server.log"
    env = {
        "PM_WORLD": "demo",
        "PM_HOME": str(home),
        "PM_REDIS_URL": redis_url,
        "PM_API_URL": url,
        "PM_SERVICE_TOKEN": secrets.token_urlsafe(24),
        "PM_FEEDBACK_VERIFIERS": json.dumps([VERIFIER]),
    }
    with langgraph_dev(port, log, env):
        yield DevServer(url, home, log, tenant, verifier_key)


async def _finished(http: httpx.AsyncClient, investigation_id: str) -> dict[str, Any]:
    """Poll our route until the investigation has its report (it then waits at the approval of its rollback)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        view = (await http.get(f"/v1/investigations/{investigation_id}")).json()
        if view["status"] == "failed":
            pytest.fail(f"investigation {investigation_id} failed")
        if view.get("report"):
            return view
        await asyncio.sleep(0.5)
    pytest.fail(f"investigation {investigation_id} did not finish")


async def _personal_key(redis_url: str, tenant: str, user: str) -> str:
    store = TenantStore.from_url(redis_url)
    try:
        return (await store.issue_user_key(tenant, user)).api_key
    finally:
        await store.aclose()


def history_of(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in report["evidence"] if e["kind"] == "history"]


@pytest.mark.slow
async def test_a_verified_served_investigation_is_cited_when_the_fault_returns(served: DevServer) -> None:
    headers = {"authorization": f"Bearer {served.tenant.api_key}"}
    async with httpx.AsyncClient(base_url=served.url, headers=headers, timeout=60) as http:
        started = await http.post("/v1/investigations", json=ALERT)
        assert started.status_code == 202, started.text
        first_id = started.json()["investigation_id"]
        first = (await _finished(http, first_id))["report"]
        assert first["root_cause"]["service"] == "inventory"
        assert not history_of(first), "a fresh PM_HOME has no past incidents"
        assert not (served.home / "incidents").exists(), "reads never create the store (a fresh install pays nothing)"

        stranger = await http.post("/v1/feedback", json={"investigation_id": first_id, "verdict": "correct"})
        assert stranger.status_code == 201 and stranger.json()["stored_in_memory"] is False
        # a verifier's name typed with the tenant's shared key is recorded but not trusted
        claimed = await http.post(
            "/v1/feedback", json={"investigation_id": first_id, "verdict": "correct", "by": VERIFIER}
        )
        assert claimed.status_code == 201 and claimed.json()["verified"] is False
        assert claimed.json()["stored_in_memory"] is False
        personal = {"authorization": f"Bearer {served.verifier_key}"}
        impostor = await http.post(
            "/v1/feedback", headers=personal, json={"investigation_id": first_id, "verdict": "wrong", "by": "mallory"}
        )
        assert impostor.status_code == 403 and VERIFIER in impostor.json()["message"]
        confirmed = await http.post(
            "/v1/feedback",
            headers=personal,
            json={"investigation_id": first_id, "verdict": "correct", "note": "rolled back, fixed"},
        )
        assert confirmed.status_code == 201, confirmed.text
        assert confirmed.json()["verified"] is True and confirmed.json()["stored_in_memory"] is True

    client = get_client(url=served.url)
    thread = await client.threads.create()
    state = await client.runs.wait(
        thread["thread_id"], "investigation", input={"request": {**ALERT, "tenant": served.tenant.name}}
    )
    repeat = state["report"]
    cited = history_of(repeat)
    assert cited and cited[0]["data"]["incident_id"] == f"inv-{first_id}"
    assert cited[0]["data"]["verified_by"] == VERIFIER
    assert cited[0]["id"] in repeat["root_cause"]["evidence_ids"], "the verified prior backs the root cause"
    assert f"(a similar past incident had the same verified cause: inv-{first_id})" in repeat["root_cause"]["statement"]

    # blast radius comes from the dependency graph store the served graph learnt from the service registry
    stored = json.loads((served.home / "depgraph.json").read_text())
    callers = {edge["source"] for edge in stored["graph"]["edges"] if edge["target"] == "inventory"}
    assert callers and callers <= set(repeat["root_cause"]["blast_radius"])
    assert repeat["root_cause"]["blast_radius"] == first["root_cause"]["blast_radius"]

    log = served.log.read_text()
    assert "BlockingError" not in log and "Blocking call" not in log, log[-3000:]


async def test_the_served_stores_never_block_the_event_loop(tmp_path: Path) -> None:
    """The same guard langgraph dev installs raises on any blocking call made on the loop by the stores."""
    from langgraph_runtime_inmem.queue import _enable_blockbuster

    settings = Settings(home=tmp_path, embedder="hashing")
    stores = served_stores(settings)
    memory, graph = stores["incident_memory"], stores["dependency_graph"]
    guard = _enable_blockbuster()
    try:
        assert await memory.search("checkout latency", tenant="acme") == []
        assert await memory.count() == 0 and not await asyncio.to_thread((tmp_path / "incidents").exists)
        incident = PastIncident(
            id="INC-1",
            tenant="acme",
            title="checkout p95 latency above 2s",
            root_cause="deploy-7790 of inventory",
            services=["inventory", "checkout"],
            started_at=datetime(2026, 11, 20, 10, 41, tzinfo=UTC),
            verified_by=VERIFIER,
        )
        # concurrent first use: a write and several reads race to open the store
        await asyncio.gather(memory.add(incident), *(memory.search("checkout", tenant="acme") for _ in range(4)))
        matches = await memory.search("checkout p95 latency", tenant="acme")
        edges = [
            DependencyEdge(caller="frontend", callee="checkout"),
            DependencyEdge(caller="checkout", callee="inventory"),
        ]
        await asyncio.gather(learn_topology(graph, edges), graph.blast_radius("inventory"))
        blast = await graph.blast_radius("inventory")
    finally:
        guard.deactivate()
    assert [m.incident.id for m in matches] == ["INC-1"] and memory.provider == "LanceIncidentMemory"
    assert blast == {"checkout", "frontend"}
    reopened = json.loads((tmp_path / "depgraph.json").read_text())
    assert {(e["source"], e["target"]) for e in reopened["graph"]["edges"]} == {
        ("frontend", "checkout"),
        ("checkout", "inventory"),
    }


async def test_concurrent_first_use_opens_each_store_once(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, embedder="hashing")
    opens: list[str] = []

    async def counted_memory(s: Settings) -> Any:
        opens.append("memory")
        await asyncio.sleep(0.05)  # a slow open: every other caller arrives while it is under way
        return await connect_incident_memory(s)

    async def counted_graph(s: Settings) -> Any:
        opens.append("graph")
        await asyncio.sleep(0.05)
        return await connect_dependency_graph(s)

    memory = LazyIncidentMemory(settings, connect=counted_memory)
    graph = LazyDependencyGraph(settings, connect=counted_graph)
    await asyncio.gather(*(memory.count() for _ in range(3)), *(graph.services() for _ in range(5)))
    assert opens == ["graph"], "reads before the first write never create the incident store"
    incident = PastIncident(id="INC-2", title="t", started_at=datetime(2026, 1, 1, tzinfo=UTC))
    await asyncio.gather(*(memory.add(incident) for _ in range(5)), *(memory.count() for _ in range(3)))
    assert sorted(opens) == ["graph", "memory"] and await memory.count() == 1
    await memory.aclose()
    await graph.aclose()


BENCH_SCRIPT = """
import asyncio, json, sys, time
from pathlib import Path
from agents.services import served_stores
from graphs.settings import Settings

async def main():
    stores = served_stores(Settings(home=Path(sys.argv[1])))
    memory, graph = stores["incident_memory"], stores["dependency_graph"]
    started = time.perf_counter()
    await asyncio.gather(memory.search("warm", tenant="default"), graph.services())
    first_use = time.perf_counter() - started
    samples = []
    for n in range(60):
        started = time.perf_counter()
        await memory.search(f"checkout p95 latency above {n}s after deploy", tenant="default", limit=3)
        samples.append(time.perf_counter() - started)
    print(json.dumps({"first_use": first_use, "memory_open": memory.opened_in, "graph_open": graph.opened_in,
                      "search": sorted(samples), "provider": memory.provider}))

asyncio.run(main())
"""


@pytest.mark.benchmark
async def test_served_stores_first_use_and_search_latency(tmp_path: Path) -> None:
    """Cold first use in a fresh process (what a server pays once) and search latency with the shipped embedder."""
    sys.path.insert(0, str(REPO / "tests" / "memory"))
    from incident_corpus import make_corpus

    async with open_incident_memory(Settings(home=tmp_path)) as memory:
        await memory.add_many(make_corpus(1_000))
    command = [sys.executable, "-c", BENCH_SCRIPT, str(tmp_path)]
    out = await asyncio.to_thread(subprocess.run, command, cwd=REPO, capture_output=True, text=True, check=True)
    numbers = json.loads(out.stdout.strip().splitlines()[-1])
    search_ms = [s * 1000 for s in numbers["search"]]
    print(
        f"\n  {numbers['provider']} over 1,000 incidents: first use {numbers['first_use']:.3f}s "
        f"(incident memory open {numbers['memory_open']:.3f}s, dependency graph open {numbers['graph_open']:.3f}s)"
        f"\n  search through the served wrapper: p50 {search_ms[len(search_ms) // 2]:.1f} ms, "
        f"p95 {search_ms[int(len(search_ms) * 0.95)]:.1f} ms (n={len(search_ms)})"
    )
    assert numbers["provider"] == "LanceIncidentMemory"


async def test_a_served_store_sees_what_another_process_wrote_since_it_opened(tmp_path: Path) -> None:
    """The CLI's feedback or another server instance writes the same directory while the served store is open."""
    settings = Settings(home=tmp_path, embedder="hashing")
    first = PastIncident(id="INC-A", tenant="acme", title="payments 5xx after deploy", started_at=datetime.now(UTC))
    async with open_incident_memory(settings) as writer:
        await writer.add(first)
    served = served_stores(settings)["incident_memory"]
    assert [m.incident.id for m in await served.search("payments 5xx", tenant="acme")] == ["INC-A"]
    later = first.model_copy(update={"id": "INC-B", "title": "checkout p95 latency above 2s"})
    async with open_incident_memory(settings) as other_process:
        await other_process.add(later)
    found = [m.incident.id for m in await served.search("checkout p95 latency", tenant="acme", limit=1)]
    assert found == ["INC-B"] and await served.count(tenant="acme") == 2
