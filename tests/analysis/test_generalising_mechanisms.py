"""The mechanisms a careful SRE uses, on small hand-built inputs: a shared library, a scheduled job, an expired
credential, a noisy neighbour and the noise floor of a counter at rest."""

from __future__ import annotations

import numpy as np
from synthetic import T0, change, log, metric, ticket

from agents.analysis.change_attribution import rank_ticket_candidates
from agents.analysis.libraries import dependency_bumps, shipped_commits
from agents.analysis.metric_kinds import is_fault
from agents.analysis.onsets import series_departure
from graphs.contracts import DependencyEdge, Evidence, EvidenceKind, FaultType

DAY = 86_400.0

# --- shared library ---------------------------------------------------------------------------------

LOCK_BUMP = "--- a/requirements.lock\n+++ b/requirements.lock\n@@ -4 +4 @@\n-acme-utils==1.4.0\n+acme-utils==1.5.0\n"


def test_a_version_pin_moved_in_a_lockfile_is_a_bump_and_a_code_change_is_not() -> None:
    bumps = dependency_bumps("chore: deps", LOCK_BUMP)
    assert [(b.library, b.before, b.after) for b in bumps] == [("acme-utils", "1.4.0", "1.5.0")]
    code = "--- a/app/main.py\n+++ b/app/main.py\n-x==1.0\n+x==2.0\n"  # looks like a pin, but not in a manifest
    assert dependency_bumps("refactor", code) == []
    go = "--- a/go.mod\n+++ b/go.mod\n-\tgithub.com/acme/kit v1.2.0\n+\tgithub.com/acme/kit v1.3.0\n"
    assert [b.library for b in dependency_bumps("", go)] == ["github.com/acme/kit"]
    assert [b.after for b in dependency_bumps("build(deps): bump left-pad from 1.0.0 to 1.1.0", "")] == ["1.1.0"]
    assert shipped_commits("version: 2\ncommits:\n- 5c20244266bc first\n- b8a79d47e1d7 second\n") == [
        "5c20244266bc",
        "b8a79d47e1d7",
    ]


def _library_world(consumers: int) -> tuple[list[Evidence], list[DependencyEdge]]:
    names = ["orders", "invoices", "refunds"][:consumers]
    edges = [DependencyEdge(caller="web", callee=n) for n in names]
    evidence = [
        ticket("web"),
        log("web", "POST /checkout -> orders 500", 0),
        change("acme-utils", "lib-commit", "commit", T0 - 5 * DAY, "money: round half even", "+ def round_money"),
        change("orders", "own-change", "commit", T0 - DAY, "checkout: new banner", "+ banner_text = 'x'"),
    ]
    for i, name in enumerate(names):
        sha = f"{i}bc1234def0"
        evidence += [
            change(name, sha, "commit", T0 - 3 * DAY, "chore(deps): update acme-utils", LOCK_BUMP),
            change(name, f"dep-{name}", "deploy", T0 + 600 * i, diff=f"commits:\n- {sha} update acme-utils\n"),
            metric(name, "error_rate_percent", 10 * i + 1, "error"),
            log(name, f"{name} failed: ValueError in acme_utils/money.py round_money", 10 * i + 1),
        ]
    return evidence, edges


def test_consumers_failing_right_after_shipping_the_same_library_version_blame_the_library_and_its_change() -> None:
    evidence, edges = _library_world(consumers=2)
    ranked = rank_ticket_candidates(evidence, edges)
    assert ranked[0].service == "acme-utils"
    assert ranked[0].pinpoint.kind == "change" and ranked[0].pinpoint.ref == "lib-commit"
    assert {c.service for c in ranked[1:3]} == {"orders", "invoices"}


def test_a_single_consumer_blames_the_library_only_when_its_errors_sit_in_the_library_code() -> None:
    evidence, edges = _library_world(consumers=1)
    assert rank_ticket_candidates(evidence, edges)[0].service == "acme-utils"
    silent = [
        e
        for e in evidence
        if not (e.kind is EvidenceKind.log_pattern and e.service == "orders")  # errors that do not name the library
    ]
    assert rank_ticket_candidates(silent, edges)[0].service == "orders"


# --- scheduled job ---------------------------------------------------------------------------------


