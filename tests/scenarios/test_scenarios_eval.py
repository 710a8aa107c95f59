"""The scenario evaluation through the full graph (real MCP servers serving scenario worlds) on three scenarios."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scenarios.runner import run_scenarios_eval, ticket_request
from evals.scenarios.scoring import ScenarioScore, ref_matches, summarise
from tools.worlds.scenarios.loader import DEFAULT_DIR, load_truth

# a deploy, a feature flag rolled out to a cohort and a config change
THREE = ["checkout-payment-errors", "booking-price-errors-fr", "search-empty-results"]
SUMMARY_KEYS = {
    "cases",
    "as_at_1",
    "as_at_3",
    "as_at_5",
    "fault_type_at_1",
    "median_seconds",
    "p95_seconds",
    "pinpoint_at_1",
    "checklist_completeness",
    "mean_iterations",
    "cost_usd",
    "confirmed_right",
    "confirmed_wrong",
}


async def test_three_scenarios_reach_the_targets_through_the_graph(tmp_path: Path) -> None:
    summary = await run_scenarios_eval(tmp_path, names=THREE)
    assert set(summary) >= SUMMARY_KEYS
    assert summary["cases"] == 3 and summary["errors"] == 0
    assert summary["as_at_1"] >= 2 / 3 and summary["pinpoint_at_1"] >= 2 / 3
    assert summary["cost_usd"] == 0.0  # no model
    results = json.loads((tmp_path / "results.json").read_text())
    assert {r["scenario"] for r in results} == set(THREE)
    assert all(r["evidence"] > 0 and r["iterations"] >= 1 for r in results)
    assert json.loads((tmp_path / "summary.json").read_text()) == summary
    assert "| scenario |" in (tmp_path / "summary.md").read_text()


def test_the_request_is_what_a_user_files_never_the_truth() -> None:
    request = ticket_request(DEFAULT_DIR / "checkout-payment-errors")
    truth = load_truth(DEFAULT_DIR / "checkout-payment-errors")
    assert request.ticket_key == "SUP-4821" and request.at is not None
    assert truth.root_cause_service not in request.model_dump_json()


async def test_unknown_scenarios_are_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown scenarios"):
        await run_scenarios_eval(tmp_path, names=["no-such-incident"])


def test_calibration_counts_confirmed_verdicts_by_whether_they_named_the_cause() -> None:
    def score(rank: int | None, status: str) -> ScenarioScore:
        return ScenarioScore(
            scenario="s", truth_service="a", truth_fault_type="bad_deploy", truth_pinpoint="x", rank=rank, status=status
        )

    scores = [score(1, "confirmed"), score(2, "confirmed"), score(None, "confirmed"), score(1, "unconfirmed")]
    summary = summarise(scores)
    assert (summary["confirmed_right"], summary["confirmed_wrong"]) == (1, 2)


def test_refs_match_aliases_and_sha_prefixes_only() -> None:
    truth = load_truth(DEFAULT_DIR / "checkout-payment-errors")
    assert ref_matches("a1f9c3e7", truth) and ref_matches("PR-1183", truth) and ref_matches("dep-pay-0541", truth)
    assert not ref_matches("dep-co-0938", truth) and not ref_matches("", truth) and not ref_matches("a1f9c3", truth)
