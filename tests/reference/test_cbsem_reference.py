"""CB-SEM against lavaan 0.6-14 (numbers in tests/reference/data, scripts beside them).

One class per data set, one tolerance per quantity (statsmodels' res1/res2 pattern).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey.estimate.cbsem import estimate_cbsem, fit_sem
from survey.pathmodel import bind, load_model
from survey.questionnaire import load_questionnaire

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
FIT_KEYS = {"chisq": "chi2", "df": "df", "pvalue": "p_value", "cfi": "cfi", "tli": "tli",
            "rmsea": "rmsea", "srmr": "srmr", "logl": "logl", "aic": "aic", "bic": "bic"}


def _merge(ours: pd.DataFrame, lavaan: pd.DataFrame) -> pd.DataFrame:
    """Join on (lhs, op, rhs), matching a covariance whichever way round it is written."""
    ours = ours.copy()
    swapped = ours[(ours.op == "~~") & (ours.lhs != ours.rhs)].rename(
        columns={"lhs": "rhs", "rhs": "lhs"})
    ours = pd.concat([ours, swapped])
    merged = lavaan.merge(ours, on=["lhs", "op", "rhs"], how="left", suffixes=("_lavaan", ""))
    assert merged["est"].notna().all(), merged[merged["est"].isna()]
    return merged


def _fit_table(name: str) -> dict[str, float]:
    frame = pd.read_csv(DATA / name)
    return dict(zip(frame.measure, frame.value, strict=True))


class TestPoliticalDemocracy:
    """Bollen's model, complete data: lavaan's ML estimates, SEs and fit measures."""

    @pytest.fixture(scope="class")
    @classmethod
    def fit(cls):
        data = pd.read_csv(DATA / "pd_data.csv", index_col=0)
        return fit_sem(PD_MODEL, data)

    def test_estimates(self, fit):
        ref = pd.read_csv(DATA / "pd_lavaan_params.csv")
        merged = _merge(fit.params, ref)
        diff = (merged["est_lavaan"] - merged["est"]).abs()
        print(f"Political Democracy: max |estimate - lavaan| = {diff.max():.2e}")
        assert diff.max() < 1e-3

    def test_standard_errors(self, fit):
        ref = pd.read_csv(DATA / "pd_lavaan_params.csv")
        merged = _merge(fit.params, ref)
        free = merged[merged["se_lavaan"] > 0]
        assert np.allclose(free["se"], free["se_lavaan"], atol=1e-3, rtol=0)

    @pytest.mark.parametrize("lavaan_name,ours", sorted(FIT_KEYS.items()))
    def test_fit_measures(self, fit, lavaan_name, ours):
        ref = _fit_table("pd_lavaan_fit.csv")[lavaan_name]
        # logL, AIC and BIC are in the thousands: compare them relative to their size.
        tol = 1e-3 * max(1.0, abs(ref)) if lavaan_name in ("logl", "aic", "bic") else 1e-3
        assert fit.fit[ours] == pytest.approx(ref, abs=tol)

    def test_not_semopy_objective(self, fit):
        # semopy's calc_stats prints LogLik 0.508 (its objective) here; lavaan's is -1547.79.
        assert fit.fit["logl"] < -1000


class TestPoliticalDemocracyFIML:
    """8 % of the values deleted at random: lavaan's ``missing = "ml"`` (FIML)."""

    @pytest.fixture(scope="class")
    @classmethod
    def fit(cls):
        return fit_sem(PD_MODEL, pd.read_csv(DATA / "pd_data_missing.csv"), missing="fiml")

    def test_uses_fiml_and_every_row(self, fit):
        assert fit.missing == "fiml"
        assert fit.n == 75 and fit.n_dropped == 0

    def test_estimates_and_standard_errors(self, fit):
        merged = _merge(fit.params, pd.read_csv(DATA / "pd_missing_fiml_lavaan_params.csv"))
        assert (merged["est_lavaan"] - merged["est"]).abs().max() < 1e-3
        free = merged[merged["se_lavaan"] > 0]
        assert np.allclose(free["se"], free["se_lavaan"], atol=1e-3, rtol=0)
        assert np.allclose(merged["std"], merged["std.all"], atol=1e-3, rtol=0)

    @pytest.mark.parametrize("lavaan_name,ours", sorted(FIT_KEYS.items()))
    def test_fit_measures(self, fit, lavaan_name, ours):
        ref = _fit_table("pd_missing_fiml_lavaan_fit.csv")[lavaan_name]
        tol = 1e-3 * max(1.0, abs(ref)) if lavaan_name in ("logl", "aic", "bic") else 1e-3
        assert fit.fit[ours] == pytest.approx(ref, abs=tol)

    def test_listwise_drops_incomplete_rows(self):
        data = pd.read_csv(DATA / "pd_data_missing.csv")
        fit = fit_sem(PD_MODEL, data, missing="listwise")
        assert fit.missing == "listwise"
        assert fit.n == len(data.dropna()) and fit.n_dropped == len(data) - fit.n


