"""PLSpredict and CVPAT (survey.analysis.prediction): closed forms, the folds, the rules that
refuse what the data cannot carry, missing answers, the reading of the PLS-LM count."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey.analysis.prediction import (
    IndicatorPrediction,
    PredictionError,
    PredictionUnavailable,
    PredictSettings,
    assign_folds,
    cross_validate,
    indicator_table,
    pls_predict,
    prediction_of,
    predictive_power,
)


def simulate(n: int, seed: int, blocks: dict[str, list[str]], loadings: float = 0.8,
             beta: float = 0.5) -> pd.DataFrame:
    """Items on 1-7 (continuous) of a chain of latents a -> b -> c ... (one factor per block)."""
    rng = np.random.default_rng(seed)
    latent = rng.standard_normal(n)
    cols = {}
    for k, (_, items) in enumerate(blocks.items()):
        if k:
            latent = beta * latent + np.sqrt(1 - beta ** 2) * rng.standard_normal(n)
        for item in items:
            x = loadings * latent + np.sqrt(1 - loadings ** 2) * rng.standard_normal(n)
            cols[item] = 4 + 1.2 * x
    return pd.DataFrame(cols)


@pytest.fixture
def two_blocks(make_bound):
    blocks = {"x": ["x1", "x2", "x3"], "y": ["y1", "y2"]}
    return make_bound(blocks, [("x", "y")]), blocks


def test_leave_one_out_lm_residuals_are_press_residuals(two_blocks):
    """With k = n (leave-one-out) the LM benchmark's out-of-sample residual of respondent i is
    e_i / (1 - h_ii) of the full-sample OLS (the PRESS identity), for every target item."""
    bound, blocks = two_blocks
    data = simulate(40, 1, blocks)
    n = len(data)
    cv = cross_validate(bound, data, fold_ids=np.arange(n)[None])
    x = np.column_stack([np.ones(n), data[["x1", "x2", "x3"]].to_numpy()])
    hat = x @ np.linalg.solve(x.T @ x, x.T)
    for j, item in enumerate(cv.items):
        y = data[item].to_numpy()
        e = y - hat @ y
        press = e / (1 - np.diag(hat))
        np.testing.assert_allclose(y - cv.lm[0, :, j], press, rtol=0, atol=1e-10)


def test_ia_benchmark_is_the_training_mean(two_blocks):
    bound, blocks = two_blocks
    data = simulate(30, 2, blocks)
    folds = assign_folds(30, 5, 1, seed=3)
    cv = cross_validate(bound, data, fold_ids=folds)
    y = data["y1"].to_numpy()
    expected = [y[folds[0] != folds[0, i]].mean() for i in range(30)]
    np.testing.assert_allclose(cv.ia[0, :, cv.items.index("y1")], expected, atol=1e-12)


def test_folds_are_balanced_reproducible_and_shuffled_per_repetition():
    folds = assign_folds(103, 10, 3, seed=7)
    for row in folds:
        sizes = np.bincount(row, minlength=10)
        assert sizes.max() - sizes.min() <= 1 and sizes.sum() == 103
    assert (folds == assign_folds(103, 10, 3, seed=7)).all()
    assert not (folds[0] == folds[1]).all()
    assert not (folds == assign_folds(103, 10, 3, seed=8)).all()


def test_more_folds_than_half_the_respondents_is_refused(two_blocks):
    bound, blocks = two_blocks
    data = simulate(30, 3, blocks)
    with pytest.raises(PredictionError, match=r"between 2 and n / 2 = 15") as info:
        pls_predict(bound, data, settings=PredictSettings(folds=16, repetitions=1))
    assert info.value.code == "folds"
    with pytest.raises(PredictionError, match="between 2"):
        pls_predict(bound, data, settings=PredictSettings(folds=1, repetitions=1))


def test_training_sample_not_larger_than_the_items_is_refused(two_blocks):
    bound, blocks = two_blocks
    data = simulate(8, 4, blocks)  # k = 2: training samples of 4 respondents, 5 items
    with pytest.raises(PredictionError, match="smallest training sample has 4 respondents, "
                                              "not more than the model's 5 items") as info:
        pls_predict(bound, data, settings=PredictSettings(folds=2, repetitions=1))
    assert info.value.code == "training_size"


def test_case_weights_are_refused_and_the_study_says_why(two_blocks):
    bound, blocks = two_blocks
    data = simulate(60, 5, blocks)
    with pytest.raises(PredictionError, match="weighted by 'w'") as info:
        pls_predict(bound, data, weights="w")
    assert info.value.code == "case_weights"

    class Weighted:  # what prediction_of reads of an estimate
        method, missing = "pls", "mean"
        settings = {"weights_column": "w", "scheme": "path", "higher_order": "none"}

    out = prediction_of(bound, data, Weighted(), PredictSettings(folds=5, repetitions=1))
    assert isinstance(out, PredictionUnavailable) and out.code == "case_weights"
    assert out.to_json()["available"] is False and "weighted" in out.to_json()["reason"]


def test_a_failed_training_fit_discards_its_repetition_and_says_so(two_blocks):
    """A constant item in one training sample: that repetition is not used, the other is."""
    bound, blocks = two_blocks
    data = simulate(40, 6, blocks)
    folds = np.vstack([assign_folds(40, 5, 1, seed=1)[0], assign_folds(40, 5, 1, seed=2)[0]])
    # x1 varies only inside fold 0 of repetition 0: the training sample without it is constant.
    data.loc[:, "x1"] = 4.0
    data.loc[folds[0] == 0, "x1"] = np.linspace(1, 7, int((folds[0] == 0).sum()))
    cv = cross_validate(bound, data, fold_ids=folds)
    assert cv.used.tolist() == [False, True]
    assert any("constant" in f for f in cv.failures)
    # Both repetitions fail: no prediction, and the reason.
    with pytest.raises(PredictionError, match="constant") as info:
        cross_validate(bound, data, fold_ids=np.vstack([folds[0], folds[0]]))
    assert info.value.code == "fits_failed"


def test_missing_target_answers_are_left_out_and_counted(two_blocks):
    bound, blocks = two_blocks
    data = simulate(60, 7, blocks)
    data.loc[[3, 10, 11], "y1"] = np.nan
    data.loc[[5], "x2"] = np.nan
    prediction = pls_predict(bound, data, settings=PredictSettings(folds=5, repetitions=2))
    rows = {x.item: x for x in prediction.indicators}
    assert (rows["y1"].n, rows["y1"].n_unscored) == (57, 3)
    assert (rows["y2"].n, rows["y2"].n_unscored) == (60, 0)
    assert all(np.isfinite([x.q2_predict, x.pls_rmse, x.lm_rmse]).all()
               for x in prediction.indicators)
    listwise = pls_predict(bound, data, missing="listwise",
                           settings=PredictSettings(folds=5, repetitions=2))
    assert listwise.n == 56 and listwise.missing == "listwise"


def test_mean_replacement_uses_training_means_only(two_blocks):
    """A held-out respondent's missing predictor answer is replaced by the training mean:
    its predictions equal those of the same respondent answering exactly that mean."""
    bound, blocks = two_blocks
    data = simulate(50, 8, blocks)
    folds = assign_folds(50, 5, 1, seed=4)
    i = 7
    holed = data.copy()
    holed.loc[i, "x3"] = np.nan
    train = folds[0] != folds[0, i]
    filled = data.copy()
    filled.loc[i, "x3"] = data.loc[train, "x3"].mean()
    a = cross_validate(bound, holed, fold_ids=folds)
    b = cross_validate(bound, filled, fold_ids=folds)
    np.testing.assert_allclose(a.pls[0, i], b.pls[0, i], atol=1e-12)
    np.testing.assert_allclose(a.lm[0, i], b.lm[0, i], atol=1e-12)


def test_repetitions_average_the_single_repetition_numbers(two_blocks):
    bound, blocks = two_blocks
    data = simulate(80, 9, blocks)
    folds = assign_folds(80, 4, 3, seed=5)
    both = indicator_table(cross_validate(bound, data, fold_ids=folds))
    each = [indicator_table(cross_validate(bound, data, fold_ids=folds[[r]])) for r in range(3)]
    for j, row in enumerate(both):
        assert row.pls_rmse == pytest.approx(np.mean([e[j].pls_rmse for e in each]), abs=1e-12)
        assert row.q2_predict == pytest.approx(np.mean([e[j].q2_predict for e in each]),
                                               abs=1e-12)


def _row(q2: float, pls: float, lm: float) -> IndicatorPrediction:
    return IndicatorPrediction("y", "i", q2, pls, pls, lm, lm, 0.1, pls < lm, pls < lm, 10, 0)


@pytest.mark.parametrize(("beats", "power"), [(0, "none"), (1, "low"), (2, "medium"),
                                               (3, "medium"), (4, "high")])
def test_reading_of_the_pls_lm_count(beats, power):
    """Hair et al. (2019, 2022): none / minority / half or majority / all, out of 4."""
    rows = [_row(0.2, 1.0, 1.1) for _ in range(beats)] + [_row(0.2, 1.2, 1.1)
                                                          for _ in range(4 - beats)]
    got = predictive_power("y", rows)
    assert (got.power, got.beats_rmse, got.n_items) == (power, beats, 4)


def test_a_q2_not_above_zero_means_no_predictive_power():
    rows = [_row(0.2, 1.0, 1.1), _row(-0.01, 1.0, 1.1)]
    got = predictive_power("y", rows)
    assert (got.power, got.code, got.q2_positive) == ("none", "q2_not_positive", 1)


def test_three_constructs_no_target_small_n(make_bound):
    """Another shape: a -> b -> c on 45 respondents, earliest antecedents; every endogenous
    latent is read, the headline is the model's target (c)."""
    blocks = {"a": ["a1", "a2"], "b": ["b1", "b2", "b3"], "c": ["c1", "c2"]}
    bound = make_bound(blocks, [("a", "b"), ("b", "c")])
    data = simulate(45, 10, blocks)
    p = pls_predict(bound, data, settings=PredictSettings(folds=3, repetitions=4,
                                                          approach="earliest", resamples=100))
    assert [x.latent for x in p.power] == ["b", "c"]
    assert p.headline is not None and p.headline.latent == "c"
    assert [x.item for x in p.indicators] == ["b1", "b2", "b3", "c1", "c2"]
    assert p.repetitions_used == 4 and p.n == 45
    assert [t.latent for t in p.cvpat_lm.tests] == ["b", "c", "overall"]
    doc = p.to_json()
    assert doc["approach"] == "earliest" and doc["folds"] == 3 and doc["repetitions"] == 4
    assert "exogenous" in doc["benchmark"]


