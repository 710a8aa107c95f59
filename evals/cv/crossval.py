"""Nested leave-one-group-out CV of the conditional logit: inside each outer fold the penalty (L2 and group balance)
is chosen by an inner leave-one-group-out CV, judged on the groups the engine was not developed on, and the
calibration and confirmation rule come from the training groups' own out-of-fold predictions, so no figure is
in-sample."""

from __future__ import annotations

from dataclasses import dataclass, field

from agents.analysis.model.calibrate import (
    CONTENDERS,
    Rule,
    apply,
    cap_of,
    confirmation_rule,
    ece,
    fit_calibrator,
    inputs,
    is_ticket,
    reliability,
    settles,
)
from agents.analysis.model.fit import BALANCE_GRID, L2_GRID, PENALTY, Case, Penalty, fit, held_out_nll, utilities
from agents.analysis.model.score import shares
from evals.scenarios.scoring import rank_among


@dataclass
class Prediction:
    """One case scored by a model that never saw its group."""

    case: Case
    rank: int | None  # honest: a candidate tying the truth counts as ahead of it; accepted alternatives count
    primary_rank: int | None = None  # the same for the label's primary service alone
    top: float = 0.0  # the winner's share of the case
    runner: float = 0.0
    top_features: dict[str, float] = field(default_factory=dict)
    contenders: list[dict[str, float]] = field(default_factory=list)  # the verifier's view: the best few, best first
    confidence: float = 0.0
    confirmed: bool = False

    @property
    def right(self) -> bool:
        return self.rank == 1

    @property
    def calibration_inputs(self) -> dict[str, float]:
        return inputs(self.top, self.runner, self.top_features, self.contenders)

    @property
    def path(self) -> str:
        return "ticket" if is_ticket(self.top_features) else "alert"


@dataclass
class Calibration:
    """What the out-of-fold predictions decide: the calibrator, the cap and one confirmation rule per path."""

    calibrator: dict[str, float]
    cap: float
    rules: dict[str, Rule]

    def judge(self, p: Prediction) -> None:
        p.confidence = apply(self.calibrator, p.calibration_inputs, self.cap)
        p.confirmed = settles(p.confidence, p.top, p.runner, self.rules[p.path])


def honest_rank(case: Case, u: list[float], *, primary_only: bool = False) -> int | None:
    """The rank of the best-placed right answer (the truth or, unless primary_only, an accepted alternative), as
    `eval scenarios` scores it."""
    answers = {case.truth} if primary_only else {case.truth, *case.accepted}
    return rank_among(list(zip(case.services, u, strict=True)), answers)


def predict(cases: list[Case], weights: dict[str, float]) -> list[Prediction]:
    out = []
    for case in cases:
        u = utilities(case, weights)
        p = shares(u)
        order = sorted(range(len(u)), key=lambda i: -u[i])
        pred = Prediction(case, honest_rank(case, u), honest_rank(case, u, primary_only=True))
        if order:
            pred.top, pred.top_features = p[order[0]], case.features[order[0]]
            pred.runner = p[order[1]] if len(order) > 1 else 0.0
            pred.contenders = [case.features[i] for i in order[:CONTENDERS]]
        out.append(pred)
    return out


class Folds:
    """Weights per (left-out groups, penalty), fitted once: nested CV reuses every inner fit."""

    def __init__(self, cases: list[Case]) -> None:
        self.cases = cases
        self.groups = sorted({c.group for c in cases})
        self.developed = {c.group for c in cases if c.developed}
        self._fits: dict[tuple[frozenset[str], Penalty], dict[str, float]] = {}

    def weights(self, left_out: frozenset[str], penalty: Penalty) -> dict[str, float]:
        key = (left_out, penalty)
        if key not in self._fits:
            self._fits[key] = fit([c for c in self.cases if c.group not in left_out], penalty)
        return self._fits[key]

    def choose_penalty(self, left_out: frozenset[str] = frozenset()) -> Penalty:
        """The (L2, balance) whose inner leave-one-group-out predictions give the right answers the highest likelihood
        on the groups the engine was not developed on (the incidents it will meet; all groups when none is), each
        group's mean counted once so that no system outvotes the others (the smaller penalty, then the smaller
        balance, on a tie); PENALTY when fewer than two groups remain. The development groups still train."""
        inner = [g for g in self.groups if g not in left_out]
        if len(inner) < 2:
            return PENALTY
        judged = [g for g in inner if g not in self.developed] or inner
        scores = []
        for penalty in (Penalty(l2, b) for l2 in L2_GRID for b in BALANCE_GRID):
            total = 0.0
            for g in judged:
                w = self.weights(left_out | {g}, penalty)
                nll = [v for c in self.cases if c.group == g and (v := held_out_nll(c, w)) is not None]
                total += sum(nll) / len(nll) if nll else 0.0
            scores.append((round(total, 6), penalty))
        return min(scores)[1]

    def out_of_fold(self, left_out: frozenset[str], penalty: Penalty) -> list[Prediction]:
        """Each remaining group predicted by weights fitted on the other remaining groups."""
        out: list[Prediction] = []
        for g in self.groups:
            if g not in left_out:
                out += predict([c for c in self.cases if c.group == g], self.weights(left_out | {g}, penalty))
        return out


def calibration_of(oof: list[Prediction]) -> Calibration:
    """Calibrator, cap and per-path rules from out-of-fold predictions."""
    scored = [p for p in oof if p.top > 0]
    calibrator = fit_calibrator([p.calibration_inputs for p in scored], [p.right for p in scored])
    cap = cap_of([apply(calibrator, p.calibration_inputs, 1.0) for p in scored])
    rules = {}
    for path in ("alert", "ticket"):
        mine = [p for p in scored if p.path == path]
        rules[path] = confirmation_rule(
            [apply(calibrator, p.calibration_inputs, cap) for p in mine],
            [p.top for p in mine],
            [p.runner for p in mine],
            [p.right for p in mine],
            [p.case.group for p in mine],
        )
    return Calibration(calibrator, cap, rules)


def nested_cv(cases: list[Case], folds: Folds | None = None) -> tuple[list[Prediction], dict[str, Penalty]]:
    """Outer folds leave one group out; the penalty, calibration and rules come from inner folds of the training
    groups. Returns the predictions and the penalty each outer fold chose."""
    folds = folds or Folds(cases)
    out: list[Prediction] = []
    chosen: dict[str, Penalty] = {}
    for group in folds.groups:
        left_out = frozenset({group})
        chosen[group] = penalty = folds.choose_penalty(left_out)
        calibration = calibration_of(folds.out_of_fold(left_out, penalty))
        for p in predict([c for c in cases if c.group == group], folds.weights(left_out, penalty)):
            if p.top > 0:
                calibration.judge(p)
            out.append(p)
    return out, chosen


def metrics(preds: list[Prediction]) -> dict[str, float | int]:
    n = len(preds)
    confirmed = [p for p in preds if p.confirmed]
    good = sum(1 for p in confirmed if p.right)
    return {
        "cases": n,
        "as_at_1": round(sum(1 for p in preds if p.rank == 1) / n, 4) if n else 0.0,
        "as_at_3": round(sum(1 for p in preds if p.rank is not None and p.rank <= 3) / n, 4) if n else 0.0,
        "as_at_1_primary": round(sum(1 for p in preds if p.primary_rank == 1) / n, 4) if n else 0.0,
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
