"""PLS-PM on data simulated from a known population: consistency and bootstrap coverage.

The population is a reflective model with known item correlations Sigma. PLS estimates
composites, so the value a sample estimate converges to is PLS applied to Sigma itself (the
"population PLS" parameters; for reflective data they are attenuated relative to the factor
model's paths, which is why the factor paths are not the target here). Large samples must
land on them; bootstrap intervals from small samples must cover them at about the nominal rate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey.estimators.bootstrap import BootstrapSettings
from survey.estimators.pls import compile_design, estimate_pls, pls_core

BLOCKS = {"x1": ["a1", "a2", "a3"], "x2": ["b1", "b2", "b3"], "y": ["c1", "c2", "c3"]}
PATHS = [("x1", "y"), ("x2", "y")]
LOADINGS = {"x1": (0.8, 0.7, 0.75), "x2": (0.85, 0.6, 0.7), "y": (0.8, 0.8, 0.7)}
PHI = 0.3             # corr(x1, x2)
BETA = (0.45, 0.30)   # factor-level paths into y


def population_sigma() -> np.ndarray:
    """Item correlations of the population: Lambda Phi Lambda' + Theta."""
    cov_x = np.array([[1, PHI], [PHI, 1]])
    b = np.array(BETA)
    cov_xy = cov_x @ b
    phi = np.eye(3)
    phi[:2, :2] = cov_x
    phi[:2, 2] = phi[2, :2] = cov_xy
    lam = np.zeros((9, 3))
    for k, c in enumerate(BLOCKS):
        lam[3 * k:3 * k + 3, k] = LOADINGS[c]
    sigma = lam @ phi @ lam.T
    np.fill_diagonal(sigma, 1.0)
    return sigma


def draw(n: int, rng: np.random.Generator) -> pd.DataFrame:
    x = rng.multivariate_normal(np.zeros(9), population_sigma(), size=n)
    return pd.DataFrame(4 + x, columns=[i for items in BLOCKS.values() for i in items])


@pytest.fixture(scope="module")
def bound(make_bound):
    return make_bound(BLOCKS, PATHS)


@pytest.fixture(scope="module")
def population(bound):
    core = pls_core(population_sigma()[None], compile_design(bound))
    names = bound.constructs
    return {(a, b): float(core.beta[0, names.index(a), names.index(b)]) for a, b in PATHS}


def test_large_sample_lands_on_population_pls(bound, population):
    # n = 400,000: a path's sampling SD is about 0.0016, so 0.005 is three of them.
    est = estimate_pls(bound, draw(400_000, np.random.default_rng(2)))
    errors = {p: est.path(*p).estimate - v for p, v in population.items()}
    print("PLS consistency errors (n = 400000):", {k: round(v, 4) for k, v in errors.items()})
    assert max(abs(e) for e in errors.values()) < 0.005
    # And the composite paths are attenuated relative to the factor paths, as theory says.
    assert all(v < b for v, b in zip(population.values(), BETA, strict=True))


@pytest.mark.slow
def test_bootstrap_intervals_cover_at_about_the_nominal_rate(bound, population):
    rng = np.random.default_rng(20261125)
    replications, hits = 200, {"percentile": 0, "bca": 0}
    total = 0
    for rep in range(replications):
        # BCa asked for: the percentile bounds come with it, the jackknife only with BCa.
        est = estimate_pls(bound, draw(300, rng),
                           bootstrap=BootstrapSettings(399, seed=rep), interval="bca")
        table = est.bootstrap.table().set_index(["kind", "a", "b"])
        for (a, b), truth in population.items():
            row = table.loc[("path", a, b)]
            hits["percentile"] += row.pct_low <= truth <= row.pct_high
            hits["bca"] += row.bca_low <= truth <= row.bca_high
            total += 1
    rates = {k: v / total for k, v in hits.items()}
    print(f"95 % bootstrap coverage over {total} intervals: {rates}")
    for rate in rates.values():
        assert 0.90 <= rate <= 0.985
