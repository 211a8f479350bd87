"""Segments, value tiers and group comparisons (survey.analysis.segments).

* A level's estimate is exactly the estimate on its rows alone; the batched comparison's group
  estimates (group-wise mean replacement from weighted moments) equal it too.
* Value tiers on a hand-made spend column: exactly 1/4/15/80 % of customers and their value.
* Permutation tests and MICOM on populations with a known difference: a changed path is found,
  a changed loading fails compositional invariance, same-population groups give calibrated
  p-values; reproducible from the seed.
* CB-SEM: the configural two-group model reproduces the separate fits' log-likelihood; the
  structured mean's gradient is the objective's derivative; metric invariance holds in one
  population and is rejected when a loading differs, scalar invariance when an item intercept
  differs; a changed path is found by its likelihood-ratio test (lavaan's numbers are in
  tests/reference/test_multigroup_reference.py).

The model is small (four constructs, three items each) so every comparison takes well under a
second with 1000 permutations.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from survey.analysis.comparison import holm
from survey.analysis.segments import compare_levels, compare_segments, estimate_segments
from survey.analysis.tiers import value_tiers
from survey.errors import ResponseValidationError
from survey.estimators.bootstrap import MIN_USABLE, BootstrapSettings
from survey.estimators.cbsem import estimate_cbsem
from survey.estimators.multigroup import METRIC, SCALAR, Equalities, MultiGroupModel
from survey.estimators.pls import estimate_pls
from survey.estimators.sample_size import minimum_n
from survey.simulate import Population, simulate_responses

BLOCKS = {"x1": ["a1", "a2", "a3"], "x2": ["b1", "b2", "b3"], "y": ["c1", "c2", "c3"],
          "z": ["d1", "d2", "d3"]}
PATHS = [("x1", "y"), ("x2", "y"), ("y", "z")]
POP = Population(paths={("x1", "y"): 0.6, ("x2", "y"): 0.3, ("y", "z"): 0.6},
                 item_loading=0.8, item_mean=4.5, item_sd=1.2, dont_know_rate=0.0,
                 screened_out_rate=0.0)


@pytest.fixture(scope="module")
def bound(make_bound):
    return make_bound(BLOCKS, PATHS)


def draw(bound, population: Population, n: int, seed: int, group: str) -> pd.DataFrame:
    frame = simulate_responses(bound, population, n, seed, with_profile=False).astype(float)
    return frame.assign(grp=group)


def two_groups(bound, pop_b: Population, seed: int, n: int = 300) -> pd.DataFrame:
    return pd.concat([draw(bound, POP, n, seed, "A"), draw(bound, pop_b, n, seed + 1, "B")],
                     ignore_index=True)


def with_gaps(data: pd.DataFrame, rate: float, seed: int) -> pd.DataFrame:
    """Blank out answers at random (don't-know), item columns only."""
    rng = np.random.default_rng(seed)
    items = [i for its in BLOCKS.values() for i in its]
    out = data.copy()
    out[items] = out[items].mask(rng.random((len(out), len(items))) < rate)
    return out


# --------------------------------------------------------------------------- segments


def test_minimum_n_is_ten_times_the_largest_predictor_count(bound, make_bound):
    assert minimum_n(bound) == 30          # y has 2 predictors: 20, below the floor of 30
    assert minimum_n(bound, "cbsem") == 100
    wide = make_bound({"p": ["p1", "p2"], "q": ["q1", "q2"], "r": ["r1", "r2"],
                       "s": ["s1", "s2"], "t": ["t1", "t2"]},
                      [("p", "t"), ("q", "t"), ("r", "t"), ("s", "t")])
    assert minimum_n(wide) == 40
    formative = make_bound(BLOCKS, PATHS, modes=[("x1", "B")])
    assert minimum_n(formative) == 30
    five = make_bound({"f": [f"f{i}" for i in range(5)], "g": ["g1", "g2"]}, [("f", "g")],
                      modes=[("f", "B")])
    assert minimum_n(five) == 50


def test_level_indices_equal_estimating_the_level_alone(bound):
    data = with_gaps(pd.concat([draw(bound, POP, 150, 1, "A"), draw(bound, POP, 120, 2, "B")],
                               ignore_index=True), 0.03, seed=5)
    boot = BootstrapSettings(MIN_USABLE, seed=3)
    result = estimate_segments(bound, data, "grp", bootstrap=boot)
    assert [x.level for x in result.levels] == ["A", "B"]
    for level in ("A", "B"):
        alone = estimate_pls(bound, data[data["grp"] == level], bootstrap=boot)
        got = result.level(level)
        assert got.n == int((data["grp"] == level).sum())
        assert got.estimate.missing == "mean" and got.estimate.missing_detail["n_values_replaced"]
        for idx in alone.indices:
            x = next(i for i in got.estimate.indices if i.latent == idx.latent)
            assert (x.value, x.ci_low, x.ci_high) == (idx.value, idx.ci_low, idx.ci_high)
        assert [p.estimate for p in got.estimate.paths] == [p.estimate for p in alone.paths]
    doc = result.level("A").to_json()
    assert doc["segment"] == "grp" and doc["level"] == "A" and doc["n"] == 150
    assert set(doc["indices"]) == set(bound.constructs)
    assert all(len(v) == 2 and v[0] < doc["indices"][k] < v[1] for k, v in doc["ci"].items())
    assert {p["from"] + ">" + p["to"] for p in doc["paths"]} == {"x1>y", "x2>y", "y>z"}


def test_small_levels_are_reported_not_estimated_and_missing_values_form_no_level(bound):
    data = draw(bound, POP, 200, 4, "")
    codes = np.r_[np.full(150, 1.0), np.full(12, 2.0), np.full(38, np.nan)]
    data["airline"] = codes
    data.loc[data.index[:5], "airline"] = np.nan   # 5 more without a value
    result = estimate_segments(bound, data, "airline")
    assert [x.level for x in result.levels] == ["1", "2"]   # 1.0 -> "1", like questionnaire codes
    assert result.n_unassigned == 43 and result.n_total == 200
    small = result.level(2)
    assert small.n == 12 and small.estimate is None
    assert "12 respondents" in small.note and "30" in small.note
    doc = small.to_json()
    assert doc["indices"] == {} and doc["estimated"] is False and doc["level"] == "2"
    assert "43 of 200" in result.to_json()["note"]
    assert result.level(1).estimate is not None


def test_cbsem_levels_equal_estimating_the_level_alone(bound):
    data = with_gaps(pd.concat([draw(bound, POP, 150, 11, "A"), draw(bound, POP, 60, 12, "B")],
                               ignore_index=True), 0.02, seed=1)
    result = estimate_segments(bound, data, "grp", method="cbsem")
    alone = estimate_cbsem(bound, data[data["grp"] == "A"])
    got = result.level("A").estimate
    assert got.method == "cbsem" and got.missing == "fiml"
    assert [i.value for i in got.indices] == [i.value for i in alone.indices]
    assert result.level("B").estimate is None and "100" in result.level("B").note


def test_a_level_whose_estimation_fails_says_why(bound):
    data = draw(bound, POP, 120, 6, "A")
    data.loc[data.index[60:], "grp"] = "B"
    data.loc[data.index[60:], "a1"] = 4.0     # constant in level B
    result = estimate_segments(bound, data, "grp")
    assert result.level("A").estimate is not None
    b = result.level("B")
    assert b.estimate is None and "a1" in b.note and "constant" in b.note
    pairs = compare_segments(bound, data, "grp", permutations=20)
    assert pairs.pairs[0].tests == () and "constant" in pairs.pairs[0].note


# --------------------------------------------------------------------------- value tiers


def test_tiers_are_exactly_1_4_15_80_percent_with_their_value_shares():
    spend = np.arange(1, 201, dtype=float)        # 200 customers, all different
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"spend": rng.permutation(spend).astype(str)})
    frame.loc[200] = [""]                          # unknown spend: not ranked
    tiers = value_tiers(frame, "spend")
    counts = {t.tier: t.n for t in tiers.tiers}
    assert counts == {"platinum": 2, "gold": 8, "iron": 30, "lead": 160}
    assert [t.customer_share for t in tiers.tiers] == [0.01, 0.04, 0.15, 0.80]
    total = spend.sum()
    expected = {"platinum": spend[-2:].sum(), "gold": spend[-10:-2].sum(),
                "iron": spend[-40:-10].sum(), "lead": spend[:-40].sum()}
    for t in tiers.tiers:
        assert t.value == expected[t.tier]
        assert t.value_share == pytest.approx(expected[t.tier] / total, abs=1e-15)
    assert tiers.n_missing == 1 and pd.isna(tiers.labels.iloc[200])
    values = pd.to_numeric(frame["spend"], errors="coerce")
    assert (values[tiers.labels == "platinum"] >= 199).all()
    assert list(tiers.labels.cat.categories) == ["platinum", "gold", "iron", "lead"]


