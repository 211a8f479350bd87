"""Model comparison (survey.analysis.model_selection): the closed forms and the refusals.

BIC and GM against the hand formula of Sharma et al. (2019, table B1) written out here with
numbers, their boundaries (R² of 0 and 1, n at k + 1 and k + 2), the Akaike-type weights
against a hand sum, the Satorra-Bentler (2001) scaled difference against the formula, and the
comparisons that must be refused: models on different data, CB-SEM models on different items,
a target that is not endogenous in every model, a non-nested pair (no p-value).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from survey.analysis.model_selection import (
    bic_from_r2,
    chi2_difference,
    compare_fits,
    compare_models,
    fit_model,
    gm_from_r2,
    information_weights,
)
from survey.errors import EstimationError, ModelSpecError
from survey.estimators import nested_in, parameter_space

BLOCKS = {"a": ["a1", "a2", "a3"], "b": ["b1", "b2", "b3"], "c": ["c1", "c2", "c3"]}


class TestClosedForms:
    def test_bic_is_the_hand_formula(self):
        # n = 250, R² = 0.6, k = 3: SSE = 0.4 * 249 = 99.6, BIC = 250 ln(99.6 / 250) + 4 ln 250.
        expected = 250 * math.log(99.6 / 250) + 4 * math.log(250)
        assert expected == pytest.approx(-207.98884, abs=1e-5)  # the number, worked by hand
        assert bic_from_r2(0.6, 250, 3) == pytest.approx(expected, rel=1e-14)

    def test_gm_is_the_hand_formula(self):
        # S² = 1 - 0.65 = 0.35: GM = 99.6 / 0.35 + 4 ln 250.
        expected = 99.6 / 0.35 + 4 * math.log(250)
        assert expected == pytest.approx(306.65727, abs=1e-5)
        assert gm_from_r2(0.6, 250, 3, 0.65) == pytest.approx(expected, rel=1e-14)

    def test_gm_of_the_full_model_itself_is_n_minus_1_plus_the_penalty(self):
        # SSE / S² = (1 - R²)(n - 1) / (1 - R²) whatever R² is.
        for r2 in (0.0, 0.3, 0.97):
            assert gm_from_r2(r2, 120, 2, r2) == pytest.approx(119 + 3 * math.log(120))

    def test_boundaries(self):
        # R² = 0: SSE = n - 1.
        assert bic_from_r2(0.0, 50, 1) == pytest.approx(50 * math.log(49 / 50) + 2 * math.log(50))
        # R² = 1 leaves no error: log 0, no criterion (never -inf in a table).
        assert bic_from_r2(1.0, 50, 1) is None
        assert gm_from_r2(1.0, 50, 1, 0.5) is None
        assert gm_from_r2(0.5, 50, 1, 1.0) is None
        assert gm_from_r2(0.5, 50, 1, None) is None
        # n = k + 1 leaves no residual degree of freedom; n = k + 2 is the smallest defined.
        assert bic_from_r2(0.5, 4, 3) is None
        assert bic_from_r2(0.5, 5, 3) == pytest.approx(5 * math.log(0.5 * 4 / 5) + 4 * math.log(5))
        assert bic_from_r2(float("nan"), 50, 1) is None

    def test_weights_sum_to_one_and_follow_the_distances(self):
        w = information_weights([100.0, 102.0, 110.0])
        rel = [1.0, math.exp(-1.0), math.exp(-5.0)]
        assert w == pytest.approx([r / sum(rel) for r in rel], rel=1e-14)
        assert information_weights([3.0, None]) == [None, None]

    def test_chi2_difference_standard(self):
        from scipy import stats

        diff, df, p, cd, reason = chi2_difference({"chi2": 72.5, "df": 41},
                                                  {"chi2": 38.1, "df": 35})
        assert (diff, df, cd, reason) == (pytest.approx(34.4), 6, None, None)
        assert p == pytest.approx(stats.chi2.sf(34.4, 6), rel=1e-12)

    def test_satorra_bentler_2001_formula(self):
        # c_d = (41 * 1.1 - 35 * 0.9) / 6 = (45.1 - 31.5) / 6 = 13.6 / 6; T = 40 / c_d.
        diff, df, p, cd, reason = chi2_difference(
            {"chi2": 80.0, "df": 41, "scaling_factor": 1.1},
            {"chi2": 40.0, "df": 35, "scaling_factor": 0.9}, scaled=True)
        assert cd == pytest.approx(13.6 / 6)
        assert diff == pytest.approx(40 * 6 / 13.6)
        assert reason is None and p is not None

    def test_a_scaling_that_is_not_positive_gives_no_p_value(self):
        # 41 * 0.5 - 35 * 1.2 < 0: the scaled statistic is undefined.
        diff, df, p, cd, reason = chi2_difference(
            {"chi2": 80.0, "df": 41, "scaling_factor": 0.5},
            {"chi2": 40.0, "df": 35, "scaling_factor": 1.2}, scaled=True)
        assert (diff, p, reason) == (None, None, "scaling_not_positive") and cd < 0

    def test_a_clearly_negative_difference_gives_no_p_value(self):
        out = chi2_difference({"chi2": 30.0, "df": 41}, {"chi2": 38.1, "df": 35})
        assert out[2] is None and out[4] == "negative_difference"
        # A rounding error below zero counts as zero (as lavaan).
        out = chi2_difference({"chi2": 38.1 - 1e-9, "df": 41}, {"chi2": 38.1, "df": 35})
        assert out[0] == 0.0 and out[2] == pytest.approx(1.0)


def _data(seed: int, n: int = 150) -> pd.DataFrame:
    """a -> b -> c, three items each (loadings 0.8), continuous."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(n)
    b = 0.5 * a + math.sqrt(0.75) * rng.standard_normal(n)
    c = 0.4 * b + math.sqrt(0.84) * rng.standard_normal(n)
    cols = {}
    for name, eta in (("a", a), ("b", b), ("c", c)):
        for k in range(1, 4):
            cols[f"{name}{k}"] = 4 + 0.8 * eta + 0.6 * rng.standard_normal(n)
    return pd.DataFrame(cols)


