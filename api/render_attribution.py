"""The attribution table behind each hypothesis' score, in Markdown: what the model measured and what it added."""

from __future__ import annotations

from graphs.contracts import Attribution, Report

ROWS = 8  # the features that moved the score most; the JSON report carries every one


def attribution_markdown(report: Report) -> list[str]:
    """One table per hypothesis (the root cause first), largest contributions first; empty when none was scored."""
    tables: list[tuple[str, list[Attribution]]] = []
    if report.root_cause is not None and report.root_cause.attributions:
        tables.append((report.root_cause.service, report.root_cause.attributions))
    tables += [(h.service, h.attributions) for h in report.alternatives[:3] if h.attributions]
    if not tables:
        return []
    lines = ["## Why these scores", ""]
    for service, rows in tables:
        moved = [a for a in rows if a.contribution][:ROWS]
        lines += [f"**{service}**", "", "| feature | value | adds | why |", "|---|---|---|---|"]
        lines += [f"| {a.feature} | {a.value:.2f} | {a.contribution:+.2f} | {a.why} |" for a in moved]
        lines.append("")
    return lines
