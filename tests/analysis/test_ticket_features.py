"""The ticket path's measured features on small hand-built inputs: how much of the ticket's failing lines a candidate
meets, where it sits relative to where they fail, how much of the symptom's chain depends on it, and when its change
went live; each also where it must not fire."""

from __future__ import annotations

from synthetic import T0, change, metric, ticket, topology, trail

from agents.analysis.change_attribution import rank_ticket_candidates
from agents.analysis.model.features import derived
from agents.analysis.service_view import ServiceView
from agents.analysis.ticket_features import TicketCase, change_timing, measure, trouble_below_first
from agents.analysis.ticket_walk import _graph, _views
from graphs.contracts import DependencyEdge, Evidence

SHOP = [
    DependencyEdge(caller="web", callee="checkout"),
    DependencyEdge(caller="checkout", callee="payments"),
    DependencyEdge(caller="checkout", callee="stock"),
    DependencyEdge(caller="payments", callee="payments-db"),
    DependencyEdge(caller="reports", callee="stock"),
]


def case_of(evidence: list[Evidence], seeds: list[str], chain: list[str]) -> TicketCase:
    views = _views(evidence, SHOP)
    callees, callers = _graph(SHOP)
    return TicketCase(evidence, views, callees, callers, seeds, chain, T0 + 600)


def test_lines_share_counts_the_failing_lines_whose_requests_pass_through_it() -> None:
    case = case_of([trail("checkout", 3), trail("reports", 1)], ["web"], [])
    below = measure({"payments"}, case)
    assert below["lines_met_share"] == 0.75  # checkout's three lines went through it, reports' one did not
    assert below["lines_below_share"] == 0.75 and below["lines_own_share"] == 0.0
    own = measure({"checkout"}, case)
    assert own["lines_own_share"] == 0.75 and own["lines_below_share"] == 0.0
    assert measure({"stock"}, case)["lines_met_share"] == 1.0  # both paths reach it


def test_a_service_only_above_the_failing_lines_sends_them_work_but_is_not_below_them() -> None:
    out = measure({"web"}, case_of([trail("payments", 2)], ["web"], []))
    assert out["lines_above_share"] == 1.0 and out["lines_below_share"] == 0.0 and out["lines_own_share"] == 0.0


def test_without_the_tickets_identifiers_in_any_log_no_line_feature_fires() -> None:
    out = measure({"payments"}, case_of([], ["web"], []))
    assert not any(name.startswith("lines_") for name in out)


def test_chain_share_is_what_of_the_symptoms_troubled_services_depends_on_it() -> None:
    evidence = [
        metric("checkout", "latency_p99_ms", 2, "latency"),
        metric("payments", "error_rate_percent", 1, "error"),
        metric("stock", "error_rate_percent", 3, "error"),
    ]
    case = case_of(evidence, ["web"], ["checkout", "payments", "stock"])
    assert measure({"payments"}, case)["chain_explained_share"] == 0.5  # checkout depends on it, stock does not
    assert measure({"payments-db"}, case)["chain_explained_share"] == 2 / 3  # payments and checkout
    assert measure({"web"}, case)["chain_explained_share"] == 0.0  # nothing troubled depends on the entry point
    assert measure({"payments"}, case)["symptom_depends"] == 1.0
    assert measure({"reports"}, case)["symptom_depends"] == 0.0


def test_trouble_below_first_fires_only_for_a_dependency_that_failed_no_later() -> None:
    evidence = [
        metric("checkout", "latency_p99_ms", 5, "latency"),
        metric("payments", "error_rate_percent", 1, "error"),
    ]
    case = case_of(evidence, ["web"], ["checkout", "payments"])
    assert trouble_below_first("checkout", case) == 1.0
    assert trouble_below_first("payments", case) == 0.0  # what it calls was fine
    late = [metric("checkout", "latency_p99_ms", 1, "latency"), metric("payments", "error_rate_percent", 9, "error")]
    assert trouble_below_first("checkout", case_of(late, ["web"], ["checkout", "payments"])) == 0.0


