"""What the log lines carrying the ticket's identifiers say: when its requests last failed, and whom they blame."""

from __future__ import annotations

import re
from collections import defaultdict

from agents.analysis.payloads import Payload
from graphs.contracts import Evidence, EvidenceKind

TOLERANCE_S = 120.0  # the accused's trouble may begin this much after its accuser's and still be borne out


def trail_items(evidence: list[Evidence]) -> list[Evidence]:
    """One item per service that logged the ticket's identifiers."""
    return [e for e in evidence if e.kind is EvidenceKind.log_pattern and Payload(e).detector == "identifier"]


def carriers(evidence: list[Evidence]) -> list[Evidence]:
    """The trail items with errors; when none has any, the whole trail (then the ticket's failures log no error)."""
    items = trail_items(evidence)
    return [e for e in items if Payload(e).error_lines > 0] or items


def last_failure(evidence: list[Evidence]) -> float | None:
    """The latest line of the ticket's failing requests."""
    times = [p.last for p in map(Payload, carriers(evidence)) if p.last is not None]
    return max(times) if times else None


def service_names(evidence: list[Evidence]) -> set[str]:
    """Every service the evidence knows: those with evidence and those in the topology."""
    names = {str(e.service) for e in evidence if e.service}
    for e in evidence:
        for edge in e.data.get("edges") or []:
            if isinstance(edge, dict):
                names |= {str(edge.get("caller", "")), str(edge.get("callee", ""))}
    return names - {""}


def first_named(message: str, names: set[str], speaker: str | None = None) -> str | None:
    """The service a message names first, other than the one that logged it: who failed, in `payments-api returned
    500`; later names are context (`falling back to carts-db`)."""
    lowered = message.lower()
    positions: dict[str, int] = {}
    for name in names:
        found = re.search(rf"(?<![\w-]){re.escape(name.lower())}(?![\w])", lowered)
        if name != speaker and found:
            positions[name] = found.start()
    return min(positions, key=lambda n: (positions[n], n)) if positions else None


def accusations(evidence: list[Evidence]) -> dict[tuple[str, str], int]:
    """(accused, accuser) -> how many of the ticket's error lines (the samples kept) that the accuser logged name
    the accused first."""
    names = service_names(evidence)
    counted: dict[tuple[str, str], int] = defaultdict(int)
    for item in trail_items(evidence):
        if not Payload(item).error_lines:
            continue
        for sample in Payload(item).samples:
            if (accused := first_named(str(sample), names, item.service)) is not None:
                counted[(accused, str(item.service))] += 1
    return dict(counted)


def blamed(evidence: list[Evidence]) -> set[str]:
    """The services the ticket's error lines blame most, among those whose trouble began no later than the trouble of
    the service blaming them: a name the timeline bears out. One named only after its accuser was already failing
    is where the failure showed (a URL in a local error), not where it began."""
    faulted, moved = _trouble_onsets(evidence)
    counted: dict[str, int] = defaultdict(int)
    for (accused, accuser), lines in accusations(evidence).items():
        since = faulted.get(accuser, moved.get(accuser))
        if accused in faulted and (since is None or faulted[accused] <= since + TOLERANCE_S):
            counted[accused] += lines
    most = max(counted.values(), default=0)
    return {name for name, lines in counted.items() if lines == most}


def _trouble_onsets(evidence: list[Evidence]) -> tuple[dict[str, float], dict[str, float]]:
    """Per service, when its largest fault began, and when anything of it first moved."""
    faulted: dict[str, float] = {}
    moved: dict[str, float] = {}
    for e in evidence:
        p = Payload(e)
        if p.detector != "onset" or not e.service or p.onset is None:
            continue
        name, at = str(e.service), p.onset
        moved[name] = min(moved.get(name, at), at)
        if p.fault:
            major = p.major_onset if p.major_onset is not None else at
            faulted[name] = min(faulted.get(name, major), major)
    return faulted, moved
