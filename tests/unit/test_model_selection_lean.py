"""The lean PLS fit of model comparisons (survey.estimators.SharedMoments, survey.analysis.
model_selection.lean_pls_fits) against full estimates (survey.estimators.estimate_model).

One data preparation and one correlation matrix for the union of the models' items, then the
PLS algorithm on each model's sub-matrix: each model's R² (every endogenous construct), n,
convergence and notices must be those of its full estimate on the same respondents, to
1e-12, with missing answers replaced by the mean, listwise, under case weights, with a formative
block, and on models that use different items (the sub-matrix is then a proper subset).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from survey.analysis.model_selection import common_sample, compare_models, lean_pls_fits
from survey.errors import EstimationError
from survey.estimators import SharedMoments, estimate_model

BLOCKS = {"a": ["a1", "a2", "a3"], "b": ["b1", "b2", "b3"], "c": ["c1", "c2", "c3"],
          "d": ["d1", "d2"]}


def _data(seed: int, n: int = 120) -> pd.DataFrame:
    """a -> b -> c, a -> c; d (two items) unrelated; 1-7 answers, some missing, a weight."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(n)
    b = 0.5 * a + math.sqrt(0.75) * rng.standard_normal(n)
    c = 0.3 * a + 0.4 * b + 0.8 * rng.standard_normal(n)
    d = rng.standard_normal(n)
    cols = {}
    for name, eta in (("a", a), ("b", b), ("c", c), ("d", d)):
        for item in BLOCKS[name]:
            cols[item] = np.clip(np.round(4 + 1.2 * eta + rng.standard_normal(n)), 1, 7)
    frame = pd.DataFrame(cols)
    holes = rng.random(frame.shape) < 0.04
    frame = frame.mask(holes)
    frame["w"] = rng.uniform(0.5, 2.0, n)
    return frame


@pytest.fixture(scope="module")
def bounds(make_bound):
    chain = make_bound({k: BLOCKS[k] for k in "abc"}, [("a", "b"), ("b", "c")])
    q = chain.questionnaire

    def model(blocks, paths, model_id, modes=()):
        b = make_bound(blocks, paths, modes)
        return replace(b, model=replace(b.model, id=model_id), questionnaire=q)

    # make_bound's questionnaire has the blocks it was given: d's items live in a model of
    # their own questionnaire, so every model here is bound to the four-construct one.
    q4 = make_bound(BLOCKS, [("a", "b"), ("b", "c"), ("d", "c")]).questionnaire

    def model4(blocks, paths, model_id, modes=()):
        b = make_bound(blocks, paths, modes)
        return replace(b, model=replace(b.model, id=model_id), questionnaire=q4)

    abc = {k: BLOCKS[k] for k in "abc"}
    return [model4(abc, [("a", "b"), ("b", "c")], "chain"),
            model4(abc, [("a", "b"), ("b", "c"), ("a", "c")], "direct"),
            model4(BLOCKS, [("a", "b"), ("b", "c"), ("d", "c")], "with_d"),
            model4(abc, [("a", "b"), ("a", "c"), ("b", "c")], "formative_a", (("a", "B"),))]


@pytest.mark.parametrize("missing,weights", [("mean", None), ("listwise", None),
                                             ("mean", "w")])
def test_lean_fits_equal_full_estimates(bounds, missing, weights):
    used, _ = common_sample(bounds, _data(11), missing)
    lean = lean_pls_fits(bounds, used, missing=missing, weights=weights)
    for b, fit in zip(bounds, lean, strict=True):
        full = estimate_model("pls", b, used, missing=missing, weights=weights)
        est = fit.estimate
        assert est.n == full.n and est.converged == full.converged
        assert est.admissible == full.admissible
        assert set(est.r2) == set(full.r2)
        for latent, value in full.r2.items():
            assert est.r2[latent] == pytest.approx(value, abs=1e-12), (b.model.id, latent)
        # The same notices: answers replaced per model (its own items), small sample.
        assert est.warnings == full.warnings, b.model.id
    if missing == "mean":
        # Mean replacement counts each model's own items: 'with_d' replaced more answers.
        texts = {b.model.id: f.estimate.warnings for b, f in zip(bounds, lean, strict=True)}
        assert texts["with_d"] != texts["chain"]


def test_the_comparison_rows_are_the_full_estimates_closed_forms(bounds):
    from survey.analysis.model_selection import bic_from_r2

    data = _data(12)
    result = compare_models(bounds[:3], data, target="c")
    for r, b in zip(result.rows, bounds[:3], strict=True):
        full = estimate_model("pls", b, data)
        assert r.r2 == pytest.approx(full.r2["c"], abs=1e-12)
        assert r.bic == pytest.approx(bic_from_r2(full.r2["c"], full.n, r.predictors),
                                      rel=1e-12)


def test_a_union_that_cannot_be_prepared_falls_back_to_each_models_items(bounds):
    # More items in the union (11) than respondents (10) while the chain alone (9) fits:
    # the union is refused, each model is prepared on its own items as its estimate would be.
    data = _data(13, n=10).fillna(4.0)
    shared = SharedMoments([i for b in bounds[:3] for i in b.items], data)
    chain = shared.fit(bounds[0])
    full = estimate_model("pls", bounds[0], data)
    assert chain.r2["c"] == pytest.approx(full.r2["c"], abs=1e-12)
    with pytest.raises(EstimationError):
        estimate_model("pls", bounds[2], data)
    with pytest.raises(EstimationError):
        shared.fit(bounds[2])
