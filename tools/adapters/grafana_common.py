"""Pieces both Grafana adapters share: PromQL selectors, Prometheus matrices, LogQL filters."""

from __future__ import annotations

import re
from typing import Any

from graphs.contracts import MetricSeries
from tools.adapters.base import MalformedPayload


def quote(value: str) -> str:
    """A PromQL/LogQL double-quoted string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def metric_selector(
    metrics: list[str] | None, service: str | None, service_label: str, metric_label: str = "__name__"
) -> str:
    """`metric_label` is where the metric's name is kept: `__name__`, or a label such as `source_metric` when the
    names were rewritten to fit Prometheus."""
    names = quote("|".join(re.escape(m) for m in metrics)) if metrics else '".+"'
    matchers = [f"{metric_label}=~{names}"]
    if service:
        matchers.append(f"{service_label}={quote(service)}")
    return "{" + ", ".join(matchers) + "}"


def parse_matrix(result: Any, service_label: str, metric_label: str = "__name__") -> list[MetricSeries]:
    """Prometheus range-query `result` items ({metric: labels, values: [[ts, "v"], ...]}) as our series."""
    if not isinstance(result, list):
        raise MalformedPayload("a Prometheus matrix result must be a list")
    series = []
    for item in result:
        labels = {str(k): str(v) for k, v in item["metric"].items()}
        name = labels.pop(metric_label)
        labels.pop("__name__", None)
        service = labels.pop(service_label)
        instance = labels.pop("instance", "")
        points = item["values"]
        series.append(
            MetricSeries(
                service=service,
                instance=instance,
                metric=name,
                timestamps=[float(t) for t, _ in points],
                values=[float(v) for _, v in points],
                labels=labels,
            )
        )
    return series


def contains_filter(text: str) -> str:
    """A LogQL case-blind line filter for a plain substring (backticks: no escaping inside)."""
    pattern = "(?i)" + re.escape(text)
    if "`" in pattern:
        return f" |~ {quote(pattern)}"
    return f" |~ `{pattern}`"
