"""One suite, every AuditLog backend: append, read, chain, blobs, concurrency, redaction, tamper detection."""

from __future__ import annotations

import asyncio
import json

import pytest

from memory.audit import (
    GENESIS_HASH,
    AuditDraft,
    AuditEventType,
    AuditLog,
    AuditLogCorrupt,
    AuditTrail,
    JsonlAuditLog,
    RedisStreamAuditLog,
    verify_chain,
)
from memory.audit.commands import verify_investigation


def draft(investigation: str, text: str, **payload: object) -> AuditDraft:
    return AuditDraft(investigation_id=investigation, type=AuditEventType.note, payload={"text": text, **payload})


async def test_append_numbers_links_and_reads_back(audit_log: AuditLog) -> None:
    first = await audit_log.append(draft("inv-a", "one"))
    second = await audit_log.append(draft("inv-a", "two"))
    await audit_log.append(draft("inv-b", "other"))

    assert (first.seq, first.prev_hash) == (1, GENESIS_HASH)
    assert (second.seq, second.prev_hash) == (2, first.hash)
    assert await audit_log.read("inv-a") == [first, second]
    assert await audit_log.read("inv-missing") == []
    assert await audit_log.investigations() == ["inv-a", "inv-b"]
    assert verify_chain(await audit_log.read("inv-a")).ok


async def test_blobs_round_trip_and_first_write_wins(audit_log: AuditLog) -> None:
    key = "ab" * 32
    await audit_log.put_blob(key, b'{"lines":["x"]}')
    await audit_log.put_blob(key, b"something else")
    assert await audit_log.get_blob(key) == b'{"lines":["x"]}'
    assert await audit_log.get_blob("cd" * 32) is None


async def test_concurrent_appends_keep_one_intact_chain(audit_log: AuditLog) -> None:
    await asyncio.gather(*(audit_log.append(draft("inv-c", f"event {index}")) for index in range(40)))
    events = await audit_log.read("inv-c")
    assert [event.seq for event in events] == list(range(1, 41))
    assert sorted(event.payload["text"] for event in events) == sorted(f"event {index}" for index in range(40))
    assert verify_chain(events).ok


async def test_two_clients_of_one_store_chain_in_one_order(audit_log: AuditLog, tmp_path) -> None:
    """Two instances (two log objects, two locks) appending to one investigation still produce one chain."""
    if isinstance(audit_log, JsonlAuditLog):
        other: AuditLog = JsonlAuditLog(audit_log.directory)
    else:
        assert isinstance(audit_log, RedisStreamAuditLog)
        url = audit_log._client.connection_pool.connection_kwargs
        other = RedisStreamAuditLog(f"redis://{url['host']}:{url['port']}/{url.get('db', 0)}", prefix=audit_log.prefix)
    try:
        await asyncio.gather(
            *(
                log.append(draft("inv-d", f"{name} {index}"))
                for index in range(15)
                for name, log in (("a", audit_log), ("b", other))
            )
        )
    finally:
        await other.aclose()
    events = await audit_log.read("inv-d")
    assert len(events) == 30
    assert verify_chain(events).ok


async def test_payloads_are_redacted_before_sealing(audit_log: AuditLog) -> None:
    trail = AuditTrail(audit_log, "inv-r")
    event = await trail.tool_call(
        tool_call_id="tc-1",
        interface="log-system",
        provider="grafana",
        operation="query_logs",
        args={"query": "error", "api_key": "k-123456"},
        response={"lines": ["connect postgres://app:hunter2@db:5432/x failed"], "token": "xoxb-1234567890-abcdef"},
    )
    stored = json.dumps([e.model_dump(mode="json") for e in await audit_log.read("inv-r")])
    blob = (await audit_log.get_blob(event.payload["response_hash"])) or b""
    for secret in ("k-123456", "hunter2", "xoxb-1234567890"):
        assert secret not in stored
        assert secret.encode() not in blob
    assert b"postgres://app:[REDACTED]@db:5432/x" in blob
    assert verify_chain(await audit_log.read("inv-r")).ok


async def test_verify_reports_an_unknown_investigation_clearly(audit_log: AuditLog) -> None:
    from memory.audit import AuditError

    with pytest.raises(AuditError, match="no audit events for investigation 'nope'"):
        await verify_investigation(audit_log, "nope")


async def test_a_corrupt_record_is_refused_on_read_and_on_append(tmp_path) -> None:
    log = JsonlAuditLog(tmp_path)
    await log.append(draft("inv-x", "one"))
    path = log.path("inv-x")
    path.write_bytes(path.read_bytes().replace(b'"one"', b'"0ne"', 1))
    result = await verify_investigation(log, "inv-x")
    assert not result.ok and result.reason == "edited"
    with pytest.raises(AuditLogCorrupt):
        await log.append(draft("inv-x", "two"))
