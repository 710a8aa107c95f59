"""Rate limit under 200 concurrent calls, policy (allowlist, approvals), redaction of secrets in tool output."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import yaml
from gateway_helpers import standin_entry, write_routing, write_servers

from graphs.contracts import stable_hash
from graphs.settings import Settings
from tools.gateway.gateway import Gateway
from tools.gateway.models import ToolStatus
from tools.worlds.demo.world import SPEC_PATH

RATE, BURST = 100.0, 10


async def test_the_rate_limit_holds_under_200_concurrent_calls(tmp_path: Path) -> None:
    route = {"provider": "counted", "rate_limit": {"rate_per_s": RATE, "burst": BURST}, "timeout_s": 30}
    routing = write_routing(tmp_path / "r.yaml", {"interfaces": {"log-system": route}})
    servers = write_servers(tmp_path / "s.json", {"counted": standin_entry("contract")})
    async with Gateway.from_settings(Settings(routing_table=routing, mcp_servers_file=servers)) as gateway:
        await gateway._connection(gateway.providers["counted"])  # start the server outside the measurement
        results = await asyncio.gather(*(gateway.call("log-system", "list_services", {}) for _ in range(200)))
        conn = gateway._connections["counted"]
        stats = json.loads((await conn.call_tool("standin_stats", {})).content[0].text)  # type: ignore[union-attr]
    assert all(r.status is ToolStatus.ok for r in results)
    bucket = gateway.limiter.buckets["counted"]  # type: ignore[attr-defined]
    assert bucket.granted == 200
    for window in (0.1, 0.5, 1.0):  # the bucket's own accounting: never more than burst + rate x window
        assert bucket.max_in_window(window) <= BURST + RATE * window + 1
    seen = sorted(stats["calls"])  # as the server observed them; generous slack for transport jitter
    assert len(seen) == 200
    best = max(sum(1 for t in seen if start <= t < start + 0.5) for start in seen)
    assert best <= BURST + RATE * 0.5 + 25


async def test_allowlist_and_approvals_hold_in_both_modes(tmp_path: Path) -> None:
    table = {
        "interfaces": {
            "log-system": {"provider": "internal", "allow": ["list_services"]},
            "code-search": {"provider": "ext", "mode": "external", "allow": ["get_file"]},
            "team-communications": {"provider": "internal"},
        }
    }
    routing = write_routing(tmp_path / "r.yaml", table)
    servers = write_servers(tmp_path / "s.json", {"ext": standin_entry("contract")})
    gateway = Gateway.from_settings(Settings(routing_table=routing, mcp_servers_file=servers))
    args = {"start": "2026-11-20T10:00:00Z", "end": "2026-11-20T10:05:00Z"}
    refused = [
        await gateway.call("log-system", "query_logs", args),
        await gateway.call("code-search", "search_code", {"query": "timeout"}),
        await gateway.call("team-communications", "post_message", {"channel": "#x", "text": "hi"}),
    ]
    assert [r.status for r in refused] == [ToolStatus.refused] * 3
    assert "allowlist" in (refused[0].error or "") and "allowlist" in (refused[1].error or "")
    assert "approval id" in (refused[2].error or "")
    assert gateway._connections == {}  # refused before any provider was reached
    await gateway.close()


@pytest.mark.slow
async def test_secrets_in_tool_output_are_redacted_before_they_enter_state(tmp_path: Path) -> None:
    spec = yaml.safe_load(SPEC_PATH.read_text())
    spec["background_logs"]["inventory"] = [
        {
            "level": "WARN",
            "rate": 30,
            "text": "retry with password=hunter2 on postgres://app:s3cret@db/stock order={order}",
        }
    ]
    (tmp_path / "incident.yaml").write_text(yaml.safe_dump(spec))
    settings = Settings(world_options={"spec": str(tmp_path / "incident.yaml")}, redact_patterns=[r"ord-\d+"])
    async with Gateway.from_settings(settings) as gateway:
        args = {"start": "2026-11-20T10:00:00Z", "end": "2026-11-20T10:02:00Z", "service": "inventory", "level": "WARN"}
        result = await gateway.call("log-system", "query_logs", args)
    text = json.dumps(result.data)
    assert result.ok and result.data and result.data["lines"]
    for secret in ("hunter2", "s3cret", "ord-"):
        assert secret not in text
    assert "[REDACTED]" in text
    assert result.lineage is not None and result.lineage.response_hash == stable_hash(result.data)
