"""Run a stand-in vendor MCP server over stdio or streamable HTTP on 127.0.0.1."""

from __future__ import annotations

import argparse
import sys

from tools.servers.internal import parse_options
from tools.servers.standins import FaultPlan, build_vendor_server, vendor_names
from tools.worlds.base import load_world


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.servers.standins")
    parser.add_argument("--vendor", required=True, help=f"one of: {', '.join(vendor_names())}")
    parser.add_argument("--world", default="demo")
    parser.add_argument("--option", action="append", default=[])
    parser.add_argument("--fault", choices=["hang", "flaky", "malformed", "die"])
    parser.add_argument("--fault-after", type=int, default=0, help="good calls before the fault starts")
    parser.add_argument("--transport", default="stdio", choices=["stdio", "streamable-http"])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    try:
        world = load_world(args.world, parse_options(args.option))
        fault = FaultPlan(mode=args.fault, after=args.fault_after) if args.fault else None
        server = build_vendor_server(args.vendor, world, fault=fault, host=args.host, port=args.port)
    except (ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    server.run(transport=args.transport)


if __name__ == "__main__":
    main()
