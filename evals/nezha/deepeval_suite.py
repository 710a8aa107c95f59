"""deepeval test cases for the Nezha evaluation, scored by our deterministic metrics (no model, no API key).

Run: `DEEPEVAL_TELEMETRY_OPT_OUT=YES deepeval test run evals/nezha/deepeval_suite.py` or plain pytest. Reads
`results.json` from `PM_NEZHA_RESULTS` when set (a finished `production-master eval nezha --out`), else
investigates the first three Train-Ticket faults of the dataset (`PM_NEZHA_DIR`, default `../shared/datasets/nezha`)
through the full graph first. Each case is one deepeval test case; the aggregate tests hold the accuracy floors
(`PM_NEZHA_MIN_AS_AT_1`, `PM_NEZHA_MIN_FAULT_TYPE`, fractions from 0 to 1).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

os.environ.setdefault("DEEPEVAL_TELEMETRY_OPT_OUT", "YES")

import pytest
from deepeval import assert_test
from deepeval.test_case import LLMTestCase

from evals.deepeval_metrics import FaultTypeAt1, PinpointAt1, RootCauseAt1, flags, fresh_results, given_results

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets" / "nezha"
DEFAULT_CASES = 3


def nezha_test_case(result: dict[str, Any]) -> LLMTestCase:
    """One scored fault as a deepeval test case: the answer is the report's top candidate, the expected the label."""
    score, truth = result["score"], result["truth"]
    top = result["ranking"][0]["service"] if result["ranking"] else None
    return LLMTestCase(
        name=result["case_id"],
        input=f"nezha fault {result['case_id']}",
        actual_output=f"{top} {result['fault_type']} {result['pinpoint']}",
        expected_output=f"{truth['service']} {truth['fault_type']} {truth.get('pinpoint', '')}",
        additional_metadata=flags(
            root_cause_at_1=(score["rank"] == 1, f"rank {score['rank']} (honest ties)"),
            fault_type_at_1=(score["type_hit"], f"{result['fault_type']} for {truth['fault_type']}"),
            pinpoint_at_1=(score["pinpoint_hit"], result["pinpoint"]),
        ),
    )


def _results() -> list[dict[str, Any]]:
    given = given_results("PM_NEZHA_RESULTS")
    if given is not None:
        return given
    data_dir = Path(os.environ.get("PM_NEZHA_DIR", DEFAULT_DATA_DIR)).resolve()
    if not (data_dir / "rca_data").is_dir():
        return []
    from evals.nezha.runner import run_nezha_eval  # the graph and its servers load only when needed

    return fresh_results("pm-nezha-", lambda out: run_nezha_eval(data_dir, "trainticket", out, limit=DEFAULT_CASES))


RESULTS = _results()
needs_results = pytest.mark.skipif(not RESULTS, reason="no Nezha results and no dataset (set PM_NEZHA_RESULTS)")


def _rate(metric_type: type[RootCauseAt1] | type[FaultTypeAt1] | type[PinpointAt1]) -> float:
    return sum(metric_type().measure(nezha_test_case(r)) for r in RESULTS) / len(RESULTS)


@needs_results
@pytest.mark.parametrize("result", RESULTS, ids=[r["case_id"] for r in RESULTS])
def test_case_is_scored(result: dict[str, Any]) -> None:
    """Every case reads as a deepeval test case whose metrics agree with the scorer's own verdict; its scores go
    into deepeval's run report (threshold 0: a single miss is data, the floors below are the assertions)."""
    case = nezha_test_case(result)
    for metric, flag in ((RootCauseAt1(), result["score"]["rank"] == 1), (FaultTypeAt1(), result["score"]["type_hit"])):
        metric.measure(case)
        assert metric.is_successful() == bool(flag), metric.reason
    assert_test(
        case, [RootCauseAt1(threshold=0.0), FaultTypeAt1(threshold=0.0), PinpointAt1(threshold=0.0)], run_async=False
    )


@needs_results
def test_root_cause_at_1() -> None:
    floor = float(os.environ.get("PM_NEZHA_MIN_AS_AT_1", "0.6"))
    assert _rate(RootCauseAt1) >= floor


@needs_results
def test_fault_type_at_1() -> None:
    floor = float(os.environ.get("PM_NEZHA_MIN_FAULT_TYPE", "0.6"))
    assert _rate(FaultTypeAt1) >= floor
