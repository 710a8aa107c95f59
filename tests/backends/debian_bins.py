"""Debian binaries these tests need: a clear skip outside CI, a failure under CI."""

from __future__ import annotations

import os
import shutil

import pytest


def require(binary: str, package: str) -> None:
    """Outside CI a missing Debian package skips with the command that installs it; under CI (`CI` set) it fails."""
    if shutil.which(binary) or os.environ.get("PM_PROMETHEUS_BIN"):
        return
    message = f"{binary} not found: apt-get install -y {package} (scripts/ensure-debian-packages.sh does it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)
