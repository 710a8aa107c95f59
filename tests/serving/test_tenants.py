"""Tenants: `tenants create` prints a key once; Redis keeps only its hash; the auth hook maps keys to tenants."""

from __future__ import annotations

import secrets

import pytest
import redis
from typer.testing import CliRunner

from api.auth.hook import _stores, authenticate, principal_for_headers
from api.auth.keys import hash_key
from api.auth.tenants import TenantStore, create_tenant
from api.cli.common import UserError
from api.cli.main import app
from api.http.settings import serving_settings


@pytest.fixture
def tenant_redis(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    url = redis_url.rsplit("/", 1)[0] + "/8"
    monkeypatch.setenv("PM_REDIS_URL", url)
    serving_settings.cache_clear()
    _stores.clear()  # each test has its own event loop; a cached client belongs to an earlier one
    yield url
    serving_settings.cache_clear()
    _stores.clear()


def _create(url: str, name: str) -> dict[str, str]:
    result = CliRunner().invoke(app, ["tenants", "create", name, "--redis-url", url])
    assert result.exit_code == 0, result.output
    return dict(line.split(": ", 1) for line in result.output.splitlines() if ": " in line)


def test_create_prints_a_key_once_and_stores_its_hash(tenant_redis: str) -> None:
    name = f"t-{secrets.token_hex(3)}"
    printed = _create(tenant_redis, name)
    key = printed["api key"]
    stored = redis.Redis.from_url(tenant_redis, decode_responses=True)
    dump = {k: stored.type(k) for k in stored.scan_iter("pm:*")}
    # other tests share this Redis: read only the tenant and key records this command writes
    values = " ".join(
        str(stored.hgetall(k) if t == "hash" else stored.get(k))
        for k, t in dump.items()
        if t in ("hash", "string") and k.startswith(("pm:tenant:", "pm:apikey:"))
    )
    assert key not in values and hash_key(key) in values
    again = CliRunner().invoke(app, ["tenants", "create", name, "--redis-url", tenant_redis])
    # main() turns UserError into one line and exit code 2
    assert isinstance(again.exception, UserError) and "already exists" in str(again.exception)


async def test_hook_maps_keys_to_tenants_and_rejects_others(tenant_redis: str) -> None:
    name = f"t-{secrets.token_hex(3)}"
    key = (await create_tenant(name, tenant_redis)).api_key
    assert (await authenticate({b"x-api-key": key.encode()}))["identity"] == name
    assert (await authenticate({"authorization": f"Bearer {key}"}))["identity"] == name
    from langgraph_sdk import Auth

    with pytest.raises(Auth.exceptions.HTTPException, match="unknown API key"):
        await authenticate({"x-api-key": key + "x"})
    with pytest.raises(Auth.exceptions.HTTPException, match="invalid service token"):
        await authenticate({"x-pm-service-token": "guess", "x-pm-tenant": name})


def test_rotate_invalidates_the_old_key(tenant_redis: str) -> None:
    name = f"t-{secrets.token_hex(3)}"
    old = _create(tenant_redis, name)["api key"]
    result = CliRunner().invoke(app, ["tenants", "rotate", name, "--redis-url", tenant_redis])
    assert result.exit_code == 0
    stored = redis.Redis.from_url(tenant_redis, decode_responses=True)
    assert stored.get(f"pm:apikey:{hash_key(old)}") is None


def test_tenants_key_prints_a_personal_key_once(tenant_redis: str) -> None:
    name = f"t-{secrets.token_hex(3)}"
    _create(tenant_redis, name)
    result = CliRunner().invoke(app, ["tenants", "key", name, "--user", "alice", "--redis-url", tenant_redis])
    assert result.exit_code == 0, result.output
    printed = dict(line.split(": ", 1) for line in result.output.splitlines() if ": " in line)
    assert printed["user"] == "alice" and printed["api key"].startswith("pm_")
    args = ["tenants", "key", "no-such-tenant", "--user", "bob", "--redis-url", tenant_redis]
    unknown = CliRunner().invoke(app, args)
    assert isinstance(unknown.exception, UserError) and "no tenant" in str(unknown.exception)


async def test_personal_key_acts_for_its_tenant_and_names_its_holder(tenant_redis: str) -> None:
    name = f"t-{secrets.token_hex(3)}"
    tenant_key = (await create_tenant(name, tenant_redis)).api_key
    store = TenantStore.from_url(tenant_redis)
    personal = (await store.issue_user_key(name, "alice")).api_key
    await store.aclose()
    principal = await principal_for_headers({"x-api-key": personal})
    assert (principal.tenant, principal.user) == (name, "alice")
    assert (await authenticate({"x-api-key": personal}))["identity"] == name, "threads stay scoped to the tenant"
    assert (await principal_for_headers({"x-api-key": tenant_key})).user is None
