"""Scenario worlds: the bundled incidents validate, the world serves every operation, and never its truth."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from scenario_copies import bundled_copy, edit_yaml

from graphs.contracts import FaultType
from tools.interfaces import (
    INTERFACES,
    AddCommentIn,
    ChangesIn,
    ErrorDetailsIn,
    GetDependenciesIn,
    GetDiffIn,
    GetFileIn,
    GetThreadIn,
    GetTicketIn,
    ListFlagsIn,
    ListServicesIn,
    PostMessageIn,
    QueryLogsIn,
    QueryMetricsIn,
    QueryTracesIn,
    ResolveServiceIn,
    RolloutHistoryIn,
    SearchCodeIn,
    SearchMessagesIn,
    SearchTicketsIn,
)
from tools.worlds.base import load_world, world_operation
from tools.worlds.scenarios.generate import render
from tools.worlds.scenarios.loader import DEFAULT_DIR, ScenarioError, load_truth, scenario_names
from tools.worlds.scenarios.validate import validate_world_dir
from tools.worlds.scenarios.world import ScenarioWorld

NAMES = scenario_names()
PAYMENTS = "checkout-payment-errors"


@pytest.fixture(scope="module")
def worlds() -> dict[str, ScenarioWorld]:
    return {name: ScenarioWorld.from_options({"scenario": name}) for name in NAMES}


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A writable copy of one bundled scenario."""
    return bundled_copy(tmp_path, PAYMENTS)


# --- validation ------------------------------------------------------------------------------------


def test_bundled_scenarios_are_valid_and_cover_the_required_kinds() -> None:
    assert len(NAMES) >= 12
    assert validate_world_dir(DEFAULT_DIR) == []
    faults = {load_truth(DEFAULT_DIR / name).fault_type for name in NAMES}
    required = {
        FaultType.bad_deploy,
        FaultType.feature_flag,
        FaultType.config_change,
        FaultType.dependency_outage,
        FaultType.data_corruption,
        FaultType.memory_exhaustion,
        FaultType.third_party_change,
        FaultType.retry_storm,
    }
    assert required <= faults


def test_each_scenario_has_red_herrings_and_fools_the_naive_rules(worlds: dict[str, ScenarioWorld]) -> None:
    """ "Most error lines wins" and "latest deploy before the ticket wins" must each fail on several scenarios."""
    most_errors_wrong = latest_deploy_wrong = 0
    for name, world in worlds.items():
        truth = load_truth(DEFAULT_DIR / name)
        assert truth.red_herrings, name
        errors: dict[str, int] = {}
        for line in world._logs:
            if line.level in ("ERROR", "FATAL"):
                errors[line.service] = errors.get(line.service, 0) + 1
        most_errors_wrong += max(errors, key=errors.get) != truth.root_cause_service
        window = ChangesIn(start=world.window.start, end=world.window.end)
        deploys = world.list_deployments(window).changes
        latest = deploys[-1].service if deploys else None
        latest_deploy_wrong += latest != truth.root_cause_service
    assert most_errors_wrong >= len(worlds) - 1
    assert latest_deploy_wrong >= 8


def test_validate_accepts_a_single_scenario_folder() -> None:
    assert validate_world_dir(DEFAULT_DIR / PAYMENTS) == []


def test_validate_reports_schema_errors_with_file_and_field(broken: Path) -> None:
    edit_yaml(broken / "changes.yaml", lambda d: d["deployments"][0].update(at="not a time", surprise=1))
    problems = validate_world_dir(broken)
    assert any(p.startswith(f"{PAYMENTS}/changes.yaml: deployments.0.at: bad time 'not a time'") for p in problems)
    assert any("changes.yaml: deployments.0.surprise: Extra inputs are not permitted" in p for p in problems)


