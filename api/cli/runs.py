"""`production-master runs dead-letters | redrive ID`: investigations that failed for good, and running them again."""

from __future__ import annotations

import asyncio
import json
import os
from typing import Annotated, Any

import typer

from api.cli.common import UserError, console
from graphs.settings import Settings
from memory.deadletters import DeadLetter, DeadLetterStore, letter_json, open_dead_letters

runs_app = typer.Typer(help="Runs that failed for good: the dead-letter list and re-driving.", no_args_is_help=True)
StoreOption = Annotated[str | None, typer.Option("--store", help="local (SQLite under PM_HOME) | redis (served).")]
ConfigOption = Annotated[str | None, typer.Option("--config", help="YAML settings file.")]


def _settings(store: str | None, config: str | None) -> Settings:
    from api.cli.main import build_settings

    if store not in (None, "local", "redis"):
        raise UserError(f"--store {store!r}: use local or redis")
    return build_settings(config_file=config, dead_letters=store)


def _store(settings: Settings) -> DeadLetterStore:
    return open_dead_letters(settings.dead_letters, home=settings.home, redis_url=settings.redis_url)


def _reach[T](settings: Settings, coro: Any) -> T:
    try:
        return asyncio.run(coro)
    except OSError as error:
        raise UserError(f"cannot reach the dead-letter store ({settings.dead_letters}): {error}") from None
    except Exception as error:  # redis.ConnectionError does not subclass OSError
        if type(error).__module__.startswith("redis"):
            raise UserError(f"cannot reach Redis at {settings.redis_url}: {error}") from None
        raise


async def _audit_events(settings: Settings, investigation_id: str) -> list[dict[str, Any]]:
    """The investigation's audit trail as far as it got (type, actor, time); empty when auditing is off."""
    from graphs.instrument import open_audit_log

    log = open_audit_log(settings)
    if log is None:
        return []
    try:
        events = await log.read(investigation_id)
    finally:
        await log.aclose()
    return [{"seq": e.seq, "type": e.type.value, "actor": e.actor, "at": e.at.isoformat()} for e in events]


@runs_app.command("dead-letters")
def dead_letters(
    store: StoreOption = None,
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Every letter in full, with its audit trail.")] = False,
) -> None:
    """List investigations that failed for good, oldest first."""
    settings = _settings(store, config)

    async def read() -> list[tuple[DeadLetter, list[dict[str, Any]]]]:
        letters = _store(settings)
        try:
            found = await letters.list()
        finally:
            await letters.aclose()
        return [(d, await _audit_events(settings, d.investigation_id) if as_json else []) for d in found]

    found: list[tuple[DeadLetter, list[dict[str, Any]]]] = _reach(settings, read())
    if as_json:
        print(json.dumps([letter_json(d) | {"audit": audit} for d, audit in found], indent=2))
        return
    if not found:
        console.print("no dead letters")
        return
    print("investigation\torigin\ttenant\tnode\tfailures\tredrives\tauto\tstatus\tlast failed\terror")
    for d, _ in found:
        when = d.last_failed_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        fields = (
            *(d.investigation_id, d.origin, d.tenant, d.node or "-", d.failures, d.redrives, d.auto_redrives),
            *(d.status, when, d.error[:100]),
        )
        print("\t".join(str(f) for f in fields).replace("\n", " "))


@runs_app.command("redrive")
def redrive(
    investigation_id: Annotated[str, typer.Argument(help="An investigation id from `runs dead-letters`.")],
    store: StoreOption = None,
    config: ConfigOption = None,
    url: Annotated[str | None, typer.Option("--url", help="Served letters: the server (default PM_API_URL).")] = None,
    api_key: Annotated[
        str | None, typer.Option("--api-key", help="Served letters: the tenant's key (default: PM_SERVICE_TOKEN).")
    ] = None,
) -> None:
    """Run a dead investigation again from its last checkpoint (served: a new run on its thread)."""
    settings = _settings(store, config)

    async def find() -> DeadLetter | None:
        letters = _store(settings)
        try:
            return await letters.get(investigation_id)
        finally:
            await letters.aclose()

    letter: DeadLetter | None = _reach(settings, find())
    if letter is None:
        raise UserError(f"no dead letter {investigation_id!r} in the {settings.dead_letters} store (runs dead-letters)")
    if letter.origin == "served":
        run_id = _reach(settings, _redrive_served(settings, letter, url, api_key))
        console.print(f"re-driven: run {run_id} on thread {investigation_id}; the letter clears when it reports")
        return
    code = asyncio.run(_redrive_local(settings, investigation_id))
    raise typer.Exit(code)


async def _redrive_local(settings: Settings, investigation_id: str) -> int:
    from graphs.runner import open_session

    async with open_session(settings) as session:
        try:
            outcome = await session.redrive(investigation_id)
        except Exception as error:
            console.print(f"failed again: {type(error).__name__}: {error}; still a dead letter", markup=False)
            return 1
    report = outcome.report
    if report is None:
        console.print("the re-driven investigation stopped before a report; it stays a dead letter")
        return 1
    rc = report.root_cause
    console.print(f"re-driven: {report.status.value}, root cause {rc.service if rc else 'none found'}", markup=False)
    return 0


async def _redrive_served(settings: Settings, letter: DeadLetter, url: str | None, api_key: str | None) -> str:
    """A new run on the letter's thread from its last checkpoint (the runtime continues where the run failed)."""
    from langgraph_sdk import get_client

    from api.auth.hook import SERVICE_TENANT_HEADER, SERVICE_TOKEN_HEADER

    base = url or os.environ.get("PM_API_URL")
    if not base:
        raise UserError("a served dead letter is re-driven through the server: give --url or set PM_API_URL")
    token = os.environ.get("PM_SERVICE_TOKEN")
    if api_key:
        client = get_client(url=base, api_key=api_key)
    elif token:
        client = get_client(url=base, headers={SERVICE_TOKEN_HEADER: token, SERVICE_TENANT_HEADER: letter.tenant})
    else:
        raise UserError("give --api-key (the tenant's key) or set PM_SERVICE_TOKEN to re-drive a served run")
    from langgraph_sdk.errors import APIStatusError

    from api.http.redrive import continue_run

    try:
        state = await client.threads.get_state(letter.investigation_id)
        run = await continue_run(client, letter, "investigation", state)
    except APIStatusError as error:
        raise UserError(f"the server refused the re-drive: {error}") from None
    letters = _store(settings)
    try:
        await letters.put(letter.model_copy(update={"redrives": letter.redrives + 1}))
    finally:
        await letters.aclose()
    return str(run["run_id"])
