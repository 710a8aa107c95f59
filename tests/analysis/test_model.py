"""The model of cause: graph features on synthetic evidence, the fit, calibration and the confirmation rule."""

from __future__ import annotations

from synthetic import T0, change, metric, topology

from agents.analysis.model.calibrate import (
    FIELD,
    MAX_CAP,
    Rule,
    apply,
    cap_of,
    confirmation_rule,
    contested,
    ece,
    fit_calibrator,
    inputs,
)
from agents.analysis.model.features import CaseGraph, against_rivals, graph_features
from agents.analysis.model.fit import BALANCE_GRID, L2_GRID, PENALTY, Case, Penalty, case_weights, fit
from agents.analysis.model.score import Params, calibrated, confirmed, load_params, shares
from evals.cv.crossval import Folds, honest_rank, nested_cv
from evals.cv.dataset import load_dataset
from evals.cv.runner import feature_set, final_params
from graphs.contracts import DependencyEdge

EDGES = [DependencyEdge(caller="web", callee="api"), DependencyEdge(caller="api", callee="db")]


def _case(*evidence):
    items = [*evidence, topology(EDGES)]
    return CaseGraph(items, EDGES)


def test_a_cause_explains_the_dependants_that_departed_after_it():
    case = _case(
        metric("db", "db_latency", 0, "latency"),
        metric("api", "api_latency", 3, "latency"),
        metric("web", "web_latency", 5, "latency"),
    )
    db, web = graph_features("db", case), graph_features("web", case)
    assert db["explains_share"] == 1.0 and db["is_first"] == 1.0 and db["callee_earlier"] == 0.0
    assert web["explains_share"] == 0.0 and web["callee_earlier"] == 1.0 and web["earlier_share"] == 1.0


def test_a_dependant_that_departed_long_before_is_not_explained():
    case = _case(metric("web", "web_latency", 0, "latency"), metric("db", "db_latency", 30, "latency"))
    db = graph_features("db", case)
    assert db["explains_share"] == 0.0 and db["is_first"] == 0.0


def test_a_change_counts_only_when_live_before_the_trouble():
    before = _case(change("api", "d1", "deploy", T0 - 600), metric("api", "api_latency", 0, "latency"))
    after = _case(change("api", "d1", "deploy", T0 + 1800), metric("api", "api_latency", 0, "latency"))
    assert graph_features("api", before)["change_before_onset"] == 1.0
    assert graph_features("api", after)["change_before_onset"] == 0.0
    assert graph_features("api", after)["change_only_after"] == 1.0


def test_each_candidate_is_weighed_against_its_best_rival_on_what_it_explains():
    cause, bystander, quiet = against_rivals(
        [{"explains_share": 0.8, "lines_met_share": 0.5}, {"explains_share": 0.5, "lines_met_share": 1.0}, {}]
    )
    assert round(cause["lead_explains_share"], 6) == 0.3 and round(bystander["lead_explains_share"], 6) == -0.3
    assert cause["lead_lines_met_share"] == -0.5 and bystander["lead_lines_met_share"] == 0.5
    assert quiet["lead_explains_share"] == -0.8 and "explains_share" not in quiet  # only the leads are added
    (lone,) = against_rivals([{"explains_share": 0.4}])
    assert lone["lead_explains_share"] == 0.4  # nothing rivals it: it leads by what it explains


def test_a_quiet_service_has_no_graph_attribution():
    case = _case(metric("api", "api_latency", 0, "latency"))
    assert graph_features("db", case) == {"has_onset": 0.0}


def _cases(n: int, group: str) -> list[Case]:
    """Candidate `t` carries the feature that marks the truth; a noise feature marks a wrong one as often."""
    out = []
    for i in range(n):
        rows = [{"mark": 1.0, "noise": float(i % 2)}, {"mark": 0.0, "noise": float(1 - i % 2)}, {"mark": 0.0}]
        out.append(Case(case_id=f"{group}{i}", group=group, truth="t", services=["t", "u", "v"], features=rows))
    return out