def test_validate_reports_a_log_placeholder_the_world_could_not_fill(broken: Path) -> None:
    edit_yaml(broken / "telemetry.yaml", lambda d: d["log_patterns"][0].update(message="rssi={int:-85--115}dBm"))
    problems = validate_world_dir(broken)
    assert any(
        p.startswith(f"{PAYMENTS}/telemetry.yaml: log_patterns.0.message:") and "{int:-85--115}" in p for p in problems
    )


def test_negative_int_placeholders_fill_within_their_range() -> None:
    rng = np.random.default_rng(7)
    values = [int(render("rssi={int:-115--85}", rng, "i-1").removeprefix("rssi=")) for _ in range(200)]
    assert min(values) >= -115 and max(values) <= -85 and len(set(values)) > 10


def test_validate_reports_dangling_references(broken: Path) -> None:
    edit_yaml(broken / "scenario.yaml", lambda d: d["edges"].append({"caller": "checkout-api", "callee": "ghost-svc"}))
    edit_yaml(broken / "changes.yaml", lambda d: d["deployments"][0].update(service="nowhere-svc", at="23:59"))
    edit_yaml(broken / "truth.yaml", lambda d: d["pinpoint"].update(ref="deadbeefcafe"))
    problems = validate_world_dir(broken)
    assert f"{PAYMENTS}/scenario.yaml: edges.6.callee: unknown service 'ghost-svc'" in problems
    assert f"{PAYMENTS}/changes.yaml: deployments.0.service: unknown service 'nowhere-svc'" in problems
    assert any(
        p.startswith(f"{PAYMENTS}/changes.yaml: deployments.0.at: time ") and "outside the window" in p
        for p in problems
    )
    assert any(p.startswith(f"{PAYMENTS}/truth.yaml: pinpoint.ref: change 'deadbeefcafe' not found") for p in problems)


def test_validate_reports_unknown_flag_in_truth_and_bad_yaml(broken: Path) -> None:
    edit_yaml(broken / "truth.yaml", lambda d: d.update(pinpoint={"kind": "feature_flag", "ref": "no.such.flag"}))
    (broken / "chat.yaml").write_text("threads: [unclosed\n")
    problems = validate_world_dir(broken)
    assert any(p.startswith(f"{PAYMENTS}/chat.yaml: line") and "invalid YAML" in p for p in problems)
    # the truth is checked only once the scenario itself parses
    (broken / "chat.yaml").write_text("threads: []\n")
    assert (
        f"{PAYMENTS}/truth.yaml: pinpoint.ref: feature_flag 'no.such.flag' not found"
        " (expected a flag key of the scenario)" in validate_world_dir(broken)
    )


def test_validate_reports_missing_directory(tmp_path: Path) -> None:
    assert validate_world_dir(tmp_path / "nope") == [f"{tmp_path / 'nope'}: not a directory"]
    assert "no scenario folders" in validate_world_dir(tmp_path)[0]


def test_from_options_names_unknown_scenarios() -> None:
    with pytest.raises(ScenarioError, match=r"no scenario 'nope'.*known: .*checkout-payment-errors"):
        ScenarioWorld.from_options({"scenario": "nope"})


# --- the world -------------------------------------------------------------------------------------


def test_registry_builds_the_scenario_world() -> None:
    world = load_world("scenario", {"scenario": PAYMENTS})
    assert isinstance(world, ScenarioWorld)
    assert world.describe()["ticket"] == "SUP-4821"


