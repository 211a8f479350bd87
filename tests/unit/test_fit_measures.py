"""EM moments and the FIML likelihood against closed forms on complete data."""

from __future__ import annotations

import numpy as np
import pytest

from survey.estimators.fit import em_moments, ml_fit_measures, normal_loglik


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    cov = np.array([[1.0, 0.5, 0.3], [0.5, 2.0, 0.4], [0.3, 0.4, 1.5]])
    return rng.multivariate_normal([1, 2, 3], cov, size=400)


def test_em_on_complete_data_is_sample_moments(data):
    mean, cov, _ = em_moments(data)
    assert np.allclose(mean, data.mean(axis=0))
    assert np.allclose(cov, np.cov(data, rowvar=False, bias=True))


def test_casewise_loglik_equals_closed_form_on_complete_data(data):
    mean, cov = data.mean(axis=0), np.cov(data, rowvar=False, bias=True)
    fit = ml_fit_measures(cov, cov, len(data), n_params=6)
    assert normal_loglik(data, mean, cov) == pytest.approx(fit["logl_saturated"], rel=1e-10)
    assert fit["chi2"] == pytest.approx(0.0, abs=1e-8)
    assert fit["cfi"] == 1.0 and fit["srmr"] == pytest.approx(0.0, abs=1e-12)


def test_em_with_missing_values_is_the_ml_maximum(data):
    x = data.copy()
    rng = np.random.default_rng(1)
    x[rng.random(x.shape) < 0.15] = np.nan
    x = x[~np.isnan(x).all(axis=1)]
    mean, cov, _ = em_moments(x)
    best = normal_loglik(x, mean, cov)
    # Any perturbation of the EM solution lowers the observed-data likelihood.
    for _ in range(5):
        d = rng.normal(scale=0.02, size=3)
        assert normal_loglik(x, mean + d, cov) < best
        e = np.diag(rng.uniform(0.95, 1.05, 3))
        assert normal_loglik(x, mean, e @ cov @ e) < best
