"""Stand-in MCP servers: one per seed vendor, with that vendor's tool names and payloads over a world's data.

`python -m tools.servers.standins --vendor github --world demo [--fault hang] [--transport streamable-http --port P]`
"""

from __future__ import annotations

from collections.abc import Callable

from mcp.server.fastmcp import FastMCP

from tools.servers.standins.base import FaultPlan, VendorTool, WorldCalls, build_standin
from tools.servers.standins.grafana import grafana_datasource_tools, grafana_mcp_tools
from tools.servers.standins.vcs import github_tools, octocode_tools
from tools.servers.standins.work import context7_tools, fire_console_tools, ft_release_tools, jira_tools, slack_tools
from tools.worlds.base import World

VENDORS: dict[str, Callable[[WorldCalls], list[VendorTool]]] = {
    "grafana-datasource": grafana_datasource_tools,
    "grafana-mcp": grafana_mcp_tools,
    "github": github_tools,
    "octocode": octocode_tools,
    "FT-release": ft_release_tools,
    "jira": jira_tools,
    "Slack": slack_tools,
    "context-7": context7_tools,
    "fire-console": fire_console_tools,
}
CONTRACT = "contract"  # our own tool names and payloads (the internal server's), for fault injection


def contract_tools(world: WorldCalls) -> list[VendorTool]:
    from tools.interfaces import INTERFACES
    from tools.servers.internal import _tool_function
    from tools.worlds.base import world_operation

    return [
        VendorTool(op.name, _tool_function(op, impl), ())
        for interface in INTERFACES.values()
        for op in interface.operations.values()
        if (impl := world_operation(world.world, op.name)) is not None
    ]


def vendor_names() -> list[str]:
    return [*VENDORS, CONTRACT]


def build_vendor_server(
    vendor: str, world: World, *, fault: FaultPlan | None = None, host: str = "127.0.0.1", port: int = 8000
) -> FastMCP:
    """The stand-in server of one vendor (case-blind name) over a world."""
    by_lower = {name.lower(): name for name in vendor_names()}
    name = by_lower.get(vendor.lower())
    if name is None:
        raise ValueError(f"unknown vendor {vendor!r}; known: {', '.join(vendor_names())}")
    factory = contract_tools if name == CONTRACT else VENDORS[name]
    return build_standin(name, factory(WorldCalls(world)), world, fault=fault, host=host, port=port)


__all__ = ["CONTRACT", "VENDORS", "FaultPlan", "build_vendor_server", "vendor_names"]
