"""`gateway_state: redis`: two gateways (two instances) share breakers and rate-limit buckets in a real Redis 8."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import redis.asyncio as aioredis
from gateway_helpers import standin_entry, write_routing, write_servers

from graphs.settings import Settings
from tools.gateway.gateway import Gateway
from tools.gateway.models import ToolStatus
from tools.gateway.redis_state import RedisBreakers, RedisRateLimiter
from tools.gateway.resilience import BreakerState
from tools.gateway.routing import BreakerPolicy, RateLimit

RATE, BURST = 50.0, 5


def shared_settings(tmp_path: Path, redis_url: str, route: dict, entry: dict) -> Settings:
    routing = write_routing(tmp_path / "r.yaml", {"interfaces": {"log-system": route}})
    servers = write_servers(tmp_path / "s.json", {"faulty": entry})
    return Settings(routing_table=routing, mcp_servers_file=servers, gateway_state="redis", redis_url=redis_url)


async def test_failures_seen_by_one_gateway_open_the_breaker_for_the_other(tmp_path: Path, redis_url: str) -> None:
    prefix = f"pm:gw:test-{secrets.token_hex(4)}"
    route = {"provider": "faulty", "retry": {"attempts": 1}, "breaker": {"failure_threshold": 2, "open_s": 300}}
    settings = shared_settings(tmp_path, redis_url, route, standin_entry("contract", fault="malformed"))
    first = Gateway.from_settings(settings, breakers=RedisBreakers(redis_url, prefix=prefix))
    second = Gateway.from_settings(settings, breakers=RedisBreakers(redis_url, prefix=prefix))
    async with first, second:
        failures = [await first.call("log-system", "list_services", {}) for _ in range(2)]
        refused = await second.call("log-system", "list_services", {})
        state = await second.breakers.state("faulty", BreakerPolicy(failure_threshold=2, open_s=300))
    assert [f.error_kind for f in failures] == ["malformed", "malformed"]
    assert (refused.status, refused.error_kind, refused.attempts) == (ToolStatus.error, "breaker_open", 0)
    assert second._connections == {}, "the second gateway never reached the provider"
    assert state is BreakerState.open
    assert isinstance(first.limiter, RedisRateLimiter)  # the setting selects both shared implementations


async def test_half_open_probe_success_closes_the_shared_breaker(redis_url: str) -> None:
    prefix = f"pm:gw:test-{secrets.token_hex(4)}"
    policy = BreakerPolicy(failure_threshold=1, open_s=0.0, half_open_probes=1)
    one, two = RedisBreakers(redis_url, prefix=prefix), RedisBreakers(redis_url, prefix=prefix)
    await one.record("p", policy, False)
    assert await two.state("p", policy) is BreakerState.half_open  # open_s 0: probes are due at once
    assert await two.allow("p", policy) is True
    assert await one.allow("p", policy) is False, "only one probe across both instances"
    await two.record("p", policy, True)
    assert await one.state("p", policy) is BreakerState.closed
    assert await one.opened_count("p") == 1


def max_in_window(times: list[float], seconds: float) -> int:
    times, best, lo = sorted(times), 0, 0
    for hi, t in enumerate(times):
        while t - times[lo] > seconds:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


async def test_the_token_bucket_holds_across_two_instances(redis_url: str) -> None:
    prefix = f"pm:gw:test-{secrets.token_hex(4)}"
    limiters = [RedisRateLimiter(redis_url, prefix=prefix), RedisRateLimiter(redis_url, prefix=prefix)]
    policy = RateLimit(rate_per_s=RATE, burst=BURST)
    await asyncio.gather(*(limiters[i % 2].acquire("shared", policy) for i in range(100)))
    grants = [t for limiter in limiters for t in limiter.grants]  # Redis-clock times, one clock for both
    assert len(grants) == 100 and all(len(limiter.grants) == 50 for limiter in limiters)
    for window in (0.1, 0.5, 1.0):
        assert max_in_window(grants, window) <= BURST + RATE * window + 1
    # an unshared pair would have granted 2 x burst at once: the shared one never exceeds one burst at the start
    assert max_in_window(grants, 0.001) <= BURST + 1
    client = aioredis.Redis.from_url(redis_url)
    assert await client.exists(f"{prefix}:bucket:shared") == 1
    await client.aclose()


async def test_unreachable_redis_degrades_to_this_instances_state() -> None:
    """Shared state that cannot be reached must cost the sharing, never the call."""
    import socket

    from tools.gateway.redis_state import RedisBreakers, RedisRateLimiter
    from tools.gateway.routing import BreakerPolicy, RateLimit

    with socket.socket() as probe:  # a port with nothing listening on it
        probe.bind(("127.0.0.1", 0))
        url = f"redis://127.0.0.1:{probe.getsockname()[1]}/0"
    limiter, breakers = RedisRateLimiter(url), RedisBreakers(url)
    policy = BreakerPolicy(failure_threshold=2, open_s=60.0)
    await limiter.acquire("p", RateLimit(rate_per_s=100.0, burst=5))
    assert await breakers.allow("p", policy)
    await breakers.record("p", policy, False)
    await breakers.record("p", policy, False)
    assert not await breakers.allow("p", policy), "this instance's own breaker still opens"
