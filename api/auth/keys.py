"""API keys: random, shown once, stored as a SHA-256 digest (keys are 256-bit random, so no slow hash is needed)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from graphs.contracts import TENANT_NAME

KEY_PREFIX = "pm_"
TENANT_PATTERN = re.compile(TENANT_NAME)


def new_api_key() -> str:
    """A fresh API key: `pm_` and 43 URL-safe characters."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def new_webhook_secret() -> str:
    """A fresh signing secret for vendors that sign webhook bodies (HMAC-SHA256)."""
    return secrets.token_hex(32)


def hash_key(key: str) -> str:
    """The digest stored in place of a key."""
    return hashlib.sha256(key.encode()).hexdigest()


def hmac_sha256_hex(secret: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of a request body, as PagerDuty, Jira and Grafana send it."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def valid_tenant_name(name: str) -> bool:
    return bool(TENANT_PATTERN.match(name))
