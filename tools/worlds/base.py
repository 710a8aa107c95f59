"""A world is a data source that our internal MCP servers serve: a dataset, hand-written incidents, a real API.

A world implements interface operations as methods named after them (`query_metrics`, `list_deployments`, ...),
each taking the operation's input model and returning its output model (see `tools/interfaces.py`). An operation a
world lacks is answered as "no data" by the server, never as a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from tools.interfaces import OpInput, OpOutput


@runtime_checkable
class World(Protocol):
    name: str

    def describe(self) -> dict[str, Any]:
        """A short, JSON-able description of what this world holds (no labels, no answers)."""
        ...


WorldFactory = Callable[[dict[str, str]], World]
_FACTORIES: dict[str, WorldFactory] = {}


def register_world(name: str, factory: WorldFactory) -> None:
    _FACTORIES[name] = factory


def world_names() -> list[str]:
    _load_builtin()
    return sorted(_FACTORIES)


def load_world(name: str, options: dict[str, str] | None = None) -> World:
    """Build a world by name; options are world-specific (data_dir, system, ...)."""
    _load_builtin()
    try:
        factory = _FACTORIES[name]
    except KeyError:
        raise ValueError(f"unknown world {name!r}; known: {', '.join(sorted(_FACTORIES))}") from None
    return factory(dict(options or {}))


def required_option(options: dict[str, str], world: str, key: str, shape: str) -> str:
    """`options[key]`, or a ValueError that says the `world` needs `key=<shape>`."""
    value = options.get(key)
    if not value:
        raise ValueError(f"the {world} world needs the option {key}={shape}")
    return value


def world_operation(world: World, operation: str) -> Callable[[OpInput], OpOutput] | None:
    """The world's implementation of an operation, or None when it has no such data."""
    method = getattr(world, operation, None)
    return method if callable(method) else None


def _load_builtin() -> None:
    # Worlds register themselves on import; importing here keeps start-up free of data loading.
    import tools.worlds.registry  # noqa: F401
