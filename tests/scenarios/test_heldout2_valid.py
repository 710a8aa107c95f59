"""The second held-out set of scenario worlds is valid and its tickets never give the answer away (no scores here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tools.worlds.scenarios.loader import load_truth, parse_scenario, scenario_names
from tools.worlds.scenarios.validate import validate_world_dir

HELDOUT2_DIR = Path(__file__).resolve().parents[2] / "tools" / "worlds" / "scenarios" / "heldout2"
NAMES = scenario_names(HELDOUT2_DIR)


def test_there_are_six_heldout2_worlds() -> None:
    assert len(NAMES) >= 6


@pytest.mark.parametrize("name", NAMES)
def test_heldout2_world_validates(name: str) -> None:
    assert validate_world_dir(HELDOUT2_DIR / name) == []


@pytest.mark.parametrize("name", NAMES)
def test_heldout2_ticket_does_not_name_the_pinpoint(name: str) -> None:
    scenario, problems = parse_scenario(HELDOUT2_DIR / name)
    assert scenario is not None, problems
    truth = load_truth(HELDOUT2_DIR / name)
    ticket = scenario.spec.ticket
    text = " ".join([ticket.title, ticket.description, *ticket.comments]).lower()
    for ref in (truth.pinpoint.ref, *truth.pinpoint.accept):
        assert ref.lower() not in text, f"{name}: the ticket mentions the answer {ref!r}"


@pytest.mark.parametrize("name", NAMES)
def test_heldout2_world_has_a_red_herring(name: str) -> None:
    assert load_truth(HELDOUT2_DIR / name).red_herrings


def test_heldout2_root_causes_are_all_different() -> None:
    truths = [load_truth(HELDOUT2_DIR / name) for name in NAMES]
    assert len({(t.fault_type, t.pinpoint.kind, t.root_cause_service) for t in truths}) == len(truths)


def test_validate_cli_accepts_the_heldout2_folder() -> None:
    cli = Path(sys.executable).parent / "production-master"
    command = [str(cli), "world", "validate", str(HELDOUT2_DIR)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
