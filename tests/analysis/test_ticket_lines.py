"""What the ticket's own failing lines settle, on small hand-built inputs: the service they blame, when the timeline
bears it out, outranks a deploy that merely came shortly before; a cause whose trouble ended long before those
requests stopped failing is not theirs; a bystander's change that names only its own errors explains only those."""

from __future__ import annotations

from synthetic import T0, change_at, item, log, metric, ticket, topology, trail

from agents.analysis.change_attribution import rank_ticket_candidates
from agents.analysis.ticket_lines import accusations, first_named, last_failure
from agents.analysis.trail_rivals import outlived_by_ticket
from agents.verifier import judge
from graphs.contracts import CheckItem, DependencyEdge, Evidence, EvidenceKind, FaultType, Hypothesis, Pinpoint

PLAYBACK = [
    DependencyEdge(caller="tv-bff", callee="playback-api"),
    DependencyEdge(caller="tv-bff", callee="license-svc"),
    DependencyEdge(caller="license-svc", callee="keys-kms"),
]
VAULT = [DependencyEdge(caller="fare-svc", callee="card-vault")]
BLAME = "playback start failed code=4012 session=ps_1: license-svc returned 403 STALE_CHALLENGE"


def top(evidence: list[Evidence], edges: list[DependencyEdge]) -> str:
    return rank_ticket_candidates(evidence, edges)[0].service


def playback_evening(*ticket_lines: Evidence) -> list[Evidence]:
    """A deploy of playback-api eight minutes before its small error rise, a config change of license-svc a minute
    before its denials; both callees of the tv app, whose errors began with the denials."""
    return [
        ticket("tv-bff"),
        topology(PLAYBACK),
        change_at("playback-api", "dep-playback", -8),
        metric("playback-api", "error_rate_percent", -7, "error"),
        change_at("license-svc", "cfg-replay", -1, kind="config", ref="license.replay_window_seconds"),
        metric("license-svc", "license_denied_percent", 0, "error"),
        metric("tv-bff", "error_rate_percent", 0, "error"),
        *ticket_lines,
    ]


def test_the_service_the_tickets_failing_lines_blame_outranks_an_earlier_deploy_beside_it() -> None:
    assert top(playback_evening(), PLAYBACK) == "playback-api"  # the deploy alone wins without the ticket's lines
    blamed = playback_evening(trail("tv-bff", 4, 1, samples=[BLAME] * 3), trail("playback-api", 0, 1))
    ranked = rank_ticket_candidates(blamed, PLAYBACK)
    assert ranked[0].service == "license-svc"
    assert ranked[0].pinpoint.ref == "license.replay_window_seconds"


def vault_morning(ports_from_min: float, blaming_lines: int = 3) -> list[Evidence]:
    """fare-svc's requests to card-vault fail with the vault's name in every line; fare-svc's own ports ran out from
    `ports_from_min`, the vault slowed from minute -20 after a config change of its own."""
    line = 'vault tokenize failed: Post "https://card-vault.pci/v1/tokens": connect: cannot assign requested address'
    return [
        ticket("fare-svc"),
        topology(VAULT),
        metric("fare-svc", "ephemeral_ports_used_percent", ports_from_min, "resource"),
        metric("fare-svc", "error_rate_percent", 5, "error"),
        change_at("card-vault", "cfg-vault", -22, kind="config", ref="tls.session_cache"),
        metric("card-vault", "latency_p99_ms", -20, "latency"),
        trail("fare-svc", blaming_lines, 5, samples=[line] * blaming_lines),
    ]


def vault_score(evidence: list[Evidence]) -> float:
    return next(c.score for c in rank_ticket_candidates(evidence, VAULT) if c.service == "card-vault")


