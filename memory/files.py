"""Replacing a file whole: readers see the old content or the new, never a half-written one."""

from __future__ import annotations

import os
import uuid
from pathlib import Path


def replace_atomically(path: Path, data: bytes, *, fsync: bool = False) -> None:
    """Write `data` to `path` through a scratch file of this writer's own, renamed over it (atomic on POSIX).

    Each writer gets its own scratch file, so two writers of one path (two processes on one home, two branches
    of one process) never write into or rename away each other's half-written copy: the last complete one wins.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f"{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    try:
        scratch.write_bytes(data)
        if fsync:
            with scratch.open("rb") as handle:
                os.fsync(handle.fileno())
        os.replace(scratch, path)
    finally:
        scratch.unlink(missing_ok=True)
