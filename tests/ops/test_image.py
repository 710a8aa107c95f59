"""The image builds and, inside it, an investigation of the demo world prints a report (scripts/build-image.sh).

Opt-in (`-m benchmark`): a first build takes about 10 minutes on 2 cores, too long for every CI run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def can_build() -> bool:
    docker = shutil.which("docker") and subprocess.run(["docker", "info"], capture_output=True).returncode == 0
    return bool(docker) or os.geteuid() == 0  # as root the script installs buildah (and debootstrap) itself


@pytest.mark.benchmark
@pytest.mark.timeout(3600)
@pytest.mark.skipif(not can_build(), reason="needs a docker daemon, or root to install buildah")
def test_the_image_runs_an_investigation_as_a_non_root_user() -> None:
    result = subprocess.run(
        ["bash", str(REPO / "scripts" / "build-image.sh"), "production-master:smoke"],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "image production-master:smoke: smoke test passed" in result.stdout
    assert any(line.startswith("root cause") for line in result.stdout.splitlines())
