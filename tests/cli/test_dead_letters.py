"""A CLI investigation that crashes every time lands in the dead-letter list; fixed, `runs redrive` finishes it.

The crash is injected by configuration, not by patching: the audit trail goes to a Redis stream on a port where
nothing listens, so the first node fails on every attempt.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from memory.redis_server import free_port

pytestmark = pytest.mark.slow


def pm(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli.main", *args],
        cwd=cwd,
        env={**os.environ, "LANGSMITH_TRACING": "false", "COLUMNS": "200", **(env or {})},
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_a_run_that_crashes_every_time_is_kept_listed_and_redriven(tmp_path: Path) -> None:
    audit_down = {"PM_AUDIT": "redis", "PM_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    alert = ("investigate", "--alert", "checkout p95 latency above 2s", "--out", "out", "-q")
    failed = pm(*alert, cwd=tmp_path, env=audit_down)
    assert failed.returncode == 1, failed.stderr
    thread = failed.stdout.splitlines()[0].split()[1]
    assert "Traceback" not in failed.stderr
    assert f"runs redrive {thread}" in failed.stdout

    again = pm("investigate", "--resume", thread, "-q", cwd=tmp_path, env=audit_down)
    assert again.returncode == 1
    listed = pm("runs", "dead-letters", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    (letter,) = json.loads(listed.stdout)
    assert letter["investigation_id"] == thread and letter["origin"] == "cli"
    assert letter["node"] == "intake" and "Connection" in letter["error"]
    assert letter["inputs"]["request"]["text"] == "checkout p95 latency above 2s"
    assert letter["failures"] == 2, "the resumed attempt failed again and was counted on the same letter"
    table = pm("runs", "dead-letters", cwd=tmp_path)
    assert thread in table.stdout and "intake" in table.stdout

    still_down = pm("runs", "redrive", thread, cwd=tmp_path, env=audit_down)
    assert still_down.returncode == 1 and "still a dead letter" in still_down.stdout
    fixed = pm("runs", "redrive", thread, cwd=tmp_path)  # the audit trail back on local files
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert fixed.stdout.startswith("re-driven: ") and "root cause inventory" in fixed.stdout
    assert pm("runs", "dead-letters", cwd=tmp_path).stdout.strip() == "no dead letters"
    assert pm("report", thread, "--format", "json", cwd=tmp_path).returncode == 0


def test_redrive_of_an_unknown_id_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = pm("runs", "redrive", "nope", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: no dead letter 'nope'") and "Traceback" not in result.stderr
    bad = pm("runs", "dead-letters", "--store", "s3", cwd=tmp_path)
    assert bad.returncode == 2 and "--store" in bad.stderr
