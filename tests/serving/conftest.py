"""Real PostgreSQL + Redis + Aegra for the serving tests: one stack per session, two instances."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from model_params import lenient_params
from serving_stack import SLACK_SIGNING_SECRET, Stack
from slack_standin import SlackStandIn, running_standin

from api.auth.tenants import create_tenant
from api.serve import running_instances
from memory.postgres_server import PostgresServerError, running
from memory.redis_server import free_port


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL 15 cluster (Debian's `postgresql` package) on a free loopback port."""
    try:
        with running() as server:
            yield server.url
    except PostgresServerError as error:
        pytest.fail(f"cannot start PostgreSQL for the serving tests: {error}")


@pytest.fixture(scope="session")
def serving_redis_url(redis_url: str) -> str:
    """Its own database number in the session's Redis, so other suites' flushes do not reach it."""
    return redis_url.rsplit("/", 1)[0] + "/7"


@pytest.fixture(scope="session")
def slack() -> Iterator[tuple[SlackStandIn, str]]:
    """The Slack Web API stand-in and its base URL."""
    with running_standin() as standin:
        yield standin


@pytest.fixture(scope="session")
def stack(
    postgres_url: str,
    serving_redis_url: str,
    slack: tuple[SlackStandIn, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    """Two Aegra instances on one PostgreSQL and one Redis, with tenants `acme` and `globex`."""
    suffix = secrets.token_hex(3)
    acme = asyncio.run(create_tenant(f"acme-{suffix}", serving_redis_url))
    globex = asyncio.run(create_tenant(f"globex-{suffix}", serving_redis_url))
    token = secrets.token_urlsafe(24)
    logs = tmp_path_factory.mktemp("aegra-logs")
    env = stack_env() | {
        "PM_SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
        "PM_SLACK_BOT_TOKEN": "xoxb-test-token",
        "PM_SLACK_API_URL": slack[1],
        "PM_SLACK_TENANT": acme.name,
        "PM_FEEDBACK_VERIFIERS": '["slack:U0SRE"]',  # Slack signs its requests, so its user ids are authenticated
    }
    with running_instances(
        [free_port(), free_port()],
        database_url=postgres_url,
        redis_url=serving_redis_url,
        log_dir=logs,
        service_token=token,
        extra_env=env,
    ) as instances:
        yield Stack(instances, serving_redis_url, postgres_url, token, acme, globex, env)


def stack_env() -> dict[str, str]:
    """Settings the graph and the Slack bot read in the instances."""
    home = Path(__import__("tempfile").mkdtemp(prefix="pm-serving-home-"))
    # serving's mechanics (one post, crash recovery) on a settled verdict, whatever the fitted model's CV threshold
    # makes of the demo (tests/model_params.py); `eval cv` measures the model itself
    return {"PM_HOME": str(home), "PM_WORLD": "demo", "PM_MODEL_PARAMS": str(lenient_params())}
