"""A tiny PetShop-format set written by tests: graph.csv, noissue/ and issues with metrics.csv and target.json.

The layout and headers are the real dataset's (four header rows, one row per 300 s period labelled by its start);
the system is four components where `Site` calls `Search_AWS::ECS::Fargate` and `Pay`, and Search calls `Table`.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

SITE, SEARCH, PAY, TABLE = "Site", "Search_AWS::ECS::Fargate", "Pay", "Table"
COMPONENTS = (SITE, SEARCH, PAY, TABLE)
GRAPH_ONLY = "Ghost_remote"  # in the call graph, never reporting a metric (as in the real sets)
EDGES = ((SITE, SEARCH), (SITE, PAY), (SEARCH, TABLE), (PAY, GRAPH_ONLY))
COLUMNS = (
    ("latency", "Average"),
    ("latency", "p50"),
    ("latency", "p90"),
    ("latency", "p95"),
    ("latency", "p99"),
    ("requests", "Sum"),
    ("availability", "Average"),
)
LATENCY = {SITE: 0.09, SEARCH: 0.006, PAY: 0.2, TABLE: 0.015}
STEP = 300.0
REFERENCE_START = 1_692_600_000.0
INJECTION_MARKER = "inject-only-the-scorer-may-read-this"


def write_set(root: Path, issues: dict[str, tuple[str, float]], *, reference: bool = True, name: str = "tiny") -> Path:
    """Write set `name` under `root`: issues maps `train/issue_0` -> (root-cause component, alert time); returns
    the folder holding the sets (what `--data-dir` takes)."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    _write_graph(folder / "graph.csv")
    rng = np.random.default_rng(7)
    if reference:
        starts = REFERENCE_START + STEP * np.arange(48)
        _write_metrics(folder / "noissue" / "metrics.csv", starts, _rows(rng, len(starts), None, 0))
    for issue, (cause, at) in issues.items():
        starts = at - 485.0 + STEP * np.arange(5)  # two periods before the issue's time, three after, as in the data
        _write_metrics(folder / issue / "metrics.csv", starts, _rows(rng, 5, cause, 2))
        target = {
            "target": {"node": SITE, "metric": "latency", "agg": "Average", "timestamp": int(at)},
            "root_cause": {"node": cause, "metric": None},
            "metadata": {"reproducibility": {"command": f"{INJECTION_MARKER} {cause}"}},
        }
        (folder / issue / "target.json").write_text(json.dumps(target))
    return root


def _rows(rng: np.random.Generator, n: int, cause: str | None, from_row: int) -> dict[str, np.ndarray]:
    """Latency per component and row: noise around the usual level; the cause five times slower from `from_row`,
    and the site (which waits on it) half as slow again."""
    out = {}
    for component, usual in LATENCY.items():
        values = usual * (1 + rng.normal(0, 0.03, n))
        if cause is not None and component in (cause, SITE):
            values[from_row:] *= 5.0 if component == cause else 1.5
        out[component] = values
    return out


def _write_graph(path: Path) -> None:
    nodes = [*COMPONENTS, GRAPH_ONLY]
    rows = [["", *nodes]]
    rows += [[a, *("1.0" if (a, b) in EDGES else "0.0" for b in nodes)] for a in nodes]
    _write(path, rows)


def _write_metrics(path: Path, starts: np.ndarray, latency: dict[str, np.ndarray]) -> None:
    columns = [(component, metric, stat) for metric, stat in COLUMNS for component in COMPONENTS]
    rows = [
        ["microservice", *(c for c, _, _ in columns)],
        ["metric", *(m for _, m, _ in columns)],
        ["statistic", *(s for _, _, s in columns)],
        ["unix_timestamp", *("" for _ in columns)],
    ]
    for index, start in enumerate(starts):
        row = [f"{start:.1f}"]
        for component, metric, stat in columns:
            base = latency[component][index]
            if metric == "latency":
                factor = {"Average": 1.0, "p50": 0.8, "p90": 1.6, "p95": 2.0, "p99": 3.0}[stat]
                row.append(f"{base * factor:.6f}")
            elif metric == "requests":
                row.append("" if component == TABLE and index == 0 else "120")  # a blank cell, as the data has
            else:
                row.append("100.0")
        rows.append(row)
    _write(path, rows)


def _write(path: Path, rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
