"""The moments every PLS fit starts from, against numpy's definitions: block-wise symmetric
products on many rows (a million respondents in seconds and bounded memory) give the same
covariances as np.cov and the frequency-weighted formula, and mean replacement leaves the
caller's frame untouched."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey.estimators import prepare
from survey.estimators.prepare import prepare_items, weighted_moments


@pytest.mark.parametrize("rows", [7, prepare.BLOCK_ROWS - 1, prepare.BLOCK_ROWS + 3])
def test_covariance_equals_numpy_across_block_boundaries(rows):
    x = np.random.default_rng(rows).normal(loc=6, scale=2, size=(rows, 5))
    assert prepare._covariance(x) == pytest.approx(np.cov(x, rowvar=False), rel=1e-12,
                                                   abs=1e-12)


def test_weighted_moments_equal_the_weighted_definition():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(prepare.BLOCK_ROWS + 11, 4))
    freq = rng.integers(0, 4, size=(3, x.shape[0])).astype(float)
    mean, cov = weighted_moments(x, freq)
    for b in range(3):
        w = freq[b]
        m = (w @ x) / w.sum()
        expected = ((x - m) * w[:, None]).T @ (x - m) / w.sum()
        assert mean[b] == pytest.approx(m, rel=1e-12)
        assert cov[b] == pytest.approx(expected, rel=1e-9, abs=1e-12)
    # Centred block by block (no centred copy of x): the same moments of x - c.
    c = x.mean(axis=0) + 3.0
    mean_c, cov_c = weighted_moments(x, freq, center=c)
    mean_copy, cov_copy = weighted_moments(x - c, freq)
    assert mean_c == pytest.approx(mean_copy, abs=1e-12)
    assert cov_c == pytest.approx(cov_copy, rel=1e-10, abs=1e-12)


def test_mean_replacement_does_not_touch_the_callers_frame():
    """A frame of float columns: pandas hands out read-only views of it; the missing answers
    are replaced in a copy."""
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(200, 4)), columns=list("abcd"))
    frame.iloc[3, 1] = np.nan
    before = frame.copy()
    prepared = prepare_items(list("abcd"), frame, missing="mean", weights=None, where="x")
    assert prepared.n_replaced == 1 and frame.equals(before)
    assert prepared.x[3, 1] == pytest.approx(frame["b"].mean())
