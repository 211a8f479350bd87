"""Specific indirect effects (survey.analysis.mediation) against closed forms.

- the chains of a model: their number is sum_k (A^k)[cause, effect] over k >= 2 for the
  adjacency matrix A (a walk of length k in a DAG is a chain of k paths);
- (a) each specific indirect effect is the product of its chain's path estimates;
- (b) the specific indirect effects from a cause to an effect sum to the total minus the direct
  effect of survey.estimators.effects.total_effects (and of ``Estimate.effects``), to 1e-10,
  for the point estimates and, where the bootstrap carries total effects, in every resample;
- (d) the bootstrap's inference: the per-resample indirect effects are the products of the
  path draws of the same resample (recomputed here), the percentile bounds are numpy's
  quantiles of them, the SE their standard deviation, p Student t's with n - 1 df, and the BCa
  bounds Efron's (1987) formula applied here by hand to them and to the products of the
  jackknife's paths;
- the delta method (Sobel 1982) of CB-SEM without a bootstrap by its formula, a fixed path
  (no draws, no standard error) as a constant, and inference withheld without a bootstrap.

The data are drawn from a known population model (survey.simulate.latent_scores); the models
are small so that every estimate, bootstrap included, takes a fraction of a second.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from survey.analysis.mediation import (
    TYPES,
    chains,
    indirect_bootstrap,
    links,
    mediation,
    mediation_type,
)
from survey.estimators import estimate_model
from survey.estimators.bootstrap import MIN_USABLE, BootstrapSettings
from survey.estimators.effects import total_effects
from survey.pathmodel import FixedParameter, Parameter, load_model
from survey.simulate import Population, latent_scores

#: a -> b -> c -> d with every shortcut but a -> d: three chains from a to d, one by design.
BLOCKS = {x: [f"{x}{k}" for k in (1, 2, 3)] for x in "abcd"}
POPULATION = {("a", "b"): 0.5, ("a", "c"): 0.2, ("b", "c"): 0.4, ("b", "d"): 0.3,
              ("c", "d"): 0.35}
N = 300


def simulate(bound, paths, n: int, seed: int, loading: float = 0.8) -> pd.DataFrame:
    """Items 4 + loading * latent + noise (unit variance) of latents drawn from ``paths``."""
    rng = np.random.default_rng(seed)
    eta = latent_scores(bound, Population(paths=paths), n, rng)
    noise = math.sqrt(1 - loading ** 2)
    return pd.DataFrame({item: 4 + loading * eta[c] + noise * rng.standard_normal(n)
                         for c, items in bound.measurement for item in items})


@pytest.fixture(scope="module")
def bound(make_bound):
    return make_bound(BLOCKS, list(POPULATION))


@pytest.fixture(scope="module")
def data(bound):
    return simulate(bound, POPULATION, N, seed=11)


@pytest.fixture(scope="module")
def pls(bound, data):
    return estimate_model("pls", bound, data, bootstrap=BootstrapSettings(MIN_USABLE, seed=4),
                          interval="bca")


@pytest.fixture(scope="module")
def cbsem_wald(bound, data):
    return estimate_model("cbsem", bound, data)


@pytest.fixture(scope="module")
def cbsem_boot(bound, data):
    return estimate_model("cbsem", bound, data, bootstrap=BootstrapSettings(MIN_USABLE, seed=4))


def path_matrix(est, attribute: str, latents) -> np.ndarray:
    """B[cause, effect] of the estimate's paths."""
    b = np.zeros((len(latents), len(latents)))
    for p in est.paths:
        b[latents.index(p.source), latents.index(p.target)] = getattr(p, attribute)
    return b


# --------------------------------------------------------------------------- the chains


