"""The gateway's on_call hook records each call, with the raw response stored under the lineage's hash."""

from __future__ import annotations

import json
from pathlib import Path

from graphs.contracts import stable_hash
from graphs.settings import Settings
from memory.audit import AuditEventType, AuditTrail, JsonlAuditLog, verify_chain
from memory.audit.hooks import bind_trail, record_tool_result
from tools.gateway.gateway import Gateway


async def test_gateway_calls_land_in_the_bound_trail(tmp_path: Path) -> None:
    log = JsonlAuditLog(tmp_path / "audit")
    async with Gateway.from_settings(Settings(home=tmp_path, world="demo"), on_call=record_tool_result) as gateway:
        unbound = await gateway.call("log-system", "list_services", {})
        with bind_trail(AuditTrail(log, "inv-gw")):
            resolved = await gateway.call("service-registry", "resolve_service", {"name": "checkout"})
            # a refusal reaches the hook too: the trail shows what was asked and turned down
            refused = await gateway.call("log-system", "no_such_operation", {})

    assert unbound.ok and resolved.ok and resolved.lineage is not None
    events = await log.read("inv-gw")
    assert verify_chain(events).ok
    assert [(event.type, event.payload["operation"], event.payload["outcome"]) for event in events] == [
        (AuditEventType.tool_call, "resolve_service", "ok"),
        (AuditEventType.tool_call, "no_such_operation", "refused"),
    ]
    first = events[0].payload
    assert first["tool_call_id"] == resolved.lineage.tool_call_id
    assert (first["args_hash"], first["response_hash"]) == (resolved.lineage.args_hash, resolved.lineage.response_hash)
    blob = await log.get_blob(resolved.lineage.response_hash)
    assert blob is not None and json.loads(blob) == resolved.data
    assert stable_hash(json.loads(blob)) == resolved.lineage.response_hash
    assert events[1].payload["error"] == refused.error
    assert events[1].payload["tool_call_id"].startswith("refused-")
