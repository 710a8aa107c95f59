"""Writable copies of bundled scenario worlds, and edits to their YAML, for tests that break or extend one."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from tools.worlds.scenarios.loader import DEFAULT_DIR


def bundled_copy(tmp_path: Path, name: str) -> Path:
    """A writable copy of the bundled scenario `name` under `tmp_path`."""
    target = tmp_path / name
    shutil.copytree(DEFAULT_DIR / name, target)
    return target


def edit_yaml(path: Path, change: Callable[[Any], None]) -> None:
    """Load the YAML at `path`, let `change` edit it in place, write it back (key order kept)."""
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
