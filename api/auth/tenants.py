"""Tenants and their API keys in Redis, shared by every instance: `pm:tenant:{name}` and `pm:apikey:{digest}`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import redis.asyncio as aioredis

from api.auth.keys import hash_key, new_api_key, new_webhook_secret, valid_tenant_name

TENANT_KEY = "pm:tenant:{name}"
APIKEY_KEY = "pm:apikey:{digest}"
APIKEY_USER_KEY = "pm:apikey-user:{digest}"
USER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@:-]{0,199}$")


class TenantError(ValueError):
    """A tenant name that is malformed, taken or unknown; the message says which."""


@dataclass(frozen=True, slots=True)
class NewTenant:
    """What `tenants create` prints once: the key and the webhook signing secret are not retrievable later."""

    name: str
    api_key: str
    webhook_secret: str


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a key acts for: its tenant, and the person when the key is personal (None for the tenant's own key)."""

    tenant: str
    user: str | None = None


@dataclass(frozen=True, slots=True)
class NewUserKey:
    """What `tenants key` prints once: a personal key whose holder is `user` within `tenant`."""

    tenant: str
    user: str
    api_key: str


class TenantStore:
    """Tenant records and hashed API keys in Redis."""

    def __init__(self, client: aioredis.Redis) -> None:
        self._redis = client

    @classmethod
    def from_url(cls, url: str) -> TenantStore:
        return cls(aioredis.Redis.from_url(url, decode_responses=True))

    async def create(self, name: str) -> NewTenant:
        """Create a tenant with a fresh API key; fails if the name is malformed or taken."""
        if not valid_tenant_name(name):
            raise TenantError(f"tenant name {name!r} must match [a-z0-9][a-z0-9_-]{{0,62}}")
        key, secret = new_api_key(), new_webhook_secret()
        record = {"name": name, "key_hash": hash_key(key), "webhook_secret": secret, "created": _now()}
        created = await self._redis.hsetnx(TENANT_KEY.format(name=name), "name", name)
        if not created:
            raise TenantError(f"tenant {name!r} already exists; `tenants rotate {name}` issues a new key")
        await self._store(name, record, key)
        return NewTenant(name=name, api_key=key, webhook_secret=secret)

    async def rotate(self, name: str) -> NewTenant:
        """Replace a tenant's API key (the old one stops working at once); the webhook secret stays."""
        record = await self._redis.hgetall(TENANT_KEY.format(name=name))
        if not record:
            raise TenantError(f"no tenant {name!r}; `tenants create {name}` makes one")
        await self._redis.delete(APIKEY_KEY.format(digest=record["key_hash"]))
        key = new_api_key()
        await self._store(name, {**record, "key_hash": hash_key(key)}, key)
        return NewTenant(name=name, api_key=key, webhook_secret=record["webhook_secret"])

    async def issue_user_key(self, tenant: str, user: str) -> NewUserKey:
        """A personal key: it acts for the tenant, and feedback or approvals sent with it are by `user`."""
        if not USER_PATTERN.match(user):
            raise TenantError(f"user {user!r} must match [A-Za-z0-9][A-Za-z0-9._@:-]*")
        if not await self.exists(tenant):
            raise TenantError(f"no tenant {tenant!r}; `tenants create {tenant}` makes one")
        key = new_api_key()
        digest = hash_key(key)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(APIKEY_KEY.format(digest=digest), tenant)
            pipe.set(APIKEY_USER_KEY.format(digest=digest), user)
            await pipe.execute()
        return NewUserKey(tenant=tenant, user=user, api_key=key)

    async def _store(self, name: str, record: dict[str, str], key: str) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(TENANT_KEY.format(name=name), mapping=record)
            pipe.set(APIKEY_KEY.format(digest=hash_key(key)), name)
            await pipe.execute()

    async def tenant_for_key(self, key: str) -> str | None:
        """The tenant an API key belongs to, or None."""
        return await self._redis.get(APIKEY_KEY.format(digest=hash_key(key)))

    async def principal_for_key(self, key: str) -> Principal | None:
        """The tenant and, for a personal key, the user it belongs to; None for an unknown key."""
        digest = hash_key(key)
        tenant, user = await self._redis.mget(APIKEY_KEY.format(digest=digest), APIKEY_USER_KEY.format(digest=digest))
        return Principal(tenant=tenant, user=user) if tenant else None

    async def exists(self, name: str) -> bool:
        return bool(await self._redis.exists(TENANT_KEY.format(name=name)))

    async def webhook_secret(self, name: str) -> str | None:
        return await self._redis.hget(TENANT_KEY.format(name=name), "webhook_secret")

    async def names(self) -> list[str]:
        return sorted([key.split(":", 2)[2] async for key in self._redis.scan_iter(TENANT_KEY.format(name="*"))])

    async def aclose(self) -> None:
        await self._redis.aclose()


async def create_tenant(name: str, redis_url: str) -> NewTenant:
    """Create a tenant in the Redis at `redis_url` and return its key (shown once, stored hashed)."""
    store = TenantStore.from_url(redis_url)
    try:
        return await store.create(name)
    finally:
        await store.aclose()


def _now() -> str:
    return datetime.now(UTC).isoformat()
