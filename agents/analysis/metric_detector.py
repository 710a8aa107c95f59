"""Per-instance metric anomalies: the symptomatic minutes before the alert against the quiet time before them."""

from __future__ import annotations

import numpy as np

from agents.analysis import metric_kinds
from agents.analysis.instances import lone_carriers
from agents.analysis.models import Finding, RuntimeTelemetry
from agents.analysis.stats import robust_scale, run_start
from graphs.contracts import EvidenceKind, MetricSeries

SYMPTOM_SECONDS = 180.0  # an alert with `for: 2m` fires about three minutes into the symptom
MIN_SCORE = 3.0
MAX_SCORE = 50.0
RELATIVE_FLOOR = 0.1  # a change of less than 10 % of the usual level is never an anomaly on its own
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


def symptom_start(t: RuntimeTelemetry) -> float:
    end = (t.alert_at or t.window.end).timestamp()
    return max(end - SYMPTOM_SECONDS, t.window.start.timestamp())


def detect_metric_anomalies(t: RuntimeTelemetry) -> list[Finding]:
    split = symptom_start(t)
    end = (t.alert_at or t.window.end).timestamp() + 30.0
    baseline = {(s.instance, s.metric): s for s in t.baseline_metrics}
    judged: list[int] = []
    departed: dict[int, Finding] = {}
    for index, series in enumerate(t.metrics):
        family = metric_family(series)
        if family is None:
            continue
        times, values = np.asarray(series.timestamps, float), np.asarray(series.values, float)
        before = baseline.get((series.instance, series.metric))
        sign = -1.0 if family == "success" else 1.0
        start = _departure_start(times, values, before, split, end, sign)
        reference = values[times < start]
        if before is not None:
            reference = np.concatenate([np.asarray(before.values, float), reference])
        test_mask = (times >= start) & (times <= end)
        reference = reference[np.isfinite(reference)]
        if len(reference) < MIN_REFERENCE_POINTS or not test_mask.any():
            continue
        median, scale = robust_scale(reference, RELATIVE_FLOOR)
        z = np.clip(sign * (values[test_mask] - median) / scale, -MAX_SCORE, MAX_SCORE)
        z = np.nan_to_num(z, nan=0.0)
        judged.append(index)
        if _sustained(z) < MIN_SCORE:
            continue
        peak = int(np.argmax(z))
        onset = float(times[test_mask][int(np.argmax(z >= MIN_SCORE))])
        departed[index] = Finding(
            kind=EvidenceKind.metric_anomaly,
            service=series.service,
            instance=series.instance,
            signal=series.metric,
            score=_sustained(z),
            onset=onset,
            summary=(
                f"{series.metric} of {series.instance} moved to {values[test_mask][peak]:.4g} "
                f"(usual {median:.4g}, robust z {z[peak]:.1f})"
            ),
            data={
                "family": family,
                "onset": onset,
                "baseline": median,
                "peak": float(values[test_mask][peak]),
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


def _departure_start(
    times: np.ndarray, values: np.ndarray, before: MetricSeries | None, split: float, end: float, sign: float
) -> float:
    """Where the departure still under way at the alert began: the start of its unbroken run of anomalous points
    against the quiet hour before the window (the alert may fire long after the onset). `split`'s next point when
    there is no quiet hour or no departure at the alert."""
    after_split = np.flatnonzero((times > split) & (times <= end))
    fallback = float(times[after_split[0]]) if len(after_split) else split + 1.0
    if before is None or not len(after_split):
        return fallback
    quiet = np.asarray(before.values, float)
    quiet = quiet[np.isfinite(quiet)]
    if len(quiet) < MIN_REFERENCE_POINTS:
        return fallback
    median, scale = robust_scale(quiet, RELATIVE_FLOOR)
    hits = np.nan_to_num(sign * (values - median) / scale, nan=0.0) >= MIN_SCORE
    upto = after_split[-1] + 1
    sustained = hits[1:upto] & hits[: upto - 1]  # two anomalous points in a row, as `_sustained` asks
    first = next((i for i in after_split if i < upto - 1 and sustained[i]), None)
    if first is None:
        return fallback
    return min(float(times[run_start(hits, int(first))]), fallback)


def _sustained(z: np.ndarray) -> float:
    """The level the series held for two points at least: one noisy minute of a percentile is not a fault."""
    if len(z) < 2:
        return float(z.max(initial=0.0))
    return float(np.partition(z, -2)[-2])
