"""The fitting procedure: a conditional logit (softmax over each case's candidates) with an L2 penalty.

Each case contributes -log P(a right answer), P the softmax of w.x over its candidates summed over the label's truth
and the alternatives its author also accepts, weighed by (mean group size / its group's size) ** balance: at balance
0 every case counts once, at 1 every group counts as much as any other, so the two large Nezha groups need not
outvote thirty small written ones (nor the reverse). Cases with no right answer among the candidates carry no
gradient (they count as misses when scored). Deterministic: L-BFGS-B from zero weights. The penalty (L2 and
balance) is chosen by leave-one-group-out CV on the training groups, judged on those the engine was not developed on
(`evals.cv.crossval.Folds`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from pydantic import BaseModel, Field
from scipy.optimize import minimize
from scipy.special import logsumexp

L2_GRID = (0.3, 1.0, 3.0, 10.0)
BALANCE_GRID = (0.0, 0.5, 1.0)


class Penalty(NamedTuple):
    """What the fit trades likelihood against: the L2 strength and how far groups are weighed equally."""

    l2: float
    balance: float


PENALTY = Penalty(1.0, 0.0)  # only when fewer than two training groups leave nothing to choose the penalty by


class Case(BaseModel):
    """One labelled case: its candidates' features and the true service (written by the scorer's side only)."""

    case_id: str
    group: str
    truth: str
    services: list[str]
    features: list[dict[str, float]]
    seconds: float = 0.0
    accepted: list[str] = Field(default_factory=list)  # alternatives the label's author also counts as right
    developed: bool = False  # the engine's passes were developed while looking at this case's group: not judged

    @property
    def truth_index(self) -> int | None:
        return self.services.index(self.truth) if self.truth in self.services else None

    @property
    def answer_indices(self) -> list[int]:
        """The candidates the label counts as right: the truth and any accepted alternative."""
        answers = {self.truth, *self.accepted}
        return [i for i, service in enumerate(self.services) if service in answers]


def feature_names(cases: list[Case]) -> list[str]:
    return sorted({name for case in cases for row in case.features for name in row})


def _stack(cases: list[Case], names: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All candidate rows of the usable cases, each case's first row, and which rows are right answers."""
    index = {n: i for i, n in enumerate(names)}
    rows: list[np.ndarray] = []
    starts: list[int] = []
    right: list[bool] = []
    for case in cases:
        answers = set(case.answer_indices)
        if not answers:
            continue
        starts.append(len(rows))
        for i, feats in enumerate(case.features):
            row = np.zeros(len(names))
            for name, value in feats.items():
                if name in index:
                    row[index[name]] = value
            rows.append(row)
            right.append(i in answers)
    x = np.array(rows) if rows else np.zeros((0, len(names)))
    return x, np.array(starts, dtype=int), np.array(right, dtype=bool)


def case_weights(cases: list[Case], balance: float) -> np.ndarray:
    """Per usable case (a right answer proposed), (mean group size / its group's size) ** balance."""
    groups = [c.group for c in cases if c.answer_indices]
    if not groups:
        return np.zeros(0)
    size = {g: groups.count(g) for g in set(groups)}
    mean = len(groups) / len(size)
    return np.array([(mean / size[g]) ** balance for g in groups])


def _log_sum(u: np.ndarray, starts: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per case, log sum exp of its rows' utilities, and each row's share of that sum (rows at -inf add nothing)."""
    top = np.maximum.reduceat(u, starts)
    e = np.exp(u - top[owner])
    z = np.add.reduceat(e, starts)
    return np.log(z) + top, e / z[owner]


def fit(cases: list[Case], penalty: Penalty = PENALTY) -> dict[str, float]:
    """Weights per feature that maximise the penalised, group-weighed likelihood of each case's right answers."""
    names = feature_names(cases)
    x, starts, right = _stack(cases, names)
    if not len(starts) or not names:
        return {}
    sizes = np.diff(np.append(starts, len(x)))
    owner = np.repeat(np.arange(len(starts)), sizes)
    weight = case_weights(cases, penalty.balance)
    l2 = penalty.l2

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        u = x @ w
        log_all, p = _log_sum(u, starts, owner)
        log_right, p_right = _log_sum(np.where(right, u, -np.inf), starts, owner)
        nll = float(weight @ (log_all - log_right))
        grad = x.T @ ((p - p_right) * weight[owner])
        return nll + 0.5 * l2 * float(w @ w), grad + l2 * w

    result = minimize(loss, np.zeros(len(names)), jac=True, method="L-BFGS-B", options={"maxiter": 1000})
    return {n: round(float(v), 6) for n, v in zip(names, result.x, strict=True) if abs(v) >= 1e-6}


def utilities(case: Case, weights: dict[str, float]) -> list[float]:
    return [sum(weights.get(k, 0.0) * v for k, v in row.items()) for row in case.features]


def held_out_nll(case: Case, weights: dict[str, float]) -> float | None:
    """-log P(a right answer) of a case under weights that never saw it; None when no right answer was proposed."""
    answers = case.answer_indices
    if not answers:
        return None
    u = np.array(utilities(case, weights))
    return float(logsumexp(u) - logsumexp(u[answers]))
