"""Scoring PetShop rankings against the labels: AS@k with honest ties, per root-cause component, and the baseline
of always naming the most frequent root cause."""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel

from evals.nezha.scoring import honest_rank


class CaseScore(BaseModel):
    case_id: str
    truth_service: str
    rank: int | None  # 1-based; a service whose score ties the truth's counts as ahead of it
    top_service: str | None


def score_case(case_id: str, truth: str, ranking: list[tuple[str, float]]) -> CaseScore:
    return CaseScore(
        case_id=case_id,
        truth_service=truth,
        rank=honest_rank(ranking, truth),
        top_service=ranking[0][0] if ranking else None,
    )


def _at(scores: list[CaseScore], k: int) -> float:
    return sum(1 for s in scores if s.rank is not None and s.rank <= k) / len(scores) if scores else 0.0


def majority_baseline(truths: list[str]) -> tuple[str | None, float]:
    """(the most frequent root cause, the share of cases that always naming it gets right at 1).
    Ties between equally frequent causes go to the alphabetically first, so the figure is reproducible."""
    if not truths:
        return None, 0.0
    counts = Counter(truths)
    best = min(counts, key=lambda name: (-counts[name], name))
    return best, counts[best] / len(truths)


def summarise(scores: list[CaseScore]) -> dict[str, object]:
    """AS@1/3/5, the majority baseline, and AS@1/3 per root-cause component."""
    majority, baseline = majority_baseline([s.truth_service for s in scores])
    per_component: dict[str, dict[str, float | int]] = {}
    for component in sorted({s.truth_service for s in scores}):
        group = [s for s in scores if s.truth_service == component]
        per_component[component] = {"cases": len(group), "as_at_1": _at(group, 1), "as_at_3": _at(group, 3)}
    return {
        "cases": len(scores),
        "as_at_1": _at(scores, 1),
        "as_at_3": _at(scores, 3),
        "as_at_5": _at(scores, 5),
        "majority_root_cause": majority,
        "majority_baseline_at_1": baseline,
        "per_root_cause": per_component,
    }
