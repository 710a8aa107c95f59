"""Causal reach on small hand-built inputs: a candidate the ticket's failing requests never meet is not the ticket's
cause; services failing together on a shared dependency that moved share one cause; a dependency reporting its own
outage explains its caller's failures even when the caller warned earlier about something else."""

from __future__ import annotations

from synthetic import T0, change, log, metric, ticket, topology, trail

from agents.analysis.change_attribution import rank_ticket_candidates
from agents.analysis.metric_kinds import is_fault, metric_family
from agents.analysis.rivals import recovered_before_dependants
from agents.analysis.trail_rivals import untraced_to_ticket
from agents.verifier import UNSETTLED_CAP, judge
from graphs.contracts import (
    CheckItem,
    DependencyEdge,
    Evidence,
    FaultType,
    Hypothesis,
    Pinpoint,
    VerdictStatus,
)

CARDS = [
    DependencyEdge(caller="card-processor", callee="ledger"),
    DependencyEdge(caller="recon", callee="ledger"),
    DependencyEdge(caller="ledger", callee="ledger-db"),
    DependencyEdge(caller="card-processor", callee="notify"),
    DependencyEdge(caller="batch", callee="ledger-db"),
]


def test_a_candidate_the_failing_requests_never_meet_is_untraced() -> None:
    evidence = [trail("recon", 2), trail("card-processor", 0)]
    assert untraced_to_ticket({"notify"}, CARDS, evidence) == "recon"


def test_on_below_above_or_loading_the_failing_path_is_traced() -> None:
    evidence = [trail("recon", 2)]
    assert untraced_to_ticket({"recon"}, CARDS, evidence) is None  # it logged the ids in an error
    assert untraced_to_ticket({"ledger"}, CARDS, evidence) is None  # the failing requests went through it
    assert untraced_to_ticket({"ledger-db"}, CARDS, evidence) is None  # transitively
    assert untraced_to_ticket({"batch"}, CARDS, evidence) is None  # it loads what they depend on
    upstream = [*CARDS, DependencyEdge(caller="scheduler", callee="recon")]
    assert untraced_to_ticket({"scheduler"}, upstream, evidence) is None  # it sends them their work


def test_without_an_error_carrying_the_tickets_ids_nothing_is_ruled_out() -> None:
    assert untraced_to_ticket({"notify"}, CARDS, [trail("card-processor", 0), trail("recon", 0)]) is None
    assert untraced_to_ticket({"notify"}, CARDS, []) is None


def notify_hypothesis() -> Hypothesis:
    return Hypothesis(
        id="h1-notify",
        service="notify",
        fault_type=FaultType.bad_deploy,
        pinpoint=Pinpoint(kind="change", ref="dep-notify"),
        statement="notify's deploy broke pushes",
        score=2.0,
    )


def test_the_verifier_does_not_confirm_a_cause_the_tickets_failing_requests_never_reach() -> None:
    base = [
        ticket("card-processor"),
        topology(CARDS),
        change("notify", "dep-notify", "deploy", T0 - 300),
        metric("notify", "error_rate_percent", 0, "error"),
        log("notify", "push send failed: template missing locale", 0),
        metric("card-processor", "latency_p99_ms", 1, "latency"),  # its caller felt it: the mechanism holds
    ]
    h = notify_hypothesis()
    runner_up = h.model_copy(update={"id": "h2-ledger", "service": "ledger", "score": 0.5})
    verdict = judge(h, [h, runner_up], [*base, trail("recon", 2)], 0.7)
    mechanism = next(c for c in verdict.checklist if c.item is CheckItem.mechanism)
    assert not mechanism.passed and "recon" in mechanism.note
    assert verdict.status is VerdictStatus.declined and verdict.confidence <= UNSETTLED_CAP
    traced = judge(h, [h, runner_up], [*base, trail("notify", 2)], 0.7)
    assert next(c for c in traced.checklist if c.item is CheckItem.mechanism).passed


