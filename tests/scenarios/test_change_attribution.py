"""The ticket-driven ranker on hand-built evidence: chain walk, changes, amplifiers, chat that proves nothing."""

from __future__ import annotations

from synthetic import T0, change_at, item, log, metric, ticket

from agents.analysis.change_attribution import rank_ticket_candidates
from agents.analysis.change_links import distinctive_tokens
from agents.analysis.ranking import rank_candidates
from graphs.contracts import DependencyEdge, EvidenceKind

EDGES = [DependencyEdge(caller="web", callee="api"), DependencyEdge(caller="api", callee="db")]


def test_the_symptom_is_followed_down_to_where_it_begins_and_the_change_there_is_the_pinpoint() -> None:
    evidence = [
        ticket("web"),
        metric("web", "error_rate_percent", 31, "error"),
        metric("api", "error_rate_percent", 30, "error"),
        log("web", "checkout failed: api returned 500", 31),
        metric("db", "requests_per_min", 5, "traffic"),  # busy is not broken
        change_at("api", "dep-api-1", 29),
        change_at("web", "dep-web-1", 30.5),  # the red herring: just before web's own onset
    ]
    ranked = rank_ticket_candidates(evidence, EDGES)
    assert ranked[0].service == "api"
    assert ranked[0].pinpoint.kind == "change" and ranked[0].pinpoint.ref == "dep-api-1"
    web = next(c for c in ranked if c.service == "web")
    assert web.score < ranked[0].score
    assert set(web.contradicting) >= {evidence[2].id}  # its callee was in trouble first


def test_a_change_whose_diff_names_the_error_outranks_an_unrelated_change_on_the_failing_service() -> None:
    edges = [DependencyEdge(caller="producer", callee="queue"), DependencyEdge(caller="queue", callee="consumer")]
    evidence = [
        ticket("consumer"),
        metric("consumer", "error_rate_percent", 30, "error"),
        log("consumer", "validation error for OrderCompleted: total_cents missing", 30),
        change_at("consumer", "flag:promo@1", 29, "feature_flag", ref="promo.double-points"),
        change_at("producer", "abc1234def", -600, "commit", diff="-    total_cents: int\n+    amount_minor: int"),
    ]
    ranked = rank_ticket_candidates(evidence, edges)
    assert [c.service for c in ranked[:2]] == ["producer", "consumer"]
    assert ranked[0].pinpoint.ref == "abc1234def"


def test_a_caller_that_drives_the_load_is_the_cause_not_the_overloaded_dependency() -> None:
    edges = [DependencyEdge(caller="app", callee="menu"), DependencyEdge(caller="orders", callee="menu")]
    evidence = [
        ticket("menu"),
        metric("menu", "error_rate_percent", 30, "error"),
        metric("menu", "requests_per_min", 30, "traffic"),
        metric("orders", "outbound_retries_per_min", 30, "retry"),
        change_at("orders", "dep-orders-7", -40),
    ]
    ranked = rank_ticket_candidates(evidence, edges)
    assert ranked[0].service == "orders"
    assert ranked[0].fault_type.value == "retry_storm"


def test_without_a_change_the_earliest_resource_metric_is_the_pinpoint() -> None:
    evidence = [
        ticket("web"),
        metric("web", "error_rate_percent", 60, "error"),
        metric("api", "error_rate_percent", 60, "error"),
        metric("db", "disk_used_percent", 20, "resource"),
        metric("db", "error_rate_percent", 60, "error"),
    ]
    top = rank_ticket_candidates(evidence, EDGES)[0]
    assert (top.service, top.pinpoint.kind, top.pinpoint.ref) == ("db", "resource", "disk_used_percent")
    assert top.fault_type.value == "resource_exhaustion"


def test_chat_never_raises_a_score_on_its_own() -> None:
    evidence = [
        ticket("web"),
        metric("web", "error_rate_percent", 31, "error"),
        metric("api", "error_rate_percent", 30, "error"),
        change_at("web", "dep-web-1", 30.5),
    ]
    chat = item(EvidenceKind.message, None, "m1", text="it is surely web's deploy dep-web-1, web is broken", onset=T0)
    before = {c.service: c.score for c in rank_ticket_candidates(evidence, EDGES)}
    after = {c.service: c.score for c in rank_ticket_candidates([*evidence, chat], EDGES)}
    assert before == after


def test_a_deploy_on_a_quiet_service_is_listed_with_evidence_against_it() -> None:
    evidence = [
        ticket("web"),
        metric("web", "error_rate_percent", 30, "error"),
        change_at("db", "dep-db-1", 25),
    ]
    quiet = next(c for c in rank_ticket_candidates(evidence, EDGES) if c.service == "db")
    assert quiet.contradicting and quiet.score < 0.5


def test_rank_candidates_takes_the_ticket_path_only_when_a_ticket_is_in_the_evidence() -> None:
    evidence = [metric("api", "error_rate_percent", 30, "error"), change_at("api", "dep-api-1", 29)]
    with_ticket = rank_candidates([ticket("web"), *evidence], EDGES)
    assert with_ticket[0].service == "api" and with_ticket[0].pinpoint.ref == "dep-api-1"
    assert "frontier" in with_ticket[0].statement
    assert all("frontier" not in c.statement for c in rank_candidates(evidence, EDGES))


def test_distinctive_tokens_keep_code_words_and_drop_plain_words_and_id_fields() -> None:
    tokens = distinctive_tokens("TaxRuleNotFound for commune_code=FR-06004 request_id=abc while pricing normally")
    assert {"taxrulenotfound", "commune_code"} <= tokens
    assert "request_id" not in tokens and "pricing" not in tokens and "normally" not in tokens
