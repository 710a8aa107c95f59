"""Hostile input against the served stack (issue 19): nesting, size, content type, control characters, signatures,
replays, ids on the runtime's routes, keyed API description, and secrets in what an investigation returns."""

from __future__ import annotations

import asyncio
import functools
import json
import os
import secrets
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import httpx
import payloads
import pytest
from langgraph_sdk import get_client
from serving_stack import Stack

pytestmark = pytest.mark.slow
INTERNALS = ("select ", "insert ", "sqlalchemy", "asyncpg", "traceback", "psycopg")


def client(stack: Stack, key: str | None = None) -> httpx.AsyncClient:
    headers = {"x-api-key": key} if key else {}
    return httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=60.0)


def nested(depth: int) -> str:
    """An Atlassian Document Format description `depth` levels deep, as JSON text (no encoder recursion)."""
    return '{"type": "paragraph", "content": [' * depth + '{"type": "text", "text": "deep"}' + "]}" * depth


@pytest.mark.parametrize("depth", [500, 5000])
async def test_deeply_nested_webhook_is_a_422_naming_the_limit(stack: Stack, depth: int) -> None:
    body = payloads.jira(f"OPS-{secrets.token_hex(3)}")
    body["issue"]["fields"]["description"] = "DEEP"
    raw = json.dumps(body).replace('"DEEP"', nested(depth)).encode()
    headers = payloads.signed_headers("jira", raw, stack.acme.webhook_secret)
    thread = ('{"metadata": {"deep": ' + nested(depth) + "}}").encode()
    async with client(stack, stack.acme.api_key) as http:
        ours = await http.post("/v1/webhooks/jira", content=raw, headers=headers)
        runtime = await http.post("/threads", content=thread, headers={"content-type": "application/json"})
    for answer in (ours, runtime):
        assert answer.status_code == 422, answer.text[:300]
        assert "nested deeper than 64 levels" in answer.json()["message"]


async def test_bodies_over_the_limit_are_413_on_every_route(stack: Stack) -> None:
    big = {"webhookEvent": "jira:issue_created", "issue": {"key": "OPS-9", "fields": {"summary": "x" * 2_000_000}}}
    async with client(stack, stack.acme.api_key) as http:
        answers = [
            await http.post("/v1/webhooks/jira", json=big),
            await http.post("/v1/investigations", json={"text": "y" * 2_000_000}),
            await http.post("/threads", json={"metadata": {"blob": "z" * 2_000_000}}),
        ]
    for answer in answers:
        assert answer.status_code == 413, answer.text[:300]
        assert "larger than 1048576 bytes" in answer.json()["message"]


async def test_wrong_content_type_is_415_on_our_json_routes(stack: Stack) -> None:
    async with client(stack, stack.acme.api_key) as http:
        answer = await http.post(
            "/v1/investigations", content=json.dumps({"text": "hello"}), headers={"content-type": "text/plain"}
        )
    assert answer.status_code == 415 and "expected application/json" in answer.json()["message"]


async def test_control_characters_in_ids_labels_and_text_are_422_naming_the_field(stack: Stack) -> None:
    pagerduty = payloads.pagerduty("k\x00nul")
    pagerduty["event"]["data"]["id"] = "P\x00GR"
    jira = payloads.jira("OPS-\x001")
    async with client(stack, stack.acme.api_key) as http:
        answers = {
            "event.data": await http.post("/v1/webhooks/pagerduty", json=pagerduty),
            "issue.key": await http.post("/v1/webhooks/jira", json=jira),
            "labels.team": await http.post("/v1/investigations", json={"text": "x", "labels": {"team": "a\x00b"}}),
            "text": await http.post("/v1/investigations", json={"text": "checkout\x00 down"}),
            "path": await http.get("/threads/%00/state"),
        }
    for field, answer in answers.items():
        assert answer.status_code == 422, (field, answer.text)
        message = answer.json()["message"]
        assert message.startswith(field) and "control characters" in message, message
        assert not any(word in answer.text.lower() for word in INTERNALS), answer.text


async def test_invalid_thread_ids_on_the_runtime_routes_are_4xx_without_internals(stack: Stack) -> None:
    async with client(stack, stack.acme.api_key) as http:
        answers = [
            await http.get("/threads/%00/state"),
            await http.get("/threads/not-a-uuid/state"),
            await http.get("/threads/" + "9" * 300),
            await http.post("/threads/%01/runs", json={"assistant_id": "investigation"}),
        ]
    for answer in answers:
        assert 400 <= answer.status_code < 500, (answer.request.url, answer.status_code, answer.text[:300])
        assert not any(word in answer.text.lower() for word in INTERNALS), answer.text


async def test_webhooks_need_a_signature_once_the_tenant_has_a_secret(stack: Stack) -> None:
    bodies = {
        "pagerduty": payloads.pagerduty(f"unsigned-{secrets.token_hex(3)}"),
        "jira": payloads.jira(f"OPS-{secrets.token_hex(3)}"),
        "grafana": payloads.grafana(f"unsigned-{secrets.token_hex(3)}"),
    }
    async with client(stack, stack.acme.api_key) as http:
        for vendor, body in bodies.items():
            answer = await http.post(f"/v1/webhooks/{vendor}", json=body)
            assert answer.status_code == 401, (vendor, answer.text)
            assert "header required" in answer.json()["message"]


@pytest.mark.parametrize("year", [2020, 2100])
async def test_grafana_signed_outside_the_window_is_refused(stack: Stack, year: int) -> None:
    at = time.mktime((year, 6, 1, 0, 0, 0, 0, 0, 0))
    raw, headers = payloads.signed("grafana", payloads.grafana(secrets.token_hex(4)), stack.acme.webhook_secret, at=at)
    async with client(stack, stack.acme.api_key) as http:
        answer = await http.post("/v1/webhooks/grafana", content=raw, headers=headers)
    assert answer.status_code == 401 and "away from now" in answer.json()["message"], answer.text


