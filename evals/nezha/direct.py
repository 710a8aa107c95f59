"""Development harness: each case through the engine directly (no graph), fetching what the collector would.

Run: `python -m evals.nezha.direct --system trainticket [--day 2023-01-29] [--cases N]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import tracemalloc
from pathlib import Path

from agents.analysis import RuntimeTelemetry, analyse_runtime, findings_to_evidence, rank_candidates
from agents.analysis.models import Candidate
from evals.nezha.cases import NezhaCase, baseline_windows, load_cases
from evals.nezha.scoring import CaseScore, score_case, summarise
from tools.worlds.nezha import NezhaWorld

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets" / "nezha"


def data_dir() -> Path:
    return Path(os.environ.get("PM_NEZHA_DIR", DEFAULT_DATA_DIR)).resolve()


def collect(world: NezhaWorld, case: NezhaCase, *, metrics_only: bool = False) -> RuntimeTelemetry:
    """What the collector fetches through the log-system and service-registry for this alert."""
    window = case.window
    metrics_base, day_before = baseline_windows(window)
    with_logs = not metrics_only
    return RuntimeTelemetry(
        window=window,
        alert_at=case.alert_at,
        metrics=world.query_metrics(None, window.start, window.end),
        baseline_metrics=world.query_metrics(None, metrics_base.start, metrics_base.end),
        logs=world.query_logs(None, window.start, window.end) if with_logs else [],
        baseline_logs=world.query_logs(None, day_before.start, day_before.end) if with_logs else [],
        spans=world.query_traces(None, window.start, window.end) if with_logs else [],
        baseline_spans=world.query_traces(None, day_before.start, day_before.end) if with_logs else [],
        edges=world.get_dependencies(),
    )


def investigate(telemetry: RuntimeTelemetry) -> list[Candidate]:
    evidence = findings_to_evidence(analyse_runtime(telemetry))
    return rank_candidates(evidence, telemetry.edges)


def run_case(world: NezhaWorld, case: NezhaCase, *, metrics_only: bool = False) -> tuple[CaseScore, float, float]:
    """(score, seconds of analysis, seconds of fetching)."""
    started = time.perf_counter()
    telemetry = collect(world, case, metrics_only=metrics_only)
    fetched = time.perf_counter()
    candidates = investigate(telemetry)
    analysed = time.perf_counter()
    ranking = [(c.service, c.score) for c in candidates]
    top = candidates[0] if candidates else None
    score = score_case(case, ranking, top.fault_type.value if top else None, top.pinpoint.ref if top else "")
    return score, analysed - fetched, fetched - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=data_dir())
    parser.add_argument("--system", choices=["trainticket", "onlineboutique"], default="trainticket")
    parser.add_argument("--day", action="append", dest="days")
    parser.add_argument("--cases", type=int, default=None)
    parser.add_argument("--metrics-only", action="store_true")
    args = parser.parse_args()
    world = NezhaWorld(args.data_dir, args.system, args.days)
    cases = load_cases(args.data_dir, args.system, args.days)[: args.cases]
    tracemalloc.start()
    scores, analysis_seconds, fetch_seconds = [], [], []
    for case in cases:
        score, analysis, fetch = run_case(world, case, metrics_only=args.metrics_only)
        scores.append(score)
        analysis_seconds.append(analysis)
        fetch_seconds.append(fetch)
        print(
            f"{case.case_id:34s} truth={case.truth_service:30s} rank={score.rank!s:4s} top={score.top_service!s:30s} "
            f"type={score.fault_type}/{case.fault_type} pin={score.pinpoint[:40]}{'*' if score.pinpoint_hit else ''} "
            f"{analysis:.2f}s+{fetch:.2f}s"
        )
    _, peak = tracemalloc.get_traced_memory()
    summary = summarise(scores)
    summary["median_analysis_seconds"] = statistics.median(analysis_seconds) if scores else 0.0
    summary["median_fetch_seconds"] = statistics.median(fetch_seconds) if scores else 0.0
    summary["peak_traced_mb"] = peak / 2**20
    print({k: round(v, 3) if isinstance(v, float) else v for k, v in summary.items()})


if __name__ == "__main__":
    main()
