"""The regression method against statsmodels: the variance inflation factors (one inverted
correlation matrix against one regression per column), the weighted least squares with HC3
standard errors, and Kendall's tau between two methods' orders against scipy."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.outliers_influence import variance_inflation_factor

from survey.analysis.methods import vif


def statsmodels_vif(x: np.ndarray) -> np.ndarray:
    exog = np.column_stack([np.ones(len(x)), x])
    return np.array([variance_inflation_factor(exog, k + 1) for k in range(x.shape[1])])


@pytest.mark.parametrize("p,rho", [(2, 0.0), (5, 0.6), (24, 0.9), (8, 0.99)])
def test_equal_to_statsmodels(p, rho):
    rng = np.random.default_rng(p)
    common = rng.normal(size=(400, 1))
    x = np.sqrt(rho) * common + np.sqrt(1 - rho) * rng.normal(size=(400, p))
    x = np.round(3 + 2 * x)  # rating-like values, ties included
    ours, theirs = vif(x), statsmodels_vif(x)
    assert ours == pytest.approx(theirs, rel=1e-9)
    assert (ours >= 1 - 1e-12).all()
    if rho >= 0.9:
        assert ours.max() > 2


@pytest.mark.filterwarnings("ignore:The design matrix is poorly conditioned")
@pytest.mark.filterwarnings("ignore:The design matrix is rank-deficient")
def test_exactly_collinear_columns_are_as_in_statsmodels():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(100, 3))
    x = np.column_stack([x, x[:, 0] + x[:, 1]])
    ours, theirs = vif(x), statsmodels_vif(x)
    # The three columns of the exact dependency are unbounded in both (inf here, 1e15 from
    # statsmodels' rounding: 1 / (1 - R²) with R² = 1 up to the last bit), the fourth is not
    # and is the same number.
    assert (ours[[0, 1, 3]] > 1e10).all() and (theirs[[0, 1, 3]] > 1e10).all()
    assert ours[2] == pytest.approx(theirs[2], rel=1e-9) and ours[2] == pytest.approx(1, abs=0.1)


@pytest.mark.parametrize("weighted", [False, True])
def test_least_squares_with_hc3_equals_statsmodels(weighted):
    """The regression method's fit (numpy) against statsmodels' WLS/OLS with HC3: every
    coefficient, robust SE, p-value, R² and adjusted R²."""
    import pandas as pd
    import statsmodels.api as sm

    from survey.analysis.methods import wls_hc3

    rng = np.random.default_rng(7)
    x = pd.DataFrame(np.round(5 + 2 * rng.normal(size=(300, 4))), columns=list("abcd"))
    y = pd.Series(1 + x @ [0.5, 0.2, 0.0, -0.3] + rng.standard_t(4, size=300), name="y")
    w = pd.Series(rng.uniform(0.2, 3, size=300)) if weighted else None
    exog = sm.add_constant(x, has_constant="add")
    model = sm.WLS(y, exog, weights=w) if weighted else sm.OLS(y, exog)
    theirs = model.fit(cov_type="HC3")
    ours = wls_hc3(y, x, w)
    for name in ("params", "bse", "pvalues"):
        assert getattr(ours, name).to_numpy() == pytest.approx(
            getattr(theirs, name).to_numpy(), rel=1e-9, abs=1e-13)
    assert ours.rsquared == pytest.approx(theirs.rsquared, rel=1e-10)
    assert ours.rsquared_adj == pytest.approx(theirs.rsquared_adj, rel=1e-10)


def test_kendall_tau_of_two_orders_equals_scipy():
    from scipy.stats import kendalltau

    from survey.analysis.methods import kendall_tau

    rng = np.random.default_rng(3)
    for n in (3, 5, 8, 12):
        a, b = rng.permutation(n), rng.permutation(n)
        assert kendall_tau(a, b) == pytest.approx(kendalltau(a, b).statistic, abs=1e-12)
    assert kendall_tau([0, 1, 2], [0, 1, 2]) == 1 and kendall_tau([0, 1, 2], [2, 1, 0]) == -1
