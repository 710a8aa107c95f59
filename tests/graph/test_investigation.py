"""The whole graph on the demo world, through the real internal MCP server over stdio."""

from __future__ import annotations

from graphs.contracts import EvidenceKind, InvestigationRequest, ReportStatus
from graphs.runner import InvestigationSession, open_session
from graphs.settings import Settings


async def test_demo_investigation_finds_the_bad_deploy(
    session: InvestigationSession, demo_request: InvestigationRequest
) -> None:
    nodes: list[str] = []
    outcome = await session.run(demo_request, on_update=lambda node, _: nodes.append(node))
    report = outcome.report
    assert report is not None
    assert report.status is ReportStatus.confirmed
    assert report.root_cause is not None
    assert (report.root_cause.service, report.root_cause.pinpoint.ref) == ("inventory", "deploy-7790")
    cited = set(report.root_cause.evidence_ids)
    by_id = {e.id: e for e in report.evidence}
    assert len(cited) >= 3 and cited <= set(by_id)
    assert {by_id[i].kind for i in cited} >= {EvidenceKind.change, EvidenceKind.log_pattern}
    assert all(by_id[i].lineage is not None for i in cited), "every cited evidence links its tool call"
    assert nodes[:2] == ["intake", "planner"] and nodes.count("collect") == 5
    assert nodes[-3:] == ["reporter", "publish", "approval"]
    assert report.investigation_id == outcome.investigation_id


async def test_red_herrings_are_ranked_below_the_cause(
    session: InvestigationSession, demo_request: InvestigationRequest
) -> None:
    report = (await session.run(demo_request)).report
    assert report is not None
    ranking = [r.service for r in report.ranking]
    assert ranking[0] == "inventory"
    # the noisy service errs all day and the unrelated deploy came first: neither may win
    assert "recommendations" not in ranking[:1] and "notifications" not in ranking[:1]


async def test_the_approval_interrupt_waits_and_resumes(settings: Settings, demo_request: InvestigationRequest) -> None:
    settings = settings.model_copy(update={"approvals": "interrupt"})
    async with open_session(settings) as session:
        first = await session.run(demo_request, thread_id="approve-me")
        assert first.interrupted and first.pending_actions[0]["kind"] == "rollback"
        assert first.report is not None and first.report.actions[0].status == "proposed"
        done = await session.run(None, thread_id="approve-me", resume={"approved": True, "by": "oncall"})
        assert not done.interrupted
        assert done.report is not None
        assert done.report.actions[0].status == "approved" and done.report.actions[0].approved_by == "oncall"


async def test_a_failing_world_becomes_evidence_of_absence(demo_request: InvestigationRequest) -> None:
    settings = Settings(checkpointer="memory", approvals="skip", world="demo", world_options={"spec": "/nonexistent"})
    async with open_session(settings) as session:
        report = (await session.run(demo_request)).report
    assert report is not None
    assert report.root_cause is None and report.status is ReportStatus.unconfirmed
    absences = [e for e in report.evidence if e.kind is EvidenceKind.absence]
    assert absences and all(e.data["reason"] for e in absences)
