"""An investigation killed with SIGKILL during collect resumes from Redis in a new process to the same report."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from model_params import lenient_params

pytestmark = pytest.mark.slow

ALERT = "checkout p95 latency above 2s"
CLI = [sys.executable, "-c", "from api.cli.main import app; app()", "investigate"]


def cli_env(home: Path, redis_url: str, checkpointer: str = "redis") -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PM_")}
    env.update(PM_CHECKPOINTER=checkpointer, PM_REDIS_URL=redis_url, PM_HOME=str(home), PYTHONUNBUFFERED="1")
    env.update(PM_MODEL_PARAMS=str(lenient_params()))  # one pass, as before: the demo's verdict settles
    env.update(COLUMNS="200", NO_COLOR="1", TERM="dumb")
    return env


def progress_nodes(lines: list[str]) -> list[str]:
    """Node names from the CLI's progress lines ('  1.0s  collect: evidence ...')."""
    return [m.group(1) for line in lines if (m := re.match(r"\s*[\d.]+s\s+(\w+):", line))]


def killed_during_collect(home: Path, redis_url: str, out: Path) -> tuple[str, list[str]]:
    """Start an investigation and SIGKILL it (with its MCP server children) once the first collect branch is done."""
    process = subprocess.Popen(
        [*CLI, "--world", "demo", "--alert", ALERT, "--out", str(out)],
        env=cli_env(home, redis_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    thread_id = ""
    deadline = time.monotonic() + 120
    assert process.stdout is not None
    try:
        for line in process.stdout:
            lines.append(line)
            if match := re.match(r"investigation (\w+)", line):
                thread_id = match.group(1)
            if "collect:" in line:
                os.killpg(process.pid, signal.SIGKILL)
                break
            if time.monotonic() > deadline:
                break
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "".join(lines)
    assert thread_id, "".join(lines)
    return thread_id, lines


def run_to_end(args: list[str], env: dict[str, str]) -> list[str]:
    result = subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.splitlines()


def audit_counts(home: Path) -> Counter[str]:
    """Audit events by type: nodes write them while they run, so a re-run node shows up twice."""
    (trail,) = (home / "audit").glob("*.jsonl")
    return Counter(json.loads(line)["type"] for line in trail.read_text().splitlines() if line.strip())


def report_essentials(out: Path) -> dict:
    report = json.loads((out / "report.json").read_text())
    return {
        "status": report["status"],
        "root_cause": report["root_cause"],
        "ranking": report["ranking"],
        "evidence": sorted(e["id"] for e in report["evidence"]),
        "confidence": report["confidence"],
    }


def test_killed_investigation_resumes_from_redis_to_the_same_report(redis_url: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    thread_id, first = killed_during_collect(home, redis_url, tmp_path / "killed")
    assert progress_nodes(first) == ["intake", "planner", "collect"]
    assert not (tmp_path / "killed" / "report.json").exists()

    resumed = run_to_end(["--resume", thread_id, "--out", str(tmp_path / "resumed")], cli_env(home, redis_url))
    resumed_nodes = progress_nodes(resumed)
    assert "intake" not in resumed_nodes  # finished before the kill: not run again
    assert "planner" not in resumed_nodes
    assert resumed_nodes.count("reporter") == 1

    reference_home = tmp_path / "reference-home"
    run_to_end(
        ["--world", "demo", "--alert", ALERT, "--out", str(tmp_path / "reference")],
        cli_env(reference_home, redis_url, checkpointer="memory"),
    )
    assert report_essentials(tmp_path / "resumed") == report_essentials(tmp_path / "reference")
    # both processes together ran every node as often as one uninterrupted run: the collect branch that finished
    # before the kill did not collect again, the report was published once. Only tool calls of the branches that
    # were in flight at the kill repeat (those branches restart from their beginning).
    crashed, uninterrupted = audit_counts(home), audit_counts(reference_home)
    tool_calls, reference_tool_calls = crashed.pop("tool_call"), uninterrupted.pop("tool_call")
    assert crashed == uninterrupted
    assert tool_calls >= reference_tool_calls
    assert crashed["report_published"] == 1
    assert crashed["request_received"] == 1
