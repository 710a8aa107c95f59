"""The direct harness (engine without the graph) on three Train-Ticket faults."""

from __future__ import annotations

import pytest

from evals.nezha.cases import load_cases
from evals.nezha.direct import data_dir, run_case
from tools.worlds.nezha import NezhaWorld

pytestmark = pytest.mark.skipif(not (data_dir() / "rca_data").is_dir(), reason="Nezha dataset not present")


def test_truth_ranked_first_on_most_of_the_last_three_faults() -> None:
    world = NezhaWorld(data_dir(), "trainticket")
    cases = load_cases(data_dir(), "trainticket")[-3:]
    scores = [run_case(world, case)[0] for case in cases]
    assert sum(score.rank == 1 for score in scores) >= 2
    assert all(score.rank is not None for score in scores)
