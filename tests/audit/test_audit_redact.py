"""Redaction: every known secret shape goes, ordinary operational data stays."""

from __future__ import annotations

import pytest

from memory.audit.redact import REDACTED, Redactor, redact

SECRETS = {
    "bearer header": ("Authorization: Bearer abcdef0123456789.xyz", "abcdef0123456789"),
    "bearer in prose": ("curl -H 'x: Bearer 9f8e7d6c5b4a3210'", "9f8e7d6c5b4a3210"),
    "basic auth": ("authorization=Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA"),
    "postgres url": ("dsn postgres://app:s3cr3t-pw@db.internal:5432/orders", "s3cr3t-pw"),
    "redis url": ("redis://:hunter22@cache:6379/0", "hunter22"),
    "aws key id": ("key AKIAIOSFODNN7EXAMPLE used", "AKIAIOSFODNN7EXAMPLE"),
    "aws secret": ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG"),
    "slack bot token": ("token xoxb-1234567890-0987654321-AbCdEfGh", "xoxb-1234567890"),
    "slack webhook": ("post to https://hooks.slack.com/services/T000/B000/XXXXXXXX", "T000/B000/XXXXXXXX"),
    "github token": ("ghp_0123456789abcdefghijABCDEFGHIJ012345", "ghp_0123456789abcdef"),
    "openai key": ("OPENAI sk-proj-abcdefghijklmnopqrstuvwx", "sk-proj-abcdefghij"),
    "anthropic key": ("sk-ant-api03-abcdefghijklmnopqrstuvwxyz", "sk-ant-api03"),
    "jwt": (
        "session eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "eyJzdWIiOiIxMjM0NTY3ODkwIn0",
    ),
    "password assignment": ("login failed password=Tr0ub4dor&3 for bob", "Tr0ub4dor"),
    "json api key": ('{"api_key": "abc123xyz"}', "abc123xyz"),
    "client secret": ("client_secret: 'zzz-top-secret'", "zzz-top-secret"),
    "private key": (
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nabc\n-----END RSA PRIVATE KEY-----",
        "MIIEowIBAAKCAQEA7",
    ),
}


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_secret_is_removed(name: str) -> None:
    text, secret = SECRETS[name]
    cleaned = redact(text)
    assert secret not in cleaned
    assert REDACTED in cleaned


@pytest.mark.parametrize(
    "text",
    [
        "token bucket exhausted for provider grafana, retry in 2s",
        "checkout p99 latency 2300ms after deploy v2.4.1 (sha 3f2a9c1b7e4d)",
        "https://grafana.example.com/d/abc?orgId=1&from=now-1h",
        "GET /api/orders?id=42 returned 500",
        "response_hash=" + "ab" * 32,
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_mappings_are_redacted_by_key_and_by_value() -> None:
    value = {
        "password": "hunter2",
        "headers": {"Authorization": "Bearer abc", "Accept": "json"},
        "db": {"url": "mysql://root:rootpw@db/x", "pool": 5},
        "tokens_in": 1200,
        "max_tokens": 4096,
        "id_token": None,
        "lines": ("plain", "secret=abc123"),
        "enabled": True,
    }
    assert redact(value) == {
        "password": REDACTED,
        "headers": {"Authorization": REDACTED, "Accept": "json"},
        "db": {"url": "mysql://root:[REDACTED]@db/x", "pool": 5},
        "tokens_in": 1200,
        "max_tokens": 4096,
        "id_token": None,
        "lines": ["plain", "secret=[REDACTED]"],
        "enabled": True,
    }


def test_redaction_is_idempotent() -> None:
    once = redact("password=abc postgres://u:p@h/db Bearer 0123456789abcdef")
    assert redact(once) == once


def test_extra_patterns_and_keys() -> None:
    redactor = Redactor(extra_patterns=(r"\bACME-[0-9]{6}\b",), extra_keys=("x-internal",))
    assert redactor.redact({"note": "card ACME-123456 used", "X-Internal": "v"}) == {
        "note": f"card {REDACTED} used",
        "X-Internal": REDACTED,
    }
    assert redact("card ACME-123456 used") == "card ACME-123456 used"


def test_a_bad_extra_pattern_names_itself() -> None:
    with pytest.raises(ValueError, match=r"redaction pattern '\(unclosed' is not a valid regex"):
        Redactor(extra_patterns=("(unclosed",))
