"""Robust statistics shared by the detectors."""

from __future__ import annotations

import numpy as np

MAD_TO_SIGMA = 1.4826


def robust_scale(reference: np.ndarray, relative_floor: float, absolute_floor: float = 0.0) -> tuple[float, float]:
    """(median, scale) of a reference sample; the scale never falls below a fraction of the typical magnitude.

    The spread is the larger of the MAD and the inter-decile range, so a metric that spikes now and then in quiet
    times (many zeros, a few bursts) is not scored as if it were flat.
    """
    median = float(np.median(reference))
    mad = MAD_TO_SIGMA * float(np.median(np.abs(reference - median)))
    low, high = np.quantile(reference, [0.1, 0.9])
    spread = float(high - low) / 2.56  # the 10-90 % range of a normal distribution is 2.56 sigma
    typical = float(np.mean(np.abs(reference))) or abs(median)
    return median, max(mad, spread, relative_floor * typical, absolute_floor, 1e-9)


def run_start(hits: np.ndarray, index: int) -> int:
    """The first index of the unbroken run of hits that contains `index`: where a sustained departure began."""
    start = index
    while start > 0 and hits[start - 1]:
        start -= 1
    return start
