"""survey.distributions against scipy.special and against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from survey import distributions as D

#: |t| from 1e-8 to 1e4, both signs, and 0.
T = np.concatenate([-np.logspace(-8, 4, 300), [0.0], np.logspace(-8, 4, 300)])


@pytest.mark.parametrize("df", [3, 4, 5, 7, 10, 19, 20, 21, 39, 40, 41, 99, 100, 249, 999,
                                1000, 1999, D.MAX_DF])
def test_t_tail_equals_scipy(df):
    got, ref = D.t_sf(T, df), special.stdtr(df, -T)
    ok = ref > 1e-300  # scipy underflows to 0 in the far tail (and so do we)
    assert np.all(got[~ok] < 1e-290)
    # The continued fraction's rounding grows with its steps: a few e-13 at df = 2000.
    assert np.max(np.abs(got[ok] - ref[ok]) / ref[ok]) < 1e-12


def test_t_tail_of_one_and_two_degrees_of_freedom_equals_their_closed_forms():
    # Written without cancellation in the upper tail: P(T > t) = atan2(1, t) / pi for df = 1,
    # 1 / ((s + t) s) with s = sqrt(2 + t²) for df = 2 and t > 0 (its mirror for t < 0).
    cauchy = np.arctan2(1.0, T) / math.pi
    a = np.abs(T)
    s = np.sqrt(2 + a * a)
    upper = 1 / ((s + a) * s)
    two = np.where(T >= 0, upper, 1 - upper)
    assert np.max(np.abs(D.t_sf(T, 1) - cauchy) / cauchy) < 1e-13
    assert np.max(np.abs(D.t_sf(T, 2) - two) / two) < 1e-12
    # scipy's stdtr loses digits there near t = 0 (1.6e-9 at t = 1e-8): the closed form is
    # the reference, not scipy.
    assert abs(special.stdtr(1, -1e-8) - (0.5 + math.atan(1e-8) / math.pi)) > 1e-9


def test_t_tail_of_many_values_at_once_converges_each_on_its_own():
    # A vector of t values near the slow zone (t ~ 1.7): every element keeps its own
    # converged value (the steps wander by an ulp afterwards, never all at once).
    t = np.random.default_rng(1).standard_normal(500) * 3
    got, ref = D.t_sf(t, 995), special.stdtr(995, -t)
    assert np.max(np.abs(got - ref) / ref) < 1e-12


def test_t_tail_above_max_df_is_scipys():
    df = D.MAX_DF + 1
    np.testing.assert_array_equal(D.t_sf(T, df), special.stdtr(df, -T))
    assert D.t_sf(2.0, 10 ** 6) == special.stdtr(10 ** 6, -2.0)


def test_t_tail_edges():
    np.testing.assert_array_equal(D.t_sf([np.inf, -np.inf, 0.0], 5), [0.0, 1.0, 0.5])
    assert np.isnan(D.t_sf(np.nan, 5))
    assert np.all(np.isnan(D.t_sf(1.0, [0.0, -1.0, np.nan])))
    p = D.t_two_sided([-3.0, 0.0, 3.0], 10)
    np.testing.assert_allclose(p, [2 * special.stdtr(10, -3.0), 1.0, 2 * special.stdtr(10, -3.0)],
                               rtol=1e-13)


def test_normal_tail_cdf_and_quantile_equal_scipy():
    z = np.linspace(-37, 37, 3001)
    # Rounding z / sqrt(2) (half an ulp) moves erfc(x) by 2x² times that in relative terms:
    # 3e-13 at z = 37, where the tail is 6e-300.
    assert np.max(np.abs(D.norm_sf(z) - special.ndtr(-z)) / special.ndtr(-z)) < 1e-12
    assert np.max(np.abs(D.norm_cdf(z) - special.ndtr(z)) / special.ndtr(z)) < 1e-12
    p = np.concatenate([np.logspace(-300, -1, 400), np.linspace(0.01, 0.99, 99),
                        1 - np.logspace(-15, -1, 100)])
    ref = special.ndtri(p)
    assert np.max(np.abs(D.norm_ppf(p) - ref) / np.abs(ref).clip(1e-300)) < 1e-13
    edges = D.norm_ppf([0.0, 1.0, -0.5, 1.5, np.nan, 0.5])
    np.testing.assert_array_equal(edges[:2], [-np.inf, np.inf])
    assert np.all(np.isnan(edges[2:5])) and edges[5] == 0.0
    assert D.norm_sf(np.nan) != D.norm_sf(np.nan)  # NaN stays NaN
