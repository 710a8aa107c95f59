"""The PetShop evaluation through the full graph: one investigation per labelled issue, scored only afterwards.

Each issue is investigated in a world that serves that issue's timeline (its periods, the fault-free recording just
before them, the call graph), as the on-call engineer's dashboards would show it when the alarm fired.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

from evals.case_runner import add_timing_and_confirmed, investigate, write_outputs
from evals.petshop.cases import PetShopCase, load_cases
from evals.petshop.scoring import CaseScore, score_case, summarise
from evals.resources import peak_memory_mb
from graphs.contracts import InvestigationRequest
from graphs.runner import open_session
from graphs.settings import Settings

ATTRIBUTION = "PetShop dataset (amazon-science/petshop-root-cause-analysis), CC-BY-4.0"


class CaseResult(BaseModel):
    case_id: str
    truth: dict[str, str]
    alert: str
    ranking: list[dict[str, Any]]
    fault_type: str | None
    confidence: float
    status: str
    seconds: float
    evidence: int
    tool_calls: int
    score: CaseScore


def eval_settings(base: Settings, data_dir: Path, set_name: str, issue: str, home: Path) -> Settings:
    options = {"data_dir": str(data_dir.resolve()), "set": set_name, "issue": issue}
    return base.model_copy(update={"world": "petshop", "world_options": options, "approvals": "skip", "home": home})


def alert_request(case: PetShopCase) -> InvestigationRequest:
    """What the alarm tells the investigation: component, metric, time. Nothing of the label."""
    return InvestigationRequest(
        source="eval",
        text=case.alert_text,
        services=[case.target_node],
        at=case.alert_at,
        labels=case.alert_labels,
    )


async def run_petshop_eval(
    data_dir: Path,
    set_name: str,
    out: Path,
    *,
    limit: int | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Investigate every issue of the set (or the first `limit`), then score; writes results.json, summary.json/md."""
    cases = load_cases(data_dir, set_name)[:limit]
    if not cases:
        raise ValueError(f"no labelled issues (train/ or test/ issue_N with target.json) under {data_dir / set_name}")
    out.mkdir(parents=True, exist_ok=True)
    base = settings or Settings()
    results: list[CaseResult] = []
    memory: dict[str, float] = {}
    for case in cases:
        case_settings = eval_settings(base, data_dir, set_name, case.issue, out / "home")
        async with open_session(case_settings) as session:
            results.append(await _investigate(session, case))
            memory = _peak(memory, peak_memory_mb())  # while the MCP server still runs
    summary = {**_summary(results, cases, set_name), **memory}
    write_outputs(out, results, summary, render_summary(summary))
    return summary


async def _investigate(session: Any, case: PetShopCase) -> CaseResult:
    request = alert_request(case)
    done = await investigate(session, request, case.case_id)
    return CaseResult(
        case_id=case.case_id,
        truth={"service": case.truth_service, "injection": case.injection},
        alert=request.text,
        score=score_case(case.case_id, case.truth_service, done.ranking),
        **done.result_fields(),
    )


def _peak(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
    return {key: max(a.get(key, 0.0), b.get(key, 0.0)) for key in {*a, *b}}


def _summary(results: list[CaseResult], cases: list[PetShopCase], set_name: str) -> dict[str, Any]:
    scores = [r.score for r in results]
    summary: dict[str, Any] = {"set": set_name, **summarise(scores)}
    groups = {case.case_id: case.issue.split("/")[0] for case in cases}
    summary["per_group"] = {
        group: summarise([s for s in scores if groups[s.case_id] == group]) for group in sorted(set(groups.values()))
    }
    for entry in summary["per_group"].values():
        entry.pop("per_root_cause", None)
    confirmed = add_timing_and_confirmed(summary, results)
    summary["confirmed_precision"] = summary["confirmed_right"] / len(confirmed) if confirmed else None
    summary["rows"] = [
        {
            "case_id": r.case_id,
            "truth": r.score.truth_service,
            "top": r.score.top_service,
            "rank": r.score.rank,
            "status": r.status,
            "confidence": r.confidence,
            "seconds": r.seconds,
        }
        for r in results
    ]
    summary["data"] = ATTRIBUTION
    return summary


def render_summary(summary: dict[str, Any]) -> str:
    """Our row beside the baseline of always naming the most frequent root cause, and per root cause."""
    lines = [
        f"# PetShop evaluation: {summary['set']}",
        "",
        f"{summary['cases']} issues (train and test); honest ties (a component tying the truth counts as ahead of it); "
        f"median {summary['median_seconds']} s, p95 {summary['p95_seconds']} s per issue through the full graph; "
        f"peak memory {summary.get('peak_rss_mb', 0):.0f} MB (graph process) + "
        f"{summary.get('peak_children_rss_mb', 0):.0f} MB (MCP servers).",
        "",
        "| method | AS@1 | AS@3 | AS@5 |",
        "|---|---|---|---|",
        f"| **production-master (no LLM)** | **{pct(summary['as_at_1'])}** | **{pct(summary['as_at_3'])}** | "
        f"**{pct(summary['as_at_5'])}** |",
        f"| always `{summary['majority_root_cause']}` (most frequent root cause) | "
        f"{pct(summary['majority_baseline_at_1'])} | | |",
        "",
        "| root cause | issues | AS@1 | AS@3 |",
        "|---|---|---|---|",
    ]
    for component, row in summary["per_root_cause"].items():
        lines.append(f"| `{component}` | {row['cases']} | {pct(row['as_at_1'])} | {pct(row['as_at_3'])} |")
    lines += [
        "",
        f"Confirmed: {summary['confirmed_right']} right, {summary['confirmed_wrong']} wrong.",
        "",
        f"Data: {summary['data']}.",
    ]
    return "\n".join(lines) + "\n"


def pct(value: float) -> str:
    return f"{100 * value:.1f}"
