"""Rate-limit buckets and circuit breakers shared by every instance through Redis (`gateway_state: redis`).

Each operation is one Lua script, so it is atomic across instances, and reads Redis's own clock (`TIME`), so
instances with skewed clocks still agree. Same semantics as `TokenBucket` and `CircuitBreaker` in resilience.py.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from tools.gateway.resilience import BreakerState, LocalBreakers, LocalRateLimiter
from tools.gateway.routing import BreakerPolicy, RateLimit

_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) + tonumber(t[2]) / 1000000 "

# KEYS[1] bucket hash; ARGV rate, capacity -> "0:<now>" granted, or "<seconds to wait>:<now>"
_TAKE = (
    _NOW
    + """
local rate, cap = tonumber(ARGV[1]), tonumber(ARGV[2])
local v = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = math.min(cap, (tonumber(v[1]) or cap) + math.max(0, now - (tonumber(v[2]) or now)) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate * 1000) + 60000)
return tostring(wait) .. ':' .. tostring(now)
"""
)

# KEYS[1] breaker hash, KEYS[2] failure times (sorted set); ARGV open_s -> state name (shared by the scripts below)
_STATE = """
local opened = tonumber(redis.call('HGET', KEYS[1], 'opened_at'))
local state = 'closed'
if opened then if now - opened >= tonumber(ARGV[1]) then state = 'half_open' else state = 'open' end end
"""

# ARGV open_s, probes allowed -> 1 allowed / 0 refused
_ALLOW = (
    _NOW
    + _STATE
    + """
if state == 'closed' then return 1 end
if state == 'half_open' and tonumber(redis.call('HGET', KEYS[1], 'probes') or '0') < tonumber(ARGV[2]) then
  redis.call('HINCRBY', KEYS[1], 'probes', 1) return 1
end
return 0
"""
)

# ARGV open_s, success (1/0), window_s, threshold, unique member, ttl seconds -> state after recording
_RECORD = (
    _NOW
    + _STATE
    + """
if ARGV[2] == '1' then
  if state ~= 'closed' then redis.call('HDEL', KEYS[1], 'opened_at', 'probes') redis.call('DEL', KEYS[2]) end
  return 'closed'
end
redis.call('ZADD', KEYS[2], now, ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[3]))
redis.call('EXPIRE', KEYS[2], ARGV[6])
if state == 'half_open' or (state == 'closed' and redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4])) then
  redis.call('HSET', KEYS[1], 'opened_at', tostring(now), 'probes', 0)
  redis.call('HINCRBY', KEYS[1], 'opened_count', 1)
  redis.call('EXPIRE', KEYS[1], ARGV[6])
  return 'open'
end
return state
"""
)

_READ = _NOW + _STATE + "return state"


logger = logging.getLogger(__name__)
POOL_SIZE = 256
POOL_WAIT_S = 30.0


def _client(redis: aioredis.Redis | str) -> aioredis.Redis:
    if isinstance(redis, str):
        # a blocking pool: under a burst of concurrent tool calls a caller waits for a connection instead of
        # failing with "Too many connections" (redis-py's default async pool stops at 100)
        pool = aioredis.BlockingConnectionPool.from_url(
            redis, max_connections=POOL_SIZE, timeout=POOL_WAIT_S, decode_responses=True, socket_timeout=5.0
        )
        return aioredis.Redis(connection_pool=pool)
    return redis


class RedisRateLimiter:
    """One token bucket per key in Redis (`pm:gw:bucket:<key>`), sized by the policy of each call."""

    def __init__(self, redis: aioredis.Redis | str, *, prefix: str = "pm:gw", history: int = 10_000) -> None:
        self.redis = _client(redis)
        self.prefix = prefix
        self.grants: deque[float] = deque(maxlen=history)  # Redis-clock times of this process's grants
        self._take = self.redis.register_script(_TAKE)
        self._local = LocalRateLimiter()

    async def acquire(self, key: str, policy: RateLimit) -> None:
        try:
            await self._acquire(key, policy)
        except RedisError as exc:  # shared state is down: keep this instance's own bucket rather than fail the call
            logger.warning("rate limit in Redis unavailable (%s); using this instance's bucket", exc)
            await self._local.acquire(key, policy)

    async def _acquire(self, key: str, policy: RateLimit) -> None:
        while True:
            answer = await self._take(keys=[f"{self.prefix}:bucket:{key}"], args=[policy.rate_per_s, policy.burst])
            wait, _, now = str(answer).partition(":")
            if float(wait) <= 0:
                self.grants.append(float(now))
                return
            await asyncio.sleep(float(wait))


class RedisBreakers:
    """Circuit breakers in Redis (`pm:gw:breaker:<key>`): failures seen by one instance open it for all."""

    def __init__(self, redis: aioredis.Redis | str, *, prefix: str = "pm:gw") -> None:
        self.redis = _client(redis)
        self.prefix = prefix
        self._allow = self.redis.register_script(_ALLOW)
        self._record = self.redis.register_script(_RECORD)
        self._read = self.redis.register_script(_READ)
        self._local = LocalBreakers()  # what this instance knows when Redis cannot be reached

    def _keys(self, key: str) -> list[str]:
        return [f"{self.prefix}:breaker:{key}", f"{self.prefix}:breaker:{key}:failures"]

    async def allow(self, key: str, policy: BreakerPolicy) -> bool:
        try:
            return bool(await self._allow(keys=self._keys(key), args=[policy.open_s, policy.half_open_probes]))
        except RedisError as exc:
            logger.warning("breaker state in Redis unavailable (%s); using this instance's", exc)
            return await self._local.allow(key, policy)

    async def record(self, key: str, policy: BreakerPolicy, success: bool) -> None:
        ttl = int(policy.window_s + policy.open_s) + 3600
        args = [policy.open_s, int(success), policy.window_s, policy.failure_threshold, uuid.uuid4().hex, ttl]
        try:
            await self._record(keys=self._keys(key), args=args)
        except RedisError as exc:
            logger.warning("breaker state in Redis unavailable (%s); using this instance's", exc)
            await self._local.record(key, policy, success)

    async def state(self, key: str, policy: BreakerPolicy) -> BreakerState:
        try:
            return BreakerState(await self._read(keys=self._keys(key), args=[policy.open_s]))
        except RedisError:
            return await self._local.state(key, policy)

    async def opened_count(self, key: str) -> int:
        return int(await self.redis.hget(self._keys(key)[0], "opened_count") or 0)
