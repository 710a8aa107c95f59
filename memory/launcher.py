"""What the throwaway loopback servers (Redis, PostgreSQL) share: a free port and their start/stop command line."""

from __future__ import annotations

import argparse
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Protocol


class _HasUrl(Protocol):
    @property
    def url(self) -> str: ...


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_stop_main(
    argv: list[str] | None,
    *,
    prog: str,
    description: str,
    noun: str,
    dir_help: str,
    start: Callable[[Path, int | None], _HasUrl],
    stop: Callable[[Path], bool],
    error: type[Exception],
    none_running: str,
) -> int:
    """`prog start --dir D [--port P]` prints the URL; `prog stop --dir D` stops what `start` left running there."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    sub = parser.add_subparsers(dest="command", required=True)
    start_cmd = sub.add_parser("start", help=f"start a {noun} and print its URL")
    start_cmd.add_argument("--dir", type=Path, required=True, help=dir_help)
    start_cmd.add_argument("--port", type=int, default=None, help="a free port when omitted")
    stop_cmd = sub.add_parser("stop", help=f"stop the {noun} started with the same --dir")
    stop_cmd.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "start":
            print(start(args.dir, args.port).url)
        elif not stop(args.dir):
            print(f"{none_running} in {args.dir}", file=sys.stderr)
    except error as failure:
        print(f"error: {failure}", file=sys.stderr)
        return 1
    return 0


__all__ = ["free_port", "start_stop_main"]
