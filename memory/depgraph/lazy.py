"""A dependency graph opened on first use, once per process, for servers that import the graph and run it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from memory.depgraph.base import DependencyGraph
from memory.depgraph.models import Deploy, Direction, ServiceNode

if TYPE_CHECKING:
    from graphs.settings import Settings

logger = logging.getLogger(__name__)


class LazyDependencyGraph:
    """DependencyGraph that opens the store `settings` names on its first call; concurrent first calls open it once."""

    def __init__(self, settings: Settings, connect: Callable[[Settings], Awaitable[DependencyGraph]] | None = None):
        self._settings = settings
        self._connect = connect
        self._graph: DependencyGraph | None = None
        self._lock = asyncio.Lock()
        self.opened_in: float | None = None  # seconds the first open took (for the operator's numbers)

    @property
    def provider(self) -> str:
        """The class of the store behind it, once open."""
        return type(self._graph).__name__ if self._graph is not None else type(self).__name__

    async def opened(self) -> DependencyGraph:
        """The open store (opening it now if no call has yet)."""
        if self._graph is None:
            async with self._lock:
                if self._graph is None:
                    from memory.depgraph import connect_dependency_graph

                    started = asyncio.get_running_loop().time()
                    self._graph = await (self._connect or connect_dependency_graph)(self._settings)
                    self.opened_in = asyncio.get_running_loop().time() - started
                    logger.info("dependency graph %s opened in %.3fs", self.provider, self.opened_in)
        return self._graph

    async def upsert_service(
        self, name: str, owner: str | None = None, tier: str | None = None, attrs: dict[str, Any] | None = None
    ) -> None:
        await (await self.opened()).upsert_service(name, owner, tier, attrs)

    async def upsert_edge(self, caller: str, callee: str, calls: int = 0) -> None:
        await (await self.opened()).upsert_edge(caller, callee, calls)

    async def record_deploy(self, service: str, deploy_id: str, at: datetime, version: str) -> None:
        await (await self.opened()).record_deploy(service, deploy_id, at, version)

    async def deploys(self, service: str, since: datetime | None = None) -> list[Deploy]:
        return await (await self.opened()).deploys(service, since)

    async def service(self, name: str) -> ServiceNode | None:
        return await (await self.opened()).service(name)

    async def services(self) -> list[str]:
        return await (await self.opened()).services()

    async def neighbours(self, service: str, direction: Direction = "both") -> set[str]:
        return await (await self.opened()).neighbours(service, direction)

    async def upstream(self, service: str, depth: int = 1) -> dict[str, int]:
        return await (await self.opened()).upstream(service, depth)

    async def downstream(self, service: str, depth: int = 1) -> dict[str, int]:
        return await (await self.opened()).downstream(service, depth)

    async def paths(self, src: str, dst: str, max_depth: int = 4) -> list[list[str]]:
        return await (await self.opened()).paths(src, dst, max_depth)

    async def blast_radius(self, service: str) -> set[str]:
        return await (await self.opened()).blast_radius(service)

    async def owner(self, service: str) -> str | None:
        return await (await self.opened()).owner(service)

    async def aclose(self) -> None:
        async with self._lock:
            if self._graph is not None:
                await self._graph.aclose()
                self._graph = None
