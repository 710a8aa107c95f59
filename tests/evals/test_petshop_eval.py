"""`production-master eval petshop` as a user runs it: a subprocess on a tiny set in the dataset's real format."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import cli_run
from petshop_data import INJECTION_MARKER, PAY, SEARCH, SITE, write_set

AT = 1_681_855_803.0
ISSUES = {"train/issue_0": (SEARCH, AT), "train/issue_1": (SEARCH, AT + 3600), "test/issue_0": (PAY, AT + 7200)}


pm = partial(cli_run.pm, timeout=280)


def test_eval_petshop_runs_every_issue_through_the_graph_and_scores_it(tmp_path: Path) -> None:
    data = write_set(tmp_path / "sets", ISSUES)
    out = tmp_path / "out"
    result = pm("eval", "petshop", "--data-dir", str(data), "--set", "tiny", "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "majority_baseline_at_1" in result.stdout
    summary = json.loads((out / "summary.json").read_text())
    rows = summary["rows"]
    assert summary["set"] == "tiny" and summary["cases"] == 3 and len(rows) == 3
    assert {r["case_id"] for r in rows} == {"tiny-train-issue_0", "tiny-train-issue_1", "tiny-test-issue_0"}
    # the scorer's figures agree with its own rows (honest ties: rank is 1 + those scoring at least as high)
    assert summary["as_at_1"] == sum(r["rank"] == 1 for r in rows) / 3
    assert summary["as_at_3"] == sum(r["rank"] is not None and r["rank"] <= 3 for r in rows) / 3
    assert summary["majority_root_cause"] == SEARCH and summary["majority_baseline_at_1"] == 2 / 3
    assert {k: v["cases"] for k, v in summary["per_root_cause"].items()} == {SEARCH: 2, PAY: 1}
    assert summary["per_group"]["train"]["cases"] == 2 and summary["per_group"]["test"]["cases"] == 1
    confirmed = [r for r in rows if r["status"] == "confirmed"]
    assert summary["confirmed_right"] + summary["confirmed_wrong"] == len(confirmed)
    assert summary["median_seconds"] > 0
    results = json.loads((out / "results.json").read_text())
    assert all(r["tool_calls"] > 0 and r["evidence"] > 0 for r in results)
    assert all(SITE in r["alert"] and "latency_average" in r["alert"] for r in results)
    assert "| root cause | issues | AS@1 | AS@3 |" in (out / "summary.md").read_text()
    # the label never reaches the investigation: not in any request, tool response, checkpoint or audit event
    for path in (out / "home").rglob("*"):
        if path.is_file():
            assert INJECTION_MARKER.encode() not in path.read_bytes(), path


def test_eval_petshop_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    data = write_set(tmp_path / "sets", {"test/issue_0": (PAY, AT)})
    for args, words in (
        (("--data-dir", str(tmp_path / "missing"), "--set", "tiny"), "--data-dir"),
        (("--data-dir", str(data), "--set", "nope"), "--set 'nope'"),
        (("--data-dir", str(data), "--set", "tiny", "--cases", "0"), "--cases"),
    ):
        result = pm("eval", "petshop", *args, "--out", str(tmp_path / "out"), cwd=tmp_path)
        assert result.returncode == 2, result.stdout + result.stderr
        assert words in result.stderr + result.stdout and "Traceback" not in result.stderr
