"""Calibration of the winner's share (logistic, on out-of-fold predictions, with the verifier's checks) and the
confirmation rule chosen on them: the threshold (and share margin over the runner-up) that confirms the most cases
while the confirmed are right at least 95 % of times."""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import minimize

TARGET_PRECISION = 0.95
THRESHOLDS = [round(0.5 + 0.01 * i, 2) for i in range(49)]  # 0.50 .. 0.98
MARGINS = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]


INPUTS = (
    "logit_top",
    "logit_runner_up",
    "legacy_top",
    "check_mechanism",
    "check_timing",
    "rivals",
    "ticket",
    "ticket_x_mechanism",
    "ticket_x_timing",
)
RIDGE = 1.0


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def inputs(top: float, runner_up: float, features: dict[str, float]) -> dict[str, float]:
    """What the calibrator reads: the winner's and runner-up's shares and the verifier's checks of the winner."""
    ticket = 1.0 if any(k.startswith("role_") for k in features) else 0.0
    mechanism, timing = features.get("check_mechanism", 0.5), features.get("check_timing", 0.5)
    return {
        "logit_top": _logit(top),
        "logit_runner_up": _logit(runner_up),
        "legacy_top": features.get("legacy_top", 0.0),
        "check_mechanism": mechanism,
        "check_timing": timing,
        "rivals": min(3, sum(1 for k in features if k.startswith("rival_"))) / 3,
        "ticket": ticket,
        "ticket_x_mechanism": ticket * mechanism,
        "ticket_x_timing": ticket * timing,
    }


def fit_calibrator(rows: list[dict[str, float]], right: list[bool]) -> dict[str, float]:
    """Logistic regression of "the winner is the cause" on the inputs (Platt scaling with the verifier's checks),
    ridge-penalised except the intercept; fitted on out-of-fold predictions only."""
    if not rows or all(right) or not any(right):
        return {"intercept": _logit(sum(right) / len(right)) if rows else 0.0, "logit_top": 0.0}
    x = np.array([[r[k] for k in INPUTS] + [1.0] for r in rows])
    y = np.array(right, dtype=float)
    penalty = np.append(np.full(len(INPUTS), RIDGE), 0.0)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        q = np.clip(1 / (1 + np.exp(-(x @ w))), 1e-9, 1 - 1e-9)
        nll = -float(np.sum(y * np.log(q) + (1 - y) * np.log(1 - q))) + 0.5 * float(penalty * w @ w)
        return nll, x.T @ (q - y) + penalty * w

    w = minimize(loss, np.zeros(len(INPUTS) + 1), jac=True, method="L-BFGS-B").x
    return {**{k: round(float(v), 6) for k, v in zip(INPUTS, w[:-1], strict=True)}, "intercept": round(float(w[-1]), 6)}


def apply(calibrator: dict[str, float], row: dict[str, float], cap: float) -> float:
    """The calibrated probability, capped below certainty."""
    z = calibrator.get("intercept", 0.0) + sum(calibrator.get(k, 0.0) * v for k, v in row.items())
    z = max(-50.0, min(50.0, z))
    return min(cap, 1 / (1 + math.exp(-z)))


def confirmation_rule(confidence: list[float], gap: list[float], right: list[bool]) -> tuple[float, float]:
    """(threshold, margin) confirming the most cases at >= 95 % precision; (1.0, 1.0) confirms none. The margin is
    on the winner's share minus the runner-up's: a rival that explains nearly as much blocks a verdict."""
    best: tuple[int, float, float] = (0, 1.0, 1.0)
    for margin in MARGINS:
        for threshold in THRESHOLDS:
            chosen = [r for c, g, r in zip(confidence, gap, right, strict=True) if c >= threshold and g >= margin]
            if chosen and sum(chosen) / len(chosen) >= TARGET_PRECISION and len(chosen) > best[0]:
                best = (len(chosen), threshold, margin)
    return best[1], best[2]


def ece(confidence: list[float], right: list[bool], bins: int = 10) -> float:
    """Expected calibration error: |accuracy - mean confidence| per bin, weighted by the bin's share."""
    if not confidence:
        return 0.0
    total = 0.0
    for lo in range(bins):
        idx = [i for i, c in enumerate(confidence) if lo / bins <= c < (lo + 1) / bins or (lo == bins - 1 and c == 1)]
        if idx:
            acc = sum(right[i] for i in idx) / len(idx)
            conf = sum(confidence[i] for i in idx) / len(idx)
            total += len(idx) / len(confidence) * abs(acc - conf)
    return round(total, 4)


def reliability(confidence: list[float], right: list[bool], bins: int = 5) -> list[dict[str, float]]:
    """The binned table: cases, mean confidence and share right per bin."""
    rows = []
    for lo in range(bins):
        idx = [i for i, c in enumerate(confidence) if lo / bins <= c < (lo + 1) / bins or (lo == bins - 1 and c >= 1)]
        if idx:
            rows.append(
                {
                    "bin": f"{lo / bins:.1f}-{(lo + 1) / bins:.1f}",
                    "cases": len(idx),
                    "mean_confidence": round(sum(confidence[i] for i in idx) / len(idx), 3),
                    "share_right": round(sum(right[i] for i in idx) / len(idx), 3),
                }
            )
    return rows
