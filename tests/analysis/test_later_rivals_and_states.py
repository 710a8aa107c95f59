"""Rivals that keep a verdict unconfirmed and state gauges read as health, on small hand-built inputs: a later change
below the candidate, callers already warning before its trouble, and gauges like `*_sealed` or `*_running`."""

from __future__ import annotations

from typing import Any

from synthetic import T0, change_at, item

from agents.analysis.change_rivals import later_change_below
from agents.analysis.metric_kinds import is_fault, metric_family
from agents.analysis.rivals import callers_in_trouble_earlier
from agents.analysis.service_view import ServiceView
from agents.analysis.silent import silent_callees
from agents.analysis.ticket_candidate import lasting_first
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

EDGES = [DependencyEdge(caller="web", callee="api"), DependencyEdge(caller="api", callee="dir")]


def anomaly(service: str, name: str, at_min: float, family: str = "error", **data: Any) -> Evidence:
    data = {"fault": family not in ("traffic", "log_warn"), **data}
    return item(EvidenceKind.metric_anomaly, service, name, signal=name, family=family, onset=T0 + 60 * at_min, **data)


def warn(service: str, at_min: float) -> Evidence:
    return item(EvidenceKind.log_pattern, service, "warn", family="log_warn", fault=False, onset=T0 + 60 * at_min)


def test_a_dependency_that_changed_after_the_candidate_and_moved_at_once_is_a_later_rival() -> None:
    onset = T0 + 60 * 30
    own = change_at("api", "dep-api", 0)
    below = change_at("dir", "dep-dir", 25)
    shrank = anomaly("dir", "page_size", 25, family="traffic")
    found = later_change_below("api", {"api"}, EDGES, [own, below, shrank, anomaly("api", "err", 30)], onset)
    assert found is not None and found.id == below.id


def test_no_later_rival_when_the_dependency_changed_first_moved_long_before_or_the_candidate_never_changed() -> None:
    onset = T0 + 60 * 30
    shrank = anomaly("dir", "page_size", 25, family="traffic")
    earlier = [change_at("api", "dep-api", 10), change_at("dir", "dep-dir", 5), shrank]
    assert later_change_below("api", {"api"}, EDGES, earlier, onset) is None
    moved_before = [change_at("api", "dep-api", 0), change_at("dir", "dep-dir", 25), anomaly("dir", "page_size", 2)]
    assert later_change_below("api", {"api"}, EDGES, moved_before, onset) is None
    no_own = [change_at("dir", "dep-dir", 25), shrank]
    assert later_change_below("api", {"api"}, EDGES, no_own, onset) is None
    together = [change_at("api", "dep-api", 0), change_at("dir", "dep-dir", 25), anomaly("dir", "page_size", 30)]
    assert later_change_below("api", {"api"}, EDGES, together, onset) is None  # it moved with the candidate, not first
    caller_changed = [
        change_at("api", "dep-api", 0),
        change_at("web", "dep-web", 25),
        anomaly("web", "x", 25, "traffic"),
    ]
    assert later_change_below("api", {"api"}, EDGES, caller_changed, onset) is None


def test_a_caller_warning_before_the_candidate_broke_is_in_trouble_unless_its_own_change_explains_it() -> None:
    onset = T0 + 60 * 40
    assert callers_in_trouble_earlier("api", {"api"}, EDGES, [warn("web", 5)], onset) == ["web"]
    assert (
        callers_in_trouble_earlier("api", {"api"}, EDGES, [warn("web", 5), change_at("web", "dep-web", 0)], onset) == []
    )
    assert callers_in_trouble_earlier("api", {"api"}, EDGES, [warn("web", 39)], onset) == []
    assert callers_in_trouble_earlier("api", {"api"}, EDGES, [anomaly("web", "rpm", 5, "traffic")], onset) == []


