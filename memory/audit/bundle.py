"""Replay bundles: one tar.gz with everything an investigation saw and concluded, to re-run it offline.

Layout: manifest.json, request.json, config.json (secrets redacted), report.json, checkpoints.json, audit.jsonl,
responses/tool/<response_hash>.json, responses/model/<response_hash>.json.
"""

from __future__ import annotations

import asyncio
import io
import json
import tarfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from memory.audit.base import AuditError, AuditLog
from memory.audit.chain import VerifyResult, verify_chain
from memory.audit.commands import audit_dir
from memory.audit.events import AuditEvent, AuditEventType, canonical_json
from memory.audit.jsonl import JsonlAuditLog
from memory.audit.redact import DEFAULT_REDACTOR, Redactor

BUNDLE_VERSION = "1"
MAX_MEMBER_BYTES = 512 * 1024 * 1024


class BundleManifest(BaseModel):
    bundle_version: str = BUNDLE_VERSION
    investigation_id: str
    created_at: datetime
    events: int
    head_hash: str | None
    tool_responses: int
    model_responses: int
    missing_responses: list[str] = Field(default_factory=list)


class Bundle(BaseModel):
    """A loaded bundle; `tool_answers()` is what a replay provider answers from."""

    manifest: BundleManifest
    request: dict[str, Any] | None
    config: dict[str, Any]
    report: dict[str, Any] | None
    checkpoints: list[dict[str, Any]]
    audit_events: list[AuditEvent]
    tool_responses: dict[str, Any]
    model_responses: dict[str, Any]

    @property
    def investigation_id(self) -> str:
        return self.manifest.investigation_id

    def verify(self) -> VerifyResult:
        return verify_chain(self.audit_events, expected_head=self.manifest.head_hash)

    def tool_answers(self) -> dict[tuple[str, str, str], Any]:
        """(interface, operation, args_hash) -> the recorded response, for every audited tool call."""
        answers = {}
        for event in self.audit_events:
            if event.type == AuditEventType.tool_call and event.payload.get("response_hash") in self.tool_responses:
                key = (event.payload["interface"], event.payload["operation"], event.payload["args_hash"])
                answers[key] = self.tool_responses[event.payload["response_hash"]]
        return answers


async def write_bundle(
    log: AuditLog,
    investigation_id: str,
    out_path: Path,
    *,
    config: dict[str, Any],
    report: dict[str, Any] | None,
    checkpoints: list[dict[str, Any]],
    redactor: Redactor = DEFAULT_REDACTOR,
) -> BundleManifest:
    """Write the bundle of one investigation from `log`; raises AuditError when it has no events."""
    events = await log.read(investigation_id)
    if not events:
        raise AuditError(f"no audit events for investigation {investigation_id!r}")
    files: dict[str, bytes] = {}
    missing: list[str] = []
    counts = {"tool": 0, "model": 0}
    for event in events:
        kind = {AuditEventType.tool_call: "tool", AuditEventType.model_call: "model"}.get(event.type)
        key = str(event.payload.get("response_hash", ""))
        if kind is None or f"responses/{kind}/{key}.json" in files:
            continue
        blob = await log.get_blob(key)
        if blob is None:
            missing.append(key)
            continue
        files[f"responses/{kind}/{key}.json"] = blob
        counts[kind] += 1
    requests = [event.payload.get("request") for event in events if event.type == AuditEventType.request_received]
    request = requests[0] if requests else (report or {}).get("request")
    manifest = BundleManifest(
        investigation_id=investigation_id,
        created_at=datetime.now(UTC),
        events=len(events),
        head_hash=events[-1].hash,
        tool_responses=counts["tool"],
        model_responses=counts["model"],
        missing_responses=missing,
    )
    files["manifest.json"] = manifest.model_dump_json(indent=2).encode()
    files["request.json"] = _json(redactor.redact(request))
    files["config.json"] = _json(redactor.redact(config))
    files["report.json"] = _json(redactor.redact(report))
    files["checkpoints.json"] = _json(redactor.redact(checkpoints))
    files["audit.jsonl"] = "".join(event.to_line() + "\n" for event in events).encode()
    await asyncio.to_thread(_write_tar, Path(out_path), files)
    return manifest


def _json(value: Any) -> bytes:
    return canonical_json(value).encode()


def _write_tar(out_path: Path, files: dict[str, bytes]) -> None:
    out_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = out_path.with_name(out_path.name + ".tmp")
    with tarfile.open(temporary, "w:gz") as archive:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size = len(files[name])
            info.mtime = 0  # equal content gives an equal archive listing
            archive.addfile(info, io.BytesIO(files[name]))
    temporary.replace(out_path)


def export_bundle(
    home: Path,
    investigation_id: str,
    out_path: Path,
    *,
    config: dict[str, Any],
    report: dict[str, Any] | None,
    checkpoints: list[dict[str, Any]],
    log: AuditLog | None = None,
) -> BundleManifest:
    """`bundle export INVESTIGATION -o FILE.tar.gz` from the JSONL audit under `home` (or `log`)."""
    target = log or JsonlAuditLog(audit_dir(home))
    coroutine = write_bundle(target, investigation_id, out_path, config=config, report=report, checkpoints=checkpoints)
    return asyncio.run(coroutine)


def load_bundle(path: Path) -> Bundle:
    """Read a bundle without extracting it to disk; a damaged or foreign file raises AuditError naming it."""
    try:
        with tarfile.open(path, "r:gz") as archive:
            members = {member.name: member for member in archive.getmembers() if member.isfile()}
            raw = {name: _read(archive, member) for name, member in members.items()}
    except (OSError, tarfile.TarError) as error:
        raise AuditError(f"{path} is not a readable bundle: {error}") from None
    if "manifest.json" not in raw:
        raise AuditError(f"{path} is not a production-master bundle: manifest.json is missing")
    manifest = BundleManifest.model_validate_json(raw["manifest.json"])
    lines = raw.get("audit.jsonl", b"").decode().splitlines()
    return Bundle(
        manifest=manifest,
        request=json.loads(raw.get("request.json", b"null")),
        config=json.loads(raw.get("config.json", b"{}")) or {},
        report=json.loads(raw.get("report.json", b"null")),
        checkpoints=json.loads(raw.get("checkpoints.json", b"[]")) or [],
        audit_events=[AuditEvent.model_validate_json(line) for line in lines],
        tool_responses=_responses(raw, "responses/tool/"),
        model_responses=_responses(raw, "responses/model/"),
    )


def _read(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    if member.size > MAX_MEMBER_BYTES:
        raise AuditError(f"bundle member {member.name} is larger than {MAX_MEMBER_BYTES} bytes")
    handle = archive.extractfile(member)
    return handle.read() if handle is not None else b""


def _responses(raw: dict[str, bytes], prefix: str) -> dict[str, Any]:
    return {
        name.removeprefix(prefix).removesuffix(".json"): json.loads(data)
        for name, data in raw.items()
        if name.startswith(prefix) and name.endswith(".json")
    }


__all__ = ["Bundle", "BundleManifest", "export_bundle", "load_bundle", "write_bundle"]