def test_unknown_approach_is_refused():
    with pytest.raises(PredictionError, match="Unknown prediction approach 'first'"):
        PredictSettings(approach="first")


def test_training_moments_from_differences_of_sums_equal_the_direct_ones():
    """Each training sample's means and covariances (missing answers at the training mean),
    computed as the full sample's sums minus the held-out fold's, against computing them on
    the training rows directly."""
    from survey.analysis.prediction import _training_moments

    rng = np.random.default_rng(12)
    x = rng.normal(5, 2, size=(70, 4))
    x[rng.random(x.shape) < 0.1] = np.nan
    folds = assign_folds(70, 7, 2, seed=1)
    splits = [(r, f) for r in range(2) for f in range(7)]
    mean, cov, rows = _training_moments(x, folds, splits)
    for k, (r, f) in enumerate(splits):
        xt = x[folds[r] != f]
        m = np.nanmean(xt, axis=0)
        dev = np.nan_to_num(xt - m)
        np.testing.assert_allclose(mean[k], m, rtol=0, atol=1e-12)
        np.testing.assert_allclose(cov[k], dev.T @ dev / (len(xt) - 1), rtol=0, atol=1e-12)
        assert rows[k] == len(xt)


def test_a_respondent_without_a_latents_answers_is_left_out_of_its_cvpat_test(two_blocks):
    bound, blocks = two_blocks
    data = simulate(60, 13, blocks)
    data.loc[4, ["y1", "y2"]] = np.nan
    p = pls_predict(bound, data, settings=PredictSettings(folds=5, repetitions=2,
                                                          resamples=200))
    y, overall = p.cvpat_lm.tests
    assert (y.n, overall.n) == (59, 59) and y.boot_p_value is not None