@pytest.mark.parametrize("name", ["ccsi", "acsi", "ecsi"])
def test_chains_are_every_walk_of_two_paths_or_more(root, name):
    model = load_model(root / "models" / f"{name}.yaml")
    latents = list(model.latents)
    adjacency = np.zeros((len(latents), len(latents)), int)
    for a, b in model.paths:
        adjacency[latents.index(a), latents.index(b)] = 1
    walks = np.zeros_like(adjacency)
    power = adjacency.copy()
    for _ in range(len(latents)):
        power = power @ adjacency
        walks += power  # walks of length 2, 3, ...
    found = chains(model)
    assert len(found) == len(set(found)) == walks.sum()
    for chain in found:
        assert len(chain) >= 3 and set(links(chain)) <= set(model.paths)
    counted = {}
    for c in found:
        counted[(c[0], c[-1])] = counted.get((c[0], c[-1]), 0) + 1
    assert counted == {(latents[i], latents[j]): int(walks[i, j])
                       for i, j in zip(*np.nonzero(walks), strict=True)}
    # CCSI: five antecedents, every earlier to every later one, plus satisfaction -> loyalty.
    if name == "ccsi":
        assert len(found) == 31
        assert counted[("image", "satisfaction")] == 7 and counted[("image", "loyalty")] == 8


def test_zhao_lynch_chen_types():
    assert mediation_type(True, False, 0.2, 0.05) == "full"
    assert mediation_type(True, True, 0.2, 0.3) == "complementary"
    assert mediation_type(True, True, -0.2, -0.3) == "complementary"
    assert mediation_type(True, True, 0.2, -0.3) == "competitive"
    assert mediation_type(False, True, 0.01, 0.3) == "direct_only"
    assert mediation_type(False, False, 0.01, 0.02) == "no_effect"
    assert mediation_type(True, None, 0.2, None) == "indirect_only_by_design"
    assert mediation_type(False, None, 0.01, None) == "no_effect_by_design"
    assert mediation_type(None, True, 0.2, 0.3) == "untested"
    assert mediation_type(True, None, 0.2, 0.3) == "untested"  # a direct path without interval
    assert set(TYPES) == {"full", "complementary", "competitive", "direct_only", "no_effect",
                          "indirect_only_by_design", "no_effect_by_design", "untested"}


# --------------------------------------------------------------------------- (a) and (b)


@pytest.mark.parametrize("which", ["pls", "cbsem_wald", "cbsem_boot"])
def test_products_and_their_sums_are_the_indirect_effects(bound, which, request):
    est = request.getfixturevalue(which)
    result = mediation(bound.model, est)
    latents = list(bound.model.latents)
    assert [x.chain for x in result.effects] == chains(bound.model)
    # (a) the product of the chain's path estimates.
    for x in result.effects:
        steps = [est.path(a, b) for a, b in links(x.chain)]
        assert x.estimate == pytest.approx(math.prod(p.estimate for p in steps), abs=1e-15)
        assert x.std_estimate == pytest.approx(math.prod(p.std_estimate for p in steps),
                                               abs=1e-15)
        direct = {(p.source, p.target): p.estimate for p in est.paths}.get((x.cause, x.effect))
        assert x.direct == direct and x.has_direct_path == (direct is not None)
    # (b) summed per cause and effect: total minus direct, in both metrics.
    for attribute, field in (("estimate", "estimate"), ("std_estimate", "std_estimate")):
        b = path_matrix(est, attribute, latents)
        indirect = total_effects(b) - b
        sums = np.zeros_like(b)
        for x in result.effects:
            sums[latents.index(x.cause), latents.index(x.effect)] += getattr(x, field)
        np.testing.assert_allclose(sums, indirect, rtol=0, atol=1e-10)
    # ... and the estimate's own effects table (standardized for CB-SEM).
    effects = {(e.source, e.target): e.indirect for e in est.effects}
    for (cause, effect), value in effects.items():
        mine = sum(x.std_estimate for x in result.effects
                   if (x.cause, x.effect) == (cause, effect))
        assert mine == pytest.approx(value, abs=1e-10)
    # a -> d has three chains and no direct path: judged "by design".
    to_d = [x for x in result.effects if (x.cause, x.effect) == ("a", "d")]
    assert len(to_d) == 3
    assert {x.type for x in to_d} <= {"indirect_only_by_design", "no_effect_by_design"}


# --------------------------------------------------------------------------- (d) the bootstrap


