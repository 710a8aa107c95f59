"""Audit, bundles, replay and postmortem rendering on the command line."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from api.cli.common import UserError, console
from graphs.contracts import InvestigationRequest, Report
from graphs.settings import Settings

audit_app = typer.Typer(help="The immutable audit trail: verify it, explain a claim.", no_args_is_help=True)
bundle_app = typer.Typer(help="Replay bundles: everything an investigation saw, in one file.", no_args_is_help=True)

Investigation = Annotated[str, typer.Argument(help="The investigation (thread) id.")]


@audit_app.command("verify")
def verify(investigation: Investigation) -> None:
    """Check the hash chain: any edit, insertion or deletion is found and named."""
    from memory.audit.commands import audit_verify

    ok, message = audit_verify(Settings().home, investigation)
    console.print(message, markup=False)
    raise typer.Exit(0 if ok else 1)


@audit_app.command("explain")
def explain(
    investigation: Investigation,
    claim: Annotated[int | None, typer.Option("--claim", help="Claim number; leave out to list the claims.")] = None,
) -> None:
    """From a claim of the report to its evidence, the tool call, and the raw response."""
    from memory.audit import AuditError
    from memory.audit.commands import audit_explain

    try:
        console.print(audit_explain(Settings().home, investigation, claim), markup=False)
    except AuditError as exc:
        raise UserError(str(exc)) from None


async def _thread_state(settings: Settings, investigation: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The latest values and the checkpoint history of a thread, from the configured checkpointer."""
    from graphs.runner import open_session

    async with open_session(settings) as session:
        config = session.config(investigation)
        snapshot = await session.graph.aget_state(config)
        if not snapshot.values:
            raise UserError(f"no investigation {investigation} in the {settings.checkpointer} checkpointer")
        history = [
            {
                "checkpoint_id": s.config["configurable"].get("checkpoint_id"),
                "next": list(s.next),
                "created_at": s.created_at,
                "values": s.values,
            }
            async for s in session.graph.aget_state_history(config)
        ]
    return snapshot.values, history