def _job_world(job_before: float) -> tuple[list[Evidence], list[DependencyEdge]]:
    edges = [
        DependencyEdge(caller="web", callee="usage"),
        DependencyEdge(caller="usage", callee="db"),
        DependencyEdge(caller="batch", callee="db"),
    ]
    evidence = [
        ticket("web"),
        metric("web", "error_rate_percent", 3, "error"),
        metric("usage", "error_rate_percent", 3, "error"),
        metric("db", "cpu_percent", 0, "resource", before=25, peak=100),
        metric("db", "disk_read_mb_per_s", 0, "resource", before=30, peak=600),
        metric("batch", "statements_per_min", 0, "traffic", before=job_before, peak=10_000),
        log("db", "duration: 300000 ms statement: SELECT ... (application_name=monthly-run user=batch)", 5, "WARN"),
        change("web", "dep-web", "deploy", T0 - 300),  # a red herring just before the onset
    ]
    return evidence, edges


def test_a_job_that_started_from_idle_as_the_shared_database_saturated_is_the_cause_with_its_run_as_pinpoint() -> None:
    evidence, edges = _job_world(job_before=0.0)
    ranked = rank_ticket_candidates(evidence, edges)
    assert ranked[0].service == "batch"
    assert ranked[0].fault_type == FaultType.resource_exhaustion
    assert (ranked[0].pinpoint.kind, ranked[0].pinpoint.ref) == ("operation", "monthly-run")


def test_a_caller_that_was_already_busy_is_not_a_job_that_started() -> None:
    evidence, edges = _job_world(job_before=8_000.0)
    assert rank_ticket_candidates(evidence, edges)[0].service != "batch"


# --- expiry ----------------------------------------------------------------------------------------


def test_the_service_whose_certificate_ran_out_outranks_the_callee_that_rejects_it_and_a_deploy_nearby() -> None:
    edges = [DependencyEdge(caller="app", callee="gateway"), DependencyEdge(caller="gateway", callee="vendor")]
    evidence = [
        ticket("app"),
        change("app", "dep-app", "deploy", T0 - 600),
        metric("app", "review_queue", 1, "resource"),
        metric("gateway", "client_cert_seconds_to_expiry", 0, "resource", direction=-1),
        metric("gateway", "error_rate_percent", 1, "error"),
        metric("vendor", "client_error_percent", 1, "error"),
        log("gateway", "SSLHandshakeException: Received fatal alert: certificate_expired", 1),
    ]
    ranked = rank_ticket_candidates(evidence, edges)
    assert ranked[0].service == "gateway"
    assert ranked[0].fault_type == FaultType.certificate_expiry
    assert ranked[0].pinpoint.ref == "client_cert_seconds_to_expiry"
    assert "victim" in next(c.statement for c in ranked if c.service == "vendor")


# --- noisy neighbour -------------------------------------------------------------------------------


def _neighbour_world(with_host: bool) -> tuple[list[Evidence], list[DependencyEdge]]:
    edges = [DependencyEdge(caller="gateway", callee="matcher"), DependencyEdge(caller="encoder", callee="storage")]
    evidence = [
        ticket("matcher"),
        change("encoder", "dep-encoder", "deploy", T0 - 120),
        change("gateway", "dep-gateway", "deploy", T0 - 900),
        metric("encoder", "cpu_usage_cores", 0, "resource", before=3, peak=14),
        metric("matcher", "cpu_pressure_some_percent", 1, "resource", before=2, peak=80),
        metric("matcher", "cpu_usage_cores", 1, "resource", direction=-1, before=2.6, peak=0.8),
        metric("matcher", "tick_duration_ms_p99", 2, "latency"),
        metric("gateway", "error_rate_percent", 12, "error"),
    ]
    if with_host:
        evidence.append(metric("nodes", "node_cpu_percent", 0, "resource", before=58, peak=100))
    return evidence, edges


def test_a_service_that_took_a_shared_node_s_cpu_after_its_deploy_is_blamed_for_the_starved_neighbour() -> None:
    evidence, edges = _neighbour_world(with_host=True)
    ranked = rank_ticket_candidates(evidence, edges)
    assert ranked[0].service == "encoder"
    assert ranked[0].fault_type == FaultType.cpu_contention
    assert ranked[0].pinpoint.ref == "dep-encoder"