def test_the_fit_learns_the_feature_that_marks_the_truth_and_is_deterministic():
    cases = _cases(10, "a") + _cases(10, "b")
    weights = fit(cases)
    assert weights["mark"] > 1.0 and abs(weights.get("noise", 0.0)) < 0.5
    assert fit(cases) == weights
    assert fit(cases, Penalty(100.0, 0.0))["mark"] < weights["mark"]  # the penalty shrinks it


def _marked(n: int, group: str, feature: str) -> list[Case]:
    """n cases whose truth carries `feature` and a decoy carries the other group's feature."""
    other = "beta" if feature == "alpha" else "alpha"
    rows = [{feature: 1.0}, {other: 1.0}]
    return [Case(case_id=f"{group}{i}", group=group, truth="t", services=["t", "u"], features=rows) for i in range(n)]


def test_balance_lets_a_small_group_count_as_much_as_a_large_one():
    # a large group where `alpha` marks the truth, a small one where `beta` does: they disagree
    cases = _marked(40, "big", "alpha") + _marked(4, "small", "beta")
    assert list(case_weights(cases, 0.0)) == [1.0] * 44
    assert abs(sum(case_weights(cases, 1.0)[:40]) - sum(case_weights(cases, 1.0)[40:])) < 1e-9
    plain, balanced = fit(cases, Penalty(1.0, 0.0)), fit(cases, Penalty(1.0, 1.0))
    assert plain["alpha"] - plain["beta"] > 1.0  # case-weighed: the large group wins outright
    # group-weighed: neither outvotes the other
    assert abs(balanced.get("alpha", 0.0) - balanced.get("beta", 0.0)) < 0.05


def _developed(cases: list[Case]) -> list[Case]:
    return [c.model_copy(update={"developed": True}) for c in cases]


def test_the_penalty_is_judged_on_the_groups_the_engine_was_not_developed_on():
    # two development groups whose truths carry `alpha` and three new ones whose truths carry `beta`: judged on every
    # group, the groups disagree and the most shrinkage fits best; judged on the new ones, `beta` holds and the least
    # shrinkage does (the development groups still train either way)
    old = _marked(12, "old1", "alpha") + _marked(12, "old2", "alpha")
    new = _marked(6, "new1", "beta") + _marked(6, "new2", "beta") + _marked(6, "new3", "beta")
    every_group = Folds(old + new).choose_penalty()
    new_groups = Folds(_developed(old) + new).choose_penalty()
    assert every_group.l2 == max(L2_GRID) and new_groups.l2 == min(L2_GRID)


def test_a_case_whose_truth_was_never_proposed_carries_no_weight():
    missed = Case(case_id="m", group="a", truth="x", services=["t"], features=[{"mark": 1.0}])
    assert fit([missed]) == {}


def test_an_accepted_alternative_is_a_right_answer_to_the_fit():
    # the author names the database and also accepts the batch job that overloaded it; the engine proposed the job
    rows = [{"mark": 1.0}, {"noise": 1.0}]
    case = Case(case_id="j", group="a", truth="db", services=["job", "api"], features=rows, accepted=["job"])
    assert fit([case] * 5)["mark"] > 0.5
    assert fit([case.model_copy(update={"accepted": []})] * 5) == {}


TWO = [{"sig_latency": 1.0}, {"sig_latency": 0.5}]


def test_calibration_and_the_rule_keep_confirmed_verdicts_right():
    rows = [inputs(0.9, 0.05, {"check_mechanism": 1.0}, TWO)] * 40 + [
        inputs(0.6, 0.3, {"check_mechanism": 0.0}, TWO)
    ] * 40
    right = [True] * 39 + [False] + [True] * 20 + [False] * 20
    calibrator = fit_calibrator(rows, right)
    high, low = apply(calibrator, rows[0], 0.98), apply(calibrator, rows[-1], 0.98)
    assert high > low and abs(high - 39 / 40) < 0.1 and abs(low - 0.5) < 0.1
    shares_, runners = [0.9] * 40 + [0.6] * 40, [0.05] * 40 + [0.25] * 40
    rule = confirmation_rule([high] * 40 + [low] * 40, shares_, runners, right, ["a", "b"] * 40)
    assert low < rule.threshold <= high and rule.margin <= 0.85
    assert ece([high] * 40 + [low] * 40, right) < 0.1


