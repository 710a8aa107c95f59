"""What `production-master providers` prints: the effective routing table with health probes, and parity runs."""

from __future__ import annotations

import asyncio
import math
import os
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field

from graphs.contracts import stable_hash
from graphs.settings import Settings
from tools.adapters import get_adapter
from tools.gateway.connections import McpConnection
from tools.gateway.gateway import Gateway, internal_provider
from tools.gateway.models import ProviderSpec
from tools.gateway.providers import build_providers
from tools.gateway.routing import RouteEntry, RoutingTable, load_routing_table
from tools.interfaces import get_interface
from tools.worlds.base import load_world

PROBE_TIMEOUT_S = 15.0


class ProviderHealth(BaseModel):
    provider: str
    healthy: bool
    tools: int = 0
    missing_tools: list[str] = Field(
        default_factory=list, description="Vendor tools the adapter maps but the server lacks."
    )
    error: str | None = None


def _providers(
    settings: Settings, table: RoutingTable, routes: dict[str, RouteEntry], also=()
) -> dict[str, ProviderSpec]:
    found = {"internal": internal_provider(settings)}
    return found | build_providers(table, routes, settings.mcp_servers_file, os.environ, also=also)


async def probe(provider: ProviderSpec, timeout_s: float = PROBE_TIMEOUT_S) -> ProviderHealth:
    """Connect, list tools, compare them with what the adapter needs; never raises."""
    try:
        connection = provider.server.connection()
    except ValueError as exc:
        return ProviderHealth(provider=provider.name, healthy=False, error=str(exc))
    conn = McpConnection(provider.name, connection, connect_timeout_s=timeout_s)
    try:
        await conn.session()
    except Exception as exc:  # a probe reports every failure as data
        return ProviderHealth(provider=provider.name, healthy=False, error=str(exc).splitlines()[0][:200])
    finally:
        await conn.close()
    missing: list[str] = []
    if provider.adapter:
        adapter = get_adapter(provider.adapter, provider.options)
        missing = sorted({t for op in adapter.operations() if (t := adapter.tool_for(op)) and t not in conn.tools})
    return ProviderHealth(provider=provider.name, healthy=True, tools=len(conn.tools), missing_tools=missing)


def effective_table(
    settings: Settings, env: str | None = None, tenant: str | None = None, *, probe_health: bool = True
) -> list[dict[str, Any]]:
    """One row per interface: the effective route after overlays, its providers and (optionally) their health."""
    table = load_routing_table(settings.routing_table)
    routes = table.effective(env or settings.env, tenant or settings.tenant)
    providers = _providers(settings, table, routes)
    health: dict[str, ProviderHealth] = {}
    if probe_health:
        used = sorted({n for r in routes.values() for n in (r.provider, r.fallback) if n and n in providers})
        results = asyncio.run(_probe_all([providers[n] for n in used]))
        health = {h.provider: h for h in results}
    rows = []
    for interface, route in routes.items():
        spec = providers.get(route.provider)
        rows.append(
            {
                "interface": interface,
                "provider": route.provider,
                "mode": spec.mode if spec else route.mode,
                "adapter": spec.adapter if spec else None,
                "fallback": route.fallback,
                "timeout_s": route.timeout_s,
                "retry": route.retry.model_dump(),
                "rate_limit": route.rate_limit.model_dump(),
                "breaker": route.breaker.model_dump(),
                "allow": route.allow,
                "parity": route.parity,
                "health": {n: health[n].model_dump() for n in (route.provider, route.fallback) if n and n in health},
            }
        )
    return rows


async def _probe_all(specs: list[ProviderSpec]) -> list[ProviderHealth]:
    return list(await asyncio.gather(*(probe(spec) for spec in specs)))


# --- parity ----------------------------------------------------------------------------------------
class ParityCase(BaseModel):
    operation: str
    args: dict[str, Any]
    status_a: str
    status_b: str
    equal: bool
    detail: str = ""
    count_a: int = 0
    count_b: int = 0


class ParityReport(BaseModel):
    interface: str
    a: str
    b: str
    world: str
    cases: list[ParityCase]
    ignored_fields: dict[str, list[str]] = Field(default_factory=dict, description="Fields a vendor cannot carry.")

    @property
    def passed(self) -> bool:
        return bool(self.cases) and all(case.equal for case in self.cases)


