"""The checked-in feature data: derived numbers only (feature values per candidate, the index of the true one)."""

from __future__ import annotations

import json
from pathlib import Path

from agents.analysis.model.fit import Case
from agents.analysis.model.score import PARAMS_PATH

DATASET_PATH = PARAMS_PATH.with_name("dataset.json")


def save_dataset(cases: list[Case], path: Path = DATASET_PATH) -> None:
    """Per case: its group, the candidates' features, the position of the truth (-1: not proposed) and of the
    accepted alternatives, and whether the engine was developed on its group."""
    names = sorted({n for c in cases for row in c.features for n in row})
    rows = [
        {
            "group": c.group,
            "truth": -1 if c.truth_index is None else c.truth_index,
            "accepted": [i for i, s in enumerate(c.services) if s in c.accepted and s != c.truth],
            "developed": c.developed,
            "rows": [{str(names.index(k)): v for k, v in row.items()} for row in c.features],
        }
        for c in cases
    ]
    path.write_text(json.dumps({"features": names, "cases": rows}, separators=(",", ":")) + "\n")


def load_dataset(path: Path = DATASET_PATH) -> list[Case]:
    """Cases with anonymous candidates (c0, c1, ...), enough for a refit."""
    data = json.loads(path.read_text())
    names = data["features"]
    out = []
    for i, row in enumerate(data["cases"]):
        services = [f"c{j}" for j in range(len(row["rows"]))]
        out.append(
            Case(
                case_id=f"{row['group']}-{i}",
                group=row["group"],
                truth=services[row["truth"]] if row["truth"] >= 0 else "",
                services=services,
                features=[{names[int(k)]: v for k, v in r.items()} for r in row["rows"]],
                accepted=[services[j] for j in row.get("accepted", [])],
                developed=row.get("developed", False),
            )
        )
    return out
