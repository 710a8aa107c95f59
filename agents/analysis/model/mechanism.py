"""The one interface every mechanism plugs in behind: for a candidate, the features it measured, each with the
evidence it explains or contradicts and a short why. No mechanism overwrites another; the model weighs them all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from agents.analysis.models import Candidate


@dataclass(frozen=True, slots=True)
class Attributed:
    """One feature of one candidate: its value (0..1), the evidence it rests on, and why it matters."""

    feature: str
    value: float
    why: str = ""
    explains: tuple[str, ...] = ()
    contradicts: tuple[str, ...] = ()


class Mechanism(Protocol):
    """A plug-in built once per case (it sees the case's evidence) that attributes features to any candidate."""

    name: str

    def attribute(self, candidate: Candidate) -> list[Attributed]: ...


def as_features(rows: list[Attributed]) -> dict[str, float]:
    """The plain feature vector (later mechanisms never overwrite an earlier one's feature)."""
    out: dict[str, float] = {}
    for row in rows:
        out.setdefault(row.feature, row.value)
    return out
