"""Log templates' onsets over a window: when a template began to surge, and when its last line came; lines of one
cluster stay one template while drain generalises it."""

from __future__ import annotations

from agents.analysis.log_templates import TemplateIndex
from agents.analysis.onsets import log_onsets
from graphs.contracts import LogLine

T0 = 1_700_000_000.0


def test_a_template_new_in_the_window_starts_at_its_first_line_and_ends_at_its_last() -> None:
    lines = [
        LogLine(timestamp=T0 + 60 * m, service="router", level="INFO", message=f"heartbeat {m}") for m in range(60)
    ]
    lines += [
        LogLine(timestamp=T0 + 60 * m + 5, service="router", level="ERROR", message=f"venue cache cold, order O-{m}")
        for m in range(30, 36)
    ]
    lines.sort(key=lambda line: line.timestamp)
    (row,) = log_onsets(lines, T0)
    assert row["service"] == "router" and row["level"] == "ERROR"
    assert row["onset"] == T0 + 60 * 30
    assert row["surge_end"] == T0 + 60 * 35 + 5  # new in the window: its surge ends with its last line


def test_lines_drain_first_saw_as_specific_join_their_cluster_once_it_generalises() -> None:
    index = TemplateIndex()
    first = index.cluster("ERROR", "match pledge failed ref=DN-7Q8e25 employer=fenwick: upstream donation not found")
    later = index.cluster("ERROR", "match pledge failed ref=DN-7Qf0cb employer=northbank: upstream donation not found")
    assert first == later
    assert index.final(first) == "ERROR match pledge failed <*> <*> upstream donation not found"


def test_a_template_that_trickled_before_it_surged_is_one_template_that_begins_at_the_surge() -> None:
    employers = ["fenwick", "northbank", "acme"]
    trickle = [(T0 + 60 * m, f"DN-{m}Q{m}e{m}", "fenwick") for m in (20, 47, 71)]
    surge = [
        (T0 + 60 * m + s, f"DN-7Q{m:02x}{s:x}", employers[s % 3]) for m in range(100, 120) for s in range(0, 60, 6)
    ]
    lines = [
        LogLine(
            timestamp=at,
            service="matching",
            level="ERROR",
            message=f"match pledge failed ref={ref} employer={who}: upstream donation not found",
        )
        for at, ref, who in trickle + surge
    ]
    (row,) = log_onsets(lines, T0)
    assert row["onset"] == T0 + 60 * 100  # not the stray line at minute 20
    assert row["lines"] == len(lines)


def test_a_template_that_also_logs_at_rest_ends_its_surge_when_it_is_back_to_that_level() -> None:
    per_minute = {m: 10 if 30 <= m <= 40 else 1 for m in range(60)}
    lines = [
        LogLine(
            timestamp=T0 + 60 * m + s, service="match", level="ERROR", message=f"feature fetch timeout user=u_{m}{s}"
        )
        for m, count in per_minute.items()
        for s in range(count)
    ]
    (row,) = log_onsets(lines, T0)
    assert row["onset"] == T0 + 60 * 30
    assert row["surge_end"] == T0 + 60 * 41  # the end of minute 40, though it logged on to minute 59