def test_bootstrap_draws_are_products_of_the_path_draws_and_the_bounds_their_quantiles(bound,
                                                                                    pls):
    boot = pls.bootstrap
    found = chains(bound.model)
    column = {label: k for k, label in enumerate(boot.labels)}
    by_hand = np.column_stack([
        np.prod([boot.draws[:, column[("path", a, b)]] for a, b in links(c)], axis=0)
        for c in found])
    indirect = indirect_bootstrap(boot, pls, found)
    assert indirect.draws.shape == (boot.n_ok, len(found)) == by_hand.shape
    np.testing.assert_allclose(indirect.draws, by_hand, rtol=1e-15, atol=0)
    jack_by_hand = np.column_stack([
        np.prod([boot.jackknife[:, column[("path", a, b)]] for a, b in links(c)], axis=0)
        for c in found])
    np.testing.assert_allclose(indirect.jackknife, jack_by_hand, rtol=1e-15, atol=0)

    result = mediation(bound.model, pls)
    level = boot.settings.level
    alpha = 1 - level
    low, high = np.quantile(by_hand, [alpha / 2, 1 - alpha / 2], axis=0)
    for j, x in enumerate(result.effects):
        assert x.pct_low == pytest.approx(low[j], abs=1e-14)
        assert x.pct_high == pytest.approx(high[j], abs=1e-14)
        se = np.std(by_hand[:, j], ddof=1)
        assert x.se == pytest.approx(se, rel=1e-12)
        assert x.p_value == pytest.approx(2 * stats.t.sf(abs(x.estimate / se), boot.n - 1),
                                          rel=1e-9, abs=1e-300)
        # BCa (Efron 1987) by hand: z0 from the share of draws below the estimate, the
        # acceleration from the jackknife products' skewness.
        d, jk = by_hand[:, j], jack_by_hand[:, j]
        z0 = stats.norm.ppf((np.sum(d < x.estimate) + 0.5 * np.sum(d == x.estimate)) / d.size)
        dev = jk.mean() - jk
        a = np.sum(dev ** 3) / (6 * np.sum(dev ** 2) ** 1.5)
        bounds = []
        for z in stats.norm.ppf([alpha / 2, 1 - alpha / 2]):
            bounds.append(np.quantile(d, stats.norm.cdf(z0 + (z0 + z) / (1 - a * (z0 + z)))))
        assert (x.bca_low, x.bca_high) == pytest.approx(tuple(bounds), abs=1e-12)
        # The estimate's interval is BCa: it is the one the rule reads.
        assert (x.ci_low, x.ci_high) == (x.bca_low, x.bca_high)
        assert x.significant == (x.ci_low > 0 or x.ci_high < 0)
        direct = {(p.source, p.target): p for p in pls.paths}.get((x.cause, x.effect))
        if direct is not None:
            assert x.direct_significant == (direct.ci_low > 0 or direct.ci_high < 0)
    assert result.inference == "bootstrap" and result.interval == "bca"
    assert result.rule == "significant when the 95% BCa bootstrap interval excludes 0"
    assert result.p_df == boot.n - 1 == N - 1
    assert result.to_json()["resamples"] == MIN_USABLE


@pytest.mark.parametrize("which", ["pls", "cbsem_boot"])
def test_in_every_resample_the_chains_sum_to_total_minus_direct(bound, which, request):
    """The bootstraps carry the total effects ("total", standardized): resample by resample,
    the products of the (standardized) path draws of a cause's chains to an effect add up to
    its total effect minus its direct path."""
    est = request.getfixturevalue(which)
    boot = est.bootstrap
    column = {label: k for k, label in enumerate(boot.labels)}
    kind = "path" if which == "pls" else "std_path"
    found = chains(bound.model)
    pairs = {(c[0], c[-1]) for c in found}
    for cause, effect in pairs:
        chained = sum(np.prod([boot.draws[:, column[(kind, a, b)]] for a, b in links(c)],
                              axis=0) for c in found if (c[0], c[-1]) == (cause, effect))
        direct = (boot.draws[:, column[(kind, cause, effect)]]
                  if (kind, cause, effect) in column else 0.0)
        total = boot.draws[:, column[("total", cause, effect)]]
        np.testing.assert_allclose(chained, total - direct, rtol=0, atol=1e-10)


def test_cbsem_bootstrap_is_on_the_unstandardized_paths(bound, cbsem_boot):
    result = mediation(bound.model, cbsem_boot)
    boot = cbsem_boot.bootstrap
    column = {label: k for k, label in enumerate(boot.labels)}
    assert result.inference == "bootstrap" and result.interval == "percentile"
    for x in result.effects:
        draws = np.prod([boot.draws[:, column[("path", a, b)]] for a, b in links(x.chain)],
                        axis=0)
        low, high = np.quantile(draws, [0.025, 0.975])
        assert (x.ci_low, x.ci_high) == pytest.approx((low, high), abs=1e-14)
        assert x.bca_low is None and x.bca_high is None  # the estimate's interval is percentile


