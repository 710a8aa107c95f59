"""Incident memory on a Weaviate server (weaviate-client v4, async): our own vectors, one tenant per tenant."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

from graphs.contracts import FaultType
from memory.embedding import Embedder
from memory.incidents.base import FilteredSearch, SearchFilters
from memory.incidents.models import IncidentMatch, PastIncident

COLLECTION = "PastIncident"
DEFAULT_GRPC_PORT = 50051
ALPHA = 0.5  # equal weight to vector and keyword (BM25) scores


def connection_params(url: str) -> dict[str, Any]:
    """`http(s)://host:port[?grpc_port=N]` as the keyword arguments of `weaviate.use_async_with_custom`."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValueError(f"PM_WEAVIATE_URL must look like http://127.0.0.1:8080, not {url!r}")
    secure = parsed.scheme == "https"
    grpc_port = parse_qs(parsed.query).get("grpc_port", [str(DEFAULT_GRPC_PORT)])[0]
    return {
        "http_host": parsed.hostname,
        "http_port": parsed.port or (443 if secure else 80),
        "http_secure": secure,
        "grpc_host": parsed.hostname,
        "grpc_port": int(grpc_port),
        "grpc_secure": secure,
    }


def object_uuid(tenant: str, id: str) -> str:
    from weaviate.util import generate_uuid5

    return str(generate_uuid5(f"{tenant}/{id}"))


def build_filters(
    *, service: str | None, since: datetime | None, until: datetime | None, fault_type: FaultType | None
) -> Any:
    """A Weaviate filter for the optional conditions, or None when there are none."""
    from weaviate.classes.query import Filter

    conditions = []
    if service:
        conditions.append(Filter.by_property("services").contains_any([service]))
    if since:
        conditions.append(Filter.by_property("started_at").greater_or_equal(since))
    if until:
        conditions.append(Filter.by_property("started_at").less_or_equal(until))
    if fault_type:
        conditions.append(Filter.by_property("fault_type").equal(FaultType(fault_type).value))
    return Filter.all_of(conditions) if conditions else None


def _properties(incident: PastIncident) -> dict[str, Any]:
    return {
        "incident_id": incident.id,
        "text": incident.search_text(),
        "services": incident.services,
        "fault_type": incident.fault_type.value,
        "started_at": incident.started_at,
        "payload": incident.model_dump_json(),
    }


class WeaviateIncidentMemory(FilteredSearch):
    """IncidentMemory in one multi-tenant Weaviate collection; vectors come from our Embedder."""

    def __init__(self, client: Any, embedder: Embedder, collection: str = COLLECTION) -> None:
        self._client = client
        self._embedder = embedder
        self._collection = client.collections.get(collection)
        self._tenants: set[str] = set()

    @classmethod
    async def open(cls, url: str, embedder: Embedder, collection: str = COLLECTION) -> WeaviateIncidentMemory:
        """Connect and create the collection (multi-tenancy on, self-provided vectors) if it is missing."""
        import weaviate
        from weaviate.classes.config import Configure, DataType, Property, Tokenization

        client = weaviate.use_async_with_custom(**connection_params(url))
        await client.connect()
        try:
            if not await client.collections.exists(collection):
                await client.collections.create(
                    collection,
                    multi_tenancy_config=Configure.multi_tenancy(enabled=True, auto_tenant_creation=True),
                    vector_config=Configure.Vectors.self_provided(),
                    properties=[
                        Property(name="incident_id", data_type=DataType.TEXT, tokenization=Tokenization.FIELD),
                        Property(name="text", data_type=DataType.TEXT),
                        Property(name="services", data_type=DataType.TEXT_ARRAY, tokenization=Tokenization.FIELD),
                        Property(name="fault_type", data_type=DataType.TEXT, tokenization=Tokenization.FIELD),
                        Property(name="started_at", data_type=DataType.DATE),
                        Property(name="payload", data_type=DataType.TEXT, index_searchable=False),
                    ],
                )
        except Exception:
            await client.close()
            raise
        return cls(client, embedder, collection)

    async def _ensure_tenant(self, tenant: str) -> None:
        from weaviate.classes.tenants import Tenant

        if tenant not in self._tenants:
            if not await self._collection.tenants.exists(tenant):
                await self._collection.tenants.create([Tenant(name=tenant)])
            self._tenants.add(tenant)

    async def add(self, incident: PastIncident) -> None:
        await self.add_many([incident])

    async def add_many(self, incidents: Sequence[PastIncident]) -> None:
        from weaviate.classes.data import DataObject

        # embedding is model inference: a worker thread keeps the event loop free meanwhile
        vectors = await asyncio.to_thread(self._embedder.embed, [incident.search_text() for incident in incidents])
        by_tenant: dict[str, list[Any]] = {}
        for incident, vector in zip(incidents, vectors, strict=True):
            obj = DataObject(
                properties=_properties(incident), uuid=object_uuid(incident.tenant, incident.id), vector=vector.tolist()
            )
            by_tenant.setdefault(incident.tenant, []).append(obj)
        for tenant, objects in by_tenant.items():
            await self._ensure_tenant(tenant)
            result = await self._collection.with_tenant(tenant).data.insert_many(objects)
            if result.has_errors:
                first = next(iter(result.errors.values()))
                raise RuntimeError(f"Weaviate refused {len(result.errors)} incident(s): {first.message}")

    async def _search_filtered(
        self, text: str, filters: SearchFilters, *, tenant: str, limit: int
    ) -> list[IncidentMatch]:
        from weaviate.classes.query import HybridFusion, MetadataQuery

        if not await self._collection.tenants.exists(tenant):
            return []
        vector = await asyncio.to_thread(self._embedder.embed_query, text)
        response = await self._collection.with_tenant(tenant).query.hybrid(
            query=text,
            vector=vector.tolist(),
            alpha=ALPHA,
            fusion_type=HybridFusion.RELATIVE_SCORE,
            query_properties=["text"],
            filters=build_filters(**filters.keywords()),
            limit=limit,
            return_metadata=MetadataQuery(score=True),
            return_properties=["payload"],
        )
        return [
            IncidentMatch(
                incident=PastIncident.model_validate_json(obj.properties["payload"]), score=obj.metadata.score or 0.0
            )
            for obj in response.objects
        ]

    async def get(self, id: str, *, tenant: str = "default") -> PastIncident | None:
        if not await self._collection.tenants.exists(tenant):
            return None
        obj = await self._collection.with_tenant(tenant).query.fetch_object_by_id(
            object_uuid(tenant, id), return_properties=["payload"]
        )
        return PastIncident.model_validate_json(obj.properties["payload"]) if obj else None

    async def count(self, *, tenant: str | None = None) -> int:
        if tenant is not None:
            tenants = [tenant] if await self._collection.tenants.exists(tenant) else []
        else:
            tenants = list(await self._collection.tenants.get())
        total = 0
        for name in tenants:
            result = await self._collection.with_tenant(name).aggregate.over_all(total_count=True)
            total += result.total_count or 0
        return total

    async def aclose(self) -> None:
        await self._client.close()
