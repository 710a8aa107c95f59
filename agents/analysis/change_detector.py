"""Changes (deploys, commits, flags, config) in or shortly before the window become findings."""

from __future__ import annotations

from agents.analysis.models import Finding, RuntimeTelemetry
from graphs.contracts import EvidenceKind

LOOKBACK_SECONDS = 6 * 3600.0


def detect_changes(t: RuntimeTelemetry) -> list[Finding]:
    end = (t.alert_at or t.window.end).timestamp()
    start = t.window.start.timestamp() - LOOKBACK_SECONDS
    return [
        Finding(
            kind=EvidenceKind.change,
            service=change.service,
            signal=change.id,
            score=1.0,
            onset=change.timestamp,
            summary=f"{change.kind} {change.ref or change.id} on {change.service}: {change.title}".strip(": "),
            data={
                "change_kind": change.kind,
                "ref": change.ref,
                "title": change.title,
                "onset": change.timestamp,
                "author": change.author,
            },
        )
        for change in t.changes
        if start <= change.timestamp <= end
    ]
