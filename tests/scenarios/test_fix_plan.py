"""The fix plan: a deploy is rolled back, a flag turned off, a config key restored; each waits for approval."""

from __future__ import annotations

import pytest

from agents.reporter import proposed_actions
from graphs.contracts import Capability, Evidence, EvidenceKind, Hypothesis, Pinpoint


def _hypothesis(kind: str, ref: str) -> Hypothesis:
    return Hypothesis(id="h1-svc", service="pricing-svc", pinpoint=Pinpoint(kind=kind, ref=ref), statement="s")  # type: ignore[arg-type]


def _change(signal: str, title: str) -> Evidence:
    return Evidence(
        id="ev-1",
        capability=Capability.provide_release_context,
        interface="feature-flags",
        provider="t",
        kind=EvidenceKind.change,
        service="pricing-svc",
        summary=title,
        data={"signal": signal, "title": title},
    )


@pytest.mark.parametrize(
    ("kind", "ref", "action", "words"),
    [
        ("change", "dep-pricing-1405", "rollback", "Roll pricing-svc back to the version before dep-pricing-1405"),
        ("feature_flag", "pricing.tax-engine-v2", "toggle_off", "Turn feature flag pricing.tax-engine-v2 off"),
        ("config", "search.query_timeout_ms", "config_revert", "Restore config key search.query_timeout_ms"),
    ],
)
def test_each_pinpoint_kind_gets_its_remedy_with_owner_and_steps(kind: str, ref: str, action: str, words: str) -> None:
    (plan,) = proposed_actions(_hypothesis(kind, ref), "team-pricing", [_change(ref, "1500 -> 150")])
    assert plan.kind == action and plan.owner == "team-pricing"
    assert plan.impact == "high" and plan.status == "proposed"  # the approval interrupt waits on these
    assert plan.steps[0].startswith("Tell team-pricing")
    assert any(step.startswith(words) for step in plan.steps)
    assert any("1500 -> 150" in step for step in plan.steps)


def test_a_resource_pinpoint_proposes_no_automatic_action() -> None:
    assert proposed_actions(_hypothesis("resource", "disk_used_percent"), "team-db") == []
