"""What confirmation must rule out, on small hand-built inputs: each rival explanation fires where it should and stays
quiet where the candidate's own evidence settles it; and the verifier keeps such verdicts unsettled."""

from __future__ import annotations

from typing import Any

from synthetic import T0, change_at, item

from agents.analysis.change_rivals import blamed_change_late, earlier_change_below, effective_at
from agents.analysis.rivals import callers_in_trouble_earlier, contested_driven
from agents.analysis.trail_rivals import ended_before_ticket_failures, words
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

LEAD = 6 * 3600.0


def fault(service: str, name: str, at_min: float, family: str = "error", **data: Any) -> Evidence:
    data = {"fault": family != "retry", **data}
    return item(EvidenceKind.metric_anomaly, service, name, signal=name, family=family, onset=T0 + 60 * at_min, **data)


EDGES = [DependencyEdge(caller="web", callee="api"), DependencyEdge(caller="api", callee="db")]


def test_a_commit_is_live_at_its_services_next_deploy_and_late_when_that_deploy_follows_the_trouble() -> None:
    pr = change_at("api", "pr-7", 0, kind="pull_request")
    deploy = change_at("api", "dep-api", 30)
    evidence = [pr, deploy]
    assert effective_at(pr, evidence) == T0 + 1800
    assert blamed_change_late("pr-7", evidence, onset=T0 + 600) is pr
    assert blamed_change_late("pr-7", evidence, onset=T0 + 3600) is None
    assert effective_at(pr, [pr]) == T0  # without its service's deploys the commit's own time is all we know


def test_a_change_below_a_candidate_without_a_live_change_of_its_own_is_a_rival() -> None:
    below = change_at("db", "cfg-db", 0, kind="config")
    evidence = [below, fault("db", "latency", 1), fault("api", "errors", 2)]
    assert earlier_change_below("api", {"api"}, EDGES, evidence, T0 + 120, LEAD) is below
    own = change_at("api", "dep-api", 1)
    assert earlier_change_below("api", {"api"}, EDGES, [*evidence, own], T0 + 120, LEAD) is None
    quiet = [below, fault("api", "errors", 2)]  # the dependency shows nothing: its change is not a rival
    assert earlier_change_below("api", {"api"}, EDGES, quiet, T0 + 120, LEAD) is None


def test_callers_retrying_before_the_candidate_broke_rule_it_out_unless_their_own_change_explains_their_faults() -> (
    None
):
    onset = T0 + 20 * 60
    assert callers_in_trouble_earlier("db", {"db"}, EDGES, [fault("web", "retries", 0, family="retry")], onset) == [
        "web"
    ]
    assert callers_in_trouble_earlier("db", {"db"}, EDGES, [fault("api", "errors", 19.5)], onset) == []
    explained = [fault("web", "errors", 0), change_at("web", "dep-web", 0)]
    assert callers_in_trouble_earlier("db", {"db"}, EDGES, explained, onset) == []
    assert callers_in_trouble_earlier("db", {"db"}, EDGES, [fault("web", "errors", 0)], onset) == ["web"]


def test_a_driven_callee_whose_own_dependency_originates_errors_as_early_is_contested() -> None:
    origin = item(EvidenceKind.trace_anomaly, "db", "origin", family="error_origin", fault=True, onset=T0 + 300)
    evidence = [fault("api", "errors", 5), origin]
    assert contested_driven("web", {"web", "api"}, EDGES, evidence) == ("api", "db")
    late = origin.model_copy(update={"data": {**origin.data, "onset": T0 + 900}})
    assert contested_driven("web", {"web", "api"}, EDGES, [fault("api", "errors", 5), late]) is None
    assert contested_driven("web", {"web", "api"}, EDGES, [fault("api", "errors", 5), fault("db", "cpu", 5)]) is None


def test_trouble_over_before_the_ticket_failures_rules_out_unless_its_changes_name_what_failed() -> None:
    ended = fault("db", "lag", 0, end=T0 + 600, ongoing=False)
    carrier = item(
        EvidenceKind.log_pattern,
        "api",
        "ids",
        detector="identifier",
        error_lines=5,
        onset=T0 + 1800,
        samples=["order o_1 failed: No enum constant OrderStatus.PENDING_REVIEW"],
    )
    restart = change_at("db", "cfg-db", -1, kind="config", title="rolling restart of brokers")
    assert ended_before_ticket_failures({"db"}, [ended, carrier, restart]) == "api"
    named = change_at("db", "dep-db", -1, title="add PENDING_REVIEW to the order status")
    assert ended_before_ticket_failures({"db"}, [ended, carrier, named]) is None
    ongoing = fault("db", "lag", 0, ongoing=True)
    assert ended_before_ticket_failures({"db"}, [ongoing, carrier, restart]) is None


def test_words_split_identifiers_and_drop_short_and_generic_ones() -> None:
    assert words("CurrencyMismatchError display_currency id") == {"currency", "mismatch", "display"}


def test_the_verifier_keeps_a_candidate_unsettled_when_its_blamed_change_shipped_after_the_trouble() -> None:
    ticket = item(EvidenceKind.ticket, None, "t", symptom_services=["web"])
    topology = item(EvidenceKind.topology, None, "topo", edges=[e.model_dump() for e in EDGES])
    pr = change_at("api", "pr-7", -30, kind="pull_request")
    evidence = [
        ticket,
        topology,
        pr,
        change_at("api", "dep-api", 20),
        fault("api", "errors", 0, ongoing=True),
        fault("web", "errors", 1, ongoing=True),
    ]
    h = Hypothesis(
        id="h1-api",
        service="api",
        fault_type=FaultType.bad_deploy,
        pinpoint=Pinpoint(kind="change", ref="pr-7"),
        statement="pr-7 broke api",
        score=2.0,
        supporting=[pr.id],
    )
    verdict = judge(h, [h], evidence, threshold=0.7)
    timing = next(c for c in verdict.checklist if c.item is CheckItem.timing)
    assert not timing.passed and "after the trouble began" in timing.note
    assert verdict.status is VerdictStatus.declined and verdict.confidence <= UNSETTLED_CAP
    on_time = [e for e in evidence if e.id != pr.id] + [change_at("api", "pr-7", -30, kind="pull_request")]
    on_time = [e for e in on_time if e.data.get("id") != "dep-api"] + [change_at("api", "dep-api", -5)]
    assert judge(h, [h], on_time, threshold=0.7).status is VerdictStatus.confirmed
