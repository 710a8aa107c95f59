"""Typed views of evidence payloads, parsed once instead of `Evidence.data["..."]` string keys read in many places."""

from __future__ import annotations

from collections.abc import Iterable

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


def onset_of(evidence: Evidence) -> float | None:
    """When an anomaly began or a change went live (epoch s), None when the payload does not say."""
    return Departure(evidence).onset


def first_onsets(items: Iterable[Evidence]) -> dict[str, float]:
    """Earliest onset per service among the items."""
    first: dict[str, float] = {}
    for e in items:
        at = onset_of(e)
        if e.service and at is not None:
            first[str(e.service)] = min(first.get(str(e.service), at), at)
    return first


def _number(raw: object) -> float | None:
    return float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else None


class Payload:
    """The payload fields the ticket path and its rivals read, typed: one place knows the keys."""

    __slots__ = (
        "change_id",
        "change_kind",
        "detector",
        "diff",
        "direction",
        "end",
        "error_lines",
        "evidence",
        "family",
        "fault",
        "last",
        "major_onset",
        "message",
        "ongoing",
        "onset",
        "samples",
        "signal",
        "surge_end",
        "title",
        "warning_lines",
    )

    def __init__(self, evidence: Evidence) -> None:
        data = evidence.data
        self.evidence = evidence
        self.onset = _number(data.get("onset"))
        self.major_onset = _number(data.get("major_onset"))
        self.end = _number(data.get("end"))
        self.surge_end = _number(data.get("surge_end"))
        self.last = _number(data.get("last"))
        self.ongoing: bool | None = data.get("ongoing") if isinstance(data.get("ongoing"), bool) else None
        self.fault: bool | None = data.get("fault") if isinstance(data.get("fault"), bool) else None
        self.family = str(data.get("family") or "")
        self.detector = str(data.get("detector") or "")
        self.direction = int(data.get("direction") or 0)
        self.change_kind = str(data.get("change_kind") or "")
        self.change_id = str(data.get("id") or "")
        self.signal = str(data.get("signal") or "")
        self.message = str(data.get("message") or "")
        self.title = str(data.get("title") or "")
        self.diff = str(data.get("diff") or "")
        self.error_lines = int(data.get("error_lines") or 0)
        self.warning_lines: int | None = int(data["warning_lines"] or 0) if "warning_lines" in data else None
        self.samples = [str(s) for s in data.get("samples") or []]

    @property
    def is_fault(self) -> bool:
        """Flagged a fault explicitly (anomalies say so; a payload that does not say is not counted)."""
        return self.fault is True

    @property
    def came_back(self) -> bool:
        """Over by the window's end, with a known end."""
        return self.ongoing is False and self.end is not None

    @property
    def ended(self) -> float | None:
        """When it was over: a metric's end once it came back, a surge's end; None while it goes on or unknown."""
        if self.ongoing:
            return None
        return self.end if self.end is not None else self.surge_end
