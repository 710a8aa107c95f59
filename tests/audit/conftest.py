"""Audit fixtures: one `audit_log` fixture over every backend, so one conformance suite runs on all of them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from memory.audit import AuditLog, JsonlAuditLog, RedisStreamAuditLog


@pytest.fixture(params=["jsonl", "redis"])
async def audit_log(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AuditLog]:
    if request.param == "jsonl":
        log: AuditLog = JsonlAuditLog(tmp_path / "audit")
    else:
        redis_url = request.getfixturevalue("redis_url")
        log = RedisStreamAuditLog(redis_url, prefix=f"pm:test-audit:{uuid.uuid4().hex[:8]}:")
    yield log
    await log.aclose()


@pytest.fixture(scope="session")
def _memory_exporter() -> InMemorySpanExporter:
    """One in-memory exporter on the global tracer provider (OpenTelemetry allows setting it once per process)."""
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


@pytest.fixture
def span_exporter(_memory_exporter: InMemorySpanExporter) -> Iterator[InMemorySpanExporter]:
    _memory_exporter.clear()
    yield _memory_exporter
    _memory_exporter.clear()
