"""Vendor webhook bodies in their real shapes (trimmed to the fields vendors always send)."""

from __future__ import annotations

from typing import Any


def alertmanager(fingerprint: str, status: str = "firing") -> dict[str, Any]:
    """Alertmanager webhook v4 (Grafana's webhook contact point adds orgId, title, state, message)."""
    labels = {"alertname": "CheckoutLatencyHigh", "service": "checkout", "severity": "critical"}
    return {
        "version": "4",
        "groupKey": '{}:{alertname="CheckoutLatencyHigh"}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "production-master",
        "groupLabels": {"alertname": "CheckoutLatencyHigh"},
        "commonLabels": labels,
        "commonAnnotations": {"summary": "checkout p95 latency above 2s"},
        "externalURL": "http://alertmanager.example:9093",
        "alerts": [
            {
                "status": status,
                "labels": labels,
                "annotations": {"summary": "checkout p95 latency above 2s"},
                "startsAt": "2026-11-20T10:41:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.example:9090/graph?g0.expr=...",
                "fingerprint": fingerprint,
            }
        ],
    }


def grafana(fingerprint: str) -> dict[str, Any]:
    body = alertmanager(fingerprint)
    body.update({"orgId": 1, "title": "[FIRING:1] CheckoutLatencyHigh", "state": "alerting", "message": "..."})
    body["alerts"][0].update({"silenceURL": "http://grafana.example/alerting/silence/new", "values": {"B": 2.4}})
    return body


def pagerduty(incident_key: str, event_type: str = "incident.triggered") -> dict[str, Any]:
    """PagerDuty v3 webhook."""
    return {
        "event": {
            "id": "01DEN4HPBQAAAG05V5QQYBRZMF",
            "event_type": event_type,
            "resource_type": "incident",
            "occurred_at": "2026-11-20T10:41:00.000Z",
            "agent": {"id": "PLH1HKV", "type": "user_reference"},
            "client": None,
            "data": {
                "id": "PGR0VU2",
                "type": "incident",
                "self": "https://api.pagerduty.com/incidents/PGR0VU2",
                "html_url": "https://acme.pagerduty.com/incidents/PGR0VU2",
                "number": 2,
                "status": "triggered",
                "incident_key": incident_key,
                "created_at": "2026-11-20T10:41:00Z",
                "title": "checkout p95 latency above 2s",
                "service": {"id": "PF9KMXH", "type": "service_reference", "summary": "checkout"},
                "assignees": [],
                "escalation_policy": {"id": "PL0WMAB", "type": "escalation_policy_reference"},
                "teams": [],
                "priority": {"id": "PSO75BM", "type": "priority_reference", "summary": "P1"},
                "urgency": "high",
                "conference_bridge": None,
                "resolve_reason": None,
            },
        }
    }


def jira(key: str, event: str = "jira:issue_created") -> dict[str, Any]:
    """Jira Cloud issue webhook (API v2 description: wiki text)."""
    return {
        "timestamp": 1795175460000,
        "webhookEvent": event,
        "issue_event_type_name": "issue_created",
        "user": {"accountId": "5b10a2844c20165700ede21g", "displayName": "Ann"},
        "issue": {
            "id": "10001",
            "self": "https://acme.atlassian.net/rest/api/2/issue/10001",
            "key": key,
            "fields": {
                "summary": "Checkout is slow since this morning",
                "description": "checkout p95 latency above 2s for carts with many items",
                "priority": {"name": "High"},
                "labels": ["checkout"],
                "components": [{"name": "checkout"}],
                "created": "2026-11-20T10:45:00.000+0000",
            },
        },
    }


def signed(vendor: str, body: dict[str, Any], secret: str, *, at: float | None = None) -> tuple[bytes, dict[str, str]]:
    """The body as sent and the headers its vendor signs it with (Grafana signs `timestamp:body`)."""
    import json

    raw = json.dumps(body).encode()
    return raw, signed_headers(vendor, raw, secret, at=at)


def signed_headers(vendor: str, raw: bytes, secret: str, *, at: float | None = None) -> dict[str, str]:
    import time

    from api.auth.keys import hmac_sha256_hex

    headers = {"content-type": "application/json"}
    if vendor == "pagerduty":
        headers["x-pagerduty-signature"] = "v1=" + hmac_sha256_hex(secret, raw)
    elif vendor == "jira":
        headers["x-hub-signature"] = "sha256=" + hmac_sha256_hex(secret, raw)
    elif vendor == "grafana":
        stamp = str(int(time.time() if at is None else at))
        headers["x-grafana-alerting-signature-timestamp"] = stamp
        headers["x-grafana-alerting-signature"] = hmac_sha256_hex(secret, f"{stamp}:".encode() + raw)
    return headers
