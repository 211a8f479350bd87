"""Normal and Student t probabilities for p-values and intervals, without importing scipy.

Every estimate reports p-values (bootstrap t with n - 1 degrees of freedom, the regression
method's z, CVPAT's paired t) and normal quantiles (mediation's Wald interval, BCa). scipy's
``special`` module would compute them, but importing it costs about 0.1 s of every command
(scipy 1.17 loads its array-API layer first), a tenth of a whole PLS estimate; the CB-SEM
estimators, which need scipy.optimize anyway, keep using scipy.stats.

* Normal: :func:`norm_sf` from ``math.erfc`` (the C library's, to a few ulp) and
  :func:`norm_ppf` from :class:`statistics.NormalDist` (Wichura's AS 241, to about 1e-16).
* Student t: :func:`t_sf`, the upper tail, from the regularized incomplete beta function,
  P(T > t) = I_x(df / 2, 1 / 2) / 2 with x = df / (df + t²) (Abramowitz & Stegun 26.7.1 and
  26.5.27), evaluated by its continued fraction with the modified Lentz method (Press et al.,
  *Numerical Recipes*, 3rd ed., 6.4), on the side of the symmetry I_x(a, b) = 1 - I_{1-x}(b, a)
  where it converges fast. The log of the complete beta function comes from ``math.lgamma``
  for small df and from Stirling's series of lnΓ(a + 1/2) - lnΓ(a) for large df, where the
  difference of two lgamma values of size a·ln(a) would lose digits. Samples of more than
  :data:`MAX_DF` + 1 respondents, where the fraction converges slowly, get scipy's value
  (scipy is imported for them only: their estimate takes seconds anyway).

The tests compare all of them with scipy.special (ndtr, ndtri, stdtr) over grids of df up to
:data:`MAX_DF` and |t| from 1e-8 to 1e4, and with the closed forms of df = 1 and 2 (where
scipy's stdtr loses digits near t = 0: 1.6e-9 at t = 1e-8, df = 1).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

_ERFC = np.frompyfunc(math.erfc, 1, 1)
_INV_CDF = NormalDist().inv_cdf
#: Continued-fraction iterations at most (a safeguard: below MAX_DF a few hundred suffice).
_MAX_ITER = 20_000
#: Degrees of freedom above which :func:`t_sf` hands over to scipy: the continued fraction
#: needs more iterations as df grows (a few hundred at 2,000, ten thousand near 10⁵).
MAX_DF = 2000
_EPS = 2 * float(np.finfo(float).eps)  # 2 ulp: the step settles at 1 to rounding
_TINY = 1e-300


def norm_sf(z: np.ndarray | float) -> np.ndarray:
    """Upper tail of the standard normal, P(Z > z) (scipy.special.ndtr(-z)); NaN stays NaN."""
    z = np.asarray(z, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.asarray(0.5 * _ERFC(z / math.sqrt(2.0)), dtype=float)


def norm_cdf(z: np.ndarray | float) -> np.ndarray:
    """P(Z <= z) (scipy.special.ndtr)."""
    return norm_sf(-np.asarray(z, dtype=float))


def norm_ppf(p: np.ndarray | float) -> np.ndarray:
    """The standard normal quantile (scipy.special.ndtri): -inf at 0, inf at 1, NaN outside
    [0, 1] or for NaN."""
    p = np.asarray(p, dtype=float)

    def one(x: float) -> float:
        if not 0.0 < x < 1.0:
            return -math.inf if x == 0.0 else math.inf if x == 1.0 else math.nan
        return _INV_CDF(x)

    with np.errstate(invalid="ignore"):  # comparing a NaN raises the FP flag numpy reports
        return np.asarray(np.frompyfunc(one, 1, 1)(p), dtype=float)


def t_sf(t: np.ndarray | float, df: np.ndarray | float) -> np.ndarray:
    """Upper tail of Student's t with ``df`` degrees of freedom, P(T > t)
    (scipy.special.stdtr(df, -t)); NaN for NaN or df <= 0. Above :data:`MAX_DF` degrees of
    freedom scipy computes it (imported then)."""
    t, df = np.broadcast_arrays(np.asarray(t, dtype=float), np.asarray(df, dtype=float))
    if np.nanmax(df, initial=0.0) > MAX_DF:
        from scipy import special

        return np.asarray(special.stdtr(df, -t), dtype=float)
    out = np.full(t.shape, np.nan)
    ok = np.isfinite(df) & (df > 0) & ~np.isnan(t)
    out[ok & np.isposinf(t)] = 0.0
    out[ok & np.isneginf(t)] = 1.0
    ok &= np.isfinite(t)
    out[ok & (t == 0)] = 0.5
    ok &= t != 0
    if ok.any():
        tt, nu = np.abs(t[ok]), df[ok]
        half = 0.5 * _incomplete_beta_t(tt, nu)  # P(T > |t|)
        out[ok] = np.where(t[ok] > 0, half, 1.0 - half)
    return out


def t_two_sided(t: np.ndarray | float, df: np.ndarray | float) -> np.ndarray:
    """Two-sided p-value of ``t``: 2 P(T > |t|)."""
    return np.minimum(1.0, 2.0 * t_sf(np.abs(np.asarray(t, dtype=float)), df))


def _incomplete_beta_t(t: np.ndarray, df: np.ndarray) -> np.ndarray:
    """I_x(df / 2, 1 / 2) with x = df / (df + t²) for t > 0 (finite), which is 2 P(T > t)."""
    a, b = 0.5 * df, 0.5
    t2 = t * t
    # x and 1 - x, each without cancellation
    x = df / (df + t2)
    y = t2 / (df + t2)
    log_x = -np.log1p(t2 / df)
    log_y = np.log(y)
    front = np.exp(a * log_x + b * log_y - _log_beta_half(a))
    direct = x < (a + 1.0) / (a + b + 2.0)
    out = np.empty_like(t)
    if direct.any():
        out[direct] = front[direct] * _beta_fraction(a[direct], b, x[direct]) / a[direct]
    if (~direct).any():
        r = ~direct
        out[r] = 1.0 - front[r] * _beta_fraction(b, a[r], y[r]) / b
    return np.clip(out, 0.0, 1.0)


def _log_beta_half(a: np.ndarray) -> np.ndarray:
    """ln B(a, 1/2) = lnΓ(1/2) - (lnΓ(a + 1/2) - lnΓ(a))."""
    a = np.asarray(a, dtype=float)
    small = a < 20.0
    diff = np.empty_like(a)
    lgamma = np.frompyfunc(math.lgamma, 1, 1)
    if small.any():
        s = a[small]
        diff[small] = np.asarray(lgamma(s + 0.5), float) - np.asarray(lgamma(s), float)
    if (~small).any():
        z = a[~small]
        # (z - 1/2) ln z - z + ln(2π)/2 + S(z) at z = a + 1/2 and at z = a, subtracted term by
        # term: a ln(1 + 1/(2a)) + ln(a)/2 - 1/2 + S(a + 1/2) - S(a).
        diff[~small] = (z * np.log1p(0.5 / z) + 0.5 * np.log(z) - 0.5
                        + _stirling(z + 0.5) - _stirling(z))
    return 0.5 * math.log(math.pi) - diff


def _stirling(z: np.ndarray) -> np.ndarray:
    """The tail of Stirling's series of lnΓ(z): 1/(12z) - 1/(360z³) + 1/(1260z⁵) - 1/(1680z⁷)
    (the next term, 1/(1188z⁹), is below 1e-15 for z >= 20)."""
    w = 1.0 / (z * z)
    return (1.0 / 12.0 - w * (1.0 / 360.0 - w * (1.0 / 1260.0 - w / 1680.0))) / z


def _beta_fraction(a: np.ndarray | float, b: np.ndarray | float, x: np.ndarray
                   ) -> np.ndarray:
    """The continued fraction of I_x(a, b) (Numerical Recipes' betacf), all elements at once,
    by the modified Lentz method; each element's value is taken at the step where it
    converges (afterwards its steps wander by an ulp or two, never all at once)."""
    a, b = np.broadcast_to(a, x.shape).astype(float), np.broadcast_to(b, x.shape).astype(float)
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = np.ones_like(x)
    d = _nonzero(1.0 - qab * x / qap)
    d = 1.0 / d
    h = d.copy()
    out = np.full_like(x, np.nan)
    done = np.zeros(x.shape, dtype=bool)
    for m in range(1, _MAX_ITER + 1):
        m2 = 2.0 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 / _nonzero(1.0 + aa * d)
        c = _nonzero(1.0 + aa / c)
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 / _nonzero(1.0 + aa * d)
        c = _nonzero(1.0 + aa / c)
        step = d * c
        h *= step
        now = ~done & (np.abs(step - 1.0) <= _EPS)
        out[now] = h[now]
        done |= now
        if done.all():
            return out
    raise ArithmeticError("the incomplete beta continued fraction did not converge")


def _nonzero(v: np.ndarray) -> np.ndarray:
    return np.where(np.abs(v) < _TINY, _TINY, v)
