"""Start `langgraph dev` on a free loopback port for a test, and stop it afterwards."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from processes import stop_process, wait_until_ok

REPO = Path(__file__).resolve().parents[2]


@contextmanager
def langgraph_dev(port: int, log: Path, env: dict[str, str]) -> Iterator[str]:
    """`langgraph dev` serving this repo's langgraph.json with `env` on top of ours; yields its URL once it answers."""
    full_env = {
        **os.environ,
        "LANGSMITH_TRACING": "false",
        "LANGGRAPH_CLI_NO_ANALYTICS": "1",
        "LANGGRAPH_NO_VERSION_CHECK": "true",
        **env,
    }
    full_env.pop("LANGGRAPH_ALLOW_BLOCKING", None)  # the blocking-I/O guard stays on, as for a user
    langgraph = Path(sys.executable).with_name("langgraph")
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(langgraph), "dev", "--no-browser", "--no-reload", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        if not wait_until_ok(f"{url}/ok", proc, 120):
            what = "exited" if proc.poll() is not None else "did not answer"
            pytest.fail(f"langgraph dev {what}: {log.read_text()[-2000:]}")
        yield url
    finally:
        stop_process(proc, 20)
