"""Onsets over a whole window: when each series or log template left its early-window level, and how far.

Alert detectors test the minutes just before an alert; a ticket arrives long after the onset, so here every
point of the window is tested against the window's quiet start, and the first sustained departure is the onset.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np

from agents.analysis.log_templates import TemplateIndex
from agents.analysis.stats import robust_scale
from graphs.contracts import LogLine, MetricSeries

REFERENCE_POINTS = 15  # the window's quiet start (minutes at the usual one-minute step)
MIN_Z = 4.0
SUSTAIN = 3  # points in a row: one noisy point is not an onset
MAX_Z = 50.0
RELATIVE_FLOOR = 0.1
LOG_LEVELS = {"ERROR": 1.0, "FATAL": 1.0, "CRITICAL": 1.0, "WARN": 0.5, "WARNING": 0.5}
MIN_LOG_LINES = 3


def series_onset(times: list[float], values: list[float]) -> tuple[float, float, int] | None:
    """(onset, peak |z|, direction) of the first sustained departure from the first points; None when none."""
    t, v = np.asarray(times, float), np.asarray(values, float)
    finite = np.isfinite(v)
    t, v = t[finite], v[finite]
    if len(v) <= REFERENCE_POINTS + SUSTAIN:
        return None
    median, scale = robust_scale(v[:REFERENCE_POINTS], RELATIVE_FLOOR)
    z = np.clip((v - median) / scale, -MAX_Z, MAX_Z)
    for direction in (1, -1):
        hits = direction * z >= MIN_Z
        run = np.convolve(hits.astype(int), np.ones(SUSTAIN, int), mode="valid") >= SUSTAIN
        if run.any():
            first = int(np.argmax(run))
            return float(t[first]), float(np.max(direction * z)), direction
    return None


def metric_onsets(series: list[MetricSeries]) -> list[dict]:
    """One row per series that departed: service, instance, metric, onset, z, direction, before, peak value."""
    rows = []
    for s in series:
        found = series_onset(s.timestamps, s.values)
        if found is None:
            continue
        onset, z, direction = found
        values = np.asarray(s.values, float)
        rows.append(
            {
                "service": s.service,
                "instance": s.instance,
                "metric": s.metric,
                "onset": onset,
                "z": round(z, 3),
                "direction": direction,
                "before": float(np.median(values[:REFERENCE_POINTS])),
                "peak": float(values.max() if direction > 0 else values.min()),
            }
        )
    return rows


def log_onsets(lines: list[LogLine], start: float, step: float = 60.0) -> list[dict]:
    """Error and warning templates per service whose per-minute count left its early-window level."""
    index = TemplateIndex()
    buckets: dict[tuple[str, str], Counter[int]] = defaultdict(Counter)
    sample: dict[tuple[str, str], LogLine] = {}
    last = 0
    for line in lines:
        if line.level.upper() not in LOG_LEVELS:
            continue
        key = (line.service, index.template(line.level.upper(), line.message))
        minute = int((line.timestamp - start) // step)
        buckets[key][minute] += 1
        sample.setdefault(key, line)
        last = max(last, minute)
    rows = []
    for (service, template), counts in buckets.items():
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
        level = sample[(service, template)].level.upper()
        rows.append(
            {
                "service": service,
                "template": template,
                "level": level,
                "onset": found[0],
                "z": round(found[1] * LOG_LEVELS[level], 3),
                "lines": int(sum(series)),
                "message": sample[(service, template)].message[:300],
            }
        )
    return rows
