"""Resilience primitives the gateway applies once per provider: token bucket, circuit breaker, backoff.

Rate-limit buckets and breaker state sit behind two small Protocols (`RateLimiter`, `BreakerRegistry`); the in-memory
implementations below serve one process, those of `redis_state.py` every instance of a deployment.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from enum import StrEnum
from typing import Protocol

from tools.gateway.routing import BreakerPolicy, RateLimit, RetryPolicy


class TokenBucket:
    """An async token bucket: at most `burst` calls at once, refilled at `rate_per_s`; waiters are served in order."""

    def __init__(self, policy: RateLimit, *, history: int = 10_000) -> None:
        self.rate = policy.rate_per_s
        self.capacity = float(policy.burst)
        self.tokens = self.capacity
        self.updated = time.monotonic()
        self.granted = 0
        self.grants: deque[float] = deque(maxlen=history)  # monotonic grant times, for accounting and tests
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:  # the lock is FIFO, so a sleeping head-of-line waiter keeps everyone's order
            while True:
                now = time.monotonic()
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    self.granted += 1
                    self.grants.append(now)
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)

    def max_in_window(self, seconds: float) -> int:
        """The most grants that fell in any window of `seconds` (the bucket's own accounting)."""
        times = list(self.grants)
        best, lo = 0, 0
        for hi, t in enumerate(times):
            while t - times[lo] > seconds:
                lo += 1
            best = max(best, hi - lo + 1)
        return best


class BreakerState(StrEnum):
    closed = "closed"
    open = "open"
    half_open = "half_open"


class CircuitBreaker:
    """Opens after `failure_threshold` failures within `window_s`, lets probes through after the open interval, and
    closes when a probe succeeds (a failed probe opens it again)."""

    def __init__(self, policy: BreakerPolicy) -> None:
        self.policy = policy
        self.failure_times: deque[float] = deque()
        self.opened_at: float | None = None
        self.probes = 0
        self.opened_count = 0

    @property
    def state(self) -> BreakerState:
        if self.opened_at is None:
            return BreakerState.closed
        if time.monotonic() - self.opened_at >= self.policy.open_s:
            return BreakerState.half_open
        return BreakerState.open

    def allow(self) -> bool:
        state = self.state
        if state is BreakerState.closed:
            return True
        if state is BreakerState.half_open and self.probes < self.policy.half_open_probes:
            self.probes += 1
            return True
        return False

    def record(self, success: bool) -> None:
        now = time.monotonic()
        state = self.state
        if success:
            if state is not BreakerState.closed:
                self.failure_times.clear()
                self.opened_at, self.probes = None, 0
            return
        self.failure_times.append(now)
        while self.failure_times and now - self.failure_times[0] > self.policy.window_s:
            self.failure_times.popleft()
        if state is BreakerState.half_open or (
            state is BreakerState.closed and len(self.failure_times) >= self.policy.failure_threshold
        ):
            self.opened_count += 1
            self.opened_at, self.probes = now, 0


class RateLimiter(Protocol):
    """Shared rate-limit buckets, one per key (a provider name)."""

    async def acquire(self, key: str, policy: RateLimit) -> None: ...


class BreakerRegistry(Protocol):
    """Shared circuit-breaker state, one per key (a provider name)."""

    async def allow(self, key: str, policy: BreakerPolicy) -> bool: ...

    async def record(self, key: str, policy: BreakerPolicy, success: bool) -> None: ...

    async def state(self, key: str, policy: BreakerPolicy) -> BreakerState: ...


class LocalRateLimiter:
    """In-process buckets; the first policy seen for a key sizes its bucket."""

    def __init__(self) -> None:
        self.buckets: dict[str, TokenBucket] = {}

    def bucket(self, key: str, policy: RateLimit) -> TokenBucket:
        return self.buckets.setdefault(key, TokenBucket(policy))

    async def acquire(self, key: str, policy: RateLimit) -> None:
        await self.bucket(key, policy).acquire()


class LocalBreakers:
    """In-process circuit breakers."""

    def __init__(self) -> None:
        self.breakers: dict[str, CircuitBreaker] = {}

    def breaker(self, key: str, policy: BreakerPolicy) -> CircuitBreaker:
        return self.breakers.setdefault(key, CircuitBreaker(policy))

    async def allow(self, key: str, policy: BreakerPolicy) -> bool:
        return self.breaker(key, policy).allow()

    async def record(self, key: str, policy: BreakerPolicy, success: bool) -> None:
        self.breaker(key, policy).record(success)

    async def state(self, key: str, policy: BreakerPolicy) -> BreakerState:
        return self.breaker(key, policy).state


def backoff_delay(policy: RetryPolicy, attempt: int) -> float:
    """Exponential backoff with jitter for the given 1-based attempt that just failed."""
    base = min(policy.max_backoff_s, policy.backoff_s * (2 ** (attempt - 1)))
    return base * (1 - policy.jitter * random.random())
