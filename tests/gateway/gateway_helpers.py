"""Test helpers: mcpServers entries for stand-ins, routing tables, HTTP stand-ins on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from processes import stop_process

from memory.launcher import free_port


def standin_entry(vendor: str, *, world: str = "demo", fault: str | None = None, after: int = 0) -> dict[str, Any]:
    args = ["-m", "tools.servers.standins", "--vendor", vendor, "--world", world]
    if fault:
        args += ["--fault", fault, "--fault-after", str(after)]
    return {"command": sys.executable, "args": args}


def write_servers(path: Path, entries: dict[str, dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"mcpServers": entries}))
    return path


def write_routing(path: Path, table: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(table))
    return path


@contextmanager
def http_standin(vendor: str, *, fault: str | None = None, after: int = 0) -> Iterator[str]:
    """A stand-in over streamable HTTP on a free 127.0.0.1 port; yields its MCP URL and stops it afterwards."""
    port = free_port()
    entry = standin_entry(vendor, fault=fault, after=after)
    proc = subprocess.Popen(
        [entry["command"], *entry["args"], "--transport", "streamable-http", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"stand-in {vendor} exited with {proc.returncode}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"stand-in {vendor} did not listen on {port}")
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        stop_process(proc, 5)
