"""Scoring one scenario's report against its truth: rank of the true service, fault type, pinpoint."""

from __future__ import annotations

import statistics

from pydantic import BaseModel, Field

from graphs.contracts import Report
from tools.worlds.scenarios.schema import TruthSpec

MIN_SHA_PREFIX = 7


class ScenarioScore(BaseModel):
    """What one scenario's investigation got right, with the numbers behind it."""

    scenario: str
    truth_service: str
    truth_fault_type: str
    truth_pinpoint: str
    rank: int | None = Field(None, description="1-based honest rank of the true service; None when not ranked.")
    ranking: list[tuple[str, float]] = Field(default_factory=list)
    top_service: str | None = None
    fault_type: str | None = None
    fault_type_hit: bool = False
    pinpoint_kind: str = ""
    pinpoint: str = ""
    pinpoint_hit: bool = False
    confidence: float = 0.0
    status: str = ""
    iterations: int = 0
    evidence: int = 0
    checklist_completeness: float = 0.0
    seconds: float = 0.0
    cost_usd: float = 0.0
    tool_calls: int = 0
    error: str = ""


def ref_matches(ref: str, truth: TruthSpec) -> bool:
    """The ref names the true cause: its ref or an accepted alias, a commit sha by a prefix of 7 or more."""
    got = ref.strip().lower()
    if not got:
        return False
    for want in (truth.pinpoint.ref, *truth.pinpoint.accept):
        want = want.strip().lower()
        if got == want:
            return True
        if (
            min(len(got), len(want)) >= MIN_SHA_PREFIX
            and _hex(got)
            and _hex(want)
            and (got.startswith(want) or want.startswith(got))
        ):
            return True
    return False


def _hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


def checklist_completeness(report: Report) -> float:
    """Share of the applicable checklist items that passed for the reported root cause."""
    if report.root_cause is None:
        return 0.0
    others = {h.id for h in report.alternatives}
    verdict = next((v for v in report.verdicts if v.hypothesis_id not in others), None)
    applicable = [c for c in verdict.checklist if c.applicable] if verdict else []
    return round(sum(c.passed for c in applicable) / len(applicable), 4) if applicable else 0.0


def accepted_rank(ranking: list[tuple[str, float]], truth: TruthSpec) -> int | None:
    """The honest rank of the best-placed accepted service (the truth or an accepted alternative)."""
    return rank_among(ranking, {truth.root_cause_service, *truth.accept_root_cause_services})


def rank_among(ranking: list[tuple[str, float]], accepted: set[str]) -> int | None:
    """The rank of the best-placed accepted service, every other service tying it counted ahead; the accepted ones
    do not count against each other. None when none of them is ranked."""
    scores = [score for service, score in ranking if service in accepted]
    if not scores:
        return None
    best = max(scores)
    return 1 + sum(1 for service, score in ranking if service not in accepted and score >= best)


def score_report(name: str, truth: TruthSpec, report: Report, seconds: float) -> ScenarioScore:
    ranking = [(r.service, r.score) for r in report.ranking]
    root = report.root_cause
    fault = root.fault_type.value if root else None
    top = ranking[0][0] if ranking else None
    services = {truth.root_cause_service, *truth.accept_root_cause_services}
    accepted = {truth.fault_type.value, *(f.value for f in truth.accept_fault_types)}
    return ScenarioScore(
        scenario=name,
        truth_service=truth.root_cause_service,
        truth_fault_type=truth.fault_type.value,
        truth_pinpoint=truth.pinpoint.ref,
        rank=accepted_rank(ranking, truth),
        ranking=ranking[:5],
        top_service=top,
        fault_type=fault,
        fault_type_hit=fault in accepted,
        pinpoint_kind=root.pinpoint.kind if root else "",
        pinpoint=root.pinpoint.ref if root else "",
        pinpoint_hit=bool(root) and top in services and ref_matches(root.pinpoint.ref, truth),
        confidence=report.confidence,
        status=report.status.value,
        iterations=report.iterations,
        evidence=len(report.evidence),
        checklist_completeness=checklist_completeness(report),
        seconds=round(seconds, 3),
        cost_usd=report.cost.usd,
        tool_calls=report.cost.tool_calls,
    )


def summarise(scores: list[ScenarioScore]) -> dict[str, float | int]:
    """The Nezha summary's keys, plus pinpoint, checklist completeness, iterations, cost and how many confirmed
    verdicts named the right service (and how many the wrong one)."""
    n = len(scores)

    def share(hits: int) -> float:
        return round(hits / n, 4) if n else 0.0

    def at(k: int) -> float:
        return share(sum(1 for s in scores if s.rank is not None and s.rank <= k))

    seconds = sorted(s.seconds for s in scores)
    confirmed = [s for s in scores if s.status == "confirmed"]
    right = sum(1 for s in confirmed if s.rank == 1)
    return {
        "cases": n,
        "as_at_1": at(1),
        "as_at_3": at(3),
        "as_at_5": at(5),
        "fault_type_at_1": share(sum(s.fault_type_hit for s in scores)),
        "pinpoint_at_1": share(sum(s.pinpoint_hit for s in scores)),
        "median_seconds": round(statistics.median(seconds), 3) if seconds else 0.0,
        "p95_seconds": round(_percentile(seconds, 0.95), 3) if seconds else 0.0,
        "checklist_completeness": round(statistics.fmean(s.checklist_completeness for s in scores), 4) if n else 0.0,
        "mean_iterations": round(statistics.fmean(s.iterations for s in scores), 3) if n else 0.0,
        # calibration: a confirmed wrong answer is the one an on-call engineer acts on
        "confirmed_right": right,
        "confirmed_wrong": len(confirmed) - right,
        "cost_usd": round(sum(s.cost_usd for s in scores), 6),
        "errors": sum(1 for s in scores if s.error),
    }


def _percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    index = max(0, min(len(sorted_values) - 1, round(q * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]