def test_a_quiet_dependency_that_moved_at_its_deploy_outranks_a_loud_service_off_the_tickets_path() -> None:
    """The shape of a data bug: the reconciler fails on the ticket's ids a quarter of an hour after the ledger's
    deploy; the ledger only warned, right after shipping; a service beside them failed loudly after its own deploy."""
    evidence = [
        ticket("card-processor"),
        topology(CARDS),
        change("ledger", "dep-ledger", "deploy", T0),
        log("ledger", "converted amount differs from settlement estimate", 6, level="WARN"),
        change("notify", "dep-notify", "deploy", T0 + 240),
        metric("notify", "error_rate_percent", 5, "error"),
        log("notify", "push send failed: template missing locale", 5),
        log("recon", "unmatched line: ledger amount differs from statement", 17),
        trail("recon", 2),
        trail("ledger", 0),
        trail("card-processor", 0),
    ]
    ranked = rank_ticket_candidates(evidence, CARDS)
    assert ranked[0].service == "ledger"
    notify = next(c for c in ranked if c.service == "notify")
    assert "never reach it" in notify.statement or notify.score < ranked[0].score


SEARCH = [
    DependencyEdge(caller="web", callee="search"),
    DependencyEdge(caller="search", callee="cluster"),
    DependencyEdge(caller="indexer", callee="cluster"),
]


def cluster_outage(*extra: Evidence) -> list[Evidence]:
    """search shipped a deploy and warned about slow facets; minutes later search and indexer, which do not call each
    other, failed together while the cluster they share reported shards without a home."""
    return [
        ticket("search"),
        topology(SEARCH),
        change("search", "dep-search", "deploy", T0 - 120),
        log("search", "slow facet aggregation", 0, level="WARN"),
        metric("search", "error_rate_percent", 8, "error"),
        log("search", "query failed: all shards failed", 8),
        metric("indexer", "bulk_failures_per_min", 8, "error"),
        log("indexer", "bulk index failed: primary shard is not active", 8),
        trail("search", 2, at_min=20),
        *extra,
    ]


def test_services_failing_together_on_a_dependency_reporting_its_own_outage_share_that_cause() -> None:
    unassigned = metric("cluster", "es_unassigned_shards", 8, metric_family("es_unassigned_shards"), before=0, peak=6)
    ranked = rank_ticket_candidates(cluster_outage(unassigned), SEARCH)
    assert ranked[0].service == "cluster"
    assert ranked[0].fault_type is FaultType.dependency_outage
    assert ranked[0].pinpoint.ref == "es_unassigned_shards"
    alone = [e for e in cluster_outage(unassigned) if e.service != "indexer"]  # its own outage explains search's
    assert rank_ticket_candidates(alone, SEARCH)[0].service == "cluster"


BOARDS = [
    DependencyEdge(caller="web", callee="comments"),
    DependencyEdge(caller="web", callee="tasks"),
    DependencyEdge(caller="comments", callee="activity-db"),
    DependencyEdge(caller="tasks", callee="activity-db"),
    DependencyEdge(caller="tasks", callee="boards-db"),
]


def test_a_shared_dependency_that_moved_as_two_independent_callers_failed_outranks_one_callers_change() -> None:
    """tasks changed a config earlier and loaded its own database; comments and tasks then failed together on the
    activity database, which only shows rolled-back transactions (no error or health gauge of its own)."""
    evidence = [
        ticket("comments"),
        topology(BOARDS),
        change("tasks", "cfg-page-size", "config", T0 - 40 * 60),
        metric("boards-db", "cpu_percent", -30, "resource", ongoing=False),
        metric("comments", "error_rate_percent", 0, "error"),
        log("comments", "POST comment 500: could not record activity", 0),
        metric("tasks", "error_rate_percent", 0, "error"),
        log("tasks", "create task failed: activity insert", 0),
        metric("activity-db", "xact_rollback_per_sec", 0, "traffic", before=0.5, peak=15),
        trail("comments", 2, at_min=10),
    ]
    ranked = rank_ticket_candidates(evidence, BOARDS)
    assert ranked[0].service == "activity-db"
    alone = [e for e in evidence if e.service != "tasks"]  # one failing caller is no common cause
    assert rank_ticket_candidates(alone, BOARDS)[0].service != "activity-db"


