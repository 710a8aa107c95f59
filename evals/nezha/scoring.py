"""Scoring a ranking against the label: AS@k with honest ties, fault type at 1, pinpoint hit."""

from __future__ import annotations

from pydantic import BaseModel

from evals.nezha.cases import NezhaCase

NETWORK_WORDS = ("Network", "Latency")


class CaseScore(BaseModel):
    case_id: str
    truth_service: str
    truth_type: str
    rank: int | None  # 1-based; a service whose score ties the truth's counts as ahead of it
    top_service: str | None
    fault_type: str | None
    type_hit: bool
    pinpoint: str
    pinpoint_hit: bool


def honest_rank(ranking: list[tuple[str, float]], truth: str) -> int | None:
    """1 + the number of other services scoring at least as high as the truth; None when it is not ranked."""
    scores = dict(ranking)
    if truth not in scores:
        return None
    return 1 + sum(1 for service, score in ranking if service != truth and score >= scores[truth])


def pinpoint_hit(case: NezhaCase, fault_type: str | None, ref: str) -> bool:
    """The label is a code region `A#31_A#34` (either end counts) or a metric; a network delay's is NetworkP90."""
    truth = case.truth_pinpoint
    if not truth or not ref:
        return False
    if truth.startswith("Network"):
        return fault_type == "network_delay" and any(word in ref for word in NETWORK_WORDS)
    if "#" in truth or "_" in truth:
        ends = truth.split("_")
        return ref == truth or ref in ends  # a pair must match the pair; a single statement either end
    return ref == truth


def score_case(
    case: NezhaCase, ranking: list[tuple[str, float]], fault_type: str | None, pinpoint_ref: str
) -> CaseScore:
    return CaseScore(
        case_id=case.case_id,
        truth_service=case.truth_service,
        truth_type=case.fault_type,
        rank=honest_rank(ranking, case.truth_service),
        top_service=ranking[0][0] if ranking else None,
        fault_type=fault_type,
        type_hit=fault_type == case.fault_type,  # the top candidate's type, whichever service it names
        pinpoint=pinpoint_ref,
        pinpoint_hit=bool(ranking)
        and ranking[0][0] == case.truth_service
        and pinpoint_hit(case, fault_type, pinpoint_ref),
    )


def summarise(scores: list[CaseScore]) -> dict[str, float | int]:
    n = len(scores)

    def at(k: int) -> float:
        return sum(1 for s in scores if s.rank is not None and s.rank <= k) / n if n else 0.0

    return {
        "cases": n,
        "as_at_1": at(1),
        "as_at_3": at(3),
        "as_at_5": at(5),
        "fault_type_at_1": sum(s.type_hit for s in scores) / n if n else 0.0,
        "pinpoint_at_1": sum(s.pinpoint_hit for s in scores) / n if n else 0.0,
    }
