"""Consistent PLS on data simulated from a known common-factor population.

Population: x -> m (0.5), m -> y (0.4), x -> y (0.3), standardized latents; reflective items
``z = lambda * eta + sqrt(1 - lambda²) * e`` with unequal loadings (0.9 ... 0.6), so that the
population loadings and paths are the numbers a consistent estimator must recover (Dijkstra &
Henseler 2015, MIS Quarterly 39(2): PLSc is consistent for them; plain PLS is not, its paths
attenuated and its loadings inflated by the composites' measurement error).

* Closed form at large n: PLSc within sampling noise of the population (n = 20,000, SDs about
  0.007; tolerance 0.025, over 3 SDs), plain PLS off by more than its noise in the known
  direction (the population values of PLS's limits are 0.03-0.08 away).
* Inference: the PLSc bootstrap standard errors of one sample (n = 300, 1,000 resamples) against
  the Monte Carlo standard deviation of the PLSc estimates over 400 samples drawn from the same
  population (estimated in one batch through the PLS kernel and the correction).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey.estimators import estimate_model
from survey.estimators.bootstrap import BootstrapSettings
from survey.estimators.pls import compile_design, pls_core
from survey.estimators.plsc import correct

PATHS = {("x", "m"): 0.5, ("m", "y"): 0.4, ("x", "y"): 0.3}
LOADINGS = {"x": (0.9, 0.8, 0.7, 0.6), "m": (0.85, 0.75, 0.65), "y": (0.8, 0.8, 0.7)}


def latents(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    x = rng.standard_normal(n)
    m = PATHS[("x", "m")] * x + np.sqrt(1 - PATHS[("x", "m")] ** 2) * rng.standard_normal(n)
    b1, b2 = PATHS[("x", "y")], PATHS[("m", "y")]
    explained = b1 ** 2 + b2 ** 2 + 2 * b1 * b2 * PATHS[("x", "m")]
    y = b1 * x + b2 * m + np.sqrt(1 - explained) * rng.standard_normal(n)
    return {"x": x, "m": m, "y": y}


def draw(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    eta = latents(n, rng)
    return pd.DataFrame({f"{c}{k + 1}": 4 + lam * eta[c] + np.sqrt(1 - lam ** 2)
                         * rng.standard_normal(n)
                         for c, lams in LOADINGS.items() for k, lam in enumerate(lams)})


@pytest.fixture(scope="module")
def bound(make_bound):
    blocks = {c: [f"{c}{k + 1}" for k in range(len(lams))] for c, lams in LOADINGS.items()}
    return make_bound(blocks, [("x", "m"), ("x", "y"), ("m", "y")])


@pytest.fixture(scope="module")
def large(bound):
    data = draw(20_000, seed=42)
    return estimate_model("plsc", bound, data), estimate_model("pls", bound, data)


def test_plsc_recovers_the_population_paths_and_plain_pls_is_attenuated(large):
    plsc, pls = large
    for (a, b), truth in PATHS.items():
        assert abs(plsc.path(a, b).estimate - truth) < 0.025, (a, b)
    # Attenuation shows most on the path between two exogenous-free composites: x -> m.
    assert pls.path("x", "m").estimate < PATHS[("x", "m")] - 0.03
    assert abs(pls.path("x", "m").estimate - PATHS[("x", "m")]) > \
        3 * abs(plsc.path("x", "m").estimate - PATHS[("x", "m")])
    # R² of m is 0.25 in the population.
    assert abs(plsc.r2["m"] - 0.25) < 0.025 and pls.r2["m"] < 0.25 - 0.03
    assert plsc.admissible


def test_plsc_recovers_the_loadings_and_plain_pls_inflates_them(large):
    plsc, pls = large
    ours = {(x.latent, x.item): x.estimate for x in plsc.loadings}
    plain = {(x.latent, x.item): x.estimate for x in pls.loadings}
    for c, lams in LOADINGS.items():
        for k, lam in enumerate(lams):
            key = (c, f"{c}{k + 1}")
            assert abs(ours[key] - lam) < 0.025, key
            if lam <= 0.75:  # the weaker items: PLS loadings clearly above the truth
                assert plain[key] > lam + 0.03, key


def test_rho_a_is_the_population_reliability(large):
    # For PLSc's (consistent) weights, rho_A estimates the reliability of the composite,
    # (w'lambda)² / w'Sigma w with the population loadings (Dijkstra & Henseler 2015).
    plsc, _ = large
    rho = plsc.settings["plsc"]["rho_a"]
    w_by = {c: [] for c in LOADINGS}
    for w in plsc.weights:
        w_by[w.latent].append(w.estimate)
    for c, lams in LOADINGS.items():
        lam = np.array(lams)
        w = np.array(w_by[c])
        sigma = np.outer(lam, lam)
        np.fill_diagonal(sigma, 1.0)
        truth = (w @ lam) ** 2 / (w @ sigma @ w)
        assert abs(rho[c] - truth) < 0.02, c


def test_bootstrap_se_matches_the_monte_carlo_sd(bound):
    n, samples = 300, 400
    design = compile_design(bound)
    items = list(bound.items)
    rs = np.stack([np.corrcoef(draw(n, seed=1000 + s)[items].to_numpy(), rowvar=False)
                   for s in range(samples)])
    core = pls_core(rs, design)
    corr = correct(rs, core, design)
    ok = core.fail.ok & (corr.reason == "")
    assert ok.mean() > 0.99  # this population is far from inadmissible at n = 300
    pos = {c: k for k, c in enumerate(design.constructs)}
    est = estimate_model("plsc", bound, draw(n, seed=7),
                         bootstrap=BootstrapSettings(1000, seed=3))
    assert est.inference == "bootstrap"
    for (a, b) in PATHS:
        mc_sd = float(np.std(corr.beta[ok, pos[a], pos[b]], ddof=1))
        se = est.path(a, b).se
        # The MC SD of 400 samples is known to about 4 % and one sample's bootstrap SE to
        # about 5-10 %: 25 % is 2.5-3 of their joint SDs.
        assert abs(se / mc_sd - 1) < 0.25, (a, b, se, mc_sd)
        # The interval around the estimate covers the truth (95 % each; the seeds fixed).
        p = est.path(a, b)
        assert p.ci_low < PATHS[(a, b)] < p.ci_high
