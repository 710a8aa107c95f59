"""How an evidence item reads to the ranker: its signal family and its strength on a 0..1 scale."""

from __future__ import annotations

import math

from graphs.contracts import Evidence, EvidenceKind

SCORE_SCALE = {EvidenceKind.metric_anomaly: 20.0, EvidenceKind.log_pattern: 8.0, EvidenceKind.trace_anomaly: 8.0}


def evidence_family(evidence: Evidence) -> str | None:
    if evidence.kind == EvidenceKind.log_pattern:
        if evidence.data.get("error"):
            # An error the service's own code logs (a `Class#line` statement) vs one its framework logs for it.
            return "log_error" if evidence.data.get("statement") else "log_framework_error"
        if evidence.data.get("explained_by"):
            return "log_break_explained"
        return f"log_{evidence.data.get('change', 'new')}"
    return evidence.data.get("family")


def strength(evidence: Evidence) -> float:
    """0..1: how sure the signal is, saturating so one huge z does not drown every other signal."""
    scale = SCORE_SCALE.get(evidence.kind, 10.0)
    return 1.0 - math.exp(-evidence.score / scale)
