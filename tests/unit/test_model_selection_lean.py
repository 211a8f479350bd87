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


def test_the_twin_item_screen_finds_what_the_pair_test_finds(monkeypatch):
    """The item check's pre-screen (one correlation matrix per missing pattern) must let
    through every pair the pair-by-pair test of _twin_items passes: on columns with exact
    copies, rescaled and negated copies, copies up to noise of 1e-9 (alike) and 1e-3 (not),
    constants, shared and other missing patterns and a pair with two answers only, the groups
    are those of the pair test run on every pair."""
    from survey.estimators import prepare

    rng = np.random.default_rng(5)
    n = 300
    base = rng.integers(1, 8, n).astype(float)
    cols = {"x": base, "copy": base.copy(), "scaled": 3 * base + 2, "negated": 8 - base,
            "near": base + 1e-12 * rng.standard_normal(n), "noisy": base + 1e-3 * rng.random(n),
            "other": rng.integers(1, 8, n).astype(float), "const": np.full(n, 4.0),
            "const2": np.full(n, 4.0), "const3": np.full(n, 5.0)}
    holes = rng.random(n) < 0.1
    for name in ("h1", "h2"):
        cols[name] = np.where(holes, np.nan, base * (2 if name == "h2" else 1))
    cols["h3"] = np.where(rng.random(n) < 0.1, np.nan, base)  # another missing pattern
    few = np.full(n, np.nan)
    few[[10, 200]] = [1.0, 2.0]
    cols["few1"], cols["few2"] = few, few * 2
    data = pd.DataFrame(cols)
    items = list(cols)
    screened = prepare._twin_items(items, data)
    everything = {(k, j) for j in range(len(items)) for k in range(j)}
    monkeypatch.setattr(prepare, "_maybe_alike", lambda x: everything)
    assert screened == prepare._twin_items(items, data)
    groups = {g for g, _ in screened}
    assert ("x", "copy", "scaled", "negated", "near") in groups and ("h1", "h2") in groups
    assert ("const", "const2") in groups
    # Two answers cannot tell: the screen lets the pair through, the test on every row not.
    assert not any("few1" in g for g in groups)
