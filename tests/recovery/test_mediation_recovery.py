"""Mediation on data simulated from a known population: the interval covers the true indirect
effect and the type (Zhao, Lynch & Chen 2010) is the population's.

Three designs of x -> m -> y with a = b = 0.5, so the true indirect effect is 0.25:
full mediation (the model has x -> y, the population's is 0), competitive mediation (the
population's x -> y is -0.3, against the positive indirect effect) and a model without x -> y
("indirect only by design").

PLS: one item per construct, the latent score itself, so that the composite is the latent and
the population's PLS paths are its standardized paths (with several reflective items PLS
converges to attenuated values instead; tests/recovery/test_pls_recovery.py). CB-SEM: three
items per construct with equal loadings, so that the unstandardized paths (marker loadings 1)
equal the standardized ones and 0.25 is the truth of both metrics.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey.analysis.mediation import mediation
from survey.estimators import estimate_model
from survey.estimators.bootstrap import BootstrapSettings
from survey.simulate import Population, latent_scores

A = B = 0.5
TRUE_INDIRECT = A * B
DESIGNS = {
    "full": {("x", "m"): A, ("m", "y"): B, ("x", "y"): 0.0},
    "competitive": {("x", "m"): A, ("m", "y"): B, ("x", "y"): -0.3},
}
N = 500


def draw(bound, paths, items: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    eta = latent_scores(bound, Population(paths=paths), N, rng)
    if items == 1:  # the latent itself
        return pd.DataFrame({f"{c}1": 4 + eta[c] for c in "xmy"})
    return pd.DataFrame({f"{c}{k}": 4 + 0.8 * eta[c] + 0.6 * rng.standard_normal(N)
                         for c in "xmy" for k in range(1, items + 1)})


def model(make_bound, paths, items: int):
    blocks = {c: [f"{c}{k}" for k in range(1, items + 1)] for c in "xmy"}
    return make_bound(blocks, list(paths))  # the last path's effect, y, is the target


@pytest.mark.parametrize("interval", ["percentile", "bca"])
@pytest.mark.parametrize("design", list(DESIGNS))
def test_pls_interval_covers_the_true_indirect_effect_and_the_type_is_right(
        make_bound, design, interval):
    paths = DESIGNS[design]
    bound = model(make_bound, paths, items=1)
    est = estimate_model("pls", bound, draw(bound, paths, 1, seed=5),
                         bootstrap=BootstrapSettings(1000, seed=3), interval=interval)
    result = mediation(bound.model, est)
    (x,) = result.effects
    assert x.chain == ("x", "m", "y")
    assert x.ci_low <= TRUE_INDIRECT <= x.ci_high
    assert x.ci_low > 0 and x.significant
    truth = paths[("x", "y")]
    assert x.direct_ci_low <= truth <= x.direct_ci_high
    assert x.type == design
    if design == "competitive":
        assert x.direct_ci_high < 0 and x.direct_significant
    else:
        assert not x.direct_significant


@pytest.mark.parametrize("bootstrap", [None, 200])
@pytest.mark.parametrize("design", list(DESIGNS))
def test_cbsem_interval_covers_the_true_indirect_effect_and_the_type_is_right(
        make_bound, design, bootstrap):
    paths = DESIGNS[design]
    bound = model(make_bound, paths, items=3)
    settings = None if bootstrap is None else BootstrapSettings(bootstrap, seed=3)
    est = estimate_model("cbsem", bound, draw(bound, paths, 3, seed=5), bootstrap=settings)
    result = mediation(bound.model, est)
    assert result.inference == ("delta" if bootstrap is None else "bootstrap")
    (x,) = result.effects
    assert x.ci_low <= TRUE_INDIRECT <= x.ci_high
    assert x.std_estimate == pytest.approx(TRUE_INDIRECT, abs=0.05)
    assert x.type == design


def test_without_the_direct_path_the_type_says_indirect_only_by_design(make_bound):
    paths = {("x", "m"): A, ("m", "y"): B}
    bound = model(make_bound, paths, items=1)
    est = estimate_model("pls", bound, draw(bound, paths, 1, seed=8),
                         bootstrap=BootstrapSettings(1000, seed=3))
    (x,) = mediation(bound.model, est).effects
    assert x.ci_low <= TRUE_INDIRECT <= x.ci_high
    assert x.direct is None and x.direct_significant is None and not x.has_direct_path
    assert x.type == "indirect_only_by_design"
    assert x.to_json()["direct_path"] is False
