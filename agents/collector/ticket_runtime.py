"""provide_runtime_context for a ticket: onsets of every series and error template over the ticket's window, the
log lines that carry the ticket's identifiers, and the trace operations where errors begin."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from agents.analysis.instances import lone_carriers, merged_carrier
from agents.analysis.metric_kinds import is_fault, metric_family
from agents.analysis.onsets import REFERENCE_POINTS, log_onsets, metric_onsets
from agents.collector.common import Collected, window_args
from agents.evidence import from_result
from agents.services import NodeServices
from graphs.contracts import (
    Capability,
    CapabilityTask,
    Evidence,
    EvidenceKind,
    InvestigationRequest,
    LogLine,
    MetricSeries,
    Span,
    TimeWindow,
)
from tools.gateway.models import ToolResult

MAX_ID_LINES = 200
MIN_ORIGIN_ERRORS = 3
ORIGIN_RATIO = 3.0
DENSE_ERRORS_S = 600.0  # errors begin where MIN_ORIGIN_ERRORS of them fall this close together, not at a stray one


async def ticket_runtime_context(
    task: CapabilityTask, request: InvestigationRequest, services: NodeServices
) -> Collected:
    gateway = services.gateway
    window = task.scope.window
    ids = list(task.scope.identifiers.get("id", []))
    calls = [
        gateway.call("log-system", "query_metrics", window_args(window)),
        gateway.call("log-system", "query_logs", window_args(window, level="WARN", limit=200_000)),
        gateway.call("log-system", "query_traces", window_args(window, limit=500_000)),
        *(gateway.call("log-system", "query_logs", window_args(window, contains=i, limit=MAX_ID_LINES)) for i in ids),
    ]
    metrics, logs, traces, *by_id = await asyncio.gather(*calls)
    out = Collected(Capability.provide_runtime_context)
    series = [MetricSeries.model_validate(s) for s in (out.payload(metrics, "metrics", window) or {}).get("series", [])]
    lines = [
        LogLine.model_validate(x) for x in (out.payload(logs, "warning and error logs", window) or {}).get("lines", [])
    ]
    spans = [Span.model_validate(x) for x in (out.payload(traces, "traces", window) or {}).get("spans", [])]
    out.evidence += await asyncio.to_thread(_metric_evidence, series, metrics, window)
    # minute buckets start where the telemetry starts (metrics cover it all; errors may begin only at the onset)
    firsts = [s.timestamps[0] for s in series if s.timestamps] + [x.timestamp for x in lines[:1]]
    start = max(min(firsts, default=window.start.timestamp()), window.start.timestamp())
    out.evidence += await asyncio.to_thread(_log_evidence, lines, start, logs, window)
    out.evidence += _origin_evidence(spans, traces, window)
    trail: dict[str, list[tuple[str, LogLine]]] = defaultdict(list)
    source: dict[str, ToolResult] = {}
    for identifier, result in zip(ids, by_id, strict=True):
        for raw in (out.payload(result, f"log lines with {identifier}", window) or {}).get("lines", []):
            line = LogLine.model_validate(raw)
            trail[line.service].append((identifier, line))
            source.setdefault(line.service, result)  # lineage: the first query that found the service
    out.evidence += [_trail_evidence(svc, hits, source[svc], window) for svc, hits in sorted(trail.items())]
    return out


def _metric_evidence(series: list[MetricSeries], result: ToolResult, window: TimeWindow) -> list[Evidence]:
    """One item per (service, metric): the earliest onset over its instances and the strongest move."""
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    onsets = metric_onsets(series)
    for row in onsets:
        grouped[(row["service"], row["metric"])].append(row)
    carried = lone_carriers(series, [row["index"] for row in onsets])
    evidence = []
    for (service, metric), rows in sorted(grouped.items()):
        first = min(rows, key=lambda r: (r["onset"], -r["z"]))
        family = metric_family(metric)
        about = merged_carrier([carried[r["index"]] for r in rows])
        where = (
            f"{about['carrier']} alone (its {int(about['replicas']) - 1} sibling(s) stayed normal)"
            if about["carrier"]
            else f"{len(rows)} instance(s)"
        )
        evidence.append(
            from_result(
                Capability.provide_runtime_context,
                result,
                kind=EvidenceKind.metric_anomaly,
                key=("onset", service, metric),
                summary=(
                    f"{metric} of {service} {'rose' if first['direction'] > 0 else 'fell'} from {first['before']:.4g} "
                    f"to {first['peak']:.4g} (robust z {max(r['z'] for r in rows):.1f}) on "
                    f"{where} from {_clock(first['onset'])}"
                ),
                service=service,
                window=window,
                data={
                    "detector": "onset",
                    "family": family,
                    "fault": is_fault(family, first["direction"], metric),
                    "metric": metric,
                    "signal": metric,
                    "direction": first["direction"],
                    "onset": first["onset"],
                    "instances": sorted(r["instance"] for r in rows),
                    "before": first["before"],
                    "peak": first["peak"],
                    "major_onset": min(r["major_onset"] for r in rows if r["direction"] == first["direction"]),
                    "magnitude": max(r["magnitude"] for r in rows),
                    "end": max(r["end"] for r in rows),
                    "ongoing": any(r["ongoing"] for r in rows),
                    "climbing": any(r["climbing"] for r in rows if r["direction"] == first["direction"]),
                    **about,
                },
                score=max(r["z"] for r in rows),
            )
        )
    return evidence


def _log_evidence(lines: list[LogLine], start: float, result: ToolResult, window: TimeWindow) -> list[Evidence]:
    evidence = []
    for row in sorted(log_onsets(lines, start), key=lambda r: (r["service"], r["onset"], r["template"])):
        error = row["level"] in ("ERROR", "FATAL", "CRITICAL")
        evidence.append(
            from_result(
                Capability.provide_runtime_context,
                result,
                kind=EvidenceKind.log_pattern,
                key=("onset", row["service"], row["template"]),
                summary=f"{row['service']}: {row['lines']} {row['level']} lines from {_clock(row['onset'])}: "
                f"{row['message'][:200]}",
                service=row["service"],
                window=window,
                data={
                    "detector": "onset",
                    "family": "log_error" if error else "log_warn",
                    "fault": error,  # warnings are context ("printer paper low"), not trouble on their own
                    "error": error,
                    "change": "surge",
                    "template": row["template"],
                    "signal": row["template"],
                    "message": row["message"],
                    "lines": row["lines"],
                    "onset": row["onset"],
                    "surge_end": row["surge_end"],  # not "end": a template has no level to come back to
                },
                score=row["z"],
            )
        )
    return evidence


def _origin_evidence(spans: list[Span], result: ToolResult, window: TimeWindow) -> list[Evidence]:
    """Operations whose errors are their own (no erring child), when they err more than at the window's start."""
    if not spans:
        return []
    erring_parents = {(s.trace_id, s.parent_id) for s in spans if s.error and s.parent_id}
    start = min(s.start for s in spans)
    split = start + REFERENCE_POINTS * 60.0
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # calls/errors before, after
    error_times: dict[tuple[str, str], list[float]] = defaultdict(list)
    for span in spans:
        key = (span.service, span.operation)
        own = span.error and (span.trace_id, span.span_id) not in erring_parents
        slot = 0 if span.start <= split else 2
        counts[key][slot] += 1
        if own:
            counts[key][slot + 1] += 1
            if span.start > split:
                error_times[key].append(span.start)
    evidence = []
    for (service, operation), (calls_before, errors_before, calls_after, errors_after) in sorted(counts.items()):
        rate_before = errors_before / calls_before if calls_before else 0.0
        rate_after = errors_after / calls_after if calls_after else 0.0
        if errors_after < MIN_ORIGIN_ERRORS or rate_after < ORIGIN_RATIO * rate_before + 0.01:
            continue
        evidence.append(
            from_result(
                Capability.provide_runtime_context,
                result,
                kind=EvidenceKind.trace_anomaly,
                key=("origin", service, operation),
                summary=f"errors start in {service} {operation}: {rate_after:.0%} of calls (before {rate_before:.0%})",
                service=service,
                window=window,
                data={
                    "detector": "onset",
                    "family": "error_origin",
                    "fault": True,
                    "operation": operation,
                    "signal": operation,
                    "onset": errors_begin(error_times[(service, operation)]),
                    "surge_end": max(error_times[(service, operation)]),
                    "error_rate": round(rate_after, 4),
                },
                score=min(50.0, 10.0 * rate_after / max(rate_before, 0.01)),
            )
        )
    return evidence


