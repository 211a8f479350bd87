"""Model comparison on data simulated from a known population.

The population is a chain a -> b -> c (paths 0.5 and 0.4) with no a -> c path; the rival
model adds a -> c, a path that is zero in the population. Continuous normal data, so the ML
test's assumptions hold: for PLS three items per construct (loadings 0.8); for the CB-SEM
test one item per construct (the latent itself: a path analysis, whose fits are cheap enough
for twenty seeds; the latent-variable models' nestedness is tested in tests/unit).

* PLS: BIC and GM of c's equation pick the true chain over the rival in most seeds (the rival
  gains R² by chance only; BIC charges log n = 5.7 for its extra coefficient).
* CB-SEM: under that null the likelihood-ratio p-value of the chain against the rival is
  uniform: over the seeds, a Kolmogorov-Smirnov test does not reject uniformity and about 5 %
  fall below 0.05. With a real a -> c path (0.3) the test rejects in every seed.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from survey.analysis.model_selection import compare_models

BLOCKS = {"a": ["a1", "a2", "a3"], "b": ["b1", "b2", "b3"], "c": ["c1", "c2", "c3"]}


def draw(seed: int, n: int, direct: float = 0.0, items: int = 3) -> pd.DataFrame:
    """a -> b (0.5), b -> c (0.4), a -> c (``direct``): standardized latents, ``items`` items
    each (one: the latent itself)."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(n)
    b = 0.5 * a + math.sqrt(1 - 0.25) * rng.standard_normal(n)
    explained = 0.4 ** 2 + direct ** 2 + 2 * 0.4 * direct * 0.5
    c = 0.4 * b + direct * a + math.sqrt(1 - explained) * rng.standard_normal(n)
    cols = {}
    for name, eta in (("a", a), ("b", b), ("c", c)):
        if items == 1:
            cols[f"{name}1"] = eta
            continue
        for k in range(1, items + 1):
            cols[f"{name}{k}"] = 0.8 * eta + 0.6 * rng.standard_normal(n)
    return pd.DataFrame(cols)


def _pair(make_bound, blocks):
    chain = make_bound(blocks, [("a", "b"), ("b", "c")])
    chain = replace(chain, model=replace(chain.model, id="chain"))
    rival = make_bound(blocks, [("a", "b"), ("b", "c"), ("a", "c")])
    rival = replace(rival, model=replace(rival.model, id="rival"),
                    questionnaire=chain.questionnaire)
    return chain, rival


@pytest.fixture(scope="module")
def pair(make_bound):
    return _pair(make_bound, BLOCKS)


@pytest.fixture(scope="module")
def observed_pair(make_bound):
    return _pair(make_bound, {c: [f"{c}1"] for c in BLOCKS})


def test_bic_and_gm_pick_the_true_model_in_most_seeds(pair):
    seeds = range(101, 109)
    picks = {"bic": 0, "gm": 0}
    for seed in seeds:
        result = compare_models(list(pair), draw(seed, 300), method="pls", target="c")
        for criterion in picks:
            picks[criterion] += result.selected[criterion] == "chain"
    print(f"true model picked in {picks} of {len(seeds)} seeds")
    assert picks["bic"] >= 7 and picks["gm"] >= 7


def test_the_lr_tests_p_is_uniform_under_the_null(observed_pair):
    p_values = []
    for seed in range(201, 221):
        result = compare_models(list(observed_pair), draw(seed, 200, items=1),
                                method="cbsem")
        (test,) = result.tests
        assert (test.restricted, test.general, test.df) == ("chain", "rival", 1)
        p_values.append(test.p_value)
    ks = stats.kstest(p_values, "uniform")
    print(f"p-values {np.round(sorted(p_values), 3)}; KS p = {ks.pvalue:.3f}")
    assert ks.pvalue > 0.05
    # About one in twenty below 0.05 (binomial(20, 0.05): 4 or more has probability 1.6 %).
    assert sum(p < 0.05 for p in p_values) <= 3


def test_the_lr_test_finds_a_real_path(observed_pair):
    for seed in range(301, 303):
        (test,) = compare_models(list(observed_pair), draw(seed, 200, direct=0.3, items=1),
                                 method="cbsem").tests
        assert test.p_value < 0.001