def test_the_verifier_leaves_a_candidate_unsettled_when_a_later_change_below_it_moved_first() -> None:
    ticket = item(EvidenceKind.ticket, None, "t", symptom_services=["api"])
    topology = item(EvidenceKind.topology, None, "topo", edges=[e.model_dump() for e in EDGES])
    own = change_at("api", "dep-api", 0)
    evidence = [ticket, topology, own, anomaly("api", "err", 30, ongoing=True), anomaly("web", "err", 31)]
    h = Hypothesis(
        id="h1-api",
        service="api",
        fault_type=FaultType.bad_deploy,
        pinpoint=Pinpoint(kind="change", ref="dep-api"),
        statement="dep-api broke api",
        score=2.0,
        supporting=[own.id],
    )
    assert judge(h, [h], evidence, threshold=0.7).status is VerdictStatus.confirmed
    rival = [*evidence, change_at("dir", "dep-dir", 25), anomaly("dir", "page_size", 25, family="traffic")]
    verdict = judge(h, [h], rival, threshold=0.7)
    mechanism = next(c for c in verdict.checklist if c.item is CheckItem.mechanism)
    assert not mechanism.passed and "dep-dir" in mechanism.note
    assert verdict.status is VerdictStatus.declined and verdict.confidence <= UNSETTLED_CAP


def test_state_gauges_are_health_and_their_bad_direction_is_a_fault() -> None:
    assert metric_family("vault_sealed") == "availability" and is_fault("availability", 1, "vault_sealed")
    assert not is_fault("availability", -1, "vault_sealed")
    assert metric_family("rabbitmq_node_running") == "availability"
    assert is_fault("availability", -1, "rabbitmq_node_running")
    assert metric_family("vault_up") == "availability" and is_fault("availability", -1, "vault_up")
    assert metric_family("broker_unhealthy") == "availability" and is_fault("availability", 1, "broker_unhealthy")
    assert metric_family("requests_per_min") == "traffic" and metric_family("upload_bytes") == "traffic"


def _view(name: str, *items: Evidence) -> ServiceView:
    return ServiceView(
        name=name,
        anomalies=[e for e in items if e.kind is not EvidenceKind.change],
        changes=[e for e in items if e.kind is EvidenceKind.change],
    )


def test_a_consumer_doing_less_without_failing_is_explained_by_a_callee_that_changed_after_it() -> None:
    fewer = anomaly("api", "items_per_run", 30, family="traffic")
    shrank = anomaly("dir", "page_size", 26, family="traffic")
    views = {
        "api": _view("api", fewer, change_at("api", "dep-api", 0)),
        "dir": _view("dir", shrank, change_at("dir", "d", 26)),
    }
    assert silent_callees({"api"}, views, {"api": {"dir"}}, 6 * 3600.0) == {"api": "dir"}
    views["api"] = _view("api", fewer, change_at("api", "dep-api", 28))  # its own change came after the callee's
    assert silent_callees({"api"}, views, {"api": {"dir"}}, 6 * 3600.0) == {}
    views["api"] = _view("api", fewer, change_at("api", "dep-api", 0))
    views["dir"] = _view("dir", shrank, anomaly("dir", "errors", 26), change_at("dir", "d", 26))  # failing: not silent
    assert silent_callees({"api"}, views, {"api": {"dir"}}, 6 * 3600.0) == {}


def test_a_blip_that_came_back_does_not_date_a_callers_trouble_but_a_lasting_fault_does() -> None:
    blip = anomaly("web", "errors", 0, ongoing=False, end=T0 + 60 * 5)
    lasting = anomaly("web", "no_results", 8, family="traffic", ongoing=True)
    assert _view("web", blip, lasting).lasting_onset == T0 + 60 * 8
    assert _view("web", anomaly("web", "errors", 0, ongoing=True), lasting).lasting_onset is None
    assert _view("web", blip).lasting_onset is None


def test_a_state_still_wrong_at_the_end_pins_ahead_of_one_that_came_back() -> None:
    restarted = anomaly("vault", "vault_up", 0, family="availability", ongoing=False)
    sealed = anomaly("vault", "vault_sealed", 1, family="availability", ongoing=True)
    assert lasting_first([restarted, sealed]) == [sealed, restarted]
    both_ended = [restarted, anomaly("vault", "vault_sealed", 1, family="availability", ongoing=False)]
    assert lasting_first(both_ended) == both_ended
