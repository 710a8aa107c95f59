"""The MCP gateway: a capability calls an interface operation; the gateway routes it to a provider, once, safely."""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError

from graphs.contracts import Lineage, stable_hash
from graphs.settings import Settings
from tools.gateway.connections import McpConnection, ProviderUnavailable, result_text
from tools.gateway.models import ProviderSpec, ServerEntry, ToolResult, ToolStatus
from tools.gateway.resilience import CircuitBreaker, TokenBucket, backoff_delay
from tools.gateway.routing import RouteEntry, load_routing_table
from tools.interfaces import Operation, get_interface

ToolCallHook = Callable[[ToolResult, dict[str, Any], str | None], Awaitable[None]]


class _Failure(Exception):
    """A failed attempt: its status, its kind (which decides retries) and a one-line reason."""

    def __init__(self, status: ToolStatus, kind: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind


class _NoData(Exception):
    """The provider cannot answer this operation (no such tool, or the vendor cannot express the call)."""


def internal_provider(settings: Settings) -> ProviderSpec:
    """Our internal MCP server for the configured world, spawned over stdio."""
    args = ["-m", "tools.servers.internal", "--world", settings.world, "--interface", "all"]
    for key, value in sorted(settings.world_options.items()):
        args += ["--option", f"{key}={value}"]
    return ProviderSpec(name="internal", mode="internal", server=ServerEntry(command=sys.executable, args=args))