def view_with(*changes: Evidence) -> ServiceView:
    return ServiceView("payments", changes=list(changes))


def test_a_change_just_before_the_symptom_leads_and_older_ones_count_less() -> None:
    symptom = T0 + 3600
    near = change_timing(view_with(change("payments", "d1", "deploy", symptom - 60)), symptom, [])
    older = change_timing(view_with(change("payments", "d0", "deploy", symptom - 1800)), symptom, [])
    assert near["change_lead"] > 0.95 and abs(older["change_lead"] - 0.5) < 0.01
    assert near["change_after_symptom"] == 0.0


def test_the_lead_is_also_measured_at_a_short_and_a_long_half_life_for_the_fit_to_weigh() -> None:
    symptom = T0 + 3600
    hour_old = derived(change_timing(view_with(change("payments", "d1", "deploy", symptom - 3600)), symptom, []))
    assert abs(hour_old["change_lead"] - 0.25) < 0.01  # two 30 min half-lives
    assert hour_old["change_lead_5m"] < 0.001  # twelve 5 min half-lives: gone
    assert abs(hour_old["change_lead_3h"] - 0.5 ** (1 / 3)) < 0.01  # a third of a 3 h half-life: mostly kept
    just_before = derived(change_timing(view_with(change("payments", "d2", "deploy", symptom - 30)), symptom, []))
    assert just_before["change_lead_5m"] > 0.9 and just_before["change_lead_3h"] > 0.99
    after = derived(change_timing(view_with(change("payments", "d3", "deploy", symptom + 900)), symptom, []))
    assert after["change_lead_5m"] == 0.0 and after["change_lead_3h"] == 0.0
    assert "change_lead_3h" not in derived({"alert_score": 0.9})  # the alert path measures no lead: no bases


def test_a_change_only_after_the_symptom_never_leads() -> None:
    symptom = T0 + 3600
    after = change_timing(view_with(change("payments", "d2", "deploy", symptom + 900)), symptom, [])
    assert after == {"change_lead": 0.0, "change_after_symptom": 1.0}
    assert change_timing(view_with(), symptom, []) == {}  # no change: nothing to time
    week_old = change_timing(view_with(change("payments", "d3", "deploy", symptom - 86400)), symptom, [])
    assert week_old["change_lead"] == 0.0 and week_old["change_after_symptom"] == 0.0


def test_a_commit_leads_only_from_the_deploy_that_shipped_it() -> None:
    symptom = T0 + 3600
    commit = change("payments", "c1", "commit", symptom - 7200)
    deploy = change("payments", "d1", "deploy", symptom - 120)
    out = change_timing(view_with(commit), symptom, [commit, deploy])
    assert out["change_lead"] > 0.9  # live at the deploy two minutes before, not two hours before


def test_ranked_candidates_carry_measurements_not_role_labels() -> None:
    evidence = [
        ticket("web"),
        topology(SHOP),
        change("payments", "dep-pay", "deploy", T0 - 120),
        metric("payments", "error_rate_percent", 0, "error"),
        metric("checkout", "error_rate_percent", 1, "error"),
        trail("checkout", 4),
    ]
    ranked = {c.service: c.features for c in rank_ticket_candidates(evidence, SHOP)}
    assert not any(name.startswith("role_") for f in ranked.values() for name in f)
    assert ranked["payments"]["lines_below_share"] == 1.0 and ranked["payments"]["change_lead"] > 0.9
    assert ranked["payments"]["trouble_below_first"] == 0.0
    assert ranked["checkout"]["trouble_below_first"] == 1.0 and ranked["checkout"]["lines_own_share"] == 1.0


def test_only_ticket_path_candidates_carry_the_path_mark_the_calibrator_reads() -> None:
    ticket_path = derived({"explains_other": 0.0, "legacy_share": 0.5})
    assert ticket_path["ticket_path"] == 1.0
    assert "ticket_path" not in derived({"alert_score": 0.9, "legacy_share": 1.0})
