"""Per-process resources of our routes, built on first use from ServingSettings (never at import)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import redis.asyncio as aioredis
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient

from api.auth.hook import SERVICE_TENANT_HEADER, SERVICE_TOKEN_HEADER
from api.http.settings import ServingSettings, serving_settings


@dataclass
class ServingContext:
    """Redis for shared state and one LangGraph client per tenant, speaking to this server's own API."""

    settings: ServingSettings
    redis: aioredis.Redis
    _clients: dict[str, LangGraphClient] = field(default_factory=dict)

    def client_for(self, tenant: str) -> LangGraphClient:
        """A langgraph_sdk client acting for `tenant` (the auth hook accepts the shared service token)."""
        if tenant not in self._clients:
            token = self.settings.service_token
            if token is None:
                raise RuntimeError("PM_SERVICE_TOKEN is not set: our routes cannot start runs")
            headers = {SERVICE_TOKEN_HEADER: token.get_secret_value(), SERVICE_TENANT_HEADER: tenant}
            self._clients[tenant] = get_client(url=self.settings.api_url, headers=headers, timeout=30.0)
        return self._clients[tenant]

    async def redis_ok(self) -> bool:
        try:
            return bool(await self.redis.ping())
        except (aioredis.ConnectionError, aioredis.TimeoutError, OSError):
            return False


@lru_cache(maxsize=1)
def serving_context() -> ServingContext:
    settings = serving_settings()
    # blocking pool: a burst of webhooks waits for a connection rather than fail (redis-py stops at 100)
    pool = aioredis.BlockingConnectionPool.from_url(
        settings.redis_url, max_connections=256, timeout=30.0, decode_responses=True, socket_timeout=5.0
    )
    client = aioredis.Redis(connection_pool=pool)
    return ServingContext(settings=settings, redis=client)
