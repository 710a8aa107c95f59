"""Rendering a Report for people: Markdown with the evidence chain behind every claim."""

from __future__ import annotations

from api.render_attribution import attribution_markdown
from graphs.contracts import Evidence, Report


def _cite(ids: list[str]) -> str:
    return ", ".join(f"`{i}`" for i in ids) if ids else "none"


def render_markdown(report: Report) -> str:
    lines = [f"# Investigation {report.investigation_id}", ""]
    lines += [
        f"- **Request** ({report.request.kind.value}, {report.request.source}): {report.request.text}",
        f"- **Status**: {report.status.value}    **Confidence**: {report.confidence:.2f}    "
        f"**Iterations**: {report.iterations}",
        "",
        "## Root cause",
    ]
    rc = report.root_cause
    if rc is None:
        lines += ["No candidate stood out in the evidence; a human is needed.", ""]
    else:
        lines += [
            f"**{rc.service}** — {rc.fault_type.value}",
            "",
            rc.statement,
            "",
            f"- Pinpoint: {rc.pinpoint.kind} `{rc.pinpoint.ref}` {rc.pinpoint.detail}".rstrip(),
            *(
                [f"- Instance: {rc.pinpoint.instance}, alone: the service's other instances stayed normal"]
                if rc.pinpoint.instance
                else []
            ),
            f"- Evidence: {_cite(rc.evidence_ids)}",
            f"- Owner: {rc.owner or 'unknown'}; blast radius: {', '.join(rc.blast_radius) or 'none known'}",
            "",
        ]
    if report.verdicts:
        top = report.verdicts[0]
        lines += ["## Verification checklist", "", "| item | result | note | evidence |", "|---|---|---|---|"]
        for check in top.checklist:
            result = "pass" if check.passed else ("n/a" if not check.applicable else "FAIL")
            lines.append(f"| {check.item.value} | {result} | {check.note} | {_cite(check.evidence_ids)} |")
        lines.append("")
    if report.ranking:
        lines += ["## Ranking", "", "| # | service | score | fault type |", "|---|---|---|---|"]
        lines += [
            f"| {n} | {r.service} | {r.score:.3f} | {r.fault_type.value} |"
            for n, r in enumerate(report.ranking[:10], start=1)
        ]
        lines.append("")
    lines += attribution_markdown(report)
    if report.timeline:
        lines += ["## Timeline", ""]
        lines += [f"- {t.at:%Y-%m-%d %H:%M:%S} UTC — {t.what} ({_cite(t.evidence_ids)})" for t in report.timeline]
        lines.append("")
    if report.actions:
        lines += ["## Proposed actions (wait for approval)", ""]
        for a in report.actions:
            lines.append(f"- **{a.kind}** `{a.target}` — {a.description}; owner: {a.owner or 'unknown'}; {a.status}")
            lines += [f"  {n}. {step}" for n, step in enumerate(a.steps, start=1)]
        lines.append("")
    lines += ["## Evidence", "", "| id | kind | service | score | summary | tool call |", "|---|---|---|---|---|---|"]
    lines += [_evidence_row(e) for e in sorted(report.evidence, key=lambda e: (-e.score, e.id))]
    lines += ["", "## Routing and cost", ""]
    lines += [
        f"- {r.node}: tier {r.tier} → {r.model} ({r.reason}){'' if r.available else ' — unavailable'}"
        for r in report.routing_log
    ]
    c = report.cost
    lines.append(
        f"- Cost: ${c.usd:.4f}, {c.tokens_in}+{c.tokens_out} tokens, {c.model_calls} model calls, "
        f"{c.tool_calls} tool calls, {c.seconds:.1f} s"
    )
    return "\n".join(lines) + "\n"


def _evidence_row(e: Evidence) -> str:
    call = f"{e.lineage.interface}.{e.lineage.operation} `{e.lineage.tool_call_id}`" if e.lineage else "-"
    summary = e.summary.replace("|", "\\|").replace("\n", " ")[:160]
    return f"| `{e.id}` | {e.kind.value} | {e.service or '-'} | {e.score:.2f} | {summary} | {call} |"
