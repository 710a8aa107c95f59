"""The postmortem as one self-contained HTML page: verdict, timeline, and charts of the anomalous metrics."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from graphs.contracts import Evidence, EvidenceKind, Report

CHARTS = 4
WIDTH, HEIGHT, PAD = 560, 150, 30
STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:980px;color:#1d2430}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #dde}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eef;padding:.3rem .5rem;text-align:left;
vertical-align:top}code{background:#f4f5f8;padding:0 .2rem}.pass{color:#1a7f37}.fail{color:#cf222e}
.badge{display:inline-block;padding:.1rem .5rem;border-radius:.6rem;background:#eef;margin-right:.4rem}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:1rem}figure{margin:0}
svg{background:#fafbfd;border:1px solid #eef}
"""


def render_html(report: Report) -> str:
    rc = report.root_cause
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>Investigation {escape(report.investigation_id)}</title><style>{STYLE}</style></head><body>",
        f"<h1>Investigation {escape(report.investigation_id)}</h1>",
        f"<p>{escape(report.request.text)}</p>",
        f"<p><span class='badge'>{escape(report.status.value)}</span>"
        f"<span class='badge'>confidence {report.confidence:.2f}</span>"
        f"<span class='badge'>{report.iterations} iteration(s)</span></p>",
        "<h2>Root cause</h2>",
    ]
    if rc is None:
        parts.append("<p>No candidate stood out in the evidence; a human is needed.</p>")
    else:
        parts.append(
            f"<p><b>{escape(rc.service)}</b> — {escape(rc.fault_type.value)}; pinpoint {escape(rc.pinpoint.kind)} "
            f"<code>{escape(rc.pinpoint.ref)}</code>{_on(rc.pinpoint.instance)}</p><p>{escape(rc.statement)}</p>"
            f"<p>Evidence: {_ids(rc.evidence_ids)}</p>"
        )
    if report.verdicts:
        parts.append("<h2>Checklist</h2><table><tr><th>item</th><th>result</th><th>note</th><th>evidence</th></tr>")
        for check in report.verdicts[0].checklist:
            result = "pass" if check.passed else ("n/a" if not check.applicable else "fail")
            parts.append(
                f"<tr><td>{check.item.value}</td><td class='{result}'>{result}</td><td>{escape(check.note)}</td>"
                f"<td>{_ids(check.evidence_ids)}</td></tr>"
            )
        parts.append("</table>")
    parts.append("<h2>Anomalous metrics around the onset</h2>")
    charts = _charts(report)
    parts.append(f"<div class='charts'>{''.join(charts)}</div>" if charts else "<p>No metric moved.</p>")
    parts.append("<h2>Timeline</h2><table>")
    for entry in report.timeline:
        parts.append(
            f"<tr><td>{entry.at:%H:%M:%S}</td><td>{escape(entry.what)}</td><td>{_ids(entry.evidence_ids)}</td></tr>"
        )
    parts.append("</table>")
    if report.actions:
        parts.append("<h2>Proposed actions</h2><ul>")
        for action in report.actions:
            steps = "".join(f"<li>{escape(s)}</li>" for s in action.steps)
            parts.append(
                f"<li><b>{escape(action.kind)}</b> <code>{escape(action.target)}</code> ({escape(action.status)}, "
                f"owner {escape(action.owner or 'unknown')})<ol>{steps}</ol></li>"
            )
        parts.append("</ul>")
    parts.append("<h2>Evidence</h2><table><tr><th>id</th><th>kind</th><th>service</th><th>summary</th></tr>")
    for e in sorted(report.evidence, key=lambda e: -e.score):
        parts.append(
            f"<tr><td id='{escape(e.id)}'><code>{escape(e.id)}</code></td><td>{escape(e.kind.value)}</td>"
            f"<td>{escape(e.service or '-')}</td><td>{escape(e.summary)}</td></tr>"
        )
    parts.append("</table></body></html>")
    return "\n".join(parts)


def _ids(ids: list[str]) -> str:
    return ", ".join(f"<a href='#{escape(i)}'><code>{escape(i)}</code></a>" for i in ids) or "none"


def _charts(report: Report) -> list[str]:
    """The strongest metric anomalies, the root cause's first, one small line chart each."""
    root = report.root_cause.service if report.root_cause else None
    anomalies = [e for e in report.evidence if e.kind is EvidenceKind.metric_anomaly and e.data.get("series")]
    anomalies.sort(key=lambda e: (e.service != root, -e.score))
    changes = [e for e in report.evidence if e.kind is EvidenceKind.change and isinstance(e.data.get("onset"), float)]
    return [_chart(e, changes) for e in anomalies[:CHARTS]]


def _chart(evidence: Evidence, changes: list[Evidence]) -> str:
    points = [(float(t), float(v)) for t, v in evidence.data["series"]]
    t0, t1 = points[0][0], max(points[-1][0], points[0][0] + 1)
    lo, hi = min(v for _, v in points), max(v for _, v in points)
    hi = hi if hi > lo else lo + 1

    def x(t: float) -> float:
        return PAD + (t - t0) / (t1 - t0) * (WIDTH - 2 * PAD)

    def y(v: float) -> float:
        return HEIGHT - PAD + -(v - lo) / (hi - lo) * (HEIGHT - 2 * PAD)

    line = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in points)
    marks = []
    onset = evidence.data.get("onset")
    if isinstance(onset, float) and t0 <= onset <= t1:
        marks.append(
            f"<line x1='{x(onset):.1f}' x2='{x(onset):.1f}' y1='{PAD / 2}' y2='{HEIGHT - PAD}' "
            "stroke='#cf222e' stroke-dasharray='4 3'/>"
        )
    for change in changes:
        at = change.data["onset"]
        if t0 <= at <= t1:
            marks.append(
                f"<line x1='{x(at):.1f}' x2='{x(at):.1f}' y1='{PAD / 2}' y2='{HEIGHT - PAD}' "
                f"stroke='#8250df'><title>{escape(change.summary)}</title></line>"
            )
    label = f"{evidence.data.get('instance') or evidence.service}: {evidence.data.get('signal', '')}"
    start = datetime.fromtimestamp(t0, UTC).strftime("%H:%M")
    end = datetime.fromtimestamp(t1, UTC).strftime("%H:%M")
    return (
        f"<figure><svg viewBox='0 0 {WIDTH} {HEIGHT}' width='100%' role='img' aria-label='{escape(label)}'>"
        f"<text x='{PAD}' y='14' font-size='12'>{escape(label)}</text>"
        f"<text x='{PAD}' y='{HEIGHT - 8}' font-size='10'>{start}</text>"
        f"<text x='{WIDTH - PAD - 28}' y='{HEIGHT - 8}' font-size='10'>{end}</text>"
        f"<text x='2' y='{PAD}' font-size='10'>{hi:.3g}</text><text x='2' y='{HEIGHT - PAD}' font-size='10'>"
        f"{lo:.3g}</text>{''.join(marks)}"
        f"<polyline fill='none' stroke='#0969da' stroke-width='1.6' points='{line}'/></svg>"
        f"<figcaption>{escape(evidence.summary)} (<a href='#{escape(evidence.id)}'>{escape(evidence.id)}</a>)"
        "</figcaption></figure>"
    )


def _on(instance: str) -> str:
    return f" on <b>{escape(instance)}</b>, alone: the service's other instances stayed normal" if instance else ""
