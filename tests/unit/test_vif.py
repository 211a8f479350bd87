"""The variance inflation factors of the regression method, from one inverted correlation
matrix, equal statsmodels' one-regression-per-column ``variance_inflation_factor``."""

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
    # The three columns of the exact dependency are unbounded, the fourth is not.
    assert (ours[[0, 1, 3]] > 1e10).all() and ours[2] == pytest.approx(1, abs=0.1)
    assert ours == pytest.approx(theirs, rel=1e-9)