def test_no_rule_confirms_when_nothing_reaches_the_precision():
    assert confirmation_rule([0.9, 0.9], [0.6, 0.6], [0.1, 0.1], [True, False], ["a", "a"]) == Rule()


def test_the_rule_refuses_a_threshold_that_one_group_fails_even_when_the_pool_holds():
    # group a: 40 confident and right; group b: 3 confident, 1 wrong (pooled 42/43 = 97.7 %, b alone 67 %)
    confidence = [0.95] * 40 + [0.95] * 3 + [0.7] * 20
    right = [True] * 40 + [True, True, False] + [True] * 20
    groups = ["a"] * 40 + ["b"] * 3 + ["c"] * 20
    rule = confirmation_rule(confidence, [0.6] * 63, [0.1] * 63, right, groups)
    assert rule == Rule()  # every threshold that confirms a's cases also confirms b's wrong one
    safe = confirmation_rule([0.95] * 40 + [0.9] * 3 + [0.7] * 20, [0.6] * 63, [0.1] * 63, right, groups)
    assert 0.9 < safe.threshold <= 0.95  # the rule stops above b's cases and confirms a's 40


def test_the_cap_follows_the_rule_of_succession_and_never_passes_the_checklist_s_ceiling():
    assert cap_of([0.9] * 23) == 0.96  # 23 cases in the top bin leave 1/25 for the next being wrong
    assert cap_of([0.9] * 3) == 0.8 and cap_of([0.5] * 100) == 0.8  # the top bin only is capped
    assert cap_of([0.95] * 10_000) == MAX_CAP <= 0.98


def test_a_lone_candidate_is_not_extrapolated_to_certainty():
    lone = inputs(1.0, 0.0, {}, [{}])
    clear = inputs(0.98, 0.01, {}, TWO)
    assert lone["logit_top"] == clear["logit_top"] and lone["alone"] == 1.0 and clear["alone"] == 0.0


def test_the_case_s_signal_families_are_counted_over_its_contenders():
    rich = inputs(0.7, 0.2, {"sig_log_change": 1.0}, [{"sig_log_change": 1.0}, {"sig_cpu": 0.5, "timed_change": 1.0}])
    poor = inputs(0.7, 0.2, {"sig_latency": 1.0}, [{"sig_latency": 1.0}, {"sig_latency": 0.4}])
    assert rich["families"] == 0.75 and poor["families"] == 0.25


def test_on_the_alert_path_a_winner_that_explains_more_of_what_departed_is_more_likely_the_cause():
    params = load_params()
    explained = [{"has_onset": 1.0, "is_first": 1.0, "explains_share": share} for share in (0.0, 0.5, 1.0)]
    confidence = [calibrated(0.8, 0.1, winner, params, [winner, {}]) for winner in explained]
    assert confidence[0] < confidence[1] < confidence[2]


def test_the_ticket_path_calibration_does_not_read_the_alert_field():
    winner = {"has_onset": 1.0, "is_first": 1.0, "explains_share": 1.0, "earlier_share": 0.5}
    alert, ticket = inputs(0.8, 0.1, winner, [winner]), inputs(0.8, 0.1, {**winner, "ticket_path": 1.0}, [winner])
    assert alert["alert_explains_share"] == 1.0 and alert["alert_earlier_share"] == 0.5
    assert all(ticket[f"alert_{name}"] == 0.0 for name in FIELD)


def test_confidence_never_reaches_certainty_and_a_close_rival_blocks_confirmation():
    params = Params(confirm_threshold=0.7, confirm_margin=0.3, calibration={"logit_top": 5.0})
    assert calibrated(1.0, 0.0, {}, params, [{}]) <= 0.98
    assert calibrated(shares([50.0, 0.0])[0], 0.0, {}, params, TWO) <= 0.98
    assert confirmed(0.9, 0.6, 0.1, params) and not confirmed(0.9, 0.5, 0.4, params)
    assert not confirmed(0.6, 0.95, 0.05, params)
    assert calibrated(1.0, 0.0, {}, params.model_copy(update={"cap": 1.0}), [{}]) <= MAX_CAP


