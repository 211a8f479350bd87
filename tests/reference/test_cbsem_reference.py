"""CB-SEM against lavaan 0.6-14 (numbers in tests/reference/data, scripts beside them).

One class per data set, one tolerance per quantity (statsmodels' res1/res2 pattern).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey.estimators.bootstrap import NEGATIVE_VARIANCE, BootstrapSettings
from survey.estimators.cbsem import estimate_cbsem
from survey.estimators.sem import fit_sem
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
    semopy's own calc_stats reports CFI 1.000 / TLI NaN; lavaan says 0.877 / 0.859. The
    standardized paths go above 3 with nearly collinear latents, yet lavaan's post-check finds
    the solution admissible (no negative variance, the latent covariance matrix positive
    definite)."""

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

    def test_admissible_as_lavaan_says_with_notes(self, estimate):
        """lavaan: ``lavInspect(fit, "post.check")`` is TRUE. A standardized path above 1
        and huge standard errors are notes for the reader, not an inadmissible verdict."""
        assert estimate.converged
        assert estimate.admissible
        codes = [n.code for n in estimate.notices]
        assert "std_path_beyond_one" in codes and "huge_se" in codes
        assert not any(n.inadmissible for n in estimate.notices)
        assert any("beyond +-1" in w for w in estimate.warnings)
        assert max(abs(p.std_estimate) for p in estimate.paths) > 2


class TestMobiHeywoodFIML:
    """ECSI on mobi with 10 % of the values missing at random (make_cbsem_cases.py), FIML.
    lavaan estimates variances unbounded: the satisfaction disturbance is -0.059 and the
    expectation disturbance -0.013, and lavaan warns. Bounding them at 0 (semopy's default)
    would hide the Heywood case and move the other estimates."""

    NAMES = {"IMAG": "image", "EXPE": "expectation", "QUAL": "quality", "VAL": "value",
             "SAT": "satisfaction", "CUSCO": "complaints", "LOY": "loyalty"}

    @pytest.fixture(scope="class")
    @classmethod
    def estimate(cls, root):
        q = load_questionnaire(root / "questionnaires" / "mobi.yaml")
        bound = bind(load_model(root / "models" / "ecsi.yaml"), q)
        return estimate_cbsem(bound, pd.read_csv(DATA / "mobi_mcar10.csv"))

    @pytest.fixture(scope="class")
    @classmethod
    def lavaan(cls):
        return pd.read_csv(DATA / "mobi_mcar10_fiml_lavaan_params.csv").rename(
            columns={"std.all": "std_all"})

    @pytest.mark.parametrize("lavaan_name,ours", sorted(FIT_KEYS.items()))
    def test_fit_measures_and_df(self, estimate, lavaan_name, ours):
        ref = _fit_table("mobi_mcar10_fiml_lavaan_fit.csv")[lavaan_name]
        tol = 1e-3 * max(1.0, abs(ref)) if lavaan_name in ("logl", "aic", "bic") else 1e-3
        assert estimate.fit[ours] == pytest.approx(ref, abs=tol)

    def test_paths_and_loadings(self, estimate, lavaan):
        """Estimates to 1e-3; SEs to 1e-3 or 1 % of their size: the latents are nearly
        collinear (condition number of the information 3e9, SEs up to 16), and in those
        directions both programs stop where f no longer changes, so an SE of 11 moves in its
        third digit with the last digits of the estimates."""
        for r in lavaan[lavaan.op == "~"].itertuples(index=False):
            p = estimate.path(self.NAMES[r.rhs], self.NAMES.get(r.lhs, r.lhs))
            assert p.estimate == pytest.approx(r.est, abs=1e-3), (r.lhs, r.rhs)
            assert p.se == pytest.approx(r.se, abs=1e-3, rel=1e-2), (r.lhs, r.rhs)
            assert p.std_estimate == pytest.approx(r.std_all, abs=1e-3), (r.lhs, r.rhs)
        loadings = {(x.latent, x.item): x for x in estimate.loadings}
        for r in lavaan[lavaan.op == "=~"].itertuples(index=False):
            x = loadings[(self.NAMES[r.lhs], r.rhs)]
            assert x.estimate == pytest.approx(r.est, abs=1e-3)
            assert x.std_estimate == pytest.approx(r.std_all, abs=1e-3)

    def test_negative_variances_estimated_and_flagged_by_name(self, estimate, lavaan):
        ours = {name.split(" ~~ ")[0]: value for name, value, _ in estimate.variances}
        negative = lavaan[(lavaan.op == "~~") & (lavaan.lhs == lavaan.rhs) & (lavaan.est < 0)]
        assert set(negative.lhs) == {"SAT", "EXPE"}
        for r in negative.itertuples(index=False):
            assert ours[self.NAMES[r.lhs]] == pytest.approx(r.est, abs=1e-3)
        assert not estimate.admissible
        flagged = {n.params["variable"] for n in estimate.notices if n.code == "heywood"}
        assert flagged == {"satisfaction", "expectation"}
        assert any("'satisfaction' is -0.0585" in w for w in estimate.warnings)


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