def test_tiers_show_the_80_20_pattern_and_ties_go_to_the_higher_tier():
    # 100 customers: the top 20 spend 80 % of the total.
    spend = np.r_[np.full(20, 400.0), np.full(80, 25.0)]
    tiers = value_tiers(pd.DataFrame({"v": spend}), "v")
    share = {t.tier: t.value_share for t in tiers.tiers}
    # All top-20 customers tie at 400, so they share the highest tier their ranks reach.
    assert {t.tier: t.n for t in tiers.tiers} == {"platinum": 20, "gold": 0, "iron": 0,
                                                 "lead": 80}
    assert share["platinum"] == pytest.approx(0.8)
    # A tie across the gold/iron boundary (ranks 5 and 6) goes to gold.
    spend = np.r_[1000.0, 900, 800, 700, 600, 600, np.arange(94, 0, -1.0)]
    tiers = value_tiers(pd.DataFrame({"v": spend}), "v")
    assert {t.tier: t.n for t in tiers.tiers} == {"platinum": 1, "gold": 5, "iron": 14,
                                                 "lead": 80}


def test_tiers_reject_invalid_values_naming_column_and_rows():
    frame = pd.DataFrame({"spend_12m": ["120", "abc", "-5", "", "80", "inf"]},
                         index=pd.Index([2, 3, 4, 5, 6, 7], name="row"))
    with pytest.raises(ResponseValidationError) as err:
        value_tiers(frame, "spend_12m", source="wave1.csv")
    text = str(err.value)
    assert "wave1.csv:3: column 'spend_12m': Value 'abc'" in text
    assert "wave1.csv:4: column 'spend_12m': Value '-5'" in text
    assert "wave1.csv:7" in text and "wave1.csv:5" not in text
    assert err.value.to_frame()["row"].tolist() == [3, 4, 7]


