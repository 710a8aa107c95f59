"""An investigation observes its own service levels: status, completion by tier, cost, proposals, provider calls."""

from __future__ import annotations

from prometheus_client import REGISTRY

from graphs.contracts import InvestigationRequest
from graphs.runner import InvestigationSession


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_report_counts_in_the_service_levels(
    session: InvestigationSession, demo_request: InvestigationRequest
) -> None:
    before = {
        "confirmed": sample("pm_investigations_total", status="confirmed", tier="fast"),
        "completed": sample("pm_investigation_completion_seconds_count", tier="fast"),
        "cost": sample("pm_investigation_cost_usd_count", tier="fast"),
        "rollbacks": sample("pm_actions_proposed_total", kind="rollback"),
        "waits": sample("pm_investigation_queue_wait_seconds_count", tier="fast"),
        "calls": sample("pm_provider_calls_total", interface="version-control", provider="internal", outcome="ok"),
    }
    report = (await session.run(demo_request)).report
    assert report is not None and report.status.value == "confirmed"

    assert sample("pm_investigations_total", status="confirmed", tier="fast") == before["confirmed"] + 1
    assert sample("pm_investigation_completion_seconds_count", tier="fast") == before["completed"] + 1
    assert sample("pm_investigation_cost_usd_count", tier="fast") == before["cost"] + 1
    rollbacks = sum(a.kind == "rollback" for a in report.actions)
    assert rollbacks >= 1 and sample("pm_actions_proposed_total", kind="rollback") == before["rollbacks"] + rollbacks
    assert sample("pm_investigation_queue_wait_seconds_count", tier="fast") == before["waits"], "a CLI run never queues"
    calls = sample("pm_provider_calls_total", interface="version-control", provider="internal", outcome="ok")
    assert calls > before["calls"]
