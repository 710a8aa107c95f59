"""Cost of auditing and tracing per event: appends per second on each backend, spans per second (benchmark only)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from memory.audit import AuditDraft, AuditEventType, AuditLog, JsonlAuditLog
from tools.telemetry import tool_span

pytestmark = pytest.mark.benchmark
PAYLOAD = {"tool_call_id": "tc", "interface": "log-system", "args": {"service": "checkout"}, "response_hash": "ab" * 32}


async def appends_per_second(log: AuditLog, count: int = 300) -> float:
    started = time.perf_counter()
    for _ in range(count):
        await log.append(AuditDraft(investigation_id="bench", type=AuditEventType.tool_call, payload=PAYLOAD))
    return count / (time.perf_counter() - started)


@pytest.mark.parametrize("fsync", [True, False])
async def test_jsonl_append_rate(tmp_path: Path, fsync: bool) -> None:
    rate = await appends_per_second(JsonlAuditLog(tmp_path, fsync=fsync))
    print(f"jsonl fsync={fsync}: {rate:.0f} appends/s")
    assert rate > 0


async def test_backend_append_rate(audit_log: AuditLog) -> None:
    rate = await appends_per_second(audit_log)
    print(f"{type(audit_log).__name__}: {rate:.0f} appends/s")
    assert rate > 0


def test_tool_span_rate(span_exporter) -> None:
    started = time.perf_counter()
    for _ in range(2000):
        with tool_span("log-system", "internal", "query_logs") as span:
            span.set(retries=0)
    rate = 2000 / (time.perf_counter() - started)
    print(f"tool_span with in-memory export: {rate:.0f} spans/s")
    assert len(span_exporter.get_finished_spans()) == 2000
