"""The alert path reads plainly named metrics (`latency_p99`, `availability_average`), not only Nezha's CamelCase."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agents.analysis import RuntimeTelemetry, analyse_runtime, findings_to_evidence, rank_candidates
from agents.analysis.metric_detector import detect_metric_anomalies, metric_family
from graphs.contracts import DependencyEdge, MetricSeries, TimeWindow

ALERT = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
STEP = 300.0  # five-minute periods, as CloudWatch keeps them


def series(service: str, metric: str, quiet: float, now: float) -> tuple[MetricSeries, MetricSeries]:
    """(window, baseline): twelve quiet periods before the window, then the window's three with `now` at the alert."""
    end = ALERT.timestamp()
    before = [end - 600 - STEP * i for i in range(12, 0, -1)]
    wobble = [quiet * (1 + 0.02 * ((i % 3) - 1)) for i in range(12)]
    window = [end - 600, end - 300, end]
    return (
        MetricSeries(service=service, instance=service, metric=metric, timestamps=window, values=[quiet, quiet, now]),
        MetricSeries(service=service, instance=service, metric=metric, timestamps=before, values=wobble),
    )


def telemetry(*pairs: tuple[MetricSeries, MetricSeries], edges: list[DependencyEdge] | None = None):
    return RuntimeTelemetry(
        window=TimeWindow(start=ALERT - timedelta(minutes=10), end=ALERT),
        alert_at=ALERT,
        metrics=[p[0] for p in pairs],
        baseline_metrics=[p[1] for p in pairs],
        edges=edges or [],
    )


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("latency_p99", "server_latency"),
        ("latency_average", "server_latency"),
        ("availability_average", "success"),
        ("requests_sum", None),  # traffic names no culprit
        ("es_unassigned_shards", None),  # a broken-state gauge rises when in trouble: not a falling success rate
        ("PodServerLatencyP95(s)", "server_latency"),  # Nezha's names read as before
        ("PodWorkload(Ops)", None),
        ("NetworkReceiveBytes", None),
    ],
)
def test_family_of_a_metric_name(name: str, family: str | None) -> None:
    assert metric_family(MetricSeries(service="s", instance="s", metric=name, timestamps=[], values=[])) == family


def test_plain_latency_and_availability_departures_are_found_and_traffic_is_not() -> None:
    findings = detect_metric_anomalies(
        telemetry(
            series("search", "latency_p99", 0.02, 0.10),
            series("pay", "availability_average", 100.0, 40.0),
            series("site", "requests_sum", 100.0, 900.0),
            series("table", "latency_p99", 0.02, 0.021),
        )
    )
    assert {(f.service, f.data["family"]) for f in findings} == {("search", "server_latency"), ("pay", "success")}


def test_the_callee_whose_latency_departed_most_outranks_the_caller_waiting_on_it() -> None:
    edges = [DependencyEdge(caller="site", callee="search"), DependencyEdge(caller="site", callee="pay")]
    t = telemetry(
        series("site", "latency_average", 0.09, 0.14),
        series("search", "latency_average", 0.006, 0.03),
        series("pay", "latency_average", 0.2, 0.2),
        edges=edges,
    )
    ranked = rank_candidates(findings_to_evidence(analyse_runtime(t)), t.edges)
    assert [c.service for c in ranked][:1] == ["search"] and "pay" not in {c.service for c in ranked}