def test_a_service_named_only_after_its_accuser_was_already_failing_is_not_blamed() -> None:
    assert accusations(vault_morning(-35)) == {("card-vault", "fare-svc"): 3}  # named first in every failing line
    assert top(vault_morning(-35), VAULT) == "fare-svc"
    # fare-svc's ports ran out before the vault slowed: naming the vault adds nothing to it
    assert vault_score(vault_morning(-35)) == vault_score(vault_morning(-35, blaming_lines=0))
    # the vault slowed first: the name is borne out, and counts
    assert vault_score(vault_morning(-10)) > vault_score(vault_morning(-10, blaming_lines=0))


def test_first_named_skips_the_speaker_and_takes_the_earliest_name() -> None:
    names = {"checkout-api", "payments-api", "carts-db"}
    assert first_named("payments-api returned 500, falling back to carts-db", names, "checkout-api") == "payments-api"
    assert first_named("checkout-api: carts-db timeout", names, "checkout-api") == "carts-db"
    assert first_named("no service here", names) is None


def router_blip(
    last_min: float,
    ongoing: bool = False,
    title: str = "add venue MEMX",
    said: str = "order ORD-1 rejected: insufficient buying power",
) -> list[Evidence]:
    """A router whose small trouble after its deploy was over by minute 10; the ticket's orders failed until
    `last_min` at the risk check, which had no metric of its own."""
    return [
        ticket("order-gateway"),
        change_at("order-router", "dep-router", -1, title=title),
        metric("order-router", "error_rate_percent", 0, "error", end=T0 + 600, ongoing=ongoing),
        trail("order-gateway", 0, 20, last_min=last_min, samples=["order ORD-1 rejected by risk-check"]),
        trail("risk-check", 0, 20, last_min=last_min, samples=[said]),
    ]


def test_a_cause_whose_trouble_ended_long_before_the_tickets_requests_stopped_failing_is_outlived() -> None:
    assert last_failure(router_blip(90)) == T0 + 90 * 60
    assert outlived_by_ticket({"order-router"}, router_blip(90)) is not None
    assert outlived_by_ticket({"order-router"}, router_blip(15)) is None  # they stopped failing with it
    assert outlived_by_ticket({"order-router"}, router_blip(90, ongoing=True)) is None  # still in trouble
    # its change speaks of what the ticket reports: a change whose damage outlives it (bad data, a wrong rule)
    assert outlived_by_ticket({"order-router"}, router_blip(90, title="buying power from settled cash")) is None


def test_a_log_template_ends_at_its_last_line_and_a_shifted_behaviour_still_showing_is_not_over() -> None:
    cold = log("order-router", "venue score cache cold after restart", 0)
    ended = cold.model_copy(update={"data": {**cold.data, "surge_end": T0 + 600}})
    assert outlived_by_ticket({"order-router"}, [*router_blip(90), ended]) is not None
    assert outlived_by_ticket({"order-router"}, [*router_blip(90), cold]) is None  # nothing says when it stopped
    shifted = metric("order-router", "routed_to_dark_pool_percent", 0, "traffic", end=T0 + 5400, ongoing=True)
    assert outlived_by_ticket({"order-router"}, [*router_blip(90), ended, shifted]) is None


def test_a_metric_that_moved_only_after_the_trouble_was_over_is_new_and_a_shared_failure_word_is_no_link() -> None:
    later = metric("order-router", "orders_per_min", 30, "traffic", end=T0 + 5400, ongoing=True)  # the evening rush
    assert outlived_by_ticket({"order-router"}, [*router_blip(90), later]) is not None
    timeout = router_blip(90, title="venue client timeout 250ms", said="order ORD-1 failed: TimeoutException")
    assert outlived_by_ticket({"order-router"}, timeout) is not None  # both speak of a timeout, of nothing touched


def test_an_outlived_cause_loses_its_place_in_the_ranking() -> None:
    edges = [
        DependencyEdge(caller="order-gateway", callee="order-router"),
        DependencyEdge(caller="order-gateway", callee="risk-check"),
    ]
    risk = [change_at("risk-check", "dep-risk", 2), metric("risk-check", "reject_rate_percent", 3, "error")]
    evidence = [*router_blip(90), topology(edges), *risk]
    assert top(evidence, edges) == "risk-check"
    assert top([*router_blip(12), topology(edges), *risk], edges) == "order-router"  # the blip still covered them


