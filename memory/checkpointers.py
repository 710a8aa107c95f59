"""The checkpointer factory: in-memory for tests, SQLite embedded, Redis for standalone runs that survive a crash."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver

if TYPE_CHECKING:
    from graphs.settings import Settings


class CheckpointerUnavailable(RuntimeError):
    """The configured checkpointer cannot be opened; the message names the setting to fix."""


@asynccontextmanager
async def open_checkpointer(settings: Settings) -> AsyncIterator[BaseCheckpointSaver]:
    """Open the saver that `settings.checkpointer` names (memory | sqlite | redis) and close it on exit."""
    kind = settings.checkpointer
    if kind == "memory":
        yield InMemorySaver()
    elif kind == "sqlite":
        async with _sqlite(settings) as saver:
            yield saver
    elif kind == "redis":
        async with _redis(settings) as saver:
            yield saver
    else:  # settings validation makes this unreachable, unless someone builds Settings with model_construct
        raise CheckpointerUnavailable(f"unknown checkpointer {kind!r}; use memory, sqlite or redis (PM_CHECKPOINTER)")


@asynccontextmanager
async def _sqlite(settings: Settings) -> AsyncIterator[BaseCheckpointSaver]:
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    path = settings.checkpoint_path
    path.parent.mkdir(parents=True, exist_ok=True)
    async with AsyncSqliteSaver.from_conn_string(str(path)) as saver:
        yield saver


@asynccontextmanager
async def _redis(settings: Settings) -> AsyncIterator[BaseCheckpointSaver]:
    try:
        from langgraph.checkpoint.redis.aio import AsyncRedisSaver
    except ImportError as error:
        raise CheckpointerUnavailable(
            "PM_CHECKPOINTER=redis needs langgraph-checkpoint-redis: pip install 'production-master[redis]'"
        ) from error
    await _check_redis(settings.redis_url)
    ttl = None
    if settings.checkpoint_ttl_minutes:
        ttl = {"default_ttl": settings.checkpoint_ttl_minutes, "refresh_on_read": True}
    async with AsyncRedisSaver.from_conn_string(settings.redis_url, ttl=ttl) as saver:
        yield saver


async def _check_redis(url: str) -> None:
    """Fail with one clear line when Redis is unreachable or lacks the modules the saver needs."""
    from redis.asyncio import from_url
    from redis.exceptions import RedisError

    client = from_url(url, socket_connect_timeout=5)
    try:
        await client.ping()
        modules = {_text(entry.get(b"name", entry.get("name", b""))) for entry in await client.module_list()}
    except RedisError as error:
        raise CheckpointerUnavailable(f"cannot reach Redis at {_redacted(url)} (PM_REDIS_URL): {error}") from None
    finally:
        await client.aclose()
    missing = {"search", "ReJSON"} - modules
    if missing:
        raise CheckpointerUnavailable(
            f"Redis at {_redacted(url)} lacks the module(s) {', '.join(sorted(missing))}: "
            "it needs Redis 8 with search and JSON (docker run redis:8, or python -m memory.redis_server start)"
        )


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _redacted(url: str) -> str:
    """The URL without a password, for messages."""
    if "@" not in url:
        return url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://***@{rest.split('@', 1)[1]}"


__all__ = ["CheckpointerUnavailable", "open_checkpointer"]
