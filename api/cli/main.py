"""The `production-master` command line."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from api.cli.common import UserError, console, err_console, fail, parse_options, parse_time
from graphs.contracts import PUBLIC_SCHEMAS, InvestigationRequest, RequestKind, TimeWindow
from graphs.settings import Settings

try:  # typer >= 0.20 vendors click; older releases use click itself
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover
    from click import exceptions as click_errors  # type: ignore[no-redef]

app = typer.Typer(
    name="production-master",
    help="Investigate production incidents: plan, collect evidence through MCP, verify, report a root cause.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
world_app = typer.Typer(help="Worlds: the data sources our internal MCP servers serve.", no_args_is_help=True)
mcp_app = typer.Typer(help="Our internal MCP servers, for this product or any MCP client.", no_args_is_help=True)
app.add_typer(world_app, name="world")
app.add_typer(mcp_app, name="mcp")


def build_settings(**overrides: Any) -> Settings:
    """Settings from PM_* env and the optional YAML file, with command-line flags on top."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise UserError(f"setting {'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None


@app.command()
def investigate(
    alert: Annotated[str | None, typer.Option("--alert", help="The alert text or question.")] = None,
    ticket: Annotated[str | None, typer.Option("--ticket", help="A ticket key to investigate.")] = None,
    world: Annotated[str | None, typer.Option("--world", help="World the internal MCP servers serve.")] = None,
    world_option: Annotated[list[str], typer.Option("--world-option", help="World option key=value.")] = [],  # noqa: B006
    service: Annotated[list[str], typer.Option("--service", help="A service you suspect (repeatable).")] = [],  # noqa: B006
    since: Annotated[str | None, typer.Option("--since", help="Window start, ISO 8601.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Window end, ISO 8601.")] = None,
    at: Annotated[str | None, typer.Option("--at", help="When the alert fired, ISO 8601 (default: now).")] = None,
    out: Annotated[Path, typer.Option("--out", help="Directory for report.md and report.json.")] = Path("out"),
    resume: Annotated[str | None, typer.Option("--resume", help="Continue an interrupted investigation.")] = None,
    approve: Annotated[bool, typer.Option("--approve", help="With --resume: approve the proposed actions.")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="With --resume: reject the proposed actions.")] = False,
    checkpointer: Annotated[str | None, typer.Option("--checkpointer", help="sqlite | redis | memory.")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="YAML settings file.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the summary.")] = False,
    tier: Annotated[str | None, typer.Option("--tier", help="Model tier to start at: fast | balanced | deep.")] = None,
    budget_usd: Annotated[float | None, typer.Option("--budget-usd", help="Model spend allowed (USD).")] = None,
) -> None:
    """Run one investigation and write DIR/report.md and DIR/report.json."""
    settings = build_settings(
        config_file=config,
        world=world,
        world_options=parse_options(world_option, "--world-option") or None,
        checkpointer=checkpointer,
        tier=tier,
        budget_usd=budget_usd,
    )
    from agents.router import unavailable_tiers

    for line in unavailable_tiers(settings):
        console.print(f"{line}; going on without it", markup=False)
    if resume is None and not (alert or ticket):
        raise UserError("give --alert TEXT or --ticket KEY (or --resume THREAD_ID)")
    if approve and reject:
        raise UserError("--approve and --reject exclude each other")
    request = None if resume else _request(settings, alert, ticket, service, since, until, at)
    answer = {"approved": True, "by": "cli"} if approve else {"rejected_all": True, "reject_all": True, "by": "cli"}
    from api.cli.investigate import run_cli_investigation

    code = asyncio.run(
        run_cli_investigation(
            settings,
            request,
            out=out,
            thread_id=resume,
            resume_answer=answer if (approve or reject) else None,
            quiet=quiet,
        )
    )
    raise typer.Exit(code)


