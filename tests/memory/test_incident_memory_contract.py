"""One contract suite for every IncidentMemory: embedded LanceDB always, Weaviate when PM_WEAVIATE_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from incident_corpus import make_corpus

from graphs.contracts import FaultType
from memory.embedding import Embedder, make_embedder
from memory.incidents import IncidentMemory, PastIncident
from memory.incidents.lance import LanceIncidentMemory


@pytest.fixture(params=["embedded", "weaviate"])
async def store(request: pytest.FixtureRequest, tmp_path: Path, embedder: Embedder) -> AsyncIterator[IncidentMemory]:
    if request.param == "embedded":
        memory: IncidentMemory = await LanceIncidentMemory.open(tmp_path / "incidents", embedder)
        yield memory
        await memory.aclose()
        return
    url = os.environ.get("PM_WEAVIATE_URL")
    if not url:
        pytest.skip("PM_WEAVIATE_URL is not set: no Weaviate server runs on this machine (deploy/compose.yaml has one)")
    from memory.incidents.weaviate_store import WeaviateIncidentMemory

    collection = f"PastIncidentTest{uuid.uuid4().hex[:8]}"
    weaviate_memory = await WeaviateIncidentMemory.open(url, embedder, collection=collection)
    yield weaviate_memory
    await weaviate_memory._client.collections.delete(collection)
    await weaviate_memory.aclose()


def incident(id: str, title: str, *, tenant: str = "default", **fields: object) -> PastIncident:
    values: dict[str, object] = {"services": ["api"], "started_at": datetime(2025, 6, 1, tzinfo=UTC)}
    values.update(fields)
    return PastIncident(id=id, tenant=tenant, title=title, **values)  # type: ignore[arg-type]


async def test_a_repeated_fault_retrieves_the_right_past_incident(store: IncidentMemory) -> None:
    corpus = make_corpus(50)
    await store.add_many(corpus)
    target = next(i for i in corpus if i.services == ["payments"] and "connection pool" in i.title)

    alert = (
        "payments service: requests stuck acquiring DB connections, latency p99 above 8 seconds, "
        "began right after this morning's release"
    )
    matches = await store.search(alert, limit=5)

    assert matches[0].incident.id == target.id
    assert matches[0].incident == target
    assert matches[0].score >= matches[-1].score


async def test_a_paraphrased_memory_leak_finds_its_service(store: IncidentMemory) -> None:
    corpus = make_corpus(50)
    await store.add_many(corpus)
    target = next(i for i in corpus if i.services == ["auth"] and i.fault_type == FaultType.memory_exhaustion)

    matches = await store.search("auth containers keep getting killed for running out of memory", limit=3)

    assert matches[0].incident.id == target.id


async def test_an_exact_error_code_is_found_by_keyword(store: IncidentMemory) -> None:
    await store.add_many(make_corpus(30))
    needle = incident("INC-K", "checkout errors", summary="Clients saw ERR_LEDGER_7731 on every call.")
    await store.add(needle)

    matches = await store.search("ERR_LEDGER_7731", limit=3)

    assert matches[0].incident.id == "INC-K"


async def test_tenants_never_see_each_other(store: IncidentMemory) -> None:
    await store.add(incident("INC-1", "disk full on kafka broker", tenant="acme"))
    await store.add(incident("INC-1", "dns resolution failing", tenant="globex"))
    await store.add(incident("INC-2", "kafka broker disk filled up", tenant="globex"))

    acme = await store.search("kafka broker disk full", tenant="acme")
    globex = await store.search("kafka broker disk full", tenant="globex")

    assert [m.incident.tenant for m in acme] == ["acme"]
    assert {m.incident.tenant for m in globex} == {"globex"}
    assert (await store.get("INC-1", tenant="acme")).title == "disk full on kafka broker"  # type: ignore[union-attr]
    assert (await store.get("INC-1", tenant="globex")).title == "dns resolution failing"  # type: ignore[union-attr]
    assert await store.get("INC-2", tenant="acme") is None
    assert await store.count(tenant="acme") == 1
    assert await store.count(tenant="globex") == 2
    assert await store.count() == 3
    assert await store.search("kafka", tenant="initech") == []


async def test_filters_on_service_time_range_and_fault_type(store: IncidentMemory) -> None:
    corpus = make_corpus(50)
    await store.add_many(corpus)
    query = "connection pool exhausted after deploy"

    by_service = await store.search(query, service="cart", limit=10)
    assert by_service
    assert all("cart" in m.incident.services for m in by_service)

    since, until = datetime(2025, 1, 11, tzinfo=UTC), datetime(2025, 1, 31, tzinfo=UTC)
    in_window = await store.search(query, since=since, until=until, limit=50)
    expected_ids = {i.id for i in corpus if since <= i.started_at <= until}
    assert {m.incident.id for m in in_window} <= expected_ids
    assert len(in_window) == min(50, len(expected_ids))

    by_fault = await store.search(query, fault_type=FaultType.retry_storm, limit=10)
    assert by_fault
    assert {m.incident.fault_type for m in by_fault} == {FaultType.retry_storm}

    combined = await store.search(query, service="payments", fault_type=FaultType.bad_deploy, limit=10)
    assert all(m.incident.services == ["payments"] for m in combined)
    assert all(m.incident.fault_type == FaultType.bad_deploy for m in combined)


async def test_adding_the_same_id_replaces_it(store: IncidentMemory) -> None:
    await store.add(incident("INC-9", "first wording"))
    await store.add(incident("INC-9", "second wording", root_cause="verified later"))

    assert await store.count(tenant="default") == 1
    stored = await store.get("INC-9")
    assert stored is not None
    assert stored.title == "second wording"
    assert stored.root_cause == "verified later"


async def test_an_empty_memory_finds_nothing(store: IncidentMemory) -> None:
    assert await store.search("anything at all") == []
    assert await store.count() == 0
    assert await store.get("INC-404") is None


async def test_embedded_store_persists_across_reopen(tmp_path: Path, embedder: Embedder) -> None:
    first = await LanceIncidentMemory.open(tmp_path / "incidents", embedder)
    await first.add_many(make_corpus(12))
    await first.aclose()

    second = await LanceIncidentMemory.open(tmp_path / "incidents", embedder)
    assert await second.count() == 12
    assert (await second.search("pods OOMKilled memory grew"))[0].incident.fault_type == FaultType.memory_exhaustion


async def test_embedded_store_refuses_another_embedder(tmp_path: Path, embedder: Embedder) -> None:
    await (await LanceIncidentMemory.open(tmp_path / "incidents", embedder)).add_many(make_corpus(2))
    other = make_embedder("hashing")
    if other.name == embedder.name:
        pytest.skip("auto fell back to hashing, so there is no second embedder to compare")
    with pytest.raises(ValueError, match="was built with embedder"):
        await LanceIncidentMemory.open(tmp_path / "incidents", other)


async def test_bad_tenant_is_a_clear_error(store: IncidentMemory) -> None:
    if not isinstance(store, LanceIncidentMemory):
        pytest.skip("tenant names are validated by the embedded store's query builder")
    with pytest.raises(ValueError, match="invalid tenant"):
        await store.search("x", tenant="a' OR '1'='1")
