"""The analyses against independent computations: IPMA against statsmodels regressions of
hand-built scores and against a population whose drivers are known; the classic methods
against pandas/statsmodels; the satisfaction ratio and the gauges against hand-worked data."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from survey.analysis.drivers import (
    improve_first,
    ipma,
    priorities,
    quadrant,
    unstandardized_total_effects,
)
from survey.analysis.gauges import BOTTOM_BOX, TOP_BOX, complaint_funnel, gauges
from survey.analysis.methods import classic_methods, disagreements, drivers_of_target
from survey.analysis.ratio import TOLERANCE, band, satisfaction_ratios
from survey.analysis.scores import construct_scores
from survey.estimators.pls import estimate_pls
from survey.ingest import read_responses
from survey.pathmodel import bind, load_model
from survey.questionnaire import Gauges, Scale, load_questionnaire
from survey.report.analyses import _box_range
from survey.simulate import Population, simulate_responses


@pytest.fixture(scope="module")
def airline(root):
    q = load_questionnaire(root / "questionnaires" / "airline.yaml")
    bound = bind(load_model(root / "models" / "ccsi.yaml"), q)
    data = read_responses(root / "examples" / "airline_wave1.csv", q, items=bound.items).data
    est = estimate_pls(bound, data)
    return bound, data, est, construct_scores(bound, est, data)


def test_scores_average_to_the_indices(airline):
    _, _, est, scores = airline
    for idx in est.indices:
        assert scores.mean(idx.latent) == pytest.approx(idx.value, abs=1e-9)


def test_ipma_importance_equals_ols_on_hand_built_scores(airline):
    bound, data, est, scores = airline
    # Hand-built 0-100 scores from the mean-replaced items and the index weights.
    items = data[list(bound.items)].astype(float)
    items = items.fillna(items.mean())
    q = bound.questionnaire
    s = {}
    for idx in est.indices:
        s[idx.latent] = sum(w * 100 * (items[i] - q.scale_of(i).min)
                            / (q.scale_of(i).max - q.scale_of(i).min) for i, w in idx.weights)
    s = pd.DataFrame(s)
    coef = {}
    for effect in bound.model.latents:
        preds = list(bound.model.predecessors(effect))
        if preds:
            fit = sm.OLS(s[effect], sm.add_constant(s[preds])).fit()
            coef.update({(p, effect): fit.params[p] for p in preds})
    # Total effect of value on satisfaction is direct; of quality: direct + via value.
    total = unstandardized_total_effects(bound, scores)
    assert total.loc["value", "satisfaction"] == pytest.approx(coef[("value", "satisfaction")],
                                                               abs=1e-8)
    expected = coef[("quality", "satisfaction")] + (coef[("quality", "value")]
                                                    * coef[("value", "satisfaction")])
    assert total.loc["quality", "satisfaction"] == pytest.approx(expected, abs=1e-8)
    loyalty = coef[("satisfaction", "loyalty")] * expected
    assert total.loc["quality", "loyalty"] == pytest.approx(loyalty, abs=1e-8)
    constructs, item_points = ipma(bound, scores)
    point = next(p for p in constructs if p.target == "satisfaction" and p.driver == "quality")
    assert point.importance == pytest.approx(expected, abs=1e-8)
    assert point.performance == pytest.approx(est.index("quality"), abs=1e-9)
    assert point.impact == pytest.approx(5 * expected)
    # Item importance = normalised weight x construct total effect; they add up.
    value_items = [p for p in item_points if p.target == "satisfaction" and p.latent == "value"]
    assert sum(p.importance for p in value_items) == pytest.approx(
        coef[("value", "satisfaction")], abs=1e-8)
    assert {p.target for p in constructs} == {"satisfaction", "loyalty"}


def test_ipma_finds_the_largest_true_driver(make_bound):
    blocks = {"d1": ["a1", "a2", "a3"], "d2": ["b1", "b2", "b3"], "d3": ["c1", "c2", "c3"],
              "sat": ["s1", "s2", "s3"]}
    bound = make_bound(blocks, [("d1", "sat"), ("d2", "sat"), ("d3", "sat")])
    truth = {("d1", "sat"): 0.15, ("d2", "sat"): 0.55, ("d3", "sat"): 0.30}
    population = Population(paths=truth, item_mean=4.2, item_sd=1.1, dont_know_rate=0.0,
                            screened_out_rate=0.0)
    frame = simulate_responses(bound, population, n=1500, seed=3, with_profile=False)
    data = frame.astype(float)
    est = estimate_pls(bound, data)
    constructs, _ = ipma(bound, construct_scores(bound, est, data))
    ranked = sorted(constructs, key=lambda p: -p.importance)
    assert [p.driver for p in ranked] == ["d2", "d3", "d1"]


def test_quadrants():
    assert quadrant(True, False) == "improve_first"
    assert quadrant(True, True) == "keep_up"
    assert quadrant(False, False) == "low_priority"
    assert quadrant(False, True) == "possible_overkill"


@pytest.fixture(scope="module")
def methods(airline):
    bound, data, est, scores = airline
    constructs, _ = ipma(bound, scores)
    return classic_methods(bound, data, constructs), constructs


def test_drivers_exclude_expectations_and_expand_dimensions(airline):
    bound = airline[0]
    assert drivers_of_target(bound) == ["image", "crew", "cabin", "catering", "entertainment",
                                        "safety", "punctuality", "value"]


def test_simple_method_equals_pandas_means(airline, methods):
    bound, data, _, _ = airline
    res = methods[0]["mean"]
    crew = ["crew_friendly", "crew_spirit", "crew_proactive", "crew_response"]
    expected = (100 * (data[crew] - 1) / 9).mean(axis=1).mean()
    row = next(r for r in res.rows if r["driver"] == "crew")
    assert row["performance"] == pytest.approx(expected, abs=1e-9)
    perf = {r["driver"]: r["performance"] for r in res.rows}
    assert list(res.priorities) == sorted(perf, key=perf.get)


def test_dual_evaluation_uses_stated_importance(airline, methods):
    _, data, _, _ = airline
    row = next(r for r in methods[0]["dual_evaluation"].rows if r["driver"] == "safety")
    assert row["importance"] == pytest.approx((100 * (data["imp_safety"] - 1) / 9).mean())
    assert row["priority_score"] == pytest.approx(
        row["importance"] * (100 - row["performance"]) / 100)


def test_improved_dual_evaluation_is_a_correlation(airline, methods):
    _, data, _, _ = airline
    value = data[["val_fare", "val_stability", "val_promotion"]].mean(axis=1)
    r = pd.concat([value, data["sat_overall"]], axis=1).dropna().corr().iloc[0, 1]
    row = next(x for x in methods[0]["improved_dual_evaluation"].rows if x["driver"] == "value")
    assert row["importance"] == pytest.approx(r, abs=1e-12)


def test_regression_equals_statsmodels(airline, methods):
    bound, data, _, _ = airline
    drivers = drivers_of_target(bound)
    q = bound.questionnaire
    x = pd.DataFrame({d: data[[i.id for i in q.indicators(d)]].mean(axis=1) for d in drivers})
    frame = pd.concat([x, data["sat_overall"]], axis=1).dropna()
    fit = sm.OLS(frame["sat_overall"], sm.add_constant(frame[drivers])).fit(cov_type="HC3")
    res = methods[0]["regression"]
    for row in res.rows:
        assert row["importance"] == pytest.approx(fit.params[row["driver"]], abs=1e-10)
        assert row["se"] == pytest.approx(fit.bse[row["driver"]], abs=1e-10)
    assert res.detail["n"] == len(frame) and res.detail["cov_type"] == "HC3"


def test_sem_priorities_and_disagreements(methods):
    results, constructs = methods
    sem = results["sem"]
    assert sem.available and len(sem.priorities) == 8
    d = disagreements(results)
    assert set(d["top3"]) == set(results)
    for f in d["flagged"]:
        assert f["gap"] >= d["rank_gap"]
        assert max(f["ranks"].values()) - min(f["ranks"].values()) == f["gap"]


def test_dual_evaluation_unavailable_without_ratings(airline):
    bound, data, _, scores = airline
    q = dataclasses.replace(bound.questionnaire, importance=())
    bound2 = dataclasses.replace(bound, questionnaire=q)
    constructs, _ = ipma(bound2, scores)
    res = classic_methods(bound2, data, constructs)["dual_evaluation"]
    assert not res.available and "importance" in res.reason
    assert res.reason_code == "no_importance_items"


def test_dual_evaluation_says_why_ratings_are_unusable(airline):
    """Ratings of the higher-order 'quality' only (its dimensions are the drivers), or rating
    columns absent from the data: the reason says which, not 'the questionnaire has none'."""
    bound, data, _, scores = airline
    only_quality = tuple(dataclasses.replace(r, of="quality")
                         for r in bound.questionnaire.importance if r.of == "crew")
    q = dataclasses.replace(bound.questionnaire, importance=only_quality)
    bound2 = dataclasses.replace(bound, questionnaire=q)
    constructs, _ = ipma(bound2, scores)
    res = classic_methods(bound2, data, constructs)["dual_evaluation"]
    assert not res.available and res.reason_code == "no_importance_of_drivers"
    assert "ratings are of quality, none of which is a driver" in res.reason
    assert res.to_json()["rated"] == ["quality"]
    res = classic_methods(bound, data.drop(columns=[r.id for r in bound.questionnaire.importance]),
                          constructs)["dual_evaluation"]
    assert res.reason_code == "no_importance_columns" and "imp_crew" in res.reason


def test_satisfaction_ratio_by_hand(airline):
    bound, data, est, scores = airline
    rows = {r.expectation: r for r in satisfaction_ratios(bound, data, scores)}
    assert set(rows) == {"exp_overall", "exp_crew", "exp_ontime"}
    crew = rows["exp_crew"]
    ok = data["exp_crew"].notna()
    perceived = 1 + scores.constructs["crew"] / 100 * 9
    assert crew.perceived_mean == pytest.approx(perceived[ok].mean())
    assert crew.expected_mean == pytest.approx(data.loc[ok, "exp_crew"].mean())
    assert crew.ratio == pytest.approx(crew.perceived_mean / crew.expected_mean)
    assert sum(crew.shares.values()) == pytest.approx(1.0)


def test_ratio_bands():
    assert band(1.2) == "exceeded" and band(1 + TOLERANCE) == "met"
    assert band(1.0) == "met" and band(0.9) == "not_met" and band(0.0) == "unmet"


def test_gauges_by_hand(make_bound):
    bound = make_bound({"x": ["x1", "x2"], "sat": ["s1", "rec", "buy"]}, [("x", "sat")])
    q = dataclasses.replace(bound.questionnaire,
                            gauges=Gauges(overall="s1", recommend="rec", repurchase="buy"))
    bound = dataclasses.replace(bound, questionnaire=q)
    # 1-7 scale: top box >= 5.2 (6, 7), bottom <= 2.8 (1, 2).
    # (x1 ends in 3, not 4: with 4, rec = 8 - x1 once its missing answer is mean-replaced,
    # and the estimator rightly refuses linearly dependent items.)
    data = pd.DataFrame({"x1": [1, 2, 3, 4, 5, 6, 7, 3], "x2": [2, 2, 3, 5, 5, 6, 6, 4],
                         "s1": [2, 1, 3, 5, 4, 7, 6, 4], "rec": [7, 6, 5, 4, 3, 2, 1, np.nan],
                         "buy": [1, 2, 6, 6, 7, 7, 4, 4]}, dtype=float)
    est = estimate_pls(bound, data)
    out = gauges(bound, data, construct_scores(bound, est, data))
    rec = out["recommend"]
    assert rec.n == 7 and rec.top_box == pytest.approx(2 / 7)
    assert rec.bottom_box == pytest.approx(2 / 7)
    assert rec.distribution["7"] == pytest.approx(1 / 7)
    assert out["repurchase"].top_box == pytest.approx(4 / 8)
    assert out.funnel is None and "complaint_funnel" not in out.to_json()


def test_gauges_on_a_continuous_scale_have_boxes_but_no_points(make_bound):
    bound = make_bound({"x": ["x1", "x2"], "sat": ["s1", "rec"]}, [("x", "sat")])
    q = dataclasses.replace(bound.questionnaire, gauges=Gauges(overall="s1", recommend="rec"),
                            scales={"seven": Scale("seven", 1, 7, continuous=True)})
    bound = dataclasses.replace(bound, questionnaire=q)
    data = pd.DataFrame({"x1": [1.5, 2.25, 3, 4.5, 5, 6.75, 7, 3.5],
                         "x2": [2, 2.5, 3.25, 5, 5.5, 6, 6.5, 4],
                         "s1": [2.2, 1, 3.3, 5, 4.4, 6.9, 6.1, 4],
                         "rec": [7, 6.5, 5.5, 4, 3, 2.5, 1, 5.3]})
    rec = gauges(bound, data, construct_scores(bound, estimate_pls(bound, data), data))[
        "recommend"]
    # top box >= 5.2: 7, 6.5, 5.5, 5.3; bottom <= 2.8: 2.5, 1.
    assert rec.distribution == {}
    assert rec.top_box == pytest.approx(4 / 8) and rec.bottom_box == pytest.approx(2 / 8)
    scale = q.scale_of("rec")
    assert (_box_range(scale, TOP_BOX, True), _box_range(scale, BOTTOM_BOX, False)) == (
        "5.2-7", "1-2.8")


def test_complaint_funnel_groups(airline):
    bound, data, _, scores = airline
    funnel = complaint_funnel(bound, data, scores)
    groups = {g.group: g for g in funnel.groups}
    complained = (data["complained"].astype(str) == "1")
    assert funnel.complained == pytest.approx(complained.mean())
    assert sum(g.n for g in funnel.groups) == len(data)
    quick = complained & (data["complaint_outcome"].astype(str) == "1")
    buy = data.loc[quick, "loy_repurchase"].dropna()
    assert groups["resolved_quickly"].buy_again == pytest.approx((buy >= 7.3).mean())
    assert groups["resolved_quickly"].benchmark == 0.82


def test_priorities_order_by_potential_gain(airline):
    bound, _, _, scores = airline
    constructs, _ = ipma(bound, scores)
    sat = [p for p in constructs if p.target == "satisfaction" and p.kind == "construct"]
    order = priorities(sat)
    gains = {p.driver: p.importance * (100 - p.performance) for p in sat if p.actionable}
    assert order == sorted(gains, key=lambda d: -gains[d])
    assert "expectation" not in order  # an expectation is not a thing to fix
    every = priorities([p for p in constructs if p.target == "satisfaction"], bound)
    assert "quality" not in every and {"crew", "cabin", "image", "value"} <= set(every)
    # The rule: improve-first constructs first (a higher-order one by its dimensions, ranked
    # among themselves), then the others; by potential gain within each group.
    mine = [p for p in constructs if p.target == "satisfaction"]
    first = improve_first(mine)
    second = dict(bound.second_order)
    head = [x for d in first for x in (second.get(d) or (d,))]
    assert set(every[:len(head)]) == set(head)
    rest = [p for p in mine if p.kind == "construct" and p.actionable and p.driver not in first]
    tail = [d for p in sorted(rest, key=lambda p: -p.gain)
            for d in (second.get(p.driver) or (p.driver,))]
    assert [d for d in every if d not in head] == [d for d in tail if d in every]
