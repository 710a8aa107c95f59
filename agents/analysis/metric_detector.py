"""Per-instance metric anomalies: the symptomatic minutes before the alert against the quiet time before them."""

from __future__ import annotations

import numpy as np

from agents.analysis import metric_kinds
from agents.analysis.instances import lone_carriers
from agents.analysis.models import Finding, RuntimeTelemetry
from agents.analysis.stats import robust_scale, run_start
from graphs.contracts import EvidenceKind, MetricSeries

SYMPTOM_SECONDS = 180.0  # an alert with `for: 2m` fires about three minutes into the symptom
SYMPTOM_POINTS = 1  # ... and never less than one sample of a coarser series (a 5-minute CloudWatch period)
SUSTAIN_SECONDS = 120.0  # a departure must hold this long (two 1-minute points, one 5-minute period)
MIN_SCORE = 3.0
MAX_SCORE = 50.0  # the score's clip (its strength saturates); `z_peak` keeps the unclipped size up to RAW_Z_CAP
RAW_Z_CAP = 1000.0
RELATIVE_FLOOR = 0.1  # a change of less than 10 % of the usual level is never an anomaly on its own
# a success rate's noise is judged on its failure share (100 - availability): 99 % -> 97 % triples the failures, a
# change a floor of 10 % of ~100 would hide; half a point of the full scale keeps a rounding blip from counting
FAILURE_FLOOR = 0.005
MIN_REFERENCE_POINTS = 2
# what the generic name families (`latency_p99`, `availability_average`) are to this detector; the rest name no culprit
GENERIC_FAMILIES = {"latency": "server_latency", "availability": "success"}


def metric_family(series: MetricSeries) -> str | None:
    """What a metric says about its service; None for traffic and node-level series that name no culprit."""
    name, labels = series.metric, series.labels
    if labels.get("scope") == "entry":
        return "entry"
    if labels.get("scope") == "edge":
        return "inbound_latency" if labels.get("reporter") == "source" else "server_latency"
    if name.startswith("Node"):
        return None
    if "Cpu" in name:
        return "cpu"
    if "Memory" in name:
        return "memory"
    if "ServerLatency" in name:
        return "server_latency"
    if "ClientLatency" in name:
        return "client_latency"
    if "SuccessRate" in name:
        return "success"
    family = metric_kinds.metric_family(name)
    if family == "availability" and metric_kinds.is_failed_state(name):
        return None  # a broken-state gauge rises when in trouble; "success" here means falling is trouble
    return GENERIC_FAMILIES.get(family)


def symptom_start(t: RuntimeTelemetry, step: float = 60.0) -> float:
    """Where the symptomatic minutes before the alert begin, for a series sampled every `step` seconds."""
    end = (t.alert_at or t.window.end).timestamp()
    return max(end - max(SYMPTOM_SECONDS, SYMPTOM_POINTS * step), t.window.start.timestamp())


def sampling_step(times: np.ndarray) -> float:
    """The series' sampling interval (the median gap between points); 60 s when it cannot tell."""
    gaps = np.diff(np.sort(times[np.isfinite(times)]))
    gaps = gaps[gaps > 0]
    return float(np.median(gaps)) if len(gaps) else 60.0


def failure_share(family: str, values: np.ndarray, full: float) -> np.ndarray:
    """A success rate as the share that failed (rising is trouble); other families unchanged."""
    return full - values if family == "success" else values


def full_scale(values: np.ndarray) -> float:
    """A success rate's full scale: 100 when it is written in percent, else 1."""
    finite = values[np.isfinite(values)]
    return 100.0 if len(finite) and float(np.max(finite)) > 1.5 else 1.0