def test_tiers_are_a_segment_column(bound):
    data = draw(bound, POP, 400, 8, "")
    data["spend"] = np.random.default_rng(1).lognormal(7, 1, 400)
    data["tier"] = value_tiers(data, "spend").labels
    result = estimate_segments(bound, data, "tier")
    assert [x.level for x in result.levels] == ["platinum", "gold", "iron", "lead"]
    assert [x.n for x in result.levels] == [4, 16, 60, 320]
    assert [x.estimated for x in result.levels] == [False, False, True, True]


# --------------------------------------------------------------------------- PLS comparisons


def test_holm_adjustment():
    assert holm([0.01, 0.04, 0.03, None]) == pytest.approx([0.03, 0.06, 0.06, None])
    assert holm([0.5]) == [0.5]


@pytest.mark.parametrize(("missing", "weights"), [("mean", None), ("listwise", None),
                                                  ("mean", "w")])
def test_comparison_groups_equal_the_levels_estimated_alone(bound, missing, weights):
    """The batched group moments (group-wise mean replacement, case weights) give each group
    exactly the estimate of its rows alone."""
    data = with_gaps(two_groups(bound, POP, seed=30, n=200), 0.04, seed=9)
    data["w"] = np.random.default_rng(4).uniform(0.5, 2.0, len(data))
    pair = compare_levels(bound, data, "grp", "A", "B", missing=missing, weights=weights,
                          permutations=50)
    for k, level in enumerate(("A", "B")):
        alone = estimate_pls(bound, data[data["grp"] == level], missing=missing,
                             weights=weights)
        assert pair.estimates[k].index("y") == alone.index("y")
        for t in pair.tests:
            value = t.value_1 if k == 0 else t.value_2
            ref = alone.index(t.a) if t.kind == "index" else alone.path(t.a, t.b).estimate
            assert value == pytest.approx(ref, abs=1e-10)