def test_a_bystanders_change_naming_only_its_own_errors_does_not_explain_the_ticket() -> None:
    edges = [
        DependencyEdge(caller="head-end", callee="meter-kafka"),
        DependencyEdge(caller="vee-engine", callee="meter-kafka"),
    ]
    evidence = [
        ticket("head-end"),
        topology(edges),
        metric("meter-kafka", "under_replicated_partitions", 0, "error"),
        metric("head-end", "produce_errors_per_min", 0, "error"),
        log("head-end", "produce to interval-reads failed: NOT_ENOUGH_REPLICAS", 0),
        trail("head-end", 3, 5, samples=["produce to interval-reads failed meter=M1: NOT_ENOUGH_REPLICAS"]),
        change_at("vee-engine", "dep-vee", -20, title="estimation profile heat_pump coefficients"),
        metric("vee-engine", "error_rate_percent", -19, "error"),
        log("vee-engine", "estimation profile heat_pump missing coefficient for week 7", -19),
    ]
    ranked = rank_ticket_candidates(evidence, edges)
    assert ranked[0].service == "meter-kafka"
    vee = next(c for c in ranked if c.service == "vee-engine")
    assert vee.score < ranked[0].score


def mechanism_note(h: Hypothesis, evidence: list[Evidence]) -> tuple[bool, str]:
    """Whether the verifier's mechanism check passed for `h`, and its note."""
    runner_up = h.model_copy(update={"id": "h2-other", "service": "someone-else", "score": 0.1})
    verdict = judge(h, [h, runner_up], evidence, 0.7)
    check = next(c for c in verdict.checklist if c.item is CheckItem.mechanism)
    return check.passed, check.note


def hypothesis(service: str, ref: str, kind: str = "change") -> Hypothesis:
    return Hypothesis(
        id=f"h1-{service}",
        service=service,
        fault_type=FaultType.bad_deploy,
        pinpoint=Pinpoint(kind=kind, ref=ref),
        statement=f"{service} did it",
        score=2.0,
    )


def test_the_verifier_does_not_confirm_a_cause_the_tickets_failing_lines_blame_another_for() -> None:
    evidence = playback_evening(trail("tv-bff", 4, 1, samples=[BLAME] * 3))
    passed, note = mechanism_note(hypothesis("playback-api", "dep-playback"), evidence)
    assert not passed and "license-svc" in note
    unblamed = playback_evening(trail("tv-bff", 4, 1, samples=["playback start failed code=4012 session=ps_1"] * 3))
    assert "blame" not in mechanism_note(hypothesis("playback-api", "dep-playback"), unblamed)[1]


NEWSLETTER = [
    DependencyEdge(caller="checkout", callee="payments"),
    DependencyEdge(caller="payments", callee="egress-nat"),
    DependencyEdge(caller="mailer", callee="egress-nat"),
]


def newsletter_morning(mailer_sent_more: bool) -> list[Evidence]:
    """payments deployed five minutes before the NAT's connections climbed; the mailer may have sent more at once."""
    return [
        ticket("checkout"),
        topology(NEWSLETTER),
        change_at("payments", "dep-pay", -5),
        metric("egress-nat", "active_connections", 0, "resource"),
        metric("payments", "error_rate_percent", 8, "error"),
        metric("checkout", "error_rate_percent", 8, "error"),
        trail("checkout", 2, 10),
        *([metric("mailer", "emails_sent_per_min", 0, "traffic")] if mailer_sent_more else []),
    ]


def test_a_change_does_not_drive_a_load_that_rose_with_another_callers_traffic() -> None:
    passed, note = mechanism_note(hypothesis("payments", "dep-pay"), newsletter_morning(mailer_sent_more=True))
    assert not passed and "mailer" in note
    passed, _ = mechanism_note(hypothesis("payments", "dep-pay"), newsletter_morning(mailer_sent_more=False))
    assert passed
    assert top(newsletter_morning(mailer_sent_more=False), NEWSLETTER) == "payments"  # its deploy drove the NAT
    assert top(newsletter_morning(mailer_sent_more=True), NEWSLETTER) == "egress-nat"  # the mailer's sends did


