"""The evidence a model sees: redacted, strongest first, within a size budget (largest items summarised first)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from agents.analysis import Candidate
from agents.router.redaction import redact
from graphs.contracts import Evidence, Hypothesis

SUMMARY_CHARS = 240


@dataclass(frozen=True, slots=True)
class EvidenceDigest:
    """The digest text and which evidence ids it shows in full, summarised, or not at all."""

    text: str
    ids: tuple[str, ...]
    summarised: tuple[str, ...]
    omitted: tuple[str, ...]


def digest_evidence(evidence: list[Evidence], max_chars: int) -> EvidenceDigest:
    """One line per evidence item; over budget, the largest lines lose their data first, then the weakest items go."""
    ordered = sorted(evidence, key=lambda e: (-e.score, e.id))
    lines = {e.id: _full_line(e) for e in ordered}
    summarised: list[str] = []
    while _size(lines.values()) > max_chars:
        candidates = [i for i in lines if i not in summarised]
        if not candidates:
            break
        largest = max(candidates, key=lambda i: (len(lines[i]), i))
        lines[largest] = _summary_line(next(e for e in ordered if e.id == largest), len(lines[largest]))
        summarised.append(largest)
    omitted: list[str] = []
    kept = [e.id for e in ordered]
    while kept and _size([*(lines[i] for i in kept), _omission_marker(len(omitted) + 1)]) > max_chars:
        omitted.append(kept.pop())
    body = [lines[i] for i in kept]
    if omitted:
        body.append(_omission_marker(len(omitted)))
    return EvidenceDigest(
        text="\n".join(body),
        ids=tuple(kept),
        summarised=tuple(i for i in summarised if i in kept),
        omitted=tuple(omitted),
    )


def digest_candidates(candidates: list[Candidate], limit: int = 5) -> str:
    """The engine's ranking as the model sees it: rank, service, fault type, pinpoint, score, cited ids."""
    rows = [
        f"{rank}. {c.service} fault={c.fault_type.value} pinpoint={c.pinpoint.kind}:{c.pinpoint.ref or '-'} "
        f"score={c.score:.3f} supporting={','.join(c.supporting[:8]) or '-'}"
        for rank, c in enumerate(candidates[:limit], start=1)
    ]
    return str(redact("\n".join(rows))) if rows else "(the engine found no candidate)"


def digest_hypothesis(h: Hypothesis) -> str:
    text = (
        f"{h.id}: {h.service} fault={h.fault_type.value} pinpoint={h.pinpoint.kind}:{h.pinpoint.ref or '-'}\n"
        f"statement: {h.statement}\nsupporting: {', '.join(h.supporting) or '-'}\n"
        f"contradicting: {', '.join(h.contradicting) or '-'}"
    )
    return str(redact(text))


def _head(e: Evidence) -> str:
    service = e.service or "-"
    return f"[{e.id}] {e.kind.value} service={service} score={e.score:.2f}"


def _full_line(e: Evidence) -> str:
    summary = redact(e.summary).replace("\n", " ")
    data = json.dumps(redact(e.data), sort_keys=True, default=str, separators=(",", ":"))
    return f"{_head(e)}: {summary} | data: {data}"


def _summary_line(e: Evidence, full_chars: int) -> str:
    summary = redact(e.summary).replace("\n", " ")
    if len(summary) > SUMMARY_CHARS:
        summary = summary[:SUMMARY_CHARS] + "…"
    return f"{_head(e)}: {summary} [summarised: data omitted, {full_chars} chars in full]"


def _omission_marker(count: int) -> str:
    return f"[truncated: {count} weaker evidence item(s) omitted for size]"


def _size(lines: Iterable[str]) -> int:
    items = list(lines)
    return sum(len(line) for line in items) + max(0, len(items) - 1)
