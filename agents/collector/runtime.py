"""provide_runtime_context: metrics, logs and traces of the window and its baseline, read by the engine."""

from __future__ import annotations

import asyncio

from agents.analysis import Finding, RuntimeTelemetry, analyse_runtime
from agents.collector.common import Collected, window_args
from agents.evidence import from_result
from agents.services import NodeServices
from graphs.contracts import (
    Capability,
    CapabilityTask,
    DependencyEdge,
    EvidenceKind,
    InvestigationRequest,
    LogLine,
    MetricSeries,
    Span,
)
from tools.gateway.models import ToolResult


async def runtime_context(task: CapabilityTask, request: InvestigationRequest, services: NodeServices) -> Collected:
    gateway = services.gateway
    scope = task.scope
    windows = [scope.window, scope.baseline or scope.window]
    calls = [gateway.call("log-system", op, window_args(w)) for op in ("query_metrics", "query_logs", "query_traces")
             for w in windows]
    calls.append(gateway.call("service-registry", "get_dependencies", {}))
    results = await asyncio.gather(*calls)
    (metrics, base_metrics, logs, base_logs, traces, base_traces, deps) = results
    out = Collected(Capability.provide_runtime_context)
    payloads = [
        out.payload(r, what, w)
        for r, what, w in zip(
            results,
            ["metrics", "baseline metrics", "logs", "baseline logs", "traces", "baseline traces", "dependencies"],
            [*[scope.window, scope.baseline] * 3, None],
            strict=True,
        )
    ]
    m, bm, lg, blg, tr, btr, dp = (p or {} for p in payloads)
    telemetry = RuntimeTelemetry(
        window=scope.window,
        alert_at=request.at,
        metrics=[MetricSeries.model_validate(s) for s in m.get("series", [])],
        baseline_metrics=[MetricSeries.model_validate(s) for s in bm.get("series", [])],
        logs=[LogLine.model_validate(x) for x in lg.get("lines", [])],
        baseline_logs=[LogLine.model_validate(x) for x in blg.get("lines", [])],
        spans=[Span.model_validate(x) for x in tr.get("spans", [])],
        baseline_spans=[Span.model_validate(x) for x in btr.get("spans", [])],
        edges=[DependencyEdge.model_validate(e) for e in dp.get("edges", [])],
    )
    findings = await asyncio.to_thread(analyse_runtime, telemetry)
    source = {
        EvidenceKind.metric_anomaly: metrics,
        EvidenceKind.log_pattern: logs,
        EvidenceKind.trace_anomaly: traces,
    }
    for finding in findings:
        out.evidence.append(_evidence(finding, source.get(finding.kind, deps), scope.window))
    return out


def _evidence(finding: Finding, result: ToolResult, window) -> object:  # noqa: ANN001
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
