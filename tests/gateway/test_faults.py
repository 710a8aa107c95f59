"""Fault injection with real MCP servers (stdio and streamable HTTP): a provider that hangs, fails half its calls,
returns malformed payloads, or dies mid-call. Every call comes back with a status, the failure is recorded, the
breaker opens and the internal fallback serves."""

from __future__ import annotations

import asyncio
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from gateway_helpers import http_standin, standin_entry, write_routing, write_servers

from graphs.settings import Settings
from tools.gateway.gateway import Gateway
from tools.gateway.models import ToolResult, ToolStatus
from tools.gateway.resilience import BreakerState

GUARD_S = 60  # a hang guard for the test itself, far above any configured timeout; never a timing assertion
ROUTE = {
    "provider": "faulty",
    "fallback": "internal",
    "timeout_s": 1.0,
    "retry": {"attempts": 2, "backoff_s": 0.01, "max_backoff_s": 0.02},
    "breaker": {"failure_threshold": 2, "open_s": 300},
}
ARGS = {"start": "2026-11-20T10:30:00Z", "end": "2026-11-20T10:35:00Z", "service": "inventory"}


async def run_calls(tmp_path: Path, entry: dict[str, Any], *, calls: int = 5) -> tuple[Gateway, list[ToolResult]]:
    routing = write_routing(tmp_path / "routing.yaml", {"interfaces": {"log-system": ROUTE}})
    servers = write_servers(tmp_path / "servers.json", {"faulty": entry})
    seen: list[ToolResult] = []

    async def record(result: ToolResult, args: dict[str, Any], approval: str | None) -> None:
        seen.append(result)

    gateway = Gateway.from_settings(Settings(routing_table=routing, mcp_servers_file=servers), on_call=record)
    results = []
    for _ in range(calls):
        results.append(await asyncio.wait_for(gateway.call("log-system", "get_error_details", ARGS), GUARD_S))
    assert len(seen) == calls  # nothing dropped silently
    return gateway, results


def check_served_and_recorded(gateway: Gateway, results: list[ToolResult], failure_kinds: set[str]) -> None:
    assert all(r.status is ToolStatus.ok for r in results), [r.error for r in results]
    fallbacks = [r for r in results if r.fallback_from == "faulty"]
    assert fallbacks and all(r.provider == "internal" and r.fallback_error for r in fallbacks)
    assert any(kind in (r.fallback_error or "") for r in fallbacks for kind in failure_kinds)
    assert results[-1].fallback_from == "faulty" and "breaker" in (results[-1].fallback_error or "")
    breaker = gateway.breakers.breakers["faulty"]  # type: ignore[attr-defined]
    assert breaker.state is BreakerState.open and breaker.opened_count >= 1
    reference = next(r.data for r in results if r.provider == "internal")
    assert reference["errors"], "the demo world has inventory errors in this window"


FAULTS = {
    "hang": {"gave no answer within"},
    "flaky": {"injected failure"},
    "malformed": {"malformed"},
    "die": {"faulty:", "gave no answer", "Connection closed"},
}


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_faulty_provider_over_stdio(tmp_path: Path, fault: str) -> None:
    gateway, results = await run_calls(tmp_path, standin_entry("contract", fault=fault))
    try:
        check_served_and_recorded(gateway, results, FAULTS[fault])
        if fault == "flaky":
            assert results[0].provider == "faulty"  # half its calls still succeed
    finally:
        await gateway.close()


@pytest.mark.slow
@pytest.mark.parametrize("fault", list(FAULTS))
async def test_faulty_provider_over_streamable_http(tmp_path: Path, fault: str) -> None:
    with ExitStack() as stack:
        url = stack.enter_context(http_standin("contract", fault=fault))
        gateway, results = await run_calls(tmp_path, {"type": "http", "url": url})
        try:
            check_served_and_recorded(gateway, results, FAULTS[fault])
        finally:
            await gateway.close()


async def test_without_a_fallback_the_failure_is_a_status_not_an_exception(tmp_path: Path) -> None:
    routing = write_routing(tmp_path / "r.yaml", {"interfaces": {"log-system": ROUTE | {"fallback": None}}})
    servers = write_servers(tmp_path / "s.json", {"faulty": standin_entry("contract", fault="malformed")})
    async with Gateway.from_settings(Settings(routing_table=routing, mcp_servers_file=servers)) as gateway:
        first = await gateway.call("log-system", "list_services", {})
        second = await gateway.call("log-system", "list_services", {})
        third = await gateway.call("log-system", "list_services", {})
    assert (first.status, first.error_kind, first.attempts) == (ToolStatus.error, "malformed", 1)  # not retried
    assert second.error_kind == "malformed"
    assert (third.error_kind, third.attempts) == ("breaker_open", 0)
    assert third.lineage is not None and third.lineage.provider == "faulty"
