"""Sampling designs, allocation, raking / post-stratification and the precision of an index.

Reference formulas are written out in the tests, from Cochran (1977) *Sampling Techniques*, 3rd
ed.: eq. 2.12 (variance of the SRS mean with fpc), eq. 5.6 (variance of the stratified mean), and
the Taylor (linearisation) variance of a ratio mean, eq. 6.13; Kish (1965) for 1 + CV^2.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.errors import SurveyError
from survey.sampling import (
    SamplingError,
    WeightingError,
    _check_achieved,
    _systematic_positions,
    allocate,
    draw_sample,
    index_precision,
    poststratify,
    rake,
)

SIZES = {"east": 500, "north": 300, "south": 150, "west": 50}


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    regions = np.repeat(list(SIZES), list(SIZES.values()))
    return pd.DataFrame({"unit": [f"u{i:04d}" for i in range(len(regions))],
                         "region": np.random.default_rng(0).permutation(regions)})


# --------------------------------------------------------------------------- drawing

@pytest.mark.parametrize("design", ["srs", "systematic", "stratified"])
def test_draws_exactly_n_deterministically(frame, design):
    strata = "region" if design == "stratified" else None
    for n in (4, 37, 100, 999):
        a = draw_sample(frame, design=design, n=n, seed=11, strata=strata)
        assert len(a) == n and a["unit"].is_unique
        b = draw_sample(frame, design=design, n=n, seed=11, strata=strata)
        pd.testing.assert_frame_equal(a, b)
    one = draw_sample(frame, design=design, n=100, seed=11, strata=strata)
    other = draw_sample(frame, design=design, n=100, seed=12, strata=strata)
    assert set(one["unit"]) != set(other["unit"])


@pytest.mark.parametrize("design", ["srs", "systematic"])
def test_unstratified_weights(frame, design):
    s = draw_sample(frame, design=design, n=37, seed=3)
    assert np.allclose(s["selection_prob"], 37 / 1000)
    assert np.allclose(s["design_weight"], 1000 / 37)
    assert s["design_weight"].sum() == pytest.approx(1000, rel=1e-12)
    assert (s["fpc"] == 1000).all() and "stratum" not in s
    assert list(s.index) == sorted(s.index)  # frame order, frame index kept
    pd.testing.assert_frame_equal(s[["unit", "region"]], frame.loc[s.index])


def test_stratified_proportional_weights_sum_to_stratum_sizes(frame):
    s = draw_sample(frame, design="stratified", n=100, seed=5, strata="region")
    by = s.groupby("stratum")
    assert by.size().to_dict() == {"east": 50, "north": 30, "south": 15, "west": 5}
    for h, size in SIZES.items():
        assert by["design_weight"].sum()[h] == pytest.approx(size, rel=1e-12)
        assert (by.get_group(h)["fpc"] == size).all()
    assert (s["stratum"] == s["region"]).all()
    assert np.allclose(s["selection_prob"] * s["design_weight"], 1)


def test_stratified_explicit_and_equal_allocation(frame):
    s = draw_sample(frame, design="stratified", n=10, seed=1, strata="region",
                    allocation={"east": 1, "north": 2, "south": 3, "west": 4})
    assert s.groupby("stratum").size().to_dict() == {"east": 1, "north": 2, "south": 3, "west": 4}
    e = draw_sample(frame, design="stratified", n=40, seed=1, strata="region", allocation="equal")
    assert (e.groupby("stratum").size() == 10).all()
    assert e.groupby("stratum")["design_weight"].sum().to_dict() == pytest.approx(SIZES)


def test_systematic_fractional_interval_is_exact_for_every_start():
    # Every start s in {0..N-1} is equally likely; for each (N, n) every unit must be selected
    # by exactly n starts (probability n/N) and every start must give n distinct units.
    for size in range(1, 31):
        for n in range(1, size + 1):
            hits = np.zeros(size, dtype=int)
            for start in range(size):
                rows = _systematic_positions(size, n, start)
                assert len(np.unique(rows)) == n and rows.min() >= 0 and rows.max() < size
                hits[rows] += 1
            assert (hits == n).all(), (size, n)


@pytest.mark.parametrize("design", ["systematic", "srs"])
def test_inclusion_probability_is_n_over_N_over_many_seeds(design):
    # N=10, n=3: k = 3.33 is fractional. Over R = 3000 seeds a unit's selection count is
    # Binomial(R, 0.3): sd of the share is sqrt(0.3 * 0.7 / 3000) = 0.0084; a tolerance of 0.035
    # (4.2 sd) keeps a false alarm below 3e-4 over the 10 units, while a method that ignored the
    # fraction (interval 3: unit 9 never drawn) fails by 0.3. Subtler errors are for the exact
    # enumeration above.
    small = pd.DataFrame({"unit": range(10)})
    counts = np.zeros(10)
    reps = 3000
    for seed in range(reps):
        counts[draw_sample(small, design=design, n=3, seed=seed)["unit"].to_numpy()] += 1
    assert np.abs(counts / reps - 0.3).max() < 0.035


def test_largest_remainder_allocation_by_hand():
    # n = 7 over N_h = 500/300/150/50: quotas 3.5, 2.1, 1.05, 0.35 -> floors 3, 2, 1, 0 (6),
    # the 7th unit to east (largest remainder .5) -> 4, 2, 1, 0; west must get one: it comes
    # from east, the stratum most above its quota (4 - 3.5) -> 3, 2, 1, 1.
    assert allocate(SIZES, 7) == {"east": 3, "north": 2, "south": 1, "west": 1}
    assert allocate(SIZES, 100) == {"east": 50, "north": 30, "south": 15, "west": 5}
    # quotas 5.5, 3.3, 1.65, 0.55 -> 5, 3, 1, 0 (9) + two remainders: .65 south, .55 west
    assert allocate(SIZES, 11) == {"east": 5, "north": 3, "south": 2, "west": 1}
    # equal: 10 / 4 = 2.5 each; the two extra units go to the two largest strata
    assert allocate(SIZES, 10, "equal") == {"east": 3, "north": 3, "south": 2, "west": 2}


@settings(max_examples=200, deadline=None)
@given(sizes=st.lists(st.integers(1, 400), min_size=1, max_size=12), data=st.data())
def test_allocation_sums_to_n_and_fits_every_stratum(sizes, data):
    strata = {f"s{i}": v for i, v in enumerate(sizes)}
    n = data.draw(st.integers(len(sizes), sum(sizes)))
    take = allocate(strata, n)
    assert sum(take.values()) == n
    assert all(1 <= take[h] <= strata[h] for h in strata)
    total = sum(sizes)
    # Rounding moves no stratum more than one unit from its quota, bar the minimum-one top-up.
    assert all(abs(take[h] - n * strata[h] / total) < 1 + len(sizes) for h in strata)


# ----------------------------------------------------------------- bad sampling inputs

@pytest.mark.parametrize(("kwargs", "message"), [
    ({"design": "srs", "n": 0}, "f.csv: The sample size n must be at least 1. Got 0 instead."),
    ({"design": "srs", "n": -5}, "The sample size n must be at least 1. Got -5 instead."),
    ({"design": "systematic", "n": 1001},
     "f.csv: The sample size n cannot exceed the 1000 units of the frame (sampling is without "
     "replacement). Got n=1001 instead."),
    ({"design": "srs", "n": 2.5}, "The sample size n must be a whole number. Got 2.5 instead."),
    ({"design": "cluster", "n": 5},
     "Unknown sampling design 'cluster'. Expected one of ['srs', 'systematic', 'stratified']."),
    ({"design": "stratified", "n": 10, "strata": "regoin"},
     "f.csv: Strata column 'regoin' is not in the frame. Expected one of ['unit', 'region']."),
    ({"design": "stratified", "n": 10},
     "A stratified design needs a strata column. Name it with strata=... (--strata)."),
    ({"design": "srs", "n": 10, "strata": "region"},
     "Strata column 'region' was given for a 'srs' design."),
    ({"design": "stratified", "n": 3, "strata": "region"},
     "f.csv: A stratified sample needs at least one unit in each of the 4 strata of 'region'. "
     "Got n=3 instead."),
    ({"design": "stratified", "n": 280, "strata": "region", "allocation": "equal"},
     "f.csv: column 'region': stratum 'west' has 50 units but the equal allocation asks for 70. "
     "Lower its allocation or merge it with another stratum."),
    ({"design": "stratified", "n": 100, "strata": "region",
      "allocation": {"east": 30, "north": 9, "south": 1, "west": 60}},
     "f.csv: column 'region': stratum 'west' has 50 units but the explicit allocation asks for "
     "60."),
    ({"design": "stratified", "n": 10, "strata": "region",
      "allocation": {"east": 5, "north": 3, "middle": 2}},
     "The allocation names stratum 'middle', which is not a stratum of 'region' in the frame."),
    ({"design": "stratified", "n": 10, "strata": "region",
      "allocation": {"east": 5, "north": 3, "middle": 2}},
     "The allocation gives no sample size for strata ['south', 'west'] of 'region'."),
    ({"design": "stratified", "n": 10, "strata": "region",
      "allocation": {"east": 5, "north": 3, "south": 1, "west": 0}},
     "The allocation of stratum 'west' must be a whole number of at least 1. Got 0 instead."),
    ({"design": "stratified", "n": 10, "strata": "region",
      "allocation": {"east": 5, "north": 3, "south": 1, "west": 2}},
     "The allocation sums to 11 units but n is 10. Make them agree."),
    ({"design": "stratified", "n": 10, "strata": "region", "allocation": "neyman"},
     "Unknown allocation 'neyman'. Expected one of ['proportional', 'equal']"),
])
def test_bad_sampling_input_gets_its_message(frame, kwargs, message):
    with pytest.raises(SamplingError) as err:
        draw_sample(frame, seed=1, source="f.csv", **kwargs)
    assert message in str(err.value)
    assert isinstance(err.value, SurveyError)


def test_missing_stratum_values_are_listed_by_row(frame):
    bad = frame.copy()
    bad.loc[[3, 8], "region"] = [None, "  "]
    with pytest.raises(SamplingError) as err:
        draw_sample(bad, design="stratified", n=10, seed=1, strata="region", source="f.csv")
    assert str(err.value) == (
        "2 problems found:\n"
        "f.csv:5: column 'region': the unit has no stratum. Give every unit of the frame a "
        "stratum.\n"
        "f.csv:10: column 'region': the unit has no stratum. Give every unit of the frame a "
        "stratum.")
    assert err.value.to_frame()["row"].tolist() == [5, 10]


def test_frame_columns_the_sample_would_overwrite(frame):
    with pytest.raises(SamplingError, match=r"already has column\(s\) \['design_weight'\]"):
        draw_sample(frame.assign(design_weight=1.0), design="srs", n=5, seed=1)


def test_empty_frame():
    with pytest.raises(SamplingError, match="The frame has no units to sample."):
        draw_sample(pd.DataFrame({"unit": []}), design="srs", n=1, seed=1)


# --------------------------------------------------------------------------- weighting

@pytest.fixture(scope="module")
def respondents() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame({"sex": rng.choice(["m", "f"], 600, p=[0.7, 0.3]),
                         "age": rng.choice([1, 2, 3], 600, p=[0.5, 0.3, 0.2]),
                         "score": rng.uniform(20, 100, 600)})


MARGINS = {"sex": {"m": 0.49, "f": 0.51}, "age": {1: 0.3, 2: 0.4, 3: 0.3}}


def _shares(weights, values):
    return pd.Series(weights).groupby(np.asarray(values)).sum() / np.sum(weights)


def test_rake_reproduces_target_margins(respondents):
    w = rake(respondents, MARGINS)
    for column, target in MARGINS.items():
        achieved = _shares(w, respondents[column])
        for level, share in target.items():
            assert achieved[level] == pytest.approx(share, abs=1e-6)
    assert w.sum() == pytest.approx(len(respondents))
    # from design weights: their total is kept, or set by total=
    base = np.where(respondents["sex"] == "m", 2.0, 5.0)
    wb = rake(respondents, MARGINS, base_weights=base)
    assert wb.sum() == pytest.approx(base.sum())
    assert _shares(wb, respondents["age"])[2] == pytest.approx(0.4, abs=1e-6)
    assert rake(respondents, MARGINS, total=1e6).sum() == pytest.approx(1e6)


def test_rake_levels_match_as_text(respondents):
    # Levels read from CSV are text, targets from YAML numbers: '1' and 1 and 1.0 are one level.
    as_text = respondents.assign(age=respondents["age"].astype(str))
    w = rake(as_text, {"age": {1.0: 0.3, "2": 0.4, 3: 0.3}})
    assert _shares(w, as_text["age"])["2"] == pytest.approx(0.4, abs=1e-6)


def test_rake_empty_target_cell_fails_clearly(respondents):
    margins = {"sex": MARGINS["sex"], "age": {1: 0.3, 2: 0.3, 3: 0.2, 4: 0.2}}
    with pytest.raises(WeightingError) as err:
        rake(respondents, margins, source="wave1.csv")
    assert str(err.value) == (
        "wave1.csv: column 'age': target level '4' (share 0.2) has no respondents, so no "
        "weighting can reach it. Merge it with a neighbouring level or collect more interviews.")


def test_achieved_margins_are_checked_whatever_the_library_says():
    # The failure weightipy had (wrong margins, no warning) must be caught by our own check.
    levels = {"age": ["a", "a", "b", "b"]}
    with pytest.raises(WeightingError, match="level 'b' was weighted to a share of 0.500000, "
                                             "not its target 0.300000"):
        _check_achieved(np.ones(4), levels, {"age": {"a": 0.7, "b": 0.3}}, "s")


@pytest.mark.parametrize(("margins", "message"), [
    ({"sex": {"m": 0.49, "f": 0.61}},
     "column 'sex': the target shares must sum to 1. Got 1.1 instead."),
    ({"age": {1: 0.5, 2: 0.5}},
     "column 'age': level '3' has "),
    ({"sex": {"m": 1.2, "f": -0.2}},
     "column 'sex': the target share of level 'f' must be a number between 0 and 1. Got -0.2"),
    ({"income": {"low": 1.0}},
     "Margin column 'income' is not in the sample."),
    ({}, "No margins to rake to."),
])
def test_bad_margins_get_their_message(respondents, margins, message):
    with pytest.raises(WeightingError) as err:
        rake(respondents, margins)
    assert message in str(err.value)


def test_rake_rejects_missing_levels_and_bad_base_weights(respondents):
    holes = respondents.assign(sex=respondents["sex"].where(respondents.index != 4))
    with pytest.raises(WeightingError, match="column 'sex': 1 respondents have no value "
                                             r"\(first at row 6\)"):
        rake(holes, {"sex": MARGINS["sex"]})
    with pytest.raises(WeightingError, match="Weights must be positive numbers; 1 are not"):
        rake(respondents, MARGINS, base_weights=np.r_[-1.0, np.ones(599)])


def test_rake_infeasible_margins_fail_clearly():
    # a and b are the same split: no weights give a 50/50 and a 20/80 at once.
    data = pd.DataFrame({"a": ["x"] * 5 + ["y"] * 5, "b": ["p"] * 5 + ["q"] * 5})
    with pytest.raises(WeightingError, match="Raking to the margins of \\['a', 'b'\\] failed: "
                                             "Did not converge"):
        rake(data, {"a": {"x": 0.5, "y": 0.5}, "b": {"p": 0.2, "q": 0.8}}, max_iter=50)


def test_poststratify_is_the_closed_form(respondents):
    counts = respondents["sex"].value_counts()
    N = {"m": 4900, "f": 5100}
    w = poststratify(respondents, "sex", {h: v / 10_000 for h, v in N.items()}, total=10_000)
    expected = respondents["sex"].map(lambda h: N[h] / counts[h])  # N_h / n_h
    np.testing.assert_allclose(w, expected, rtol=1e-12)
    # with base weights b: w_i = b_i * N_h / sum_{j in h} b_j
    base = np.linspace(1, 3, len(respondents))
    wb = poststratify(respondents, "sex", {"m": 0.49, "f": 0.51}, base, total=10_000)
    cell_base = pd.Series(base).groupby(respondents["sex"].to_numpy()).transform("sum")
    np.testing.assert_allclose(wb, base * respondents["sex"].map(N) / cell_base, rtol=1e-12)
    with pytest.raises(WeightingError, match="target level 'x' \\(share 0.1\\) has no"):
        poststratify(respondents, "sex", {"m": 0.4, "f": 0.5, "x": 0.1})


# --------------------------------------------------------------------------- precision

SCORES = np.array([62.0, 71.5, 80.0, 55.5, 90.0, 66.0, 74.0, 83.5, 58.0, 77.0, 69.5, 88.0])


def test_srs_equal_weights_se_is_sd_over_root_n():
    n = SCORES.size
    r = index_precision(SCORES, probability=True)
    assert r.estimate == pytest.approx(SCORES.mean())
    assert r.se == pytest.approx(SCORES.std(ddof=1) / np.sqrt(n), rel=1e-12)
    assert r.deff == pytest.approx(1, rel=1e-12) and r.deff_kish == pytest.approx(1)
    assert r.n_effective == pytest.approx(n)
    assert r.moe == pytest.approx(1.959963984540054 * r.se) and r.moe_note is None
    # Cochran eq. 2.12: with the finite-population correction, x sqrt(1 - n/N)
    f = index_precision(SCORES, fpc=40, weights=np.full(n, 40 / n), probability=True)
    assert f.se == pytest.approx(SCORES.std(ddof=1) / np.sqrt(n) * np.sqrt(1 - n / 40),
                                    rel=1e-12)
    assert f.deff == pytest.approx(1, rel=1e-12) and f.population == 40


def test_stratified_se_is_cochran_5_6():
    # Three strata, N_h = 60, 30, 10, n_h = 5, 4, 3, design weights N_h / n_h.
    h = np.array([0] * 5 + [1] * 4 + [2] * 3)
    y = SCORES
    N_h, n_h = np.array([60, 30, 10]), np.array([5, 4, 3])
    N = N_h.sum()
    r = index_precision(y, weights=(N_h / n_h)[h], strata=h, fpc=N_h[h], probability=True)
    # Cochran eq. 5.1 and 5.6: ybar_st = sum W_h ybar_h,
    # V(ybar_st) = sum W_h^2 (1 - f_h) s_h^2 / n_h, with W_h = N_h / N and f_h = n_h / N_h.
    W = N_h / N
    ybar_h = np.array([y[h == k].mean() for k in range(3)])
    s2_h = np.array([y[h == k].var(ddof=1) for k in range(3)])
    v = np.sum(W ** 2 * (1 - n_h / N_h) * s2_h / n_h)
    assert r.estimate == pytest.approx(np.sum(W * ybar_h), rel=1e-12)
    assert r.se == pytest.approx(np.sqrt(v), rel=1e-12)
    # deff against an SRS of the same n from N: (1 - n/N) S^2 / n, S^2 estimated with the weights
    # as n/(n-1) sum w (y - ybar)^2 / sum w.
    w, n = (N_h / n_h)[h], y.size
    s2 = n / (n - 1) * np.sum(w * (y - r.estimate) ** 2) / w.sum()
    assert r.deff == pytest.approx(v / ((1 - n / N) * s2 / n), rel=1e-10)
    assert r.n_effective == pytest.approx(n / r.deff)


def test_weighted_mean_se_is_the_linearised_ratio_variance():
    # Cochran eq. 6.13 for ybar_w = sum w y / sum w (with replacement, one stratum):
    # v = n / (n - 1) * sum w_i^2 (y_i - ybar_w)^2 / (sum w)^2
    w = np.array([1.0, 2.0, 1.5, 3.0, 1.0, 2.5, 1.0, 4.0, 2.0, 1.0, 1.5, 2.0])
    r = index_precision(SCORES, weights=w, probability=True)
    ybar = np.sum(w * SCORES) / w.sum()
    n = SCORES.size
    v = n / (n - 1) * np.sum(w ** 2 * (SCORES - ybar) ** 2) / w.sum() ** 2
    assert r.estimate == pytest.approx(ybar) and r.se == pytest.approx(np.sqrt(v), rel=1e-12)


def test_kish_design_effect_by_hand():
    # w = 1, 1, 2, 4: mean 2, variance (1 + 1 + 0 + 4) / 4 = 1.5, CV^2 = 1.5 / 4 = 0.375.
    r = index_precision([50.0, 60.0, 70.0, 80.0], weights=[1, 1, 2, 4], probability=True)
    assert r.deff_kish == pytest.approx(1.375)
    assert r.n_effective_kish == pytest.approx(4 / 1.375)


def test_no_margin_of_error_for_a_non_probability_sample():
    r = index_precision(SCORES, probability=False)
    assert r.moe is None and "Not a probability sample" in r.moe_note
    assert "AAPOR" in r.moe_note and r.se > 0


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"scores": [50.0, np.nan, 60.0]}, "1 scores are missing (first at row 3)"),
    ({"scores": [50.0, 101.0, 60.0]}, "Scores must be 0-100 index values; 1 are not. Got 101"),
    ({"scores": [50.0]}, "needs at least 2 respondent scores. Got 1 instead."),
    ({"scores": [50.0, 60.0, 70.0], "strata": ["a", "a", "b"]},
     "The standard error cannot be computed"),
    ({"scores": [50.0, 60.0, 70.0], "fpc": 2}, "A stratum has 3 respondents but a population "
                                               "size (fpc) of 2."),
    ({"scores": [50.0, 60.0, 70.0], "weights": [1, 0, 1]}, "Weights must be positive"),
])
def test_bad_precision_input_gets_its_message(kwargs, message):
    with pytest.raises(WeightingError) as err:
        index_precision(probability=True, **kwargs)
    assert message in str(err.value)


@pytest.mark.parametrize("seed", range(6))
def test_precision_equals_svy_on_random_designs(seed):
    """index_precision's closed form (sampling._linearised_mean) against svy's Taylor
    linearisation of the mean, which it replaced for speed: stratified or not, weighted or
    not, with or without population sizes."""
    import polars as pl
    import svy

    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 200))
    y = rng.uniform(0, 100, n)
    w = rng.uniform(0.5, 3.0, n) if seed % 2 else np.ones(n)
    strata = rng.integers(0, 3, n) if seed >= 2 else None
    if strata is not None:
        strata[:6] = [0, 0, 1, 1, 2, 2]  # every stratum has at least 2
    pop = None
    if seed >= 4:
        sizes = {h: float(np.sum(strata == h) * rng.integers(2, 9)) for h in range(3)}
        pop = np.array([sizes[h] for h in strata])
    ours = index_precision(y, weights=w, strata=strata, fpc=pop, probability=True)
    columns = {"y": y, "w": w, "h": np.zeros(n, int) if strata is None else strata}
    if pop is not None:
        columns["N"] = pop
    design = svy.Design(stratum="h" if strata is not None else None, wgt="w",
                        pop_size="N" if pop is not None else None)
    ref = svy.Sample(pl.DataFrame(columns), design).estimation.mean(
        "y", deff="wr").to_polars().row(0, named=True)
    assert ours.estimate == pytest.approx(ref["est"], rel=1e-12)
    assert ours.se == pytest.approx(ref["se"], rel=1e-10)
    deff = ref["deff"] if pop is None else ref["deff"] / (1 - n / ours.population)
    assert ours.deff == pytest.approx(deff, rel=1e-10)
