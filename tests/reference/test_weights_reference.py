"""Case (sampling) weights in CB-SEM against lavaan 0.6-14 (``sampling.weights``; numbers made by
``weights_lavaan.R`` beside this file), and the identities any weighting must keep.

lavaan's default under sampling weights is MLR: weights rescaled to sum to N, ML on the
weighted moments (FIML: weighted casewise likelihood), robust Huber-White standard errors from
the observed information, the Yuan-Bentler (Mplus) scaled chi-square, robust CFI/TLI/RMSEA
(``data/pd_weighted_lavaan_options.csv`` records the options lavaan chose).

One class per data set, one tolerance per quantity:

* estimates and standardized estimates 1e-4: lavaan stops ~2e-5 short of the optimum under
  FIML (its gradient tolerance), ours at a gradient below 1e-6;
* standard errors 1e-4: both from a numerical Hessian of the analytic gradient (lavaan's
  five-point stencil, our forward differences), ~1e-5 apart;
* chi-square statistics, logL, AIC, BIC: relative 1e-5; the scaled ones inherit the
  Hessian's differences (3e-6 relative);
* fit indices (CFI, TLI, RMSEA, SRMR, p-values, scaling factors): 1e-5.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey.estimators.sem import fit_sem

DATA = Path(__file__).parent / "data"
PD_MODEL = """
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
"""
#: lavaan's fitMeasures name -> ours.
STATISTICS = {"chisq": "chi2", "chisq.scaled": "chi2_scaled", "baseline.chisq": "baseline_chi2",
              "baseline.chisq.scaled": "baseline_chi2_scaled", "logl": "logl",
              "unrestricted.logl": "logl_saturated", "aic": "aic", "bic": "bic"}
INDICES = {"pvalue": "p_value", "pvalue.scaled": "p_value_scaled",
           "chisq.scaling.factor": "scaling_factor",
           "baseline.chisq.scaling.factor": "baseline_scaling_factor", "cfi": "cfi",
           "tli": "tli", "cfi.scaled": "cfi_scaled", "tli.scaled": "tli_scaled",
           "cfi.robust": "cfi_robust", "tli.robust": "tli_robust", "rmsea": "rmsea",
           "rmsea.scaled": "rmsea_scaled", "rmsea.robust": "rmsea_robust", "srmr": "srmr"}
COUNTS = {"df": "df", "baseline.df": "baseline_df", "npar": "n_params"}


def _weights() -> np.ndarray:
    return pd.read_csv(DATA / "pd_weights.csv")["w"].to_numpy()


def _merge(ours: pd.DataFrame, lavaan: pd.DataFrame) -> pd.DataFrame:
    lavaan = lavaan[lavaan.op != "~1"]
    merged = lavaan.merge(ours, on=["lhs", "op", "rhs"], how="left", suffixes=("_lavaan", ""))
    assert merged["est"].notna().all(), merged[merged["est"].isna()]
    return merged


class _Lavaan:
    """The checks every weighted data set shares; a subclass names its files and fit."""

    NAME = ""

    @pytest.fixture(scope="class")
    @classmethod
    def lavaan(cls):
        params = pd.read_csv(DATA / f"{cls.NAME}_lavaan_params.csv")
        frame = pd.read_csv(DATA / f"{cls.NAME}_lavaan_fit.csv")
        return params, dict(zip(frame.measure, frame.value, strict=True))

    def test_inference_is_lavaans_default_under_weights(self, fit):
        options = pd.read_csv(DATA / "pd_weighted_lavaan_options.csv")
        options = dict(zip(options.option, options.value, strict=True))
        assert (fit.se_type, fit.test) == (options["se"], options["test"])
        assert options["information"] == "observed" and options["estimator"] == "ML"

    def test_estimates(self, fit, lavaan):
        merged = _merge(fit.params, lavaan[0])
        print(f"{self.NAME}: max |estimate - lavaan| = "
              f"{(merged['est'] - merged['est_lavaan']).abs().max():.1e}")
        assert np.allclose(merged["est"], merged["est_lavaan"], atol=1e-4, rtol=0)
        assert np.allclose(merged["std"], merged["std.all"], atol=1e-4, rtol=0)

    def test_robust_standard_errors(self, fit, lavaan):
        merged = _merge(fit.params, lavaan[0])
        free = merged[merged["se_lavaan"] > 0]
        print(f"{self.NAME}: max |SE - lavaan| = "
              f"{(free['se'] - free['se_lavaan']).abs().max():.1e}")
        assert np.allclose(free["se"], free["se_lavaan"], atol=1e-4, rtol=0)

    @pytest.mark.parametrize("lavaan_name,ours", sorted(STATISTICS.items()))
    def test_statistics(self, fit, lavaan, lavaan_name, ours):
        assert fit.fit[ours] == pytest.approx(lavaan[1][lavaan_name], rel=1e-5)

    @pytest.mark.parametrize("lavaan_name,ours", sorted(INDICES.items()))
    def test_fit_indices(self, fit, lavaan, lavaan_name, ours):
        assert fit.fit[ours] == pytest.approx(lavaan[1][lavaan_name], abs=1e-5)

    def test_counts(self, fit, lavaan):
        for lavaan_name, ours in COUNTS.items():
            assert fit.fit[ours] == lavaan[1][lavaan_name]
        assert fit.n == lavaan[1]["ntotal"]


class TestWeightedPoliticalDemocracy(_Lavaan):
    """Complete data: weighted ML (lavaan without a mean structure)."""

    NAME = "pd_weighted"

    @pytest.fixture(scope="class")
    @classmethod
    def fit(cls):
        return fit_sem(PD_MODEL, pd.read_csv(DATA / "pd_data.csv", index_col=0),
                       weights=_weights())


class TestWeightedPoliticalDemocracyFIML(_Lavaan):
    """About 8 % missing: weighted FIML (``missing = "ml"``); robust CFI/TLI/RMSEA are the
    FIML-corrected ones (Zhang & Savalei)."""

    NAME = "pd_weighted_fiml"

    @pytest.fixture(scope="class")
    @classmethod
    def fit(cls):
        return fit_sem(PD_MODEL, pd.read_csv(DATA / "pd_data_missing.csv"), missing="fiml",
                       weights=_weights())

    def test_item_means(self, fit, lavaan):
        means = lavaan[0][lavaan[0].op == "~1"].set_index("lhs")["est"]
        assert np.allclose(fit.implied_mean, means.loc[list(fit.observed)], atol=1e-4, rtol=0)


class TestWeightedPoliticalDemocracyListwise(_Lavaan):
    """The same data, listwise: 29 complete rows, their weights rescaled to sum to 29."""

    NAME = "pd_weighted_listwise"

    @pytest.fixture(scope="class")
    @classmethod
    def fit(cls):
        return fit_sem(PD_MODEL, pd.read_csv(DATA / "pd_data_missing.csv"),
                       missing="listwise", weights=_weights())

    def test_rows_and_weights(self, fit):
        assert fit.n == 29 and fit.weights.sum() == pytest.approx(29)


@pytest.mark.parametrize("name,missing", [("pd_data.csv", "fiml"),
                                          ("pd_data_missing.csv", "fiml")])
def test_integer_weights_equal_replicated_rows(name, missing):
    """lavaan's estimates under integer sampling weights equal those from replicating each row
    that many times; so do ours, complete data and FIML: the same (EM) moments and the same
    minimum of the discrepancy per respondent (chi2 / N), hence the same estimates up to
    where each run stops (a gradient below 1e-6: 4e-7 complete, 1e-5 under FIML, whose
    likelihood is flat in a few directions). The standard errors and chi2 differ: N is the
    number of rows, not the sum of the weights."""
    data = pd.read_csv(DATA / name, index_col=0 if name == "pd_data.csv" else None)
    times = np.random.default_rng(20261201).integers(1, 4, len(data))
    weighted = fit_sem(PD_MODEL, data, missing=missing, weights=times)
    copied = fit_sem(PD_MODEL, data.loc[data.index.repeat(times)], missing=missing)
    assert weighted.n == len(data) and copied.n == times.sum()
    assert np.allclose(weighted.sample_mean, copied.sample_mean, atol=1e-10, rtol=0)
    assert np.allclose(weighted.sample_cov, copied.sample_cov, atol=1e-10, rtol=0)
    assert weighted.fit["chi2"] / weighted.n == pytest.approx(copied.fit["chi2"] / copied.n,
                                                              rel=1e-9)
    assert np.allclose(weighted.params["est"], copied.params["est"], atol=1e-4, rtol=0)
    assert np.allclose(weighted.params["std"], copied.params["std"], atol=1e-4, rtol=0)


def test_equal_weights_change_nothing_but_the_standard_errors():
    data = pd.read_csv(DATA / "pd_data.csv", index_col=0)
    plain = fit_sem(PD_MODEL, data)
    weighted = fit_sem(PD_MODEL, data, weights=np.full(len(data), 2.5))
    assert np.allclose(weighted.params["est"], plain.params["est"], atol=1e-5, rtol=0)
    for key in ("chi2", "cfi", "tli", "rmsea", "srmr", "logl"):
        assert weighted.fit[key] == pytest.approx(plain.fit[key], rel=1e-6)
    assert plain.se_type == "expected" and "chi2_scaled" not in plain.fit
    assert weighted.se_type == "robust.huber.white" and weighted.fit["chi2_scaled"] > 0
