"""The incident-memory interface that every implementation satisfies."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from graphs.contracts import FaultType
from memory.incidents.models import IncidentMatch, PastIncident


@runtime_checkable
class IncidentMemory(Protocol):
    """Past incidents, searchable by text (hybrid vector + keyword) with filters; tenants never see each other."""

    async def add(self, incident: PastIncident) -> None:
        """Insert or replace (same tenant and id) one incident."""
        ...

    async def add_many(self, incidents: Sequence[PastIncident]) -> None:
        """Insert or replace many incidents in one batch."""
        ...

    async def search(
        self,
        text: str,
        *,
        service: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        tenant: str = "default",
        fault_type: FaultType | None = None,
        limit: int = 5,
    ) -> list[IncidentMatch]:
        """The incidents of `tenant` closest to `text`, best first; `since`/`until` bound `started_at`."""
        ...

    async def get(self, id: str, *, tenant: str = "default") -> PastIncident | None:
        """One incident by id, or None."""
        ...

    async def count(self, *, tenant: str | None = None) -> int:
        """How many incidents one tenant (or, with None, every tenant) has."""
        ...

    async def aclose(self) -> None:
        """Release files or connections."""
        ...


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """What a search is narrowed by besides its tenant; None leaves a condition out."""

    service: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    fault_type: FaultType | None = None

    def keywords(self) -> dict[str, Any]:
        """As `search` takes them."""
        return {"service": self.service, "since": self.since, "until": self.until, "fault_type": self.fault_type}


class FilteredSearch(ABC):
    """`IncidentMemory.search` spelled once: a store implements `_search_filtered` with the filters bundled."""

    async def search(
        self,
        text: str,
        *,
        service: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        tenant: str = "default",
        fault_type: FaultType | None = None,
        limit: int = 5,
    ) -> list[IncidentMatch]:
        """The incidents of `tenant` closest to `text`, best first; `since`/`until` bound `started_at`."""
        filters = SearchFilters(service=service, since=since, until=until, fault_type=fault_type)
        return await self._search_filtered(text, filters, tenant=tenant, limit=limit)

    @abstractmethod
    async def _search_filtered(
        self, text: str, filters: SearchFilters, *, tenant: str, limit: int
    ) -> list[IncidentMatch]: ...


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = 60) -> dict[str, float]:
    """Fuse ranked id lists: each list adds 1 / (k + rank) to an id's score."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking, start=1):
            scores[key] = scores.get(key, 0.0) + 1.0 / (k + rank)
    return scores
