"""provide_runtime_context: metrics, logs and traces of the window and its baseline, read by the engine."""

from __future__ import annotations

import asyncio

from pydantic import TypeAdapter

from agents.analysis import Finding, RuntimeTelemetry, analyse_runtime
from agents.collector.common import Collected, window_args
from agents.collector.ticket_runtime import ticket_runtime_context
from agents.evidence import analysis_failure, from_result
from agents.services import NodeServices
from graphs.contracts import (
    Capability,
    CapabilityTask,
    DependencyEdge,
    EvidenceKind,
    InvestigationRequest,
    LogLine,
    MetricSeries,
    RequestKind,
    Span,
)
from tools.gateway.models import ToolResult

_SERIES = TypeAdapter(list[MetricSeries])
_LINES = TypeAdapter(list[LogLine])
_SPANS = TypeAdapter(list[Span])
_EDGES = TypeAdapter(list[DependencyEdge])


async def runtime_context(task: CapabilityTask, request: InvestigationRequest, services: NodeServices) -> Collected:
    if request.kind is RequestKind.ticket:  # filed long after the onset: scan the whole window, follow its ids
        return await ticket_runtime_context(task, request, services)
    gateway = services.gateway
    scope = task.scope
    baseline = scope.baseline or scope.window
    reference = scope.reference or baseline
    calls = [
        gateway.call("log-system", op, window_args(w))
        for op, compare in (("query_metrics", baseline), ("query_logs", reference), ("query_traces", reference))
        for w in (scope.window, compare)
    ]
    calls.append(gateway.call("service-registry", "get_dependencies", {}))
    results = await asyncio.gather(*calls)
    metrics, _, logs, _, traces, _, deps = results
    out = Collected(Capability.provide_runtime_context)
    payloads = [
        out.payload(r, what, w)
        for r, what, w in zip(
            results,
            ["metrics", "baseline metrics", "logs", "baseline logs", "traces", "baseline traces", "dependencies"],
            [scope.window, baseline, scope.window, reference, scope.window, reference, None],
            strict=True,
        )
    ]
    m, bm, lg, blg, tr, btr, dp = (p or {} for p in payloads)
    telemetry = RuntimeTelemetry(
        window=scope.window,
        alert_at=request.at,
        # One validator call per list (pydantic-core, in Rust): faster than building the objects one by one.
        metrics=_SERIES.validate_python(m.get("series", [])),
        baseline_metrics=_SERIES.validate_python(bm.get("series", [])),
        logs=_LINES.validate_python(lg.get("lines", [])),
        baseline_logs=_LINES.validate_python(blg.get("lines", [])),
        spans=_SPANS.validate_python(tr.get("spans", [])),
        baseline_spans=_SPANS.validate_python(btr.get("spans", [])),
        edges=_EDGES.validate_python(dp.get("edges", [])),
    )
    try:
        findings = await asyncio.to_thread(analyse_runtime, telemetry)
    except Exception as exc:  # a detector bug must cost this evidence, never the investigation
        out.evidence.append(analysis_failure(out.capability, exc, scope.window))
        return out
    source = {
        EvidenceKind.metric_anomaly: metrics,
        EvidenceKind.log_pattern: logs,
        EvidenceKind.trace_anomaly: traces,
    }
    series = {(s.instance, s.metric): s for s in telemetry.metrics}
    before = {(s.instance, s.metric): s for s in telemetry.baseline_metrics}
    for finding in findings:
        key = (finding.instance, finding.signal)
        if finding.kind is EvidenceKind.metric_anomaly and key in series:
            finding.data["series"] = _points(series[key], before.get(key))
        out.evidence.append(_evidence(finding, source.get(finding.kind, deps), scope.window))
    return out


def _points(series: MetricSeries, baseline: MetricSeries | None, limit: int = 40) -> list[list[float]]:
    """The window's points of a series after the last quarter of its baseline (thinned to `limit`), so a report
    can draw the anomaly against what was usual without asking the world again."""
    pairs = list(zip(series.timestamps, series.values, strict=True))
    if baseline is not None:
        earlier = [p for p in zip(baseline.timestamps, baseline.values, strict=True) if p[0] < series.timestamps[0]]
        pairs = earlier[-max(len(pairs), 5) :] + pairs
    step = max(1, -(-len(pairs) // limit))
    return [[round(t, 3), round(v, 6)] for t, v in pairs[::step]]


def _evidence(finding: Finding, result: ToolResult, window) -> object:
    return from_result(
        Capability.provide_runtime_context,
        result,
        kind=finding.kind,
        key=(finding.service, finding.instance, finding.signal),
        summary=finding.summary,
        service=finding.service,
        window=window,
        data={**finding.data, "onset": finding.onset, "signal": finding.signal, "instance": finding.instance},
        score=finding.score,
    )
