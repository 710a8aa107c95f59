"""Webhook body signatures: required once the tenant has a webhook secret, within a time window where signed."""

from __future__ import annotations

import hmac
import time

from starlette.datastructures import Headers

from api.auth.keys import hmac_sha256_hex

SIGNING_VENDORS = frozenset({"pagerduty", "jira", "grafana"})  # Alertmanager cannot sign: its API key is the proof
HEADERS = {
    "pagerduty": "X-PagerDuty-Signature",
    "jira": "X-Hub-Signature",
    "grafana": "X-Grafana-Alerting-Signature",
}
GRAFANA_TIMESTAMP = "x-grafana-alerting-signature-timestamp"


class SignatureError(ValueError):
    """A signature header that is missing, stale or does not match the body."""


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
    timestamp = headers.get(GRAFANA_TIMESTAMP)
    return f"{timestamp}:".encode() + body if vendor == "grafana" and timestamp else body


def verify(vendor: str, headers: Headers, body: bytes, secret: str | None, *, max_skew: float = 300.0) -> str | None:
    """The matching digest (the delivery's replay key), or None for an unsigned delivery to a tenant without a
    secret; raise SignatureError if a secret is configured and the signature is missing, wrong or stale."""
    digests = presented(vendor, headers)
    if digests is None:
        if secret and vendor in SIGNING_VENDORS:
            raise SignatureError(f"{HEADERS[vendor]} header required: the tenant has a webhook secret")
        return None
    if not secret:
        raise SignatureError("delivery is signed but the tenant has no webhook secret")
    expected = hmac_sha256_hex(secret, signed_body(vendor, headers, body))
    if not any(hmac.compare_digest(expected, digest) for digest in digests):
        raise SignatureError(f"{vendor} signature does not match the body")
    if vendor == "grafana" and GRAFANA_TIMESTAMP in headers:
        _within_window(headers[GRAFANA_TIMESTAMP], max_skew)
    return expected


def _within_window(stamp: str, max_skew: float) -> None:
    """Grafana signs `timestamp:body`: a signature older or newer than the window is a replay or a forgery."""
    try:
        signed_at = float(stamp)
    except ValueError:
        raise SignatureError(f"{GRAFANA_TIMESTAMP}: not a Unix timestamp") from None
    if signed_at > 1e11:  # milliseconds
        signed_at /= 1000
    skew = abs(time.time() - signed_at)
    if skew > max_skew:
        raise SignatureError(f"{GRAFANA_TIMESTAMP}: signed {skew:.0f}s away from now (the limit is {max_skew:.0f}s)")
