"""The evidence-driven engine's entry points: detect findings in telemetry, and turn findings into evidence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agents.analysis.change_detector import detect_changes
from agents.analysis.log_detector import detect_log_patterns
from agents.analysis.metric_detector import detect_metric_anomalies
from agents.analysis.models import Finding, RuntimeTelemetry
from agents.analysis.trace_detector import detect_trace_anomalies
from graphs.contracts import Capability, Evidence, EvidenceKind, TimeWindow

_SOURCES = {
    EvidenceKind.change: (Capability.provide_release_context, "version-control"),
}


def analyse_runtime(t: RuntimeTelemetry) -> list[Finding]:
    """Metric, log, trace and change findings of one investigation, strongest first."""
    findings = detect_metric_anomalies(t) + detect_log_patterns(t) + detect_trace_anomalies(t) + detect_changes(t)
    return sorted(findings, key=lambda f: (-f.score, f.kind, f.service or "", f.signal, f.instance or ""))


def findings_to_evidence(findings: list[Finding], provider: str = "analysis") -> list[Evidence]:
    """Evidence items with deterministic ids; `data` carries what `rank_candidates` reads."""
    out: list[Evidence] = []
    seen: set[str] = set()
    for finding in findings:
        evidence_id = Evidence.make_id(finding.kind, finding.service, finding.instance, finding.signal)
        if evidence_id in seen:
            continue
        seen.add(evidence_id)
        capability, interface = _SOURCES.get(finding.kind, (Capability.provide_runtime_context, "log-system"))
        data = dict(finding.data, signal=finding.signal, instance=finding.instance, onset=finding.onset)
        out.append(
            Evidence(
                id=evidence_id,
                capability=capability,
                interface=interface,
                provider=provider,
                kind=finding.kind,
                service=finding.service,
                time_range=_around(finding.onset),
                summary=finding.summary,
                data=data,
                score=finding.score,
            )
        )
    return out


def _around(onset: float | None) -> TimeWindow | None:
    if onset is None:
        return None
    at = datetime.fromtimestamp(onset, UTC)
    return TimeWindow(start=at, end=at + timedelta(minutes=1))