def test_a_dependency_that_only_lost_the_work_of_failing_callers_is_not_their_common_cause() -> None:
    quieter = metric("cluster", "queries_per_sec", 8, "traffic", direction=-1, before=900, peak=300)
    ranked = rank_ticket_candidates(cluster_outage(quieter), SEARCH)
    assert ranked[0].service == "search"


def test_state_gauges_that_say_something_is_broken_are_faults_when_they_rise() -> None:
    for name in ("es_unassigned_shards", "es_cluster_status_red", "nodes_down", "replicas_degraded"):
        assert metric_family(name) == "availability", name
        assert is_fault("availability", 1, name) and not is_fault("availability", -1, name), name
    for name in ("download_bytes", "shredded_docs", "requests_per_min"):
        assert metric_family(name) != "availability", name
    assert metric_family("pg_sequence_used_percent") == "resource"


QUEUE = [
    DependencyEdge(caller="dispatcher", callee="kafka"),
    DependencyEdge(caller="dispatcher", callee="proxy"),
]


def queue_blip(*extra: Evidence) -> list[Evidence]:
    """The queue lost replicas for four minutes after a retention change and recovered; three minutes later the
    dispatcher began failing, and only then did the queue get busier."""
    return [
        topology(QUEUE),
        change("kafka", "cfg-retention", "config", T0 - 60, title="log.retention.hours 168 -> 72"),
        metric("kafka", "under_replicated_partitions", 0, "error", ongoing=False, end=T0 + 240),
        metric("kafka", "cpu_percent", 11, "resource"),
        metric("dispatcher", "error_rate_percent", 8, "error"),
        log("dispatcher", "delivery to merchant endpoint failed attempt 20", 8),
        *extra,
    ]


def test_a_candidate_back_to_normal_when_its_dependants_began_failing_is_ruled_out() -> None:
    assert recovered_before_dependants({"kafka"}, QUEUE, queue_blip()) == ("dispatcher", "22:21")


def test_trouble_still_going_a_change_naming_the_errors_or_a_dependants_own_deploy_keep_the_candidate() -> None:
    going = queue_blip(metric("kafka", "request_latency_ms", 7, "latency"))
    assert recovered_before_dependants({"kafka"}, QUEUE, going) is None
    named = queue_blip(change("kafka", "cfg-endpoint", "config", T0 - 120, title="merchant endpoint delivery limits"))
    assert recovered_before_dependants({"kafka"}, QUEUE, named) is None
    own = queue_blip(change("dispatcher", "dep-dispatcher", "deploy", T0 + 420))
    assert recovered_before_dependants({"kafka"}, QUEUE, own) is None  # the dispatcher's deploy explains its failures
    never_ended = [e for e in queue_blip() if e.data.get("metric") != "under_replicated_partitions"]
    assert recovered_before_dependants({"kafka"}, QUEUE, never_ended) is None


def test_the_verifier_does_not_confirm_a_queue_that_had_recovered_before_its_consumer_failed() -> None:
    h = Hypothesis(
        id="h1-kafka",
        service="kafka",
        fault_type=FaultType.config_change,
        pinpoint=Pinpoint(kind="config", ref="cfg-retention"),
        statement="the retention change broke the queue",
        score=2.0,
    )
    runner_up = h.model_copy(update={"id": "h2-dispatcher", "service": "dispatcher", "score": 0.5})
    verdict = judge(h, [h, runner_up], [ticket("dispatcher"), *queue_blip()], 0.7)
    mechanism = next(c for c in verdict.checklist if c.item is CheckItem.mechanism)
    assert not mechanism.passed and "back to normal" in mechanism.note
    assert verdict.status is VerdictStatus.declined


def test_without_an_error_on_the_trail_the_services_that_carried_the_ids_bound_the_path() -> None:
    evidence = [trail("recon", 0)]
    assert untraced_to_ticket({"notify"}, CARDS, evidence) == "recon"
    assert untraced_to_ticket({"ledger"}, CARDS, evidence) is None