FLEET = [
    DependencyEdge(caller="alerting", callee="fleet-api"),
    DependencyEdge(caller="fleet-api", callee="registry"),
    DependencyEdge(caller="ota", callee="broker"),
    DependencyEdge(caller="ota", callee="registry"),
]


def trucks_offline(ota_warned: bool, edges: list[DependencyEdge] = FLEET) -> list[Evidence]:
    """A firmware rollout's failing jobs and its devices re-authenticating an hour before trucks went offline; ota
    logged the ticket's truck at 40."""
    return [
        ticket("alerting"),
        topology(edges),
        change_at("ota", "flag-fw", -60, kind="feature_flag", ref="ota.rollout"),
        log("ota", "ota job failed: download interrupted", -59),
        metric("registry", "auth_requests_per_min", -56, "traffic"),  # the devices updating re-authenticated
        metric("alerting", "error_rate_percent", 10, "error"),
        trail("alerting", 2, 20),
        trail("ota", 0, 40, warning_lines=int(ota_warned)),
    ]


def test_a_cause_that_handled_the_tickets_identifiers_cleanly_during_its_trouble_is_not_confirmed() -> None:
    h = hypothesis("ota", "ota.rollout", "feature_flag")
    passed, note = mechanism_note(h, trucks_offline(ota_warned=False))
    assert not passed and "without a fault" in note
    passed, note = mechanism_note(h, trucks_offline(ota_warned=True))
    assert "without a fault" not in note
    # a caller sending the failing service its work may log the ids cleanly and still be the cause (a cache key
    # change flooding its origin)
    sending = [*FLEET, DependencyEdge(caller="ota", callee="alerting")]
    _, note = mechanism_note(h, trucks_offline(ota_warned=False, edges=sending))
    assert "without a fault" not in note


def test_the_verifier_does_not_confirm_a_cause_the_tickets_failures_outlived() -> None:
    edges = [DependencyEdge(caller="order-gateway", callee="order-router")]
    h = hypothesis("order-router", "dep-router")
    passed, note = mechanism_note(
        h, [*router_blip(90), topology(edges), metric("order-gateway", "error_rate_percent", 1, "error")]
    )
    assert not passed and "still failing" in note
    _, note = mechanism_note(
        h, [*router_blip(12), topology(edges), metric("order-gateway", "error_rate_percent", 1, "error")]
    )
    assert "still failing" not in note


BOARDS = [
    DependencyEdge(caller="web-app", callee="api-gateway"),
    DependencyEdge(caller="api-gateway", callee="board-api"),
    DependencyEdge(caller="board-api", callee="card-store"),
]


def board_afternoon(*ticket_lines: Evidence) -> list[Evidence]:
    """The front end's header change broke its own title component a few minutes before board-api's flag step made
    its column loader fail."""
    return [
        ticket("web-app"),
        topology(BOARDS),
        change_at("web-app", "dep-web", -8, title="header redesign", diff="+ <BoardTitle board={board} showCount />"),
        metric("web-app", "js_errors_per_min", -7, "error"),
        log("web-app", "BoardTitle: count prop undefined board=b_1", -7),
        change_at("board-api", "flag-windowed", 0, kind="feature_flag", ref="boards.windowed-columns"),
        metric("board-api", "error_rate_percent", 0, "error"),
        log("board-api", "GET columns failed: NullPointerException at BoardColumnsLoader.loadWindowed", 0),
        *ticket_lines,
    ]


def test_a_change_off_the_failing_path_that_names_its_own_errors_does_not_explain_the_ticket() -> None:
    assert top(board_afternoon(), BOARDS) == "web-app"  # without the ticket's lines, its diff names the errors
    lines = trail("board-api", 2, 5, samples=["GET columns b_77120 failed: NullPointerException"])
    assert top(board_afternoon(lines), BOARDS) == "board-api"  # the failing requests never went through web-app


