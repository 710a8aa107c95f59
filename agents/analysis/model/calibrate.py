"""Calibration of the winner's share (logistic, on out-of-fold predictions, with the verifier's checks, how much
evidence the case has and, on the alert path, how much of what departed the winner explains) and the confirmation
rule chosen on them: per path (alert, ticket), the threshold and share margin that confirm the most cases while the
confirmed are right at least 95 % of times in EVERY training group."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
from pydantic import BaseModel
from scipy.optimize import minimize

TARGET_PRECISION = 0.95
THRESHOLDS = [round(0.5 + 0.01 * i, 2) for i in range(49)]  # 0.50 .. 0.98
MARGINS = [0.0, 0.1, 0.2, 0.3]
CONTENDERS = 5  # the hypotheses the verifier weighs (agents.hypothesis.MAX_HYPOTHESES)
SHARE_CLIP = 0.02  # shares beyond 0.02..0.98 are not extrapolated: a lone candidate's 1.0 is no evidence
HIGH = 0.8  # the top reliability bin, whose size bounds the cap
MAX_CAP = 0.98  # the checklist's ceiling too (verifier.CONFIDENCE_CAP): both judges speak one scale, below 0.99
RIVAL_SHARE = 0.5  # a runner-up explaining half as much as the winner, or more, explains nearly as much
# signal families the features can tell apart; how many the case's contenders show measures its evidence
FAMILIES = {
    "metrics": ("sig_cpu", "sig_memory", "sig_latency", "sig_errors"),
    "caller_latency": ("sig_client_latency",),
    "logs": ("sig_log_error", "sig_log_change"),
    "changes": ("change_before_onset", "timed_change", "change_with_anomaly", "change_alone", "prompt_change"),
}
# the winner's place in what departed (agents/analysis/model/features.py), read on the alert path, where the departed
# services are the whole field: a winner that explains little of it, or that others departed before, may be a
# bystander of a cause no candidate names; the ticket path weighs the ticket's own lines instead
FIELD = ("explains_share", "earlier_share", "unreached_earlier_share", "is_first")


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
    "alone",
    "log_contenders",
    "families",
    "own_strength",
    *(f"alert_{name}" for name in FIELD),
)
RIDGE = 1.0


class Rule(BaseModel):
    """Confirm when the calibrated probability reaches `threshold` and the share leads the runner-up by `margin`."""

    threshold: float = 1.0
    margin: float = 1.0


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def is_ticket(features: dict[str, float]) -> bool:
    """Whether the ticket path weighed this candidate (`derived` marks it)."""
    return features.get("ticket_path", 0.0) > 0.0


def families(contenders: list[dict[str, float]]) -> int:
    """How many signal families any of the case's contenders shows (0..4)."""
    return sum(1 for names in FAMILIES.values() if any(f.get(n, 0.0) > 0 for f in contenders for n in names))


def inputs(top: float, runner_up: float, features: dict[str, float], contenders: list[dict[str, float]]) -> dict:
    """What the calibrator reads: the winner's and runner-up's shares, the verifier's checks of the winner, how many
    contenders the case has, how many signal families they show, how strongly the winner itself departed and, on the
    alert path, its place in what departed."""
    ticket = 1.0 if is_ticket(features) else 0.0
    mechanism, timing = features.get("check_mechanism", 0.5), features.get("check_timing", 0.5)
    count = max(1, min(CONTENDERS, len(contenders)))
    clip = lambda p: min(max(p, SHARE_CLIP), 1 - SHARE_CLIP)  # noqa: E731
    return {
        "logit_top": _logit(clip(top)),
        "logit_runner_up": _logit(clip(runner_up)),
        "legacy_top": features.get("legacy_top", 0.0),
        "check_mechanism": mechanism,
        "check_timing": timing,
        "rivals": min(3, sum(1 for k in features if k.startswith("rival_"))) / 3,
        "ticket": ticket,
        "ticket_x_mechanism": ticket * mechanism,
        "ticket_x_timing": ticket * timing,
        "alone": 1.0 if count == 1 else 0.0,
        "log_contenders": math.log(count) / math.log(CONTENDERS),
        "families": families(contenders[:CONTENDERS]) / len(FAMILIES),
        "own_strength": (1 - ticket) * features.get("own_strength", 0.0),
        **{f"alert_{name}": (1 - ticket) * features.get(name, 0.0) for name in FIELD},
    }


def contested(share: float, runner_up: float) -> bool:
    """Whether a rival explains nearly as much as the winner: such a verdict is never confirmed, however confident."""
    return runner_up >= RIVAL_SHARE * share


def settles(confidence: float, share: float, runner_up: float, rule: Rule) -> bool:
    """The one confirmation test, in an investigation and in CV alike: uncontested, and the rule's threshold and
    share margin met."""
    return not contested(share, runner_up) and confidence >= rule.threshold and share - runner_up >= rule.margin


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


def cap_of(confidence: list[float]) -> float:
    """The most the confidence may say: with n out-of-fold cases in the top bin, even all right, the rule of
    succession leaves 1/(n+2) for the next one being wrong (between HIGH and MAX_CAP)."""
    high = sum(1 for c in confidence if c >= HIGH)
    return round(min(MAX_CAP, max(HIGH, 1 - 1 / (high + 2))), 4)


def confirmation_rule(
    confidence: list[float], share: list[float], runner_up: list[float], right: list[bool], groups: list[str]
) -> Rule:
    """The (threshold, margin) confirming the most cases while the confirmed are >= 95 % right pooled AND in every
    group that has a confirmed case (a rule that holds on average but fails one system will fail the next);
    Rule() confirms none. Each candidate rule is applied by `settles`, as a verdict is: a contested case never
    counts."""
    best, rule = 0, Rule()
    for margin in MARGINS:
        for threshold in THRESHOLDS:
            candidate = Rule(threshold=threshold, margin=margin)
            per: dict[str, list[bool]] = defaultdict(list)
            for c, s, u, r, group in zip(confidence, share, runner_up, right, groups, strict=True):
                if settles(c, s, u, candidate):
                    per[group].append(r)
            chosen = [r for rows in per.values() for r in rows]
            if len(chosen) <= best or sum(chosen) < TARGET_PRECISION * len(chosen):
                continue
            if all(sum(rows) >= TARGET_PRECISION * len(rows) for rows in per.values()):
                best, rule = len(chosen), candidate
    return rule


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