REMINDERS = [
    DependencyEdge(caller="scheduler", callee="appointments"),
    DependencyEdge(caller="notify", callee="sms-vendor"),
    DependencyEdge(caller="sms-vendor", callee="receipts"),
]


def reminders(*extra: Evidence) -> list[Evidence]:
    """Reminders stopped arriving: the notify service that carried the ticket's ids logged no error; an unrelated
    service failed loudly after its own deploy; minutes after a notify config change, delivery receipts two calls
    below it turned to undelivered."""
    return [
        ticket("notify"),
        topology(REMINDERS),
        change("appointments", "dep-appointments", "deploy", T0 - 60),
        metric("appointments", "error_rate_percent", 0, "error"),
        log("appointments", "recurrence expansion failed: month out of range", 0),
        change("notify", "cfg-reply-to", "config", T0 - 90 * 60),
        change("notify", "cfg-sender-id", "config", T0 + 12 * 60),
        trail("notify", 0, at_min=40),
        *extra,
    ]


def test_a_change_on_the_tickets_path_followed_within_minutes_by_trouble_below_it_is_the_cause() -> None:
    undelivered = metric("receipts", "undelivered_per_min", 15, "traffic", before=1, peak=30)
    ranked = rank_ticket_candidates(reminders(undelivered), REMINDERS)
    assert ranked[0].service == "notify"
    assert (ranked[0].pinpoint.kind, ranked[0].pinpoint.ref) == ("config", "cfg-sender-id")


def test_trouble_below_long_after_the_change_does_not_tie_them() -> None:
    late = metric("receipts", "undelivered_per_min", 60, "traffic", before=1, peak=30)
    assert rank_ticket_candidates(reminders(late), REMINDERS)[0].service != "notify"


SHOP = [DependencyEdge(caller="web", callee="checkout")]


def checkout_errors(deployed_min: float | None) -> list[Evidence]:
    """checkout's errors name a helper that a pull request merged yesterday touched; its deploy, if any, ships it."""
    deploy = [] if deployed_min is None else [change("checkout", "dep-checkout", "deploy", T0 + 60 * deployed_min)]
    return [
        ticket("checkout"),
        topology(SHOP),
        change("checkout", "pr-12", "pull_request", T0 - 86400, title="shipping cards", diff="+ fmt_range_label(x)"),
        *deploy,
        metric("checkout", "error_rate_percent", 0, "error"),
        log("checkout", "render failed: fmt_range_label is not a function", 0),
    ]


def score_of(service: str, evidence: list[Evidence], edges: list[DependencyEdge]) -> float:
    return next(c.score for c in rank_ticket_candidates(evidence, edges) if c.service == service)


def test_a_code_change_earns_credit_only_when_it_went_live_before_the_errors_it_names() -> None:
    shipped_after = score_of("checkout", checkout_errors(6), SHOP)
    assert score_of("checkout", checkout_errors(None), SHOP) > shipped_after  # no deploy seen: merged is live
    assert score_of("checkout", checkout_errors(-5), SHOP) > shipped_after


def test_on_the_tickets_path_a_change_after_the_first_warning_is_not_timed_before_the_trouble() -> None:
    def evidence(*extra: Evidence) -> list[Evidence]:
        return [
            ticket("checkout"),
            topology(SHOP),
            log("checkout", "express option suppressed", 0, level="WARN"),
            change("checkout", "dep-checkout", "deploy", T0 + 180),
            metric("checkout", "error_rate_percent", 5, "error"),
            *extra,
        ]

    assert score_of("checkout", evidence(trail("checkout", 0)), SHOP) < score_of("checkout", evidence(), SHOP)


