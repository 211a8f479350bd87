"""The 0-100 index formula (DESIGN.md; Fornell et al. 1996): boundaries, a hand-worked case,
invalid weights, and properties over random inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey.indices import index_from_weights, index_values
from survey.questionnaire import Scale

TEN = Scale("ten", 1, 10, (99,))
FIVE = Scale("five", 1, 5)


def _index(weights, sds, means, scales):
    return index_from_weights("x", weights, sds, means, scales, kind="test")


def test_all_items_at_minimum_give_zero():
    r = _index({"a": 0.5, "b": 0.4}, {"a": 1.2, "b": 2.0}, {"a": 1.0, "b": 1.0},
               {"a": TEN, "b": TEN})
    assert r.value == pytest.approx(0.0, abs=1e-12) and r.valid


def test_all_items_at_maximum_give_hundred():
    r = _index({"a": 0.5, "b": 0.4}, {"a": 1.2, "b": 2.0}, {"a": 10.0, "b": 5.0},
               {"a": TEN, "b": FIVE})
    assert r.value == pytest.approx(100.0, abs=1e-12)


def test_hand_worked_example():
    # Standardized weights 0.6 and 0.3, SDs 2 and 1 -> raw 0.3 and 0.3 -> normalised 0.5, 0.5.
    # Means 7.3 and 5.5 on 1-10: (6.3/9 + 4.5/9) / 2 = 0.6 -> 60.
    r = _index({"a": 0.6, "b": 0.3}, {"a": 2.0, "b": 1.0}, {"a": 7.3, "b": 5.5},
               {"a": TEN, "b": TEN})
    assert r.value == pytest.approx(60.0, abs=1e-12)
    assert dict(r.weights) == pytest.approx({"a": 0.5, "b": 0.5})


def test_negative_weight_makes_index_invalid_but_visible():
    r = _index({"a": 0.9, "b": -0.2}, {"a": 1.0, "b": 1.0}, {"a": 8.0, "b": 6.0},
               {"a": TEN, "b": TEN})
    assert not r.valid
    assert r.value is not None and dict(r.weights)["b"] < 0


def test_zero_weights_give_no_index():
    r = _index({"a": 0.0, "b": 0.0}, {"a": 1.0, "b": 1.0}, {"a": 8.0, "b": 6.0},
               {"a": TEN, "b": TEN})
    assert r.value is None and not r.valid


positive = st.floats(0.01, 5, allow_nan=False)


@given(st.lists(st.tuples(positive, positive, st.floats(1, 10)), min_size=1, max_size=8))
def test_index_is_a_convex_combination(rows):
    weights = {f"i{k}": w for k, (w, _, _) in enumerate(rows)}
    sds = {f"i{k}": s for k, (_, s, _) in enumerate(rows)}
    means = {f"i{k}": m for k, (_, _, m) in enumerate(rows)}
    r = _index(weights, sds, means, dict.fromkeys(weights, TEN))
    per_item = [100 * (m - 1) / 9 for m in means.values()]
    assert min(per_item) - 1e-9 <= r.value <= max(per_item) + 1e-9
    assert math.fsum(w for _, w in r.weights) == pytest.approx(1.0)
    assert r.valid


@given(st.lists(positive, min_size=1, max_size=6), st.sampled_from([TEN, FIVE]))
def test_boundaries_hold_for_any_positive_weights(ws, scale):
    weights = {f"i{k}": w for k, w in enumerate(ws)}
    sds = dict.fromkeys(weights, 1.3)
    lo = _index(weights, sds, dict.fromkeys(weights, scale.min), dict.fromkeys(weights, scale))
    hi = _index(weights, sds, dict.fromkeys(weights, scale.max), dict.fromkeys(weights, scale))
    assert lo.value == pytest.approx(0.0, abs=1e-9)
    assert hi.value == pytest.approx(100.0, abs=1e-9)


#: Continuous scales (measurements, not ratings): any number between the ends, which need not
#: be whole numbers.
RATING = Scale("rating", 0, 10, (-9,), continuous=True)
LOG = Scale("log", 0.5, 8.25, continuous=True)


@pytest.mark.parametrize("at,expected", [("min", 0.0), ("max", 100.0)])
def test_continuous_scales_bound_the_index(at, expected):
    """All items at the ends of continuous scales (one with non-whole ends) give 0 and 100,
    by the one formula and by its batched twin."""
    means = {"a": getattr(RATING, at), "b": getattr(LOG, at)}
    r = _index({"a": 0.7, "b": 0.5}, {"a": 2.1, "b": 0.8}, means, {"a": RATING, "b": LOG})
    assert r.value == pytest.approx(expected, abs=1e-12) and r.valid
    batched = index_values(np.array([[[0.7], [0.5]]]), np.array([[means["a"], means["b"]]]),
                           np.array([[2.1, 0.8]]), np.array([RATING.min, LOG.min]),
                           np.array([RATING.max, LOG.max]))
    assert batched[0, 0] == pytest.approx(expected, abs=1e-12)


def test_continuous_scale_midpoint():
    # Means 3.333 on 0-10 and 4.375 on 0.5-8.25 are both a third / a half of the way up.
    r = _index({"a": 1.0, "b": 1.0}, {"a": 1.0, "b": 1.0}, {"a": 10 / 3, "b": 4.375},
               {"a": RATING, "b": LOG})
    assert r.value == pytest.approx(100 * (1 / 3 + 1 / 2) / 2, abs=1e-12)
