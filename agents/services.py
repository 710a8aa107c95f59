"""What nodes receive instead of doing I/O setup: settings and the gateway (later: router, memory, audit)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from langchain_core.runnables import RunnableConfig

from graphs.settings import Settings
from tools.gateway.gateway import Gateway

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
        _process_default = NodeServices(settings=settings, gateway=gateway)
    return _process_default
