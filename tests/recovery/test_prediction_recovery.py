"""PLSpredict and CVPAT on data simulated from a known population.

Population: a chain of latents a -> b -> c (standardized, path beta), every item
x = lambda * latent + error (variance 1), the same loading within a block. With equal loadings
PLS's mode-A weights are equal within a block (by symmetry), so a block's composite is its item
sum; with p items rho = corr(composite, latent) = sqrt(p lambda² / (1 + (p - 1) lambda²)), and
an item's loading on its composite times rho is lambda. The population Q²_predict of an item
y of c (against its mean; the fitted quantities at their population values) follows:

- direct antecedents: y is predicted from b's composite, y_hat = lambda beta rho_b b_hat,
  which is y's projection on b_hat: Q² = (lambda beta rho_b)²;
- earliest antecedents: from a's composite through both paths,
  y_hat = lambda beta² rho_b² rho_a a_hat while corr(y, a_hat) = lambda beta² rho_a:
  Q² = (lambda beta² rho_a)² (2 rho_b² - rho_b⁴);
- LM (direct): y's population R² on b's items, c' S^-1 c with c = lambda beta lambda 1,
  S = (1 - lambda²) I + lambda² 11': (lambda beta rho_b)², the same as PLS here.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from survey.analysis.prediction import PredictSettings, cvpat_compare, pls_predict

LAMBDA, BETA = 0.8, 0.6
BLOCKS = {"a": ["a1", "a2", "a3"], "b": ["b1", "b2", "b3"], "c": ["c1", "c2"]}


def rho(p: int) -> float:
    return float(np.sqrt(p * LAMBDA ** 2 / (1 + (p - 1) * LAMBDA ** 2)))


def simulate(n: int, seed: int, direct: float = 0.0) -> pd.DataFrame:
    """The chain; ``direct``: an extra a -> c path (c's variance stays 1)."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(n)
    b = BETA * a + np.sqrt(1 - BETA ** 2) * rng.standard_normal(n)
    explained = BETA ** 2 + direct ** 2 + 2 * BETA * direct * BETA
    c = BETA * b + direct * a + np.sqrt(1 - explained) * rng.standard_normal(n)
    cols = {}
    for latent, items in zip((a, b, c), BLOCKS.values(), strict=True):
        for item in items:
            cols[item] = 5 + 2 * (LAMBDA * latent
                                  + np.sqrt(1 - LAMBDA ** 2) * rng.standard_normal(n))
    return pd.DataFrame(cols)


@pytest.fixture(scope="module")
def chain(make_bound):
    return make_bound(BLOCKS, [("a", "b"), ("b", "c")])


@pytest.fixture(scope="module")
def data():
    return simulate(20_000, 20261201)


@pytest.mark.parametrize("approach", ["direct", "earliest"])
def test_q2_predict_recovers_the_population_value(chain, data, approach):
    p = pls_predict(chain, data, settings=PredictSettings(folds=5, repetitions=1, seed=3,
                                                          approach=approach, resamples=0))
    if approach == "direct":
        population = (LAMBDA * BETA * rho(3)) ** 2
    else:
        population = (LAMBDA * BETA ** 2 * rho(3)) ** 2 * (2 * rho(3) ** 2 - rho(3) ** 4)
    got = [x.q2_predict for x in p.indicators if x.latent == "c"]
    print(f"{approach}: population Q²_predict {population:.4f}, estimated {got}")
    # Sampling SE of each estimate ~ 0.005 at n = 20,000.
    assert got == pytest.approx([population] * 2, abs=0.015)
    if approach == "direct":
        lm = [x.lm_q2_predict for x in p.indicators if x.latent == "c"]
        assert lm == pytest.approx([(LAMBDA * BETA * rho(3)) ** 2] * 2, abs=0.015)


def test_cvpat_prefers_the_model_with_the_true_direct_path(chain):
    """The population has a -> c; the model without it predicts c worse: CVPAT's difference
    (loss of the model without the path minus the model with it) is positive and
    significant, on c and overall."""
    data = simulate(3000, 7, direct=0.35)
    full = dataclasses.replace(chain, model=dataclasses.replace(
        chain.model, id="full", paths=(("a", "b"), ("b", "c"), ("a", "c"))))
    test = cvpat_compare(full, chain, data,
                         settings=PredictSettings(folds=10, repetitions=2, seed=11,
                                                  resamples=500))
    rows = {t.latent: t for t in test.tests}
    assert rows["c"].difference > 0 and rows["c"].p_value < 0.01
    assert rows["c"].boot_p_value < 0.01
    assert rows["overall"].difference > 0 and test.significant


def test_cvpat_of_a_model_against_itself_has_no_test(chain, data):
    """Identical models: every loss difference is 0, so there is no t (None), not a p of 1."""
    small = data.iloc[:300]
    same = dataclasses.replace(chain, model=dataclasses.replace(chain.model, id="same"))
    test = cvpat_compare(chain, same, small, settings=PredictSettings(folds=5, repetitions=1,
                                                                      resamples=50))
    assert all(t.difference == 0 and t.t_value is None and t.boot_t_value is None
               for t in test.tests)
    assert test.significant is None
