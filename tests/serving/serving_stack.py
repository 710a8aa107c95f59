"""The serving test stack's types and inputs, shared by the tests in this folder."""

from __future__ import annotations

from dataclasses import dataclass

from api.auth.tenants import NewTenant
from api.serve import Instance

SLACK_SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # a test value, not a secret
DEMO_INPUT = {"request": {"text": "checkout p95 latency above 2s", "at": "2026-11-20T10:41:00Z"}}


@dataclass(frozen=True)
class Stack:
    instances: list[Instance]
    redis_url: str
    database_url: str
    service_token: str
    acme: NewTenant
    globex: NewTenant
    env: dict[str, str]

    @property
    def url(self) -> str:
        return self.instances[0].url
