"""Side effects that must happen once per investigation and step, even when a node or a follower runs again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import redis.asyncio as aioredis

ONCE_KEY = "pm:once:{investigation}:{step}"
CLAIM_SECONDS = 120  # a claimer that dies mid-effect frees the step after this long
DONE_SECONDS = 30 * 24 * 3600


async def once[T](
    redis: aioredis.Redis, investigation: str, step: str, effect: Callable[[], Awaitable[T]]
) -> tuple[bool, T | None]:
    """Run `effect` unless this (investigation, step) already ran or is running elsewhere; (ran, result)."""
    key = ONCE_KEY.format(investigation=investigation, step=step)
    if not await redis.set(key, "claimed", nx=True, ex=CLAIM_SECONDS):
        return False, None
    try:
        result = await effect()
    except BaseException:
        await redis.delete(key)
        raise
    await redis.set(key, "done", ex=DONE_SECONDS)
    return True, result
