"""Reporter: the Report (root cause, confidence, alternatives, timeline, evidence, actions, routing, cost)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from langchain_core.runnables import RunnableConfig

from agents.analysis.topology import topology
from agents.services import get_services
from graphs.contracts import (
    CandidateFeatures,
    Cost,
    Evidence,
    EvidenceKind,
    Hypothesis,
    InvestigationRequest,
    ProposedAction,
    RankedService,
    Report,
    ReportStatus,
    RootCause,
    RoutingDecision,
    TimelineEntry,
    Verdict,
    VerdictStatus,
)

ACTION_FOR_PINPOINT = {"change": "rollback", "feature_flag": "toggle_off", "config": "config_revert"}


async def reporter(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    services = get_services(config)
    request = InvestigationRequest.model_validate(state["request"])
    evidence = [Evidence.model_validate(e) for e in state.get("evidence", [])]
    hypotheses = [Hypothesis.model_validate(h) for h in state.get("hypotheses", [])]
    verdicts = [Verdict.model_validate(v) for v in state.get("verdicts", [])]
    latest = {v.hypothesis_id: v for v in verdicts}
    top = hypotheses[0] if hypotheses else None
    verdict = latest.get(top.id) if top else None
    owner = None
    if top is not None:
        found = await services.gateway.call("service-registry", "resolve_service", {"name": top.service})
        owner = ((found.data or {}).get("service") or {}).get("owner") if found.ok else None
    graph = services.extras.get("dependency_graph")
    blast: list[str] = []
    if graph is not None and top is not None:
        # the store remembers every topology it has learnt; only services the registry reports now count
        current = {s for edge in topology(evidence) for s in (edge.caller, edge.callee)}
        blast = sorted(s for s in await graph.blast_radius(top.service) if s in current)
    report = build_report(
        investigation_id=state.get("investigation_id", ""),
        request=request,
        evidence=evidence,
        hypotheses=hypotheses,
        verdicts=list(latest.values()),
        verdict=verdict,
        routing=[RoutingDecision.model_validate(r) for r in state.get("routing_log", [])],
        tool_calls=state.get("tool_calls", 0),
        seconds=time.time() - state.get("started_at", time.time()),
        iterations=state.get("iteration", 1),
        owner=owner,
        blast_radius=blast,
    )
    report.candidates = [CandidateFeatures.model_validate(c) for c in state.get("candidates", [])]
    return {"report": report.model_dump(mode="json"), "actions": [a.model_dump(mode="json") for a in report.actions]}


def build_report(
    *,
    investigation_id: str,
    request: InvestigationRequest,
    evidence: list[Evidence],
    hypotheses: list[Hypothesis],
    verdicts: list[Verdict],
    verdict: Verdict | None,
    routing: list[RoutingDecision],
    tool_calls: int,
    seconds: float,
    iterations: int,
    owner: str | None,
    blast_radius: list[str] | None = None,
) -> Report:
    top = hypotheses[0] if hypotheses else None
    confirmed = verdict is not None and verdict.status is VerdictStatus.confirmed
    root = (
        RootCause(
            service=top.service,
            fault_type=top.fault_type,
            pinpoint=top.pinpoint,
            statement=top.statement,
            evidence_ids=top.supporting,
            owner=owner,
            blast_radius=blast_radius or [],
            attributions=top.attributions,
        )
        if top
        else None
    )
    return Report(
        investigation_id=investigation_id,
        request=request,
        status=ReportStatus.confirmed if confirmed else ReportStatus.unconfirmed,
        root_cause=root,
        confidence=verdict.confidence if verdict else 0.0,
        ranking=[RankedService(service=h.service, score=h.score, fault_type=h.fault_type) for h in hypotheses],
        alternatives=hypotheses[1:],
        verdicts=verdicts,
        timeline=timeline(evidence, top),
        evidence=evidence,
        actions=proposed_actions(top, owner, evidence) if top else [],
        routing_log=routing,
        cost=Cost(
            usd=sum(r.cost_usd for r in routing),
            tokens_in=sum(r.tokens_in for r in routing),
            tokens_out=sum(r.tokens_out for r in routing),
            model_calls=sum(r.model_calls for r in routing),
            tool_calls=tool_calls,
            seconds=round(seconds, 3),
        ),
        iterations=iterations,
    )


def timeline(evidence: list[Evidence], top: Hypothesis | None) -> list[TimelineEntry]:
    """Changes and the first onset of each service's anomalies, in time order."""
    entries: list[TimelineEntry] = []
    first_onset: dict[str, Evidence] = {}
    for e in evidence:
        onset = e.data.get("onset")
        if not isinstance(onset, int | float):
            continue
        if e.kind is EvidenceKind.change and (top is None or e.service == top.service or e.id in top.supporting):
            entries.append(TimelineEntry(at=datetime.fromtimestamp(onset, UTC), what=e.summary, evidence_ids=[e.id]))
        elif (
            e.kind in (EvidenceKind.metric_anomaly, EvidenceKind.log_pattern, EvidenceKind.trace_anomaly) and e.service
        ):
            best = first_onset.get(e.service)
            if best is None or onset < best.data["onset"]:
                first_onset[e.service] = e
    for service, e in first_onset.items():
        entries.append(
            TimelineEntry(
                at=datetime.fromtimestamp(e.data["onset"], UTC),
                what=f"{service} degrades: {e.summary}",
                evidence_ids=[e.id],
            )
        )
    return sorted(entries, key=lambda t: t.at)[:30]


def proposed_actions(
    top: Hypothesis, owner: str | None, evidence: list[Evidence] | None = None
) -> list[ProposedAction]:
    """The fix plan: the change to roll back, the flag to turn off or the config key to restore, with its steps."""
    kind = ACTION_FOR_PINPOINT.get(top.pinpoint.kind)
    if kind is None:
        return []
    ref = top.pinpoint.ref
    change = _change_named(ref, evidence or [])
    was = f" ({change.data.get('title')})" if change is not None and change.data.get("title") else ""
    who = f"Tell {owner}, the owner of {top.service}" if owner else f"Find the owner of {top.service}"
    steps = {
        "rollback": [
            f"Roll {top.service} back to the version before {ref}{was} (or revert {ref} and deploy)",
            "Watch the symptom's error rate and latency return to their usual level",
        ],
        "toggle_off": [
            f"Turn feature flag {ref} off (or back to its previous rollout){was}",
            "Watch the errors of the affected cohort stop",
        ],
        "config_revert": [
            f"Restore config key {ref} of {top.service} to its previous value{was}",
            "Watch the symptom recover",
        ],
    }[kind]
    steps = [who, *steps, "Keep the change off until a fix is reviewed; write down what the evidence showed"]
    return [
        ProposedAction(
            id=f"act-{kind}-{ref}",
            kind=kind,  # type: ignore[arg-type]
            target=f"{top.service}:{ref}",
            description=f"{kind.replace('_', ' ')} {ref} on {top.service}",
            owner=owner,
            steps=steps,
        )
    ]


def _change_named(ref: str, evidence: list[Evidence]) -> Evidence | None:
    """The change evidence a pinpoint names (by flag or config key, commit, PR or deploy id)."""
    for item in evidence:
        if item.kind is EvidenceKind.change and ref in (
            item.data.get("signal"),
            item.data.get("ref"),
            item.data.get("id"),
        ):
            return item
    return None
