"""Our internal MCP server: serves a world's data through the interface contracts (FastMCP, stdio or HTTP)."""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from collections.abc import Callable

from mcp.server.fastmcp import FastMCP
from pydantic import ValidationError

from tools.interfaces import INTERFACES, Operation, OpInput, OpOutput, get_interface
from tools.worlds.base import World, load_world, world_operation


def build_server(world: World, interfaces: list[str], *, host: str = "127.0.0.1", port: int = 8000) -> FastMCP:
    """A FastMCP server exposing, for each interface, the operations the world implements."""
    server = FastMCP(f"production-master-{world.name}", host=host, port=port, log_level="WARNING")
    for name in interfaces:
        for op in get_interface(name).operations.values():
            impl = world_operation(world, op.name)
            if impl is not None:
                server.add_tool(
                    _tool_function(op, impl),
                    name=op.name,
                    description=f"[{name}] {op.description or op.name}",
                    structured_output=False,
                )
    return server


def _tool_function(op: Operation, impl: Callable[[OpInput], OpOutput]) -> Callable[..., str]:
    """A function whose signature is the operation's input model, so clients see a flat, typed schema."""

    def tool(**kwargs: object) -> str:
        try:
            query = op.input(**kwargs)
        except ValidationError as exc:
            raise ValueError(f"invalid arguments for {op.name}: {exc.errors(include_url=False)}") from None
        result = impl(query)
        return json.dumps(result.model_dump(mode="json"), separators=(",", ":"))

    fields = op.input.model_fields
    tool.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(
                field_name,
                inspect.Parameter.KEYWORD_ONLY,
                default=inspect.Parameter.empty
                if field.is_required()
                else field.get_default(call_default_factory=True),
                annotation=field.annotation,
            )
            for field_name, field in fields.items()
        ],
        return_annotation=str,
    )
    tool.__annotations__ = {n: f.annotation for n, f in fields.items()} | {"return": str}
    tool.__name__ = op.name
    return tool


def parse_options(pairs: list[str], label: str = "world option") -> dict[str, str]:
    """`key=value` pairs as a dict; a ValueError names the first malformed one (after `label`)."""
    options: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"{label} {pair!r} must look like key=value")
        options[key] = value
    return options


def resolve_interfaces(spec: str) -> list[str]:
    if spec == "all":
        return list(INTERFACES)
    names = [part.strip() for part in spec.split(",") if part.strip()]
    for name in names:
        get_interface(name)
    return names


def serve(world_name: str, interface_spec: str, options: dict[str, str], transport: str, port: int, host: str) -> None:
    world = load_world(world_name, options)
    server = build_server(world, resolve_interfaces(interface_spec), host=host, port=port)
    server.run(transport=transport)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> None:
    """Entry point used by the gateway to spawn the internal server over stdio."""
    parser = argparse.ArgumentParser(prog="python -m tools.servers.internal")
    parser.add_argument("--world", required=True)
    parser.add_argument("--interface", default="all")
    parser.add_argument("--option", action="append", default=[])
    parser.add_argument("--transport", default="stdio", choices=["stdio", "streamable-http", "sse"])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    try:
        serve(args.world, args.interface, parse_options(args.option), args.transport, args.port, args.host)
    except (ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
