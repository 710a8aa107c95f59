"""`eval nezha --metrics-backend/--logs-backend` as a user types them: a wrong value exits 2 with one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize(("flag", "value"), [("--metrics-backend", "influxdb"), ("--logs-backend", "elasticsearch")])
def test_an_unknown_backend_exits_2_naming_the_flag(tmp_path: Path, flag: str, value: str) -> None:
    args = ["eval", "nezha", "--data-dir", str(tmp_path), "--system", "trainticket", "--out", "out", flag, value]
    result = subprocess.run(
        [sys.executable, "-m", "api.cli.main", *args],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and flag in lines[0] and value in lines[0], result.stderr