def test_without_a_host_that_saturated_too_there_is_no_evidence_they_share_a_node() -> None:
    evidence, edges = _neighbour_world(with_host=False)
    assert rank_ticket_candidates(evidence, edges)[0].service != "encoder"


# --- noise floor -----------------------------------------------------------------------------------


def test_a_counter_at_rest_does_not_start_on_a_few_events_from_nothing_but_does_on_a_sustained_shift() -> None:
    rng = np.random.default_rng(7)
    times = [T0 + 60 * i for i in range(80)]
    noise = np.clip(rng.normal(0.0, 0.1, 80), 0.0, None)
    values = noise.copy()
    values[30:33] = [0.24, 0.2, 0.22]  # three stray events, two noise widths above nothing
    values[60:] += 60.0  # the real shift
    found = series_departure(times, list(values), "handshake_failures_per_min")
    assert found is not None and found.onset == times[60]
    quiet = series_departure(times, list(noise), "handshake_failures_per_min")
    assert quiet is None
    from_zero = [0.0] * 40 + [2.0] * 40  # a counter that never moved before: any sustained rise is an onset
    started = series_departure(times, from_zero, "errors_per_min")
    assert started is not None and started.onset == times[40]


def test_a_job_with_no_call_edge_is_found_through_the_resource_logs_that_name_it() -> None:
    evidence, edges = _job_world(job_before=0.0)
    edges = [e for e in edges if e.caller != "batch"]
    evidence = [e for e in evidence if e.service != "db" or e.kind is not EvidenceKind.log_pattern]
    evidence.append(log("db", "slow statement (application_name=monthly-run user=nightly_batch)", 5, "WARN"))
    renamed = [e.model_copy(update={"service": "nightly-batch"}) if e.service == "batch" else e for e in evidence]
    assert rank_ticket_candidates(renamed, edges)[0].service == "nightly-batch"


def test_a_disk_hungry_neighbour_is_found_like_a_cpu_hungry_one() -> None:
    evidence, edges = _neighbour_world(with_host=True)
    renames = {
        "cpu_usage_cores": "disk_read_mb_per_s",
        "cpu_pressure_some_percent": "io_pressure_some_percent",
        "node_cpu_percent": "node_disk_busy_percent",
    }
    disk = [
        metric(str(e.service), renames[e.data["metric"]], (e.data["onset"] - T0) / 60, "resource", e.data["direction"])
        if e.data.get("metric") in renames
        else e
        for e in evidence
    ]
    ranked = rank_ticket_candidates(disk, edges)
    assert ranked[0].service == "encoder" and ranked[0].pinpoint.ref == "dep-encoder"


def test_countdowns_by_day_or_quota_are_resources_that_fail_when_they_reach_zero() -> None:
    from agents.analysis.metric_kinds import is_countdown, metric_family

    for name in ("license_days_left", "api_quota_remaining", "client_cert_seconds_to_expiry"):
        assert is_countdown(name) and metric_family(name) == "resource" and is_fault("resource", -1, name)
    assert not is_countdown("disk_free_bytes") and not is_countdown("pool_slots_remaining")


def test_bumps_are_read_from_gradle_npm_and_bundler_manifests_and_looked_up_by_their_bare_names() -> None:
    from agents.analysis.libraries import registry_names

    gradle = "--- a/build.gradle\n+++ b/build.gradle\n-  implementation 'com.acme:acme-utils:2.3.0'\n"
    gradle += "+  implementation 'com.acme:acme-utils:2.4.0'\n"
    npm = '--- a/package.json\n+++ b/package.json\n-    "@acme/utils": "^2.3.0",\n+    "@acme/utils": "^2.4.0",\n'
    gems = "--- a/Gemfile.lock\n+++ b/Gemfile.lock\n-    acme-utils (2.3.0)\n+    acme-utils (2.4.0)\n"
    assert [b.library for b in dependency_bumps("", gradle)] == ["acme-utils"]
    assert [b.library for b in dependency_bumps("", npm)] == ["@acme/utils"]
    assert [b.after for b in dependency_bumps("", gems)] == ["2.4.0"]
    assert "acme-utils" in registry_names("@acme/utils") and "acme-utils" in registry_names("acme_utils")
