"""The shared audit backend: one Redis stream per investigation, raw responses in one Redis hash."""

from __future__ import annotations

import asyncio
from typing import Any

from memory.audit.base import (
    AuditError,
    AuditLogCorrupt,
    check_blob_key,
    check_investigation_id,
    parse_head,
    parse_record,
)
from memory.audit.events import GENESIS_HASH, AuditDraft, AuditEvent, seal
from memory.audit.redact import DEFAULT_REDACTOR, Redactor

_FIELD = "e"
_MAX_RETRIES = 100


class RedisStreamAuditLog:
    """XADD to `{prefix}{investigation}`; WATCH/MULTI makes appends from many instances chain in one order."""

    def __init__(self, redis_url: str, *, prefix: str = "pm:audit:", redactor: Redactor = DEFAULT_REDACTOR) -> None:
        import redis.asyncio as redis_asyncio

        self.prefix = prefix
        self.redactor = redactor
        self._client: Any = redis_asyncio.Redis.from_url(redis_url, decode_responses=False)
        self._lock = asyncio.Lock()

    @property
    def index_key(self) -> str:
        return f"{self.prefix}index"

    @property
    def blobs_key(self) -> str:
        return f"{self.prefix}blobs"

    def stream_key(self, investigation_id: str) -> str:
        return f"{self.prefix}{check_investigation_id(investigation_id)}"

    async def append(self, draft: AuditDraft) -> AuditEvent:
        from redis.exceptions import WatchError

        key = self.stream_key(draft.investigation_id)
        async with self._lock, self._client.pipeline(transaction=True) as pipe:
            for _ in range(_MAX_RETRIES):
                try:
                    await pipe.watch(key)
                    last = await pipe.xrevrange(key, count=1)
                    seq, prev_hash = self._head(draft.investigation_id, last)
                    event = seal(draft, seq=seq + 1, prev_hash=prev_hash, redactor=self.redactor)
                    pipe.multi()
                    pipe.xadd(key, {_FIELD: event.to_line()})
                    pipe.sadd(self.index_key, draft.investigation_id)
                    await pipe.execute()
                    return event
                except WatchError:  # another instance appended first: chain after its event
                    continue
        raise AuditError(f"could not append to {key}: {_MAX_RETRIES} concurrent appends won in a row")

    @staticmethod
    def _head(investigation_id: str, last: list[tuple[bytes, dict[bytes, bytes]]]) -> tuple[int, str]:
        if not last:
            return 0, GENESIS_HASH
        event = parse_head(investigation_id, _record(investigation_id, -1, last[0][1]))
        return event.seq, event.hash

    async def read(self, investigation_id: str) -> list[AuditEvent]:
        entries = await self._client.xrange(self.stream_key(investigation_id), "-", "+")
        return [
            parse_record(investigation_id, position, _record(investigation_id, position, fields))
            for position, (_, fields) in enumerate(entries, start=1)
        ]

    async def investigations(self) -> list[str]:
        members = await self._client.smembers(self.index_key)
        return sorted(member.decode() for member in members)

    async def put_blob(self, key: str, data: bytes) -> None:
        await self._client.hsetnx(self.blobs_key, check_blob_key(key), data)

    async def get_blob(self, key: str) -> bytes | None:
        value = await self._client.hget(self.blobs_key, check_blob_key(key))
        return bytes(value) if value is not None else None

    async def aclose(self) -> None:
        await self._client.aclose()


def _record(investigation_id: str, position: int, fields: dict[bytes, bytes]) -> str:
    raw = fields.get(_FIELD.encode())
    if raw is None:
        raise AuditLogCorrupt(investigation_id, position, f"has no {_FIELD!r} field: inserted by hand")
    try:
        return raw.decode()
    except UnicodeDecodeError:
        raise AuditLogCorrupt(investigation_id, position, "is not UTF-8: edited") from None


__all__ = ["RedisStreamAuditLog"]
