"""A world where one checkout pod goes bad, investigated from the CLI: the report names the pod; when every pod
departs together it names none. Alert and ticket path alike."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from cli_run import investigate_to_files

from api.render_html import render_html
from graphs.contracts import Report

EXAMPLES = Path(__file__).resolve().parents[2] / "tools" / "worlds" / "scenarios" / "examples"
WORLD = "checkout-bad-pod"
POD = "checkout-7d9f-x2 (pod)"
ALERT = ["--alert", "checkout p99 latency above 1s", "--at", "2025-06-03T10:10:00Z"]


def investigate(tmp_path: Path, folder: Path, *request: str) -> tuple[dict, str, str]:
    """Run `production-master investigate` on the scenario folder; the report (JSON, Markdown) and the CLI's output."""
    world = [
        "--world",
        "scenario",
        "--world-option",
        f"dir={folder.parent}",
        "--world-option",
        f"scenario={folder.name}",
    ]
    return investigate_to_files(tmp_path, *world, *request)


@pytest.mark.parametrize("request_args", [ALERT, ["--ticket", "SHOP-2291"]], ids=["alert", "ticket"])
def test_the_report_names_the_pod_that_went_bad(tmp_path: Path, request_args: list[str]) -> None:
    report, markdown, printed = investigate(tmp_path, EXAMPLES / WORLD, *request_args)
    cause = report["root_cause"]
    assert cause["service"] == "checkout"
    assert cause["pinpoint"]["instance"] == POD
    assert f"- Instance: {POD}, alone" in markdown
    assert f" on {POD} |" in markdown  # the verifier's pinpoint item says where
    assert POD in printed  # the CLI's summary shows it too
    assert f"on <b>{POD}</b>" in render_html(Report.model_validate(report))  # and the served HTML view
    cited = [e for e in report["evidence"] if e["id"] in cause["evidence_ids"] and e["kind"] == "metric-anomaly"]
    assert cited and all(e["data"]["carrier"] == POD for e in cited if e["service"] == "checkout")


@pytest.mark.parametrize("request_args", [ALERT, ["--ticket", "SHOP-2291"]], ids=["alert", "ticket"])
def test_every_pod_going_bad_keeps_the_pinpoint_at_the_service(tmp_path: Path, request_args: list[str]) -> None:
    folder = tmp_path / "worlds" / WORLD
    shutil.copytree(EXAMPLES / WORLD, folder)
    path = folder / "telemetry.yaml"
    telemetry = yaml.safe_load(path.read_text())
    for series in telemetry["metrics"]["checkout"].values():
        for anomaly in series.get("anomalies", []) if isinstance(series, dict) else []:
            anomaly.pop("instances", None)  # the same fault on all three pods
    path.write_text(yaml.safe_dump(telemetry, sort_keys=False))
    report, markdown, _ = investigate(tmp_path, folder, *request_args)
    assert report["root_cause"]["service"] == "checkout"
    assert report["root_cause"]["pinpoint"]["instance"] == ""
    assert "- Instance:" not in markdown and "checkout-7d9f-x2" not in report["root_cause"]["statement"]
