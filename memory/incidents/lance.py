"""Embedded incident memory on local disk: a LanceDB table, vector search and full-text search fused by rank."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
from lancedb.index import FTS

from graphs.contracts import FaultType, utc
from memory.embedding import Embedder
from memory.incidents.base import FilteredSearch, SearchFilters, reciprocal_rank_fusion
from memory.incidents.models import TENANT_PATTERN, IncidentMatch, PastIncident

TABLE = "incidents"
_WORD = re.compile(r"\w+")
_FTS_INDEX = "text_fts"
_COMMIT_ATTEMPTS = 5
_REINDEX_AFTER = 1_000  # unindexed rows are searched too (flat); fold them into the index now and then


class LanceIncidentMemory(FilteredSearch):
    """IncidentMemory in a LanceDB directory; one table for all tenants, every query filtered by tenant."""

    def __init__(self, table: Any, embedder: Embedder) -> None:
        self._table = table
        self._embedder = embedder
        self._has_fts = any(index.index_type == "FTS" for index in table.list_indices())
        self._write_lock = threading.Lock()  # writes from worker threads take turns (index creation races otherwise)

    @classmethod
    async def open(cls, directory: Path, embedder: Embedder) -> LanceIncidentMemory:
        """Open (or create) the store in `directory`; refuse one built with another embedder."""
        return await asyncio.to_thread(cls._open, directory, embedder)

    @classmethod
    def _open(cls, directory: Path, embedder: Embedder) -> LanceIncidentMemory:
        import lancedb

        directory.mkdir(parents=True, exist_ok=True)
        # every read checks for writes by other processes (the CLI's feedback, another server instance)
        db = lancedb.connect(str(directory), read_consistency_interval=timedelta(0))
        if TABLE in db.list_tables().tables:
            table = db.open_table(TABLE)
            built_with = (table.schema.metadata or {}).get(b"embedder", b"").decode()
            if built_with != embedder.name:
                raise ValueError(
                    f"incident memory at {directory} was built with embedder {built_with!r}, not {embedder.name!r}: "
                    f"set PM_EMBEDDER to match, or move that directory away to start afresh"
                )
        else:
            table = db.create_table(TABLE, schema=_schema(embedder))
        return cls(table, embedder)

    async def add(self, incident: PastIncident) -> None:
        await self.add_many([incident])

    async def add_many(self, incidents: Sequence[PastIncident]) -> None:
        if incidents:
            await asyncio.to_thread(self._add_many, list(incidents))

    def _add_many(self, incidents: list[PastIncident]) -> None:
        vectors = self._embedder.embed([incident.search_text() for incident in incidents])
        rows = [_row(incident, vector) for incident, vector in zip(incidents, vectors, strict=True)]
        unique = list({row["key"]: row for row in rows}.values())
        for attempt in range(_COMMIT_ATTEMPTS):
            try:
                with self._write_lock:
                    return self._write(unique)
            except RuntimeError as error:  # another process committed first (a CLI, another server instance)
                if "Retryable commit conflict" not in str(error) or attempt == _COMMIT_ATTEMPTS - 1:
                    raise
                self._has_fts = any(index.index_type == "FTS" for index in self._table.list_indices())
                time.sleep(0.05 * (attempt + 1))

    def _write(self, unique: list[dict[str, Any]]) -> None:
        (
            self._table.merge_insert("key")
            .when_matched_update_all()
            .when_not_matched_insert_all()
            .execute(pa.Table.from_pylist(unique, schema=self._table.schema))
        )
        if not self._has_fts:
            self._table.create_index("text", config=FTS(), replace=True, name=_FTS_INDEX)
            self._has_fts = True
        elif self._unindexed_rows() > _REINDEX_AFTER:
            self._table.optimize()

    def _unindexed_rows(self) -> int:
        stats = self._table.index_stats(_FTS_INDEX)
        return int(stats.num_unindexed_rows) if stats else 0

    async def _search_filtered(
        self, text: str, filters: SearchFilters, *, tenant: str, limit: int
    ) -> list[IncidentMatch]:
        where = _where(tenant=tenant, **filters.keywords())
        return await asyncio.to_thread(self._search, text, where, limit)

    def _search(self, text: str, where: str, limit: int) -> list[IncidentMatch]:
        depth = max(limit * 4, 20)
        if not self._has_fts:  # another process may have written the first incidents (and the index) since
            self._has_fts = any(index.index_type == "FTS" for index in self._table.list_indices())
        vector = self._embedder.embed_query(text)
        by_vector = (
            self._table.search(vector, vector_column_name="vector")
            .distance_type("cosine")
            .where(where, prefilter=True)
            .select(["key", "payload", "_distance"])
            .limit(depth)
            .to_list()
        )
        words = " ".join(_WORD.findall(text))
        by_keyword: list[dict[str, Any]] = []
        if words and self._has_fts:
            by_keyword = (
                self._table.search(words, query_type="fts", fts_columns="text")
                .where(where, prefilter=True)
                .select(["key", "payload", "_score"])
                .limit(depth)
                .to_list()
            )
        payloads = {row["key"]: row["payload"] for row in by_vector + by_keyword}
        fused = reciprocal_rank_fusion([[row["key"] for row in by_vector], [row["key"] for row in by_keyword]])
        best = sorted(fused, key=lambda key: fused[key], reverse=True)[:limit]
        return [
            IncidentMatch(incident=PastIncident.model_validate_json(payloads[key]), score=fused[key]) for key in best
        ]

    async def get(self, id: str, *, tenant: str = "default") -> PastIncident | None:
        _check_tenant(tenant)
        rows = await asyncio.to_thread(
            lambda: (
                self._table.search().where(f"key = {_quote(_key(tenant, id))}").select(["payload"]).limit(1).to_list()
            )
        )
        return PastIncident.model_validate_json(rows[0]["payload"]) if rows else None

    async def count(self, *, tenant: str | None = None) -> int:
        if tenant is None:
            return await asyncio.to_thread(self._table.count_rows)
        _check_tenant(tenant)
        return await asyncio.to_thread(self._table.count_rows, f"tenant = {_quote(tenant)}")

    async def aclose(self) -> None:
        return None  # LanceDB holds no open handle between calls


def _schema(embedder: Embedder) -> pa.Schema:
    fields = [
        pa.field("key", pa.string()),
        pa.field("id", pa.string()),
        pa.field("tenant", pa.string()),
        pa.field("text", pa.string()),
        pa.field("services", pa.list_(pa.string())),
        pa.field("fault_type", pa.string()),
        pa.field("started_at", pa.timestamp("us", tz="UTC")),
        pa.field("payload", pa.string()),
        pa.field("vector", pa.list_(pa.float32(), embedder.dim)),
    ]
    return pa.schema(fields, metadata={"embedder": embedder.name})


def _row(incident: PastIncident, vector: Any) -> dict[str, Any]:
    return {
        "key": _key(incident.tenant, incident.id),
        "id": incident.id,
        "tenant": incident.tenant,
        "text": incident.search_text(),
        "services": incident.services,
        "fault_type": incident.fault_type.value,
        "started_at": incident.started_at,
        "payload": incident.model_dump_json(),
        "vector": vector.tolist(),
    }


def _key(tenant: str, id: str) -> str:
    return f"{tenant}/{id}"


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _check_tenant(tenant: str) -> None:
    if not re.match(TENANT_PATTERN, tenant):
        raise ValueError(f"invalid tenant {tenant!r}: lowercase letters, digits, '-' and '_' only")


def _timestamp(value: datetime) -> str:
    return f"TIMESTAMP '{utc(value).strftime('%Y-%m-%d %H:%M:%S.%f')}'"


def _where(
    *,
    tenant: str,
    service: str | None,
    since: datetime | None,
    until: datetime | None,
    fault_type: FaultType | None,
) -> str:
    _check_tenant(tenant)
    clauses = [f"tenant = {_quote(tenant)}"]
    if service:
        clauses.append(f"array_has(services, {_quote(service)})")
    if since:
        clauses.append(f"started_at >= {_timestamp(since)}")
    if until:
        clauses.append(f"started_at <= {_timestamp(until)}")
    if fault_type:
        clauses.append(f"fault_type = {_quote(FaultType(fault_type).value)}")
    return " AND ".join(clauses)