TILLS = [
    DependencyEdge(caller="pos-terminal", callee="pos-gateway"),
    DependencyEdge(caller="pos-gateway", callee="giftcard-svc"),
    DependencyEdge(caller="giftcard-svc", callee="giftcard-db"),
]


def till_saturday(db_trouble_from_min: float) -> list[Evidence]:
    """The gateway's calls to giftcard-svc surge from minute 0 (six attempts a call); a database failover a minute
    before; the database's connections climb from `db_trouble_from_min`."""
    return [
        ticket("pos-terminal"),
        topology(TILLS),
        metric("pos-gateway", "outbound_giftcard_calls_per_min", 0, "retry"),
        metric("pos-gateway", "error_rate_percent", 0, "error"),
        metric("giftcard-svc", "requests_per_min", 0, "traffic"),
        metric("giftcard-svc", "error_rate_percent", 1, "error"),
        change_at("giftcard-db", "cfg-failover", -1, kind="config", ref="ha.failover.manual"),
        metric("giftcard-db", "active_connections", db_trouble_from_min, "resource"),
        metric("pos-terminal", "gc_timeouts_per_min", 1, "error"),
    ]


def test_what_lies_below_a_retry_storm_and_began_with_it_is_loaded_by_it() -> None:
    assert top(till_saturday(db_trouble_from_min=1), TILLS) == "pos-gateway"
    assert top(till_saturday(db_trouble_from_min=-10), TILLS) == "giftcard-db"  # failing before the retries began


UPLOADS = [
    DependencyEdge(caller="careers-site", callee="apply-gateway"),
    DependencyEdge(caller="apply-gateway", callee="application-svc"),
    DependencyEdge(caller="application-svc", callee="resume-parser"),
]


def upload_morning(gateway_errors_its_own: bool) -> list[Evidence]:
    """The parser's new model broke some parses from minute -9; the gateway's body-size limit dropped at 0 and it
    answers 413 from then on; the ticket's ids are in the site's and the gateway's errors only."""
    evidence = [
        ticket("careers-site"),
        topology(UPLOADS),
        change_at(
            "resume-parser", "dep-parser", -9, title="switch to cvparse_2025 model", diff='+MODEL = "cvparse_2025"'
        ),
        metric("resume-parser", "error_rate_percent", -9, "error"),
        log("resume-parser", "parse failed: PdfSyntaxError model=cvparse_2025", -9),
        metric("application-svc", "document_uploads_per_min", 0, "traffic", direction=-1),  # fewer get through
        change_at(
            "apply-gateway", "cfg-body-size", 0, kind="config", ref="proxy-body-size", diff="+client_max_body_size: 2m"
        ),
        metric("apply-gateway", "http_413_per_min", 0, "error"),
        log("apply-gateway", "client intended to send too large body (client_max_body_size 2m)", 0),
        metric("careers-site", "upload_failures_per_min", 0, "error"),
        trail("careers-site", 5, 10, samples=["cv upload failed draft=APP-1 status=413"]),
        trail("apply-gateway", 3, 10, samples=["client intended to send too large body: 7800809 bytes"]),
    ]
    if gateway_errors_its_own:
        evidence.append(
            item(
                EvidenceKind.trace_anomaly,
                "apply-gateway",
                "origin",
                detector="onset",
                family="error_origin",
                fault=True,
                onset=T0,
                operation="POST /documents",
            )
        )
    return evidence


def test_below_where_the_tickets_errors_begin_a_change_naming_its_own_errors_explains_only_those() -> None:
    assert top(upload_morning(gateway_errors_its_own=True), UPLOADS) == "apply-gateway"
    # without knowing where the errors begin, the requests may have gone on down to the parser
    assert top(upload_morning(gateway_errors_its_own=False), UPLOADS) == "resume-parser"