def test_permutation_test_finds_the_path_that_differs(bound):
    weak = dataclasses.replace(POP, paths={**POP.paths, ("x1", "y"): 0.25})
    pair = compare_levels(bound, two_groups(bound, weak, seed=12), "grp", "A", "B")
    assert pair.test("path", "x1", "y").p_value < 0.01
    assert pair.test("path", "x1", "y").difference > 0.2
    others = [t for t in pair.tests if (t.a, t.b) != ("x1", "y")]
    assert sum(t.p_value < 0.05 for t in others) <= 1
    assert pair.micom.verdict in ("full", "partial")
    doc = pair.to_json()
    assert doc["permutations"]["requested"] == 1000 and doc["permutations"]["ok"] == 1000
    assert {t["kind"] for t in doc["tests"]} == {"path", "index"}


def test_same_population_full_invariance_and_no_significant_differences(bound):
    # One fixed draw. With 12 MICOM tests and 7 parameter tests at 5 %, some same-population
    # pairs show a chance rejection; the calibration test below checks the rates.
    pair = compare_levels(bound, two_groups(bound, POP, seed=12), "grp", "A", "B")
    assert pair.micom.verdict == "full"
    assert all(t.comparable for t in pair.tests)
    assert all(t.p_value > 0.05 for t in pair.tests)
    assert "Full measurement invariance" in pair.note


def test_same_population_p_values_are_calibrated(bound):
    """Over 30 same-population pairs about 5 % of tests reject at 5 %: p-values are roughly
    uniform (MICOM step 2 included: its c falls below the 5 % quantile about 5 % of the time)."""
    p, c_p = [], []
    for rep in range(30):
        pair = compare_levels(bound, two_groups(bound, POP, seed=100 + 2 * rep, n=150), "grp",
                              "A", "B", permutations=200, seed=rep)
        p += [t.p_value for t in pair.tests]
        c_p += [m.c_p for m in pair.micom.constructs]
    p, c_p = np.array(p), np.array(c_p)
    assert 0.01 < (p < 0.05).mean() < 0.10
    assert 0.4 < p.mean() < 0.6
    assert (c_p < 0.05).mean() < 0.12


def test_micom_flags_a_construct_measured_differently(bound):
    odd = dataclasses.replace(POP, item_loadings={"c1": 0.2})
    pair = compare_levels(bound, two_groups(bound, odd, seed=12), "grp", "A", "B")
    y = pair.micom.construct("y")
    assert not y.compositional and y.c < y.c_quantile and y.c_p < 0.01
    assert all(m.compositional for m in pair.micom.constructs if m.latent != "y")
    assert pair.micom.verdict == "no"
    assert pair.test("index", "y").comparable is False
    assert pair.test("path", "x1", "y").comparable is False
    assert pair.test("index", "x1").comparable is True
    assert "y" in pair.note
    doc = pair.to_json()["micom"]
    assert doc["verdict"] == "no" and doc["constructs"][2]["compositional_invariance"] is False


