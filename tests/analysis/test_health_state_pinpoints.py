"""A degraded health state (drives online, nodes up) pins ahead of usage (cpu) that moved earlier."""

from __future__ import annotations

from typing import Any

from synthetic import T0, item

from agents.analysis.metric_kinds import is_fault, metric_family
from agents.analysis.service_view import ServiceView
from agents.analysis.ticket_candidate import _pinpoint, lasting_first
from graphs.contracts import Evidence, EvidenceKind, FaultType


def anomaly(name: str, at_min: float, family: str, ongoing: bool = True, **data: Any) -> Evidence:
    return item(
        EvidenceKind.metric_anomaly,
        "store",
        name,
        metric=name,
        signal=name,
        family=family,
        onset=T0 + 60 * at_min,
        fault=True,
        ongoing=ongoing,
        **data,
    )


def test_a_gauge_counting_what_is_online_is_a_health_state_and_falling_is_the_fault() -> None:
    assert metric_family("minio_drives_online") == "availability"
    assert is_fault("availability", -1, "minio_drives_online")
    assert not is_fault("availability", 1, "minio_drives_online")
    assert metric_family("online_orders_per_min") == "traffic"  # "online" inside a name is not a state gauge


def test_a_degraded_state_pins_ahead_of_cpu_that_rose_earlier() -> None:
    cpu = anomaly("cpu_percent", 0, "resource")
    drives = anomaly("minio_drives_online", 140, "availability")
    errors = anomaly("s3_requests_5xx_per_min", 140, "error")
    assert lasting_first([cpu, drives]) == [drives, cpu]
    fault, pinpoint, _ = _pinpoint(ServiceView("store", [cpu, drives, errors]), "frontier", [], None, False, False)
    assert (fault, pinpoint.ref) == (FaultType.dependency_outage, "minio_drives_online")


def test_usage_keeps_its_order_when_no_state_degraded_and_a_lasting_state_beats_one_that_came_back() -> None:
    cpu = anomaly("cpu_percent", 0, "resource")
    memory = anomaly("memory_rss_bytes", 5, "resource")
    assert lasting_first([cpu, memory]) == [cpu, memory]
    fault, pinpoint, _ = _pinpoint(ServiceView("store", [cpu, memory]), "frontier", [], None, False, False)
    assert (fault, pinpoint.ref) == (FaultType.cpu_consumed, "cpu_percent")
    blip = anomaly("node_up", 0, "availability", ongoing=False)
    assert lasting_first([blip, cpu]) == [cpu, blip]  # a state that came back is a blip, usage still going lasts


def test_work_dropped_on_the_way_is_a_failure_and_rising_is_the_fault() -> None:
    assert metric_family("ticket_lines_dropped_per_min") == "error"
    assert is_fault("error", 1, "ticket_lines_dropped_per_min")
