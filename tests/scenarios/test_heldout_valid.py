"""The held-out scenario sets are valid and their tickets never give the answer away (scores are not asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tools.worlds.scenarios.loader import heldout_sets, load_truth, parse_scenario, scenario_names
from tools.worlds.scenarios.validate import validate_world_dir

SCENARIOS = Path(__file__).resolve().parents[2] / "tools" / "worlds" / "scenarios"
SETS = heldout_sets(SCENARIOS)
WORLDS = [pytest.param(root / name, id=f"{root.name}/{name}") for root in SETS for name in scenario_names(root)]


@pytest.mark.parametrize("root", SETS, ids=lambda p: p.name)
def test_each_heldout_set_has_six_worlds_with_different_root_causes(root: Path) -> None:
    truths = [load_truth(root / name) for name in scenario_names(root)]
    assert len(truths) >= 6
    assert len({(t.fault_type, t.pinpoint.kind, t.root_cause_service) for t in truths}) == len(truths)


@pytest.mark.parametrize("world", WORLDS)
def test_heldout_world_validates(world: Path) -> None:
    assert validate_world_dir(world) == []


@pytest.mark.parametrize("world", WORLDS)
def test_heldout_ticket_does_not_name_the_pinpoint(world: Path) -> None:
    scenario, problems = parse_scenario(world)
    assert scenario is not None, problems
    truth = load_truth(world)
    ticket = scenario.spec.ticket
    text = " ".join([ticket.title, ticket.description, *ticket.comments]).lower()
    for ref in (truth.pinpoint.ref, *truth.pinpoint.accept):
        assert ref.lower() not in text, f"{world.name}: the ticket mentions the answer {ref!r}"


@pytest.mark.parametrize("world", WORLDS)
def test_heldout_world_has_a_red_herring(world: Path) -> None:
    assert load_truth(world).red_herrings


@pytest.mark.parametrize("root", SETS, ids=lambda p: p.name)
def test_validate_cli_accepts_the_heldout_folder(root: Path) -> None:
    cli = Path(sys.executable).parent / "production-master"
    done = subprocess.run([str(cli), "world", "validate", str(root)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
