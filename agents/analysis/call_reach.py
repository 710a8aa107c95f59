"""Reach through the call graph: what a service calls, transitively, and what calls it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from graphs.contracts import DependencyEdge


def reachable(starts: Iterable[str], adjacency: dict[str, set[str]]) -> set[str]:
    """Every service reached from `starts` along `adjacency` (callees for dependencies, callers for dependants)."""
    seen: set[str] = set()
    stack = list(starts)
    while stack:
        for other in adjacency.get(stack.pop(), ()):
            if other not in seen:
                seen.add(other)
                stack.append(other)
    return seen


def adjacency(edges: list[DependencyEdge]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(callees, callers) of every service in the call graph."""
    callees: dict[str, set[str]] = defaultdict(set)
    callers: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        callees[edge.caller].add(edge.callee)
        callers[edge.callee].add(edge.caller)
    return callees, callers


def dependencies(service: str, edges: list[DependencyEdge]) -> set[str]:
    """Everything the service calls, transitively."""
    return reachable([service], adjacency(edges)[0]) - {service}