def test_an_error_naming_the_candidate_service_is_no_word_its_change_shares_with_the_failures() -> None:
    """The dispatcher's errors name the queue service; the queue's change also names it (every change of a service
    does): that shared word says nothing about what the change touched."""
    named_service = change("kafka", "cfg-kafka", "config", T0 - 120, title="kafka broker: rotate logs sooner")
    evidence = [*queue_blip(named_service), log("dispatcher", "delivery failed after kafka consume", 8)]
    assert recovered_before_dependants({"kafka"}, QUEUE, evidence) == ("dispatcher", "22:21")


def test_a_candidate_whose_trouble_was_over_before_the_tickets_requests_failed_ranks_below_the_one_in_trouble() -> None:
    """A rolled-back deploy of playback failed for three minutes; ten minutes later the license service denied the
    ticket's sessions right after its own config change, and the app logged the ticket's ids in errors."""
    edges = [DependencyEdge(caller="app", callee="playback"), DependencyEdge(caller="app", callee="license")]
    evidence = [
        ticket("app"),
        topology(edges),
        change("playback", "dep-playback", "deploy", T0 - 60),
        metric("playback", "error_rate_percent", 0, "error", ongoing=False, end=T0 + 180),
        change("license", "cfg-license", "config", T0 + 9 * 60),
        metric("license", "license_denied_percent", 10, "error"),
        metric("app", "error_rate_percent", 10, "error"),
        log("app", "playback start failed: license returned 403", 10),
        trail("app", 3, at_min=25),
    ]
    ranked = rank_ticket_candidates(evidence, edges)
    assert ranked[0].service == "license"


GEO = [
    DependencyEdge(caller="rider", callee="dispatch"),
    DependencyEdge(caller="rider", callee="pricing"),
    DependencyEdge(caller="dispatch", callee="geo"),
    DependencyEdge(caller="pricing", callee="geo"),
]


def geo_overload(dispatch_calls: Evidence) -> list[Evidence]:
    """geo deployed an hour ago and then rejected queries at the minute its traffic surged sixfold; dispatch had
    raised its retries; pricing, which also calls geo, failed at the same minute."""
    return [
        ticket("rider"),
        topology(GEO),
        change("geo", "dep-geo", "deploy", T0 - 3600),
        change("dispatch", "cfg-retries", "config", T0 - 45 * 60),
        metric("geo", "requests_per_min", 0, "traffic", before=3000, peak=18000),
        metric("geo", "error_rate_percent", 0, "error"),
        metric("dispatch", "error_rate_percent", 0, "error"),
        metric("pricing", "error_rate_percent", 1, "error"),
        metric("rider", "error_rate_percent", 0, "error"),
        dispatch_calls,
        trail("rider", 3, at_min=10),
    ]


def test_a_caller_whose_own_count_of_calls_to_a_service_surged_with_its_traffic_drove_it() -> None:
    surged = metric("dispatch", "geo_calls_per_min", 0, "traffic", before=2700, peak=17000)
    top = rank_ticket_candidates(geo_overload(surged), GEO)[0]
    assert (top.service, top.pinpoint.ref) == ("dispatch", "cfg-retries")
    unrelated = metric("dispatch", "trips_written_per_min", 0, "traffic", before=100, peak=300)
    assert rank_ticket_candidates(geo_overload(unrelated), GEO)[0].service != "dispatch"


def test_a_candidate_only_a_minority_of_the_tickets_failing_lines_meet_is_untraced() -> None:
    edges = [
        DependencyEdge(caller="counter", callee="agreements"),
        DependencyEdge(caller="counter", callee="photos"),
        DependencyEdge(caller="photos", callee="storage"),
        DependencyEdge(caller="agreements", callee="fleet"),
    ]
    mostly_fleet = [trail("agreements", 7), trail("photos", 1)]
    assert untraced_to_ticket({"storage"}, edges, mostly_fleet) == "agreements"
    assert untraced_to_ticket({"fleet"}, edges, mostly_fleet) is None
    mostly_photos = [trail("agreements", 1), trail("photos", 7)]
    assert untraced_to_ticket({"storage"}, edges, mostly_photos) is None
    assert untraced_to_ticket({"storage"}, edges, [*mostly_fleet, trail("counter", 6)]) is None  # above both
