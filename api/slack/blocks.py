"""Block Kit for an investigation: the report, approve buttons for pending actions, feedback buttons."""

from __future__ import annotations

from typing import Any

APPROVE = "pm_approve"
REJECT = "pm_reject"
CORRECT = "pm_feedback_correct"
WRONG = "pm_feedback_wrong"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def report_blocks(investigation_id: str, report: dict[str, Any], pending: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The report as Block Kit; buttons carry the investigation id as their value."""
    root = report.get("root_cause") or {}
    confidence = float(report.get("confidence") or 0.0)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"Investigation {report.get('status', 'finished')}"}},
        _section(f"*Root cause:* {root.get('statement') or 'not established'}\n*Confidence:* {confidence:.0%}"),
    ]
    alternatives = report.get("alternatives") or []
    if alternatives:
        lines = "\n".join(f"• {a.get('service', '?')}: {a.get('statement', '')[:200]}" for a in alternatives[:3])
        blocks.append(_section(f"*Alternatives*\n{lines}"))
    for action in pending:
        blocks.append(_section(f"*Proposed:* {action.get('description') or action.get('kind')} (`{action.get('id')}`)"))
    if pending:
        blocks.append(
            {
                "type": "actions",
                "block_id": "pm_approval",
                "elements": [
                    _button("Approve", APPROVE, investigation_id, "primary"),
                    _button("Reject", REJECT, investigation_id, "danger"),
                ],
            }
        )
    blocks.append(
        {
            "type": "actions",
            "block_id": "pm_feedback",
            "elements": [_button("Correct", CORRECT, investigation_id), _button("Wrong", WRONG, investigation_id)],
        }
    )
    return blocks


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button
