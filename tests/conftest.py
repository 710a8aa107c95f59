"""Shared fixtures. Each helper adds its own below with small edits."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis 8 with search + JSON: `PM_TEST_REDIS_URL` if set, else one started for this session."""
    external = os.environ.get("PM_TEST_REDIS_URL")
    if external:
        yield external
        return
    from memory.redis_server import RedisServerError, running

    try:
        with running(tmp_path_factory.mktemp("redis")) as server:
            yield server.url
    except RedisServerError as error:
        pytest.fail(f"cannot start Redis 8 for the tests: {error}")


@pytest.fixture(scope="session", autouse=True)
def _langsmith_off() -> Iterator[None]:
    """LangSmith tracing stays off in tests whatever the shell exports (it would send runs over the network)."""
    saved = {key: os.environ.get(key) for key in ("LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2")}
    os.environ["LANGSMITH_TRACING"] = "false"
    os.environ["LANGCHAIN_TRACING_V2"] = "false"
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
