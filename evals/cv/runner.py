"""`production-master eval cv`: every labelled group through the full graph once (cached), then nested
leave-one-group-out CV; writes summary.json / summary.md and, when asked, the model's parameters and dataset."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from agents.analysis.model.features import case_features
from agents.analysis.model.fit import Case, feature_names, fit
from agents.analysis.model.score import PARAMS_PATH, Params
from evals.cv.crossval import Folds, calibration_of, nested_cv, summary
from evals.cv.dataset import DATASET_PATH, save_dataset
from evals.cv.groups import SCENARIO_ROOT, available_groups, collect
from evals.cv.report import render
from graphs.settings import Settings

COMMAND = (
    "production-master eval cv --nezha-dir ../shared/datasets/nezha --petshop-dir ../shared/datasets/petshop/dataset "
    "--out DIR --write-params"
)


async def run_cv(
    out: Path,
    *,
    nezha_dir: Path | None = None,
    scenario_root: Path | None = None,
    petshop_dir: Path | None = None,
    groups: list[str] | None = None,
    write_params: bool = False,
    settings: Settings | None = None,
    log: Callable[[str], None] = print,
) -> dict:
    """Collect (or reuse) every case's features, cross-validate, and write the summary."""
    known = available_groups(nezha_dir, scenario_root or SCENARIO_ROOT, petshop_dir)
    chosen = [g for g in known if not groups or g.name in groups]
    missing = sorted(set(groups or []) - {g.name for g in known})
    if missing:
        raise ValueError(f"unknown groups: {', '.join(missing)} (known: {', '.join(g.name for g in known)})")
    if len(chosen) < 2:
        raise ValueError("cross-validation needs at least two groups")
    base = (settings or Settings()).model_copy(update={"approvals": "skip", "audit": "off", "checkpointer": "memory"})
    cases: list[Case] = []
    for group in chosen:
        cases += await collect(group, out / "cases", base, log)
    return evaluate(cases, out, {g.name for g in chosen if g.kind == "scenarios"}, write_params)


def evaluate(cases: list[Case], out: Path, scenario_groups: set[str], write_params: bool = False) -> dict:
    """The arithmetic part: nested CV figures, and the final parameters fitted on everything."""
    cases = [c.model_copy(update={"features": case_features(c.features)}) for c in cases]
    folds = Folds(cases)
    preds, penalties = nested_cv(cases, folds)
    result = summary(preds, scenario_groups)
    params = final_params(cases, folds)
    result["params"] = {
        "l2": params.l2,
        "balance": params.balance,
        "penalty_per_fold": {g: p._asdict() for g, p in penalties.items()},
        "cap": params.cap,
        "alert": {"threshold": params.confirm_threshold, "margin": params.confirm_margin},
        "ticket": {"threshold": params.ticket_threshold, "margin": params.ticket_margin},
        "calibration": params.calibration,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "summary.md").write_text(render(result))
    rows = [
        {
            "case": p.case.case_id,
            "group": p.case.group,
            "rank": p.rank,
            "confidence": round(p.confidence, 4),
            "confirmed": p.confirmed,
        }
        for p in preds
    ]
    (out / "predictions.json").write_text(json.dumps(rows, indent=1) + "\n")
    if write_params:
        PARAMS_PATH.write_text(params.model_dump_json(indent=2) + "\n")
        save_dataset(cases, DATASET_PATH)
    return result


def feature_set(cases: list[Case]) -> str:
    """`f<count>.<digest>` of the feature names fitted, so two fits on other features never share a version."""
    names = feature_names(cases)
    return f"f{len(names)}.{hashlib.sha256(' '.join(names).encode()).hexdigest()[:8]}"


def final_params(cases: list[Case], folds: Folds | None = None) -> Params:
    """The penalty by leave-one-group-out CV over every group, weights on every case at it; calibration, cap and
    the confirmation rules from the out-of-fold predictions."""
    folds = folds or Folds(cases)
    penalty = folds.choose_penalty()
    calibration = calibration_of(folds.out_of_fold(frozenset(), penalty))
    alert, ticket = calibration.rules["alert"], calibration.rules["ticket"]
    return Params(
        version=f"clogit-l2-{penalty.l2}-b{penalty.balance}-judged-new-{feature_set(cases)}-n{len(cases)}",
        command=COMMAND,
        l2=penalty.l2,
        balance=penalty.balance,
        weights=fit(cases, penalty),
        calibration=calibration.calibrator,
        confirm_threshold=alert.threshold,
        confirm_margin=alert.margin,
        ticket_threshold=ticket.threshold,
        ticket_margin=ticket.margin,
        cap=calibration.cap,
    )