def test_permutations_are_reproducible_from_the_seed(bound):
    data = two_groups(bound, POP, seed=40, n=120)
    one = compare_levels(bound, data, "grp", "A", "B", permutations=250, seed=7)
    two = compare_levels(bound, data, "grp", "A", "B", permutations=250, seed=7)
    other = compare_levels(bound, data, "grp", "A", "B", permutations=250, seed=8)
    assert one.to_json() == two.to_json()
    assert [t.p_value for t in one.tests] != [t.p_value for t in other.tests]
    # On two worker processes (chunks split between them, with gaps in the data): the same.
    gappy = with_gaps(data, 0.05, seed=3)
    alone = compare_levels(bound, gappy, "grp", "A", "B", permutations=350, seed=7)
    pooled = compare_levels(bound, gappy, "grp", "A", "B", permutations=350, seed=7, workers=2)
    assert alone.to_json() == pooled.to_json()
    assert alone.permutations["ok"] == 350


def test_every_pair_of_levels_with_holm_adjustment(bound):
    data = pd.concat([draw(bound, POP, 120, 50 + k, g) for k, g in enumerate("ABC")]
                     + [draw(bound, POP, 10, 60, "D")], ignore_index=True)
    result = compare_segments(bound, data, "grp", permutations=100)
    assert [(p.level_1, p.level_2) for p in result.pairs] == [
        ("A", "B"), ("A", "C"), ("A", "D"), ("B", "C"), ("B", "D"), ("C", "D")]
    small = result.pair("A", "D")
    assert small.tests == () and "'D' has 10 respondents" in small.note
    tested = [p for p in result.pairs if p.tests]
    for kind, a, b in [("path", "x1", "y"), ("index", "z", "")]:
        raw = [p.test(kind, a, b).p_value for p in tested]
        assert [p.test(kind, a, b).p_holm for p in tested] == pytest.approx(holm(raw))
    assert "3 pairs" not in result.note and "6 pairs" in result.note
    assert result.to_json()["p_adjust"].startswith("holm")


# --------------------------------------------------------------------------- CB-SEM


def test_configural_two_group_model_reproduces_the_separate_fits(bound):
    data = with_gaps(two_groups(bound, POP, seed=70, n=200), 0.02, seed=2)
    items = list(bound.items)
    rows = [data.loc[data["grp"] == g, items] for g in "AB"]
    separate = [estimate_cbsem(bound, r) for r in rows]
    both = MultiGroupModel(bound, rows).fit()
    assert both.converged and both.n == sum(e.n for e in separate)
    assert both.logl == pytest.approx(sum(e.fit["logl"] for e in separate), abs=1e-5)
    assert both.chi2 == pytest.approx(sum(e.fit["chi2"] for e in separate), abs=1e-4)
    assert both.df == sum(e.fit["df"] for e in separate)
    for g, est in enumerate(separate):
        for x in est.loadings:
            if x.se is not None:
                assert both.values[("p", f"L__{x.latent}__{x.item}", g)] == pytest.approx(
                    x.estimate, abs=1e-4)


def test_restricted_models_count_their_equalities(bound):
    data = two_groups(bound, POP, seed=71, n=150)
    model = MultiGroupModel(bound, [data[data["grp"] == g] for g in "AB"])
    free = model.fit()
    metric = model.fit(METRIC, free)
    path = model.fit(Equalities(loadings=True, paths=(("x1", "y"),)), metric)
    scalar = model.fit(SCALAR, metric)
    # 8 free loadings; 1 path; 12 item intercepts for 4 latent means of the second group.
    assert (metric.df - free.df, path.df - metric.df, scalar.df - metric.df) == (8, 1, 8)
    assert free.logl >= metric.logl >= path.logl and metric.logl >= scalar.logl
    assert [(m.latent, m.group) for m in scalar.latent_means] == [
        (x, 1) for x in bound.constructs]
    assert all(abs(m.estimate) < 3 * m.se for m in scalar.latent_means)  # one population


