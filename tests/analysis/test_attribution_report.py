"""Each hypothesis carries the attribution table behind its score, and the report shows it (Markdown and JSON)."""

from __future__ import annotations

from synthetic import change_at, metric, ticket, topology

from agents.analysis import rank_candidates
from agents.analysis.topology import topology as edges_of
from agents.attribution import weigh
from agents.hypothesis import model_hypotheses_of
from agents.reporter import build_report
from agents.verifier import judge
from api.render import render_markdown
from graphs.contracts import DependencyEdge, InvestigationRequest, Report

EDGES = [DependencyEdge(caller="web", callee="api"), DependencyEdge(caller="api", callee="db")]


def _evidence():
    return [
        ticket("web"),
        topology(EDGES),
        change_at("db", "d-42", -10),
        metric("db", "db_latency", 0, "latency"),
        metric("api", "api_latency", 3, "latency"),
        metric("web", "web_latency", 5, "latency"),
    ]


def test_every_hypothesis_has_its_table_and_shares_sum_to_one():
    evidence = _evidence()
    weighed = weigh(rank_candidates(evidence, edges_of(evidence)), evidence)
    assert abs(sum(w.share for w in weighed) - 1.0) < 1e-6
    hypotheses = model_hypotheses_of(weighed, {e.id for e in evidence})
    top = hypotheses[0]
    assert top.probability == top.score and top.attributions
    features = {a.feature: a for a in top.attributions}
    assert features["legacy_share"].value <= 1.0 and all(a.why for a in top.attributions)
    contributions = [abs(a.contribution) for a in top.attributions]
    assert contributions == sorted(contributions, reverse=True)
    # the db explains both services that followed it: it leads every rival on that, and the table says by how much
    assert top.service == "db" and features["lead_explains_share"].value > 0


def test_the_report_shows_the_table_and_confidence_stays_below_certainty():
    evidence = _evidence()
    weighed = weigh(rank_candidates(evidence, edges_of(evidence)), evidence)
    hypotheses = model_hypotheses_of(weighed, {e.id for e in evidence})
    verdict = judge(hypotheses[0], hypotheses, evidence, 0.6)
    assert 0.0 < verdict.confidence <= 0.98
    report = build_report(
        investigation_id="inv-1",
        request=InvestigationRequest(source="test", text="web is slow"),
        evidence=evidence,
        hypotheses=hypotheses,
        verdicts=[verdict],
        verdict=verdict,
        routing=[],
        tool_calls=0,
        seconds=1.0,
        iterations=1,
        owner=None,
    )
    text = render_markdown(report)
    assert "## Why these scores" in text and f"**{hypotheses[0].service}**" in text
    assert "| feature | value | adds | why |" in text
    again = Report.model_validate_json(report.model_dump_json())
    assert again.root_cause is not None and again.root_cause.attributions == hypotheses[0].attributions
