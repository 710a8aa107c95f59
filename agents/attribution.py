"""The model on the hypothesis path: every candidate's attribution features, one utility each, shares of the case."""

from __future__ import annotations

from dataclasses import dataclass, field

from agents.analysis.model.features import WHY as GRAPH_WHY
from agents.analysis.model.features import CaseGraph, GraphInTime, case_features
from agents.analysis.model.mechanism import Attributed, Mechanism, as_features
from agents.analysis.model.score import Params, contributions, load_params, shares, utility
from agents.analysis.models import Candidate
from agents.analysis.ticket_features import WHY as TICKET_WHY
from agents.checklist import CaseContext, Checklist
from graphs.contracts import Attribution, Evidence

POOL = 12  # candidates the model weighs, by the engine's own order (no fitted weight decides who is weighed)
DROPPED = ("ticket_score",)  # unbounded; legacy_share carries it on a 0..1 scale

WHY = (
    GRAPH_WHY
    | TICKET_WHY
    | {
        "legacy_share": "the engine's composite score, as a share of the case's best",
        "legacy_top": "the engine's composite ranks it first",
        "own_strength": "how strongly its own signals departed",
        "explained_by_callee": "a sicker callee explains its propagating symptoms",
        "callee_explains": "a callee that departed no later accounts for this share of its own departure's size",
        "sig_magnitude": "the size of its own metric departure (robust z on a log scale, unclipped)",
        "sig_relative": "how many times its usual level its metric moved (log scale, 100x = 1)",
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
)


@dataclass
class Weighed:
    """One candidate with what every mechanism attributed to it and its share of the case's explanation."""

    candidate: Candidate
    features: dict[str, float]
    share: float
    rows: list[Attributed] = field(default_factory=list)


class EnginePasses:
    """The engine's own passes (ticket roles and what they noticed, alert signal families) as a mechanism, with the
    engine's composite as a share of the case's best."""

    name = "engine_passes"

    def __init__(self, pool: list[Candidate]) -> None:
        self.best = max((c.score for c in pool), default=0.0) or 1.0

    def attribute(self, candidate: Candidate) -> list[Attributed]:
        ids = tuple(candidate.supporting[:8])
        rows = [
            Attributed(name, value, _why(name), ids if value > 0 else ())
            for name, value in candidate.features.items()
            if name not in DROPPED
        ]
        return [*rows, Attributed("legacy_share", max(0.0, candidate.score) / self.best, WHY["legacy_share"])]


def mechanisms(pool: list[Candidate], evidence: list[Evidence]) -> list[Mechanism]:
    """The plug-ins of one case, in the order their features are listed."""
    ctx = CaseContext(evidence)
    return [EnginePasses(pool), GraphInTime(CaseGraph(evidence, ctx.edges)), Checklist(ctx)]


def weigh(candidates: list[Candidate], evidence: list[Evidence], params: Params | None = None) -> list[Weighed]:
    """The pool's features and shares, best first (ties keep the engine's order)."""
    params = params or load_params()
    pool = candidates[:POOL]
    if not pool:
        return []
    plugins = mechanisms(pool, evidence)
    rows_of = [[row for plugin in plugins for row in plugin.attribute(c)] for c in pool]
    features = case_features([{k: round(v, 6) for k, v in as_features(rows).items()} for rows in rows_of])
    weighed = [Weighed(c, f, 0.0, rows) for c, f, rows in zip(pool, features, rows_of, strict=True)]
    for w, share in zip(weighed, shares([utility(w.features, params) for w in weighed]), strict=True):
        w.share = share
    order = sorted(range(len(weighed)), key=lambda i: -weighed[i].share)
    return [weighed[i] for i in order]


def attributions(weighed: Weighed, params: Params | None = None) -> list[Attribution]:
    """The table behind a score: every measured feature, what it added and the evidence behind it, largest first."""
    params = params or load_params()
    added = contributions(weighed.features, params)
    found = {row.feature: row for row in weighed.rows}
    rows = []
    for name, value in weighed.features.items():
        row = found.get(name)
        rows.append(
            Attribution(
                feature=name,
                value=value,
                contribution=round(added[name], 4),
                why=(row.why if row and row.why else _why(name)),
                evidence_ids=list(row.explains) if row else [],
                contradicting_ids=list(row.contradicts) if row else [],
            )
        )
    return sorted(rows, key=lambda a: (-abs(a.contribution), a.feature))


def _why(name: str) -> str:
    if name in WHY:
        return WHY[name]
    if name.startswith("role_"):
        return f"its place relative to the ticket's symptom: {name[5:]}"
    if name.startswith("sig_"):
        return f"strength of its {name[4:].replace('_', ' ')} signal"
    return ""
