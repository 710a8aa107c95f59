"""The `prometheus` metrics provider: the log-system's `query_metrics` and `list_services` in PromQL over HTTP.

Series are read raw (an instant query over a range selector at the window's end), so the engine sees the samples
as stored, not resampled. Labels other than the identity ones reach `MetricSeries.labels` (`pod`, `node`, ...).
"""

from __future__ import annotations

from graphs.contracts import MetricSeries, utc
from tools import interfaces as io
from tools.backends.openmetrics import SOURCE_LABEL, WORLD_LABEL
from tools.backends.prometheus_api import PrometheusAPI, selector

IDENTITY = {"__name__", "service", "instance", SOURCE_LABEL, WORLD_LABEL}


class PrometheusMetrics:
    """Metric operations over one Prometheus, scoped to the series of one loaded world (label `world`)."""

    def __init__(self, api: PrometheusAPI, world: str | None = None, *, end_inclusive: bool = True) -> None:
        # A world's windows are [start, end] or [start, end); Prometheus's range selector is closed, so a
        # half-open world is asked for a range that ends a millisecond early.
        self.api, self.world, self.end_inclusive = api, world, end_inclusive

    def _selector(self, **matchers: str | list[str] | None) -> str:
        return selector(**{WORLD_LABEL: self.world}, **matchers)

    def query_metrics(self, q: io.QueryMetricsIn) -> io.QueryMetricsOut:
        start, end = utc(q.start).timestamp(), utc(q.end).timestamp()
        if not self.end_inclusive:
            end -= 0.001
        span_ms = max(round((end - start) * 1000), 1)
        match = self._selector(service=q.service, **{SOURCE_LABEL: list(q.metrics) if q.metrics else None})
        if match == "{}":
            match = '{__name__=~".+"}'
        samples = self.api.query(f"{match}[{span_ms}ms]", end)
        series = [
            MetricSeries.model_construct(
                service=s.labels.get("service", ""),
                instance=s.labels.get("instance", ""),
                metric=s.labels.get(SOURCE_LABEL, s.labels.get("__name__", "")),
                timestamps=[t for t, _ in s.points],
                values=[v for _, v in s.points],
                labels={k: v for k, v in s.labels.items() if k not in IDENTITY},
            )
            for s in samples
            if s.points
        ]
        series.sort(key=lambda m: (m.service, m.instance, m.metric))
        return io.QueryMetricsOut(series=series)

    def list_services(self, q: io.ListServicesIn) -> io.ListServicesOut:
        return io.ListServicesOut(services=sorted(self.api.label_values("service", self._selector())))