def sample_cases(interface: str, describe: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Read-only calls worth comparing, from what a world says about itself (its services and its time)."""
    now = describe.get("now") or (describe.get("window") or {}).get("end")
    now = now or (f"{describe['days'][-1]}T23:59:59+00:00" if describe.get("days") else None)
    end = datetime.fromisoformat(now) if now else datetime.now(UTC)
    window = {"start": (end - timedelta(minutes=30)).isoformat(), "end": end.isoformat()}
    wide = {"start": (end - timedelta(days=2)).isoformat(), "end": (end + timedelta(hours=2)).isoformat()}
    listed = describe.get("services", [])  # a scenario world describes itself with a count
    services = list(listed)[:2] if isinstance(listed, list | tuple) else []
    per_service = [{"service": s} for s in services] or [{}]
    cases: dict[str, list[dict[str, Any]]] = {
        "query_metrics": [window | s | {"metrics": ["latency_p95_ms"]} for s in per_service],
        "query_logs": [window | s | {"limit": 300} for s in per_service],
        "query_traces": [window | {"limit": 300}],
        "get_error_details": [window | {"service": s} for s in services],
        "list_services": [{}],
        "list_commits": [wide | s for s in per_service],
        "list_prs": [wide | s for s in per_service],
        "list_deployments": [wide | s for s in per_service],
        "list_flags": [{}],
        "get_rollout_history": [wide],
        "search_code": [{"query": "timeout"}],
        "search_tickets": [{"query": "error"}],
        "search_messages": [wide | {"query": "errors"}],
        "resolve_service": [{"name": s} for s in services],
        "get_dependencies": [{}],
        "search_docs": [{"query": "timeout"}],
    }
    ops = get_interface(interface).operations.values()
    return [(op.name, args) for op in ops if not op.action for args in cases.get(op.name, [])]


def parity(
    settings: Settings,
    interface: str,
    a: str,
    b: str,
    world: str,
    *,
    world_options: dict[str, str] | None = None,
    cases: list[tuple[str, dict[str, Any]]] | None = None,
    operations: list[str] | None = None,
) -> ParityReport:
    """Run the same read-only operations against providers a and b on one world and report the differences.

    `operations` keeps only those operations' sample cases (a vendor that serves part of an interface)."""
    known = get_interface(interface).operations
    for name in operations or []:
        if name not in known:
            raise ValueError(f"--operation {name!r} is not an operation of {interface} ({', '.join(known)})")
    options = settings.world_options if world_options is None else world_options
    settings = settings.model_copy(update={"world": world, "world_options": options})
    table = load_routing_table(settings.routing_table)
    routes = table.effective(settings.env, settings.tenant)
    providers = _providers(settings, table, routes, also=[p for p in (a, b) if p != "internal"])
    base = routes[interface].model_copy(update={"fallback": None, "allow": None})
    if cases is None:
        cases = sample_cases(interface, load_world(world, options).describe())
    if operations:
        cases = [(op, args) for op, args in cases if op in operations]
    ignored: dict[str, set[str]] = {}
    for name in (a, b):
        spec = providers[name]
        if spec.adapter:
            adapter = get_adapter(spec.adapter, spec.options)
            for op, _ in cases:
                ignored.setdefault(op, set()).update(adapter.lossy(op))
    return ParityReport(
        interface=interface,
        a=a,
        b=b,
        world=world,
        cases=asyncio.run(_run_cases(interface, base, (a, b), providers, cases, ignored)),
        ignored_fields={op: sorted(fields) for op, fields in ignored.items() if fields},
    )


async def _run_cases(
    interface: str,
    route: RouteEntry,
    names: tuple[str, str],
    providers: dict[str, ProviderSpec],
    cases: list[tuple[str, dict[str, Any]]],
    ignored: dict[str, set[str]],
) -> list[ParityCase]:
    """Each case through one gateway per provider in `names` (on `route`), side by side, compared."""
    gateways = [
        Gateway({interface: route.model_copy(update={"provider": name})}, providers, environ=os.environ)
        for name in names
    ]
    try:
        results = []
        for op, args in cases:
            ra, rb = await asyncio.gather(*(gw.call(interface, op, args) for gw in gateways))
            results.append(_compare(op, args, ra, rb, ignored.get(op, set())))
    finally:
        await asyncio.gather(*(gw.close() for gw in gateways))
    return results


def _compare(op: str, args: dict[str, Any], ra: Any, rb: Any, ignored: set[str]) -> ParityCase:
    da, db = normalise(ra.data, ignored), normalise(rb.data, ignored)
    statuses = {ra.status.value, rb.status.value}
    # a provider without the tool ("no data") and one whose answer is empty tell the investigation the same thing
    empty = statuses == {"no_data", "ok"} and _count(da if ra.status.value == "ok" else db) == 0
    same_status = ra.status == rb.status or empty
    equal = empty or (same_status and (stable_hash(da) == stable_hash(db) or approx_equal(da, db)))
    detail = "" if equal else (first_difference(da, db) if same_status else f"{ra.error or ''} | {rb.error or ''}")
    return ParityCase(
        operation=op,
        args=args,
        status_a=ra.status.value,
        status_b=rb.status.value,
        equal=equal,
        detail=detail[:300],
        count_a=_count(da),
        count_b=_count(db),
    )


def normalise(value: Any, ignored: set[str] = frozenset()) -> Any:  # type: ignore[assignment]
    """Floats to microseconds (wire formats round instants), ignored fields dropped, recursively."""
    if isinstance(value, dict):
        return {k: normalise(v, ignored) for k, v in value.items() if k not in ignored}
    if isinstance(value, list):
        return [normalise(v, ignored) for v in value]
    if isinstance(value, float) and math.isfinite(value):
        return round(value, 6)
    return value


def approx_equal(a: Any, b: Any) -> bool:
    """Equal up to 10 µs on floats: wire formats (Loki nanoseconds, RFC 3339) round instants differently."""
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=0.0, abs_tol=1e-5)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(approx_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(approx_equal(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def first_difference(a: Any, b: Any, path: str = "$") -> str:
    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}.{key}: only in {'b' if key not in a else 'a'}"
            if not approx_equal(a[key], b[key]):
                return first_difference(a[key], b[key], f"{path}.{key}")
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} vs {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if not approx_equal(x, y):
                return first_difference(x, y, f"{path}[{i}]")
    return f"{path}: {str(a)[:80]!r} vs {str(b)[:80]!r}"


def _count(data: Any) -> int:
    if not isinstance(data, dict):
        return 0
    return sum(len(v) for v in data.values() if isinstance(v, list)) or sum(1 for v in data.values() if v)
