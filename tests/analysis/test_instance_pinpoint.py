"""One replica departing while its siblings stay normal is named as the pinpoint's instance; a departure shared by
every replica, or a service that runs one, stays at the service level. Scores and features never move."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta

import numpy as np

from agents.analysis import RuntimeTelemetry, findings_to_evidence, rank_candidates
from agents.analysis.metric_detector import detect_metric_anomalies
from agents.analysis.onsets import metric_onsets
from graphs.contracts import DependencyEdge, MetricSeries, TimeWindow

START = datetime(2025, 6, 3, 10, 0, tzinfo=UTC)
ALERT = START + timedelta(minutes=50)
PODS = {"checkout-1": "checkout-7d9f-a4", "checkout-2": "checkout-7d9f-x2", "checkout-3": "checkout-7d9f-k9"}


def _series(service: str, instance: str, metric: str, bad: bool, *, labels: dict[str, str] | None = None, points=51):
    """A noisy level of 100 for 50 minutes; a bad one jumps to 2000 for the three minutes before the alert."""
    rng = np.random.default_rng(zlib.crc32(f"{service}|{instance}|{metric}".encode()))
    times = [START.timestamp() + 60 * i for i in range(points)]
    values = 100 + rng.normal(0, 3, points)
    if bad:
        values[-3:] += 1900
    return MetricSeries(
        service=service, instance=instance, metric=metric, timestamps=times, values=values.tolist(), labels=labels or {}
    )


def _telemetry(series: list[MetricSeries]) -> RuntimeTelemetry:
    return RuntimeTelemetry(window=TimeWindow(start=START, end=ALERT), alert_at=ALERT, metrics=series)


def _checkout(bad: set[str], metric: str = "PodServerLatencyP95(s)") -> list[MetricSeries]:
    return [
        _series("checkout", i, metric, i in bad, labels={"pod": pod, "node": f"n{i[-1]}"}) for i, pod in PODS.items()
    ]


def test_one_pod_departing_alone_is_named_in_the_finding() -> None:
    findings = detect_metric_anomalies(_telemetry(_checkout({"checkout-2"})))
    assert [f.instance for f in findings] == ["checkout-2"]
    (finding,) = findings
    assert finding.data["carrier"] == "checkout-7d9f-x2 (pod)"
    assert (finding.data["replicas"], finding.data["replicas_departed"]) == (3, 1)
    assert "only checkout-7d9f-x2 (pod) departed" in finding.summary


def test_every_pod_departing_together_names_no_pod() -> None:
    findings = detect_metric_anomalies(_telemetry(_checkout(set(PODS))))
    assert len(findings) == 3
    assert {f.data["carrier"] for f in findings} == {""}
    assert {f.data["replicas_departed"] for f in findings} == {3}
    assert not any("departed, its" in f.summary for f in findings)


def test_a_single_instance_service_names_no_instance() -> None:
    findings = detect_metric_anomalies(_telemetry([_series("payments", "payments-1", "PodServerLatencyP95(s)", True)]))
    assert len(findings) == 1 and findings[0].data["carrier"] == "" and findings[0].data["replicas"] == 1


def test_without_a_pod_label_the_instance_is_named() -> None:
    series = [_series("cart", f"cart-{i}", "PodServerLatencyP95(s)", i == 1) for i in range(1, 4)]
    (finding,) = detect_metric_anomalies(_telemetry(series))
    assert finding.data["carrier"] == "cart-1 (instance)"


def test_a_sibling_that_cannot_be_judged_does_not_count_as_normal() -> None:
    series = _checkout({"checkout-2"})
    series[0] = _series("checkout", "checkout-1", "PodServerLatencyP95(s)", False, points=1)  # one point: no reference
    (finding,) = detect_metric_anomalies(_telemetry(series))
    assert finding.data["carrier"] == "checkout-7d9f-x2 (pod)" and finding.data["replicas"] == 2
    series[2] = _series("checkout", "checkout-3", "PodServerLatencyP95(s)", False, points=1)
    (finding,) = detect_metric_anomalies(_telemetry(series))
    assert finding.data["carrier"] == "" and finding.data["replicas"] == 1


def test_series_with_other_labels_are_not_siblings() -> None:
    """The same metric on another route is another series, not another replica of this one."""
    series = [
        _series("checkout", "checkout-1", "PodServerLatencyP95(s)", True, labels={"route": "/pay"}),
        _series("checkout", "checkout-2", "PodServerLatencyP95(s)", False, labels={"route": "/cart"}),
    ]
    (finding,) = detect_metric_anomalies(_telemetry(series))
    assert finding.data["carrier"] == "" and finding.data["replicas"] == 1


def _ranked(series: list[MetricSeries]):
    evidence = findings_to_evidence(detect_metric_anomalies(_telemetry(series)))
    edges = [DependencyEdge(caller="gateway", callee="checkout")]
    return evidence, rank_candidates(evidence, edges)


def test_the_hypothesis_pinpoint_names_the_pod_and_the_scores_do_not_move() -> None:
    gateway = [_series("gateway", f"gateway-{i}", "PodClientLatencyP95(s)", True) for i in range(1, 3)]
    evidence, ranked = _ranked(_checkout({"checkout-2"}) + gateway)
    top = ranked[0]
    assert top.service == "checkout"
    assert top.pinpoint.instance == "checkout-7d9f-x2 (pod)" and "on checkout-7d9f-x2 (pod)" in top.statement
    assert next(c for c in ranked if c.service == "gateway").pinpoint.instance == ""  # both gateways departed
    carried = next(e for e in evidence if e.service == "checkout")
    assert carried.data["carrier"] == "checkout-7d9f-x2 (pod)" and "checkout-7d9f-x2" in carried.summary
    # the same evidence without what the carrier pass added ranks and scores exactly alike
    keys = ("carrier", "replicas", "replicas_departed")
    bare = [e.model_copy(update={"data": {k: v for k, v in e.data.items() if k not in keys}}) for e in evidence]
    plain = rank_candidates(bare, [DependencyEdge(caller="gateway", callee="checkout")])
    assert [(c.service, c.score, c.features) for c in plain] == [(c.service, c.score, c.features) for c in ranked]
    assert plain[0].pinpoint.instance == ""


def test_the_whole_service_departing_keeps_the_pinpoint_at_the_service() -> None:
    _, ranked = _ranked(_checkout(set(PODS)))
    assert ranked[0].service == "checkout" and ranked[0].pinpoint.instance == ""
    assert ranked[0].pinpoint.ref == "PodServerLatencyP95(s)"


def test_a_service_whose_metrics_sit_on_different_pods_names_none() -> None:
    series = _checkout({"checkout-2"}) + _checkout({"checkout-3"}, metric="CpuUsageRate(%)")
    _, ranked = _ranked(series)
    assert ranked[0].service == "checkout" and ranked[0].pinpoint.instance == ""


def test_the_ticket_path_onsets_keep_the_series_index() -> None:
    series = _checkout({"checkout-2"})
    rows = metric_onsets(series)
    assert [series[r["index"]].instance for r in rows] == [r["instance"] for r in rows] == ["checkout-2"]
