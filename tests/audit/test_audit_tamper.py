"""`audit verify` catches every one-byte edit, and any deletion, insertion or reordering, in both backends."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from memory.audit import AuditDraft, AuditEventType, JsonlAuditLog, RedisStreamAuditLog, verify_chain
from memory.audit.commands import audit_verify, verify_investigation
from memory.audit.events import seal


async def filled_jsonl(home: Path, events: int = 6) -> JsonlAuditLog:
    log = JsonlAuditLog(home / "audit")
    for index in range(events):
        payload = {"text": f"step {index}", "score": index / 3, "ids": [f"ev-{index}"]}
        await log.append(AuditDraft(investigation_id="inv-1", type=AuditEventType.note, payload=payload))
    return log


async def test_every_one_byte_edit_of_the_file_is_caught(tmp_path: Path) -> None:
    log = await filled_jsonl(tmp_path, events=3)
    path = log.path("inv-1")
    original = path.read_bytes()
    assert (await verify_investigation(log, "inv-1")).ok
    missed = []
    for offset in range(len(original)):
        for replacement in {original[offset] ^ 0x01, ord("0") if original[offset] != ord("0") else ord("1")}:
            edited = bytearray(original)
            edited[offset] = replacement
            path.write_bytes(bytes(edited))
            if (await verify_investigation(log, "inv-1")).ok:
                missed.append((offset, chr(original[offset]), chr(replacement)))
    path.write_bytes(original)
    assert missed == []
    assert len(original) > 500


async def test_deleted_line_is_named(tmp_path: Path) -> None:
    log = await filled_jsonl(tmp_path)
    lines = log.path("inv-1").read_bytes().splitlines(keepends=True)
    log.path("inv-1").write_bytes(b"".join(lines[:2] + lines[3:]))
    result = await verify_investigation(log, "inv-1")
    assert (result.ok, result.reason, result.first_bad_seq) == (False, "deleted", 3)


async def test_reordered_lines_are_named(tmp_path: Path) -> None:
    log = await filled_jsonl(tmp_path)
    lines = log.path("inv-1").read_bytes().splitlines(keepends=True)
    lines[2], lines[3] = lines[3], lines[2]
    log.path("inv-1").write_bytes(b"".join(lines))
    result = await verify_investigation(log, "inv-1")
    assert (result.ok, result.reason, result.first_bad_seq) == (False, "reordered", 4)


async def test_inserted_forged_event_is_named(tmp_path: Path) -> None:
    """A forger who recomputes the hash of an inserted event still breaks the numbering or the links."""
    log = await filled_jsonl(tmp_path)
    events = await log.read("inv-1")
    forged = seal(
        AuditDraft(investigation_id="inv-1", type=AuditEventType.note, payload={"text": "all fine"}),
        seq=3,
        prev_hash=events[1].hash,
    )
    lines = log.path("inv-1").read_bytes().splitlines(keepends=True)
    log.path("inv-1").write_bytes(b"".join([*lines[:2], forged.to_line().encode() + b"\n", *lines[2:]]))
    result = await verify_investigation(log, "inv-1")
    assert (result.ok, result.reason) == (False, "inserted")


async def test_cut_tail_is_caught_against_a_recorded_head(tmp_path: Path) -> None:
    log = await filled_jsonl(tmp_path)
    events = await log.read("inv-1")
    assert verify_chain(events, expected_head=events[-1].hash).ok
    result = verify_chain(events[:-1], expected_head=events[-1].hash)
    assert (result.ok, result.reason, result.first_bad_seq) == (False, "truncated", 6)


def test_cli_message_for_a_missing_investigation(tmp_path: Path) -> None:
    ok, message = audit_verify(tmp_path, "does-not-exist")
    assert not ok
    assert message == "no audit events for investigation 'does-not-exist'"


async def test_redis_stream_deletion_and_insertion_are_caught(redis_url: str) -> None:
    prefix = f"pm:test-tamper:{uuid.uuid4().hex[:8]}:"
    log = RedisStreamAuditLog(redis_url, prefix=prefix)
    try:
        for index in range(5):
            await log.append(AuditDraft(investigation_id="inv-r", type=AuditEventType.note, payload={"i": index}))
        client = log._client
        key = log.stream_key("inv-r")
        entries = await client.xrange(key, "-", "+")
        assert (await verify_investigation(log, "inv-r")).ok

        await client.xdel(key, entries[1][0])
        result = await verify_investigation(log, "inv-r")
        assert (result.ok, result.reason, result.first_bad_seq) == (False, "deleted", 2)

        await client.delete(key)
        for _, fields in entries:
            await client.xadd(key, fields)
        events = await log.read("inv-r")
        forged = seal(
            AuditDraft(investigation_id="inv-r", type=AuditEventType.note, payload={"i": 99}),
            seq=6,
            prev_hash=events[2].hash,
        )
        await client.xadd(key, {"e": forged.to_line()})
        result = await verify_investigation(log, "inv-r")
        assert (result.ok, result.reason, result.first_bad_seq) == (False, "inserted", 6)
    finally:
        await log.aclose()


@pytest.mark.parametrize("garbage", [b"not json\n", b'{"seq": 1}\n'])
def test_a_line_that_is_not_an_event_is_reported_not_raised(tmp_path: Path, garbage: bytes) -> None:
    log = asyncio.run(filled_jsonl(tmp_path, events=2))
    with log.path("inv-1").open("ab") as handle:
        handle.write(garbage)
    ok, message = audit_verify(tmp_path, "inv-1")
    assert not ok
    assert "record 3" in message
