"""The CLI as a user runs it: a subprocess, real files, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_run import pm

from graphs.contracts import PUBLIC_SCHEMAS

REPO = Path(__file__).resolve().parents[2]


def test_investigate_writes_the_report_and_prints_the_id_first(tmp_path: Path) -> None:
    result = pm(
        "investigate",
        "--world",
        "demo",
        "--alert",
        "checkout p95 latency above 2s",
        "--out",
        str(tmp_path / "out"),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    first_line = result.stdout.splitlines()[0]
    assert first_line.startswith("investigation ")
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["investigation_id"] == first_line.split()[1]
    assert report["root_cause"]["service"] == "inventory"
    assert report["root_cause"]["pinpoint"]["ref"] == "deploy-7790"
    assert len(report["root_cause"]["evidence_ids"]) >= 3
    markdown = (tmp_path / "out" / "report.md").read_text()
    assert "deploy-7790" in markdown and report["root_cause"]["evidence_ids"][0] in markdown
    assert (tmp_path / ".production-master" / "checkpoints.sqlite").exists()


def test_resume_approves_the_proposed_rollback(tmp_path: Path) -> None:
    first = pm("investigate", "--alert", "checkout p95 latency above 2s", "--out", "a", "-q", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    thread = first.stdout.splitlines()[0].split()[1]
    assert "--resume" in first.stdout
    second = pm("investigate", "--resume", thread, "--approve", "--out", "b", "-q", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    report = json.loads((tmp_path / "b" / "report.json").read_text())
    assert report["investigation_id"] == thread
    assert report["actions"][0]["status"] == "approved"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["investigate", "--bogus"], "--bogus"),
        (["investigate", "--alert", "x", "--since", "yesterday", "--until", "2026-01-01T00:00:00Z"], "--since"),
        (["investigate", "--alert", "x", "--since", "2026-01-01T00:00:00Z"], "--until"),
        (["investigate", "--alert", "x", "--world", "atlantis"], "atlantis"),
        (["investigate", "--resume", "no-such-thread"], "no-such-thread"),
        (["investigate"], "--alert"),
        (["investigate", "--alert", "x", "--world-option", "novalue"], "key=value"),
    ],
)
def test_user_mistakes_exit_2_with_one_line(tmp_path: Path, args: list[str], needle: str) -> None:
    result = pm(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], result.stderr


@pytest.mark.parametrize("command", [[], ["investigate"], ["schemas"], ["world", "validate"], ["mcp", "serve"]])
def test_every_command_explains_itself(tmp_path: Path, command: list[str]) -> None:
    result = pm(*command, "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "Usage" in result.stdout and len(result.stdout.splitlines()) > 4


def test_checked_in_schemas_are_current(tmp_path: Path) -> None:
    result = pm("schemas", "--out", str(tmp_path), cwd=REPO)
    assert result.returncode == 0, result.stderr
    for name in PUBLIC_SCHEMAS:
        fresh = (tmp_path / f"{name}.schema.json").read_text()
        checked_in = (REPO / "contracts" / f"{name}.schema.json").read_text()
        assert fresh == checked_in, f"contracts/{name}.schema.json is stale: run `make schemas`"
