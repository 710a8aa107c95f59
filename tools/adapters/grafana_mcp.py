"""grafana/mcp-grafana: Loki logs and Prometheus metrics of a Grafana instance (log-system).

Tools: `query_loki_logs` {datasourceUid, logql, startRfc3339, endRfc3339, limit, direction} -> a JSON list of
{timestamp (Loki nanoseconds as a string), labels {..}, line}; `query_prometheus` {datasourceUid, expr, startTime,
endTime, stepSeconds, queryType: "range"} -> the Prometheus matrix (list of {metric, values: [[ts, "v"]]});
`list_loki_label_values` {datasourceUid, labelName} -> a list of strings. mcp-grafana 2.x wraps the log and metric
lists as `{data: [...], metadata|hints: ...}` and refuses fractional seconds in `startTime`/`endTime`; both are read.
Assumptions: services are the Loki/Prometheus label `service` (option `service_label`), log level the Loki label
`level`, the instance the label `instance`; a metric's name is `__name__` unless option `metric_label` names the
label that keeps it (`source_metric` where names were rewritten to fit Prometheus); datasource uids come from
options `loki_uid` / `prometheus_uid` (defaults "loki", "prometheus"). Traces (Tempo) and the service registry are
not served by this adapter.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any, ClassVar

from graphs.contracts import LogLine
from tools import interfaces as io
from tools.adapters.base import MalformedPayload, Mapping, VendorAdapter
from tools.adapters.grafana_common import contains_filter, metric_selector, parse_matrix, quote
from tools.adapters.wire import epoch, iso


def _label(options: dict[str, Any]) -> str:
    return options.get("service_label", "service")


def _logql(service: str | None, level: str | None, contains: str | None, label: str) -> str:
    matchers = [f"{label}={quote(service)}" if service else f'{label}=~".+"']
    if level:
        matchers.append(f"level={quote(level.upper())}")
    return "{" + ", ".join(matchers) + "}" + (contains_filter(contains) if contains else "")


def _loki_args(q: Any, o: dict[str, Any], *, level: str | None, contains: str | None, limit: int) -> dict[str, Any]:
    return {
        "datasourceUid": o.get("loki_uid", "loki"),
        "logql": _logql(q.service, level, contains, _label(o)),
        "startRfc3339": iso(q.start),
        "endRfc3339": iso(q.end),
        "limit": limit,
        "direction": "forward",
    }


def _entries(payload: Any) -> Any:
    """mcp-grafana 2.x wraps results as {data: [...], metadata | hints: ...}; 1.x answered with the bare list."""
    return payload["data"] if isinstance(payload, dict) and "data" in payload else payload


def _lines(payload: Any, label: str) -> list[LogLine]:
    payload = _entries(payload)
    if not isinstance(payload, list):
        raise MalformedPayload("query_loki_logs must answer with a list of log entries")
    lines = []
    for entry in payload:
        labels = entry["labels"]
        lines.append(
            LogLine(
                timestamp=epoch(entry["timestamp"]),
                service=labels[label],
                instance=labels.get("instance", ""),
                level=labels.get("level", "INFO"),
                message=entry["line"],
                trace_id=labels.get("trace_id", ""),
            )
        )
    return lines


def _logs(payload: Any, q: io.QueryLogsIn, o: dict[str, Any]) -> io.QueryLogsOut:
    lines = _lines(payload, _label(o))
    return io.QueryLogsOut(lines=lines[: q.limit], truncated=len(lines) > q.limit)


def _seconds(moment: Any, *, up: bool) -> str:
    """RFC 3339 to the second: mcp-grafana 2.x's time parser refuses fractional seconds in startTime/endTime."""
    ts = moment.timestamp()
    whole = math.ceil(ts) if up else math.floor(ts)
    return datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _metrics_args(q: io.QueryMetricsIn, o: dict[str, Any]) -> dict[str, Any]:
    return {
        "datasourceUid": o.get("prometheus_uid", "prometheus"),
        "expr": metric_selector(q.metrics, q.service, _label(o), o.get("metric_label", "__name__")),
        "startTime": _seconds(q.start, up=False),
        "endTime": _seconds(q.end, up=True),
        "stepSeconds": int(o.get("step_s", 60)),
        "queryType": "range",
    }


def _services(payload: Any, q: Any, o: dict[str, Any]) -> io.ListServicesOut:
    payload = _entries(payload)
    if not isinstance(payload, list) or not all(isinstance(v, str) for v in payload):
        raise MalformedPayload("list_loki_label_values must answer with a list of strings")
    return io.ListServicesOut(services=sorted(set(payload)))


class GrafanaMcpAdapter(VendorAdapter):
    name = "grafana-mcp"
    interfaces = ("log-system",)
    mappings: ClassVar[dict[str, Mapping]] = {
        "query_logs": Mapping(
            "query_loki_logs",
            lambda q, o: _loki_args(q, o, level=q.level, contains=q.contains, limit=q.limit + 1),
            _logs,
        ),
        "get_error_details": Mapping(
            "query_loki_logs",
            lambda q, o: _loki_args(q, o, level="ERROR", contains=None, limit=200),
            lambda p, q, o: io.ErrorDetailsOut(errors=_lines(p, _label(o))[:200]),
        ),
        "query_metrics": Mapping(
            "query_prometheus",
            _metrics_args,
            lambda p, q, o: io.QueryMetricsOut(
                series=parse_matrix(_entries(p), _label(o), o.get("metric_label", "__name__"))
            ),
        ),
        "list_services": Mapping(
            "list_loki_label_values",
            lambda q, o: {"datasourceUid": o.get("loki_uid", "loki"), "labelName": _label(o)},
            _services,
        ),
    }
