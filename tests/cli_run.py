"""`production-master` as a user runs it from a shell: a subprocess in a folder, output captured, tracing off."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def pm(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    """Run the CLI with `args` in `cwd`; `env` adds to (or overrides) this process's environment."""
    return subprocess.run(
        [sys.executable, "-m", "api.cli.main", *args],
        cwd=cwd,
        env={**os.environ, "LANGSMITH_TRACING": "false", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def investigate_to_files(cwd: Path, *args: str) -> tuple[dict, str, str]:
    """`investigate ... -q --out out` (memory checkpointer) must succeed: report.json, report.md and what it printed."""
    out = cwd / "out"
    result = pm("investigate", "--checkpointer", "memory", "-q", "--out", str(out), *args, cwd=cwd, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads((out / "report.json").read_text()), (out / "report.md").read_text(), result.stdout
