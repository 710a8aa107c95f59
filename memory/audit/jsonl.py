"""The embedded audit backend: one append-only JSONL file per investigation, raw responses as files beside them."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from pathlib import Path
from typing import BinaryIO

from memory.audit.base import AuditLogCorrupt, check_blob_key, check_investigation_id, parse_head, parse_record
from memory.audit.events import GENESIS_HASH, AuditDraft, AuditEvent, seal
from memory.audit.redact import DEFAULT_REDACTOR, Redactor
from memory.files import replace_atomically


class JsonlAuditLog:
    """`<dir>/<investigation>.jsonl` (fsync per append, flock across processes) and `<dir>/blobs/<ab>/<hash>`."""

    def __init__(self, directory: Path, *, redactor: Redactor = DEFAULT_REDACTOR, fsync: bool = True) -> None:
        self.directory = Path(directory)
        self.redactor = redactor
        self.fsync = fsync
        self._lock = asyncio.Lock()

    def path(self, investigation_id: str) -> Path:
        return self.directory / f"{check_investigation_id(investigation_id)}.jsonl"

    def blob_path(self, key: str) -> Path:
        return self.directory / "blobs" / check_blob_key(key)[:2] / key

    async def append(self, draft: AuditDraft) -> AuditEvent:
        path = self.path(draft.investigation_id)
        async with self._lock:
            return await asyncio.to_thread(self._append_locked, path, draft)

    def _append_locked(self, path: Path, draft: AuditDraft) -> AuditEvent:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a+b") as handle:  # O_APPEND: writes land at the end whatever we read
            fcntl.flock(handle, fcntl.LOCK_EX)  # another process may append to the same investigation
            try:
                seq, prev_hash = self._head(draft.investigation_id, handle)
                event = seal(draft, seq=seq + 1, prev_hash=prev_hash, redactor=self.redactor)
                handle.seek(0, os.SEEK_END)
                handle.write(event.to_line().encode() + b"\n")
                handle.flush()
                if self.fsync:
                    os.fsync(handle.fileno())
                return event
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @staticmethod
    def _head(investigation_id: str, handle: BinaryIO) -> tuple[int, str]:
        """Seq and hash of the last line, read backwards from the end of the file."""
        end = handle.seek(0, os.SEEK_END)
        if end == 0:
            return 0, GENESIS_HASH
        chunk, position = b"", end
        while position > 0:
            step = min(4096, position)
            position -= step
            handle.seek(position)
            chunk = handle.read(step) + chunk
            if chunk.rstrip(b"\n").count(b"\n") >= 1:
                break
        last = chunk.rstrip(b"\n").rsplit(b"\n", 1)[-1]
        try:
            event = parse_head(investigation_id, last.decode())
        except UnicodeDecodeError:
            raise AuditLogCorrupt(investigation_id, -1, "(the last) is not UTF-8: edited") from None
        return event.seq, event.hash

    async def read(self, investigation_id: str) -> list[AuditEvent]:
        path = self.path(investigation_id)
        if not path.exists():
            return []
        data = await asyncio.to_thread(path.read_bytes)
        if data and not data.endswith(b"\n"):
            raise AuditLogCorrupt(investigation_id, data.count(b"\n") + 1, "has no line end: edited or cut")
        events = []
        for position, raw in enumerate(data.split(b"\n")[:-1], start=1):
            try:
                line = raw.decode()
            except UnicodeDecodeError:
                raise AuditLogCorrupt(investigation_id, position, "is not UTF-8: edited") from None
            events.append(parse_record(investigation_id, position, line))
        return events

    async def investigations(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(path.stem for path in self.directory.glob("*.jsonl") if path.stat().st_size > 0)

    async def put_blob(self, key: str, data: bytes) -> None:
        path = self.blob_path(key)
        if path.exists():
            return
        await asyncio.to_thread(self._write_blob, path, data)

    def _write_blob(self, path: Path, data: bytes) -> None:
        replace_atomically(path, data, fsync=self.fsync)  # two branches of one process may store one blob at once

    async def get_blob(self, key: str) -> bytes | None:
        path = self.blob_path(key)
        with contextlib.suppress(FileNotFoundError):
            return await asyncio.to_thread(path.read_bytes)
        return None

    async def aclose(self) -> None:
        return None


__all__ = ["JsonlAuditLog"]
