"""The OTel-schema store in a real PostgreSQL: what goes in comes back, filtered as the log-system promises."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest
from debian_bins import require

from graphs.contracts import LogLine, Span
from memory.postgres_server import running
from tools import interfaces as io
from tools.backends.otel_store import OtelStore, create_schema, load_logs, load_spans

T0 = 1_763_634_000.0


@pytest.fixture(scope="module")
def store_url() -> Iterator[str]:
    require("pg_ctl", "postgresql")
    with running() as server:
        create_schema(server.url)
        lines = [
            LogLine(
                timestamp=T0 + 1.123456789, service="inventory", instance="inventory-0", level="INFO", message="ok"
            ),
            LogLine(
                timestamp=T0 + 5.5,
                service="inventory",
                instance="inventory-1",
                level="ERROR",
                message="StockRepository: query TIMEOUT after 1500 ms",
                trace_id="t1",
            ),
            LogLine(timestamp=T0 + 7.0, service="checkout", instance="checkout-0", level="WARN", message="slow"),
            LogLine(timestamp=T0 + 10.0, service="checkout", instance="checkout-0", level="ERROR", message="504"),
        ]
        spans = [
            Span(
                trace_id="t1",
                span_id="s1",
                parent_id=None,
                service="checkout",
                instance="checkout-0",
                operation="POST /orders",
                start=T0 + 5.0,
                duration_ms=2101.333,
            ),
            Span(
                trace_id="t1",
                span_id="s2",
                parent_id="s1",
                service="inventory",
                instance="inventory-1",
                operation="POST /stock/batch",
                start=T0 + 5.01,
                duration_ms=1999.123,
                error=True,
            ),
        ]
        load_logs(server.url, "shop", lines)
        load_spans(server.url, "shop", spans)
        load_logs(server.url, "elsewhere", [lines[0].model_copy(update={"message": "another world"})])
        yield server.url


@pytest.fixture
def store(store_url: str) -> Iterator[OtelStore]:
    store = OtelStore(store_url, "shop")
    yield store
    store.close()


def _window(start: float, end: float) -> dict[str, datetime]:
    return {"start": datetime.fromtimestamp(start, UTC), "end": datetime.fromtimestamp(end, UTC)}


def test_logs_come_back_exactly_and_in_order(store: OtelStore) -> None:
    out = store.query_logs(io.QueryLogsIn(**_window(T0, T0 + 60)))
    assert [line.message for line in out.lines] == ["ok", "StockRepository: query TIMEOUT after 1500 ms", "slow", "504"]
    assert out.lines[0].timestamp == T0 + 1.123456789  # beyond timestamptz's microseconds
    assert out.lines[1].instance == "inventory-1" and out.lines[1].trace_id == "t1"
    assert not out.truncated


def test_log_filters_service_level_text_and_limit(store: OtelStore) -> None:
    window = _window(T0, T0 + 60)
    assert [x.message for x in store.query_logs(io.QueryLogsIn(**window, service="checkout")).lines] == ["slow", "504"]
    assert [x.service for x in store.query_logs(io.QueryLogsIn(**window, level="error")).lines] == [
        "inventory",
        "checkout",
    ]
    assert len(store.query_logs(io.QueryLogsIn(**window, contains="timeout")).lines) == 1
    limited = store.query_logs(io.QueryLogsIn(**window, limit=2))
    assert len(limited.lines) == 2 and limited.truncated
    errors = store.get_error_details(io.ErrorDetailsIn(**window, service="inventory")).errors
    assert [e.message for e in errors] == ["StockRepository: query TIMEOUT after 1500 ms"]


def test_window_ends_follow_the_world_convention(store_url: str, store: OtelStore) -> None:
    window = _window(T0 + 5.5, T0 + 10.0)
    assert len(store.query_logs(io.QueryLogsIn(**window)).lines) == 3
    half_open = OtelStore(store_url, "shop", end_inclusive=False)
    try:
        assert [x.message for x in half_open.query_logs(io.QueryLogsIn(**window)).lines][-1] == "slow"
    finally:
        half_open.close()


def test_environments_do_not_mix(store_url: str) -> None:
    other = OtelStore(store_url, "elsewhere")
    try:
        assert [x.message for x in other.query_logs(io.QueryLogsIn(**_window(T0, T0 + 60))).lines] == ["another world"]
        assert other.query_traces(io.QueryTracesIn(**_window(T0, T0 + 60))).spans == []
    finally:
        other.close()


def test_spans_keep_parents_durations_and_errors(store: OtelStore) -> None:
    spans = store.query_traces(io.QueryTracesIn(**_window(T0, T0 + 60))).spans
    assert [(s.span_id, s.parent_id, s.duration_ms, s.error) for s in spans] == [
        ("s1", None, 2101.333, False),
        ("s2", "s1", 1999.123, True),
    ]
    only = store.query_traces(io.QueryTracesIn(**_window(T0, T0 + 60), service="inventory")).spans
    assert [s.operation for s in only] == ["POST /stock/batch"]


def test_rows_follow_the_collector_schema(store_url: str) -> None:
    with psycopg.connect(store_url) as conn:
        row = conn.execute(
            "SELECT severity_text, severity_number, resource_attributes->>'k8s.pod.name', "
            "resource_attributes->>'deployment.environment' FROM otel_logs WHERE body = '504'"
        ).fetchone()
        duration, status = conn.execute("SELECT duration, status_code FROM otel_traces WHERE span_id='s2'").fetchone()
    assert row == ("ERROR", 17, "checkout-0", "shop")
    assert (duration, status) == (1_999_123_000, "Error")  # nanoseconds, as the collector stores them
