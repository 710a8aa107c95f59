"""Each node on recorded evidence: planner, hypothesis, verifier and reporter need no world to be tested."""

from __future__ import annotations

from typing import Any

from agents.analysis.model.score import load_params
from agents.hypothesis import hypothesis
from agents.planner import first_sweep, follow_ups
from agents.reporter import build_report
from agents.services import SERVICES_KEY, NodeServices
from agents.verifier import judge
from graphs.contracts import (
    Capability,
    CheckItem,
    Evidence,
    EvidenceKind,
    Hypothesis,
    InvestigationRequest,
    Pinpoint,
    RequestKind,
    Scope,
    Verdict,
    VerdictStatus,
)
from graphs.settings import Settings
from graphs.state import merge_by_id


def _config(settings: Settings) -> dict[str, Any]:
    return {"configurable": {SERVICES_KEY: NodeServices(settings=settings, gateway=None)}}  # type: ignore[arg-type]


def test_first_sweep_covers_runtime_release_dependencies_and_chat(recorded_state: dict[str, Any]) -> None:
    request = InvestigationRequest.model_validate(recorded_state["request"])
    scope = Scope.model_validate(recorded_state["scope"])
    tasks = first_sweep(request, scope, release_lookback_minutes=180)
    capabilities = {t.capability for t in tasks}
    assert capabilities == {
        Capability.provide_runtime_context,
        Capability.provide_release_context,
        Capability.provide_dependency_context,
        Capability.provide_team_context,
        Capability.provide_history_context,
    }
    release = next(t for t in tasks if t.capability is Capability.provide_release_context)
    assert release.scope.services == [], "changes anywhere may be the cause, not only on the alerted service"
    assert (release.scope.window.end - release.scope.window.start).total_seconds() == 180 * 60


def test_a_ticket_adds_bug_context(recorded_state: dict[str, Any]) -> None:
    request = InvestigationRequest(text="orders fail", kind=RequestKind.ticket, ticket_key="SHOP-1")
    scope = Scope.model_validate(recorded_state["scope"])
    assert first_sweep(request, scope, 60)[0].capability is Capability.provide_bug_context


def test_follow_ups_target_the_gaps_of_declined_hypotheses(recorded_state: dict[str, Any]) -> None:
    scope = Scope.model_validate(recorded_state["scope"])
    h = Hypothesis(id="h1-x", service="x", statement="x broke")
    declined = Verdict(
        hypothesis_id="h1-x", checklist=[], confidence=0.3, status=VerdictStatus.declined, gaps=[CheckItem.pinpoint]
    )
    tasks = follow_ups(scope, [h], [declined], iteration=1)
    assert [t.capability for t in tasks] == [Capability.verify_root_cause]
    assert tasks[0].scope.services == ["x"] and tasks[0].parent_hypothesis == "h1-x"
    assert "pinpoint" in tasks[0].reason
    confirmed = declined.model_copy(update={"status": VerdictStatus.confirmed})
    assert follow_ups(scope, [h], [confirmed], iteration=1) == []


async def test_hypothesis_ranks_the_bad_deploy_first_and_cites_known_evidence(
    recorded_state: dict[str, Any], settings: Settings
) -> None:
    update = await hypothesis({"evidence": recorded_state["evidence"]}, _config(settings))
    ranked = [Hypothesis.model_validate(h) for h in update["hypotheses"]]
    known = {e["id"] for e in recorded_state["evidence"]}
    assert ranked[0].service == "inventory"
    assert ranked[0].pinpoint.kind == "change" and ranked[0].pinpoint.ref == "deploy-7790"
    assert all(set(h.supporting) <= known for h in ranked)
    assert len(ranked[0].supporting) >= 3
    assert update["routing_log"][0]["model"] == "analyst"


async def test_verifier_confirms_the_deploy_and_declines_the_red_herring(
    recorded_state: dict[str, Any], settings: Settings
) -> None:
    evidence = [Evidence.model_validate(e) for e in recorded_state["evidence"]]
    update = await hypothesis({"evidence": recorded_state["evidence"]}, _config(settings))
    ranked = [Hypothesis.model_validate(h) for h in update["hypotheses"]]
    params = load_params(settings.model_params)
    top = judge(ranked[0], ranked, evidence, threshold=0.6, params=params)
    assert top.status is VerdictStatus.confirmed
    passed = {c.item for c in top.checklist if c.passed}
    assert {CheckItem.symptom, CheckItem.pinpoint, CheckItem.timing, CheckItem.mechanism} <= passed
    herring = next(h for h in ranked if h.service == "notifications")
    verdict = judge(herring, ranked, evidence, threshold=0.6, params=params)
    assert verdict.status is VerdictStatus.declined
    assert CheckItem.symptom in verdict.gaps


async def test_verifier_never_confirms_a_verdict_whose_rival_explains_nearly_as_much(
    recorded_state: dict[str, Any], settings: Settings
) -> None:
    evidence = [Evidence.model_validate(e) for e in recorded_state["evidence"]]
    update = await hypothesis({"evidence": recorded_state["evidence"]}, _config(settings))
    top, rival = [Hypothesis.model_validate(h) for h in update["hypotheses"]][:2]
    sure = load_params(settings.model_params).model_copy(update={"calibration": {"intercept": 10.0}})  # always 0.98

    def judged(top_share: float, rival_share: float) -> VerdictStatus:
        ranked = [
            top.model_copy(update={"probability": top_share}),
            rival.model_copy(update={"probability": rival_share}),
        ]
        return judge(ranked[0], ranked, evidence, threshold=0.6, params=sure).status

    assert judged(0.6, 0.25) is VerdictStatus.confirmed
    assert judged(0.55, 0.3) is VerdictStatus.declined  # the rival explains more than half as much: contested


async def test_verifier_declines_a_pinpoint_without_evidence(recorded_state: dict[str, Any]) -> None:
    evidence = [Evidence.model_validate(e) for e in recorded_state["evidence"] if e["kind"] != "change"]
    h = Hypothesis(id="h1-inventory", service="inventory", statement="?", pinpoint=Pinpoint(), score=1.0)
    verdict = judge(h, [h], evidence, threshold=0.9)
    assert CheckItem.pinpoint in verdict.gaps and verdict.status is VerdictStatus.declined


def test_reporter_builds_a_rollback_for_a_change_pinpoint(recorded_state: dict[str, Any]) -> None:
    evidence = [Evidence.model_validate(e) for e in recorded_state["evidence"]]
    change = next(e for e in evidence if e.kind is EvidenceKind.change and e.service == "inventory")
    top = Hypothesis(
        id="h1-inventory",
        service="inventory",
        statement="bad deploy",
        score=0.9,
        supporting=[change.id],
        pinpoint=Pinpoint(kind="change", ref=change.data["id"]),
    )
    report = build_report(
        investigation_id="t1",
        request=InvestigationRequest.model_validate(recorded_state["request"]),
        evidence=evidence,
        hypotheses=[top],
        verdicts=[],
        verdict=None,
        routing=[],
        tool_calls=3,
        seconds=1.0,
        iterations=1,
        owner="fulfilment-team",
    )
    assert report.status.value == "unconfirmed"
    assert report.actions[0].kind == "rollback" and report.actions[0].owner == "fulfilment-team"
    assert any(change.id in t.evidence_ids for t in report.timeline)


def test_evidence_reducer_replaces_by_id_instead_of_duplicating() -> None:
    merged = merge_by_id([{"id": "a", "v": 1}, {"id": "b", "v": 1}], [{"id": "a", "v": 2}])
    assert sorted((m["id"], m["v"]) for m in merged) == [("a", 2), ("b", 1)]
