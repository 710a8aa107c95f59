"""What nodes receive instead of doing I/O setup: settings, the gateway and the memory stores (later: router, audit)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langchain_core.runnables import RunnableConfig

from graphs.settings import Settings
from tools.gateway.gateway import Gateway

if TYPE_CHECKING:
    from memory.incidents import IncidentMemory

SERVICES_KEY = "pm_services"


@dataclass
class NodeServices:
    settings: Settings
    gateway: Gateway
    extras: dict[str, Any] = field(default_factory=dict)


_process_default: NodeServices | None = None


def get_services(config: RunnableConfig | None) -> NodeServices:
    """The services a caller put in the run config; in server mode, one set per process built from the env."""
    global _process_default
    configurable = (config or {}).get("configurable", {})
    services = configurable.get(SERVICES_KEY)
    if isinstance(services, NodeServices):
        return services
    if _process_default is None:
        # the serving runtime's edge: it imports the graph and runs it, so settings come from the environment
        settings = Settings()
        from memory.audit import record_tool_result

        gateway = Gateway.from_settings(settings, on_call=record_tool_result)
        _process_default = NodeServices(settings=settings, gateway=gateway, extras=served_stores(settings))
    return _process_default


def served_stores(settings: Settings) -> dict[str, Any]:
    """Incident memory and the dependency graph under the keys nodes read, opened on first use off the event loop.

    Building them does no I/O (get_services runs on the server's loop); the CLI's runner opens its own instead.
    """
    from agents.collector.context import GRAPH_KEY
    from agents.collector.history import MEMORY_KEY
    from memory.depgraph.lazy import LazyDependencyGraph
    from memory.incidents.lazy import LazyIncidentMemory

    return {MEMORY_KEY: LazyIncidentMemory(settings), GRAPH_KEY: LazyDependencyGraph(settings)}


def process_incident_memory() -> IncidentMemory:
    """The incident memory the served graph of this process reads (our feedback route writes there)."""
    from agents.collector.history import MEMORY_KEY

    return get_services(None).extras[MEMORY_KEY]
