"""`production-master providers`: the effective routing table with health probes, and parity between providers."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from graphs.settings import Settings

providers_app = typer.Typer(help="Providers behind each interface: routing, health, parity.", no_args_is_help=False)
console = Console()


@providers_app.callback(invoke_without_command=True)
def show(
    ctx: typer.Context,
    env: Annotated[str | None, typer.Option("--env", help="Environment overlay")] = None,
    tenant: Annotated[str | None, typer.Option("--tenant", help="Tenant overlay")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    probe: Annotated[bool, typer.Option("--probe/--no-probe", help="Probe each provider's health")] = True,
) -> None:
    """Print the effective routing table and probe each provider."""
    if ctx.invoked_subcommand is not None:
        return
    from tools.gateway.cli_support import effective_table

    try:
        rows = effective_table(Settings(), env, tenant, probe_health=probe)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("interface", "provider", "mode", "adapter", "fallback", "timeout", "parity", "health")
    for row in rows:
        health = ", ".join(
            f"{name}: {'ok' if h['healthy'] else 'DOWN'}"
            + (f" (missing {h['missing_tools']})" if h["missing_tools"] else "")
            for name, h in row["health"].items()
        )
        table.add_row(
            row["interface"], row["provider"], row["mode"], row["adapter"] or "-", row["fallback"] or "-",
            f"{row['timeout_s']:g}s", row["parity"], health or "-",
        )  # fmt: skip
    console.print(table)


@providers_app.command("parity")
def parity_command(
    interface: Annotated[str, typer.Option("--interface", help="Interface to compare")],
    a: Annotated[str, typer.Option("--a", help="First provider")],
    b: Annotated[str, typer.Option("--b", help="Second provider")],
    world: Annotated[str, typer.Option("--world", help="World both providers serve")] = "demo",
    operation: Annotated[
        list[str] | None, typer.Option("--operation", help="Compare only these operations (repeatable)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Run the same read-only operations against two providers on one world and report the differences."""
    from tools.gateway.cli_support import parity

    try:
        report = parity(Settings(), interface, a, b, world, operations=operation or None)
    except (ValueError, KeyError) as exc:
        console.print(f"[red]error:[/red] {str(exc).strip(chr(34))}")
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        table = Table("operation", "args", a, b, "equal", "difference")
        for case in report.cases:
            args = json.dumps({k: v for k, v in case.args.items() if k not in ("start", "end")})
            table.add_row(
                case.operation, args, f"{case.status_a} ({case.count_a})", f"{case.status_b} ({case.count_b})",
                "yes" if case.equal else "[red]no[/red]", case.detail,
            )  # fmt: skip
        console.print(table)
        if report.ignored_fields:
            console.print(f"fields a vendor cannot carry (ignored): {report.ignored_fields}")
        console.print("parity: " + ("[green]passing[/green]" if report.passed else "[red]failing[/red]"))
    raise typer.Exit(0 if report.passed else 1)
