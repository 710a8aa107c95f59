"""Per-operation latency shifts on self time, so a slow parent is not blamed for its slow child."""

from __future__ import annotations

import numpy as np
import pandas as pd

from agents.analysis.metric_detector import symptom_start
from agents.analysis.models import Finding, RuntimeTelemetry
from agents.analysis.stats import robust_scale
from graphs.contracts import EvidenceKind, Span

MIN_CALLS = 3
MIN_SCORE = 3.0
MAX_SCORE = 50.0
RELATIVE_FLOOR = 0.2  # self time wobbles; a shift under a fifth of it is noise
MIN_SHIFT_MS = 5.0


def detect_trace_anomalies(t: RuntimeTelemetry) -> list[Finding]:
    split = symptom_start(t)
    end = (t.alert_at or t.window.end).timestamp() + 60.0
    current = _self_times(t.spans)
    if current.empty:
        return []
    symptom = current[(current["start"] > split) & (current["start"] <= end)]
    reference = _self_times(t.baseline_spans) if t.baseline_spans else current[current["start"] <= split]
    if symptom.empty or reference.empty:
        return []
    before = {
        key: group["self_ms"].to_numpy() for key, group in reference.groupby(["service", "operation", "called_by"])
    }
    findings = []
    for (service, operation, called_by), group in symptom.groupby(["service", "operation", "called_by"]):
        ref = before.get((service, operation, called_by))
        if ref is None or len(ref) < MIN_CALLS or len(group) < MIN_CALLS:
            continue
        median, scale = robust_scale(ref, RELATIVE_FLOOR)
        now = float(np.median(group["self_ms"]))
        z = min((now - median) / scale, MAX_SCORE)
        if z < MIN_SCORE or now - median < MIN_SHIFT_MS:
            continue
        slow = group[group["self_ms"] > median + MIN_SCORE * scale]
        onset = float(slow["start"].min()) if not slow.empty else float(group["start"].min())
        findings.append(
            Finding(
                kind=EvidenceKind.trace_anomaly,
                service=str(service),
                instance=str(group["instance"].iloc[0]),
                signal=f"{operation} (called by {called_by})" if called_by else str(operation),
                score=round(float(z), 3),
                onset=onset,
                summary=f"{service} {operation}: self time {now:.1f} ms (usual {median:.1f} ms), {len(group)} spans",
                data={
                    "family": "self_latency",
                    "operation": str(operation),
                    "called_by": str(called_by),
                    "onset": onset,
                    "before_ms": median,
                    "after_ms": now,
                    "calls": len(group),
                },
            )
        )
    return findings


def _self_times(spans: list[Span]) -> pd.DataFrame:
    """One row per span with its own time: duration minus the time its direct children took."""
    if not spans:
        return pd.DataFrame(columns=["service", "instance", "operation", "start", "self_ms", "called_by"])
    frame = pd.DataFrame(
        {
            "trace_id": [s.trace_id for s in spans],
            "span_id": [s.span_id for s in spans],
            "parent_id": [s.parent_id or "" for s in spans],
            "service": [s.service for s in spans],
            "instance": [s.instance for s in spans],
            "operation": [s.operation for s in spans],
            "start": [s.start for s in spans],
            "duration_ms": [s.duration_ms for s in spans],
        }
    )
    grouped = frame.groupby(["trace_id", "parent_id"])
    children = grouped["duration_ms"].sum()
    keys = pd.MultiIndex.from_arrays([frame["trace_id"], frame["span_id"]])
    child_ms = children.reindex(keys).fillna(0.0).to_numpy()
    frame["self_ms"] = np.clip(frame["duration_ms"].to_numpy() - child_ms, 0.0, None)
    # An outgoing call (a span whose children all run in one other service) waits on that callee: its own time is
    # the network and the callee's queue, so it counts for the callee, not for the caller that merely waits.
    services = grouped["service"].agg(["first", "nunique"]).reindex(keys)
    callee = services["first"].to_numpy()
    outgoing = (services["nunique"].to_numpy() == 1) & (callee != frame["service"].to_numpy()) & pd.notna(callee)
    frame["called_by"] = ""
    frame.loc[outgoing, "called_by"] = frame.loc[outgoing, "service"]
    frame.loc[outgoing, "service"] = callee[outgoing]
    return frame
