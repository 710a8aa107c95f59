"""Dependency graph in Neo4j through the official async driver: (:Service)-[:CALLS]->(:Service), (:Deploy).

Every node carries a `graph` property (a namespace), so several graphs, or test runs, share one database.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from graphs.contracts import utc
from memory.depgraph.models import Deploy, Direction, ServiceNode

SETUP = [
    "CREATE CONSTRAINT pm_service_key IF NOT EXISTS FOR (s:Service) REQUIRE (s.graph, s.name) IS UNIQUE",
    "CREATE CONSTRAINT pm_deploy_key IF NOT EXISTS FOR (d:Deploy) REQUIRE (d.graph, d.deploy_id) IS UNIQUE",
    "CREATE INDEX pm_service_owner IF NOT EXISTS FOR (s:Service) ON (s.owner)",
    "CREATE INDEX pm_deploy_at IF NOT EXISTS FOR (d:Deploy) ON (d.service, d.at)",
]
MAX_DEPTH = 12  # variable-length bounds are literals in Cypher; this caps what callers can ask for

UPSERT_SERVICE = """
MERGE (s:Service {graph: $graph, name: $name})
ON CREATE SET s.attrs = '{}'
SET s.owner = coalesce($owner, s.owner), s.tier = coalesce($tier, s.tier), s.attrs = $attrs
"""
UPSERT_EDGE = """
MERGE (a:Service {graph: $graph, name: $caller}) ON CREATE SET a.attrs = '{}'
MERGE (b:Service {graph: $graph, name: $callee}) ON CREATE SET b.attrs = '{}'
MERGE (a)-[r:CALLS]->(b)
SET r.calls = CASE WHEN $calls > 0 THEN $calls ELSE coalesce(r.calls, 0) END
"""
RECORD_DEPLOY = """
MERGE (s:Service {graph: $graph, name: $service}) ON CREATE SET s.attrs = '{}'
MERGE (d:Deploy {graph: $graph, deploy_id: $deploy_id})
SET d.service = $service, d.at = datetime($at), d.version = $version
MERGE (s)-[:DEPLOYED]->(d)
"""


def _depth(value: int | None) -> str:
    if value is None:
        return f"1..{MAX_DEPTH}"
    if not 1 <= value <= MAX_DEPTH:
        raise ValueError(f"depth must be between 1 and {MAX_DEPTH}, got {value}")
    return f"1..{int(value)}"


class Neo4jDependencyGraph:
    """DependencyGraph on a Neo4j server; call `setup()` once to create constraints and indexes."""

    def __init__(self, driver: Any, graph: str = "default", database: str | None = None) -> None:
        self._driver = driver
        self._graph = graph
        self._database = database

    @classmethod
    async def open(
        cls, uri: str, user: str, password: str | None, graph: str = "default", database: str | None = None
    ) -> Neo4jDependencyGraph:
        from neo4j import AsyncGraphDatabase

        driver = AsyncGraphDatabase.driver(uri, auth=(user, password or ""))
        try:
            await driver.verify_connectivity()
        except Exception:
            await driver.close()
            raise
        return cls(driver, graph, database)

    async def _run(self, query: str, **params: Any) -> list[Any]:
        records, _, _ = await self._driver.execute_query(
            query, parameters_={"graph": self._graph, **params}, database_=self._database
        )
        return records

    async def setup(self) -> None:
        for statement in SETUP:
            await self._run(statement)

    async def upsert_service(
        self, name: str, owner: str | None = None, tier: str | None = None, attrs: dict[str, Any] | None = None
    ) -> None:
        current = await self.service(name)
        merged = {**(current.attrs if current else {}), **(attrs or {})}
        await self._run(UPSERT_SERVICE, name=name, owner=owner, tier=tier, attrs=json.dumps(merged, sort_keys=True))

    async def upsert_edge(self, caller: str, callee: str, calls: int = 0) -> None:
        await self._run(UPSERT_EDGE, caller=caller, callee=callee, calls=calls)

    async def record_deploy(self, service: str, deploy_id: str, at: datetime, version: str) -> None:
        await self._run(RECORD_DEPLOY, service=service, deploy_id=deploy_id, at=utc(at).isoformat(), version=version)

    async def deploys(self, service: str, since: datetime | None = None) -> list[Deploy]:
        records = await self._run(
            "MATCH (d:Deploy {graph: $graph, service: $service}) "
            "WHERE $since IS NULL OR d.at >= datetime($since) "
            "RETURN d.deploy_id AS deploy_id, toString(d.at) AS at, d.version AS version ORDER BY d.at",
            service=service,
            since=utc(since).isoformat() if since else None,
        )
        return [
            Deploy(service=service, deploy_id=r["deploy_id"], at=datetime.fromisoformat(r["at"]), version=r["version"])
            for r in records
        ]

    async def service(self, name: str) -> ServiceNode | None:
        records = await self._run(
            "MATCH (s:Service {graph: $graph, name: $name}) RETURN s.owner AS owner, s.tier AS tier, s.attrs AS attrs",
            name=name,
        )
        if not records:
            return None
        record = records[0]
        return ServiceNode(
            name=name, owner=record["owner"], tier=record["tier"], attrs=json.loads(record["attrs"] or "{}")
        )

    async def services(self) -> list[str]:
        records = await self._run("MATCH (s:Service {graph: $graph}) RETURN s.name AS name ORDER BY name")
        return [r["name"] for r in records]

    async def neighbours(self, service: str, direction: Direction = "both") -> set[str]:
        found: set[str] = set()
        if direction in ("upstream", "both"):
            found |= set(await self.upstream(service, 1))
        if direction in ("downstream", "both"):
            found |= set(await self.downstream(service, 1))
        return found

    async def upstream(self, service: str, depth: int = 1) -> dict[str, int]:
        return await self._reach(service, depth, upstream=True)

    async def downstream(self, service: str, depth: int = 1) -> dict[str, int]:
        return await self._reach(service, depth, upstream=False)

    async def _reach(self, service: str, depth: int | None, *, upstream: bool) -> dict[str, int]:
        pattern = (
            f"(o:Service {{graph: $graph}})-[:CALLS*{_depth(depth)}]->(s)"
            if upstream
            else (f"(s)-[:CALLS*{_depth(depth)}]->(o:Service {{graph: $graph}})")
        )
        records = await self._run(
            f"MATCH (s:Service {{graph: $graph, name: $name}}) MATCH p = {pattern} "
            "WHERE o <> s RETURN o.name AS name, min(length(p)) AS hops",
            name=service,
        )
        return {r["name"]: int(r["hops"]) for r in records}

    async def paths(self, src: str, dst: str, max_depth: int = 4) -> list[list[str]]:
        if src == dst:
            return []
        records = await self._run(
            "MATCH p = (a:Service {graph: $graph, name: $src})"
            f"-[:CALLS*{_depth(max_depth)}]->(b:Service {{graph: $graph, name: $dst}}) "
            "WHERE all(n IN nodes(p) WHERE single(m IN nodes(p) WHERE m = n)) "
            "RETURN [n IN nodes(p) | n.name] AS names",
            src=src,
            dst=dst,
        )
        return sorted((list(r["names"]) for r in records), key=lambda path: (len(path), path))

    async def blast_radius(self, service: str) -> set[str]:
        return set(await self._reach(service, None, upstream=True))

    async def owner(self, service: str) -> str | None:
        node = await self.service(service)
        return node.owner if node else None

    async def aclose(self) -> None:
        await self._driver.close()

    async def drop(self) -> None:
        """Delete every node of this graph namespace (tests and resets)."""
        await self._run("MATCH (n {graph: $graph}) DETACH DELETE n")
