"""Development harness: each PetShop issue through the engine directly (no graph), fetching what the collector would.

Run: `python -m evals.petshop.direct --set low_traffic [--data-dir DIR] [--cases N]`.
"""

from __future__ import annotations

import argparse
import os
from datetime import timedelta
from pathlib import Path

from agents.analysis import RuntimeTelemetry, analyse_runtime, findings_to_evidence, rank_candidates
from evals.petshop.cases import PetShopCase, load_cases
from evals.petshop.scoring import CaseScore, score_case, summarise
from graphs.contracts import TimeWindow
from graphs.settings import Settings
from tools.worlds.petshop.world import PetShopWorld

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets" / "petshop" / "dataset"


def data_dir() -> Path:
    return Path(os.environ.get("PM_PETSHOP_DIR", DEFAULT_DATA_DIR)).resolve()


def collect(data: Path, case: PetShopCase, settings: Settings | None = None) -> RuntimeTelemetry:
    """What intake and the collector fetch for this alarm, with the default windows of `Settings`."""
    settings = settings or Settings()
    world = PetShopWorld(data, case.set_name, case.issue)
    window = TimeWindow(
        start=case.alert_at - timedelta(minutes=settings.runtime_lookback_minutes),
        end=case.alert_at + timedelta(minutes=settings.after_alert_minutes),
    )
    baseline_start = window.start - timedelta(minutes=settings.baseline_minutes)
    return RuntimeTelemetry(
        window=window,
        alert_at=case.alert_at,
        metrics=world.query_metrics(None, window.start, window.end),
        baseline_metrics=world.query_metrics(None, baseline_start, window.start),
        edges=world.get_dependencies(),
    )


def run_case(data: Path, case: PetShopCase) -> CaseScore:
    telemetry = collect(data, case)
    candidates = rank_candidates(findings_to_evidence(analyse_runtime(telemetry)), telemetry.edges)
    return score_case(case.case_id, case.truth_service, [(c.service, c.score) for c in candidates])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=data_dir())
    parser.add_argument("--set", dest="set_name", default="low_traffic")
    parser.add_argument("--cases", type=int, default=None)
    args = parser.parse_args()
    scores = []
    for case in load_cases(args.data_dir, args.set_name)[: args.cases]:
        score = run_case(args.data_dir, case)
        scores.append(score)
        print(f"{case.case_id:32s} truth={case.truth_service:42s} rank={score.rank!s:4s} top={score.top_service}")
    print(summarise(scores))


if __name__ == "__main__":
    main()