async def _served_state(url: str, api_key: str, investigation: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The latest values and the checkpoint history of a served thread, through the LangGraph API."""
    import httpx
    from langgraph_sdk import get_client
    from langgraph_sdk.errors import APIConnectionError, APIStatusError

    client = get_client(url=url, api_key=api_key)
    try:
        state = await client.threads.get_state(investigation)
        states = await client.threads.get_history(investigation, limit=1000)
    except APIStatusError as error:
        status = getattr(error, "status_code", None) or getattr(getattr(error, "response", None), "status_code", "?")
        raise UserError(f"{url}: investigation {investigation} answered {status}") from None
    except (httpx.TransportError, APIConnectionError) as error:
        raise UserError(f"cannot reach {url}: {type(error).__name__}") from None
    if not state.get("values"):
        raise UserError(f"no investigation {investigation} on {url}")
    history = [
        {
            "checkpoint_id": (s.get("checkpoint") or {}).get("checkpoint_id"),
            "next": list(s.get("next") or []),
            "created_at": s.get("created_at"),
            "values": s.get("values"),
        }
        for s in states
    ]
    return state["values"], history


def public_config(settings: Settings) -> dict[str, Any]:
    """The effective settings without anything secret (the redactor runs over them again on export)."""
    return settings.model_dump(mode="json", exclude={"config_file"})


@bundle_app.command("export")
def bundle_export(
    investigation: Investigation,
    out: Annotated[Path, typer.Option("-o", "--out", help="The .tar.gz to write.")],
    server: Annotated[
        str | None,
        typer.Option("--server", help="A served investigation: the server's URL (audit read from PM_HOME / --home)."),
    ] = None,
    api_key: Annotated[
        str | None, typer.Option("--api-key", envvar="PM_API_KEY", help="With --server: the tenant's API key.")
    ] = None,
) -> None:
    """Write request, config, every tool response, checkpoints, report and audit log to one file."""
    from memory.audit.bundle import export_bundle

    settings = Settings()
    if server is not None and not api_key:
        raise UserError("--server needs --api-key (or PM_API_KEY): the tenant's key")
    state = _served_state(server, api_key or "", investigation) if server else _thread_state(settings, investigation)
    values, history = asyncio.run(state)
    manifest = export_bundle(
        settings.home,
        investigation,
        out,
        config=public_config(settings),
        report=values.get("report"),
        checkpoints=history,
    )
    console.print(
        f"wrote {out}: {manifest.events} audit events, {manifest.tool_responses} tool responses, "
        f"{len(history)} checkpoints"
    )


def replay(
    bundle: Annotated[Path, typer.Argument(help="A bundle written by `bundle export`.")],
    config: Annotated[Path | None, typer.Option("--config", help="Re-run under this settings YAML.")] = None,
) -> None:
    """Re-run the graph on the bundle's recorded answers; print what changed (exit 1 if the verdict did)."""
    from memory.audit import AuditError
    from memory.audit.bundle import load_bundle

    if not bundle.exists():
        raise UserError(f"{bundle} does not exist")
    try:
        loaded = load_bundle(bundle)
    except AuditError as exc:
        raise UserError(str(exc)) from None
    if loaded.request is None or loaded.report is None:
        raise UserError(f"{bundle} holds no request or no report to compare with")
    chain = loaded.verify()
    if not chain.ok:
        console.print(f"warning: the bundle's audit chain is broken: {chain.reason}")
    changed = asyncio.run(replay_bundle(bundle, loaded.request, loaded.config, loaded.report, config))
    for line in changed or ["same verdict: root cause, fault type, pinpoint, status and ranking"]:
        console.print(line, markup=False)
    raise typer.Exit(1 if changed and config is None else 0)


async def replay_bundle(
    bundle: Path, request: dict[str, Any], config: dict[str, Any], before: dict[str, Any], new_config: Path | None
) -> list[str]:
    """Run the recorded request against the replay world; the differences from the recorded report."""
    from graphs.runner import open_session

    keep = {k: v for k, v in config.items() if k in Settings.model_fields and not _redacted(v)}
    with tempfile.TemporaryDirectory() as home:
        overrides = {
            "world": "replay",
            "world_options": {"bundle": str(bundle.resolve())},
            "checkpointer": "memory",
            "approvals": "skip",
            "home": home,
            "audit": "off",
            "routing_table": None,
            "mcp_servers_file": None,
        }
        try:
            changed = yaml.safe_load(new_config.read_text()) or {} if new_config else {}
            settings = Settings(**{**keep, **changed, **overrides})
        except (OSError, ValueError, yaml.YAMLError) as exc:
            raise UserError(f"--config {new_config}: {str(exc).splitlines()[0]}") from None
        async with open_session(settings) as session:
            outcome = await session.run(InvestigationRequest.model_validate(request))
    if outcome.report is None:
        return ["the replay produced no report"]
    return compare_reports(Report.model_validate(before), outcome.report)


def _redacted(value: Any) -> bool:
    return isinstance(value, str) and "REDACTED" in value


def compare_reports(before: Report, after: Report) -> list[str]:
    """What a reviewer of a policy change wants to see: the verdict's fields that moved."""

    def verdict(r: Report) -> dict[str, Any]:
        rc = r.root_cause
        return {
            "root cause": rc.service if rc else None,
            "fault type": rc.fault_type.value if rc else None,
            "pinpoint": f"{rc.pinpoint.kind}:{rc.pinpoint.ref}" if rc else None,
            "status": r.status.value,
            "confidence": round(r.confidence, 3),
            "top 3": [x.service for x in r.ranking[:3]],
        }

    old, new = verdict(before), verdict(after)
    return [f"{key}: {old[key]} -> {new[key]}" for key in old if old[key] != new[key]]


def report(
    investigation: Investigation,
    format: Annotated[str, typer.Option("--format", help="md | html | json.")] = "md",
    out: Annotated[Path | None, typer.Option("-o", "--out", help="File to write; stdout when left out.")] = None,
) -> None:
    """Render the postmortem of an investigation (HTML shows the timeline and the anomalous metrics)."""
    from api.render import render_markdown
    from api.render_html import render_html

    if format not in ("md", "html", "json"):
        raise UserError(f"--format {format!r}: use md, html or json")
    values, _ = asyncio.run(_thread_state(Settings(), investigation))
    if not values.get("report"):
        raise UserError(f"investigation {investigation} has no report yet")
    parsed = Report.model_validate(values["report"])
    text = {
        "md": lambda: render_markdown(parsed),
        "html": lambda: render_html(parsed),
        "json": lambda: json.dumps(parsed.model_dump(mode="json"), indent=2) + "\n",
    }[format]()
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text)
        console.print(f"wrote {out}")
