"""Vendor adapters: each maps our interface operations to one vendor MCP server's tools and payloads."""

from __future__ import annotations

from typing import Any

from tools.adapters.atlassian import AtlassianAdapter
from tools.adapters.base import AdapterError, MalformedPayload, Mapping, Unsupported, VendorAdapter
from tools.adapters.context7 import Context7Adapter
from tools.adapters.fire_console import FireConsoleAdapter
from tools.adapters.ft_release import FtReleaseAdapter
from tools.adapters.github import GithubAdapter
from tools.adapters.grafana_datasource import GrafanaDatasourceAdapter
from tools.adapters.grafana_mcp import GrafanaMcpAdapter
from tools.adapters.jira import JiraAdapter
from tools.adapters.octocode import OctocodeAdapter
from tools.adapters.slack import SlackAdapter

ADAPTERS: dict[str, type[VendorAdapter]] = {
    cls.name: cls
    for cls in (
        GrafanaDatasourceAdapter,
        GrafanaMcpAdapter,
        GithubAdapter,
        OctocodeAdapter,
        FtReleaseAdapter,
        JiraAdapter,
        AtlassianAdapter,
        SlackAdapter,
        Context7Adapter,
        FireConsoleAdapter,
    )
}


def get_adapter(name: str, options: dict[str, Any] | None = None) -> VendorAdapter:
    """An adapter by its mcpServers domain name (case-blind), configured with its options."""
    by_lower = {key.lower(): cls for key, cls in ADAPTERS.items()}
    try:
        cls = by_lower[name.lower()]
    except KeyError:
        raise ValueError(f"unknown adapter {name!r}; known: {', '.join(ADAPTERS)}") from None
    return cls(options)


def has_adapter(name: str) -> bool:
    return name.lower() in {key.lower() for key in ADAPTERS}


__all__ = ["ADAPTERS", "AdapterError", "MalformedPayload", "Mapping", "Unsupported", "VendorAdapter", "get_adapter"]
