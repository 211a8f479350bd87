"""Driver triangulation on data simulated from a known population (survey.analysis.triangulation):
the shares of R² computed from the population correlation matrix are what the estimates
converge to, the bootstrap standard errors match the estimates' spread over repeated samples,
and the percentile intervals cover the population values at about their level; survey weights
(a sample drawn with unequal probabilities and weighted back) recover the population too."""

from __future__ import annotations

import numpy as np
import pytest

from survey.analysis.triangulation import _Statistic, all_methods, weighted_correlation
from survey.estimators.bootstrap import BootstrapSettings, run_bootstrap

K = 4
#: Population: four correlated drivers and the outcome (last), positive definite.
DRIVERS = np.array([[1.0, 0.5, 0.3, 0.2],
                    [0.5, 1.0, 0.4, 0.1],
                    [0.3, 0.4, 1.0, 0.3],
                    [0.2, 0.1, 0.3, 1.0]])
BETA = np.array([0.35, 0.25, 0.15, 0.05])


def population() -> np.ndarray:
    cov = np.zeros((K + 1, K + 1))
    cov[:K, :K] = DRIVERS
    cov[:K, K] = cov[K, :K] = DRIVERS @ BETA
    cov[K, K] = 1.0
    return cov


TRUTH = all_methods(population()[None])[0]


def draw(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.multivariate_normal(np.zeros(K + 1), population(), size=n)


def boot(x: np.ndarray, w: np.ndarray, seed: int, resamples: int):
    point = all_methods(weighted_correlation(x, w)[None])[0]
    labels = [("stat", str(j), "") for j in range(point.size)]
    return run_bootstrap(_Statistic(x, w, True), labels, point, len(x),
                         BootstrapSettings(resamples, seed=seed), jackknife=False)


def test_population_identities():
    assert TRUTH[0] == pytest.approx(BETA @ DRIVERS @ BETA)
    np.testing.assert_allclose(TRUTH[1:1 + K], BETA, atol=1e-12)
    assert TRUTH[1 + K:1 + 2 * K].sum() == pytest.approx(TRUTH[0])
    assert TRUTH[1 + 2 * K:].sum() == pytest.approx(TRUTH[0])


def test_bootstrap_se_matches_the_spread_over_samples_and_intervals_cover():
    rng = np.random.default_rng(2026)
    n, reps = 400, 100
    estimates, ses, covered = [], [], []
    for r in range(reps):
        x = draw(rng, n)
        result = boot(x, np.ones(n), seed=r, resamples=200)
        table = result.table()
        estimates.append(result.estimate)
        ses.append(table["se"].to_numpy())
        covered.append((table["pct_low"] <= TRUTH) & (TRUTH <= table["pct_high"]))
    estimates, ses = np.array(estimates), np.array(ses)
    spread = estimates.std(axis=0, ddof=1)
    # The bootstrap SE estimates the sampling SD (within 20 %, every statistic).
    np.testing.assert_allclose(ses.mean(axis=0), spread, rtol=0.20)
    # The estimates centre on the population values (within 3 Monte Carlo SEs, R² and the
    # shares being slightly biased upward in small samples: allow 0.01 more).
    assert np.all(np.abs(estimates.mean(axis=0) - TRUTH) < 3 * spread / np.sqrt(reps) + 0.01)
    coverage = np.array(covered).mean(axis=0)
    assert 0.88 <= coverage.mean() <= 0.99, coverage


def test_survey_weights_recover_the_population():
    """Draw 20,000, keep respondents with probability depending on the outcome (0.8 above 0,
    0.2 below: the unweighted sample is biased), weight each by 1 / probability."""
    rng = np.random.default_rng(11)
    x = draw(rng, 20000)
    p = np.where(x[:, K] > 0, 0.8, 0.2)
    kept = rng.random(len(x)) < p
    x, w = x[kept], 1 / p[kept]
    weighted = all_methods(weighted_correlation(x, w)[None])[0]
    unweighted = all_methods(weighted_correlation(x)[None])[0]
    assert np.abs(weighted - TRUTH).max() < 0.02
    assert np.abs(unweighted - TRUTH).max() > 0.05  # the weights are what recovers it
