"""Lineage: every claim of a report leads to its evidence, the audited tool call, and the stored raw response."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from graphs.contracts import (
    Capability,
    Evidence,
    EvidenceKind,
    FaultType,
    Hypothesis,
    InvestigationRequest,
    Lineage,
    Pinpoint,
    Report,
    ReportStatus,
    RootCause,
    TimelineEntry,
    stable_hash,
)
from memory.audit import AuditError, AuditTrail, JsonlAuditLog
from memory.audit.commands import audit_explain, audit_verify, explain
from memory.audit.lineage import explain_claim, list_claims, render_chain

ONSET = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
CALLS = {
    "tc-metrics": ("log-system", "query_metrics", {"service": "checkout"}, {"series": [{"p99": [120, 2300]}]}),
    "tc-deploys": ("version-control", "list_deployments", {"service": "checkout"}, {"deploys": [{"id": "v2.4.1"}]}),
    "tc-logs": ("log-system", "query_logs", {"service": "cart", "token": "t0ps3cret"}, {"lines": ["timeout"]}),
}


def evidence(evidence_id: str, call_id: str, kind: EvidenceKind, summary: str) -> Evidence:
    interface, operation, args, response = CALLS[call_id]
    lineage = Lineage(
        tool_call_id=call_id,
        interface=interface,
        operation=operation,
        provider="internal",
        args_hash=stable_hash(args),
        response_hash=stable_hash(response),
    )
    return Evidence(
        id=evidence_id,
        capability=Capability.provide_runtime_context,
        interface=interface,
        provider="internal",
        kind=kind,
        service=str(args["service"]),
        summary=summary,
        lineage=lineage,
    )


def make_report() -> Report:
    items = [
        evidence("ev-metric", "tc-metrics", EvidenceKind.metric_anomaly, "checkout p99 rose 120ms -> 2300ms"),
        evidence("ev-deploy", "tc-deploys", EvidenceKind.change, "checkout v2.4.1 deployed 2 min before onset"),
        evidence("ev-logs", "tc-logs", EvidenceKind.log_pattern, "cart timeouts"),
    ]
    return Report(
        investigation_id="inv-42",
        request=InvestigationRequest(text="checkout latency alert", services=["checkout"]),
        status=ReportStatus.confirmed,
        root_cause=RootCause(
            service="checkout",
            fault_type=FaultType.bad_deploy,
            pinpoint=Pinpoint(kind="change", ref="v2.4.1"),
            statement="deploy v2.4.1 of checkout raised its p99 latency",
            evidence_ids=["ev-metric", "ev-deploy"],
        ),
        confidence=0.8,
        alternatives=[
            Hypothesis(id="h-2", service="cart", statement="cart is slow", supporting=["ev-logs"], contradicting=[]),
        ],
        timeline=[
            TimelineEntry(at=ONSET - timedelta(minutes=2), what="v2.4.1 deployed", evidence_ids=["ev-deploy"]),
            TimelineEntry(at=ONSET, what="p99 latency rises", evidence_ids=["ev-metric", "ev-gone"]),
        ],
        evidence=items,
    )


async def record_investigation(home: Path, report: Report, *, skip_blob: str | None = None) -> JsonlAuditLog:
    log = JsonlAuditLog(home / "audit")
    trail = AuditTrail(log, report.investigation_id)
    await trail.request_received(report.request)
    for call_id, (interface, operation, args, response) in CALLS.items():
        await trail.tool_call(
            tool_call_id=call_id,
            interface=interface,
            provider="internal",
            operation=operation,
            args=args,
            response=response,
            args_hash=stable_hash(args),
            response_hash=stable_hash(response),
        )
    for item in report.evidence:
        await trail.evidence_created(item)
    await trail.report_published(report)
    if skip_blob:
        log.blob_path(stable_hash(CALLS[skip_blob][3])).unlink()
    return log


def test_claims_are_numbered_root_then_alternatives_then_timeline() -> None:
    claims = list_claims(make_report().model_dump(mode="json"))
    assert [(claim.index, claim.kind) for claim in claims] == [
        (0, "root_cause"),
        (1, "alternative"),
        (2, "timeline"),
        (3, "timeline"),
    ]
    assert claims[0].evidence_ids == ["ev-metric", "ev-deploy"]


async def test_root_cause_chain_reaches_raw_responses(tmp_path: Path) -> None:
    report = make_report()
    log = await record_investigation(tmp_path, report)
    events = await log.read("inv-42")
    blobs = {key: await log.get_blob(key) for key in (stable_hash(call[3]) for call in CALLS.values())}

    chain = explain_claim(report.model_dump(mode="json"), events, blobs, 0)

    assert chain.complete
    assert [link.evidence_id for link in chain.links] == ["ev-metric", "ev-deploy"]
    metric = chain.links[0]
    assert metric.tool_call is not None
    assert (metric.tool_call.operation, metric.tool_call.seq) == ("query_metrics", 2)
    assert metric.response_matches_lineage
    assert metric.response_excerpt == '{"series": [{"p99": [120, 2300]}]}'
    text = render_chain(chain)
    assert "claim 0 (root cause): checkout [bad_deploy]: deploy v2.4.1" in text
    assert "log-system.query_metrics via internal" in text
    assert "[metric-anomaly]" in text


async def test_missing_links_are_named_not_hidden(tmp_path: Path) -> None:
    report = make_report()
    log = await record_investigation(tmp_path, report, skip_blob="tc-metrics")
    text = await explain(log, "inv-42", 3)
    assert "ev-gone" in text and "MISSING: evidence not in the report" in text
    assert "MISSING: raw response" in text


async def test_explain_reads_the_published_report_and_redacts_args(tmp_path: Path) -> None:
    log = await record_investigation(tmp_path, make_report())
    listing = await explain(log, "inv-42", None)
    assert listing.splitlines()[1].startswith("  1  alternative  cart: cart is slow")
    text = await explain(log, "inv-42", 1)
    assert "query_logs" in text and '"token": "[REDACTED]"' in text and "t0ps3cret" not in text
    with pytest.raises(AuditError, match=r"claim 9 does not exist: this report has claims 0\.\.3"):
        await explain(log, "inv-42", 9)


def test_cli_functions_on_a_home_directory(tmp_path: Path) -> None:
    asyncio.run(record_investigation(tmp_path, make_report()))
    ok, message = audit_verify(tmp_path, "inv-42")
    assert ok and message.startswith("ok: 8 events, chain intact")
    assert "ev-deploy" in audit_explain(tmp_path, "inv-42", 2)
    with pytest.raises(AuditError, match="no audit events for investigation 'inv-x'"):
        audit_explain(tmp_path, "inv-x", 0)


async def test_no_report_yet_is_a_clear_error(tmp_path: Path) -> None:
    log = JsonlAuditLog(tmp_path / "audit")
    await AuditTrail(log, "inv-7").note("started")
    with pytest.raises(AuditError, match="no report has been published for this investigation yet"):
        await explain(log, "inv-7", 0)
