"""Replay bundles: export and load give back every response, the report, the checkpoints and an intact chain."""

from __future__ import annotations

import asyncio
import tarfile
from pathlib import Path

import pytest
from test_audit_lineage import CALLS, make_report, record_investigation

from graphs.contracts import stable_hash
from memory.audit import AuditError, AuditTrail, JsonlAuditLog
from memory.audit.bundle import export_bundle, load_bundle


def recorded_home(tmp_path: Path) -> Path:
    async def record() -> None:
        log = await record_investigation(tmp_path, make_report())
        await AuditTrail(log, "inv-42").model_call(
            system="anthropic", model="m-1", node="hypothesis", prompt=["why?"], response={"text": "deploy"}
        )

    asyncio.run(record())
    return tmp_path


def test_round_trip_keeps_everything_replay_needs(tmp_path: Path) -> None:
    home = recorded_home(tmp_path)
    report = make_report().model_dump(mode="json")
    config = {"world": "demo", "redis_url": "redis://:s3cret-pw@cache:6379/0", "api_key": "sk-abcdefghijklmnopqrstu"}
    checkpoints = [{"step": 1, "values": {"iteration": 1}}]
    out = tmp_path / "out" / "inv-42.tar.gz"

    manifest = export_bundle(home, "inv-42", out, config=config, report=report, checkpoints=checkpoints)
    bundle = load_bundle(out)

    assert (manifest.events, manifest.tool_responses, manifest.model_responses) == (9, 3, 1)
    assert bundle.manifest == manifest
    assert bundle.verify().ok
    assert bundle.report == report
    assert bundle.request == report["request"]
    assert bundle.checkpoints == checkpoints
    assert bundle.config == {"world": "demo", "redis_url": "redis://:[REDACTED]@cache:6379/0", "api_key": "[REDACTED]"}
    assert b"s3cret-pw" not in out.read_bytes() and "s3cret-pw" not in str(bundle.model_dump())
    answers = bundle.tool_answers()
    # args are stored redacted, but keyed by the hash of what was really sent, so replay finds every answer
    assert answers == {(i, op, stable_hash(args)): response for i, op, args, response in CALLS.values()}
    assert list(bundle.model_responses.values()) == [{"text": "deploy"}]
    assert bundle.audit_events == asyncio.run(JsonlAuditLog(home / "audit").read("inv-42"))


def test_a_cut_audit_log_in_a_bundle_is_caught(tmp_path: Path) -> None:
    home = recorded_home(tmp_path)
    out = tmp_path / "b.tar.gz"
    export_bundle(home, "inv-42", out, config={}, report=None, checkpoints=[])
    bundle = load_bundle(out)
    cut = bundle.model_copy(update={"audit_events": bundle.audit_events[:-1]})
    assert cut.verify().reason == "truncated"


def test_bad_inputs_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(AuditError, match="no audit events for investigation 'nope'"):
        export_bundle(tmp_path, "nope", tmp_path / "x.tar.gz", config={}, report=None, checkpoints=[])
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tarball")
    with pytest.raises(AuditError, match="is not a readable bundle"):
        load_bundle(junk)
    empty = tmp_path / "empty.tar.gz"
    with tarfile.open(empty, "w:gz"):
        pass
    with pytest.raises(AuditError, match=r"manifest\.json is missing"):
        load_bundle(empty)
