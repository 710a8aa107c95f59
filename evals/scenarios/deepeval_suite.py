"""deepeval test cases for the scenario evaluation, scored by our deterministic metrics (no model, no API key).

Run: `DEEPEVAL_TELEMETRY_OPT_OUT=YES deepeval test run evals/scenarios/deepeval_suite.py` or plain pytest. Reads
`results.json` from `PM_SCENARIO_RESULTS` when set (a finished `eval scenarios --out`), else investigates three
bundled scenarios through the graph first.
"""

from __future__ import annotations

from typing import Any

import pytest
from deepeval import assert_test
from deepeval.test_case import LLMTestCase

from evals.deepeval_metrics import FaultTypeAt1, PinpointAt1, RootCauseAt1, flags, fresh_results, given_results
from evals.scenarios.runner import run_scenarios_eval

DEFAULT_CASES = ["checkout-payment-errors", "booking-price-errors-fr", "search-empty-results"]


def scenario_test_case(result: dict[str, Any]) -> LLMTestCase:
    """One scored scenario as a deepeval test case: the answer is what the report says, the expected is the truth."""
    return LLMTestCase(
        name=result["scenario"],
        input=f"scenario {result['scenario']}",
        actual_output=f"{result['top_service']} {result['fault_type']} {result['pinpoint_kind']}:{result['pinpoint']}",
        expected_output=f"{result['truth_service']} {result['truth_fault_type']} {result['truth_pinpoint']}",
        additional_metadata=flags(
            root_cause_at_1=(result["rank"] == 1, f"rank {result['rank']}"),
            pinpoint_at_1=(result["pinpoint_hit"], result["pinpoint"]),
            fault_type_at_1=(result["fault_type_hit"], result["fault_type"]),
        ),
    )


def _results() -> list[dict[str, Any]]:
    given = given_results("PM_SCENARIO_RESULTS")
    if given is not None:
        return given
    return fresh_results("pm-scenarios-", lambda out: run_scenarios_eval(out, names=DEFAULT_CASES))


RESULTS = _results()


@pytest.mark.parametrize("result", RESULTS, ids=[r["scenario"] for r in RESULTS])
def test_scenario(result: dict[str, Any]) -> None:
    assert_test(scenario_test_case(result), [RootCauseAt1(), PinpointAt1()], run_async=False)


def test_fault_types() -> None:
    hits = [FaultTypeAt1().measure(scenario_test_case(r)) for r in RESULTS]
    assert sum(hits) >= len(hits) - 1
