"""The graph's state: plain JSON-able dicts (every checkpointer and runtime stores them as they are)."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict


def merge_by_id(left: list[dict[str, Any]] | None, right: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Append items, replacing any with the same id (a re-run branch never duplicates evidence)."""
    merged = {item["id"]: item for item in left or []}
    for item in right or []:
        merged[item["id"]] = item
    return list(merged.values())


class InvestigationInput(TypedDict):
    """What a client sends: the request (an InvestigationRequest as JSON)."""

    request: dict[str, Any]


class InvestigationState(TypedDict, total=False):
    """Working state. Pydantic contracts are stored as their JSON dicts."""

    request: dict[str, Any]
    investigation_id: str
    scope: dict[str, Any]
    iteration: int
    tasks: list[dict[str, Any]]
    evidence: Annotated[list[dict[str, Any]], merge_by_id]
    hypotheses: list[dict[str, Any]]
    candidates: list[dict[str, Any]]
    verdicts: Annotated[list[dict[str, Any]], operator.add]
    routing_log: Annotated[list[dict[str, Any]], operator.add]
    tool_calls: Annotated[int, operator.add]
    actions: list[dict[str, Any]]
    report: dict[str, Any]
    started_at: float


class CollectInput(TypedDict):
    """What one collect branch receives through Send."""

    task: dict[str, Any]
    request: dict[str, Any]
