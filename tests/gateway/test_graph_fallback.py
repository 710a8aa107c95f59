"""One investigation through the real graph with log-system routed to a hanging provider (fallback: internal)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from gateway_helpers import standin_entry, write_routing, write_servers

from graphs.contracts import InvestigationRequest
from graphs.runner import open_session
from graphs.settings import Settings
from tools.gateway.gateway import Gateway
from tools.gateway.models import ToolResult


@pytest.mark.slow
async def test_investigation_finishes_on_the_fallback_when_log_system_hangs(tmp_path: Path) -> None:
    route = {
        "provider": "hanging",
        "mode": "external",
        "fallback": "internal",
        "timeout_s": 5.0,
        "retry": {"attempts": 1},
        "breaker": {"failure_threshold": 2, "open_s": 300},
    }
    routing = write_routing(tmp_path / "routing.yaml", {"interfaces": {"log-system": route}})
    servers = write_servers(tmp_path / "servers.json", {"hanging": standin_entry("contract", fault="hang")})
    settings = Settings(
        checkpointer="memory", approvals="skip", routing_table=routing, mcp_servers_file=servers, home=tmp_path
    )
    calls: list[ToolResult] = []

    async def record(result: ToolResult, args: dict[str, Any], approval: str | None) -> None:
        calls.append(result)

    request = InvestigationRequest(text="checkout p95 latency above 2s", at="2026-11-20T10:41:00Z")
    async with Gateway.from_settings(settings, on_call=record) as gateway, open_session(settings, gateway=gateway) as s:
        outcome = await s.run(request)
    assert outcome.report is not None
    assert outcome.report.root_cause is not None and outcome.report.root_cause.service == "inventory"
    log_calls = [c for c in calls if c.interface == "log-system"]
    assert log_calls and all(c.ok and c.provider == "internal" and c.fallback_from == "hanging" for c in log_calls)
    assert any("gave no answer" in (c.fallback_error or "") for c in log_calls)
    assert gateway.breakers.breakers["hanging"].opened_count >= 1  # type: ignore[attr-defined]
