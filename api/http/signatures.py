"""Webhook body signatures: verified with the tenant's webhook secret whenever a vendor sends one."""

from __future__ import annotations

import hmac

from starlette.datastructures import Headers

from api.auth.keys import hmac_sha256_hex


class SignatureError(ValueError):
    """A signature header that does not match the body."""


def presented(vendor: str, headers: Headers) -> list[str] | None:
    """The hex digests a delivery claims, or None when the vendor did not sign it."""
    if vendor == "pagerduty" and "x-pagerduty-signature" in headers:
        return [
            part.strip()[3:] for part in headers["x-pagerduty-signature"].split(",") if part.strip().startswith("v1=")
        ]
    if vendor == "jira" and "x-hub-signature" in headers:
        return [headers["x-hub-signature"].removeprefix("sha256=")]
    if vendor == "grafana" and "x-grafana-alerting-signature" in headers:
        return [headers["x-grafana-alerting-signature"]]
    return None


def signed_body(vendor: str, headers: Headers, body: bytes) -> bytes:
    """Grafana may sign `timestamp:body`; everyone else signs the raw body."""
    timestamp = headers.get("x-grafana-alerting-signature-timestamp")
    return f"{timestamp}:".encode() + body if vendor == "grafana" and timestamp else body


def verify(vendor: str, headers: Headers, body: bytes, secret: str | None) -> None:
    """Raise SignatureError if the delivery is signed and no digest matches the tenant's secret."""
    digests = presented(vendor, headers)
    if digests is None:
        return
    if not secret:
        raise SignatureError("delivery is signed but the tenant has no webhook secret")
    expected = hmac_sha256_hex(secret, signed_body(vendor, headers, body))
    if not any(hmac.compare_digest(expected, digest) for digest in digests):
        raise SignatureError(f"{vendor} signature does not match the body")
