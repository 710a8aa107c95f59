"""Logs and traces in PostgreSQL, in the OpenTelemetry collector's `otel_logs` / `otel_traces` layout.

The columns follow the collector's ClickHouse exporter schema (snake_case, PostgreSQL types): `timestamp`,
`trace_id`, `span_id`, `severity_text`, `service_name`, `body`, `resource_attributes` (jsonb), ... Two additions:
`time_unix` (double precision) keeps epoch seconds exactly as the source gave them, since `timestamptz` holds only
microseconds, and `seq` records arrival order, which is the order answers come in. A loaded world is one
`deployment.environment` resource attribute, so several can share a database.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime

import psycopg

from graphs.contracts import LogLine, Span, utc
from tools import interfaces as io

ENVIRONMENT = "deployment.environment"
SEVERITY = {"TRACE": 1, "DEBUG": 5, "INFO": 9, "WARN": 13, "ERROR": 17, "FATAL": 21}
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS otel_logs (
    seq bigserial PRIMARY KEY,
    timestamp timestamptz NOT NULL,
    time_unix double precision NOT NULL,
    trace_id text NOT NULL DEFAULT '',
    span_id text NOT NULL DEFAULT '',
    severity_text text NOT NULL,
    severity_number integer NOT NULL,
    service_name text NOT NULL,
    body text NOT NULL,
    resource_attributes jsonb NOT NULL,
    log_attributes jsonb NOT NULL DEFAULT '{{}}'
);
CREATE INDEX IF NOT EXISTS otel_logs_env_time ON otel_logs ((resource_attributes->>'{ENVIRONMENT}'), time_unix);
CREATE INDEX IF NOT EXISTS otel_logs_service_time ON otel_logs (service_name, time_unix);
CREATE TABLE IF NOT EXISTS otel_traces (
    seq bigserial PRIMARY KEY,
    timestamp timestamptz NOT NULL,
    time_unix double precision NOT NULL,
    trace_id text NOT NULL,
    span_id text NOT NULL,
    parent_span_id text NOT NULL DEFAULT '',
    span_name text NOT NULL,
    span_kind text NOT NULL DEFAULT '',
    service_name text NOT NULL,
    resource_attributes jsonb NOT NULL,
    span_attributes jsonb NOT NULL DEFAULT '{{}}',
    duration bigint NOT NULL,
    status_code text NOT NULL DEFAULT 'Unset',
    status_message text NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS otel_traces_env_time ON otel_traces ((resource_attributes->>'{ENVIRONMENT}'), time_unix);
CREATE INDEX IF NOT EXISTS otel_traces_service_time ON otel_traces (service_name, time_unix);
"""


def create_schema(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SCHEMA)


def _resource(environment: str, instance: str) -> str:
    return json.dumps({ENVIRONMENT: environment, "service.instance.id": instance, "k8s.pod.name": instance})


def _when(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def load_logs(url: str, environment: str, lines: Iterable[LogLine]) -> int:
    """Append log lines in the order given (the order queries answer in); returns how many."""
    columns = "timestamp, time_unix, trace_id, severity_text, severity_number, service_name, body, resource_attributes"
    count = 0
    with psycopg.connect(url) as conn, conn.cursor() as cur, cur.copy(f"COPY otel_logs ({columns}) FROM STDIN") as cp:
        for line in lines:
            level = line.level.upper()
            cp.write_row(
                (
                    _when(line.timestamp),
                    line.timestamp,
                    line.trace_id,
                    level,
                    SEVERITY.get(level, 9),
                    line.service,
                    line.message,
                    _resource(environment, line.instance),
                )
            )
            count += 1
    return count


def load_spans(url: str, environment: str, spans: Iterable[Span]) -> int:
    """Append spans in the order given; the duration is stored in nanoseconds, as the collector stores it."""
    columns = (
        "timestamp, time_unix, trace_id, span_id, parent_span_id, span_name, service_name, resource_attributes, "
        "duration, status_code"
    )
    count = 0
    with psycopg.connect(url) as conn, conn.cursor() as cur, cur.copy(f"COPY otel_traces ({columns}) FROM STDIN") as cp:
        for span in spans:
            cp.write_row(
                (
                    _when(span.start),
                    span.start,
                    span.trace_id,
                    span.span_id,
                    span.parent_id or "",
                    span.operation,
                    span.service,
                    _resource(environment, span.instance),
                    round(span.duration_ms * 1_000_000),
                    "Error" if span.error else "Unset",
                )
            )
            count += 1
    return count


class OtelStore:
    """The log-system's log and trace operations over one environment of the `otel_*` tables."""

    def __init__(self, url: str, environment: str, *, end_inclusive: bool = True, error_limit: int = 500) -> None:
        self.environment, self.end_inclusive, self.error_limit = environment, end_inclusive, error_limit
        self._conn = psycopg.connect(url, autocommit=True)

    def close(self) -> None:
        self._conn.close()

    def _where(self, start: datetime, end: datetime, service: str | None) -> tuple[str, list[object]]:
        end_op = "<=" if self.end_inclusive else "<"
        sql = f"resource_attributes->>'{ENVIRONMENT}' = %s AND time_unix >= %s AND time_unix {end_op} %s"
        params: list[object] = [self.environment, utc(start).timestamp(), utc(end).timestamp()]
        if service is not None:
            sql += " AND service_name = %s"
            params.append(service)
        return sql, params

    def _logs(self, q: io.Windowed, service: str | None, level: str | None, contains: str | None, limit: int):
        where, params = self._where(q.start, q.end, service)
        if level:
            where += " AND severity_text = %s"
            params.append(level.upper())
        if contains:
            where += " AND strpos(lower(body), lower(%s)) > 0"
            params.append(contains)
        rows = self._conn.execute(
            "SELECT time_unix, service_name, resource_attributes->>'service.instance.id', severity_text, body, "
            f"trace_id FROM otel_logs WHERE {where} ORDER BY seq LIMIT %s",
            [*params, limit],
        ).fetchall()
        return [
            LogLine.model_construct(timestamp=t, service=s, instance=i or "", level=lv, message=m, trace_id=tr)
            for t, s, i, lv, m, tr in rows
        ]

    def query_logs(self, q: io.QueryLogsIn) -> io.QueryLogsOut:
        lines = self._logs(q, q.service, q.level, q.contains, q.limit + 1)
        return io.QueryLogsOut(lines=lines[: q.limit], truncated=len(lines) > q.limit)

    def get_error_details(self, q: io.ErrorDetailsIn) -> io.ErrorDetailsOut:
        return io.ErrorDetailsOut(errors=self._logs(q, q.service, "ERROR", None, self.error_limit))

    def query_traces(self, q: io.QueryTracesIn) -> io.QueryTracesOut:
        where, params = self._where(q.start, q.end, q.service)
        rows = self._conn.execute(
            "SELECT trace_id, span_id, parent_span_id, service_name, resource_attributes->>'service.instance.id', "
            f"span_name, time_unix, duration, status_code FROM otel_traces WHERE {where} ORDER BY seq LIMIT %s",
            [*params, q.limit + 1],
        ).fetchall()
        spans = [
            Span.model_construct(
                trace_id=tr,
                span_id=sp,
                parent_id=pa or None,
                service=s,
                instance=i or "",
                operation=op,
                start=st,
                duration_ms=d / 1_000_000,
                error=code == "Error",
            )
            for tr, sp, pa, s, i, op, st, d, code in rows
        ]
        return io.QueryTracesOut(spans=spans[: q.limit], truncated=len(spans) > q.limit)
