"""schemathesis against our routes' OpenAPI (api/http/openapi.json): >= 1,000 generated requests, valid and invalid,
no 5xx, every 4xx carries a message.

One instance of its own (own PostgreSQL and Redis database, one worker slot), so the investigations that valid
requests start queue there instead of slowing the shared stack down.
"""

from __future__ import annotations

import asyncio
import json
import re
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


def fuzz(
    operations: list, examples: dict, http: httpx.Client, base_url: str, headers: dict[str, str]
) -> tuple[Counter[int], list[str]]:
    """Send `examples` generated requests per operation and mode; the statuses seen and the contract breaches."""
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    for operation in operations:
        for mode, count in examples.items():

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=count,
                phases=[Phase.generate],
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            )
            def exchange(case: schemathesis.Case) -> None:
                kwargs = case.as_transport_kwargs(base_url=base_url, headers=headers)
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
    return statuses, failures


def hostile(operations: list, http: httpx.Client, headers: dict[str, str]) -> tuple[Counter[int], list[str]]:
    """Every operation that takes a body, sent JSON nested 100 and 5,000 levels deep and a 2 MB body."""
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    deep = {depth: ('{"a": ' * depth + "1" + "}" * depth).encode() for depth in (100, 5000)}
    bodies = [*deep.values(), json.dumps({"text": "x" * 2_000_000, "metadata": {"m": "y"}}).encode()]
    for operation in operations:
        if operation.method.upper() not in ("POST", "PUT", "PATCH"):
            continue
        path = re.sub(r"\{[^}]+\}", "00000000-0000-4000-8000-000000000000", operation.path)
        for body in bodies:
            try:
                response = http.request(
                    operation.method.upper(),
                    path,
                    content=body,
                    headers={**headers, "content-type": "application/json"},
                )
            except httpx.TransportError as exc:
                failures.append(f"{operation.method} {path} ({len(body)} bytes): connection failed: {exc!r}")
                continue
            statuses[response.status_code] += 1
            if response.status_code < 400 or (problem := problems(response)):
                failures.append(f"{operation.method} {path} ({len(body)} bytes): {response.status_code} {problem}")
    return statuses, failures


def client(instance: Instance) -> httpx.Client:
    # no keep-alive: a pooled connection the server closed at its idle timeout would read as a reset here
    return httpx.Client(base_url=instance.url, timeout=60.0, limits=httpx.Limits(max_keepalive_connections=0))


def test_generated_requests_get_no_5xx_and_every_4xx_says_why(fuzz_target: tuple[Instance, NewTenant]) -> None:
    instance, tenant = fuzz_target
    schema = schemathesis.openapi.from_path(REPO_ROOT / "api" / "http" / "openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    headers = {"authorization": f"Bearer {tenant.api_key}"}
    with client(instance) as http:
        statuses, failures = fuzz(operations, EXAMPLES, http, instance.url, headers)
        hostile_statuses, hostile_failures = hostile(operations, http, headers)
    total = sum(statuses.values()) + sum(hostile_statuses.values())
    by_status = dict(sorted((statuses + hostile_statuses).items()))
    print(f"\nschemathesis: {total} requests over {len(operations)} operations, statuses {by_status}")
    assert total >= 1000
    assert not failures + hostile_failures, "\n".join((failures + hostile_failures)[:10])


def runtime_operations(instance: Instance, headers: dict[str, str]) -> list:
    """The runtime's thread and run operations, from the OpenAPI document the server serves (with a key)."""
    document = httpx.get(instance.url + "/openapi.json", headers=headers, timeout=30).json()
    document["paths"] = {p: v for p, v in document["paths"].items() if p.startswith(("/threads", "/runs"))}
    schema = schemathesis.openapi.from_dict(document)
    return [result.ok() for result in schema.get_all_operations()]


# bounded: the operations without path parameters (generating ids for the others costs ~5 s a request); the full
# run covers all 35 operations (11 min on 2 cores). Both send every operation the hostile bodies.
@pytest.mark.parametrize(
    ("examples", "with_ids"),
    [
        pytest.param({GenerationMode.POSITIVE: 4, GenerationMode.NEGATIVE: 4}, False, id="bounded"),
        pytest.param(
            {GenerationMode.POSITIVE: 2, GenerationMode.NEGATIVE: 2},
            True,
            id="full",
            marks=[pytest.mark.benchmark, pytest.mark.timeout(1800)],
        ),
    ],
)
def test_the_runtimes_thread_and_run_routes_get_no_5xx(
    fuzz_target: tuple[Instance, NewTenant], examples: dict, with_ids: bool
) -> None:
    instance, tenant = fuzz_target
    headers = {"authorization": f"Bearer {tenant.api_key}"}
    operations = runtime_operations(instance, headers)
    assert len(operations) >= 10, [op.label for op in operations]
    generated = [op for op in operations if with_ids or "{" not in op.path]
    with client(instance) as http:
        statuses, failures = fuzz(generated, examples, http, instance.url, headers)
        hostile_statuses, hostile_failures = hostile(operations, http, headers)
    total = sum(statuses.values()) + sum(hostile_statuses.values())
    fives = sum(n for code, n in (statuses + hostile_statuses).items() if code >= 500)
    print(f"\nschemathesis (runtime): {total} requests over {len(operations)} operations, {fives} 5xx")
    assert not failures + hostile_failures, "\n".join((failures + hostile_failures)[:10])


def test_search_offsets_beyond_64_bits_get_a_422_naming_the_field(fuzz_target: tuple[Instance, NewTenant]) -> None:
    instance, tenant = fuzz_target
    headers = {"authorization": f"Bearer {tenant.api_key}"}
    with client(instance) as http:
        answers = {
            path: http.post(path, json={"offset": 2**63}, headers=headers)
            for path in ("/runs/crons/search", "/threads/search", "/assistants/search")
        }
        fitting = http.post("/threads/search", json={"offset": 2**63 - 1, "limit": 5}, headers=headers)
    for path, answer in answers.items():
        assert answer.status_code == 422, (path, answer.text)
        assert answer.json()["message"].startswith("offset: "), (path, answer.text)
    assert fitting.status_code == 200 and fitting.json() == []
