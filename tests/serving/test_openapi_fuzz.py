"""schemathesis against our routes' OpenAPI (api/http/openapi.json): >= 1,000 generated requests, valid and invalid,
no 5xx, every 4xx carries a message.

One instance of its own (own PostgreSQL and Redis database, one worker slot), so the investigations that valid
requests start queue there instead of slowing the shared stack down.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from api.auth.tenants import NewTenant, create_tenant
from api.serve import REPO_ROOT, Instance, running_instances
from memory.postgres_server import running
from memory.redis_server import free_port

pytestmark = pytest.mark.slow
EXAMPLES = {GenerationMode.POSITIVE: 90, GenerationMode.NEGATIVE: 70}  # per operation; 11 operations
ONE_SLOT = {"WORKER_COUNT": "1", "N_JOBS_PER_WORKER": "1"}


@pytest.fixture(scope="module")
def fuzz_target(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Instance, NewTenant]]:
    redis = redis_url.rsplit("/", 1)[0] + "/10"
    tenant = asyncio.run(create_tenant("fuzz", redis))
    home = tmp_path_factory.mktemp("fuzz")
    extra = ONE_SLOT | {"PM_HOME": str(home / "pm"), "PM_WORLD": "demo"}
    with (
        running() as postgres,
        running_instances(
            [free_port()], database_url=postgres.url, redis_url=redis, log_dir=home / "logs", extra_env=extra
        ) as (instance,),
    ):
        yield instance, tenant


def problems(response: httpx.Response) -> str | None:
    """Why this answer breaks the contract: a 5xx, or a 4xx without a message."""
    if response.status_code >= 500:
        return f"{response.status_code}: {response.text[:200]}"
    if response.status_code >= 400:
        try:
            body = response.json()
        except ValueError:
            return f"{response.status_code} without a JSON body"
        message = body.get("message") or body.get("detail") if isinstance(body, dict) else None
        if not message or not str(message).strip():
            return f"{response.status_code} without a message: {response.text[:200]}"
    return None


def test_generated_requests_get_no_5xx_and_every_4xx_says_why(fuzz_target: tuple[Instance, NewTenant]) -> None:
    instance, tenant = fuzz_target
    schema = schemathesis.openapi.from_path(REPO_ROOT / "api" / "http" / "openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    headers = {"authorization": f"Bearer {tenant.api_key}"}
    # no keep-alive: a pooled connection the server closed at its idle timeout would read as a reset here
    no_reuse = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(base_url=instance.url, timeout=60.0, limits=no_reuse) as http:
        for operation in operations:
            for mode, examples in EXAMPLES.items():

                @given(case=operation.as_strategy(generation_mode=mode))
                @settings(
                    max_examples=examples,
                    phases=[Phase.generate],
                    database=None,
                    deadline=None,
                    suppress_health_check=list(HealthCheck),
                )
                def exchange(case: schemathesis.Case) -> None:
                    kwargs = case.as_transport_kwargs(base_url=instance.url, headers=headers)
                    try:
                        response = http.request(
                            kwargs["method"],
                            kwargs["url"],
                            headers=kwargs.get("headers"),
                            params=kwargs.get("params"),
                            json=kwargs.get("json"),
                            content=kwargs.get("data") if isinstance(kwargs.get("data"), bytes | str) else None,
                        )
                    except httpx.TransportError as exc:  # a dropped connection is a failure too, never a pass
                        failures.append(f"{case.method} {case.formatted_path}: connection failed: {exc!r}")
                        return
                    statuses[response.status_code] += 1
                    problem = problems(response)
                    if problem:
                        failures.append(f"{case.method} {case.formatted_path}: {problem}")

                try:
                    exchange()
                except Unsatisfiable:  # no invalid input exists for an operation without parameters or body
                    assert mode is GenerationMode.NEGATIVE, f"{operation.label}: no valid request could be generated"
    total = sum(statuses.values())
    by_status = dict(sorted(statuses.items()))
    print(f"\nschemathesis: {total} requests over {len(operations)} operations, statuses {by_status}")
    assert total >= 1000
    assert not failures, "\n".join(failures[:10])
