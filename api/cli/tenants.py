"""`production-master tenants create|rotate|list`: per-tenant API keys, stored hashed in Redis."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from api.auth.tenants import TenantError, TenantStore
from api.cli.common import UserError, console
from api.http.settings import ServingSettings

tenants_app = typer.Typer(help="Tenants and their API keys (shown once, stored hashed).", no_args_is_help=True)
RedisOption = Annotated[str | None, typer.Option("--redis-url", help="Redis holding tenants (default: PM_REDIS_URL).")]


def _run(redis_url: str | None, action: str, name: str = "", user: str = "") -> object:
    url = redis_url or ServingSettings().redis_url

    async def go() -> object:
        store = TenantStore.from_url(url)
        try:
            if action == "create":
                return await store.create(name)
            if action == "rotate":
                return await store.rotate(name)
            if action == "key":
                return await store.issue_user_key(name, user)
            return await store.names()
        finally:
            await store.aclose()

    try:
        return asyncio.run(go())
    except TenantError as error:
        raise UserError(str(error)) from None
    except OSError as error:
        raise UserError(f"cannot reach Redis at {url}: {error}") from None
    except Exception as error:  # redis.ConnectionError does not subclass OSError
        if type(error).__module__.startswith("redis"):
            raise UserError(f"cannot reach Redis at {url}: {error}") from None
        raise


@tenants_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Tenant name: [a-z0-9][a-z0-9_-]*")], redis_url: RedisOption = None
) -> None:
    """Create a tenant and print its API key and webhook signing secret once."""
    tenant = _run(redis_url, "create", name)
    console.print(f"tenant: {tenant.name}\napi key: {tenant.api_key}\nwebhook secret: {tenant.webhook_secret}")
    console.print("Store them now: only their hash (key) is kept and neither is shown again.")


@tenants_app.command("rotate")
def rotate(name: Annotated[str, typer.Argument(help="An existing tenant.")], redis_url: RedisOption = None) -> None:
    """Replace a tenant's API key (the old key stops working at once) and print the new one."""
    tenant = _run(redis_url, "rotate", name)
    console.print(f"tenant: {tenant.name}\napi key: {tenant.api_key}")


@tenants_app.command("key")
def personal_key(
    name: Annotated[str, typer.Argument(help="An existing tenant.")],
    user: Annotated[str, typer.Option("--user", help="The person who holds the key (a PM_FEEDBACK_VERIFIERS name).")],
    redis_url: RedisOption = None,
) -> None:
    """Issue a personal API key: it acts for the tenant, and feedback or approvals sent with it are by USER."""
    issued = _run(redis_url, "key", name, user)
    console.print(f"tenant: {issued.tenant}\nuser: {issued.user}\napi key: {issued.api_key}")
    console.print("Store it now: only its hash is kept and it is not shown again.")


@tenants_app.command("list")
def list_tenants(redis_url: RedisOption = None) -> None:
    """Tenant names (keys are never shown)."""
    for name in _run(redis_url, "list"):
        console.print(name)
