"""The mechanism plug-ins on synthetic evidence: what each attributes, with evidence and why, and when it must not."""

from __future__ import annotations

from synthetic import log, metric, ticket, topology, trail

from agents.analysis.model.features import CaseGraph, GraphInTime
from agents.analysis.models import Candidate
from agents.checklist import CaseContext, Checklist
from graphs.contracts import DependencyEdge

EDGES = [
    DependencyEdge(caller="web", callee="api"),
    DependencyEdge(caller="api", callee="db"),
    DependencyEdge(caller="batch", callee="warehouse"),
]


def _ticket_case():
    return [
        ticket("web"),
        topology(EDGES),
        metric("db", "db_latency", 0, "latency"),
        log("api", "timeout calling db", 3),
        log("web", "checkout failed", 5),
        metric("warehouse", "warehouse_latency", 1, "latency"),
        trail("web", error_lines=5, at_min=5),
    ]


def _rows(plugin, service):
    return {row.feature: row for row in plugin.attribute(Candidate(service=service, score=1.0, statement=""))}


def test_graph_in_time_cites_what_followed_and_what_came_first():
    evidence = _ticket_case()
    plugin = GraphInTime(CaseGraph(evidence, EDGES))
    db, web = _rows(plugin, "db"), _rows(plugin, "web")
    assert db["explains_share"].value > 0 and db["explains_share"].explains  # api and web followed it
    assert not db["explains_share"].contradicts and db["callee_earlier"].value == 0.0
    assert web["explains_share"].value == 0.0 and not web["explains_share"].explains
    assert web["callee_earlier"].value == 1.0 and web["callee_earlier"].contradicts  # db departed before it


def test_checklist_names_a_rival_the_ticket_never_reaches_and_not_for_the_cause():
    evidence = _ticket_case()
    plugin = Checklist(CaseContext(evidence))
    off_path, cause = _rows(plugin, "warehouse"), _rows(plugin, "db")
    assert off_path["rival_untraced"].value == 1.0 and "never reach" in off_path["rival_untraced"].why
    assert "rival_untraced" not in cause
    assert {f"check_{c}" for c in ("symptom", "pinpoint", "timing", "mechanism", "duration")} <= set(cause)


def test_checklist_on_an_alert_never_invents_ticket_rivals():
    evidence = [e for e in _ticket_case() if e.kind.value != "ticket" and e.data.get("detector") != "identifier"]
    rows = _rows(Checklist(CaseContext(evidence)), "warehouse")
    assert not [name for name in rows if name.startswith("rival_")]