@pytest.mark.parametrize("vendor", ["grafana", "pagerduty", "jira"])
async def test_a_replayed_delivery_is_refused(stack: Stack, vendor: str) -> None:
    """A delivery whose signature was seen before starts nothing: it joins the open investigation it duplicates
    (a vendor's retry), else it answers 409, here for events that started none (resolved, acknowledged, updated)."""
    key = secrets.token_hex(4)
    body = {
        "grafana": lambda: payloads.grafana(key) | {"status": "resolved"},
        "pagerduty": lambda: payloads.pagerduty(key, "incident.acknowledged"),
        "jira": lambda: payloads.jira("OPS-" + key, "jira:issue_updated"),
    }[vendor]()
    if vendor == "grafana":
        body["alerts"][0]["status"] = "resolved"
    raw, headers = payloads.signed(vendor, body, stack.acme.webhook_secret)
    async with client(stack, stack.acme.api_key) as http:
        first = await http.post(f"/v1/webhooks/{vendor}", content=raw, headers=headers)
        again = await http.post(f"/v1/webhooks/{vendor}", content=raw, headers=headers)
    assert first.status_code == 202 and first.json()["ignored"] == 1, first.text
    assert again.status_code == 409 and "replay" in again.json()["message"], again.text


async def test_the_api_description_and_build_info_need_a_key(stack: Stack) -> None:
    async with client(stack) as anonymous, client(stack, stack.acme.api_key) as keyed:
        for path in ("/docs", "/openapi.json", "/info"):
            refused = await anonymous.get(path)
            assert refused.status_code == 401, (path, refused.text[:200])
            assert (await keyed.get(path)).status_code == 200, path


SECRETS_IN_REQUEST = {
    "text": "checkout p95 latency above 2s; AKIAIOSFODNN7EXAMPLE password=hunter2 "  # pragma: allowlist secret
    "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlc2ln",  # pragma: allowlist secret
    "labels": {
        "slack": "xoxb-123456789012-abcdefghijklmnop",  # pragma: allowlist secret
        "db": "postgres://admin:s3cretPW@db:5432/x",  # pragma: allowlist secret
    },
}
NEEDLES = ("akiaiosfodnn7example", "hunter2", "eyjhbgcioijiuzi1nij9", "xoxb-123456789012", "s3cretpw")


async def test_the_served_report_holds_no_secret_of_the_request(stack: Stack) -> None:
    async with client(stack, stack.acme.api_key) as http:
        started = await http.post("/v1/investigations", json={**SECRETS_IN_REQUEST, "at": "2026-11-20T10:41:00Z"})
        assert started.status_code == 202, started.text
        url = started.json()["status_url"]
        for _ in range(900):
            view = (await http.get(url)).json()
            if view["report"]:
                break
            await asyncio.sleep(0.2)
        thread = (await http.get(f"/threads/{started.json()['thread_id']}/state")).text
    assert view["report"], view
    served = (json.dumps(view) + thread).lower()
    assert [n for n in NEEDLES if n in served] == []
    assert "[redacted]" in served


async def test_bundle_export_reads_a_served_investigation(stack: Stack, tmp_path: Path) -> None:
    async with client(stack, stack.acme.api_key) as http:
        body = {"text": "checkout p95 latency above 2s", "at": "2026-11-20T10:41:00Z"}
        started = await http.post("/v1/investigations", json=body)
        assert started.status_code == 202, started.text
        for _ in range(900):
            if (await http.get(started.json()["status_url"])).json()["report"]:
                break
            await asyncio.sleep(0.2)
    thread = started.json()["thread_id"]
    bundle = tmp_path / "served.tar.gz"
    env = {**os.environ, **stack.env, "PM_API_KEY": stack.acme.api_key, "COLUMNS": "200"}
    command = [sys.executable, "-m", "api.cli.main", "bundle", "export", thread, "-o", str(bundle)]
    run = functools.partial(subprocess.run, env=env, capture_output=True, text=True, timeout=120)
    exported = await asyncio.to_thread(run, [*command, "--server", stack.url])
    assert exported.returncode == 0, exported.stdout + exported.stderr
    with tarfile.open(bundle) as archive:
        report = json.load(archive.extractfile("report.json"))  # type: ignore[arg-type]
        audit = archive.extractfile("audit.jsonl").read()  # type: ignore[union-attr]
    assert report["root_cause"]["service"] and audit.count(b"\n") > 5
    other = await asyncio.to_thread(run, [*command, "--server", stack.url, "--api-key", stack.globex.api_key])
    assert other.returncode == 2 and "answered 404" in other.stderr, other.stderr


async def test_a_run_started_through_the_sdk_stores_no_secret_of_its_input(stack: Stack) -> None:
    sdk = get_client(url=stack.url, api_key=stack.acme.api_key)
    thread = await sdk.threads.create()
    request = {**SECRETS_IN_REQUEST, "at": "2026-11-20T10:41:00Z"}
    run = await sdk.runs.wait(thread["thread_id"], "investigation", input={"request": request})
    assert run, "the run returned nothing"
    async with client(stack, stack.acme.api_key) as http:
        runs = (await http.get(f"/threads/{thread['thread_id']}/runs")).text
        history = (await http.post(f"/threads/{thread['thread_id']}/history", json={"limit": 100})).text
    stored = (runs + history).lower()
    assert "checkout p95 latency" in stored
    assert [n for n in NEEDLES if n in stored] == []
