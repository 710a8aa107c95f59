"""Log templates' onsets over a window: when a template began to surge, and when its last line came."""

from __future__ import annotations

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
    assert row["last_seen"] == T0 + 60 * 35 + 5
