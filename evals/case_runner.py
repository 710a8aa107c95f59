"""What the labelled-case evaluations (Nezha, PetShop) share: one timed investigation, its report's numbers, the
timing and confirmation lines of the summary, and the three files written to --out."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from graphs.contracts import InvestigationRequest, Report


class _Ranked(Protocol):
    @property
    def rank(self) -> int | None: ...


class _Result(Protocol):
    @property
    def seconds(self) -> float: ...
    @property
    def status(self) -> str: ...
    @property
    def score(self) -> _Ranked: ...


@dataclass(frozen=True, slots=True)
class Investigated:
    """One case's investigation: its report (None when the run produced none) and how long it took."""

    report: Report | None
    seconds: float

    @property
    def ranking(self) -> list[tuple[str, float]]:
        return [(r.service, r.score) for r in (self.report.ranking if self.report else [])]

    @property
    def fault_type(self) -> str | None:
        rc = self.report.root_cause if self.report else None
        return rc.fault_type.value if rc else None

    @property
    def pinpoint(self) -> str:
        rc = self.report.root_cause if self.report else None
        return rc.pinpoint.ref if rc else ""

    def result_fields(self) -> dict[str, Any]:
        """The fields both evaluations' per-case results carry (the pinpoint is Nezha's alone)."""
        report = self.report
        return {
            "ranking": [{"service": s, "score": v} for s, v in self.ranking],
            "fault_type": self.fault_type,
            "confidence": report.confidence if report else 0.0,
            "status": report.status.value if report else "failed",
            "seconds": round(self.seconds, 3),
            "evidence": len(report.evidence) if report else 0,
            "tool_calls": report.cost.tool_calls if report else 0,
        }


async def investigate(session: Any, request: InvestigationRequest, case_id: str) -> Investigated:
    """Run `request` once in `session` (a fresh thread), timed."""
    started = time.perf_counter()
    outcome = await session.run(request, thread_id=f"{case_id}-{time.time_ns()}")
    return Investigated(report=outcome.report, seconds=time.perf_counter() - started)


def add_timing_and_confirmed(summary: dict[str, Any], results: Sequence[_Result]) -> list[_Result]:
    """Median/p95 seconds, the confirmed share and how many confirmed were right/wrong; returns the confirmed."""
    seconds = sorted(r.seconds for r in results)
    summary["median_seconds"] = round(statistics.median(seconds), 3)
    summary["p95_seconds"] = round(seconds[min(len(seconds) - 1, int(0.95 * len(seconds)))], 3)
    summary["confirmed"] = sum(r.status == "confirmed" for r in results) / len(results)
    confirmed = [r for r in results if r.status == "confirmed"]
    summary["confirmed_right"] = sum(1 for r in confirmed if r.score.rank == 1)
    summary["confirmed_wrong"] = len(confirmed) - summary["confirmed_right"]
    return confirmed


def write_outputs(out: Path, results: Sequence[BaseModel], summary: dict[str, Any], markdown: str) -> None:
    """results.json, summary.json and summary.md under `out`."""
    (out / "results.json").write_text(json.dumps([r.model_dump(mode="json") for r in results], indent=1) + "\n")
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    (out / "summary.md").write_text(markdown)


__all__ = ["Investigated", "add_timing_and_confirmed", "investigate", "write_outputs"]
