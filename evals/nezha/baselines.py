"""Published accuracy of other methods on the same Nezha cases (service level, % at 1 / 3 / 5), from the paper."""

from __future__ import annotations

PUBLISHED: dict[str, dict[str, tuple[float, float, float]]] = {
    "MicroScope": {"ob": (12.5, 41.07, 55.35), "tt": (17.78, 26.67, 35.56)},
    "MicroRCA": {"ob": (16.07, 62.5, 92.75), "tt": (20.00, 31.11, 44.44)},
    "MicroRank": {"ob": (41.07, 48.21, 62.5), "tt": (15.56, 24.44, 35.56)},
    "TraceAnomaly": {"ob": (30.35, 33.92, 48.21), "tt": (13.33, 28.89, 33.33)},
    "PDiagnose": {"ob": (41.07, 73.21, 82.14), "tt": (8.89, 13.33, 22.22)},
    "Nezha": {"ob": (92.86, 96.43, 96.43), "tt": (86.67, 97.78, 97.78)},
}