def test_bootstrap_means_in_chunks_are_the_means_of_the_draws():
    """CVPAT's resample means, tallied chunk by chunk, equal the means of the gathered draws
    (and the chunked draws are the one-call stream)."""
    from survey.analysis.prediction import Resampler

    d = np.random.default_rng(3).normal(size=(50, 2))
    small = Resampler(50, 30, seed=8)
    small.CHUNK = 120  # 2 resamples per chunk
    draws = small.draws(50)
    assert (draws == np.random.default_rng([8, 1]).integers(0, 50, size=(30, 50))).all()
    np.testing.assert_allclose(small.means(d), d[draws].mean(axis=1), rtol=0, atol=1e-14)
    assert Resampler(50, 1, seed=8).means(d) is None


def test_one_repetition_at_a_time_gives_the_all_repetitions_numbers(two_blocks):
    """pls_predict reduces each repetition before the next (flat memory): its table and
    CVPAT losses equal those of the cross-validation holding every repetition."""
    bound, blocks = two_blocks
    data = simulate(70, 14, blocks)
    settings = PredictSettings(folds=5, repetitions=3, seed=2, resamples=0)
    p = pls_predict(bound, data, settings=settings)
    cv = cross_validate(bound, data, folds=5, repetitions=3, seed=2)
    for a, b in zip(p.indicators, indicator_table(cv), strict=True):
        assert a.item == b.item
        assert a.q2_predict == pytest.approx(b.q2_predict, abs=1e-12)
        assert a.lm_mae == pytest.approx(b.lm_mae, abs=1e-12)
    overall = p.cvpat_lm.overall
    assert overall.loss_a == pytest.approx(np.nanmean(cv.losses("pls")[:, -1]), abs=1e-12)
    assert overall.loss_b == pytest.approx(np.nanmean(cv.losses("lm")[:, -1]), abs=1e-12)