class TestMobiECSI:
    """ECSI on the mobile-phone data through the questionnaire pipeline: a model where
    semopy's own calc_stats reports CFI 1.000 / TLI NaN; lavaan says 0.877 / 0.859, and the
    solution is inadmissible (standardized paths above 3)."""

    @pytest.fixture(scope="class")
    @classmethod
    def estimate(cls, root, mobi_csv):
        q = load_questionnaire(root / "questionnaires" / "mobi.yaml")
        bound = bind(load_model(root / "models" / "ecsi.yaml"), q)
        data = pd.read_csv(mobi_csv).astype(float)
        return estimate_cbsem(bound, data)

    @pytest.mark.parametrize("lavaan_name,ours", sorted(FIT_KEYS.items()))
    def test_fit_measures(self, estimate, lavaan_name, ours):
        ref = _fit_table("mobi_ecsi_lavaan_fit.csv")[lavaan_name]
        tol = 1e-3 * max(1.0, abs(ref)) if lavaan_name in ("logl", "aic", "bic") else 1e-3
        print(f"mobi ECSI {lavaan_name}: ours {estimate.fit[ours]:.4f}, lavaan {ref:.4f}")
        assert estimate.fit[ours] == pytest.approx(ref, abs=tol)

    def test_standardized_paths(self, estimate):
        ref = pd.read_csv(DATA / "mobi_ecsi_lavaan_params.csv")
        names = {"IMAG": "image", "EXPE": "expectation", "QUAL": "quality", "VAL": "value",
                 "SAT": "satisfaction", "CUSCO": "complaints", "LOY": "loyalty"}
        ref = ref[ref.op == "~"].rename(columns={"std.all": "std_all"})
        for r in ref.itertuples(index=False):
            ours = estimate.path(names[r.rhs], names[r.lhs])
            assert ours.std_estimate == pytest.approx(r.std_all, abs=5e-3), (r.lhs, r.rhs)

    def test_flagged_inadmissible(self, estimate):
        assert estimate.converged
        assert not estimate.admissible
        assert any("beyond +-1" in w for w in estimate.warnings)
        assert max(abs(p.std_estimate) for p in estimate.paths) > 2


class TestAirlineCCSIFIML:
    """The bundled airline wave: CCSI with perceived quality as a second-order construct over six
    dimensions, don't-know answers as missing, FIML; lavaan ``sem(..., missing = "ml")``."""

    @pytest.fixture(scope="class")
    @classmethod
    def estimate(cls, root):
        q = load_questionnaire(root / "questionnaires" / "airline.yaml")
        bound = bind(load_model(root / "models" / "ccsi.yaml"), q)
        return bound, estimate_cbsem(bound, pd.read_csv(DATA / "airline_wave1_items.csv"))

    @pytest.mark.parametrize("lavaan_name,ours", sorted(FIT_KEYS.items()))
    def test_fit_measures(self, estimate, lavaan_name, ours):
        ref = _fit_table("airline_ccsi_fiml_lavaan_fit.csv")[lavaan_name]
        tol = 1e-3 * max(1.0, abs(ref)) if lavaan_name in ("logl", "aic", "bic") else 1e-3
        assert estimate[1].fit[ours] == pytest.approx(ref, abs=tol)

    def test_paths_and_loadings(self, estimate):
        bound, est = estimate
        ref = pd.read_csv(DATA / "airline_ccsi_fiml_lavaan_params.csv")
        ref = ref.rename(columns={"std.all": "std_all"})
        checked = 0
        for r in ref[ref.op == "~"].itertuples(index=False):
            p = est.path(r.rhs, r.lhs)
            assert p.estimate == pytest.approx(r.est, abs=1e-3)
            assert p.se == pytest.approx(r.se, abs=1e-3)
            assert p.std_estimate == pytest.approx(r.std_all, abs=1e-3)
            checked += 1
        loadings = {(x.latent, x.item): x for x in est.loadings}
        for r in ref[ref.op == "=~"].itertuples(index=False):
            x = loadings[(r.lhs, r.rhs)]  # includes quality =~ crew, cabin, ... (second order)
            assert x.estimate == pytest.approx(r.est, abs=1e-3)
            assert x.std_estimate == pytest.approx(r.std_all, abs=1e-3)
            checked += 1
        assert checked == 11 + 40 + 6
