"""Principle-level rules on hand-built evidence: a limit cut by a change that load reaches later, an expiry
countdown that fails at zero, errors that begin at a surge rather than at a stray error of an old trickle."""

from __future__ import annotations

import numpy as np
from synthetic import T0, change_at, log, metric, ticket

from agents.analysis.change_attribution import rank_ticket_candidates
from agents.analysis.change_links import limit_changes
from agents.analysis.metric_kinds import is_countdown
from agents.analysis.onsets import metric_onsets
from agents.analysis.service_view import ServiceView
from agents.collector.ticket_runtime import errors_begin
from graphs.contracts import DependencyEdge, MetricSeries


def test_a_change_that_cut_a_limit_is_linked_to_the_failures_that_come_when_load_fills_it() -> None:
    edges = [
        DependencyEdge(caller="bff", callee="app"),
        DependencyEdge(caller="app", callee="db"),
        DependencyEdge(caller="app", callee="media"),
    ]
    limit = metric("app", "pool_connections_max", 0, "resource", direction=-1)
    limit.data["fault"] = False  # a lowered maximum is not trouble by itself
    evidence = [
        ticket("bff"),
        change_at("app", "cfg-pool", 0, "config", ref="pool.max_size"),
        limit,
        metric("app", "requests_per_min", 15, "traffic"),
        metric("app", "pool_connections_pending", 28, "resource"),
        metric("app", "error_rate_percent", 30, "error"),
        metric("bff", "error_rate_percent", 31, "error"),
        metric("media", "error_rate_percent", 14, "error"),  # an unrelated callee in trouble earlier
        log("app", "join failed: pool timeout waiting for a connection", 30),
    ]
    ranked = rank_ticket_candidates(evidence, edges)
    assert ranked[0].service == "app"
    assert ranked[0].pinpoint.kind == "config" and ranked[0].pinpoint.ref == "pool.max_size"


def test_a_change_is_linked_only_through_the_resource_it_moved() -> None:
    cut = change_at("app", "cfg-pool", 0, "config", ref="pool.max_size")
    maximum = metric("app", "pool_connections_max", 0, "resource", direction=-1)
    maximum.data["fault"] = False
    pending = metric("app", "pool_connections_pending", 28, "resource")
    unrelated = metric("app", "cache_entries_max", 0, "resource", direction=-1)
    unrelated.data["fault"] = False
    assert limit_changes(ServiceView("app", anomalies=[maximum, pending], changes=[cut])) == [cut]
    assert limit_changes(ServiceView("app", anomalies=[unrelated, pending], changes=[cut])) == []
    late = change_at("app", "cfg-late", 27, "config", ref="pool.max_size")  # moved it as the failures began
    assert (
        limit_changes(
            ServiceView(
                "app", anomalies=[metric("app", "pool_connections_max", 27, "resource", -1), pending], changes=[late]
            )
        )
        == []
    )


def _series(metric_name: str, values: list[float]) -> MetricSeries:
    times = [T0 + 60 * i for i in range(len(values))]
    return MetricSeries(service="gw", instance="gw-1", metric=metric_name, timestamps=times, values=values)


def test_an_expiry_countdown_departs_when_it_reaches_zero_not_when_it_leaves_its_level() -> None:
    values = [3600.0 - 60 * i for i in range(120)]  # one hour left, counting down a minute a minute
    rows = metric_onsets([_series("tls_cert_seconds_to_expiry", values)])
    assert len(rows) == 1 and rows[0]["onset"] == T0 + 60 * 60 and rows[0]["direction"] == -1
    assert is_countdown("tls_cert_expiry_seconds") and not is_countdown("pool_connections_max")


def test_a_countdown_with_time_left_is_no_departure() -> None:
    values = [7200.0 - 60 * i for i in range(100)]
    assert metric_onsets([_series("cert_seconds_to_expiry", values)]) == []
    rng = np.random.default_rng(3)
    plain = list(50 + rng.normal(0, 1, 100))
    plain[60:] = [v + 40 for v in plain[60:]]
    assert metric_onsets([_series("queue_depth", plain)])[0]["onset"] == T0 + 60 * 60


def test_errors_begin_at_the_surge_not_at_a_stray_error_of_an_old_trickle() -> None:
    trickle = [T0 + 60 * 3, T0 + 60 * 41]
    surge = [T0 + 60 * 70 + 7 * i for i in range(20)]
    assert errors_begin(trickle + surge) == T0 + 60 * 70
    assert errors_begin(trickle) == T0 + 60 * 3  # only stray ones: the first is all there is
    assert errors_begin([]) is None