def test_each_path_has_its_own_rule():
    params = Params(confirm_threshold=0.7, confirm_margin=0.0, ticket_threshold=0.95, ticket_margin=0.0)
    assert confirmed(0.8, 0.6, 0.1, params, {"sig_latency": 1.0})
    assert not confirmed(0.8, 0.6, 0.1, params, {"ticket_path": 1.0})
    assert confirmed(0.96, 0.6, 0.1, params, {"ticket_path": 1.0})


def test_the_penalty_is_chosen_by_inner_cv_and_only_with_two_groups_to_choose_by():
    cases = _cases(10, "a") + _cases(10, "b") + _cases(10, "c")
    folds = Folds(cases)
    chosen = folds.choose_penalty()
    assert chosen.l2 in L2_GRID and chosen.balance in BALANCE_GRID and chosen == Folds(cases).choose_penalty()
    assert folds.choose_penalty(frozenset({"a", "b"})) == PENALTY
    # a feature that always marks the truth: the least shrinkage fits best; equal groups leave balance moot (the
    # smallest wins the tie)
    assert chosen == Penalty(min(L2_GRID), min(BALANCE_GRID))


def test_an_accepted_alternative_counts_as_right_and_ties_still_count_against():
    case = Case(case_id="x", group="a", truth="db", services=["job", "db", "api"], features=[{}] * 3, accepted=["job"])
    assert honest_rank(case, [3.0, 2.0, 1.0]) == 1  # the author also accepts the job that overloaded the db
    assert honest_rank(case, [3.0, 2.0, 1.0], primary_only=True) == 2
    assert honest_rank(case, [1.0, 2.0, 2.0]) == 2  # the api ties the best accepted answer: counted ahead


def test_nested_cv_confirms_what_every_group_agrees_on_and_still_below_certainty():
    cases = _cases(8, "a") + _cases(8, "b") + _cases(8, "c")
    preds, penalties = nested_cv(cases)
    assert set(penalties) == {"a", "b", "c"} and all(v.l2 in L2_GRID for v in penalties.values())
    assert all(p.right and p.confirmed for p in preds)
    assert all(0.9 < p.confidence <= 1 - 1 / (16 + 2) for p in preds)  # 16 out-of-fold cases: the cap's bound


def test_the_params_version_names_the_feature_set():
    def cases(*names):
        return [Case(case_id="c", group="g", truth="a", services=["a"], features=[dict.fromkeys(names, 1.0)])]

    assert feature_set(cases("explains_share")) == feature_set(cases("explains_share"))
    assert feature_set(cases("explains_share")) != feature_set(cases("explains_share", "lead_explains_share"))
    assert feature_set(cases("explains_share", "lead_explains_share")).startswith("f2.")


def test_refitting_the_checked_in_data_reproduces_the_checked_in_params():
    params = load_params()
    cases = load_dataset()
    assert len({c.group for c in cases}) >= 2 and params.command
    fresh = final_params(cases)
    assert (fresh.version, fresh.l2, fresh.balance, fresh.cap) == (
        params.version,
        params.l2,
        params.balance,
        params.cap,
    )
    assert any(c.developed for c in cases) and not all(c.developed for c in cases)
    assert set(fresh.weights) == set(params.weights)
    assert all(abs(fresh.weights[k] - v) < 1e-3 for k, v in params.weights.items())
    assert all(abs(fresh.calibration[k] - v) < 1e-3 for k, v in params.calibration.items())
    assert (fresh.confirm_threshold, fresh.confirm_margin) == (params.confirm_threshold, params.confirm_margin)
    assert (fresh.ticket_threshold, fresh.ticket_margin) == (params.ticket_threshold, params.ticket_margin)


def test_a_rival_with_half_the_winners_share_or_more_contests_the_verdict():
    assert contested(0.5, 0.25) and contested(0.4, 0.39)
    assert not contested(0.8, 0.1) and not contested(0.6, 0.29)


def test_the_rule_search_never_counts_a_contested_case():
    right = [True] * 40
    assert confirmation_rule([0.95] * 40, [0.5] * 40, [0.3] * 40, right, ["a"] * 40) == Rule()
    assert confirmation_rule([0.95] * 40, [0.7] * 40, [0.3] * 40, right, ["a"] * 40) != Rule()
