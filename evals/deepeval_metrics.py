"""Deterministic deepeval metrics over our scored cases (no model, no network): root cause at 1, pinpoint, fault type.

A test case carries our scores in `additional_metadata`; each metric reads one flag from it. Shared by the
scenario and Nezha suites.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

os.environ.setdefault("DEEPEVAL_TELEMETRY_OPT_OUT", "YES")

from deepeval.metrics import BaseMetric
from deepeval.test_case import LLMTestCase


class FlagMetric(BaseMetric):
    """Passes when the case's metadata flag is true; the score is 1 or 0."""

    flag = ""
    label = ""

    def __init__(self, threshold: float = 1.0) -> None:
        self.threshold = threshold
        self.include_reason = True
        self.async_mode = False
        self.strict_mode = True
        self.evaluation_model = None

    def measure(self, test_case: LLMTestCase, *args: object, **kwargs: object) -> float:
        metadata = test_case.additional_metadata or {}
        if self.flag not in metadata:
            raise ValueError(f"test case {test_case.name!r} has no {self.flag!r} in additional_metadata")
        self.score = 1.0 if metadata[self.flag] else 0.0
        self.success = self.score >= self.threshold
        self.reason = (
            f"{self.label}: {'right' if self.success else 'wrong'} ({metadata.get(self.flag + '_detail', '')})"
        )
        return self.score

    async def a_measure(self, test_case: LLMTestCase, *args: object, **kwargs: object) -> float:
        return self.measure(test_case)

    def is_successful(self) -> bool:
        return bool(getattr(self, "success", False))

    @property
    def __name__(self) -> str:  # deepeval reads the metric's name from this property
        return self.label


class RootCauseAt1(FlagMetric):
    flag, label = "root_cause_at_1", "Root cause at 1"


class PinpointAt1(FlagMetric):
    flag, label = "pinpoint_at_1", "Pinpoint at 1"


class FaultTypeAt1(FlagMetric):
    flag, label = "fault_type_at_1", "Fault type at 1"


ALL_METRICS = (RootCauseAt1, PinpointAt1, FaultTypeAt1)


def flags(**verdicts: tuple[object, str]) -> dict[str, object]:
    """`additional_metadata` from `flag=(hit, detail)`: each flag and its `<flag>_detail`, in the order given."""
    metadata: dict[str, object] = {}
    for flag, (hit, detail) in verdicts.items():
        metadata[flag] = hit
        metadata[f"{flag}_detail"] = detail
    return metadata


def given_results(variable: str) -> list[dict[str, Any]] | None:
    """The results.json named by environment `variable` (a finished eval's --out), or None when it is unset."""
    given = os.environ.get(variable)
    return json.loads(Path(given).read_text()) if given else None


def fresh_results(prefix: str, run: Callable[[Path], Coroutine[Any, Any, object]]) -> list[dict[str, Any]]:
    """Run an evaluation into a new temporary --out directory and read back its results.json."""
    out = Path(tempfile.mkdtemp(prefix=prefix))
    asyncio.run(run(out))
    return json.loads((out / "results.json").read_text())
