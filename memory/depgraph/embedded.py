"""Embedded dependency graph: a networkx DiGraph kept in memory and written to a JSON file on every change.

File reads and writes run in worker threads, so an event loop (a server's) never waits on the disk.
"""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import networkx as nx

from graphs.contracts import utc
from memory.depgraph.models import Deploy, Direction, ServiceNode
from memory.files import replace_atomically


class EmbeddedDependencyGraph:
    """DependencyGraph in one process; `path=None` keeps it in memory only."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._graph: nx.DiGraph = nx.DiGraph()
        self._deploys: dict[str, Deploy] = {}
        self._version = 0  # bumped per change; a slower writer never overwrites a newer snapshot
        self._written = 0
        self._write_lock = threading.Lock()
        if path is not None and path.exists():
            self._load(path)

    @classmethod
    async def open(cls, path: Path | None) -> EmbeddedDependencyGraph:
        """The graph stored at `path` (empty when there is no file), read in a worker thread."""
        return await asyncio.to_thread(cls, path)

    def _load(self, path: Path) -> None:
        try:
            data = json.loads(path.read_text())
            self._graph = nx.node_link_graph(data["graph"], directed=True, edges="edges")
            self._deploys = {d["deploy_id"]: Deploy.model_validate(d) for d in data.get("deploys", [])}
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(
                f"dependency graph file {path} is unreadable ({error}); move it away to start afresh"
            ) from None

    async def _save(self) -> None:
        """Snapshot the graph now (on the caller's loop), write it in a worker thread."""
        if self._path is None:
            return
        data = {
            "graph": nx.node_link_data(self._graph, edges="edges"),
            "deploys": [deploy.model_dump(mode="json") for deploy in self._deploys.values()],
        }
        self._version += 1
        await asyncio.to_thread(self._write, self._path, self._version, json.dumps(data, sort_keys=True))

    def _write(self, path: Path, version: int, text: str) -> None:
        with self._write_lock:
            if version <= self._written:
                return
            # processes sharing a home (two evals, a CLI beside a server) each write whole snapshots: the last wins
            replace_atomically(path, text.encode())
            self._written = version

    def _ensure(self, name: str) -> None:
        if name not in self._graph:
            self._graph.add_node(name, owner=None, tier=None, attrs={})

    async def upsert_service(
        self, name: str, owner: str | None = None, tier: str | None = None, attrs: dict[str, Any] | None = None
    ) -> None:
        self._ensure(name)
        node = self._graph.nodes[name]
        if owner is not None:
            node["owner"] = owner
        if tier is not None:
            node["tier"] = tier
        node["attrs"] = {**node.get("attrs", {}), **(attrs or {})}
        await self._save()

    async def upsert_edge(self, caller: str, callee: str, calls: int = 0) -> None:
        self._ensure(caller)
        self._ensure(callee)
        stored = self._graph.edges[caller, callee]["calls"] if self._graph.has_edge(caller, callee) else 0
        self._graph.add_edge(caller, callee, calls=calls if calls > 0 else stored)
        await self._save()

    async def record_deploy(self, service: str, deploy_id: str, at: datetime, version: str) -> None:
        self._ensure(service)
        self._deploys[deploy_id] = Deploy(service=service, deploy_id=deploy_id, at=at, version=version)
        await self._save()

    async def deploys(self, service: str, since: datetime | None = None) -> list[Deploy]:
        found = [d for d in self._deploys.values() if d.service == service and (since is None or d.at >= utc(since))]
        return sorted(found, key=lambda deploy: deploy.at)

    async def service(self, name: str) -> ServiceNode | None:
        if name not in self._graph:
            return None
        node = self._graph.nodes[name]
        return ServiceNode(name=name, owner=node.get("owner"), tier=node.get("tier"), attrs=node.get("attrs", {}))

    async def services(self) -> list[str]:
        return sorted(self._graph.nodes)

    async def neighbours(self, service: str, direction: Direction = "both") -> set[str]:
        if service not in self._graph:
            return set()
        found: set[str] = set()
        if direction in ("upstream", "both"):
            found |= set(self._graph.predecessors(service))
        if direction in ("downstream", "both"):
            found |= set(self._graph.successors(service))
        return found - {service}

    async def upstream(self, service: str, depth: int = 1) -> dict[str, int]:
        return self._within(self._graph.reverse(copy=False), service, depth)

    async def downstream(self, service: str, depth: int = 1) -> dict[str, int]:
        return self._within(self._graph, service, depth)

    @staticmethod
    def _within(graph: nx.DiGraph, service: str, depth: int | None) -> dict[str, int]:
        if service not in graph:
            return {}
        distances = nx.single_source_shortest_path_length(graph, service, cutoff=depth)
        return {name: hops for name, hops in distances.items() if name != service}

    async def paths(self, src: str, dst: str, max_depth: int = 4) -> list[list[str]]:
        if src not in self._graph or dst not in self._graph or src == dst:
            return []
        found = [list(p) for p in nx.all_simple_paths(self._graph, src, dst, cutoff=max_depth)]
        return sorted(found, key=lambda path: (len(path), path))

    async def blast_radius(self, service: str) -> set[str]:
        return set(self._within(self._graph.reverse(copy=False), service, None))

    async def owner(self, service: str) -> str | None:
        return self._graph.nodes[service].get("owner") if service in self._graph else None

    async def aclose(self) -> None:
        return None
