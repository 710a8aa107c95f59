"""The alert path on coarse, percent-scaled data: a success rate's noise judged on its failure share, windows that
follow the series' sampling interval, magnitudes that do not saturate, and wrappers explained away by what they call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from synthetic import item

from agents.analysis import RuntimeTelemetry
from agents.analysis.metric_detector import detect_metric_anomalies, sampling_step, sustain_points, symptom_start
from agents.analysis.model.features import CaseGraph, graph_features
from agents.analysis.ranking import rank_candidates
from graphs.contracts import DependencyEdge, Evidence, EvidenceKind, MetricSeries, TimeWindow

ALERT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _series(name: str, metric: str, values: list[float], step: float, end: float) -> MetricSeries:
    times = [end - step * (len(values) - 1 - i) for i in range(len(values))]
    return MetricSeries(service=name, instance=name, metric=metric, timestamps=times, values=values)


def _detect(window_values: list[float], quiet_values: list[float], metric: str, step: float) -> list:
    alert = ALERT.timestamp()
    window = TimeWindow(start=ALERT - timedelta(seconds=step * len(window_values)), end=ALERT)
    quiet_end = window.start.timestamp() - step
    telemetry = RuntimeTelemetry(
        window=window,
        alert_at=ALERT,
        metrics=[_series("search", metric, window_values, step, alert)],
        baseline_metrics=[_series("search", metric, quiet_values, step, quiet_end)],
    )
    return detect_metric_anomalies(telemetry)


def _quiet_availability(n: int, seed: int = 3) -> list[float]:
    rng = np.random.default_rng(seed)
    return [100.0 if rng.random() > 0.1 else 99.8 for _ in range(n)]


def test_availability_falling_from_100_to_96_percent_is_a_departure_of_its_failure_share() -> None:
    found = _detect([100.0, 100.0, 100.0, 96.0], _quiet_availability(24), "availability_average", 300.0)
    assert [f.data["family"] for f in found] == ["success"]
    assert found[0].data["baseline"] == 100.0 and found[0].data["peak"] == 96.0  # read in availability's own units


def test_a_rounding_blip_of_a_tenth_of_a_point_in_availability_is_not_a_departure() -> None:
    assert _detect([100.0, 100.0, 100.0, 99.9], _quiet_availability(24), "availability_average", 300.0) == []


def test_availability_that_was_always_this_noisy_is_not_a_departure() -> None:
    rng = np.random.default_rng(5)
    noisy = [float(100.0 - abs(rng.normal(0, 3))) for _ in range(48)]
    assert _detect([100.0, 98.0, 99.0, 96.0], noisy, "availability_average", 300.0) == []


def test_a_success_ratio_between_0_and_1_is_judged_on_its_own_full_scale() -> None:
    found = _detect([1.0, 1.0, 1.0, 0.96], [1.0] * 24, "availability_average", 300.0)
    assert len(found) == 1 and found[0].data["peak"] == 0.96


def test_windows_follow_the_sampling_interval() -> None:
    assert sampling_step(np.array([0.0, 300.0, 600.0, 900.0])) == 300.0
    assert sustain_points(60.0) == 2 and sustain_points(300.0) == 1
    telemetry = RuntimeTelemetry(window=TimeWindow(start=ALERT - timedelta(hours=2), end=ALERT), alert_at=ALERT)
    assert symptom_start(telemetry, 60.0) == ALERT.timestamp() - 180.0
    assert symptom_start(telemetry, 300.0) == ALERT.timestamp() - 300.0


def test_one_5_minute_period_out_of_line_is_sustained_but_one_1_minute_point_is_not() -> None:
    quiet = [0.1 + 0.001 * (i % 3) for i in range(24)]
    assert len(_detect([0.1, 0.1, 0.1, 0.9], quiet, "latency_average", 300.0)) == 1
    quiet_minutes = [0.1 + 0.001 * (i % 3) for i in range(60)]
    assert _detect([0.1] * 9 + [0.9], quiet_minutes, "latency_average", 60.0) == []
    assert len(_detect([0.1] * 8 + [0.9, 0.9], quiet_minutes, "latency_average", 60.0)) == 1


def test_the_departure_keeps_its_size_beyond_the_clipped_score() -> None:
    quiet = [0.1 + 0.001 * (i % 3) for i in range(24)]
    strong = _detect([0.1, 0.1, 0.1, 0.8], quiet, "latency_average", 300.0)[0]
    extreme = _detect([0.1, 0.1, 0.1, 5.0], quiet, "latency_average", 300.0)[0]
    assert strong.score == extreme.score  # the score saturates on purpose (one huge z must not drown the rest)
    assert extreme.data["z_peak"] > strong.data["z_peak"] and extreme.data["relative_change"] > 40.0


def _anomaly(service: str, z: float, relative: float, onset: float) -> Evidence:
    return item(
        EvidenceKind.metric_anomaly,
        service,
        "latency_average",
        score=min(z, 50.0),
        family="server_latency",
        onset=onset,
        z_peak=z,
        relative_change=relative,
    )


def test_the_model_sees_an_extreme_departure_as_larger_than_a_strong_one() -> None:
    t0 = ALERT.timestamp()
    ranked = rank_candidates([_anomaly("a", 60.0, 3.0, t0), _anomaly("b", 900.0, 80.0, t0)], [])
    feats = {c.service: c.features for c in ranked}
    assert feats["b"]["sig_magnitude"] > feats["a"]["sig_magnitude"]
    assert feats["b"]["sig_relative"] > feats["a"]["sig_relative"]
    assert feats["a"]["own_strength"] == feats["b"]["own_strength"]


WRAPPED = [
    DependencyEdge(caller="site", callee="updater-client"),
    DependencyEdge(caller="updater-client", callee="updater"),
    DependencyEdge(caller="updater", callee="table"),
]


def test_a_wrapper_that_departed_with_the_resource_it_calls_is_explained_away_by_it() -> None:
    t0 = ALERT.timestamp()
    evidence = [_anomaly(s, 40.0, 5.0, t0) for s in ("site", "updater-client", "updater")]
    case = CaseGraph(evidence, WRAPPED)
    assert graph_features("updater-client", case)["callee_departed_with"] == 1.0
    assert graph_features("site", case)["callee_departed_with"] == 1.0
    assert graph_features("updater", case)["callee_departed_with"] == 0.0  # the table it calls stayed normal


def test_a_callee_that_departed_only_after_its_caller_does_not_explain_it_away() -> None:
    t0 = ALERT.timestamp()
    evidence = [_anomaly("updater-client", 40.0, 5.0, t0), _anomaly("updater", 40.0, 5.0, t0 + 600.0)]
    case = CaseGraph(evidence, WRAPPED)
    assert graph_features("updater-client", case)["callee_departed_with"] == 0.0


def test_the_resource_a_wrapper_calls_explains_the_wrappers_departure_by_its_size() -> None:
    t0 = ALERT.timestamp()
    evidence = [
        _anomaly("updater-client", 300.0, 8.0, t0),  # the invoker: the function's time plus its own overhead
        _anomaly("updater", 250.0, 7.0, t0),
        _anomaly("table", 4.0, 1.1, t0),  # the table the function reads barely moved
    ]
    feats = {c.service: c.features for c in rank_candidates(evidence, WRAPPED)}
    assert feats["updater-client"]["callee_explains"] > 0.9
    assert feats["updater"]["callee_explains"] < 0.4  # a cause's callee moved far less: it explains little


def test_a_callee_that_departed_later_explains_nothing_away() -> None:
    t0 = ALERT.timestamp()
    evidence = [_anomaly("updater-client", 300.0, 8.0, t0), _anomaly("updater", 300.0, 8.0, t0 + 600.0)]
    feats = {c.service: c.features for c in rank_candidates(evidence, WRAPPED)}
    assert "callee_explains" not in feats["updater-client"]


def test_a_wrapper_as_sick_as_the_function_it_invokes_ranks_below_it() -> None:
    t0 = ALERT.timestamp()
    evidence = [_anomaly("updater-client", 60.0, 9.0, t0), _anomaly("updater", 45.0, 8.5, t0)]  # 50 vs 45 once clipped
    ranked = rank_candidates(evidence, WRAPPED)
    assert [c.service for c in ranked] == ["updater", "updater-client"]
    assert ranked[1].features["explained_by_callee"] == 1.0


def test_a_caller_far_sicker_than_its_callee_is_not_explained_away() -> None:
    t0 = ALERT.timestamp()
    evidence = [_anomaly("updater", 400.0, 9.0, t0), _anomaly("table", 5.0, 1.2, t0)]
    ranked = rank_candidates(evidence, WRAPPED)
    assert ranked[0].service == "updater" and "explained_by_callee" not in ranked[0].features
