"""Calibration of the winner's share (Platt scaling on out-of-fold predictions) and the confirmation rule chosen on
them: the lowest threshold (and margin to the runner-up) whose confirmed verdicts are right at least 95 % of times."""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import minimize

TARGET_PRECISION = 0.95
THRESHOLDS = [round(0.5 + 0.02 * i, 2) for i in range(25)]  # 0.50 .. 0.98
MARGINS = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def platt(shares: list[float], right: list[bool]) -> tuple[float, float]:
    """(a, b) of sigmoid(a * logit(share) + b) fitted by maximum likelihood (a tiny ridge keeps it finite)."""
    if not shares or all(right) or not any(right):
        return 1.0, 0.0
    z = np.array([_logit(s) for s in shares])
    y = np.array(right, dtype=float)

    def loss(ab: np.ndarray) -> tuple[float, np.ndarray]:
        q = 1 / (1 + np.exp(-(ab[0] * z + ab[1])))
        q = np.clip(q, 1e-9, 1 - 1e-9)
        nll = -float(np.sum(y * np.log(q) + (1 - y) * np.log(1 - q))) + 0.01 * float(ab @ ab)
        g = q - y
        return nll, np.array([float(g @ z), float(g.sum())]) + 0.02 * ab

    result = minimize(loss, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B")
    return round(float(result.x[0]), 6), round(float(result.x[1]), 6)


def apply(share: float, a: float, b: float, cap: float) -> float:
    return min(cap, 1 / (1 + math.exp(-(a * _logit(share) + b))))


def confirmation_rule(top: list[float], runner: list[float], right: list[bool]) -> tuple[float, float]:
    """(threshold, margin) confirming the most cases at >= 95 % precision; (1.0, 1.0) confirms none."""
    best: tuple[int, float, float] = (0, 1.0, 1.0)
    for margin in MARGINS:
        for threshold in THRESHOLDS:
            chosen = [r for t, u, r in zip(top, runner, right, strict=True) if t >= threshold and t - u >= margin]
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
