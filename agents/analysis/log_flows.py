"""Broken statement flows: a log statement that always followed another in the same trace stops following it.

A fault that returns early or throws inside a method silences the statements after the injection point while the
ones before it still log, so the pair (last statement still logging, first statement gone) brackets the fault.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from agents.analysis.log_templates import TemplateIndex, statement_of
from agents.analysis.models import Finding
from graphs.contracts import EvidenceKind, LogLine, Span

MIN_SUPPORT = 5  # traces in which the earlier statement logged, before the onset, to trust a "follows"
MIN_CONFIDENCE = 0.85  # share of those traces that also logged the later statement
MIN_SCORE = 3.0
MAX_SCORE = 50.0
EXPLAINED_SHARE = 0.3  # a downstream break in this share of a service's broken traces explains them ...
EXPLAINING_STRENGTH = 0.5  # ... when it is about as significant: a faint echo downstream explains nothing
SPAN_PREFIX = "SPAN "
_LINE = re.compile(r"^(.*)#(\d+)$")

TraceSets = dict[str, dict[str, set[str]]]  # service -> trace id -> templates


def trace_sets(lines: Iterable[LogLine], spans: Iterable[Span], index: TemplateIndex) -> TraceSets:
    """Per service and trace: the statements it logged, and `SPAN <operation>` for each operation it served.

    With the spans, a service that was called but stayed silent shows as a broken pair (span, statement)."""
    out: TraceSets = defaultdict(lambda: defaultdict(set))
    logged: set[str] = set()
    for line in lines:
        if line.trace_id:
            out[line.service][line.trace_id].add(index.template(line.level, line.message))
            logged.add(line.trace_id)
    for span in spans:
        if span.trace_id in logged:
            out[span.service][span.trace_id].add(f"{SPAN_PREFIX}{span.operation}")
    return out


def detect_flow_breaks(
    references: list[TraceSets],
    symptom: TraceSets,
    trace_starts: dict[str, float],
    downstream: dict[str, set[str]],
) -> list[Finding]:
    """One finding per service: its most significant broken pair (earlier statement logs, the later one is gone).

    A break is marked `explained_by` a downstream service whose own flow broke in the same traces: the caller's
    statements vanish because the callee failed, not because of the caller's code.
    """
    found: dict[str, tuple[tuple[float, str, str, int, int], set[str]]] = {}
    for service in sorted(set().union(*references) & set(symptom)):
        best = _worst_break([r[service].values() for r in references if service in r], symptom[service])
        if best is not None:
            found[service] = best
    findings = []
    for service, ((z, earlier, later, seen, broken), traces) in sorted(found.items()):
        pair = _pair(earlier, later)
        explained_by = max(
            (
                (len(traces & found[other][1]) / len(traces), other)
                for other in sorted(downstream.get(service, set()))
                if other in found and other != service and found[other][0][0] >= EXPLAINING_STRENGTH * z
            ),
            default=(0.0, ""),
        )
        findings.append(
            Finding(
                kind=EvidenceKind.log_pattern,
                service=service,
                signal=f"break {later}",
                score=round(z, 3),
                onset=min((trace_starts[t] for t in traces if t in trace_starts), default=None),
                summary=(
                    f"{service}: '{later}' stopped following '{earlier}' in {broken} of {seen} traces "
                    "(it always did before)"
                ),
                data={
                    "change": "break",
                    "error": False,
                    "statement": pair,
                    "traces": seen,
                    "broken": broken,
                    "explained_by": explained_by[1] if explained_by[0] >= EXPLAINED_SHARE else "",
                },
            )
        )
    return findings


def _worst_break(
    references: list[Iterable[set[str]]], symptom: dict[str, set[str]]
) -> tuple[tuple[float, str, str, int, int], set[str]] | None:
    """The most significant broken pair, and every trace in which some significant pair broke.

    A pair "follows" when it held in any of the references (its strongest confidence counts)."""
    follows: dict[tuple[str, str], float] = {}
    for reference in references:
        for pair, confidence in _follows(reference).items():
            follows[pair] = max(confidence, follows.get(pair, 0.0))
    if not follows:
        return None
    seen: Counter[str] = Counter()
    kept: Counter[tuple[str, str]] = Counter()
    for templates in symptom.values():
        seen.update(templates)
        kept.update((a, b) for a in templates for b in templates if (a, b) in follows)
    rows = []
    for (a, b), confidence in follows.items():
        if not seen[a]:
            continue
        broken = seen[a] - kept[(a, b)]
        expected = seen[a] * (1.0 - confidence)
        z = min((broken - expected) / math.sqrt(expected + 1.0), MAX_SCORE)
        if z >= MIN_SCORE:
            rows.append((z, a, b, seen[a], broken))
    if not rows:
        return None
    significant = [(a, b) for _, a, b, _, _ in rows]
    # The statement that vanished most surely; then the statement just before it in its class, if it still logs.
    strongest = max(rows, key=lambda r: (r[0], r[2], r[1]))
    same_later = [r for r in rows if r[2] == strongest[2]]
    _, earlier, later, seen_earlier, broken = max(
        same_later, key=lambda r: (_same_class_before(r[1], r[2]), r[0], r[1])
    )
    traces = {
        trace
        for trace, templates in symptom.items()
        if any(a in templates and b not in templates for a, b in significant)
    }
    return (strongest[0], earlier, later, seen_earlier, broken), traces


def _follows(reference: Iterable[set[str]]) -> dict[tuple[str, str], float]:
    alone: Counter[str] = Counter()
    together: Counter[tuple[str, str]] = Counter()
    for templates in reference:
        alone.update(templates)
        together.update((a, b) for a in templates for b in templates if a != b)
    return {
        (a, b): n / alone[a]
        for (a, b), n in together.items()
        if not b.startswith(SPAN_PREFIX) and alone[a] >= MIN_SUPPORT and n / alone[a] >= MIN_CONFIDENCE
    }


def _same_class_before(earlier: str, later: str) -> float:
    """Prefer the nearest earlier statement of the later one's class: the pair then brackets the injection point."""
    a, b = _LINE.match(statement_of(earlier) or ""), _LINE.match(statement_of(later) or "")
    if not a or not b or a.group(1) != b.group(1) or int(a.group(2)) >= int(b.group(2)):
        return 0.0
    return 1.0 / (1 + int(b.group(2)) - int(a.group(2)))


def _pair(earlier: str, later: str) -> str:
    a, b = statement_of(earlier), statement_of(later)
    if a and b:
        return f"{a}_{b}"
    return b or a or later


def bracket(error_template: str, symptom: dict[str, set[str]]) -> str:
    """`A#before_A#after`: the nearest statements of the error's class logged around it in its traces."""
    statement = statement_of(error_template)
    match = _LINE.match(statement or "")
    if not match:
        return statement or ""
    cls, line = match.group(1), int(match.group(2))
    lower, upper = None, None
    for templates in symptom.values():
        if error_template not in templates:
            continue
        for template in templates:
            other = _LINE.match(statement_of(template) or "")
            if not other or other.group(1) != cls:
                continue
            n = int(other.group(2))
            if n < line and (lower is None or n > lower):
                lower = n
            if n > line and (upper is None or n < upper):
                upper = n
    if lower is None or upper is None:
        return statement or ""
    return f"{cls}#{lower}_{cls}#{upper}"
