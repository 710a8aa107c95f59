"""The Nezha evaluation through the full graph: one investigation per labelled fault, scored only afterwards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

from evals.backends import real_backends
from evals.case_runner import add_timing_and_confirmed, investigate, write_outputs
from evals.nezha.baselines import PUBLISHED
from evals.nezha.cases import NezhaCase, load_cases
from evals.nezha.scoring import CaseScore, score_case, summarise
from evals.resources import peak_memory_mb
from graphs.contracts import InvestigationRequest
from graphs.runner import open_session
from graphs.settings import Settings
from tools.worlds.nezha import System


class CaseResult(BaseModel):
    case_id: str
    truth: dict[str, str]
    ranking: list[dict[str, Any]]
    fault_type: str | None
    pinpoint: str
    confidence: float
    status: str
    seconds: float
    evidence: int
    tool_calls: int
    score: CaseScore


def eval_settings(base: Settings, data_dir: Path, system: System, days: list[str] | None, home: Path) -> Settings:
    options = {"data_dir": str(data_dir.resolve()), "system": system}
    if days:
        options["days"] = ",".join(days)
    return base.model_copy(update={"world": "nezha", "world_options": options, "approvals": "skip", "home": home})


async def run_nezha_eval(
    data_dir: Path,
    system: System,
    out: Path,
    *,
    days: list[str] | None = None,
    limit: int | None = None,
    settings: Settings | None = None,
    metrics_backend: str = "files",
    logs_backend: str = "files",
) -> dict[str, Any]:
    """Investigate every case (or the first `limit`), then score; writes results.json, summary.json, summary.md.

    `metrics_backend="prometheus"` / `logs_backend="postgres"` load the days into a throwaway Prometheus / OTel
    store first and investigate through them."""
    cases = load_cases(data_dir, system, days)[:limit]
    if not cases:
        raise ValueError(f"no labelled faults for {system} under {data_dir}")
    out.mkdir(parents=True, exist_ok=True)
    settings = eval_settings(settings or Settings(), data_dir, system, days, out / "home")
    results: list[CaseResult] = []
    with real_backends(
        settings.world,
        settings.world_options,
        metrics=metrics_backend == "prometheus",
        logs=logs_backend == "postgres",
    ) as served:
        settings = settings.model_copy(update={"world": served.world, "world_options": served.options})
        async with open_session(settings) as session:
            for case in cases:
                results.append(await _investigate(session, case))
            memory = peak_memory_mb()  # while the MCP server still runs
    summary = {**_summary(results, system), **memory}
    summary["backends"] = {"metrics": metrics_backend, "logs_traces": logs_backend}
    if served.load_seconds:
        summary["backend_load_seconds"] = served.load_seconds
    write_outputs(out, results, summary, render_summary(summary, system))
    return summary


async def _investigate(session: Any, case: NezhaCase) -> CaseResult:
    # The investigation sees what an on-call engineer sees: the alert's text and time. Labels stay here.
    request = InvestigationRequest(source="eval", text=case.alert_text, at=case.alert_at)
    done = await investigate(session, request, case.case_id)
    return CaseResult(
        case_id=case.case_id,
        truth={"service": case.truth_service, "fault_type": case.fault_type, "pinpoint": case.truth_pinpoint},
        pinpoint=done.pinpoint,
        score=score_case(case, done.ranking, done.fault_type, done.pinpoint),
        **done.result_fields(),
    )


def _summary(results: list[CaseResult], system: str) -> dict[str, Any]:
    summary: dict[str, Any] = {"system": system, **summarise([r.score for r in results])}
    add_timing_and_confirmed(summary, results)
    return summary


def render_summary(summary: dict[str, Any], system: str) -> str:
    """Our row beside the published results of the same cases (service level, % of cases)."""
    column = "tt" if system == "trainticket" else "ob"
    lines = [
        f"# Nezha evaluation: {system}",
        "",
        f"{summary['cases']} faults; honest ties (a service tying the truth counts as ahead of it); "
        f"median {summary['median_seconds']} s, p95 {summary['p95_seconds']} s per fault through the full graph; "
        f"peak memory {summary.get('peak_rss_mb', 0):.0f} MB (graph process) + "
        f"{summary.get('peak_children_rss_mb', 0):.0f} MB (MCP servers).",
        "",
        "| method | AS@1 | AS@3 | AS@5 |",
        "|---|---|---|---|",
        f"| **production-master (no LLM)** | **{100 * summary['as_at_1']:.2f}** | **{100 * summary['as_at_3']:.2f}** | "
        f"**{100 * summary['as_at_5']:.2f}** |",
    ]
    for method, scores in PUBLISHED.items():
        at1, at3, at5 = scores[column]
        lines.append(f"| {method} | {at1:.2f} | {at3:.2f} | {at5:.2f} |")
    lines += [
        "",
        f"Fault type at 1: {100 * summary['fault_type_at_1']:.2f} %; pinpoint at 1: "
        f"{100 * summary['pinpoint_at_1']:.2f} %.",
        "",
        "Published figures are from the Nezha paper (ESEC/FSE 2023) over all 45 TT and 56 OB faults, OB with logs "
        "and traces; ours are over the cases in the data directory, OB from metrics only.",
    ]
    return "\n".join(lines) + "\n"
