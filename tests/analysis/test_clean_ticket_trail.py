"""A ticket whose requests went through a caller of the candidate without an error does not confirm the candidate."""

from __future__ import annotations

from synthetic import T0, item, trail

from agents.analysis.trail_rivals import clean_trail_above
from agents.verifier import UNSETTLED_CAP, judge
from graphs.contracts import (
    CheckItem,
    DependencyEdge,
    Evidence,
    EvidenceKind,
    FaultType,
    Hypothesis,
    Pinpoint,
    VerdictStatus,
)

EDGES = [DependencyEdge(caller="billing", callee="payments"), DependencyEdge(caller="app", callee="billing")]


def evidence(*extra: Evidence) -> list[Evidence]:
    return [
        item(EvidenceKind.ticket, None, "T-1", key="T-1", title="charged for a skipped week"),
        item(EvidenceKind.topology, None, "graph", edges=[e.model_dump() for e in EDGES]),
        item(EvidenceKind.change, "payments", "cfg", id="cfg", signal="cfg", change_kind="config", onset=T0 - 1800),
        item(EvidenceKind.metric_anomaly, "payments", "errors", family="error", fault=True, onset=T0, ongoing=False),
        item(EvidenceKind.metric_anomaly, "billing", "charges", family="traffic", fault=False, onset=T0),
        *extra,
    ]


def test_a_caller_that_carried_the_tickets_ids_without_errors_rules_the_candidate_out() -> None:
    assert clean_trail_above({"payments"}, EDGES, evidence(trail("billing", 0))) == "billing"
    assert clean_trail_above({"payments"}, EDGES, evidence(trail("app", 0))) == "app"  # above it, transitively


def test_no_ruling_when_an_error_carries_the_ids_the_candidate_carries_them_or_the_trail_is_not_above_it() -> None:
    assert clean_trail_above({"payments"}, EDGES, evidence(trail("billing", 1))) is None
    assert clean_trail_above({"payments"}, EDGES, evidence(trail("billing", 0), trail("app", 3))) is None
    assert clean_trail_above({"payments"}, EDGES, evidence(trail("payments", 0))) is None
    assert clean_trail_above({"billing"}, EDGES, evidence(trail("payments", 0))) is None  # a callee, not above
    assert clean_trail_above({"payments"}, EDGES, evidence()) is None


def test_the_verifier_leaves_the_candidate_unsettled_when_the_tickets_requests_went_through_cleanly() -> None:
    h = Hypothesis(
        id="h1-payments",
        service="payments",
        fault_type=FaultType.config_change,
        pinpoint=Pinpoint(kind="config", ref="cfg"),
        statement="payments changed its retries",
        score=2.0,
    )
    runner_up = h.model_copy(update={"id": "h2-billing", "service": "billing", "score": 0.5})
    verdict = judge(h, [h, runner_up], evidence(trail("billing", 0)), 0.7)
    mechanism = next(c for c in verdict.checklist if c.item is CheckItem.mechanism)
    assert not mechanism.passed and "billing" in mechanism.note
    assert verdict.status is VerdictStatus.declined and verdict.confidence <= UNSETTLED_CAP
    failing = judge(h, [h, runner_up], evidence(trail("billing", 2)), 0.7)
    assert next(c for c in failing.checklist if c.item is CheckItem.mechanism).passed
