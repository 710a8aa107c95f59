"""The parts of the Weaviate adapter that run without a server: URL parsing, ids and filters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from graphs.contracts import FaultType
from graphs.settings import Settings
from memory.incidents import open_incident_memory
from memory.incidents.weaviate_store import build_filters, connection_params, object_uuid


def test_url_becomes_http_and_grpc_endpoints() -> None:
    assert connection_params("http://127.0.0.1:8080") == {
        "http_host": "127.0.0.1",
        "http_port": 8080,
        "http_secure": False,
        "grpc_host": "127.0.0.1",
        "grpc_port": 50051,
        "grpc_secure": False,
    }
    secure = connection_params("https://weaviate.internal?grpc_port=443")
    assert (secure["http_port"], secure["grpc_port"], secure["grpc_secure"]) == (443, 443, True)


def test_bad_url_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="PM_WEAVIATE_URL must look like"):
        connection_params("weaviate:8080")


def test_object_ids_are_stable_per_tenant() -> None:
    assert object_uuid("acme", "INC-1") == object_uuid("acme", "INC-1")
    assert object_uuid("acme", "INC-1") != object_uuid("globex", "INC-1")


def test_filters_combine_only_the_given_conditions() -> None:
    assert build_filters(service=None, since=None, until=None, fault_type=None) is None
    single = build_filters(service="cart", since=None, until=None, fault_type=None)
    assert single.target == "services"
    combined = build_filters(
        service="cart",
        since=datetime(2025, 1, 1, tzinfo=UTC),
        until=datetime(2025, 2, 1, tzinfo=UTC),
        fault_type=FaultType.bad_deploy,
    )
    assert [f.target for f in combined.filters] == ["services", "started_at", "started_at", "fault_type"]


async def test_weaviate_without_url_is_a_clear_error(tmp_path) -> None:
    settings = Settings(home=tmp_path, incident_memory="weaviate", weaviate_url=None, embedder="hashing")
    with pytest.raises(ValueError, match="needs PM_WEAVIATE_URL"):
        async with open_incident_memory(settings):
            pass