def _request(
    settings: Settings,
    alert: str | None,
    ticket: str | None,
    services: list[str],
    since: str | None,
    until: str | None,
    at: str | None,
) -> InvestigationRequest:
    start, end, fired = parse_time(since, "--since"), parse_time(until, "--until"), parse_time(at, "--at")
    if (start is None) != (end is None):
        raise UserError("--since and --until go together")
    if fired is None and start is None:
        fired = _world_now(settings)
    try:
        return InvestigationRequest(
            kind=RequestKind.ticket if ticket and not alert else RequestKind.alert,
            text=alert or f"ticket {ticket}",
            ticket_key=ticket,
            services=services,
            window=TimeWindow(start=start, end=end) if start and end else None,
            at=fired,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise UserError(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None


def _world_now(settings: Settings) -> Any:
    """A recorded world has its own present (when its alert fired); a live one uses the wall clock."""
    from tools.worlds.base import load_world

    try:
        now = load_world(settings.world, settings.world_options).describe().get("now")
    except (ValueError, OSError) as exc:
        raise UserError(str(exc)) from None
    return parse_time(now, "world clock") if now else None


@app.command()
def schemas(
    out: Annotated[Path, typer.Option("--out", help="Directory for the JSON Schemas.")] = Path("contracts"),
) -> None:
    """Export the JSON Schemas of the public contracts (request, evidence, report)."""
    out.mkdir(parents=True, exist_ok=True)
    for name, model in PUBLIC_SCHEMAS.items():
        path = out / f"{name}.schema.json"
        path.write_text(json.dumps(model.model_json_schema(), indent=2, sort_keys=True) + "\n")
        console.print(f"wrote {path}")


@world_app.command("validate")
def world_validate(
    path: Annotated[Path, typer.Argument(help="A scenario world directory.")],
    strict: Annotated[bool, typer.Option("--strict", help="Warnings count as errors.")] = False,
) -> None:
    """Check a scenario world directory against the schema; exit 2 with one line per problem (warnings too)."""
    from tools.worlds.scenarios.validate import check_world_dir

    if not path.exists():
        raise UserError(f"{path} does not exist")
    found = check_world_dir(path)
    for problem in found.errors:
        err_console.print(problem, markup=False, soft_wrap=True)
    for warning in found.warnings:
        err_console.print(f"warning: {warning}", markup=False, soft_wrap=True)
    if found.errors or (strict and found.warnings):
        raise typer.Exit(2)
    suffix = f" ({len(found.warnings)} warnings)" if found.warnings else ""
    console.print(f"{path}: valid{suffix}")


@world_app.command("list")
def world_list() -> None:
    """The worlds this installation can serve."""
    from tools.worlds.base import world_names

    for name in world_names():
        console.print(name)


@mcp_app.command("serve")
def mcp_serve(
    interface: Annotated[str, typer.Option("--interface", help="Interface name, a comma list, or 'all'.")] = "all",
    world: Annotated[str, typer.Option("--world", help="World to serve.")] = "demo",
    world_option: Annotated[list[str], typer.Option("--world-option", help="World option key=value.")] = [],  # noqa: B006
    transport: Annotated[str, typer.Option("--transport", help="stdio | streamable-http.")] = "stdio",
    port: Annotated[int, typer.Option("--port", help="Port for streamable-http.")] = 8000,
    host: Annotated[str, typer.Option("--host", help="Bind address for streamable-http.")] = "127.0.0.1",
) -> None:
    """Serve a world through our internal MCP server (Claude Code, Cursor or any MCP client can use it)."""
    from tools.servers.internal import resolve_interfaces, serve

    if transport not in ("stdio", "streamable-http"):
        raise UserError(f"--transport {transport!r}: use stdio or streamable-http")
    try:
        resolve_interfaces(interface)
    except KeyError as exc:
        raise UserError(str(exc.args[0])) from None
    serve(world, interface, parse_options(world_option, "--world-option"), transport, port, host)


def _mount_optional() -> None:
    """Sub-commands that live beside their rooms; each is optional so a partial install still starts."""
    import importlib

    for module, attr, name in (
        ("api.cli.evals", "eval_app", "eval"),
        ("api.cli.audit", "audit_app", "audit"),
        ("api.cli.audit", "bundle_app", "bundle"),
        ("api.cli.providers", "providers_app", "providers"),
        ("api.cli.tenants", "tenants_app", "tenants"),
        ("api.cli.memory", "memory_app", None),
        ("api.cli.serving", "serving_app", None),
    ):
        try:
            sub = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError):
            continue
        if name is None:
            for command in sub.registered_commands:
                app.registered_commands.append(command)
        else:
            app.add_typer(sub, name=name)


_mount_optional()


def _mount_commands() -> None:
    from api.cli.audit import replay, report

    app.command("replay")(replay)
    app.command("report")(report)


_mount_commands()


def main() -> None:
    """Console entry: usage mistakes become one line and exit code 2, never a traceback."""
    try:
        code = app(standalone_mode=False)
    except UserError as exc:
        raise SystemExit(fail(str(exc)).exit_code) from None
    except click_errors.NoArgsIsHelpError:
        raise SystemExit(0) from None
    except click_errors.UsageError as exc:
        raise SystemExit(fail(exc.format_message()).exit_code) from None
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except typer.Abort:
        err_console.print("aborted")
        raise SystemExit(130) from None
    except KeyboardInterrupt:
        err_console.print("interrupted; continue with --resume")
        raise SystemExit(130) from None
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
