"""Ending a server process a test started: politely first, then for certain."""

from __future__ import annotations

import subprocess


def stop_process(process: subprocess.Popen, timeout: float) -> None:
    """SIGTERM and wait up to `timeout` seconds; SIGKILL (and reap) when it has not exited by then."""
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
