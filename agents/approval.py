"""Approval: proposed actions that change production wait for a human (a LangGraph interrupt)."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.types import interrupt

from agents.services import get_services


async def approval(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    actions = [dict(a) for a in state.get("actions", [])]
    pending = [a for a in actions if a.get("status") == "proposed" and a.get("impact") == "high"]
    if not pending or get_services(config).settings.approvals == "skip":
        return {}
    answer = interrupt({"investigation_id": state.get("investigation_id"), "actions": pending})
    decided = apply_answer(actions, answer if isinstance(answer, dict) else {})
    report = dict(state.get("report", {}))
    report["actions"] = decided
    return {"actions": decided, "report": report}


def apply_answer(actions: list[dict[str, Any]], answer: dict[str, Any]) -> list[dict[str, Any]]:
    """`{"approved": [ids] | true, "rejected": [ids], "by": "who"}` sets each action's status."""
    approved, rejected = answer.get("approved", []), set(answer.get("rejected", []))
    by = str(answer.get("by") or "unknown")
    for action in actions:
        if action.get("status") != "proposed":
            continue
        if approved is True or action["id"] in (approved or []):
            action.update(status="approved", approved_by=by)
        elif answer.get("reject_all") or action["id"] in rejected:
            action.update(status="rejected", approved_by=by)
    return actions
