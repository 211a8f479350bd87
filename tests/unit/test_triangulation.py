"""Driver triangulation (survey.analysis.triangulation): Johnson's relative weights and the
Shapley (LMG) shares of R² against their definitions and closed forms, the standardized
coefficients and R² against statsmodels, case weights against duplicated rows, the bootstrap
against the population it was drawn from, the refusals, and the agreement with the priority
rule."""

from __future__ import annotations

from itertools import permutations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from survey.analysis.triangulation import (
    all_methods,
    relative_weights,
    shapley_shares,
    subset_r2,
    weighted_correlation,
)

SWISS = Path(__file__).parents[1] / "reference" / "data" / "swiss.csv"
ATTITUDE = Path(__file__).parents[1] / "reference" / "data" / "attitude.csv"
MTCARS = Path(__file__).parents[1] / "reference" / "data" / "mtcars.csv"


def shares(x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> dict[str, np.ndarray]:
    k = x.shape[1]
    v = all_methods(weighted_correlation(np.column_stack([x, y]), w)[None])[0]
    return {"r2": v[0], "beta": v[1:1 + k], "rw": v[1 + k:1 + 2 * k], "shapley": v[1 + 2 * k:]}


def lmg_by_orderings(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """LMG by its definition (Lindeman, Merenda & Gold 1980): the R² a regressor adds when it
    enters, averaged over all k! orders, every R² from a least-squares fit with intercept."""
    def r2(cols):
        if not cols:
            return 0.0
        return sm.OLS(y, sm.add_constant(x[:, sorted(cols)])).fit().rsquared

    k = x.shape[1]
    cache: dict[frozenset, float] = {}
    total = np.zeros(k)
    orders = list(permutations(range(k)))
    for order in orders:
        for pos, j in enumerate(order):
            for s in (frozenset(order[:pos]), frozenset(order[:pos + 1])):
                if s not in cache:
                    cache[s] = r2(s)
            total[j] += cache[frozenset(order[:pos + 1])] - cache[frozenset(order[:pos])]
    return total / len(orders)


def johnson_from_data(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Johnson (2000) on the data matrix, as the paper describes it: Z = P Q' from the SVD of
    the standardized X = P D Q' (the orthonormal matrix closest to X), beta = regression of y
    on Z, Lambda = regression of X on Z, weight_j = sum_k Lambda_jk² beta_k²."""
    n = len(y)
    xs = (x - x.mean(0)) / x.std(0)
    ys = (y - y.mean()) / y.std()
    p, _, qt = np.linalg.svd(xs / np.sqrt(n), full_matrices=False)
    z = p @ qt * np.sqrt(n)
    beta = np.linalg.lstsq(z, ys, rcond=None)[0]
    lam = np.linalg.lstsq(z, xs, rcond=None)[0]   # (k, k): X_j on Z
    return (lam.T ** 2) @ (beta ** 2)


@pytest.fixture(scope="module")
def swiss():
    d = pd.read_csv(SWISS)
    return d.iloc[:, 2:].to_numpy(float), d["Fertility"].to_numpy(float)


class TestSwiss:
    """R's ``swiss`` data (47 provinces; the example of Grömping 2006, JSS 17(1), relaimpo):
    Fertility on its five socio-economic indicators."""

    def test_r2_and_coefficients_are_statsmodels(self, swiss):
        x, y = swiss
        got = shares(x, y)
        fit = sm.OLS(y, sm.add_constant(x)).fit()
        assert got["r2"] == pytest.approx(fit.rsquared, abs=1e-12)
        assert got["r2"] == pytest.approx(0.7067, abs=5e-5)  # relaimpo's 70.67 %
        std_beta = fit.params[1:] * x.std(0, ddof=1) / y.std(ddof=1)
        np.testing.assert_allclose(got["beta"], std_beta, atol=1e-12)

    def test_shapley_is_lmg_by_its_definition(self, swiss):
        x, y = swiss
        np.testing.assert_allclose(shares(x, y)["shapley"], lmg_by_orderings(x, y), atol=1e-12)

    def test_relative_weights_are_johnsons_on_the_data(self, swiss):
        x, y = swiss
        np.testing.assert_allclose(shares(x, y)["rw"], johnson_from_data(x, y), atol=1e-12)

    def test_both_sum_to_r2(self, swiss):
        got = shares(*swiss)
        assert got["rw"].sum() == pytest.approx(got["r2"], abs=1e-12)
        assert got["shapley"].sum() == pytest.approx(got["r2"], abs=1e-12)
        assert (got["rw"] > 0).all() and (got["shapley"] > 0).all()


class TestAttitude:
    """R's ``attitude`` data (Chatterjee & Price, *Regression Analysis by Example*: 30
    departments, the rating of their supervisor and six survey scores) and the peer's printed
    numbers: the README of the R package dominanceanalysis (clbustos/dominanceAnalysis,
    ``dominanceAnalysis(lm(rating ~ ., attitude))``), its general dominance ("average
    contribution", the Shapley value of R²) to 9 decimals and its subset R²s to 3."""

    GENERAL = {"complaints": 0.370816194, "privileges": 0.050903793, "learning": 0.155765990,
               "raises": 0.120345079, "critical": 0.006588723, "advance": 0.028182213}
    #: Subsets (by column) and their printed R².
    FITS = {("complaints",): 0.681, ("complaints", "learning"): 0.708,
            ("learning", "raises", "advance"): 0.552,
            ("privileges", "learning", "raises", "critical", "advance"): 0.564,
            ("complaints", "privileges", "learning", "raises", "critical", "advance"): 0.733}

    @pytest.fixture
    def data(self):
        d = pd.read_csv(ATTITUDE)
        return d[list(self.GENERAL)].to_numpy(float), d["rating"].to_numpy(float)

    def test_shapley_is_the_peers_general_dominance(self, data):
        got = shares(*data)["shapley"]
        np.testing.assert_allclose(got, list(self.GENERAL.values()), rtol=0, atol=5e-10)

    def test_subset_r2_is_the_peers(self, data):
        x, y = data
        corr = weighted_correlation(np.column_stack([x, y]))
        r2 = subset_r2(corr[None, :6, :6], corr[None, :6, 6])[0]
        names = list(self.GENERAL)
        for subset, value in self.FITS.items():
            mask = sum(1 << names.index(n) for n in subset)
            assert r2[mask] == pytest.approx(value, abs=5e-4), subset


class TestMtcars:
    """R's ``mtcars`` and the peer's printed relative weights: the README of the R package rwa
    (martinctc/rwa, ``rwa(mtcars, outcome = "mpg", predictors = c("cyl", "disp", "hp",
    "gear"))``), raw relative weights and R² as R prints them (7 significant digits)."""

    RAW = {"cyl": 0.2284797, "disp": 0.2221469, "hp": 0.2321744, "gear": 0.0963886}

    def test_relative_weights_are_the_peers(self):
        d = pd.read_csv(MTCARS)
        got = shares(d[list(self.RAW)].to_numpy(float), d["mpg"].to_numpy(float))
        np.testing.assert_allclose(got["rw"], list(self.RAW.values()), rtol=0, atol=5e-8)
        assert got["r2"] == pytest.approx(0.7791896, abs=5e-8)


def test_orthogonal_drivers_share_their_squared_correlations():
    rng = np.random.default_rng(3)
    n, k = 400, 4
    x = np.linalg.qr(rng.normal(size=(n, k)) - rng.normal(size=(n, k)).mean(0))[0]
    x -= x.mean(0)
    x = np.linalg.qr(x)[0]  # exactly orthogonal, centred columns
    y = x @ np.array([3.0, 2.0, 1.0, 0.5]) + rng.normal(size=n) * 0.05
    got = shares(x, y)
    r = np.array([np.corrcoef(x[:, j], y)[0, 1] for j in range(k)])
    np.testing.assert_allclose(got["rw"], r ** 2, atol=1e-9)
    np.testing.assert_allclose(got["shapley"], r ** 2, atol=1e-9)


def test_two_drivers_closed_form():
    """With two drivers LMG_1 = [r1² + (R² - r2²)] / 2 (its two orders), and R² = (r1² + r2² -
    2 r1 r2 r12) / (1 - r12²)."""
    r1, r2, r12 = 0.6, 0.3, 0.5
    corr = np.array([[1, r12, r1], [r12, 1, r2], [r1, r2, 1.0]])
    v = all_methods(corr[None])[0]
    big = (r1 ** 2 + r2 ** 2 - 2 * r1 * r2 * r12) / (1 - r12 ** 2)
    assert v[0] == pytest.approx(big, abs=1e-12)
    assert v[5] == pytest.approx((r1 ** 2 + big - r2 ** 2) / 2, abs=1e-12)
    assert v[6] == pytest.approx((r2 ** 2 + big - r1 ** 2) / 2, abs=1e-12)


def test_subset_r2_against_regressions():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(300, 5)) @ rng.normal(size=(5, 5))
    y = x @ rng.normal(size=5) + rng.normal(size=300) * 3
    corr = weighted_correlation(np.column_stack([x, y]))
    r2 = subset_r2(corr[None, :5, :5], corr[None, :5, 5], block=50)[0]  # tiny blocks too
    for mask in (1, 6, 13, 22, 31):
        cols = [j for j in range(5) if mask >> j & 1]
        assert r2[mask] == pytest.approx(sm.OLS(y, sm.add_constant(x[:, cols])).fit().rsquared,
                                         abs=1e-10)


def test_case_weights_are_duplicated_rows():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(120, 3)) @ np.array([[1, 0.4, 0.2], [0, 1, 0.5], [0, 0, 1.0]])
    y = x.sum(1) + rng.normal(size=120)
    w = rng.integers(1, 4, size=120)
    weighted = shares(x, y, w.astype(float))
    repeated = shares(np.repeat(x, w, axis=0), np.repeat(y, w))
    for key in ("r2", "beta", "rw", "shapley"):
        np.testing.assert_allclose(weighted[key], repeated[key], atol=1e-12)


def test_batched_equals_one_by_one():
    rng = np.random.default_rng(11)
    mats = []
    for _ in range(4):
        x = rng.normal(size=(80, 5))
        x[:, 1] += x[:, 0]
        mats.append(weighted_correlation(np.column_stack([x, x @ rng.normal(size=5)
                                                          + rng.normal(size=80)])))
    mats = np.array(mats)
    batch = all_methods(mats)
    for b in range(4):
        np.testing.assert_allclose(batch[b], all_methods(mats[b:b + 1])[0], atol=1e-13)
    rxx, rxy = mats[:, :5, :5], mats[:, :5, 5]
    np.testing.assert_allclose(relative_weights(rxx, rxy).sum(1), batch[:, 0], atol=1e-12)
    np.testing.assert_allclose(shapley_shares(subset_r2(rxx, rxy)).sum(1), batch[:, 0],
                               atol=1e-12)


def test_singular_matrix_gives_nan_not_numbers():
    x = np.random.default_rng(1).normal(size=(50, 2))
    data = np.column_stack([x, x[:, 0] + x[:, 1], x.sum(1) + 1])  # third driver = sum
    assert np.isnan(all_methods(weighted_correlation(data)[None])[0]).all()
