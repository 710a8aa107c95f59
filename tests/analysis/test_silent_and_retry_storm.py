"""Two ranking mechanisms on hand-built inputs: a silent callee whose answers its caller rejects, and callers whose
retries crept up early but stormed with the dependency's surge."""

from __future__ import annotations

from typing import Any

from synthetic import T0, change, log, ticket
from synthetic import metric as departed

from agents.analysis.change_attribution import rank_ticket_candidates
from agents.analysis.metric_kinds import metric_family
from graphs.contracts import DependencyEdge, Evidence, FaultType


def metric(*args: Any, **kwargs: Any) -> Evidence:
    """A metric still departed at the end of the window."""
    return departed(*args, ongoing=True, **kwargs)


EDGES = [DependencyEdge(caller="web", callee="intake"), DependencyEdge(caller="intake", callee="policy")]


def _silent_world(intake_change_at_min: float | None, policy_moved: bool = True) -> list[Evidence]:
    evidence = [
        ticket("web"),
        log("web", "POST /claims 422 from intake code=NO_COVERAGE", 1),
        log("intake", "claim rejected reason=NO_COVERAGE", 1),
        metric("intake", "error_rate_percent", 1, "error"),
        change("policy", "dep-policy", "deploy", T0),
    ]
    if policy_moved:  # its answers changed at the deploy: faster, no error of its own
        evidence.append(metric("policy", "latency_p99_ms", 0, "latency", direction=-1, before=170.0, peak=55.0))
    if intake_change_at_min is not None:
        evidence.append(change("intake", "dep-intake", "deploy", T0 + 60 * intake_change_at_min))
    return evidence


def _top(evidence: list[Evidence], edges: list[DependencyEdge]) -> str:
    return rank_ticket_candidates(evidence, edges)[0].service


def test_a_callee_deployed_just_before_its_caller_began_rejecting_its_answers_is_the_cause() -> None:
    ranked = rank_ticket_candidates(_silent_world(intake_change_at_min=20), EDGES)  # intake shipped only later
    assert ranked[0].service == "policy"
    assert ranked[0].pinpoint.ref == "dep-policy"


def test_the_caller_keeps_the_blame_when_its_own_change_was_live_first_or_the_callee_did_not_move() -> None:
    assert _top(_silent_world(intake_change_at_min=0.5), EDGES) == "intake"
    assert _top(_silent_world(intake_change_at_min=20, policy_moved=False), EDGES) != "policy"


def _storm_world(early_retries: bool) -> tuple[list[Evidence], list[DependencyEdge]]:
    pairs = [("app", "gateway"), ("app", "state"), ("gateway", "state")]
    edges = [DependencyEdge(caller=a, callee=b) for a, b in pairs]
    retries = metric("gateway", "client_retries_per_sec", -20 if early_retries else -15, "retry", before=3, peak=900)
    retries = retries.model_copy(update={"data": {**retries.data, "major_onset": T0 + 60 * 39}})
    evidence = [
        ticket("app"),
        change("gateway", "cfg-retry", "config", T0 - 60 * 35, "snappier retries", "- retries: 3\n+ retries: 6"),
        retries,
        metric("state", "requests_per_sec", 40, "traffic", before=1000, peak=14000),
        metric("state", "error_rate_percent", 41, "error"),
        metric("app", "error_rate_percent", 41, "error"),
        log("gateway", "state write gave up after 6 attempts", 40),
    ]
    return evidence, edges


def test_retries_that_crept_up_early_and_stormed_with_the_dependency_s_surge_blame_the_retrying_caller() -> None:
    evidence, edges = _storm_world(early_retries=True)
    top = rank_ticket_candidates(evidence, edges)[0]
    assert top.service == "gateway"
    assert top.fault_type is FaultType.retry_storm


def test_retries_whose_main_rise_is_far_from_the_surge_are_no_storm() -> None:
    evidence, edges = _storm_world(early_retries=True)
    far = [
        e.model_copy(update={"data": {**e.data, "major_onset": T0 - 60 * 20}}) if e.data.get("family") == "retry" else e
        for e in evidence
    ]
    assert rank_ticket_candidates(far, edges)[0].fault_type is not FaultType.retry_storm


def test_a_caller_whose_delivery_attempts_surge_with_a_dependencys_connections_is_the_amplifier() -> None:
    assert metric_family("delivery_attempts_per_min") == "retry"  # attempts are tries, first and again
    edges = [
        DependencyEdge(caller="dispatcher", callee="egress-proxy"),
        DependencyEdge(caller="dispatcher", callee="events"),
    ]
    evidence = [
        ticket("dispatcher"),
        metric("dispatcher", "delivery_attempts_per_min", 0, "retry"),
        metric("dispatcher", "error_rate_percent", 0, "error"),
        metric("egress-proxy", "connections_active", 0, "resource"),  # held connections, not more requests counted
        log("dispatcher", "delivery evt_1 attempt 1/20 failed: timeout via egress-proxy", 0),
    ]
    ranked = rank_ticket_candidates(evidence, edges)
    assert ranked[0].service == "dispatcher"
    assert "amplifier" in ranked[0].statement
    # no change to blame: the storm is what it names, not a busy resource
    assert ranked[0].fault_type is FaultType.retry_storm
    assert ranked[0].pinpoint.ref == "delivery_attempts_per_min"


LIBRARY = [
    DependencyEdge(caller="kiosk-gateway", callee="circulation"),
    DependencyEdge(caller="circulation", callee="fines"),
]


def library_morning(fines_deploy_min: float) -> list[Evidence]:
    """The kiosks' checkouts are denied from minute 7; circulation, whose own flag stepped at -8, blocks accounts
    from minute 0 without an error; fines, which shows nothing on its dashboards, deployed at `fines_deploy_min`."""
    return [
        ticket("kiosk-gateway"),
        metric("kiosk-gateway", "checkout_denied_percent", 7, "error"),
        log("kiosk-gateway", "checkout response ok=0 AF=Account blocked - fines over limit", 7),
        change("circulation", "flag-ereader", "feature_flag", T0 - 8 * 60),
        metric("circulation", "blocks_fines_limit_per_min", 0, "traffic"),
        change("fines", "dep-fines", "deploy", T0 + 60 * fines_deploy_min),
    ]


def test_a_quiet_callee_is_asked_about_its_own_silent_callee_deployed_just_before() -> None:
    ranked = rank_ticket_candidates(library_morning(fines_deploy_min=-1), LIBRARY)
    assert ranked[0].service == "fines" and ranked[0].pinpoint.ref == "dep-fines"
    # deployed well before circulation moved, with nothing of its own moving: not tied to it
    assert _top(library_morning(fines_deploy_min=-6), LIBRARY) != "fines"