@pytest.fixture(scope="module")
def models(make_bound):
    def bound(paths, model_id, blocks=BLOCKS):
        b = make_bound(blocks, paths)
        return replace(b, model=replace(b.model, id=model_id))

    chain = bound([("a", "b"), ("b", "c")], "chain")
    # make_bound builds a new questionnaire for each call: bind every model to chain's.
    q = chain.questionnaire

    def same_q(b):
        return replace(b, questionnaire=q)

    return {"chain": chain,
            "direct": same_q(bound([("a", "b"), ("b", "c"), ("a", "c")], "direct")),
            # a -> c -> b: as many free parameters as the chain, other ones.
            "detour": same_q(bound([("a", "c"), ("c", "b")], "detour")),
            "two": same_q(bound([("a", "b")], "two", {"a": BLOCKS["a"], "b": BLOCKS["b"]}))}


class TestNesting:
    def test_a_dropped_path_is_nested(self, models):
        chain, direct = parameter_space(models["chain"]), parameter_space(models["direct"])
        assert nested_in(chain, direct) == (True, None)
        assert nested_in(direct, chain) == (False, "frees_fixed")
        assert direct.n_free - chain.n_free == 1

    def test_the_same_df_in_another_direction_is_not_nested(self, models):
        chain, rev = parameter_space(models["chain"]), parameter_space(models["detour"])
        assert chain.n_free == rev.n_free
        assert nested_in(rev, chain) == (False, "frees_fixed")

    def test_other_items_are_not_nested(self, models):
        assert nested_in(parameter_space(models["two"]),
                         parameter_space(models["chain"])) == (False, "items")


