"""Governed feedback closes the loop: a verified verdict becomes a prior that the next investigation cites."""

from __future__ import annotations

import json
from pathlib import Path

from graphs.contracts import EvidenceKind, InvestigationRequest
from graphs.runner import open_session
from graphs.settings import Settings
from memory.feedback import FeedbackEntry, record_feedback
from memory.incidents import open_incident_memory

ALERT = {"text": "checkout p95 latency above 2s", "at": "2026-11-20T10:41:00Z"}


async def test_only_a_verifiers_feedback_teaches_memory_and_the_repeat_cites_it(tmp_path: Path) -> None:
    settings = Settings(checkpointer="memory", approvals="skip", audit="off", home=tmp_path, embedder="hashing")
    async with open_session(settings) as session:
        first = (await session.run(InvestigationRequest(**ALERT), thread_id="first")).report
    assert first is not None and not any(e.kind is EvidenceKind.history for e in first.evidence)

    async with open_incident_memory(settings) as memory:
        stranger = FeedbackEntry(investigation_id="first", verdict="correct", by="mallory")
        kept_apart = await record_feedback(stranger, first, verifiers={"alice"}, home=tmp_path, memory=memory)
        assert not kept_apart.verified and await memory.count() == 0
        verifier = FeedbackEntry(investigation_id="first", verdict="correct", by="alice")
        accepted = await record_feedback(verifier, first, verifiers={"alice"}, home=tmp_path, memory=memory)
        assert accepted.stored_in_memory and await memory.count() == 1

    pending = [json.loads(line) for line in (tmp_path / "feedback" / "pending.jsonl").read_text().splitlines()]
    assert pending[0]["by"] == "mallory" and pending[0]["investigation_id"] == "first"

    async with open_session(settings) as session:
        repeat = (await session.run(InvestigationRequest(**ALERT), thread_id="repeat")).report
    assert repeat is not None and repeat.root_cause is not None
    history = [e for e in repeat.evidence if e.kind is EvidenceKind.history]
    assert history and history[0].data["incident_id"] == "inv-first"
    assert history[0].data["verified_by"] == "alice"
    assert history[0].id in repeat.root_cause.evidence_ids
    assert repeat.confidence == first.confidence, "a prior is cited, never scored"