def test_world_serves_every_operation_with_the_right_models(worlds: dict[str, ScenarioWorld]) -> None:
    world = worlds[PAYMENTS]
    start, end = world.window.start, world.window.end
    implemented = {
        op.name: op
        for iface in INTERFACES.values()
        for op in iface.operations.values()
        if world_operation(world, op.name) is not None
    }
    assert set(implemented) >= {
        "list_services", "query_metrics", "query_logs", "query_traces", "get_error_details", "list_commits",
        "list_prs", "get_diff", "list_deployments", "search_code", "get_file", "list_flags", "get_rollout_history",
        "get_ticket", "search_tickets", "add_comment", "search_messages", "get_thread", "post_message",
        "resolve_service", "get_dependencies",
    }  # fmt: skip
    assert "payments-api" in world.list_services(ListServicesIn()).services

    metrics = world.query_metrics(
        QueryMetricsIn(start=start, end=end, service="payments-api", metrics=["error_rate_percent"])
    )
    assert {s.instance for s in metrics.series} == {"payments-api-1", "payments-api-2", "payments-api-3"}
    canary = next(s for s in metrics.series if s.instance == "payments-api-3")
    before = canary.values[:30]  # 08:30-09:00, before the canary
    after = canary.values[50:70]  # 09:20-09:40, canary only
    assert max(before) < 1 < min(after)

    logs = world.query_logs(QueryLogsIn(start=start, end=end, contains="req-7c1e9a40d2"))
    assert {line.service for line in logs.lines} == {"checkout-api", "payments-api"}
    limited = world.query_logs(QueryLogsIn(start=start, end=end, service="checkout-api", level="error", limit=5))
    assert len(limited.lines) == 5 and limited.truncated and all(line.level == "ERROR" for line in limited.lines)
    errors = world.get_error_details(ErrorDetailsIn(start=start, end=end, service="payments-api")).errors
    assert errors and all(e.level in ("ERROR", "FATAL") and e.service == "payments-api" for e in errors)
    spans = world.query_traces(QueryTracesIn(start=start, end=end, service="payments-api")).spans
    assert spans and any(s.error for s in spans)

    window = ChangesIn(start=start, end=end, service="payments-api")
    assert [c.id for c in world.list_deployments(window).changes] == ["dep-pay-0512", "dep-pay-0541"]
    wide = ChangesIn(start=start - timedelta(days=2), end=end)
    assert any(c.kind == "commit" for c in world.list_commits(wide).changes)
    assert {c.id for c in world.list_prs(wide).changes} == {"pr-1183", "pr-412"}
    diff = world.get_diff(GetDiffIn(ref="a1f9c3e")).change
    assert diff is not None and "getEci()" in diff.diff
    assert world.get_diff(GetDiffIn(ref="#1183")).change.kind == "pull_request"
    assert world.get_diff(GetDiffIn(ref="ffffffffff")).change is None

    hits = world.search_code(SearchCodeIn(query="authorization aborted")).hits
    assert hits and hits[0].path.endswith("AuthorizationController.java")
    loose = world.search_code(SearchCodeIn(query="getEci equals")).hits
    assert any(h.path.endswith("ChallengeResultMapper.java") and h.line == 47 for h in loose)
    file = world.get_file(GetFileIn(repo=hits[0].repo, path=hits[0].path)).file
    assert file is not None and "authorize" in file.content
    assert world.get_file(GetFileIn(repo="x/y", path="nope.py")).file is None

    ticket = world.get_ticket(GetTicketIn(key="sup-4821")).ticket
    assert ticket is not None and "req-7c1e9a40d2" in ticket.description
    assert world.search_tickets(SearchTicketsIn(query="double charge")).tickets[0].key == "SUP-4633"
    assert world.add_comment(AddCommentIn(key="SUP-4821", body="looking")).ok
    assert not world.add_comment(AddCommentIn(key="NOPE-1", body="x")).ok

    found = world.search_messages(SearchMessagesIn(start=start, end=end, query="checkout-api deploy")).messages
    assert found and found[0].thread_id == "th-checkout-0944"
    thread = world.get_thread(GetThreadIn(thread_id="th-checkout-0944")).messages
    assert len(thread) == 5 and thread == sorted(thread, key=lambda m: m.timestamp)
    assert world.post_message(PostMessageIn(channel="#incidents", text="hi")).ok
    assert [a["action"] for a in world.actions] == ["add_comment", "post_message"]

    info = world.resolve_service(ResolveServiceIn(name="payments")).service
    assert info is not None and info.owner == "team-payments" and info.team_channel == "#team-payments"
    edges = world.get_dependencies(GetDependenciesIn(service="payments-api")).edges
    assert {(e.caller, e.callee) for e in edges} >= {("checkout-api", "payments-api"), ("payments-api", "payments-db")}


