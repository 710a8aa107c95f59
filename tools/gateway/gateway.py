"""The MCP gateway: a capability calls an interface operation; the gateway routes it to a provider, once, safely."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from pydantic import ValidationError

from graphs.contracts import Lineage, stable_hash
from graphs.settings import Settings
from memory.audit.redact import DEFAULT_REDACTOR, Redactor
from tools.adapters import AdapterError, MalformedPayload, Unsupported, VendorAdapter, get_adapter
from tools.gateway.connections import McpConnection, ProviderUnavailable, result_text
from tools.gateway.metrics import count_call
from tools.gateway.models import ProviderSpec, ServerEntry, ToolResult, ToolStatus
from tools.gateway.providers import build_providers
from tools.gateway.resilience import BreakerRegistry, LocalBreakers, LocalRateLimiter, RateLimiter, backoff_delay
from tools.gateway.routing import RouteEntry, load_routing_table
from tools.interfaces import Operation, OpInput, get_interface
from tools.telemetry import tool_span

ToolCallHook = Callable[[ToolResult, dict[str, Any], str | None], Awaitable[None]]


class _Failure(Exception):
    """A failed attempt: its status, its kind (which decides retries) and a one-line reason."""

    def __init__(self, status: ToolStatus, kind: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind


class _NoData(Exception):
    """The provider cannot answer this operation (no such tool, or the vendor cannot express the call)."""

    def __init__(self, message: str, kind: str = "unsupported") -> None:
        super().__init__(message)
        self.kind = kind


def internal_provider(settings: Settings) -> ProviderSpec:
    """Our internal MCP server for the configured world, spawned over stdio."""
    args = ["-m", "tools.servers.internal", "--world", settings.world, "--interface", "all"]
    for key, value in sorted(settings.world_options.items()):
        args += ["--option", f"{key}={value}"]
    return ProviderSpec(name="internal", mode="internal", server=ServerEntry(command=sys.executable, args=args))


class Gateway:
    """Routes interface operations to providers with policy, timeouts, retries, rate limits and breakers."""

    def __init__(
        self,
        routes: dict[str, RouteEntry],
        providers: dict[str, ProviderSpec],
        *,
        on_call: ToolCallHook | None = None,
        redactor: Redactor | None = None,
        limiter: RateLimiter | None = None,
        breakers: BreakerRegistry | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.routes = routes
        self.providers = providers
        self.on_call = on_call
        self.redactor = redactor or DEFAULT_REDACTOR
        self.limiter: RateLimiter = limiter or LocalRateLimiter()
        self.breakers: BreakerRegistry = breakers or LocalBreakers()
        self._environ = environ
        self._connections: dict[str, McpConnection] = {}
        self._adapters: dict[str, VendorAdapter] = {}

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        on_call: ToolCallHook | None = None,
        limiter: RateLimiter | None = None,
        breakers: BreakerRegistry | None = None,
    ) -> Gateway:
        """The gateway the settings describe: routing table, mcpServers providers, redaction patterns."""
        table = load_routing_table(settings.routing_table)
        routes = table.effective(settings.env, settings.tenant)
        providers = {"internal": internal_provider(settings)}
        providers |= build_providers(table, routes, settings.mcp_servers_file, os.environ)
        redactor = Redactor.with_extra(getattr(settings, "redact_patterns", []) or [])
        if getattr(settings, "gateway_state", "local") == "redis":  # shared by every instance of a deployment
            from tools.gateway.redis_state import RedisBreakers, RedisRateLimiter

            limiter = limiter or RedisRateLimiter(settings.redis_url)
            breakers = breakers or RedisBreakers(settings.redis_url)
        return cls(routes, providers, on_call=on_call, redactor=redactor, limiter=limiter, breakers=breakers)

    async def __aenter__(self) -> Gateway:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await asyncio.gather(*(conn.close() for conn in self._connections.values()), return_exceptions=True)
        self._connections.clear()

    async def call(
        self, interface: str, operation: str, args: dict[str, Any], *, approval_id: str | None = None
    ) -> ToolResult:
        """Run one operation; every failure comes back as a ToolResult with a status and a reason."""
        started = time.perf_counter()
        # no secret leaves in a tool's arguments (queries built from an alert, a post's text), nor reaches the audit
        args = self.redactor.redact(args)
        route = self.routes.get(interface)
        try:
            op = get_interface(interface).operation(operation)
        except KeyError as exc:
            return await self._report(self._refused(interface, operation, "-", str(exc.args[0]), started), args)
        if route is None:
            refused = self._refused(interface, operation, "-", f"no route for interface {interface!r}", started)
            return await self._report(refused, args)
        refusal = self._policy_refusal(route, op, approval_id)
        if refusal:
            return await self._report(self._refused(interface, operation, route.provider, refusal, started), args)
        try:
            clean_args = op.input.model_validate(args).model_dump(mode="json", exclude_none=True)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "arguments"
            refused = self._refused(interface, operation, route.provider, f"invalid {field}: {first['msg']}", started)
            return await self._report(refused, args)

        with tool_span(interface, route.provider, operation) as span:
            result = await self._call_provider(route.provider, route, interface, op, clean_args, started)
            if not result.ok and result.status is not ToolStatus.no_data and route.fallback:
                fallback = await self._call_provider(route.fallback, route, interface, op, clean_args, started)
                if fallback.ok or fallback.status is ToolStatus.no_data:
                    result = fallback.model_copy(
                        update={"fallback_from": route.provider, "fallback_error": result.error}
                    )
                else:
                    result = result.model_copy(
                        update={"error": f"{result.error}; fallback {route.fallback}: {fallback.error}"}
                    )
            span.set(outcome=result.status.value, retries=max(result.attempts - 1, 0), provider=result.provider)
        return await self._report(result, clean_args, approval_id)

    async def _report(self, result: ToolResult, args: dict[str, Any], approval_id: str | None = None) -> ToolResult:
        """Every call, refused ones included, reaches the audit hook and the provider counters."""
        count_call(result)
        if self.on_call is not None:
            await self.on_call(result, args, approval_id)
        return result

    def _policy_refusal(self, route: RouteEntry, op: Operation, approval_id: str | None) -> str | None:
        if route.allow is not None and op.name not in route.allow:
            return f"operation {op.name!r} is not in the allowlist of this interface"
        if op.action and not approval_id:
            return f"{op.name!r} changes the world and needs an approval id"
        return None

    async def _call_provider(
        self, provider_name: str, route: RouteEntry, interface: str, op: Operation, args: dict[str, Any], started: float
    ) -> ToolResult:
        provider = self.providers.get(provider_name)
        call_id = uuid.uuid4().hex[:16]
        if provider is None:
            return self._refused(interface, op.name, provider_name, f"unknown provider {provider_name!r}", started)
        attempts = 0
        last = _Failure(ToolStatus.error, "unavailable", "not attempted")
        while attempts < route.retry.attempts:
            if not await self.breakers.allow(provider_name, route.breaker):
                state = await self.breakers.state(provider_name, route.breaker)
                last = _Failure(
                    ToolStatus.error, "breaker_open", f"circuit breaker of {provider_name} is {state.value}"
                )
                break
            attempts += 1
            await self.limiter.acquire(provider_name, route.rate_limit)
            try:
                async with asyncio.timeout(route.connect_timeout_s):
                    conn = await self._connection(provider)
            except (TimeoutError, ProviderUnavailable) as exc:
                reason = f"could not reach {provider_name} within {route.connect_timeout_s:g}s"
                last = _Failure(ToolStatus.error, "unavailable", reason if isinstance(exc, TimeoutError) else str(exc))
                await self.breakers.record(provider_name, route.breaker, False)
                if not route.retry.retries(last.kind) or attempts >= route.retry.attempts:
                    break
                await asyncio.sleep(backoff_delay(route.retry, attempts))
                continue
            try:
                async with asyncio.timeout(route.timeout_s):
                    payload = await self._invoke(conn, provider, op, args)
            except TimeoutError:
                last = _Failure(
                    ToolStatus.timeout, "timeout", f"{provider_name} gave no answer within {route.timeout_s:g}s"
                )
            except _Failure as exc:
                last = exc
            except ProviderUnavailable as exc:
                last = _Failure(ToolStatus.error, "unavailable", self.redactor.redact_text(str(exc)))
            except _NoData as exc:
                await self.breakers.record(provider_name, route.breaker, True)
                return self._result(
                    interface, op, provider, ToolStatus.no_data, started, attempts, args, call_id,
                    error=str(exc), error_kind=exc.kind,
                )  # fmt: skip
            else:
                await self.breakers.record(provider_name, route.breaker, True)
                return self._result(interface, op, provider, ToolStatus.ok, started, attempts, args, call_id, payload)
            await self.breakers.record(provider_name, route.breaker, False)
            if not route.retry.retries(last.kind) or attempts >= route.retry.attempts:
                break
            await asyncio.sleep(backoff_delay(route.retry, attempts))
        return self._result(
            interface,
            op,
            provider,
            last.status,
            started,
            attempts,
            args,
            call_id,
            error=str(last),
            error_kind=last.kind,
        )

    async def _connection(self, provider: ProviderSpec) -> McpConnection:
        conn = self._connections.get(provider.name)
        if conn is None:
            try:
                connection = provider.server.connection(self._environ)
            except ValueError as exc:
                raise ProviderUnavailable(f"{provider.name}: {exc}") from None
            conn = self._connections[provider.name] = McpConnection(provider.name, connection)
        await conn.session()
        return conn

    async def _invoke(
        self, conn: McpConnection, provider: ProviderSpec, op: Operation, args: dict[str, Any]
    ) -> dict[str, Any]:
        adapter = self._adapter(provider)
        tool = adapter.tool_for(op.name) if adapter else op.name
        if tool is None or tool not in conn.tools:
            raise _NoData(f"{provider.name} does not offer {op.name}")
        query = op.input.model_validate(args)
        try:
            call_args = adapter.arguments(op.name, query) if adapter else args
        except Unsupported as exc:
            raise _NoData(f"{provider.name}: {exc}", kind="inexpressible") from None
        result = await conn.call_tool(tool, call_args)
        text = result_text(result)
        if result.isError:
            message = self.redactor.redact_text(text[:300])
            raise _Failure(ToolStatus.error, "tool_error", f"{provider.name} {tool} failed: {message}")
        return self._payload(provider, adapter, op, query, text or result.structuredContent)

    def _payload(
        self, provider: ProviderSpec, adapter: VendorAdapter | None, op: Operation, query: OpInput, raw: Any
    ) -> dict[str, Any]:
        """Our output model as JSON: parsed (through the adapter), redacted, then validated."""
        try:
            if adapter is not None:
                data: Any = adapter.parse(op.name, raw, query).model_dump(mode="json")
            else:
                data = json.loads(raw) if isinstance(raw, str) else raw
            return op.output.model_validate(self.redactor.redact(data)).model_dump(mode="json")
        except (AdapterError, ValueError, TypeError, ValidationError) as exc:
            reason = str(exc).splitlines()[0][:240] if isinstance(exc, MalformedPayload) else type(exc).__name__
            raise _Failure(
                ToolStatus.error, "malformed", f"{provider.name} returned a malformed {op.name} payload: {reason}"
            ) from None

    def _adapter(self, provider: ProviderSpec) -> VendorAdapter | None:
        if provider.adapter is None:
            return None
        if provider.name not in self._adapters:
            self._adapters[provider.name] = get_adapter(provider.adapter, provider.options)
        return self._adapters[provider.name]

    def _result(
        self,
        interface: str,
        op: Operation,
        provider: ProviderSpec,
        status: ToolStatus,
        started: float,
        attempts: int,
        args: dict[str, Any],
        call_id: str,
        data: dict[str, Any] | None = None,
        error: str | None = None,
        error_kind: str | None = None,
    ) -> ToolResult:
        lineage = Lineage(
            tool_call_id=call_id,
            interface=interface,
            operation=op.name,
            provider=provider.name,
            args_hash=stable_hash(args),
            response_hash=stable_hash(data if data is not None else {"error": error}),
        )
        return ToolResult(
            interface=interface,
            operation=op.name,
            provider=provider.name,
            status=status,
            data=data,
            error=error,
            attempts=attempts,
            seconds=time.perf_counter() - started,
            lineage=lineage,
            error_kind=error_kind,
        )

    def _refused(self, interface: str, operation: str, provider: str, reason: str, started: float) -> ToolResult:
        return ToolResult(
            interface=interface,
            operation=operation,
            provider=provider,
            status=ToolStatus.refused,
            error=reason,
            attempts=0,
            seconds=time.perf_counter() - started,
            error_kind="policy",
        )
