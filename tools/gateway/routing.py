"""The routing table: per interface, which provider serves it, which stands in, and with what resilience policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tools.interfaces import INTERFACES

BUNDLED_TABLE = Path(__file__).with_name("routing.default.yaml")


class RetryPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attempts: int = Field(2, ge=1, le=10)
    backoff_s: float = Field(0.2, ge=0.0)
    max_backoff_s: float = Field(2.0, ge=0.0)
    jitter: float = Field(0.5, ge=0.0, le=1.0)
    on: list[Literal["timeout", "unavailable", "tool_error", "malformed", "error"]] = Field(
        default_factory=lambda: ["timeout", "unavailable"],
        description="Failure kinds worth another attempt: the transient ones by default; 'error' = any error.",
    )

    def retries(self, kind: str) -> bool:
        return kind in self.on or ("error" in self.on and kind != "timeout")


class RateLimit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rate_per_s: float = Field(50.0, gt=0)
    burst: int = Field(50, ge=1)


class BreakerPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    failure_threshold: int = Field(5, ge=1, description="Failures within `window_s` that open the breaker.")
    window_s: float = Field(60.0, gt=0.0)
    open_s: float = Field(30.0, ge=0.0)
    half_open_probes: int = Field(1, ge=1)


class RouteEntry(BaseModel):
    """How one interface is served."""

    model_config = ConfigDict(extra="forbid")

    provider: str = "internal"
    mode: Literal["internal", "external"] = "internal"
    fallback: str | None = None
    timeout_s: float = Field(30.0, gt=0, description="Per attempt, once connected.")
    connect_timeout_s: float = Field(20.0, gt=0, description="Starting or reaching the provider's MCP server.")
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    rate_limit: RateLimit = Field(default_factory=RateLimit)
    breaker: BreakerPolicy = Field(default_factory=BreakerPolicy)
    allow: list[str] | None = Field(None, description="Allowed operations; None = every read-only operation.")
    parity: Literal["untested", "passing", "failing"] = "untested"


class ProviderConfig(BaseModel):
    """A named provider: which mcpServers entry serves it and which vendor adapter speaks our contract to it."""

    model_config = ConfigDict(extra="forbid")

    server: str | None = Field(None, description="The mcpServers key; the provider's own name when unset.")
    adapter: str | None = Field(None, description="Vendor adapter (github, jira, ...); None = our own contract.")
    options: dict[str, Any] = Field(default_factory=dict, description="Adapter options, e.g. {owner: shop}.")


class RoutingTable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    providers: dict[str, ProviderConfig] = Field(default_factory=dict)
    interfaces: dict[str, RouteEntry] = Field(default_factory=dict)
    environments: dict[str, dict[str, dict[str, Any]]] = Field(default_factory=dict)
    tenants: dict[str, dict[str, dict[str, Any]]] = Field(default_factory=dict)

    def effective(self, env: str | None = None, tenant: str | None = None) -> dict[str, RouteEntry]:
        """Entries after the environment overlay, then the tenant overlay; every interface has one."""
        table: dict[str, RouteEntry] = {}
        for name in INTERFACES:
            merged = self.interfaces.get(name, RouteEntry()).model_dump()
            for overlay in (self.environments.get(env or "", {}), self.tenants.get(tenant or "", {})):
                merged = _deep_merge(merged, overlay.get(name, {}))
            table[name] = RouteEntry.model_validate(merged)
        return table


def _deep_merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in overlay.items():
        out[key] = _deep_merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def load_routing_table(path: Path | None = None) -> RoutingTable:
    """Read a routing table YAML (the bundled one when path is None); errors name the file and field."""
    source = path or BUNDLED_TABLE
    try:
        raw = yaml.safe_load(source.read_text()) or {}
    except OSError as exc:
        raise ValueError(f"cannot read routing table {source}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"routing table {source} is not valid YAML: {exc}") from None
    unknown = set(raw.get("interfaces", {})) - set(INTERFACES)
    if unknown:
        raise ValueError(f"routing table {source}: unknown interface(s) {sorted(unknown)}")
    try:
        return RoutingTable.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"routing table {source}: {where}: {first['msg']}") from None