def detect_metric_anomalies(t: RuntimeTelemetry) -> list[Finding]:
    alert = (t.alert_at or t.window.end).timestamp()
    end = alert + 30.0
    baseline = {(s.instance, s.metric): s for s in t.baseline_metrics}
    judged: list[int] = []
    departed: dict[int, Finding] = {}
    for index, series in enumerate(t.metrics):
        family = metric_family(series)
        if family is None:
            continue
        times, raw = np.asarray(series.timestamps, float), np.asarray(series.values, float)
        before = baseline.get((series.instance, series.metric))
        quiet = np.asarray(before.values, float) if before is not None else np.array([])
        full = full_scale(np.concatenate([quiet, raw]))
        values = failure_share(family, raw, full)
        if before is not None:
            quiet = failure_share(family, quiet, full)
        floor = FAILURE_FLOOR * full if family == "success" else 0.0
        step = sampling_step(times)
        split = symptom_start(t, step)
        start = _departure_start(times, values, quiet if before is not None else None, split, end, floor)
        reference = values[times < start]
        if before is not None:
            reference = np.concatenate([quiet, reference])
        test_mask = (times >= start) & (times <= end)
        reference = reference[np.isfinite(reference)]
        if len(reference) < MIN_REFERENCE_POINTS or not test_mask.any():
            continue
        median, scale = robust_scale(reference, RELATIVE_FLOOR, floor)
        raw_z = np.nan_to_num((values[test_mask] - median) / scale, nan=0.0)
        z = np.clip(raw_z, -MAX_SCORE, MAX_SCORE)
        points = sustain_points(step)
        judged.append(index)
        if _sustained(z, points) < MIN_SCORE:
            continue
        peak = int(np.argmax(raw_z))
        onset = float(times[test_mask][int(np.argmax(z >= MIN_SCORE))])
        departed[index] = Finding(
            kind=EvidenceKind.metric_anomaly,
            service=series.service,
            instance=series.instance,
            signal=series.metric,
            score=_sustained(z, points),
            onset=onset,
            summary=(
                f"{series.metric} of {series.instance} moved to {raw[test_mask][peak]:.4g} "
                f"(usual {failure_share(family, np.array([median]), full)[0]:.4g}, robust z {raw_z[peak]:.1f})"
            ),
            data={
                "family": family,
                "onset": onset,
                "baseline": float(failure_share(family, np.array([median]), full)[0]),
                "peak": float(raw[test_mask][peak]),
                "z_peak": float(min(_sustained(raw_z, points), RAW_Z_CAP)),
                "relative_change": _relative(float(values[test_mask][peak]), median, scale),
                "caller": series.labels.get("caller", ""),
            },
        )
    return _name_carriers(t.metrics, departed, judged)


def _name_carriers(series: list[MetricSeries], departed: dict[int, Finding], judged: list[int]) -> list[Finding]:
    """The departed series' findings, each saying whether its instance carries the departure alone (the service's
    other replicas of the metric stayed normal) and then naming that instance."""
    out = []
    for index, about in lone_carriers(series, departed, judged).items():
        finding = departed[index]
        finding.data.update(about)
        if about["carrier"]:
            others = int(about["replicas"]) - 1
            finding.summary += f"; only {about['carrier']} departed, its {others} sibling(s) stayed normal"
        out.append(finding)
    return out


def sustain_points(step: float) -> int:
    """How many points a departure must hold for SUSTAIN_SECONDS at this sampling interval (at least one)."""
    return max(1, int(np.ceil(SUSTAIN_SECONDS / max(step, 1.0))))


def _relative(peak: float, median: float, scale: float) -> float:
    """How many times its usual level the peak is (1 = no change); a level near zero counts as its noise scale."""
    return float(min(abs(peak) / max(abs(median), scale), RAW_Z_CAP))


def _departure_start(
    times: np.ndarray,
    values: np.ndarray,
    quiet: np.ndarray | None,
    split: float,
    end: float,
    floor: float = 0.0,
) -> float:
    """Where the departure still under way at the alert began: the start of its unbroken run of anomalous points
    against the quiet hour before the window (the alert may fire long after the onset). `split`'s next point when
    there is no quiet hour or no departure at the alert."""
    after_split = np.flatnonzero((times > split) & (times <= end))
    fallback = float(times[after_split[0]]) if len(after_split) else split + 1.0
    if quiet is None or not len(after_split):
        return fallback
    quiet = quiet[np.isfinite(quiet)]
    if len(quiet) < MIN_REFERENCE_POINTS:
        return fallback
    median, scale = robust_scale(quiet, RELATIVE_FLOOR, floor)
    hits = np.nan_to_num((values - median) / scale, nan=0.0) >= MIN_SCORE
    upto = after_split[-1] + 1
    # two anomalous points in a row, whatever the sampling: one coarse period alone is dated at its own time, so a
    # level that drifted between the quiet recording and the window is judged against the window's own points
    sustained = hits[1:upto] & hits[: upto - 1]
    first = next((i for i in after_split if i < upto - 1 and sustained[i]), None)
    if first is None:
        return fallback
    return min(float(times[run_start(hits, int(first))]), fallback)


def _sustained(z: np.ndarray, points: int = 2) -> float:
    """The level the series held for `points` points at least: one noisy minute of a percentile is not a fault."""
    if len(z) < points:
        return float(z.max(initial=0.0))
    return float(np.partition(z, -points)[-points])
