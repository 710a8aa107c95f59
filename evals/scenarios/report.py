"""The human-readable summary of a scenario evaluation."""

from __future__ import annotations

from pathlib import Path

from evals.scenarios.scoring import ScenarioScore


def write_summary_md(path: Path, summary: dict[str, float | int], scores: list[ScenarioScore]) -> None:
    lines = ["# Scenario evaluation", "", "| metric | value |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in summary.items()]
    lines += [
        "",
        "| scenario | truth | rank | top | fault type | pinpoint | confidence | status | iterations |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for s in scores:
        mark = "ok" if s.pinpoint_hit else "miss"
        fault = f"{s.fault_type} ({'ok' if s.fault_type_hit else 'miss'})"
        lines.append(
            f"| {s.scenario} | {s.truth_service} | {s.rank or '-'} | {s.top_service or '-'} | {fault} | "
            f"`{s.pinpoint_kind}:{s.pinpoint}` ({mark}) | {s.confidence:.2f} | {s.status or s.error} | {s.iterations} |"
        )
    path.write_text("\n".join(lines) + "\n")
