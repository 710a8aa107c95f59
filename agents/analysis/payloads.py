"""Typed views of evidence payloads, parsed once instead of `Evidence.data["..."]` string keys read in many places."""

from __future__ import annotations

from graphs.contracts import Evidence, EvidenceKind

ANOMALY_KINDS = {EvidenceKind.metric_anomaly, EvidenceKind.log_pattern, EvidenceKind.trace_anomaly}


class Departure:
    """When and how an anomaly or a change left normal: its onset (epoch s) and whether it is a fault."""

    __slots__ = ("evidence", "fault", "onset")

    def __init__(self, evidence: Evidence) -> None:
        raw = evidence.data.get("onset")
        self.evidence = evidence
        self.onset: float | None = float(raw) if isinstance(raw, int | float) else None
        self.fault: bool = bool(evidence.data.get("fault", True))

    @property
    def is_trouble(self) -> bool:
        """A fault of a service with a known onset: errors, latency, saturation (traffic that only moved is not)."""
        e = self.evidence
        return e.kind in ANOMALY_KINDS and bool(e.service) and self.fault and self.onset is not None

    @property
    def is_change(self) -> bool:
        return self.evidence.kind is EvidenceKind.change and bool(self.evidence.service) and self.onset is not None
