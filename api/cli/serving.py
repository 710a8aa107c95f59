"""`production-master serve`: the whole server (runtime, our routes, Slack) locally, bound to 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import UserError

serving_app = typer.Typer()


@serving_app.command("serve")
def serve_command(
    host: Annotated[
        str, typer.Option("--host", help="Interface to bind; 0.0.0.0 only behind a firewall.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port of the first instance; the next take port+1...")] = 2026,
    instances: Annotated[int, typer.Option("--instances", min=1, max=16, help="Aegra instances (workers).")] = 1,
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="PostgreSQL; a local one if unset.")
    ] = None,
    redis_url: Annotated[str | None, typer.Option("--redis-url", help="Redis; a local one if unset.")] = None,
    home: Annotated[Path, typer.Option("--home", help="Where local PostgreSQL/Redis data and logs live.")] = Path(
        ".production-master"
    ),
) -> None:
    """Start PostgreSQL and Redis (unless given) and Aegra serving our graphs, routes and Slack bot."""
    from api.serve import ServeError, serve
    from memory.postgres_server import PostgresServerError
    from memory.redis_server import RedisServerError

    try:
        serve(host=host, port=port, instances=instances, home=home, database_url=database_url, redis_url=redis_url)
    except (ServeError, PostgresServerError, RedisServerError) as error:
        raise UserError(str(error)) from None
