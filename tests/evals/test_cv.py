"""`production-master eval cv` on a small subset, as a user runs it: two scenario groups of one world each."""

from __future__ import annotations

import json
import shutil
from functools import partial
from pathlib import Path

import cli_run

from tools.worlds.scenarios.loader import DEFAULT_DIR

KEYS = {"as_at_1", "as_at_3", "confirmed_right", "confirmed_wrong", "confirmed_precision", "ece"}


pm = partial(cli_run.pm, timeout=600)


def test_cv_runs_each_case_once_and_writes_the_summary(tmp_path: Path) -> None:
    root = tmp_path / "sets"
    for group, world in (("data", "cart-timeouts"), ("heldout1", "checkout-payment-errors")):
        shutil.copytree(DEFAULT_DIR / world, root / group / world)
    out = tmp_path / "cv"
    repo = Path(__file__).resolve().parents[2]
    first = pm("eval", "cv", "--out", str(out), "--scenario-root", str(root), cwd=repo)
    assert first.returncode == 0, first.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["groups"]) == {"scenarios", "heldout1"}
    for block in (*summary["groups"].values(), summary["pooled"]):
        assert set(block) >= KEYS and block["cases"] >= 1 and block["max_confidence"] <= 0.99
    cached = sorted((out / "cases").glob("*/*.json"))
    assert len(cached) == 2
    stamps = [p.stat().st_mtime_ns for p in cached]
    again = pm("eval", "cv", "--out", str(out), "--scenario-root", str(root), cwd=repo)
    assert again.returncode == 0, again.stderr
    assert [p.stat().st_mtime_ns for p in cached] == stamps  # the features were reused, not recomputed
    assert json.loads((out / "summary.json").read_text())["pooled"] == summary["pooled"]


def test_cv_refuses_an_unknown_group_with_one_line(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    result = pm("eval", "cv", "--out", str(tmp_path), "--groups", "nope", cwd=repo)
    assert result.returncode == 2 and "unknown groups: nope" in result.stderr + result.stdout