# --------------------------------------------------------------------------- delta method


def test_cbsem_without_bootstrap_uses_the_delta_method_and_says_so(bound, cbsem_wald):
    result = mediation(bound.model, cbsem_wald)
    assert result.inference == "delta" and result.interval == "delta"
    assert result.to_json()["delta_method"] is True
    assert "Sobel" in result.p_value_rule and "delta-method" in result.rule
    z = stats.norm.ppf(0.975)
    for x in result.effects:
        steps = [cbsem_wald.path(a, b) for a, b in links(x.chain)]
        if len(steps) == 2:  # Sobel's formula: sqrt(b² SE_a² + a² SE_b²)
            (a, b) = steps
            se = math.sqrt(b.estimate ** 2 * a.se ** 2 + a.estimate ** 2 * b.se ** 2)
        else:
            se = math.sqrt(sum((math.prod(q.estimate for q in steps if q is not p) * p.se) ** 2
                               for p in steps))
        assert x.se == pytest.approx(se, rel=1e-12)
        assert x.p_value == pytest.approx(2 * stats.norm.sf(abs(x.estimate) / se), rel=1e-9)
        assert (x.ci_low, x.ci_high) == pytest.approx((x.estimate - z * se,
                                                       x.estimate + z * se), rel=1e-12)
        assert x.pct_low is None and x.bca_low is None


def test_a_fixed_path_is_a_constant_of_the_chain(make_bound):
    """A path the model fixes has no bootstrap draws and no standard error: its chains' draws
    are the other paths' draws times its value, and its delta-method variance is 0."""
    blocks = {x: [f"{x}{k}" for k in (1, 2, 3)] for x in "xmy"}
    paths = {("x", "m"): 0.5, ("m", "y"): 0.5, ("x", "y"): 0.1}
    bound = make_bound(blocks, list(paths))
    fixed = FixedParameter(Parameter("->", "m", "y"), 0.5)
    bound = dataclasses.replace(bound, model=dataclasses.replace(bound.model, fixed=(fixed,)))
    data = simulate(bound, paths, 300, seed=2)
    wald = estimate_model("cbsem", bound, data)
    assert wald.path("m", "y").estimate == 0.5 and wald.path("m", "y").se is None
    (x,) = mediation(bound.model, wald).effects
    assert x.se == pytest.approx(0.5 * wald.path("x", "m").se, rel=1e-12)
    boot = estimate_model("cbsem", bound, data, bootstrap=BootstrapSettings(MIN_USABLE, seed=1))
    column = {label: k for k, label in enumerate(boot.bootstrap.labels)}
    assert ("path", "m", "y") not in column
    (x,) = mediation(bound.model, boot).effects
    draws = 0.5 * boot.bootstrap.draws[:, column[("path", "x", "m")]]
    assert x.se == pytest.approx(np.std(draws, ddof=1), rel=1e-12)
    assert (x.ci_low, x.ci_high) == pytest.approx(tuple(np.quantile(draws, [0.025, 0.975])),
                                                  abs=1e-14)


# --------------------------------------------------------------------------- no inference


def test_without_a_usable_bootstrap_only_the_estimates_are_given(bound, data):
    plain = estimate_model("pls", bound, data)
    few = estimate_model("pls", bound, data, bootstrap=BootstrapSettings(50, seed=1))
    assert few.inference == "none"
    for est, code in ((plain, "no_bootstrap"), (few, "bootstrap_unusable")):
        result = mediation(bound.model, est)
        assert result.inference == "none" and result.interval is None
        assert result.withheld == code and result.reason
        doc = result.to_json()
        assert doc["withheld"] == code and doc["significance"]["interval"] is None
        for x in result.effects:
            assert x.estimate == pytest.approx(
                math.prod(est.path(a, b).estimate for a, b in links(x.chain)), abs=1e-15)
            assert (x.se, x.p_value, x.ci_low, x.ci_high, x.pct_low, x.bca_low) == (None,) * 6
            assert x.significant is None and x.direct_significant is None
            assert x.type == "untested"