class TestRefusals:
    def test_models_on_different_data_are_refused(self, models):
        a = fit_model("pls", models["chain"], _data(1))
        b = fit_model("pls", models["direct"], _data(2))
        with pytest.raises(EstimationError, match="not estimated on the same respondents"):
            compare_fits([a, b], target="c")
        # The same values on other respondents (labels) are other data too.
        other = _data(1)
        other.index = other.index + 1000
        with pytest.raises(EstimationError, match="same respondents"):
            compare_fits([a, fit_model("pls", models["direct"], other)], target="c")

    def test_cbsem_models_on_different_items_are_refused(self, models):
        with pytest.raises(ModelSpecError, match="different items"):
            compare_models([models["chain"], models["two"]], _data(3), method="cbsem")

    def test_a_target_without_predictors_in_a_model_is_refused(self, models):
        with pytest.raises(ModelSpecError, match="'a' has no predictor"):
            compare_models([models["chain"], models["direct"]], _data(3), target="a")

    def test_one_model_is_not_a_comparison(self, models):
        with pytest.raises(ModelSpecError, match="two models or more"):
            compare_fits([fit_model("pls", models["chain"], _data(3))])

    def test_a_non_nested_pair_gets_no_p_value(self, models):
        result = compare_models([models["chain"], models["detour"]], _data(4),
                                method="cbsem")
        (test,) = result.tests
        assert not test.nested and test.reason == "frees_fixed"
        assert test.p_value is None and test.chi2 is None
        row = result.table().loc[test.restricted]
        assert pd.isna(row["p_value"]) and pd.isna(row["chi2_diff"])
        # AIC and BIC are still there: the models are on the same items and respondents.
        assert all(r.aic is not None and r.bic is not None for r in result.rows)
        assert result.to_json()["tests"][0]["p_value"] is None


def test_listwise_uses_the_respondents_complete_on_every_models_items(models):
    data = _data(5)
    data.loc[[0, 1, 2], "c1"] = np.nan  # only the three-construct models use c1
    data.loc[3, "a1"] = np.nan
    result = compare_models([models["chain"], models["direct"]], data, method="pls",
                            missing="listwise", target="c")
    assert result.sample.items() >= {"n_total": 150, "n_used": 146, "n_dropped": 4,
                                     "rule": "listwise_union"}.items()
    assert {r.n for r in result.rows} == {146}


def test_pls_rows_are_the_closed_form_of_each_models_own_r2(models):
    result = compare_models([models["chain"], models["direct"]], _data(6), method="pls",
                            target="c")
    r2_full = result.full_model["r2"]
    # The full model has every path of both: here that is "direct" itself.
    direct = next(r for r in result.rows if r.id == "direct")
    assert direct.r2 == pytest.approx(r2_full, abs=1e-12)
    for r in result.rows:
        assert r.bic == pytest.approx(bic_from_r2(r.r2, 150, r.predictors), rel=1e-14)
        assert r.gm == pytest.approx(gm_from_r2(r.r2, 150, r.predictors, r2_full), rel=1e-14)
    assert sum(r.bic_weight for r in result.rows) == pytest.approx(1.0)
    assert result.selected["bic"] == min(result.rows, key=lambda r: r.bic).id
    assert set(result.table().columns) >= {"r2", "predictors", "bic", "gm", "bic_weight",
                                           "gm_weight"}


def test_fiml_keeps_those_with_an_answer_to_each_models_items(models):
    from survey.analysis.model_selection import common_sample

    data = _data(7)
    # Row 0 answered c only: the chain could use it, the two-construct model (a, b) not.
    data.loc[0, ["a1", "a2", "a3", "b1", "b2", "b3"]] = np.nan
    data.loc[1, ["a1", "b2"]] = np.nan  # incomplete, still usable by both under FIML
    used, rule = common_sample([models["chain"], models["two"]], data, "fiml")
    assert rule == "fiml_answered" and 0 not in used.index and 1 in used.index
    assert len(used) == 149
    # Mean replacement keeps everyone; listwise needs every item of every model.
    assert len(common_sample([models["chain"]], data, "mean")[0]) == 150
    assert len(common_sample([models["chain"]], data, "listwise")[0]) == 148
    assert 0 in common_sample([models["chain"]], data, "fiml")[0].index


def test_no_gm_when_the_models_paths_together_form_a_cycle(models, make_bound):
    # b -> a here, a -> b in the chain: no full model holds both.
    other = make_bound(BLOCKS, [("b", "a"), ("a", "c"), ("b", "c")])
    other = replace(other, model=replace(other.model, id="other"),
                    questionnaire=models["chain"].questionnaire)
    result = compare_models([models["chain"], other], _data(8), target="c")
    assert result.full_model is None and result.notes == ("full_model_cyclic",)
    assert all(r.gm is None and r.withheld == "no_full_model" for r in result.rows)
    assert all(r.bic is not None for r in result.rows)
    assert result.selected["gm"] is None and result.selected["bic"] is not None
    assert all(w is None for w in (r.gm_weight for r in result.rows))
