"""Leave-one-group-out CV of the conditional logit, with calibration and the confirmation rule nested inside each
fold (chosen on the training groups' own out-of-fold predictions), so no figure is in-sample."""

from __future__ import annotations

from dataclasses import dataclass, field

from agents.analysis.model.calibrate import apply, confirmation_rule, ece, fit_calibrator, inputs, reliability
from agents.analysis.model.fit import L2, Case, fit, utilities
from agents.analysis.model.score import CONFIDENCE_CAP, shares


@dataclass
class Prediction:
    """One case scored by a model that never saw its group."""

    case: Case
    rank: int | None  # honest: a candidate tying the truth counts as ahead of it
    top: float = 0.0  # the winner's share of the case
    runner: float = 0.0
    top_features: dict[str, float] = field(default_factory=dict)
    confidence: float = 0.0
    confirmed: bool = False

    @property
    def right(self) -> bool:
        return self.rank == 1

    @property
    def calibration_inputs(self) -> dict[str, float]:
        return inputs(self.top, self.runner, self.top_features)


def honest_rank(case: Case, u: list[float]) -> int | None:
    truth = case.truth_index
    if truth is None:
        return None
    return 1 + sum(1 for i, v in enumerate(u) if i != truth and v >= u[truth])


def predict(cases: list[Case], weights: dict[str, float]) -> list[Prediction]:
    out = []
    for case in cases:
        u = utilities(case, weights)
        p = shares(u)
        order = sorted(range(len(u)), key=lambda i: -u[i])
        pred = Prediction(case, honest_rank(case, u))
        if order:
            pred.top, pred.top_features = p[order[0]], case.features[order[0]]
            pred.runner = p[order[1]] if len(order) > 1 else 0.0
        out.append(pred)
    return out


def out_of_fold(cases: list[Case], l2: float = L2) -> list[Prediction]:
    """Each group predicted by weights fitted on the others."""
    out: list[Prediction] = []
    for group in sorted({c.group for c in cases}):
        weights = fit([c for c in cases if c.group != group], l2)
        out += predict([c for c in cases if c.group == group], weights)
    return out


def calibration_of(oof: list[Prediction]) -> tuple[dict[str, float], float, float]:
    """(calibrator, threshold, margin) from out-of-fold predictions."""
    scored = [p for p in oof if p.top > 0]
    calibrator = fit_calibrator([p.calibration_inputs for p in scored], [p.right for p in scored])
    confidence = [apply(calibrator, p.calibration_inputs, CONFIDENCE_CAP) for p in scored]
    threshold, margin = confirmation_rule(confidence, [p.top - p.runner for p in scored], [p.right for p in scored])
    return calibrator, threshold, margin


def nested_cv(cases: list[Case], l2: float = L2) -> list[Prediction]:
    """Outer folds leave one group out; calibration and rule come from the inner folds of the training groups."""
    out: list[Prediction] = []
    for group in sorted({c.group for c in cases}):
        train = [c for c in cases if c.group != group]
        calibrator, threshold, margin = calibration_of(out_of_fold(train, l2))
        for p in predict([c for c in cases if c.group == group], fit(train, l2)):
            if p.top > 0:
                p.confidence = apply(calibrator, p.calibration_inputs, CONFIDENCE_CAP)
                p.confirmed = p.confidence >= threshold and p.top - p.runner >= margin
            out.append(p)
    return out


def metrics(preds: list[Prediction]) -> dict[str, float | int]:
    n = len(preds)
    confirmed = [p for p in preds if p.confirmed]
    good = sum(1 for p in confirmed if p.right)
    return {
        "cases": n,
        "as_at_1": round(sum(1 for p in preds if p.rank == 1) / n, 4) if n else 0.0,
        "as_at_3": round(sum(1 for p in preds if p.rank is not None and p.rank <= 3) / n, 4) if n else 0.0,
        "confirmed": len(confirmed),
        "confirmed_right": good,
        "confirmed_wrong": len(confirmed) - good,
        "confirmed_precision": round(good / len(confirmed), 4) if confirmed else 1.0,
        "ece": ece([p.confidence for p in preds], [p.right for p in preds]),
        "max_confidence": round(max((p.confidence for p in preds), default=0.0), 4),
    }


def summary(preds: list[Prediction], scenario_groups: set[str]) -> dict:
    groups = sorted({p.case.group for p in preds})
    return {
        "groups": {g: metrics([p for p in preds if p.case.group == g]) for g in groups},
        "pooled": metrics(preds),
        "pooled_scenarios": metrics([p for p in preds if p.case.group in scenario_groups]),
        "reliability": reliability([p.confidence for p in preds], [p.right for p in preds]),
    }
