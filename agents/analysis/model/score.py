"""One scorer on one scale: a linear utility over attribution features, softmax over a case's candidates, and the
calibration that turns the winner's share into a probability of being the cause. Weights come from params.json."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

from agents.analysis.model.calibrate import MAX_CAP, Rule, apply, inputs, is_ticket, settles

PARAMS_PATH = Path(__file__).with_name("params.json")
CONFIDENCE_CAP = 0.98  # until a fit sets it (calibrate.cap_of): a few hundred cases never earn certainty


class Params(BaseModel):
    """The fitted model: weights per feature, its calibration and the confirmation rule per path chosen on CV
    (`confirm_*` on the alert path, `ticket_*` on the ticket path)."""

    version: str = "unfitted"
    command: str = ""
    l2: float = 1.0
    balance: float = 0.0  # groups weighed by (mean size / size) ** balance in the fit
    weights: dict[str, float] = Field(default_factory=lambda: {"legacy_share": 5.0})
    calibration: dict[str, float] = Field(default_factory=lambda: {"logit_top": 1.0})
    confirm_threshold: float = 0.9
    confirm_margin: float = 0.3
    ticket_threshold: float = 0.9
    ticket_margin: float = 0.3
    cap: float = CONFIDENCE_CAP


@lru_cache(maxsize=4)
def load_params(path: Path = PARAMS_PATH) -> Params:
    """The checked-in parameters (an unfitted default that ranks by the engine's composite if absent)."""
    return Params.model_validate(json.loads(path.read_text())) if path.is_file() else Params()


def utility(features: dict[str, float], params: Params) -> float:
    return sum(params.weights.get(name, 0.0) * value for name, value in features.items())


def contributions(features: dict[str, float], params: Params) -> dict[str, float]:
    """Each feature's share of the utility (weight times value), the attribution table behind a score."""
    return {name: params.weights.get(name, 0.0) * value for name, value in features.items()}


def shares(utilities: list[float]) -> list[float]:
    """Softmax: each candidate's share of the case's explanation."""
    if not utilities:
        return []
    top = max(utilities)
    exp = [math.exp(u - top) for u in utilities]
    total = sum(exp)
    return [e / total for e in exp]


def calibrated(
    share: float, runner_up: float, features: dict[str, float], params: Params, contenders: list[dict[str, float]]
) -> float:
    """The probability that the winner is the cause, capped below certainty; `contenders` are the features of the
    case's weighed hypotheses, best first (the winner's among them)."""
    return apply(params.calibration, inputs(share, runner_up, features, contenders), min(params.cap, MAX_CAP))


def confirmed(
    confidence: float, share: float, runner_up: float, params: Params, features: dict[str, float] | None = None
) -> bool:
    """Confirmed when the calibrated probability clears its path's CV rule and no rival explains nearly as much."""
    if features is not None and is_ticket(features):
        rule = Rule(threshold=params.ticket_threshold, margin=params.ticket_margin)
    else:
        rule = Rule(threshold=params.confirm_threshold, margin=params.confirm_margin)
    return settles(confidence, share, runner_up, rule)
