"""Incident memory: past incidents with verified root causes, searched by similarity (hybrid vector + keyword)."""

from __future__ import annotations

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


@asynccontextmanager
async def open_incident_memory(settings: Settings, embedder: Embedder | None = None) -> AsyncIterator[IncidentMemory]:
    """The store `settings.incident_memory` names: embedded (LanceDB under settings.home) or weaviate."""
    embedder = embedder or make_embedder(settings.embedder)
    memory: IncidentMemory
    if settings.incident_memory == "weaviate":
        if not settings.weaviate_url:
            raise ValueError("PM_INCIDENT_MEMORY=weaviate needs PM_WEAVIATE_URL (e.g. http://127.0.0.1:8080)")
        if importlib.util.find_spec("weaviate") is None:
            raise ValueError("PM_INCIDENT_MEMORY=weaviate needs pip install 'production-master[weaviate]'")
        from memory.incidents.weaviate_store import WeaviateIncidentMemory

        memory = await WeaviateIncidentMemory.open(settings.weaviate_url, embedder)
    else:
        from memory.incidents.lance import LanceIncidentMemory

        memory = await LanceIncidentMemory.open(settings.home / "incidents", embedder)
    try:
        yield memory
    finally:
        await memory.aclose()


__all__ = [
    "IncidentMatch",
    "IncidentMemory",
    "PastIncident",
    "has_incident_memory",
    "open_incident_memory",
    "reciprocal_rank_fusion",
]