class TestBootstrapInadmissiblePolicy:
    """The two policies for inadmissible bootstrap resamples against lavaan's bootstrap
    (``bootstrapLavaan``, R = 2000; lavaan_reference.R): "keep" is lavaan's own standard
    errors (every converged resample), "drop" its resamples without those that
    ``lav_object_post_check`` rejects. The data (two_predictors.csv) have an outcome whose
    disturbance is near zero: about 43 % of resamples estimate it negative.

    Different resamples on each side, so the SEs agree in distribution: each SE is compared
    within four Monte Carlo standard deviations of the difference of two bootstrap SE
    estimates, sqrt(1/(2 R_ours) + 1/(2 R_lavaan)) relative (the SE of a normal-theory SD
    estimate from R draws is SD / sqrt(2R)); R counts the draws each side used."""

    RESAMPLES = 1000

    @pytest.fixture(scope="class")
    @classmethod
    def bound(cls, make_bound):
        return make_bound({"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"],
                           "C": ["c1", "c2", "c3"]}, [("A", "C"), ("B", "C")])

    @pytest.fixture(scope="class")
    @classmethod
    def lavaan(cls):
        return pd.read_csv(DATA / "two_predictors_lavaan_bootstrap.csv").set_index("name")

    @pytest.fixture(scope="class")
    @classmethod
    def runs(cls, bound):
        data = pd.read_csv(DATA / "two_predictors.csv")
        return {policy: estimate_cbsem(bound, data, bootstrap=BootstrapSettings(
            cls.RESAMPLES, seed=11, jackknife_groups=2, inadmissible=policy))
            for policy in ("keep", "drop")}

    #: Our label -> lavaan's name.
    LABELS = {("path", "A", "C"): "C~A", ("path", "B", "C"): "C~B",
              ("std_path", "A", "C"): "std_C_A", ("std_path", "B", "C"): "std_C_B",
              ("loading", "A", "a2"): "A=~a2", ("loading", "B", "b3"): "B=~b3",
              ("loading", "C", "c2"): "C=~c2", ("variance", "C ~~ C", ""): "C~~C",
              ("variance", "A ~~ A", ""): "A~~A", ("r2", "C", ""): "r2_C"}

    def test_estimates_equal_lavaan(self, runs, lavaan):
        table = runs["keep"].bootstrap.table().set_index(["kind", "a", "b"])
        for label, name in self.LABELS.items():
            assert table.loc[label, "estimate"] == pytest.approx(lavaan.loc[name, "est"],
                                                                 abs=1e-3), label

    @pytest.mark.parametrize("policy", ["keep", "drop"])
    def test_standard_errors_match_lavaan_under_the_same_policy(self, runs, lavaan, policy):
        boot = runs[policy].bootstrap
        table = boot.table().set_index(["kind", "a", "b"])
        ref = lavaan.iloc[0]
        lavaan_used = {"keep": ref.converged, "drop": ref.converged - ref.inadmissible}[policy]
        for label, name in self.LABELS.items():
            ours_used = int(np.isfinite(boot.draws[:, boot.labels.index(label)]).sum())
            # lavaan's R² is NA (undefined) for a negative disturbance, as ours.
            theirs_used = lavaan_used - (lavaan.loc[name, "undefined_keep"]
                                         if policy == "keep" else 0)
            tol = 4 * np.sqrt(1 / (2 * ours_used) + 1 / (2 * theirs_used))
            theirs = lavaan.loc[name, f"se_{policy}"]
            assert table.loc[label, "se"] == pytest.approx(theirs, rel=tol), (label, policy)

    def test_policies_differ_where_lavaan_says_they_do(self, runs, lavaan):
        """Dropping the inadmissible resamples truncates the disturbance variance's
        distribution at 0: its SE falls by a third (lavaan 0.044 -> 0.029)."""
        keep, drop = (runs[p].bootstrap.table().set_index(["kind", "a", "b"]) for p in
                      ("keep", "drop"))
        label = ("variance", "C ~~ C", "")
        assert drop.loc[label, "se"] < 0.8 * keep.loc[label, "se"]
        assert lavaan.loc["C~~C", "se_drop"] < 0.8 * lavaan.loc["C~~C", "se_keep"]

    def test_inadmissible_share_and_reporting(self, runs, lavaan):
        keep, drop = runs["keep"], runs["drop"]
        ref = lavaan.iloc[0]
        share = keep.bootstrap.kept[NEGATIVE_VARIANCE] / self.RESAMPLES
        lavaan_share = ref.inadmissible / ref.resamples
        assert share == pytest.approx(lavaan_share, abs=4 * np.sqrt(0.25 / self.RESAMPLES
                                                                      + 0.25 / ref.resamples))
        assert keep.bootstrap.n_ok == self.RESAMPLES  # every resample converged, as lavaan's
        assert drop.bootstrap.failures[NEGATIVE_VARIANCE] == keep.bootstrap.kept[NEGATIVE_VARIANCE]
        # The policy is recorded, and what happened is said: kept, or too few usable.
        assert keep.to_json()["bootstrap"]["inadmissible"] == "keep"
        assert drop.to_json()["bootstrap"]["inadmissible"] == "drop"
        assert [n.code for n in keep.notices if n.code.startswith("bootstrap")] == [
            "bootstrap_inadmissible_kept"]
        assert [n.code for n in drop.notices if n.code.startswith("bootstrap")] == [
            "bootstrap_few_usable"]
        assert drop.inference == keep.inference == "bootstrap"
