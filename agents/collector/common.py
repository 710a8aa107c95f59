"""Helpers every capability worker uses: window arguments and failure bookkeeping."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agents.evidence import absence
from graphs.contracts import Capability, Evidence, TimeWindow
from tools.gateway.models import ToolResult, ToolStatus


def window_args(window: TimeWindow, **extra: Any) -> dict[str, Any]:
    return {"start": window.start.isoformat(), "end": window.end.isoformat(), **extra}


@dataclass
class Collected:
    """What one worker gathered: evidence and the number of tool calls it made."""

    capability: Capability
    evidence: list[Evidence] = field(default_factory=list)
    tool_calls: int = 0

    def payload(self, result: ToolResult, what: str, window: TimeWindow | None = None) -> dict[str, Any] | None:
        """The result's data, or None after recording an absence (failures and 'no such data' alike)."""
        self.tool_calls += 1
        if result.status is ToolStatus.ok and result.data is not None:
            return result.data
        self.evidence.append(absence(self.capability, result, what, window))
        return None
