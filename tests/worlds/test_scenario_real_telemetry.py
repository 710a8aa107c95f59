"""Scenario worlds that real telemetry fits: labels, async spans, per-instance trace anomalies, infrastructure
events, held deploys, accepted alternative services; clipping and chat order are flagged, never silent."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from scenario_copies import bundled_copy, edit_yaml
from typer.testing import CliRunner

from api.cli.main import app
from evals.scenarios.scoring import accepted_rank, score_report
from graphs.contracts import FaultType, InvestigationRequest, RankedService, Report, ReportStatus, RequestKind
from tools.interfaces import ChangesIn, QueryLogsIn, QueryMetricsIn, QueryTracesIn
from tools.worlds.scenarios.loader import load_truth
from tools.worlds.scenarios.validate import check_world_dir, validate_world_dir
from tools.worlds.scenarios.world import ScenarioWorld

PAYMENTS = "checkout-payment-errors"
WINDOW = {
    "start": datetime.fromisoformat("2024-05-14T08:30:00+00:00"),
    "end": datetime.fromisoformat("2024-05-14T10:30:00+00:00"),
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return bundled_copy(tmp_path, PAYMENTS)


def _real_world_features(folder: Path) -> None:
    def scenario(d: dict) -> None:
        d["services"].append({"name": "node-7", "kind": "infrastructure", "instances": ["node-7"]})
        payments = next(s for s in d["services"] if s["name"] == "payments-api")
        payments["instance_labels"] = {"payments-api-3": {"node": "node-7", "pod": "payments-api-7d9f-x2"}}

    def telemetry(d: dict) -> None:
        d["metrics"]["payments-api"]['http_requests_total{route="/v2/authorizations",code="500"}'] = {
            "baseline": 2,
            "labels": {"method": "POST"},
        }
        spans = d["traces"][0]["spans"]
        spans.append({"id": "mail", "parent": "pay", "service": "notifications-svc", "operation": "consume receipt",
                      "ms": 20, "link": "async", "queue_ms": 4000})  # fmt: skip
        d["traces"][0]["anomalies"].append(
            {"start": "09:12", "end": "10:30", "span": "pay", "add_ms": 5000, "instances": ["payments-api-3"]}
        )

    def changes(d: dict) -> None:
        d["deployments"][0]["status"] = "succeeded"
        d["deployments"][0]["steps"] = [
            {"at": "09:20", "status": "held", "note": "canary alarms"},
            {"at": "09:40", "status": "resumed"},
            {"at": "09:41", "status": "succeeded"},
        ]
        d["infrastructure"] = [
            {"id": "maint-77", "kind": "provider_maintenance", "at": "09:05", "end": "09:25", "target": "node-7",
             "provider": "hetzner", "instances": ["payments-api-3"], "description": "host kernel upgrade"},
        ]  # fmt: skip

    edit_yaml(folder / "scenario.yaml", scenario)
    edit_yaml(folder / "telemetry.yaml", telemetry)
    edit_yaml(folder / "changes.yaml", changes)
    edit_yaml(folder / "truth.yaml", lambda d: d.update(accept_root_cause_services=["node-7"]))


def test_new_record_types_validate_and_reach_the_operations(folder: Path) -> None:
    _real_world_features(folder)
    assert validate_world_dir(folder) == []
    world = ScenarioWorld.from_dir(folder)

    series = world.query_metrics(QueryMetricsIn(**WINDOW, service="payments-api", metrics=["http_requests_total"]))
    labelled = {s.instance: s.labels for s in series.series}
    assert labelled["payments-api-3"] == {
        "node": "node-7", "pod": "payments-api-7d9f-x2", "route": "/v2/authorizations", "code": "500", "method": "POST"
    }  # fmt: skip
    assert labelled["payments-api-1"] == {"route": "/v2/authorizations", "code": "500", "method": "POST"}

    spans = world.query_traces(QueryTracesIn(**WINDOW, limit=100_000)).spans
    by_id = {s.span_id: s for s in spans}
    consumers = [s for s in spans if s.operation == "consume receipt"]
    assert consumers
    for consumer in consumers:
        producer = by_id[consumer.parent_id]
        assert consumer.start >= producer.start + 4.0  # waited in the queue: not inside the producer's call
        assert producer.duration_ms < 5000 or producer.instance == "payments-api-3"
    slow = [s for s in spans if s.operation == "POST /v2/authorizations" and s.duration_ms > 4000]
    assert slow and {s.instance for s in slow} == {"payments-api-3"}

    deploys = world.list_deployments(ChangesIn(**WINDOW, service="payments-api")).changes
    held = next(c for c in deploys if c.id == "dep-pay-0512")
    assert "held, then succeeded" in held.title and "held" in held.diff and "canary alarms" in held.diff

    events = world.query_logs(QueryLogsIn(**WINDOW, service="payments-api", contains="maint-77")).lines
    assert [(e.instance, e.level) for e in events] == [("payments-api-3", "WARN")] * 2
    assert "provider_maintenance of node-7 (hetzner)" in events[0].message


def test_new_fault_types_exist() -> None:
    assert {"clock_skew", "lock_contention", "partner_throttling"} <= {f.value for f in FaultType}


def test_an_accepted_alternative_service_counts_as_right(folder: Path) -> None:
    _real_world_features(folder)
    truth = load_truth(folder)
    assert accepted_rank([("node-7", 0.9), ("checkout-api", 0.5), ("payments-api", 0.4)], truth) == 1
    assert accepted_rank([("checkout-api", 0.9), ("payments-api", 0.4)], truth) == 2
    assert accepted_rank([("checkout-api", 0.9)], truth) is None
    request = InvestigationRequest(kind=RequestKind.ticket, text="checkout fails")
    ranking = [RankedService(service="node-7", score=0.9), RankedService(service="payments-api", score=0.2)]
    report = Report(
        investigation_id="i-1", request=request, status=ReportStatus.unconfirmed, root_cause=None, confidence=0.1,
        ranking=ranking,
    )  # fmt: skip
    assert score_report(PAYMENTS, truth, report, 1.0).rank == 1


def test_bad_new_records_are_errors_naming_the_field(folder: Path) -> None:
    _real_world_features(folder)
    edit_yaml(folder / "changes.yaml", lambda d: d["deployments"][0].update(status="failed"))
    edit_yaml(folder / "truth.yaml", lambda d: d.update(accept_root_cause_services=["ghost"]))
    edit_yaml(folder / "telemetry.yaml", lambda d: d["metrics"]["payments-api"].update({"bad{x=1}": 3}))
    problems = validate_world_dir(folder)
    assert any("telemetry.yaml: metrics" in p and "bad{x=1}" in p for p in problems)
    edit_yaml(folder / "telemetry.yaml", lambda d: d["metrics"]["payments-api"].pop("bad{x=1}"))
    problems = validate_world_dir(folder)
    assert f"{PAYMENTS}/changes.yaml: deployments.0.status: is 'failed' but the last step says 'succeeded'" in problems
    assert f"{PAYMENTS}/truth.yaml: accept_root_cause_services.0: unknown service 'ghost'" in problems


def test_clipping_and_chat_out_of_order_are_warnings_and_strict_fails(folder: Path) -> None:
    edit_yaml(folder / "telemetry.yaml", lambda d: d["metrics"]["checkout-api"].update(
        queue_depth={"baseline": 5, "anomalies": [{"start": "09:00", "end": "09:30", "value": -8}]}))  # fmt: skip
    edit_yaml(folder / "chat.yaml", lambda d: d["threads"][0]["messages"][1].update(at="09:40"))
    found = check_world_dir(folder)
    assert found.errors == []
    assert any("metrics.checkout-api.queue_depth: goes down to -3" in w for w in found.warnings)
    assert any("chat.yaml: threads.0.messages.1.at" in w and "time order" in w for w in found.warnings)
    runner = CliRunner()
    assert runner.invoke(app, ["world", "validate", str(folder)]).exit_code == 0
    strict = runner.invoke(app, ["world", "validate", "--strict", str(folder)])
    assert strict.exit_code == 2 and "warning: " in strict.output
    # a floor set on purpose says the clipping is meant
    edit_yaml(folder / "telemetry.yaml", lambda d: d["metrics"]["checkout-api"]["queue_depth"].update(min=0))
    assert not any("queue_depth" in w for w in check_world_dir(folder).warnings)
