"""Audit trail, lineage, bundles, replay and the postmortem, as a user drives them from the shell."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import cli_run
import pytest

from agents.analysis.model.score import load_params

pytestmark = pytest.mark.slow


pm = partial(cli_run.pm, env={"COLUMNS": "200"})


@pytest.fixture(scope="module")
def investigated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    cwd = tmp_path_factory.mktemp("audited")
    result = pm("investigate", "--alert", "checkout p95 latency above 2s", "--out", "out", "-q", cwd=cwd)
    assert result.returncode == 0, result.stderr
    return cwd, result.stdout.splitlines()[0].split()[1]


def test_the_chain_verifies_and_a_one_byte_edit_is_caught(investigated: tuple[Path, str], tmp_path: Path) -> None:
    cwd, thread = investigated
    ok = pm("audit", "verify", thread, cwd=cwd)
    assert ok.returncode == 0 and "intact" in ok.stdout
    log = next((cwd / ".production-master" / "audit").rglob(f"*{thread}*.jsonl"))
    original = log.read_bytes()
    try:
        at = original.index(b'"inventory"') + 2
        log.write_bytes(original[:at] + b"X" + original[at + 1 :])
        tampered = pm("audit", "verify", thread, cwd=cwd)
        assert tampered.returncode == 1 and "intact" not in tampered.stdout
    finally:
        log.write_bytes(original)


def test_explain_walks_from_the_root_cause_to_the_raw_response(investigated: tuple[Path, str]) -> None:
    cwd, thread = investigated
    result = pm("audit", "explain", thread, "--claim", "0", cwd=cwd)
    assert result.returncode == 0, result.stderr
    report = json.loads((cwd / "out" / "report.json").read_text())
    first = report["root_cause"]["evidence_ids"][0]
    assert first in result.stdout and "tool call" in result.stdout and "response sha256" in result.stdout
    assert pm("audit", "explain", thread, "--claim", "99", cwd=cwd).returncode == 2


def test_a_bundle_replays_to_the_same_verdict_and_a_policy_change_shows(
    investigated: tuple[Path, str], tmp_path: Path
) -> None:
    cwd, thread = investigated
    bundle = tmp_path / "b.tar.gz"
    exported = pm("bundle", "export", thread, "-o", str(bundle), cwd=cwd)
    assert exported.returncode == 0, exported.stderr
    same = pm("replay", str(bundle), cwd=tmp_path)
    assert same.returncode == 0, same.stdout + same.stderr
    assert "same verdict" in same.stdout
    policy = tmp_path / "policy.yaml"
    if json.loads((cwd / "out" / "report.json").read_text())["status"] == "confirmed":
        # a policy asking more than any confidence the model gives (it stops at 0.98) unsettles the verdict
        policy.write_text("confirm_threshold: 0.99\n")
        flip = "status: confirmed -> unconfirmed"
    else:
        # a policy that settles for less (a lower threshold, a model file that confirms whatever the policy lets
        # through)
        lenient = tmp_path / "params.json"
        rules = {"confirm_threshold": 0.0, "confirm_margin": 0.0, "ticket_threshold": 0.0, "ticket_margin": 0.0}
        lenient.write_text(load_params().model_copy(update=rules).model_dump_json())
        policy.write_text(f"confirm_threshold: 0.5\nmodel_params: {lenient}\n")
        flip = "status: unconfirmed -> confirmed"
    changed = pm("replay", str(bundle), "--config", str(policy), cwd=tmp_path)
    assert changed.returncode == 0 and flip in changed.stdout, changed.stdout


def test_the_html_postmortem_draws_the_anomalous_metrics(investigated: tuple[Path, str], tmp_path: Path) -> None:
    cwd, thread = investigated
    out = tmp_path / "r.html"
    result = pm("report", thread, "--format", "html", "-o", str(out), cwd=cwd)
    assert result.returncode == 0, result.stderr
    html = out.read_text()
    assert html.count("<svg") >= 2 and "inventory" in html and "deploy-7790" in html
    assert pm("report", thread, "--format", "pdf", cwd=cwd).returncode == 2
