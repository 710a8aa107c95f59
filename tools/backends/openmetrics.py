"""Metric series as OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`, with their labels.

World metric names (`PodServerLatencyP95(s)`) are not Prometheus names; each is written under a sanitised name
(`pod_server_latency_p95_s`) with the original kept in the label `source_metric`, so a provider can answer in the
world's own names. Every series carries `service`, `instance` and `pod` (the instance, unless the world names one).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path

from graphs.contracts import MetricSeries

SOURCE_LABEL = "source_metric"
WORLD_LABEL = "world"
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_INVALID = re.compile(r"[^a-zA-Z0-9_]+")


def prometheus_name(metric: str) -> str:
    """`PodServerLatencyP95(s)` -> `pod_server_latency_p95_s`: a valid metric name, stable for one input."""
    name = _INVALID.sub("_", _CAMEL.sub("_", metric)).strip("_").lower()
    name = re.sub(r"_+", "_", name) or "metric"
    return name if not name[0].isdigit() else f"m_{name}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(series: MetricSeries, world: str) -> dict[str, str]:
    labels = {"service": series.service, "instance": series.instance, "pod": series.instance}
    labels.update(series.labels)
    labels[SOURCE_LABEL] = series.metric
    labels[WORLD_LABEL] = world
    return labels


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def write_openmetrics(series: Iterable[MetricSeries], path: Path, *, world: str) -> int:
    """Write gauges grouped into families (as the format requires); returns the number of samples written."""
    families: dict[str, list[MetricSeries]] = {}
    for one in series:
        families.setdefault(prometheus_name(one.metric), []).append(one)
    written = 0
    with path.open("w") as out:
        for family, members in families.items():
            out.write(f"# TYPE {family} gauge\n")
            for one in members:
                body = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(_labels(one, world).items()))
                for t, v in zip(one.timestamps, one.values, strict=True):
                    if math.isnan(v):
                        continue
                    out.write(f"{family}{{{body}}} {float(v)!r} {_number(t)}\n")
                    written += 1
        out.write("# EOF\n")
    return written
