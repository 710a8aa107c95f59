"""Stand-ins for grafana/mcp-grafana and the seed's grafana-datasource (Loki, Prometheus, SQL over app_logs)."""

from __future__ import annotations

import re
from typing import Any

from graphs.contracts import LogLine, MetricSeries
from tools import interfaces as io
from tools.adapters.wire import iso, nanos
from tools.servers.standins.base import EARLIEST, LATEST, VendorTool, WorldCalls, when

MATCHER = re.compile(r'([A-Za-z_]\w*)\s*(=~|!=|=)\s*"((?:[^"\\]|\\.)*)"')
LINE_FILTER = re.compile(r"\|~\s*(?:`([^`]*)`|\"((?:[^\"\\]|\\.)*)\")")


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def parse_selector(expr: str) -> dict[str, tuple[str, str]]:
    """`{a="x", b=~"y"}` -> {a: ("=", "x"), b: ("=~", "y")}."""
    inner = expr[expr.index("{") + 1 : expr.index("}")]
    return {m.group(1): (m.group(2), _unquote(m.group(3))) for m in MATCHER.finditer(inner)}


def _exact(selector: dict[str, tuple[str, str]], label: str) -> str | None:
    op, value = selector.get(label, ("", ""))
    return value if op == "=" else None


def _metrics_of(selector: dict[str, tuple[str, str]]) -> list[str] | None:
    op, value = selector.get("__name__", ("", ".+"))
    if op == "=":
        return [value]
    return None if value == ".+" else [_unquote(part) for part in value.split("|")]


def _matrix(series: list[MetricSeries]) -> list[dict[str, Any]]:
    return [
        {
            "metric": {"__name__": s.metric, "service": s.service, "instance": s.instance, **s.labels},
            "values": [[t, repr(v)] for t, v in zip(s.timestamps, s.values, strict=True)],
        }
        for s in series
    ]


def _range(world: WorldCalls, expr: str, start: str, end: str | None) -> list[dict[str, Any]]:
    """A PromQL selector's range over [start, end] from the world, as Prometheus' matrix result."""
    selector = parse_selector(expr)
    out = world(
        "query_metrics",
        io.QueryMetricsIn,
        start=when(start, EARLIEST),
        end=when(end, LATEST),
        service=_exact(selector, "service"),
        metrics=_metrics_of(selector),
    )
    return _matrix(out.series)


def _logs(world: WorldCalls, start: str | None, end: str | None, **filters: Any) -> list[LogLine]:
    out = world(
        "query_logs", io.QueryLogsIn, start=when(start, EARLIEST), end=when(end, LATEST), limit=200_000, **filters
    )
    return out.lines


def grafana_mcp_tools(world: WorldCalls) -> list[VendorTool]:
    def query_loki_logs(
        datasourceUid: str,
        logql: str,
        startRfc3339: str | None = None,
        endRfc3339: str | None = None,
        limit: int = 10,
        direction: str = "backward",
    ) -> list[dict[str, Any]]:
        selector = parse_selector(logql)
        level = _exact(selector, "level")
        lines = _logs(world, startRfc3339, endRfc3339, service=_exact(selector, "service"), level=level)
        tail = logql[logql.index("}") + 1 :]
        for match in LINE_FILTER.finditer(tail):
            pattern = re.compile(match.group(1) if match.group(1) is not None else _unquote(match.group(2)))
            lines = [line for line in lines if pattern.search(line.message)]
        lines = lines[:limit] if direction == "forward" else lines[-limit:][::-1]
        return [
            {
                "timestamp": nanos(line.timestamp),
                "labels": {"service": line.service, "instance": line.instance, "level": line.level}
                | ({"trace_id": line.trace_id} if line.trace_id else {}),
                "line": line.message,
            }
            for line in lines
        ]

    def query_prometheus(
        datasourceUid: str,
        expr: str,
        startTime: str,
        endTime: str | None = None,
        stepSeconds: int = 60,
        queryType: str = "range",
    ) -> list[dict[str, Any]]:
        return _range(world, expr, startTime, endTime)

    def list_loki_label_values(
        datasourceUid: str, labelName: str, startRfc3339: str | None = None, endRfc3339: str | None = None
    ) -> list[str]:
        return world("list_services", io.ListServicesIn).services if labelName == "service" else []

    def list_datasources(type: str | None = None) -> list[dict[str, str]]:
        return [
            {"uid": "loki", "name": "Loki", "type": "loki"},
            {"uid": "prometheus", "name": "Prometheus", "type": "prometheus"},
        ]

    return [
        VendorTool("query_loki_logs", query_loki_logs, ("query_logs",)),
        VendorTool("query_prometheus", query_prometheus, ("query_metrics",)),
        VendorTool("list_loki_label_values", list_loki_label_values, ("list_services",)),
        VendorTool("list_datasources", list_datasources, ()),
    ]


SQL_FIELD = {
    "service": re.compile(r"artifact_id\s*=\s*'((?:[^']|'')*)'"),
    "level": re.compile(r"level\s*=\s*'((?:[^']|'')*)'"),
    "contains": re.compile(r"message\s+ILIKE\s+'%((?:[^']|'')*)%'", re.IGNORECASE),
}


def grafana_datasource_tools(world: WorldCalls) -> list[VendorTool]:
    def query_app_logs(sql: str, fromTime: str | None = None, toTime: str | None = None, limit: int = 100) -> dict:
        if re.search(r"SELECT\s+DISTINCT\s+artifact_id", sql, re.IGNORECASE):
            return {"rows": [{"artifact_id": s} for s in world("list_services", io.ListServicesIn).services]}
        if not re.search(r"\bFROM\s+app_logs\b", sql, re.IGNORECASE):
            raise ValueError("only the app_logs table is available")
        filters = {k: m.group(1).replace("''", "'") for k, p in SQL_FIELD.items() if (m := p.search(sql))}
        limit_match = re.search(r"\bLIMIT\s+(\d+)", sql, re.IGNORECASE)
        cap = min(limit, int(limit_match.group(1))) if limit_match else limit
        lines = _logs(world, fromTime, toTime, **filters)[:cap]
        return {
            "rows": [
                {
                    "timestamp": iso(line.timestamp),
                    "level": line.level,
                    "message": line.message,
                    "artifact_id": line.service,
                    "data": {"instance": line.instance} | ({"trace_id": line.trace_id} if line.trace_id else {}),
                }
                for line in lines
            ]
        }

    def query_prometheus(expr: str, fromTime: str, toTime: str | None = None, step: str = "60s") -> dict:
        return {"status": "success", "data": {"resultType": "matrix", "result": _range(world, expr, fromTime, toTime)}}

    return [
        VendorTool("query_app_logs", query_app_logs, ("query_logs", "list_services")),
        VendorTool("query_prometheus", query_prometheus, ("query_metrics",)),
    ]
