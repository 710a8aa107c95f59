"""Onsets come from the data: a step that began long before the alert is dated at its start, not at alert-3min."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from agents.analysis import RuntimeTelemetry
from agents.analysis.log_detector import detect_log_patterns
from agents.analysis.metric_detector import detect_metric_anomalies, symptom_start
from graphs.contracts import LogLine, MetricSeries, TimeWindow

ALERT = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
WINDOW = TimeWindow(start=ALERT - timedelta(minutes=20), end=ALERT)
STEP_AT = WINDOW.start.timestamp() + 4 * 60  # 16 minutes before the alert
SERVICE = "inventory"


def _series(start: float, minutes: int, level: float, step_at: float | None = None) -> MetricSeries:
    rng = np.random.default_rng(7)
    times = [start + 60.0 * m for m in range(minutes)]
    values = [level * (1 + 0.03 * rng.standard_normal()) * (10 if step_at and t >= step_at else 1) for t in times]
    return MetricSeries(
        service=SERVICE, instance=f"{SERVICE}-0", metric="PodServerLatencyP95(s)", timestamps=times, values=values
    )


def _telemetry(**parts: object) -> RuntimeTelemetry:
    return RuntimeTelemetry(window=WINDOW, alert_at=ALERT, **parts)


def test_metric_onset_is_the_start_of_the_step_not_alert_minus_three_minutes() -> None:
    window_series = _series(WINDOW.start.timestamp(), 21, 0.1, step_at=STEP_AT)
    quiet_hour = _series(WINDOW.start.timestamp() - 3600.0, 60, 0.1)
    findings = detect_metric_anomalies(_telemetry(metrics=[window_series], baseline_metrics=[quiet_hour]))
    assert len(findings) == 1
    assert findings[0].onset == STEP_AT
    assert findings[0].onset < symptom_start(_telemetry()) - 600.0
    assert findings[0].data["baseline"] < 0.2  # the step's own minutes are not part of the usual level


def test_metric_without_departure_at_the_alert_is_not_a_finding() -> None:
    window_series = _series(WINDOW.start.timestamp(), 21, 0.1)
    quiet_hour = _series(WINDOW.start.timestamp() - 3600.0, 60, 0.1)
    assert detect_metric_anomalies(_telemetry(metrics=[window_series], baseline_metrics=[quiet_hour])) == []


def _lines(start: float, minutes: int, error_from: float | None) -> list[LogLine]:
    lines = []
    for m in range(minutes):
        for k in range(10):
            at = start + 60.0 * m + 5.0 * k
            lines.append(LogLine(timestamp=at, service=SERVICE, message=f"handled request in {k + 3} ms"))
            if error_from is not None and at >= error_from and k % 2 == 0:
                lines.append(LogLine(timestamp=at, service=SERVICE, level="ERROR", message="query timeout on stock"))
    return lines


def test_log_template_that_began_before_alert_minus_three_minutes_reads_as_new_from_its_first_minute() -> None:
    yesterday = _lines(WINDOW.start.timestamp() - 86400.0, 60, None)
    t = _telemetry(logs=_lines(WINDOW.start.timestamp(), 20, STEP_AT), baseline_logs=yesterday)
    errors = [f for f in detect_log_patterns(t) if f.signal.startswith("ERROR")]
    assert len(errors) == 1
    assert errors[0].data["change"] == "new"
    assert errors[0].onset == STEP_AT
