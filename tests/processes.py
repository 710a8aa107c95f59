"""Server processes a test started: waiting until one answers over HTTP, and ending it politely, then for certain."""

from __future__ import annotations

import contextlib
import subprocess
import time

import httpx


def wait_until_ok(
    url: str, process: subprocess.Popen, seconds: float, *, every: float = 0.5, timeout: float = 2
) -> bool:
    """GET `url` until it answers 200 (True); False when `process` exits first or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=timeout).status_code == 200:
                return True
        time.sleep(every)
    return False


def stop_process(process: subprocess.Popen, timeout: float) -> None:
    """SIGTERM and wait up to `timeout` seconds; SIGKILL (and reap) when it has not exited by then."""
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
