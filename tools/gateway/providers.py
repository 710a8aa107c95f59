"""Providers from configuration: the routing table's `providers:` section bound to `mcpServers` entries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from tools.adapters import ADAPTERS, has_adapter
from tools.gateway.mcp_servers import load_mcp_servers, missing_env
from tools.gateway.models import ProviderSpec, ServerEntry
from tools.gateway.routing import ProviderConfig, RouteEntry, RoutingTable

BUILT_IN = frozenset({"internal"})


def build_providers(
    table: RoutingTable,
    routes: dict[str, RouteEntry],
    servers_file: Path | None,
    environ: Mapping[str, str],
    also: Iterable[str] = (),
) -> dict[str, ProviderSpec]:
    """Every provider the effective routes name (besides `internal`), checked now so mistakes surface at start-up."""
    servers: dict[str, ServerEntry] = load_mcp_servers(servers_file) if servers_file else {}
    routed = {name for route in routes.values() for name in (route.provider, route.fallback) if name}
    wanted = routed | set(table.providers) | set(also)
    providers: dict[str, ProviderSpec] = {}
    for name in sorted(wanted - BUILT_IN):
        config = table.providers.get(name) or _implicit(name)
        server_key = config.server or name
        entry = servers.get(server_key)
        if entry is None:
            where = f"the mcpServers file {servers_file}" if servers_file else "any mcpServers file (none configured)"
            raise ValueError(f"provider {name!r} needs the mcpServers entry {server_key!r}, which is not in {where}")
        if config.adapter is not None and not has_adapter(config.adapter):
            raise ValueError(f"provider {name!r}: unknown adapter {config.adapter!r}; known: {', '.join(ADAPTERS)}")
        absent = missing_env(entry, environ) if name in routed else []
        if absent:
            raise ValueError(f"provider {name!r}: set the environment variable(s) {', '.join(absent)}")
        providers[name] = ProviderSpec(
            name=name, mode="external", server=entry, adapter=config.adapter, options=dict(config.options)
        )
    return providers


def _implicit(name: str) -> ProviderConfig:
    """A route may name an mcpServers key directly; the adapter of the same name applies when there is one."""
    return ProviderConfig(server=name, adapter=name if has_adapter(name) else None)
