"""Leave-one-group-out CV of the conditional logit, with calibration and the confirmation rule nested inside each
fold (chosen on the training groups' own out-of-fold predictions), so no figure is in-sample."""

from __future__ import annotations

from dataclasses import dataclass

from agents.analysis.model.calibrate import apply, confirmation_rule, ece, platt, reliability
from agents.analysis.model.fit import L2, Case, fit, utilities
from agents.analysis.model.score import CONFIDENCE_CAP, shares


@dataclass
class Prediction:
    """One case scored by a model that never saw its group."""

    case: Case
    rank: int | None  # honest: a candidate tying the truth counts as ahead of it
    top: float  # the winner's share of the case
    runner: float
    confidence: float = 0.0
    confirmed: bool = False


def honest_rank(case: Case, u: list[float]) -> int | None:
    truth = case.truth_index
    if truth is None:
        return None
    return 1 + sum(1 for i, v in enumerate(u) if i != truth and v >= u[truth])


def predict(cases: list[Case], weights: dict[str, float]) -> list[Prediction]:
    out = []
    for case in cases:
        u = utilities(case, weights)
        split = sorted(shares(u), reverse=True)
        out.append(
            Prediction(case, honest_rank(case, u), split[0] if split else 0.0, split[1] if len(split) > 1 else 0.0)
        )
    return out


def out_of_fold(cases: list[Case], l2: float = L2) -> list[Prediction]:
    """Each group predicted by weights fitted on the others."""
    groups = sorted({c.group for c in cases})
    out: list[Prediction] = []
    for group in groups:
        weights = fit([c for c in cases if c.group != group], l2)
        out += predict([c for c in cases if c.group == group], weights)
    return out


def right(p: Prediction) -> bool:
    return p.rank == 1


def calibration_of(oof: list[Prediction]) -> tuple[float, float, float, float]:
    """(a, b, threshold, margin) from out-of-fold predictions."""
    a, b = platt([p.top for p in oof], [right(p) for p in oof])
    top = [apply(p.top, a, b, CONFIDENCE_CAP) for p in oof]
    runner = [apply(p.runner, a, b, CONFIDENCE_CAP) for p in oof]
    threshold, margin = confirmation_rule(top, runner, [right(p) for p in oof])
    return a, b, threshold, margin


def nested_cv(cases: list[Case], l2: float = L2) -> list[Prediction]:
    """Outer folds leave one group out; calibration and rule come from the inner folds of the training groups."""
    groups = sorted({c.group for c in cases})
    out: list[Prediction] = []
    for group in groups:
        train = [c for c in cases if c.group != group]
        a, b, threshold, margin = calibration_of(out_of_fold(train, l2))
        for p in predict([c for c in cases if c.group == group], fit(train, l2)):
            p.confidence = apply(p.top, a, b, CONFIDENCE_CAP)
            runner = apply(p.runner, a, b, CONFIDENCE_CAP)
            p.confirmed = p.confidence >= threshold and p.confidence - runner >= margin
            out.append(p)
    return out


def metrics(preds: list[Prediction]) -> dict[str, float | int]:
    n = len(preds)
    confirmed = [p for p in preds if p.confirmed]
    good = sum(1 for p in confirmed if right(p))
    return {
        "cases": n,
        "as_at_1": round(sum(1 for p in preds if p.rank == 1) / n, 4) if n else 0.0,
        "as_at_3": round(sum(1 for p in preds if p.rank is not None and p.rank <= 3) / n, 4) if n else 0.0,
        "confirmed": len(confirmed),
        "confirmed_right": good,
        "confirmed_wrong": len(confirmed) - good,
        "confirmed_precision": round(good / len(confirmed), 4) if confirmed else 1.0,
        "ece": ece([p.confidence for p in preds], [right(p) for p in preds]),
        "max_confidence": round(max((p.confidence for p in preds), default=0.0), 4),
    }


def summary(preds: list[Prediction], scenario_groups: set[str]) -> dict:
    groups = sorted({p.case.group for p in preds})
    return {
        "groups": {g: metrics([p for p in preds if p.case.group == g]) for g in groups},
        "pooled": metrics(preds),
        "pooled_scenarios": metrics([p for p in preds if p.case.group in scenario_groups]),
        "reliability": reliability([p.confidence for p in preds], [right(p) for p in preds]),
    }
