"""The model on the hypothesis path: every candidate's attribution features, one utility each, shares of the case."""

from __future__ import annotations

from dataclasses import dataclass

from agents.analysis.model.features import CaseGraph, derived, graph_features
from agents.analysis.model.score import Params, contributions, load_params, shares, utility
from agents.analysis.models import Candidate
from agents.verifier import CaseContext, check_features
from graphs.contracts import Attribution, Evidence, Hypothesis

POOL = 12  # candidates the model weighs, by the engine's own order (no fitted weight decides who is weighed)
DROPPED = ("ticket_score",)  # unbounded; legacy_share carries it on a 0..1 scale

WHY = {
    "legacy_share": "the engine's composite score, as a share of the case's best",
    "legacy_top": "the engine's composite ranks it first",
    "explains_share": "share of the departed services that depend on it and departed after it",
    "explains_in_window_share": "share of the departed services that depend on it and followed within 5 min",
    "earlier_share": "share of the departed services that departed before it",
    "callee_earlier": "something it depends on departed before it",
    "unreached_earlier_share": "share of departed services, not depending on it, that departed before it",
    "is_first": "its trouble began first",
    "has_onset": "it departed from normal itself",
    "change_before_onset": "a change, flag or config of its own went live before its trouble",
    "change_only_after": "its changes went live only after its trouble began",
    "own_strength": "how strongly its own signals departed",
    "explained_by_callee": "a sicker callee explains its propagating symptoms",
    "change_with_anomaly": "a change precedes its own anomaly",
    "change_alone": "a change, without an anomaly of its own",
    "earliest": "the earliest onset among strong contenders",
    "timed_change": "a change precedes the onset",
    "prompt_change": "minutes before the onset",
    "linked_change": "a change's diff names what the errors name",
    "named_by_callers": "callers' errors name it",
    "accused_by_ticket": "the ticket's failing lines blame it",
    "ticket_ids": "the ticket's ids appear in its errors",
    "expired": "a credential of its own ran out as the trouble began",
    "leak": "a resource climbs steadily from a deploy on",
    "untraced": "the ticket's failing requests never reach it",
    "ended_before": "its trouble was over before the ticket's requests failed",
    "outlived": "the ticket's requests went on failing long after its trouble ended",
}


@dataclass
class Weighed:
    """One candidate with its features and its share of the case's explanation."""

    candidate: Candidate
    features: dict[str, float]
    share: float


def weigh(candidates: list[Candidate], evidence: list[Evidence], params: Params | None = None) -> list[Weighed]:
    """The pool's features and shares, best first (ties keep the engine's order)."""
    params = params or load_params()
    pool = candidates[:POOL]
    if not pool:
        return []
    ctx = CaseContext(evidence)
    case = CaseGraph(evidence, ctx.edges)
    best = max((c.score for c in pool), default=0.0) or 1.0
    rows = [_features(c, best, case, ctx) for c in pool]
    split = shares([utility(f, params) for f in rows])
    weighed = [Weighed(c, f, s) for c, f, s in zip(pool, rows, split, strict=True)]
    order = sorted(range(len(weighed)), key=lambda i: -weighed[i].share)
    return [weighed[i] for i in order]


def _features(c: Candidate, best: float, case: CaseGraph, ctx: CaseContext) -> dict[str, float]:
    features = {k: v for k, v in c.features.items() if k not in DROPPED}
    features["legacy_share"] = max(0.0, c.score) / best
    features.update(graph_features(c.service, case))
    probe = Hypothesis(id="probe", service=c.service, pinpoint=c.pinpoint, statement="", supporting=c.supporting)
    features.update(check_features(probe, ctx))
    return derived({k: round(v, 6) for k, v in features.items()})


def attributions(features: dict[str, float], params: Params | None = None) -> list[Attribution]:
    """The table behind a score: every measured feature, what it added, largest effect first."""
    params = params or load_params()
    added = contributions(features, params)
    rows = [
        Attribution(feature=name, value=value, contribution=round(added[name], 4), why=_why(name))
        for name, value in features.items()
    ]
    return sorted(rows, key=lambda a: (-abs(a.contribution), a.feature))


def _why(name: str) -> str:
    if name in WHY:
        return WHY[name]
    if name.startswith("role_"):
        return f"its place relative to the ticket's symptom: {name[5:]}"
    if name.startswith("sig_"):
        return f"strength of its {name[4:].replace('_', ' ')} signal"
    if name.startswith("check_"):
        return f"the verifier's {name[6:]} check (1 passed, 0 failed, 0.5 not applicable)"
    if name.startswith("rival_"):
        return f"a rival explanation stands against it: {name[6:].replace('_', ' ')}"
    return ""
