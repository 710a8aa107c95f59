"""Onsets over a whole window: when each series or log template left its early-window level, and how far.

Alert detectors test the minutes just before an alert; a ticket arrives long after the onset, so here every
point of the window is tested against the window's quiet start, and the first sustained departure is the onset.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np

from agents.analysis.log_templates import TemplateIndex
from agents.analysis.metric_kinds import is_countdown
from agents.analysis.stats import robust_scale
from graphs.contracts import LogLine, MetricSeries

REFERENCE_POINTS = 15  # the window's quiet start (minutes at the usual one-minute step)
MIN_Z = 4.0
SUSTAIN = 3  # points in a row: one noisy point is not an onset
MAX_Z = 50.0
RELATIVE_FLOOR = 0.1
MAJOR_SHARE = 0.02  # a departure under 2 % of the largest one in the same series is a prelude, not the shift
SHARE_BOUND = 100.0  # percentages: the room left below 100 % bounds how far a ratio near the top can fall
CLIMB_SHARE = 0.6  # a resource that climbs in at least 60 % of its steps after the onset is leaking, not spiking
LOG_LEVELS = {"ERROR": 1.0, "FATAL": 1.0, "CRITICAL": 1.0, "WARN": 0.5, "WARNING": 0.5}
MIN_LOG_LINES = 3


@dataclass(frozen=True)
class Departure:
    """How a series left its quiet start: when, how far, which way, when the largest shift began, whether it ended."""

    onset: float
    z: float
    direction: int
    major_onset: float  # the foot of the rise to the largest departure (an early small blip is a prelude)
    magnitude: float  # log10 of the peak deviation in noise units, unclipped: compares sizes across series
    end: float  # the last point still departed
    ongoing: bool  # still departed at the end of the series
    climbing: bool  # rose step after step from the onset on (a leak), rather than jumping


def series_onset(times: list[float], values: list[float], name: str = "") -> tuple[float, float, int] | None:
    """(onset, peak |z|, direction) of the first sustained departure from the first points; None when none."""
    found = series_departure(times, values, name)
    return (found.onset, found.z, found.direction) if found else None


def series_departure(times: list[float], values: list[float], name: str = "") -> Departure | None:
    """The first sustained departure from the window's quiet start, in either direction; None when none."""
    t, v = np.asarray(times, float), np.asarray(values, float)
    finite = np.isfinite(v)
    t, v = t[finite], v[finite]
    if len(v) <= REFERENCE_POINTS + SUSTAIN:
        return None
    reference = v[:REFERENCE_POINTS]
    median, scale = robust_scale(reference, RELATIVE_FLOOR)
    if _is_share(name, reference):
        scale = min(scale, max(RELATIVE_FLOOR * (SHARE_BOUND - median), _spread(reference), 1e-9))
    scale = max(scale, at_rest_noise(reference, median))
    raw = (v - median) / scale
    z = np.clip(raw, -MAX_Z, MAX_Z)
    for direction in (1, -1):
        hits = direction * z >= MIN_Z
        run = np.convolve(hits.astype(int), np.ones(SUSTAIN, int), mode="valid") >= SUSTAIN
        if not run.any():
            continue
        first = int(np.argmax(run))
        departed = np.flatnonzero(hits)
        last = int(departed[-1])
        peak = float(np.max(direction * raw))
        return Departure(
            onset=float(t[first]),
            z=float(np.max(direction * z)),
            direction=direction,
            major_onset=float(t[_major_start(direction * (v - median), first, scale)]),
            magnitude=round(float(np.log10(max(peak, 1.0))), 3),
            end=float(t[last]),
            ongoing=last >= len(v) - SUSTAIN,
            climbing=_climbing(direction * v[first:]),
        )
    return None


def at_rest_noise(reference: np.ndarray, median: float) -> float:
    """The noise floor of a counter at rest (it touches zero in quiet times): half its largest quiet excursion, which
    sits about two noise widths out. A few events from nothing must not pass for an onset; a counter that never left
    zero keeps no floor."""
    if not len(reference) or float(np.min(reference)) != 0.0:
        return 0.0
    return (float(np.max(reference)) - median) / 2.0


def _is_share(name: str, reference: np.ndarray) -> bool:
    lowered = name.lower()
    return ("percent" in lowered or "ratio" in lowered) and bool(np.all((reference >= 0) & (reference <= SHARE_BOUND)))


def _spread(reference: np.ndarray) -> float:
    low, high = np.quantile(reference, [0.1, 0.9])
    return float(high - low) / 2.56


