"""The model of cause: graph features on synthetic evidence, the fit, calibration and the confirmation rule."""

from __future__ import annotations

from synthetic import T0, change, metric, topology

from agents.analysis.model.calibrate import apply, confirmation_rule, ece, fit_calibrator, inputs
from agents.analysis.model.features import CaseGraph, graph_features
from agents.analysis.model.fit import Case, fit
from agents.analysis.model.score import Params, calibrated, confirmed, load_params, shares
from evals.cv.dataset import load_dataset
from evals.cv.runner import final_params
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
    assert fit(cases, l2=100.0)["mark"] < weights["mark"]  # the penalty shrinks it


def test_a_case_whose_truth_was_never_proposed_carries_no_weight():
    missed = Case(case_id="m", group="a", truth="x", services=["t"], features=[{"mark": 1.0}])
    assert fit([missed]) == {}


def test_calibration_and_the_rule_keep_confirmed_verdicts_right():
    rows = [inputs(0.9, 0.05, {"check_mechanism": 1.0})] * 40 + [inputs(0.6, 0.3, {"check_mechanism": 0.0})] * 40
    right = [True] * 39 + [False] + [True] * 20 + [False] * 20
    calibrator = fit_calibrator(rows, right)
    high, low = apply(calibrator, rows[0], 0.98), apply(calibrator, rows[-1], 0.98)
    assert high > low and abs(high - 39 / 40) < 0.1 and abs(low - 0.5) < 0.1
    threshold, margin = confirmation_rule([high] * 40 + [low] * 40, [0.85] * 40 + [0.3] * 40, right)
    assert low < threshold <= high and margin <= 0.85
    assert ece([high] * 40 + [low] * 40, right) < 0.1


def test_no_rule_confirms_when_nothing_reaches_the_precision():
    assert confirmation_rule([0.9, 0.9], [0.5, 0.5], [True, False]) == (1.0, 1.0)


def test_confidence_never_reaches_certainty_and_a_close_rival_blocks_confirmation():
    params = Params(confirm_threshold=0.7, confirm_margin=0.3, calibration={"logit_top": 5.0})
    assert calibrated(1.0, 0.0, {}, params) <= 0.98
    assert calibrated(shares([50.0, 0.0])[0], 0.0, {}, params) <= 0.98
    assert confirmed(0.9, 0.5, params) and not confirmed(0.9, 0.1, params) and not confirmed(0.6, 0.9, params)


def test_refitting_the_checked_in_data_reproduces_the_checked_in_params():
    params = load_params()
    cases = load_dataset()
    assert len({c.group for c in cases}) >= 2 and params.command
    fresh = final_params(cases, params.l2)
    assert set(fresh.weights) == set(params.weights)
    assert all(abs(fresh.weights[k] - v) < 1e-3 for k, v in params.weights.items())
    assert all(abs(fresh.calibration[k] - v) < 1e-3 for k, v in params.calibration.items())
    assert (fresh.confirm_threshold, fresh.confirm_margin) == (params.confirm_threshold, params.confirm_margin)
