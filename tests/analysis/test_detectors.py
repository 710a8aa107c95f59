"""Each detector on real slices of the Nezha dataset around a labelled fault (labels are not read here)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agents.analysis import RuntimeTelemetry
from agents.analysis.log_detector import detect_log_patterns
from agents.analysis.metric_detector import detect_metric_anomalies
from agents.analysis.trace_detector import detect_trace_anomalies
from graphs.contracts import TimeWindow
from tools.worlds.nezha import NezhaWorld

DEFAULT_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets" / "nezha"
DATA_DIR = Path(os.environ.get("PM_NEZHA_DIR", DEFAULT_DIR))
pytestmark = pytest.mark.skipif(not (DATA_DIR / "rca_data").is_dir(), reason="Nezha dataset not present")


def _telemetry(world: NezhaWorld, alert: datetime, *, logs: bool) -> RuntimeTelemetry:
    window = TimeWindow(start=alert - timedelta(minutes=10), end=alert)
    day_before = alert - timedelta(hours=24)
    return RuntimeTelemetry(
        window=window,
        alert_at=alert,
        metrics=world.query_metrics(None, window.start, window.end),
        baseline_metrics=world.query_metrics(None, window.start - timedelta(hours=1), window.start),
        logs=world.query_logs(None, window.start, window.end) if logs else [],
        baseline_logs=world.query_logs(None, day_before - timedelta(hours=12), day_before + timedelta(hours=12))
        if logs
        else [],
        spans=world.query_traces(None, window.start, window.end) if logs else [],
        baseline_spans=world.query_traces(None, day_before - timedelta(hours=12), day_before + timedelta(hours=12))
        if logs
        else [],
    )


def test_cpu_stress_shows_in_the_pods_cpu() -> None:
    world = NezhaWorld(DATA_DIR, "trainticket")
    findings = detect_metric_anomalies(_telemetry(world, datetime(2023, 1, 29, 14, 52, 57, tzinfo=UTC), logs=False))
    cpu = sorted((f for f in findings if f.data["family"] == "cpu"), key=lambda f: -f.score)
    assert cpu and cpu[0].service == "ts-food-service" and cpu[0].onset is not None


def test_network_delay_shows_on_callers_edge_latency() -> None:
    world = NezhaWorld(DATA_DIR, "onlineboutique", ["2022-08-22"])
    findings = detect_metric_anomalies(_telemetry(world, datetime(2022, 8, 22, 4, 30, 3, tzinfo=UTC), logs=False))
    inbound = sorted((f for f in findings if f.data["family"] == "inbound_latency"), key=lambda f: -f.score)
    assert inbound[0].service == "cartservice"


def test_log_and_trace_detectors_on_a_code_fault() -> None:
    world = NezhaWorld(DATA_DIR, "trainticket")
    telemetry = _telemetry(world, datetime(2023, 1, 29, 9, 28, 39, tzinfo=UTC), logs=True)
    logs = detect_log_patterns(telemetry)
    assert any(f.service == "ts-basic-service" and f.data["statement"] for f in logs)
    traces = detect_trace_anomalies(telemetry)
    assert all(f.score >= 3.0 and f.data["after_ms"] > f.data["before_ms"] for f in traces)
