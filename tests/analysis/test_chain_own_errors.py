"""A chain service's change whose diff names only its own errors does not outrank the callee the symptom follows."""

from __future__ import annotations

from synthetic import T0, item

from agents.analysis.change_attribution import rank_ticket_candidates
from graphs.contracts import DependencyEdge, Evidence, EvidenceKind

EDGES = [DependencyEdge(caller="web", callee="addr")]


def errors(service: str, message: str, at_min: float) -> Evidence:
    return item(
        EvidenceKind.log_pattern,
        service,
        message[:20],
        detector="onset",
        error=True,
        family="log_error",
        fault=True,
        message=message,
        onset=T0 + 60 * at_min,
    )


def rejected(service: str, at_min: float) -> Evidence:
    return item(
        EvidenceKind.metric_anomaly,
        service,
        "rejected",
        detector="onset",
        metric="rejected_percent",
        signal="rejected_percent",
        family="error",
        fault=True,
        ongoing=True,
        direction=1,
        onset=T0 + 60 * at_min,
    )


def world(diff: str) -> list[Evidence]:
    commit = item(
        EvidenceKind.change,
        "web",
        "c1",
        id="c1",
        signal="c1",
        change_kind="commit",
        title="form styling",
        diff=diff,
        onset=T0 - 3 * 3600,
    )
    return [
        item(EvidenceKind.ticket, None, "T-1", key="T-1", title="addresses rejected", services=["web"]),
        errors("web", "TypeError: Cannot read properties of undefined at AddressForm.tsx:41", 0),
        rejected("web", 2),
        rejected("addr", 2),
        errors("addr", "verify rejected reason=postal_code_mismatch", 2),
        commit,
    ]


def test_a_diff_naming_only_the_chain_services_own_errors_earns_no_link() -> None:
    ranked = rank_ticket_candidates(world("--- a/src/AddressForm.tsx\n+ compact dropdown"), EDGES)
    assert ranked[0].service == "addr"
    web = next(c for c in ranked if c.service == "web")
    assert web.pinpoint.ref != "c1" and web.score < ranked[0].score


def test_a_diff_naming_the_errors_below_still_links_the_chain_service() -> None:
    ranked = rank_ticket_candidates(world("--- a/src/AddressForm.tsx\n+ send postal_code_mismatch hint"), EDGES)
    web = next(c for c in ranked if c.service == "web")
    assert web.pinpoint.ref == "c1" and web.score == ranked[0].score
