"""rank_candidates on small hand-built evidence sets."""

from __future__ import annotations

from agents.analysis import Finding, findings_to_evidence, rank_candidates
from graphs.contracts import DependencyEdge, EvidenceKind, FaultType

T0 = 1_700_000_000.0


def _metric(service: str, family: str, score: float, onset: float, signal: str = "PodServerLatencyP90(s)") -> Finding:
    return Finding(
        kind=EvidenceKind.metric_anomaly,
        service=service,
        instance=f"{service}-pod",
        signal=signal,
        score=score,
        onset=onset,
        summary=f"{service} {signal}",
        data={"family": family, "onset": onset},
    )


def test_a_slow_parent_is_blamed_on_its_slow_child() -> None:
    findings = [
        _metric("frontend", "server_latency", 30.0, T0 + 60),
        _metric("checkout", "server_latency", 25.0, T0),
        _metric("checkout", "cpu", 20.0, T0, "CpuUsageRate(%)"),
    ]
    edges = [DependencyEdge(caller="frontend", callee="checkout", calls=10)]
    ranked = rank_candidates(findings_to_evidence(findings), edges)
    assert [c.service for c in ranked[:2]] == ["checkout", "frontend"]
    assert ranked[0].fault_type == FaultType.cpu_contention
    assert ranked[0].supporting and all(i.startswith("ev-") for i in ranked[0].supporting)


def test_a_deploy_before_the_onset_beats_an_unrelated_deploy_and_a_noisy_service() -> None:
    change = lambda service, cid, at: Finding(  # noqa: E731
        kind=EvidenceKind.change,
        service=service,
        signal=cid,
        score=1.0,
        onset=at,
        summary=f"deploy {cid}",
        data={"change_kind": "deploy", "onset": at},
    )
    findings = [
        change("payments", "deploy-bad", T0 - 300),
        change("search", "deploy-unrelated", T0 - 600),
        _metric("payments", "success", 12.0, T0, "PodSuccessRate(%)"),
        _metric("payments", "server_latency", 8.0, T0),
        _metric("ledger", "server_latency", 40.0, T0 + 120),
    ]
    edges = [DependencyEdge(caller="payments", callee="ledger", calls=5)]
    ranked = rank_candidates(findings_to_evidence(findings), edges)
    assert ranked[0].service == "payments"
    assert ranked[0].fault_type == FaultType.bad_deploy
    assert ranked[0].pinpoint.kind == "change" and ranked[0].pinpoint.ref == "deploy-bad"
    assert [c.service for c in ranked].index("search") > [c.service for c in ranked].index("ledger")


def test_network_delay_is_latency_at_the_callee_with_calm_cpu() -> None:
    findings = [
        Finding(
            kind=EvidenceKind.metric_anomaly,
            service="cart",
            instance="frontend->cart",
            signal="ClientEdgeLatencyP50(s)",
            score=40.0,
            onset=T0,
            summary="callers wait on cart",
            data={"family": "inbound_latency", "onset": T0},
        ),
        _metric("frontend", "client_latency", 30.0, T0, "PodClientLatencyP90(s)"),
    ]
    ranked = rank_candidates(findings_to_evidence(findings), [DependencyEdge(caller="frontend", callee="cart")])
    assert ranked[0].service == "cart" and ranked[0].fault_type == FaultType.network_delay


def test_evidence_ids_are_deterministic() -> None:
    findings = [_metric("a", "cpu", 5.0, T0)]
    assert findings_to_evidence(findings)[0].id == findings_to_evidence(list(findings))[0].id
