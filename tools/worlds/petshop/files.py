"""Reading the PetShop dataset's files: the call graph (adjacency matrix) and per-period metric tables.

`metrics.csv` holds four header rows (component, metric, statistic, then a `unix_timestamp` row with no values)
and one row per period, labelled by the period's start as CloudWatch labels it. Nothing here reads `target.json`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

HEADER_ROWS = 4  # component, metric, statistic, the `unix_timestamp` label row
GROUPS = ("train", "test")


@dataclass(frozen=True, eq=False)
class MetricTable:
    """One metrics file: period starts (epoch seconds) and one column per (component, metric, statistic)."""

    starts: np.ndarray
    columns: tuple[tuple[str, str, str], ...]
    values: np.ndarray  # rows = periods, columns = `columns`; NaN where the file is empty

    @property
    def components(self) -> list[str]:
        return sorted({component for component, _, _ in self.columns})

    @property
    def step(self) -> float:
        """The sampling period: the most common gap between rows (CloudWatch's 300 s here)."""
        gaps = np.diff(self.starts)
        if not len(gaps):
            return 300.0
        values, counts = np.unique(gaps, return_counts=True)
        return float(values[int(np.argmax(counts))])


@lru_cache(maxsize=128)
def read_metrics(path: Path) -> MetricTable:
    """A metrics file; a malformed one is a ValueError that names the file."""
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    if len(rows) < HEADER_ROWS or rows[0][:1] == [] or len({len(r) for r in rows[:3]}) != 1:
        raise ValueError(f"{path}: expected header rows (component, metric, statistic) and one row per period")
    columns = tuple(zip(rows[0][1:], rows[1][1:], rows[2][1:], strict=True))
    body = [r for r in rows[3:] if r and r[0] and r[0] != "unix_timestamp"]
    try:
        starts = np.array([float(r[0]) for r in body], dtype=float)
        values = np.array([[_number(v) for v in r[1 : len(columns) + 1]] for r in body], dtype=float)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    values = values.reshape(len(body), len(columns))
    order = np.argsort(starts, kind="stable")
    return MetricTable(starts=starts[order], columns=columns, values=values[order])


@lru_cache(maxsize=16)
def read_graph(path: Path) -> tuple[tuple[str, str], ...]:
    """The call graph's edges (caller, callee): the row calls the column where the matrix holds a non-zero."""
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows or len(rows[0]) < 2:
        raise ValueError(f"{path}: expected an adjacency matrix with a header row of component names")
    callees = rows[0][1:]
    edges = []
    for row in rows[1:]:
        if not row:
            continue
        caller = row[0]
        for callee, cell in zip(callees, row[1:], strict=False):
            try:
                weight = _number(cell)
            except ValueError:
                raise ValueError(f"{path}: {caller} -> {callee} holds {cell!r}, not a number") from None
            if caller != callee and weight > 0:
                edges.append((caller, callee))
    return tuple(edges)


def issue_dirs(set_dir: Path) -> list[str]:
    """The issues of a set as `train/issue_0`, ... (group, then issue number), those with a metrics file."""
    found = []
    for group in GROUPS:
        folder = set_dir / group
        if folder.is_dir():
            issues = [p for p in folder.iterdir() if p.name.startswith("issue_") and (p / "metrics.csv").is_file()]
            found.extend(f"{group}/{p.name}" for p in sorted(issues, key=_issue_number))
    return found


def _issue_number(path: Path) -> tuple[int, str]:
    suffix = path.name.removeprefix("issue_")
    return (int(suffix), "") if suffix.isdigit() else (1 << 30, suffix)


def _number(text: str) -> float:
    text = text.strip()
    return float(text) if text else float("nan")