def test_flags_and_rollout_history(worlds: dict[str, ScenarioWorld]) -> None:
    world = worlds["booking-price-errors-fr"]
    flags = {f.key: f for f in world.list_flags(ListFlagsIn(service="pricing-svc")).flags}
    assert flags["pricing.tax-engine-v2"].rollout_percent == 50 and flags["pricing.tax-engine-v2"].enabled
    history = world.get_rollout_history(
        RolloutHistoryIn(start=world.window.start, end=world.window.end, key="pricing.tax-engine-v2")
    ).changes
    assert [c.title for c in history] == [
        "pricing.tax-engine-v2 0% -> 10% cohort=country=FR",
        "pricing.tax-engine-v2 10% -> 50% cohort=country in (FR, BE)",
    ]
    configs = world.get_rollout_history(RolloutHistoryIn(start=world.window.start, end=world.window.end)).changes
    assert {c.kind for c in configs} == {"feature_flag", "config"}


def test_truth_never_leaks_through_any_operation(worlds: dict[str, ScenarioWorld]) -> None:
    for name, world in worlds.items():
        truth = load_truth(DEFAULT_DIR / name)
        secrets = [truth.explanation, truth.fix.description, *truth.red_herrings]
        start, end = world.window.start - timedelta(days=400), world.window.end + timedelta(days=1)
        outputs = [
            world.describe(),
            world.list_services(ListServicesIn()),
            world.query_metrics(QueryMetricsIn(start=start, end=end)),
            world.query_logs(QueryLogsIn(start=start, end=end, limit=200_000)),
            world.query_traces(QueryTracesIn(start=start, end=end, limit=500_000)),
            world.list_commits(ChangesIn(start=start, end=end)),
            world.list_prs(ChangesIn(start=start, end=end)),
            world.list_deployments(ChangesIn(start=start, end=end)),
            world.list_flags(ListFlagsIn()),
            world.get_rollout_history(RolloutHistoryIn(start=start, end=end)),
            world.search_tickets(SearchTicketsIn(query=world.ticket_key)),
            world.search_messages(SearchMessagesIn(start=start, end=end, query="the", limit=500)),
            world.get_dependencies(GetDependenciesIn()),
            world.search_code(SearchCodeIn(query="e", limit=200)),
        ]
        outputs += [world.get_error_details(ErrorDetailsIn(start=start, end=end, service=s)) for s in world._services]
        outputs += [world.resolve_service(ResolveServiceIn(name=s)) for s in world._services]
        outputs += [world.get_diff(GetDiffIn(ref=c.id)) for c in world._changes.all()]
        outputs += [world.get_file(GetFileIn(repo=r, path=p)) for r, p in world._files]
        served = "\n".join(o if isinstance(o, str) else str(o) for o in outputs).lower()
        for secret in secrets:
            assert secret.lower() not in served, f"{name}: truth text is served"
        assert "truth" not in str(world.describe()).lower()


def test_the_world_does_not_read_truth_yaml(broken: Path) -> None:
    (broken / "truth.yaml").write_text("this: [is not valid")
    world = ScenarioWorld.from_dir(broken)
    assert world.describe()["scenario"] == PAYMENTS


def test_two_loads_are_identical() -> None:
    first = ScenarioWorld.from_options({"scenario": "menu-unavailable-lunch"})
    second = ScenarioWorld.from_options({"scenario": "menu-unavailable-lunch"})
    assert first._series == second._series
    assert first._logs == second._logs
    assert first._spans == second._spans