def _major_start(deviation: np.ndarray, first: int, scale: float) -> int:
    """Where the rise to the largest departure starts: cross a share of the peak, then walk back down its slope."""
    peak = float(np.max(deviation[first:]))
    threshold = max(MIN_Z * scale, MAJOR_SHARE * peak)
    above = np.flatnonzero(deviation[first:] >= threshold)
    start = first + int(above[0]) if len(above) else first
    while start > first and deviation[start] - deviation[start - 1] > scale:
        start -= 1
    return start


def _climbing(values: np.ndarray) -> bool:
    """Most steps up until the peak: a steady climb (a leak), not a step or a spike."""
    if len(values) < 2 * SUSTAIN:
        return False
    rise = values[: int(np.argmax(values)) + 1]
    if len(rise) < 2 * SUSTAIN:
        return False
    return float(np.mean(np.diff(rise) > 0)) >= CLIMB_SHARE


def metric_onsets(series: list[MetricSeries]) -> list[dict]:
    """One row per series that departed: its index, service, instance, metric, onset, z, direction, before, peak."""
    rows = []
    for index, s in enumerate(series):
        found = series_departure(s.timestamps, s.values, s.metric)
        if found is not None and is_countdown(s.metric):
            found = countdown_departure(s.timestamps, s.values, found)
        if found is None:
            continue
        values = np.asarray(s.values, float)
        rows.append(
            {
                "index": index,
                "service": s.service,
                "instance": s.instance,
                "metric": s.metric,
                "onset": found.onset,
                "major_onset": found.major_onset,
                "z": round(found.z, 3),
                "magnitude": found.magnitude,
                "direction": found.direction,
                "before": float(np.median(values[:REFERENCE_POINTS])),
                "peak": float(values.max() if found.direction > 0 else values.min()),
                "end": found.end,
                "ongoing": found.ongoing,
                "climbing": found.climbing,
            }
        )
    return rows


def countdown_departure(times: list[float], values: list[float], found: Departure) -> Departure | None:
    """A countdown (seconds to a certificate's expiry) departs when it reaches zero, not when it leaves its level:
    falling is what it always does. None while time is left."""
    t, v = np.asarray(times, float), np.asarray(values, float)
    finite = np.isfinite(v)
    t, v = t[finite], v[finite]
    expired = np.flatnonzero(v <= 0)
    if not len(expired) or found.direction > 0:
        return None
    at = float(t[int(expired[0])])
    return Departure(
        onset=at,
        z=found.z,
        direction=-1,
        major_onset=at,
        magnitude=found.magnitude,
        end=found.end,
        ongoing=found.ongoing,
        climbing=False,
    )


def log_onsets(lines: list[LogLine], start: float, step: float = 60.0) -> list[dict]:
    """Error and warning templates per service whose per-minute count left its early-window level."""
    index = TemplateIndex()
    buckets: dict[tuple[str, str], Counter[int]] = defaultdict(Counter)
    sample: dict[tuple[str, str], LogLine] = {}
    seen_last: dict[tuple[str, str], float] = {}
    last = 0
    for line in lines:
        if line.level.upper() not in LOG_LEVELS:
            continue
        key = (line.service, index.cluster(line.level.upper(), line.message))
        minute = int((line.timestamp - start) // step)
        buckets[key][minute] += 1
        sample.setdefault(key, line)
        seen_last[key] = max(seen_last.get(key, line.timestamp), line.timestamp)
        last = max(last, minute)
    rows = []
    for (service, cluster), counts in buckets.items():
        if sum(counts.values()) < MIN_LOG_LINES:
            continue
        series = [float(counts.get(m, 0)) for m in range(last + 1)]
        times = [start + m * step for m in range(last + 1)]
        found = series_onset(times, series) if len(series) > REFERENCE_POINTS + SUSTAIN else None
        before = sum(series[:REFERENCE_POINTS])
        if found is None and before == 0 and len(series) > REFERENCE_POINTS:
            first = next(m for m, c in enumerate(series) if c)
            found = (times[first], float(min(MAX_Z, sum(series))), 1)
        if found is None or found[2] < 0:
            continue
        level = sample[(service, cluster)].level.upper()
        rows.append(
            {
                "service": service,
                "template": index.final(cluster),  # the template once all its lines are in
                "level": level,
                "onset": found[0],
                "surge_end": _surge_end(series, times, seen_last[(service, cluster)], step),
                "z": round(found[1] * LOG_LEVELS[level], 3),
                "lines": int(sum(series)),
                "message": sample[(service, cluster)].message[:300],
            }
        )
    return rows


def _surge_end(series: list[float], times: list[float], last_line: float, step: float) -> float:
    """The end of the last minute the template logged more than in any minute of the window's quiet start; its last
    line when it had none there (a template that also trickles at rest never stops, its surge does)."""
    level = max(series[:REFERENCE_POINTS], default=0.0)
    if level == 0:
        return last_line
    above = [m for m, count in enumerate(series) if count > level]
    return times[above[-1]] + step if above else last_line
