"""Gateway records: what a tool call returns, and how providers are described."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from graphs.contracts import Lineage


class ToolStatus(StrEnum):
    ok = "ok"
    no_data = "no_data"
    error = "error"
    timeout = "timeout"
    refused = "refused"


class ToolResult(BaseModel):
    """The outcome of one interface operation; failures are data, never exceptions."""

    model_config = ConfigDict(extra="forbid")

    interface: str
    operation: str
    provider: str
    status: ToolStatus
    data: dict[str, Any] | None = None
    error: str | None = None
    attempts: int = 1
    seconds: float = 0.0
    lineage: Lineage | None = None
    error_kind: str | None = Field(
        None,
        description="timeout | unavailable | tool_error | malformed | breaker_open | unsupported | inexpressible "
        "| policy",
    )
    fallback_from: str | None = Field(None, description="The provider that failed before the fallback served.")
    fallback_error: str | None = Field(None, description="Why that provider failed.")

    @property
    def ok(self) -> bool:
        return self.status is ToolStatus.ok


class ServerEntry(BaseModel):
    """One `mcpServers` entry, as Claude and Cursor configs write it (stdio command or URL)."""

    model_config = ConfigDict(extra="allow")

    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] | None = None
    url: str | None = None
    transport: str | None = None
    type: str | None = None
    headers: dict[str, str] | None = None

    def connection(self, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The langchain-mcp-adapters connection dict, `${VAR}` references resolved from the environment only now."""
        env = os.environ if environ is None else environ
        if self.url:
            transport = self.transport or self.type or "streamable_http"
            transport = {"http": "streamable_http", "streamable-http": "streamable_http"}.get(transport, transport)
            conn: dict[str, Any] = {"transport": transport, "url": expand_env(self.url, env)}
            if self.headers:
                conn["headers"] = {key: expand_env(value, env) for key, value in self.headers.items()}
            return conn
        if not self.command:
            raise ValueError("an mcpServers entry needs either 'command' or 'url'")
        conn = {
            "transport": "stdio",
            "command": expand_env(self.command, env),
            "args": [expand_env(arg, env) for arg in self.args],
        }
        if self.env is not None:
            conn["env"] = {key: expand_env(value, env) for key, value in self.env.items()}
        return conn


ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def expand_env(text: str, environ: Mapping[str, str]) -> str:
    """`text` with `${VAR}` / `${VAR:-default}` replaced from `environ`; a missing variable is a clear error."""

    def value(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in environ:
            return environ[name]
        if default is not None:
            return default
        raise ValueError(f"environment variable {name} is not set (an mcpServers entry refers to it)")

    return ENV_REF.sub(value, text)


class ProviderSpec(BaseModel):
    """A provider of one or more interfaces: an MCP server plus the adapter that speaks our contract."""

    model_config = ConfigDict(extra="forbid")

    name: str
    mode: Literal["internal", "external"] = "internal"
    server: ServerEntry
    adapter: str | None = Field(None, description="Vendor adapter name for external servers; None = our contract.")
    options: dict[str, Any] = Field(default_factory=dict, description="Adapter options (owner, datasource uids...).")
