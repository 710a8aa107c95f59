"""The typed payload view: each field parsed once, with the defaults the passes relied on when a key is absent."""

from __future__ import annotations

from synthetic import T0, change, item, metric, trail

from agents.analysis.payloads import Payload, first_onsets, onset_of
from graphs.contracts import EvidenceKind


def test_a_trail_item_reads_its_lines_samples_and_times() -> None:
    p = Payload(trail("orders", 3, at_min=2, last_min=9, samples=["order 7 failed"], warning_lines=1))
    assert (p.error_lines, p.warning_lines, p.samples) == (3, 1, ["order 7 failed"])
    assert p.onset == T0 + 120 and p.last == T0 + 540 and p.detector == "identifier"


def test_an_absent_key_is_none_or_empty_never_a_guess() -> None:
    bare = Payload(item(EvidenceKind.log_pattern, "x", "bare"))
    assert bare.onset is None and bare.end is None and bare.fault is None and not bare.is_fault
    assert bare.warning_lines is None and bare.error_lines == 0 and bare.family == "" and bare.samples == []
    assert bare.ended is None and not bare.came_back


def test_an_anomaly_that_came_back_has_ended_and_one_still_going_has_not() -> None:
    back = metric("db", "error_rate_percent", 1, "error", end=T0 + 900, ongoing=False)
    going = metric("db", "error_rate_percent", 1, "error", end=T0 + 900, ongoing=True)
    assert Payload(back).came_back and Payload(back).ended == T0 + 900 and Payload(back).is_fault
    assert not Payload(going).came_back and Payload(going).ended is None


def test_first_onsets_keeps_each_services_earliest() -> None:
    items = [metric("db", "error_rate_percent", 5, "error"), metric("db", "latency_p99_ms", 2, "latency")]
    items.append(change("api", "d1", "deploy", T0 - 60))
    assert first_onsets(items) == {"db": T0 + 120, "api": T0 - 60}
    assert onset_of(items[2]) == T0 - 60 and Payload(items[2]).change_kind == "deploy"
