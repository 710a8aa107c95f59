"""The seed's grafana-datasource MCP: SQL over the `app_logs` table and Prometheus queries (log-system).

Tools: `query_app_logs` {sql, fromTime, toTime, limit} over `app_logs (timestamp, level, message, data, request_id,
artifact_id, meta_site_id, stack_trace, error_class)` -> {"rows": [{column: value}]}; `query_prometheus` {expr,
fromTime, toTime, step} -> the Prometheus HTTP API body {"status": "success", "data": {"resultType": "matrix",
"result": [...]}}.
Assumptions (the seed documents the columns, not the answer's envelope): rows come back as objects keyed by column;
`artifact_id` is the service; `data` is a JSON object that may carry `instance` and `trace_id`; `timestamp` is RFC
3339. Services are listed with `SELECT DISTINCT artifact_id`. Traces and the service registry are not served.
"""

from __future__ import annotations

from typing import Any, ClassVar

from graphs.contracts import LogLine
from tools import interfaces as io
from tools.adapters.base import MalformedPayload, Mapping, VendorAdapter
from tools.adapters.grafana_common import metric_selector, parse_matrix
from tools.adapters.wire import epoch, iso

COLUMNS = "timestamp, level, message, data, artifact_id"


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def logs_sql(service: str | None, level: str | None, contains: str | None, limit: int) -> str:
    where = []
    if service:
        where.append(f"artifact_id = {sql_text(service)}")
    if level:
        where.append(f"level = {sql_text(level.upper())}")
    if contains:
        where.append(f"message ILIKE {sql_text('%' + contains + '%')}")
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    return f"SELECT {COLUMNS} FROM app_logs{clause} ORDER BY timestamp LIMIT {limit}"


def _rows(payload: Any) -> list[dict[str, Any]]:
    rows = payload["rows"]
    if not isinstance(rows, list):
        raise MalformedPayload("query_app_logs 'rows' must be a list")
    return rows


def _lines(payload: Any) -> list[LogLine]:
    lines = []
    for row in _rows(payload):
        data = row.get("data") or {}
        lines.append(
            LogLine(
                timestamp=epoch(row["timestamp"]),
                service=row["artifact_id"],
                instance=data.get("instance", ""),
                level=row["level"],
                message=row["message"],
                trace_id=data.get("trace_id", ""),
            )
        )
    return lines


def _log_args(q: Any, *, level: str | None, contains: str | None, limit: int) -> dict[str, Any]:
    return {
        "sql": logs_sql(q.service, level, contains, limit),
        "fromTime": iso(q.start),
        "toTime": iso(q.end),
        "limit": limit,
    }


def _logs(payload: Any, q: io.QueryLogsIn, o: dict[str, Any]) -> io.QueryLogsOut:
    lines = _lines(payload)
    return io.QueryLogsOut(lines=lines[: q.limit], truncated=len(lines) > q.limit)


def _matrix(payload: Any, q: Any, o: dict[str, Any]) -> io.QueryMetricsOut:
    if payload.get("status") != "success" or payload["data"]["resultType"] != "matrix":
        raise MalformedPayload("query_prometheus did not answer with a successful matrix")
    return io.QueryMetricsOut(series=parse_matrix(payload["data"]["result"], o.get("service_label", "service")))


class GrafanaDatasourceAdapter(VendorAdapter):
    name = "grafana-datasource"
    interfaces = ("log-system",)
    mappings: ClassVar[dict[str, Mapping]] = {
        "query_logs": Mapping(
            "query_app_logs", lambda q, o: _log_args(q, level=q.level, contains=q.contains, limit=q.limit + 1), _logs
        ),
        "get_error_details": Mapping(
            "query_app_logs",
            lambda q, o: _log_args(q, level="ERROR", contains=None, limit=200),
            lambda p, q, o: io.ErrorDetailsOut(errors=_lines(p)[:200]),
        ),
        "query_metrics": Mapping(
            "query_prometheus",
            lambda q, o: {
                "expr": metric_selector(q.metrics, q.service, o.get("service_label", "service")),
                "fromTime": iso(q.start),
                "toTime": iso(q.end),
                "step": f"{int(o.get('step_s', 60))}s",
            },
            _matrix,
        ),
        "list_services": Mapping(
            "query_app_logs",
            lambda q, o: {"sql": "SELECT DISTINCT artifact_id FROM app_logs", "limit": 10_000},
            lambda p, q, o: io.ListServicesOut(services=sorted({row["artifact_id"] for row in _rows(p)})),
        ),
    }
