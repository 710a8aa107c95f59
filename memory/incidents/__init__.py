"""Incident memory: past incidents with verified root causes, searched by similarity (hybrid vector + keyword)."""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from memory.embedding import Embedder, make_embedder
from memory.incidents.base import IncidentMemory, reciprocal_rank_fusion
from memory.incidents.models import IncidentMatch, PastIncident

if TYPE_CHECKING:
    from graphs.settings import Settings


def has_incident_memory(settings: Settings) -> bool:
    """A server store, or an embedded one that feedback has written to (a fresh install pays nothing)."""
    return settings.incident_memory != "embedded" or (settings.home / "incidents").exists()


async def connect_incident_memory(settings: Settings, embedder: Embedder | None = None) -> IncidentMemory:
    """The store `settings.incident_memory` names, open (the caller closes it): embedded (LanceDB under
    settings.home) or weaviate. The embedder loads in a worker thread, so an event loop never waits on it."""
    if settings.incident_memory == "weaviate":
        if not settings.weaviate_url:
            raise ValueError("PM_INCIDENT_MEMORY=weaviate needs PM_WEAVIATE_URL (e.g. http://127.0.0.1:8080)")
        if importlib.util.find_spec("weaviate") is None:
            raise ValueError("PM_INCIDENT_MEMORY=weaviate needs pip install 'production-master[weaviate]'")
    embedder = embedder or await asyncio.to_thread(make_embedder, settings.embedder)
    if settings.incident_memory == "weaviate":
        from memory.incidents.weaviate_store import WeaviateIncidentMemory

        return await WeaviateIncidentMemory.open(settings.weaviate_url or "", embedder)
    from memory.incidents.lance import LanceIncidentMemory

    return await LanceIncidentMemory.open(settings.home / "incidents", embedder)


@asynccontextmanager
async def open_incident_memory(settings: Settings, embedder: Embedder | None = None) -> AsyncIterator[IncidentMemory]:
    """`connect_incident_memory` for the length of a `with` block."""
    memory = await connect_incident_memory(settings, embedder)
    try:
        yield memory
    finally:
        await memory.aclose()


__all__ = [
    "IncidentMatch",
    "IncidentMemory",
    "PastIncident",
    "connect_incident_memory",
    "has_incident_memory",
    "open_incident_memory",
    "reciprocal_rank_fusion",
]
