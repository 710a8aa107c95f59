"""A ticket filed a day and a half after the trouble, naming its weekday, is still investigated on the right day."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from evals.scenarios.runner import run_scenarios_eval
from tools.worlds.scenarios.loader import DEFAULT_DIR

WORLD = "cart-timeouts"  # the trouble: Thursday 21 March 2024, about 10:15 to 10:30 UTC


def _filed_late(root: Path) -> None:
    """The bundled world with its ticket filed on Friday afternoon, the trouble dated by its weekday only."""
    shutil.copytree(DEFAULT_DIR / WORLD, root / WORLD)
    path = root / WORLD / "scenario.yaml"
    spec = yaml.safe_load(path.read_text())
    spec["ticket"]["created"] = "2024-03-22T17:00:00Z"
    spec["ticket"]["description"] = (
        "On Thursday between roughly 10:15 and 10:30 UTC many users could not open their cart in the app "
        '(spinner, then "Something went wrong"). Some lost items they had added.\n'
        "App error code: E_CART_LOAD_TIMEOUT. Request id of one failure: r-8e1d22c4f0a1.\n"
    )
    path.write_text(yaml.safe_dump(spec, sort_keys=False))


async def test_a_ticket_filed_the_next_day_still_finds_the_cause(tmp_path: Path) -> None:
    _filed_late(tmp_path / "worlds")
    summary = await run_scenarios_eval(tmp_path / "out", root=tmp_path / "worlds")
    assert summary["errors"] == 0
    assert summary["as_at_1"] == 1.0
