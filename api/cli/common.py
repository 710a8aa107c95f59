"""CLI helpers: user mistakes exit 2 with one line; times and options are parsed with messages that name the flag."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import typer
from rich.console import Console

# a pipe or a CI log gets 140 columns rather than rich's 80, so summaries and paths stay on one line
console = Console(highlight=False, width=None if sys.stdout.isatty() else 140)
err_console = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 140)


class UserError(Exception):
    """A mistake the user can fix: printed as one line, exit code 2."""


def fail(message: str) -> typer.Exit:
    err_console.print(f"error: {message}", markup=False, soft_wrap=True)
    return typer.Exit(code=2)


def parse_time(value: str | None, flag: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f"{flag} {value!r} is not an ISO 8601 time such as 2026-11-20T10:41:00Z") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def parse_options(pairs: list[str], flag: str) -> dict[str, str]:
    from tools.servers.internal import parse_options as parse_pairs  # the servers' own parser, loaded when used

    try:
        return parse_pairs(pairs, label=flag)
    except ValueError as error:
        raise UserError(str(error)) from None
