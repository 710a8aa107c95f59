"""The serving test stack's types and inputs, shared by the tests in this folder."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from model_params import lenient_params

from api.auth.tenants import NewTenant
from api.serve import Instance

SLACK_SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # a test value, not a secret
DEMO_INPUT = {"request": {"text": "checkout p95 latency above 2s", "at": "2026-11-20T10:41:00Z"}}


@dataclass(frozen=True)
class Stack:
    instances: list[Instance]
    redis_url: str
    database_url: str
    service_token: str
    acme: NewTenant
    globex: NewTenant
    env: dict[str, str]

    @property
    def url(self) -> str:
        return self.instances[0].url


# Aegra's scheduler polls every 60 s in production (docs/serving.md); the cron test polls every second and may use
# seconds-first schedules, so a sweep fires within seconds.
FAST_CRONS = {"CRON_POLL_INTERVAL_SECONDS": "1", "CRON_ALLOW_SECONDS_SCHEDULE": "true"}


@contextmanager
def own_stack(
    redis_url: str, *, redis_db: int, log_dir: Path, extra_env: dict[str, str] | None = None, instances: int = 1
) -> Iterator[Stack]:
    """A stack of its own: a fresh PostgreSQL, Redis database `redis_db`, tenants `acme` and `globex`, and
    `instances` Aegra instances whose environment `extra_env` extends (e.g. `FAST_CRONS`); no other instance
    shares its job queue or runs table."""
    from api.auth.tenants import create_tenant
    from api.serve import running_instances
    from memory.postgres_server import running
    from memory.redis_server import free_port

    redis = redis_url.rsplit("/", 1)[0] + f"/{redis_db}"
    suffix = secrets.token_hex(3)
    acme = asyncio.run(create_tenant(f"acme-{suffix}", redis))
    globex = asyncio.run(create_tenant(f"globex-{suffix}", redis))
    token = secrets.token_urlsafe(24)
    # these tests exercise serving's mechanics (one post, crash recovery) on a settled verdict, whatever the fitted
    # model's CV threshold makes of the demo (tests/model_params.py); `eval cv` measures the model itself
    env = {"PM_HOME": str(log_dir / "home"), "PM_WORLD": "demo", "PM_MODEL_PARAMS": str(lenient_params())}
    env |= extra_env or {}
    with (
        running() as postgres,
        running_instances(
            [free_port() for _ in range(instances)],
            database_url=postgres.url,
            redis_url=redis,
            log_dir=log_dir,
            service_token=token,
            extra_env=env,
        ) as started,
    ):
        yield Stack(started, redis, postgres.url, token, acme, globex, env)
