"""A re-drive that runs the reporter again (its run failed after the report was out, on the checkpoint write) leaves
one `report_published` in the audit trail, and a note of the re-issue."""

from __future__ import annotations

from pathlib import Path

from graphs.instrument import record_update
from memory.audit import AuditTrail, JsonlAuditLog

REPORT = {"investigation_id": "t-once", "status": "confirmed", "confidence": 0.9, "actions": []}
UPDATE = {"report": REPORT, "actions": [{"id": "a1", "kind": "rollback", "status": "proposed"}]}


async def test_the_reporter_run_again_publishes_no_second_report(tmp_path: Path) -> None:
    log = JsonlAuditLog(tmp_path / "audit")
    trail = AuditTrail(log, "t-once", tenant="acme")
    await record_update(trail, "reporter", UPDATE)
    await record_update(trail, "reporter", UPDATE)  # the re-drive
    events = await log.read("t-once")
    assert [e.type.value for e in events] == ["action_proposed", "report_published", "note"]
    assert "published at seq 2" in events[-1].payload["text"] and events[-1].actor == "reporter"
    await log.aclose()