def test_structured_mean_gradient_is_the_derivative_of_the_objective(bound):
    data = with_gaps(two_groups(bound, POP, seed=72, n=120), 0.05, seed=3)
    model = MultiGroupModel(bound, [data[data["grp"] == g] for g in "AB"])
    lay = model._layout(SCALAR)
    rng = np.random.default_rng(0)
    z = model._start(lay, model.fit(METRIC, model.fit())) + rng.normal(0, 0.02, len(lay.keys))
    # Latent means far from 0, so the mean's chain rule to loadings and paths matters.
    z[[k for k, key in enumerate(lay.keys) if key[0] == "alpha"]] += [0.5, -0.4, 0.7, 0.3]
    _, grad = model._objective(lay, z)
    numeric = np.empty_like(z)
    for i in range(z.size):
        e = np.zeros_like(z)
        e[i] = 1e-6
        numeric[i] = (model._objective(lay, z + e)[0] - model._objective(lay, z - e)[0]) / 2e-6
    assert grad == pytest.approx(numeric, rel=1e-5, abs=1e-4)


def test_cbsem_metric_invariance_holds_in_one_population_and_fails_otherwise(bound):
    same = compare_levels(bound, two_groups(bound, POP, seed=12), "grp", "A", "B",
                          method="cbsem")
    inv = same.cbsem
    assert inv.metric is not None and inv.df_difference == 8
    assert inv.p_value > 0.05 and inv.metric_holds
    assert inv.configural.chi2 == pytest.approx(sum(g.chi2 for g in inv.groups.values()))
    assert inv.configural.df == sum(g.df for g in inv.groups.values())
    odd = dataclasses.replace(POP, item_loadings={"c1": 0.2})
    diff = compare_levels(bound, two_groups(bound, odd, seed=12), "grp", "A", "B",
                          method="cbsem")
    assert diff.cbsem.p_value < 0.001 and diff.cbsem.metric_holds is False
    assert diff.test("loading", "y", "c2").p_value < 0.05     # c1 is y's marker
    assert diff.test("loading", "x1", "a2").p_value > 0.05
    doc = diff.to_json()["cbsem"]
    assert doc["metric"]["available"] is True and doc["metric"]["holds"] is False
    assert set(doc["configural"]["groups"]) == {"A", "B"}


def test_cbsem_path_difference_by_likelihood_ratio_in_the_metric_model(bound):
    weak = dataclasses.replace(POP, paths={**POP.paths, ("x1", "y"): 0.25})
    pair = compare_levels(bound, two_groups(bound, weak, seed=12), "grp", "A", "B",
                          method="cbsem")
    test = pair.test("path", "x1", "y")
    assert test.test == "lr" and test.df == 1 and test.p_value < 0.01
    assert test.p_value == pytest.approx(stats.chi2.sf(test.chi2, 1))
    others = [t for t in pair.tests if t.kind == "path" and (t.a, t.b) != ("x1", "y")]
    assert sum(t.p_value < 0.05 for t in others) <= 1
    omnibus = pair.cbsem.paths_equal
    assert omnibus.df_difference == 3 and omnibus.p_value < 0.01 and omnibus.holds is False
    assert pair.test("index", "y").p_value is None and pair.test("index", "y").note
    doc = pair.to_json()
    row = next(t for t in doc["tests"] if t["kind"] == "path" and t["from"] == "x1")
    assert row["test"] == "lr" and row["df_difference"] == 1 and row["chi2_difference"] > 6.6
    assert row["p_holm"] == row["p_value"]
    assert doc["cbsem"]["paths_equal"]["available"] is True
    assert doc["cbsem"]["scalar"]["holds"] is True


def test_cbsem_scalar_invariance_is_rejected_when_an_intercept_differs(bound):
    data = two_groups(bound, POP, seed=13)
    data.loc[data["grp"] == "B", "b2"] += 0.6    # an item intercept, not the latent mean
    pair = compare_levels(bound, data, "grp", "A", "B", method="cbsem")
    assert pair.cbsem.metric_holds
    scalar = pair.cbsem.scalar
    assert scalar.df_difference == 8 and scalar.p_value < 1e-4 and scalar.holds is False
    assert scalar.cfi_difference < 0
    assert "Scalar invariance is rejected" in pair.note
    doc = pair.to_json()["cbsem"]["scalar"]
    assert [m["latent"] for m in doc["latent_means"]] == list(bound.constructs)
    assert "Chen, Sousa & West" in doc["constraints"]
