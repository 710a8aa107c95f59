"""Peak memory of this process and of the MCP servers it started, for evaluation summaries."""

from __future__ import annotations

import os
import resource
from pathlib import Path


def _vm_hwm_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def peak_memory_mb() -> dict[str, float]:
    """Peak resident memory (MB) of this process, and the largest peak among its live child processes."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = [_vm_hwm_mb(pid) for pid in _children(os.getpid())]
    return {"peak_rss_mb": round(own, 1), "peak_children_rss_mb": round(max(children, default=0.0), 1)}