def errors_begin(times: list[float]) -> float | None:
    """When errors began: the first of MIN_ORIGIN_ERRORS errors close together. A trickle that was there all along
    (a cohort already exposed, a rare edge case) leaves stray errors before the surge; they are not its onset."""
    ordered = sorted(times)
    for i, at in enumerate(ordered):
        if i + MIN_ORIGIN_ERRORS - 1 < len(ordered) and ordered[i + MIN_ORIGIN_ERRORS - 1] - at <= DENSE_ERRORS_S:
            return at
    return ordered[0] if ordered else None


def _trail_evidence(service: str, hits: list[tuple[str, LogLine]], result: ToolResult, window: TimeWindow) -> Evidence:
    errors = [line for _, line in hits if line.level.upper() in ("ERROR", "FATAL", "CRITICAL")]
    warnings = [line for _, line in hits if line.level.upper() in ("WARN", "WARNING")]
    found = sorted({identifier for identifier, _ in hits})
    sample = (errors or [line for _, line in hits])[0]
    return from_result(
        Capability.provide_runtime_context,
        result,
        kind=EvidenceKind.log_pattern,
        key=("trail", service),
        summary=f"{service} logged {len(hits)} lines with the ticket's ids ({', '.join(found[:4])}), "
        f"{len(errors)} errors, e.g. {sample.message[:160]}",
        service=service,
        window=window,
        data={
            "detector": "identifier",
            "family": "identifier",
            "identifiers": found,
            "lines": len(hits),
            "error_lines": len(errors),
            "warning_lines": len(warnings),
            "samples": [line.message[:300] for line in (errors or [h for _, h in hits])[:3]],
            "onset": min(line.timestamp for _, line in hits),
            "last": max(line.timestamp for line in errors or [line for _, line in hits]),  # errors if any, else all
            "signal": "ticket identifiers",
        },
    )


def _clock(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%H:%M")
