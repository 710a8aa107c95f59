"""Incident memory opened on first use, once per process, for servers that import the graph and run it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from memory.incidents.base import FilteredSearch, IncidentMemory, SearchFilters
from memory.incidents.models import IncidentMatch, PastIncident

if TYPE_CHECKING:
    from graphs.settings import Settings

logger = logging.getLogger(__name__)


class LazyIncidentMemory(FilteredSearch):
    """IncidentMemory that opens the store `settings` names when first needed; concurrent first calls open it once.

    Reads before the embedded store exists answer empty without creating it or loading the embedder (a fresh
    install pays nothing); the first write creates it.
    """

    def __init__(self, settings: Settings, connect: Callable[[Settings], Awaitable[IncidentMemory]] | None = None):
        self._settings = settings
        self._connect = connect
        self._memory: IncidentMemory | None = None
        self._lock = asyncio.Lock()
        self.opened_in: float | None = None  # seconds the first open took (for the operator's numbers)

    @property
    def provider(self) -> str:
        """The class of the store behind it, once open."""
        return type(self._memory).__name__ if self._memory is not None else type(self).__name__

    async def opened(self, *, create: bool = True) -> IncidentMemory | None:
        """The open store; None when `create` is False and there is no store yet."""
        if self._memory is None:
            async with self._lock:
                if self._memory is None:
                    from memory.incidents import connect_incident_memory, has_incident_memory

                    if not create and not await asyncio.to_thread(has_incident_memory, self._settings):
                        return None
                    started = asyncio.get_running_loop().time()
                    self._memory = await (self._connect or connect_incident_memory)(self._settings)
                    self.opened_in = asyncio.get_running_loop().time() - started
                    logger.info("incident memory %s opened in %.3fs", self.provider, self.opened_in)
        return self._memory

    async def _store(self) -> IncidentMemory:
        memory = await self.opened()
        if memory is None:  # cannot happen: create=True always opens
            raise RuntimeError("incident memory did not open")
        return memory

    async def add(self, incident: PastIncident) -> None:
        await (await self._store()).add(incident)

    async def add_many(self, incidents: Sequence[PastIncident]) -> None:
        await (await self._store()).add_many(incidents)

    async def _search_filtered(
        self, text: str, filters: SearchFilters, *, tenant: str, limit: int
    ) -> list[IncidentMatch]:
        memory = await self.opened(create=False)
        if memory is None:
            return []
        return await memory.search(text, tenant=tenant, limit=limit, **filters.keywords())

    async def get(self, id: str, *, tenant: str = "default") -> PastIncident | None:
        memory = await self.opened(create=False)
        return await memory.get(id, tenant=tenant) if memory is not None else None

    async def count(self, *, tenant: str | None = None) -> int:
        memory = await self.opened(create=False)
        return await memory.count(tenant=tenant) if memory is not None else 0

    async def aclose(self) -> None:
        async with self._lock:
            if self._memory is not None:
                await self._memory.aclose()
                self._memory = None
