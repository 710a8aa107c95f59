"""Our routes mounted in Aegra via `http.app`: auth, tenant scoping, webhooks with dedup, approvals, feedback."""

from __future__ import annotations

import asyncio
import json
import secrets

import httpx
import payloads
import pytest
from serving_stack import Stack

from api.auth.keys import hmac_sha256_hex

pytestmark = pytest.mark.slow


def client(stack: Stack, key: str | None, instance: int = 0) -> httpx.AsyncClient:
    headers = {"x-api-key": key} if key else {}
    return httpx.AsyncClient(base_url=stack.instances[instance].url, headers=headers, timeout=60.0)


async def wait_status(http: httpx.AsyncClient, investigation_id: str, wanted: str) -> dict:
    for _ in range(600):
        response = await http.get(f"/v1/investigations/{investigation_id}")
        assert response.status_code == 200, response.text
        body = response.json()
        if body["status"] == wanted:
            return body
        assert body["status"] != "failed", body
        await asyncio.sleep(0.1)
    raise AssertionError(f"{investigation_id} never reached {wanted}: {body}")


async def test_public_health_and_metrics(stack: Stack) -> None:
    async with client(stack, None) as http:
        assert (await http.get("/healthz")).json() == {"status": "ok"}
        assert (await http.get("/readyz")).json() == {"status": "ready"}
        metrics = (await http.get("/metrics")).text
    assert "pm_webhooks_total" in metrics and "aegra_reaper_recovered_runs_total" in metrics


async def test_routes_need_a_valid_key(stack: Stack) -> None:
    async with client(stack, None) as http:
        missing = await http.post("/v1/investigations", json={"text": "x"})
    async with client(stack, "pm_" + secrets.token_urlsafe(32)) as http:
        wrong = await http.get("/v1/investigations/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 401 and "API key required" in missing.json()["message"]
    assert wrong.status_code == 401 and wrong.json()["message"] == "unknown API key"


async def test_start_poll_approve_and_feedback(stack: Stack) -> None:
    request = {"text": "checkout p95 latency above 2s", "at": "2026-11-20T10:41:00Z", "kind": "alert"}
    async with client(stack, stack.acme.api_key) as http, client(stack, stack.acme.api_key, 1) as other:
        started = await http.post("/v1/investigations", json=request)
        assert started.status_code == 202, started.text
        investigation_id = started.json()["investigation_id"]

        waiting = await wait_status(other, investigation_id, "awaiting_approval")
        assert [a["kind"] for a in waiting["pending_actions"]] == ["rollback"]
        action_id = waiting["pending_actions"][0]["id"]

        approved = await other.post(
            f"/v1/investigations/{investigation_id}/approval", json={"approved": [action_id], "by": "sre@acme"}
        )
        assert approved.status_code == 202, approved.text
        done = await wait_status(http, investigation_id, "completed")
        assert done["report"]["root_cause"]["service"] == "inventory"
        assert done["report"]["actions"][0]["status"] == "approved"

        again = await http.post(f"/v1/investigations/{investigation_id}/approval", json={"approved": True, "by": "x"})
        assert again.status_code == 409 and "not awaiting approval" in again.json()["message"]

        feedback = await http.post("/v1/feedback", json={"investigation_id": investigation_id, "verdict": "correct"})
        assert feedback.status_code == 201, feedback.text

    async with client(stack, stack.globex.api_key) as globex:
        assert (await globex.get(f"/v1/investigations/{investigation_id}")).status_code == 404
        cross = await globex.post("/v1/feedback", json={"investigation_id": investigation_id, "verdict": "wrong"})
        assert cross.status_code == 404


async def test_bad_input_is_a_one_line_422(stack: Stack) -> None:
    async with client(stack, stack.acme.api_key) as http:
        response = await http.post("/v1/investigations", json={"text": ""})
        unknown = await http.post("/v1/feedback", json={"investigation_id": "x", "verdict": "maybe"})
        window = {"start": "0001-01-01T00:00:00+05:00", "end": "0001-01-02T00:00:00+05:00"}  # no UTC time before year 1
        early = await http.post("/v1/investigations", json={"text": "checkout errors", "window": window})
    assert response.status_code == 422 and response.json()["message"].startswith("text:")
    assert unknown.status_code == 422 and unknown.json()["message"].startswith("verdict:")
    assert early.status_code == 422 and early.json()["message"].startswith("window.start:"), early.text
    assert "out of range" in early.json()["message"]


@pytest.mark.parametrize("vendor", ["alertmanager", "grafana", "pagerduty", "jira"])
async def test_webhook_dedup_attaches_to_the_open_investigation(stack: Stack, vendor: str) -> None:
    key = f"{vendor}-{secrets.token_hex(4)}"
    body = {
        "alertmanager": payloads.alertmanager,
        "grafana": payloads.grafana,
        "pagerduty": payloads.pagerduty,
        "jira": lambda k: payloads.jira("OPS-" + k),
    }[vendor](key)
    # three deliveries of one alert (each its own delivery, as a vendor's retry or HA pair sends it), each signed
    deliveries = [payloads.signed(vendor, {**body, "delivery": n}, stack.acme.webhook_secret) for n in range(3)]
    async with client(stack, stack.acme.api_key) as first, client(stack, stack.acme.api_key, 1) as second:
        answers = await asyncio.gather(
            *(
                http.post(f"/v1/webhooks/{vendor}", content=raw, headers=headers)
                for http, (raw, headers) in zip((first, second, first), deliveries, strict=True)
            )
        )
        assert [a.status_code for a in answers] == [202, 202, 202], [a.text for a in answers]
        started = [a.json()["investigations"][0] for a in answers]
        assert len({s["investigation_id"] for s in started}) == 1
        assert sorted(s["attached"] for s in started) == [False, True, True]
        view = await first.get(started[0]["status_url"])
    assert view.json()["attached_alerts"] == 2


async def test_signed_webhooks_are_verified(stack: Stack) -> None:
    body = json.dumps(payloads.pagerduty(f"signed-{secrets.token_hex(4)}")).encode()
    good = hmac_sha256_hex(stack.acme.webhook_secret, body)
    headers = {"content-type": "application/json"}
    async with client(stack, stack.acme.api_key) as http:
        forged = await http.post(
            "/v1/webhooks/pagerduty", content=body, headers={**headers, "x-pagerduty-signature": "v1=" + "0" * 64}
        )
        signed = await http.post(
            "/v1/webhooks/pagerduty", content=body, headers={**headers, "x-pagerduty-signature": f"v1={good}"}
        )
        jira_forged = await http.post(
            "/v1/webhooks/jira", json=payloads.jira("OPS-1"), headers={"x-hub-signature": "sha256=" + "1" * 64}
        )
    assert forged.status_code == 401 and "signature does not match" in forged.json()["message"]
    assert signed.status_code == 202, signed.text
    assert jira_forged.status_code == 401


async def test_resolved_and_non_trigger_events_are_ignored(stack: Stack) -> None:
    async with client(stack, stack.acme.api_key) as http:
        resolved = await http.post("/v1/webhooks/alertmanager", json=payloads.alertmanager("r1", status="resolved"))
        raw, headers = payloads.signed(
            "pagerduty", payloads.pagerduty("k", "incident.acknowledged"), stack.acme.webhook_secret
        )
        ack = await http.post("/v1/webhooks/pagerduty", content=raw, headers=headers)
    assert resolved.json() == {"investigations": [], "ignored": 1}
    assert ack.json() == {"investigations": [], "ignored": 1}
