"""Maximum likelihood SEM (ML and FIML) on semopy's model parsing: the engine of CB-SEM.

:func:`fit_sem` fits a lavaan-style model description and returns a :class:`SemFit` holding a
tidy parameter table (lhs, op, rhs, est, se, std) and the moments behind it; nothing outside
the estimators sees a semopy object. :class:`SemModel` is semopy's model with an analytic
gradient and a FIML objective; :func:`minimise` is the unbounded minimisation every CB-SEM fit
uses (the single-group fit here, the bootstrap resamples and the multi-group fits).

Case weights are lavaan's ``sampling.weights``: rescaled to sum to the respondents used,
weighted ML (weighted moments) or weighted FIML (weighted pattern sums), and lavaan's default
inference under them, MLR: sandwich standard errors and the Yuan-Bentler scaled test
(:mod:`survey.estimators.robust`).

Traps avoided:
* semopy's default SLSQP tolerance stops early (Political Democracy differs from lavaan by
  0.012); with ``ftol=1e-12`` it agrees to 1e-5.
* semopy drops or pairwise-uses rows with NaN without a word; data reach it complete, or
  through the FIML objective, never with NaN unannounced.
* semopy's FIML objective assumes zero means and its gradient loops over parameters x missing
  patterns (83 s for 1000 respondents, 97 parameters). Here the means are estimated jointly
  (saturated mean structure) and the likelihood and its gradient come from per-pattern sums
  and the partitioned inverse of Sigma, with the chain rule to the parameters in matrix form
  (1.5 ms per evaluation on the airline wave with 265 patterns).
* semopy's gradient (``calc_sigma_grad``) loops over parameters; ``_Model.chain_sigma`` does
  it in four matrix products (0.1 ms instead of 0.9 ms for the airline model).
* OpenBLAS threads on matrices this small only contend; on a busy machine they made semopy's
  fit 100 times slower. Fitting runs with one BLAS thread (parallelism comes from bootstrap
  workers).
* semopy's standard errors use the complete-data expected information; under FIML they come
  from the observed information (numerical Hessian of the FIML objective), as lavaan does.
* semopy's ``calc_stats`` fit measures are wrong in places (see :mod:`survey.estimators.fit`).
* semopy bounds variances at 0, so a Heywood case comes out as a boundary solution: a variance
  of 0, the other estimates moved to compensate (ECSI on mobi with 10 % of answers missing:
  paths up to 0.69 away from lavaan's) and one df too many in the eyes of a reader counting
  active bounds. lavaan (``bounds = "none"``, its default) estimates variances unbounded and
  warns about negative ones; so do we: semopy's bounded SLSQP only gives starting values, the
  ML and FIML minimisation that follows is unbounded, and a negative variance is flagged by
  name (:mod:`survey.estimators.admissibility`).
"""
from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import semopy
from scipy import stats
from scipy.optimize import minimize
from semopy.utils import chol_inv2
from threadpoolctl import threadpool_limits

from survey.errors import EstimationError, Problem
from survey.estimators.fit import Patterns, em_from_sums, fiml_fit_measures, ml_fit_measures
from survey.estimators.prepare import (
    check_positive_definite,
    check_sample_size,
    weighted_moments,
)
from survey.estimators.robust import robust_ml, vech_index

_FTOL = 1e-12
#: Largest gradient entry, per unit of the objective's scale (1 for F_ML, n for -2 logL), at
#: which a minimisation has converged (also L-BFGS-B's criterion in _converged).
GTOL = 1e-6


def _stack(a: np.ndarray) -> np.ndarray:
    """(G, p, r) -> (p, G r): the patterns' p x r blocks side by side, so that a sum over
    patterns of products of blocks is one matrix product."""
    return a.transpose(1, 0, 2).reshape(a.shape[1], -1)


class SemModel(semopy.Model):
    """semopy's Model with an analytic ML gradient in matrix form, and FIML that estimates the
    item means jointly (a saturated mean structure, as lavaan's ``missing = "ml"``) from
    missing-data pattern sums. semopy's own FIML fixes the means at zero."""

    def finalize_variable_classification(self, effects: dict) -> None:
        """Only indicators are measured variables (rows of Lambda with a residual in Theta);
        every other variable stays in the inner model (Beta, Psi).

        semopy (``mimic_lavaan=False``) makes every variable that receives arrows and sends
        none a measured one: a single-item construct that only depends on latents
        (``loy1 ~ satisfaction``) became an indicator of its causes, its regressions
        loadings, and the construct vanished from the inner model (a KeyError in
        estimate_cbsem and in the bootstrap layout). lavaan keeps ``y ~ f`` for an observed y a
        regression (y in Beta, its residual variance in Psi): the same implied covariance,
        now also the same bookkeeping. semopy's ``mimic_lavaan=True`` does this too, but also
        frees the covariances of all such variables, which lavaan's ``sem()`` frees among
        every terminal endogenous variable, observed or latent (``auto.cov.y``) and this
        package nowhere: no covariance is added here."""
        self.vars["_output"] = set(self.vars["indicator"]) & set(self.vars["output"])
        self.vars["output"] = {}
        inner = self.vars["all"] - self.vars["_output"]
        obs = self.vars["observed"]
        self.vars["inner"] = sorted(self.vars["latent"] & inner) + sorted(obs & inner)
        measured = obs & self.vars["_output"]
        self.vars["observed"] = sorted(measured) + sorted(obs - measured)

    def _positions(self) -> list:
        """Where each active parameter sits in beta, lambda, psi, theta: (rows, cols, param)."""
        if getattr(self, "_where", None) is None:
            self._where = [(np.asarray(r[0][0]), np.asarray(r[0][1]), np.asarray(r[1]))
                           if r[0] else None for r in self.param_ranges[:4]]
        return self._where

    def chain_sigma(self, g_sigma: np.ndarray, m: np.ndarray, c: np.ndarray) -> np.ndarray:
        """dF/dtheta from G = dF/dSigma (symmetric) for Sigma = M Psi M' + Theta, M = Lambda C,
        C = (I - B)^-1. Taking every matrix entry as free: dF/dTheta = G, dF/dPsi = M'GM,
        dF/dLambda = 2 G M Psi C', dF/dB = 2 M'GM Psi C'; a parameter sums its entries. Four
        products instead of semopy's loop over parameters (``calc_sigma_grad``)."""
        gm = g_sigma @ m
        a = m.T @ gm
        psi_ct = self.mx_psi @ c.T
        out = np.zeros(len(self.param_vals))
        for g, where in zip((2 * a @ psi_ct, 2 * gm @ psi_ct, a, g_sigma), self._positions(),
                            strict=True):
            if where is not None:
                rows, cols, k = where
                out += np.bincount(k, weights=g[rows, cols], minlength=out.size)
        return out

    def ml_terms(self, theta: np.ndarray, cov: np.ndarray, logdet_cov: float):
        """Wishart ML discrepancy F = log|Sigma| + tr(S Sigma^-1) - log|S| - p (semopy's MLW,
        lavaan's F_ML) and its gradient, G = Sigma^-1 - Sigma^-1 S Sigma^-1."""
        self.update_matrices(theta)
        sigma, (m, c) = self.calc_sigma()
        try:
            inv, logdet = chol_inv2(sigma)
        except np.linalg.LinAlgError:
            return math.inf, np.zeros(theta.size)
        value = logdet + float(np.einsum("ij,ji->", cov, inv)) - logdet_cov - cov.shape[0]
        return value, self.chain_sigma(inv - inv @ cov @ inv, m, c)

    def fit_ml(self, cov: np.ndarray, start: np.ndarray, *, max_iter: int = 1000):
        """Minimise F_ML for the covariance ``cov`` (N denominator) from ``start`` by L-BFGS-B,
        unbounded (variances may go negative, as in lavaan). Sets the parameters; returns
        scipy's result and whether it converged (see :func:`_converged`)."""
        self._positions()
        logdet_cov = np.linalg.slogdet(cov)[1]
        res = minimize(self.ml_terms, start, args=(cov, logdet_cov), jac=True,
                       method="L-BFGS-B",
                       options={"maxiter": max_iter, "ftol": 1e-14, "gtol": 1e-9})
        self.param_vals = res.x
        self.update_matrices(res.x)
        return res, _converged(res, 1.0)

    def prepare_fiml_means(self, x: np.ndarray, weights: np.ndarray | None = None) -> None:
        """Group rows by missingness pattern and take their pattern sums, weighted by the case
        ``weights`` when given (then -2 logL is -2 sum_i w_i l_i, lavaan's under
        ``sampling.weights``)."""
        self.fiml_patterns = Patterns(x)
        self.fiml_sums = self.fiml_patterns.sums(weights)

    def sigma_jacobian(self) -> np.ndarray:
        """d vech(Sigma) / d theta (p* x q) at the current parameters, vech in
        :func:`~survey.estimators.robust.vech_index` order: :meth:`chain_sigma` of each
        symmetric unit matrix (E_ab + E_ba gives twice the derivative of sigma_ab)."""
        _, (m, c) = self.calc_sigma()
        self._positions()
        p = m.shape[0]
        rows, cols = vech_index(p)
        out = np.empty((rows.size, len(self.param_vals)))
        for k, (a, b) in enumerate(zip(rows, cols, strict=True)):
            unit = np.zeros((p, p))
            unit[a, b] = unit[b, a] = 1.0
            out[k] = self.chain_sigma(unit, m, c) / (1.0 if a == b else 2.0)
        return out

    def _fiml_terms(self, theta: np.ndarray, mean: np.ndarray, want_grad: bool):
        """-2 logL up to a constant, and optionally its gradient (structure params, means).

        Per pattern with observed items o and missing m, -2 logL_g = n_g log|Sigma_oo| +
        tr(Sigma_oo^-1 S_g), S_g the pattern's scatter about mu_o. With K = Sigma^-1 the
        observed block's inverse is K - K_.m K_mm^-1 K_m. and log|Sigma_oo| = log|Sigma| +
        log|K_mm| (partitioned inverse), so each pattern costs products with its few missing
        columns instead of a k x k inverse; the complete rows add one tr(K S)."""
        self.update_matrices(theta)
        sigma, (m, c) = self.calc_sigma()
        try:
            k, logdet = chol_inv2(sigma)
        except np.linalg.LinAlgError:
            return math.inf, None
        s = self.fiml_sums
        p = sigma.shape[0]
        tm_mu = s.tm * mean[None, :]
        s_tot = s.q_tot - tm_mu - tm_mu.T + s.nm * np.outer(mean, mean)
        value = s.n_total * logdet + float(np.einsum("ij,ji->", k, s_tot))
        a1 = np.zeros((p, p))
        r_acc = np.zeros((p, p))
        mean_corr = np.zeros(p)
        for g, (n, total, cross) in zip(self.fiml_patterns.groups, s.groups, strict=True):
            obs, miss = g.obs, g.miss
            v = k[obs[:, :, None], miss[:, None, :]]          # K_om (G, k, r)
            kmm = k[miss[:, :, None], miss[:, None, :]]       # K_mm (G, r, r)
            h = np.linalg.inv(kmm)
            sign, ld = np.linalg.slogdet(kmm)
            if np.any(sign <= 0):
                return math.inf, None
            mu = mean[obs]
            d = total - n[:, None] * mu                       # sum of x_o - mu_o
            # S_g K_om with S_g = Q - T mu' - mu d'
            sv = (cross @ v - total[:, :, None] * (mu[:, None, :] @ v)
                  - mu[:, :, None] * (d[:, None, :] @ v))
            z = v.transpose(0, 2, 1) @ sv                     # K_mo S_g K_om
            value += float(n @ ld - np.einsum("gij,gji->", h, z))
            if want_grad:
                # d/dSigma of pattern g: n_g P - P S~ P with P = K - U H U' (S_g, Sigma_oo^-1
                # padded with zeros), U = K_.m, H = K_mm^-1. Summed over patterns:
                # N K - K S K + K R + R'K - sum U (n H + H Z H) U', R = sum Y H U',
                # Y = S_g K_om padded to p rows, Z = K_mo S_g K_om.
                size, r = miss.shape
                u = k[:, miss].transpose(1, 0, 2)               # K_.m (G, p, r)
                w = u @ h
                e = n[:, None, None] * h + h @ z @ h
                a1 += _stack(u @ e) @ _stack(u).T
                y = np.zeros((size, p, r))
                y[np.arange(size)[:, None], obs, :] = sv
                r_acc += _stack(y) @ _stack(w).T
                mean_corr += np.einsum("gpr,gr->p", w, (d[:, None, :] @ v)[:, 0, :])
        if not want_grad:
            return value, None
        k_r = k @ r_acc
        g_sigma = s.n_total * k - a1 - k @ s_tot @ k + k_r + k_r.T
        g_mean = -2 * (k @ (s.t_sum - s.n_obs * mean) - mean_corr)
        return value, np.concatenate([self.chain_sigma(g_sigma, m, c), g_mean])

    def active_names(self) -> list[str]:
        """semopy's names of the free parameters, in ``param_vals`` order (a parameter
        labelled in the description carries its label)."""
        return [name for name, prm in self.parameters.items() if prm.active]

    def mean_map(self, theta: np.ndarray) -> np.ndarray:
        """M = Lambda (I - B)^-1 at ``theta``: the structured mean is nu + M alpha."""
        self.update_matrices(theta)
        return self.calc_sigma()[1][0]

    def mean_structure_terms(self, theta: np.ndarray, nu: np.ndarray, alpha: np.ndarray):
        """-2 logL up to a constant (as :meth:`_fiml_terms`) under the structured mean
        mu = nu + Lambda C alpha, C = (I - B)^-1 (nu: item intercepts; alpha: intercepts of
        the inner variables, so E[eta] = C alpha), and its gradient over (theta, nu, alpha);
        (inf, None) where Sigma is not positive definite.

        With g = dF/dmu from :meth:`_fiml_terms`: dF/dnu = g, dF/dalpha = M'g (M = Lambda C),
        dF/dLambda = g (C alpha)' and, as dC = C dB C, dF/dB = M'g (C alpha)'; a parameter
        sums its entries (as :meth:`chain_sigma`)."""
        self.update_matrices(theta)
        _, (m, c) = self.calc_sigma()
        value, grad = self._fiml_terms(theta, nu + m @ alpha, True)
        if grad is None:
            return value, None
        k = theta.size
        g_mu = grad[k:]
        g_alpha = m.T @ g_mu
        eta = c @ alpha
        g_theta = grad[:k].copy()
        for g, where in zip((np.outer(g_alpha, eta), np.outer(g_mu, eta)),
                            self._positions()[:2], strict=True):
            if where is not None:
                rows, cols, j = where
                g_theta += np.bincount(j, weights=g[rows, cols], minlength=k)
        return value, np.concatenate([g_theta, g_mu, g_alpha])


def _converged(res, scale: float, tol: float = GTOL, loose: float = 1e-3) -> bool:
    """Whether an L-BFGS-B run reached a minimum: a gradient below ``tol`` per unit of
    ``scale`` (at tight tolerances L-BFGS-B often ends with "ABNORMAL_TERMINATION_IN_LNSRCH"
    at the minimum, when no step can lower f any more), or its own success with a gradient
    below ``loose`` (unbounded, a line search that meets a non-positive-definite Sigma can
    end in "RELATIVE REDUCTION OF F" far from the minimum: Political Democracy with missing
    values stopped at a gradient of 21 for n = 75)."""
    if not np.all(np.isfinite(res.x)) or not math.isfinite(float(res.fun)):
        return False
    g = np.asarray(res.jac, float)
    if not np.all(np.isfinite(g)):
        return False
    worst = float(np.max(np.abs(g))) if g.size else 0.0
    return worst <= tol * scale or (bool(res.success) and worst <= loose * scale)


def newton(fun: Callable, z0: np.ndarray, h_inv: np.ndarray, tol: float,
            max_iter: int, gtol: float = 0.0) -> tuple[np.ndarray, bool]:
    """Minimise ``fun`` (value, gradient) from z0 by Newton steps started with the inverse
    Hessian ``h_inv`` (the full sample's: a resample's Hessian differs from it by O(n^-1/2),
    so each step shrinks the error about tenfold and ~10 gradients replace L-BFGS-B's ~50),
    updated by BFGS after every step (where the resample's Hessian is far from the sample's,
    near a Heywood case, a fixed one converges only linearly), halving a step that raises f.
    Stops when the Newton decrement g'H^-1 g is <= ``tol`` or no gradient entry exceeds
    ``gtol`` (an ill-conditioned objective can reach its minimum to the precision of f before
    the decrement is tiny); gives up (returns False) when a step stops descending, for the
    caller to fall back on L-BFGS-B."""
    z = z0
    f, g = fun(z)
    for _ in range(max_iter):
        if g is None or not math.isfinite(f):
            return z, False
        step = h_inv @ g
        if float(g @ step) <= tol or float(np.max(np.abs(g), initial=0.0)) <= gtol:
            return z, True
        alpha = 1.0
        while True:
            trial = z - alpha * step
            f_new, g_new = fun(trial)
            # Non-increase within rounding: near the minimum f changes in its last digits.
            if f_new <= f + 1e-13 * abs(f):
                break
            alpha /= 2
            if alpha < 1e-3:
                return z, False
        if g_new is not None:
            h_inv = _bfgs_update(h_inv, trial - z, g_new - g)
        z, f, g = trial, f_new, g_new
    return z, False


def _bfgs_update(h_inv: np.ndarray, s: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The BFGS update of an inverse Hessian for step s and gradient change y (Nocedal &
    Wright 2006, "Numerical optimization", eq. 6.17); unchanged when the curvature s'y is
    not positive (the update would lose positive definiteness)."""
    sy = float(s @ y)
    if not sy > 1e-12 * float(np.sqrt((s @ s) * (y @ y))):
        return h_inv
    hy = h_inv @ y
    return (h_inv + ((sy + float(y @ hy)) / sy ** 2) * np.outer(s, s)
            - (np.outer(hy, s) + np.outer(s, hy)) / sy)


def _hessian(grad: Callable[[np.ndarray], np.ndarray], z0: np.ndarray) -> np.ndarray:
    """Forward differences of an analytic gradient (h = 1e-6 relative), symmetrised."""
    g0 = grad(z0)
    hess = np.empty((z0.size, z0.size))
    for i in range(z0.size):
        h = 1e-6 * max(1.0, abs(z0[i]))
        e = np.zeros(z0.size)
        e[i] = h
        hess[:, i] = (grad(z0 + e) - g0) / h
    return (hess + hess.T) / 2


def _hessian_five_point(grad: Callable[[np.ndarray], np.ndarray], z0: np.ndarray
                        ) -> np.ndarray:
    """Five-point central differences of an analytic gradient (O(h^4), the stencil of
    lavaan's ``lav_model_hessian``), symmetrised: four gradients per parameter instead of one,
    for an ill-conditioned information, where a forward difference's O(h) error swamps the
    smallest eigenvalues (ECSI on mobi with 10 % missing: condition number 3e9, a path SE off
    by 9 %)."""
    hess = np.empty((z0.size, z0.size))
    for i in range(z0.size):
        h = 1e-5 * max(1.0, abs(z0[i]))
        e = np.zeros(z0.size)
        e[i] = h
        hess[:, i] = (grad(z0 - 2 * e) - 8 * grad(z0 - e) + 8 * grad(z0 + e)
                      - grad(z0 + 2 * e)) / (12 * h)
    return (hess + hess.T) / 2


#: Condition number of the forward-difference Hessian beyond which the Hessian behind the
#: standard errors is recomputed with the five-point stencil.
_ILL_CONDITIONED = 1e6


def quasi_newton(fun: Callable, z0: np.ndarray, scale: float, *, max_iter: int = 5000
                  ) -> np.ndarray:
    """BFGS from z0 (scipy's, with its Wolfe line search): the fallback when L-BFGS-B stops
    short, which it does unbounded from a start with a variance on semopy's bound of 0 (its
    first step of length one leaves the positive-definite region, f is infinite there, and
    it ends "RELATIVE REDUCTION OF F" after one iteration: ECSI on mobi with 10 % missing,
    gradient 140). BFGS reaches the minimum there in ~230 iterations."""

    def objective(z):
        value, grad = fun(z)
        return (value, grad) if grad is not None else (math.inf, np.full(z.size, np.nan))

    res = minimize(objective, z0, jac=True, method="BFGS",
                   options={"maxiter": max_iter, "gtol": GTOL * scale})
    return res.x if np.all(np.isfinite(res.x)) and math.isfinite(float(res.fun)) else z0


@dataclass(frozen=True)
class SemFit:
    """A fitted CB-SEM: tidy parameters and the moments they were fitted to.

    ``params`` columns: lhs, op ('=~', '~', '~~'), rhs, est, se, z, p_value, std, free.
    ``sample_mean``/``sample_cov`` are the ML moments (N denominator; EM under FIML).
    """

    params: pd.DataFrame
    observed: tuple[str, ...]
    latents: tuple[str, ...]
    implied_cov: np.ndarray
    inner_cov: pd.DataFrame
    cross_cov: pd.DataFrame
    sample_mean: np.ndarray
    sample_cov: np.ndarray
    n: int
    n_dropped: int
    missing: str
    converged: bool
    message: str
    fit: dict
    information_ok: bool
    #: The optimiser's parameter vector (semopy's order) and, under FIML, the mean estimates:
    #: the bootstrap's warm start.
    param_vals: np.ndarray | None = None
    implied_mean: np.ndarray | None = None
    #: Hessian of the objective at the estimates, over param_vals (then the means under
    #: FIML): of F_ML for complete data, of -2 logL under FIML.
    hessian: np.ndarray | None = None
    #: Covariance matrix of the observed variables' residuals (Theta), in ``observed`` order.
    residual_cov: np.ndarray | None = None
    #: The case weights of the rows used, rescaled to sum to their number (None: unweighted).
    weights: np.ndarray | None = None
    #: lavaan's names of the standard errors and the test: "expected" (complete data) or
    #: "observed" (FIML) information and the "standard" chi2; under case weights
    #: "robust.huber.white" and "yuan.bentler.mplus" (:mod:`survey.estimators.robust`).
    se_type: str = "expected"
    test: str = "standard"


def fit_sem(description: str, data: pd.DataFrame, *, missing: str = "fiml",
            standard_errors: bool = True, source: str = "data",
            weights: np.ndarray | None = None) -> SemFit:
    """Fit a lavaan-syntax model by ML (complete data) or FIML/listwise (with NaN).

    ``missing`` is 'fiml' or 'listwise'; it only matters when ``data`` has NaN. Without
    ``standard_errors`` (a likelihood-ratio test needs only logL) the SEs are NaN.
    ``weights``: case weights of the rows of ``data`` (non-negative), as lavaan's
    ``sampling.weights``: rescaled to sum to the number of rows used, weighted ML (weighted
    moments) or weighted FIML, robust standard errors and the Yuan-Bentler scaled test
    (:mod:`survey.estimators.robust`).
    """
    # Matrices of a few dozen rows: BLAS threads gain nothing and, on a busy machine, spin
    # against other processes (semopy's fit of the airline model went from 0.2 s to 17 s).
    with threadpool_limits(1):
        return _fit_sem(description, data, missing, standard_errors, source, weights)


def _fit_sem(description: str, data: pd.DataFrame, missing: str,
             standard_errors: bool = True, source: str = "data",
             weights: np.ndarray | None = None) -> SemFit:
    try:
        model = SemModel(description)
    except Exception as exc:  # semopy raises bare exceptions on syntax problems
        raise EstimationError(f"The model description could not be parsed: {exc}") from exc
    observed = list(model.vars["observed"])
    absent = [v for v in observed if v not in data.columns]
    if absent:
        raise EstimationError(f"Columns {absent} named by the model are not in the data.")
    frame = data[observed].astype(float)
    n_total = len(frame)
    if weights is not None and len(weights) != n_total:
        raise EstimationError(f"{len(weights)} case weights for {n_total} rows of data.")
    has_missing = bool(frame.isna().to_numpy().any())
    mode = "listwise"
    if has_missing and missing == "listwise":
        keep = frame.notna().all(axis=1).to_numpy()
    elif has_missing:
        mode = "fiml"
        # A respondent with no answer at all carries no information (lavaan ignores such
        # cases too); counted as dropped.
        keep = frame.notna().any(axis=1).to_numpy()
    else:
        keep = np.ones(n_total, bool)
    frame = frame[keep]
    x = frame.to_numpy()
    w = None if weights is None else _rescaled(np.asarray(weights, float)[keep], source)
    check_sample_size(len(frame), observed, source, missing=mode if has_missing else None,
                      remedy="Use FIML (--missing fiml) to keep incomplete respondents. "
                      if mode == "listwise" and has_missing else "")
    with warnings.catch_warnings(), quiet_semopy():
        warnings.simplefilter("ignore")
        if mode == "fiml":
            # The pattern sums serve the saturated (EM) moments and the FIML likelihood.
            model.prepare_fiml_means(x, w)
            em_mean, em_cov, em_ok = em_from_sums(model.fiml_patterns, model.fiml_sums,
                                                  np.nanmean(x, axis=0),
                                                  np.diag(np.nanvar(x, axis=0)))
            check_positive_definite(em_cov, observed, source, converged=em_ok, incomplete=(
                len(frame), int((~np.isnan(x).any(axis=1)).sum())))
            cov_frame = pd.DataFrame(em_cov, index=observed, columns=observed)
            # Two-stage ML on the EM moments gives starting values; then FIML proper.
            model.fit(frame - em_mean, cov=cov_frame, obj="MLW", options={"ftol": _FTOL})
            mean, cov = em_mean, em_cov
            q = len(model.param_vals)
            fun = lambda z: model._fiml_terms(z[:q], z[q:], True)  # noqa: E731
            z, hessian, converged, message = minimise(
                fun, np.concatenate([np.asarray(model.param_vals, float), em_mean]),
                model.fiml_sums.n_total)
        elif w is not None:
            # Weighted ML: F_ML on the weighted moments (N denominator), semopy's SLSQP on
            # them for starting values.
            center = x.mean(axis=0)
            means, covs = weighted_moments(x - center, w[None, :])
            mean, cov = center + means[0], covs[0]
            check_positive_definite(cov, observed, source)
            model.fit(frame - mean, cov=pd.DataFrame(cov, index=observed, columns=observed),
                      obj="MLW", options={"ftol": _FTOL})
            logdet = np.linalg.slogdet(cov)[1]
            fun = lambda t: model.ml_terms(t, cov, logdet)  # noqa: E731
            z, hessian, converged, message = minimise(
                fun, np.array(model.param_vals, float), 1.0)
        else:
            mean = x.mean(axis=0)
            cov = np.cov(x, rowvar=False, bias=True)
            check_positive_definite(cov, observed, source)
            # semopy's SLSQP (variances bounded at 0) for starting values, then unbounded ML.
            model.fit(frame, options={"ftol": _FTOL})
            logdet = np.linalg.slogdet(cov)[1]
            fun = lambda t: model.ml_terms(t, cov, logdet)  # noqa: E731
            z, hessian, converged, message = minimise(
                fun, np.array(model.param_vals, float), 1.0)
        set_estimates(model, z)
    sigma, (_, c) = model.calc_sigma()
    k = len(model.param_vals)
    if mode == "fiml":
        fit = fiml_fit_measures(x, model.fiml_mean, sigma, k, saturated=(mean, cov), weights=w)
    else:
        fit = ml_fit_measures(cov, sigma, len(frame), k)
    se_type, test = "observed" if mode == "fiml" else "expected", "standard"
    if w is not None:
        se_type, test = "robust.huber.white", "yuan.bentler.mplus"
        se, info_ok, robust = _robust(model, mode, x, w, z, hessian, (mean, cov), fit)
        fit.update(robust)
        if not standard_errors:
            se = np.full(k, np.nan)
    elif not standard_errors:
        se, info_ok = np.full(len(model.param_vals), np.nan), True
    else:
        se, info_ok = _standard_errors(model, mode, hessian if mode == "fiml" else None)
    params = _parameter_table(model, se, sigma, c)
    inner = list(model.vars["inner"])
    inner_cov = c @ model.mx_psi @ c.T
    cross = model.mx_lambda @ inner_cov  # cov(observed, inner)
    return SemFit(
        params=params, observed=tuple(observed), latents=tuple(sorted(model.vars["latent"])),
        implied_cov=sigma,
        inner_cov=pd.DataFrame(inner_cov, index=inner, columns=inner),
        cross_cov=pd.DataFrame(cross, index=observed, columns=inner),
        sample_mean=mean, sample_cov=cov, n=len(frame), n_dropped=n_total - len(frame),
        missing=mode, converged=converged, message=message, fit=fit,
        information_ok=info_ok, param_vals=np.array(model.param_vals, float),
        implied_mean=model.fiml_mean.copy() if mode == "fiml" else None, hessian=hessian,
        residual_cov=np.array(model.mx_theta, float), weights=w, se_type=se_type, test=test,
    )


def _rescaled(weights: np.ndarray, source: str) -> np.ndarray:
    """Case weights rescaled to sum to their number, lavaan's ``sampling.weights.
    normalization = "total"`` (a single group): N stays the number of respondents in chi2,
    RMSEA and BIC, and the estimates do not depend on the weights' scale."""
    if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
        raise EstimationError(Problem(source, "The case weights of the respondents used must "
                                              "be non-negative and not all zero."))
    return weights * (weights.size / weights.sum())


def _robust(model: SemModel, mode: str, x: np.ndarray, w: np.ndarray, z: np.ndarray,
            hessian: np.ndarray | None, saturated: tuple[np.ndarray, np.ndarray], fit: dict
            ) -> tuple[np.ndarray, bool, dict]:
    """lavaan's MLR under sampling weights (:func:`~survey.estimators.robust.robust_ml`):
    sandwich standard errors of the parameters (and the means under FIML) and the scaled and
    robust fit measures. The bread is the observed information, from the Hessian that
    :func:`minimise` left at the estimates (forward differences of the analytic gradient, the
    five-point stencil where ill-conditioned): of -2 logL under FIML, of F_ML = -2 logL / N +
    const for complete data."""
    fiml = mode == "fiml"
    k = len(model.param_vals)
    if hessian is None or not np.all(np.isfinite(hessian)):
        return np.full(k, np.nan), False, {}
    information = hessian / 2 if fiml else hessian * (w.sum() / 2)
    mean = model.fiml_mean if fiml else saturated[0]
    set_estimates(model, z)
    sigma = model.calc_sigma()[0]
    result = robust_ml(x, w, fiml=fiml, mean=mean, sigma=sigma,
                       delta=model.sigma_jacobian(), information=information,
                       saturated=saturated, chi2=fit["chi2"], df=int(fit["df"]),
                       chi2_base=fit["baseline_chi2"], df_base=int(fit["baseline_df"]))
    if result.covariance is None:
        return np.full(k, np.nan), False, result.fit
    eig = np.linalg.eigvalsh(information)
    ok = bool(np.all(eig > 1e-10 * max(1.0, eig.max())))
    diag = np.diag(result.covariance)[:k]
    if not ok:
        # Not identified by these data (as _standard_errors): no standard errors.
        return np.full(k, np.nan), False, result.fit
    return np.where(diag > 0, np.sqrt(np.abs(diag)), np.nan), ok, result.fit


def minimise(fun: Callable, z0: np.ndarray, scale: float, *,
             hessian_of: Callable[[np.ndarray], np.ndarray] | None = None,
             hessian: np.ndarray | None = None
             ) -> tuple[np.ndarray, np.ndarray | None, bool, str]:
    """Minimise ``fun`` (value, gradient; (inf, None) outside the positive-definite region)
    from z0, unbounded: the full-sample fits of :func:`fit_sem` and the multi-group fits.

    With ``hessian`` (a good guess: a multi-group restriction's mapped Hessian), Newton steps
    from z0 first; otherwise, or when they fail, L-BFGS-B, and BFGS where L-BFGS-B stops short
    (:func:`quasi_newton`). Then Newton rounds finish the run (:func:`_polish`).
    ``hessian_of(z)`` computes the Hessian (default: forward differences of the gradient).
    ``scale``: the objective's size per unit of gradient tolerance (1 for F_ML, n for
    -2 logL). Returns the estimates, the Hessian there, whether the run converged and how."""
    grad = lambda v: fun(v)[1]  # noqa: E731
    hessian_of = hessian_of or (lambda v: _hessian(grad, v))
    if hessian is not None and (h_inv := pd_inverse(hessian)) is not None:
        z, ok = newton(fun, z0, h_inv, 1e-16 * scale, 50, gtol=GTOL * scale)
        if ok:
            return (*_polish(fun, z, scale, hessian_of, hessian),
                    "Newton steps from a related model's Hessian")

    def objective(z):
        value, g = fun(z)
        return (value, g) if g is not None else (math.inf, np.full(z.size, math.nan))

    res = minimize(objective, z0, jac=True, method="L-BFGS-B",
                   options={"maxiter": 5000, "ftol": 1e-14, "gtol": 1e-9})
    z, message = (res.x, f"L-BFGS-B ({res.message}), then Newton steps") \
        if np.all(np.isfinite(res.x)) and math.isfinite(float(res.fun)) else (z0, "")
    if not _converged(res, scale):
        z = quasi_newton(fun, z, scale)
        message = "L-BFGS-B stopped short; BFGS, then Newton steps"
    z, hessian, ok = _polish(fun, z, scale, hessian_of)
    return z, hessian, ok, message if ok else f"not converged: {message}"


def _polish(fun: Callable, z0: np.ndarray, scale: float,
            hessian_of: Callable[[np.ndarray], np.ndarray], hessian: np.ndarray | None = None,
            *, rounds: int = 20) -> tuple[np.ndarray, np.ndarray, bool]:
    """Finish an optimiser's run with Newton steps on the analytic gradient: the minimiser of
    every bootstrap resample, so a resample equal to the sample gives back these estimates
    (semopy's SLSQP stops ~1e-6 short of the minimum at ftol=1e-12, L-BFGS-B in flat
    directions too).

    A round takes Newton steps with the Hessian of its start (``hessian`` for the first
    round when given, else ``hessian_of``), damped towards positive definiteness when it is
    not, so every step descends; another round with the Hessian recomputed follows while the
    steps moved the estimates or the Hessian was damped. Returns the estimates (z0 when
    nothing converges), the objective's Hessian there (for the standard errors and the
    resamples' steps; with lavaan's five-point stencil when ill-conditioned) and whether the
    steps converged."""
    z, ok = z0, False
    hessian = hessian_of(z) if hessian is None else hessian
    for _ in range(rounds):
        h_inv, damped = _damped_inverse(hessian)
        if h_inv is None:
            break
        refined, ok = newton(fun, z, h_inv, 1e-16 * scale, 50, gtol=GTOL * scale)
        moved = float(np.max(np.abs(refined - z))) if z.size else 0.0
        z = refined
        if ok and not damped and moved <= 1e-7 * max(1.0, float(np.max(np.abs(z)))):
            break
        ok = False
        if moved == 0.0 and damped:
            break
        hessian = hessian_of(z)
    if not np.all(np.isfinite(z)):
        z, ok = z0, False
    if ok:
        eig = np.linalg.eigvalsh(hessian)
        if eig[0] <= 0 or eig[-1] > _ILL_CONDITIONED * eig[0]:
            hessian = _hessian_five_point(lambda v: fun(v)[1], z)
    return z, hessian, ok


def _damped_inverse(hessian: np.ndarray) -> tuple[np.ndarray | None, bool]:
    """The inverse of the Hessian when it is positive definite; otherwise of the Hessian
    with its smallest eigenvalue lifted to a small positive share of the largest
    (Levenberg-Marquardt damping), so that the step is a descent direction. Returns the
    inverse (None when the Hessian is not finite) and whether it was damped."""
    if not np.all(np.isfinite(hessian)):
        return None, True
    h_inv = pd_inverse(hessian)
    if h_inv is not None:
        return h_inv, False
    eig = np.linalg.eigvalsh(hessian)
    shift = -eig[0] + 1e-6 * max(abs(eig[-1]), 1.0)
    return np.linalg.inv(hessian + shift * np.eye(hessian.shape[0])), True


def pd_inverse(a: np.ndarray) -> np.ndarray | None:
    try:
        np.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        return None
    return np.linalg.inv(a)


def set_estimates(model: SemModel, z: np.ndarray) -> None:
    """Put (parameters[, means]) into the model."""
    q = len(model.param_vals)
    model.param_vals = np.array(z[:q], float)
    model.update_matrices(model.param_vals)
    if z.size > q:
        model.fiml_mean = np.array(z[q:], float)


class quiet_semopy:
    """semopy logs warnings (e.g. a non-PD information matrix) that we turn into our own."""

    def __enter__(self):
        self._level = logging.root.manager.disable
        logging.disable(logging.WARNING)

    def __exit__(self, *exc):
        logging.disable(self._level)


def _standard_errors(model: SemModel, mode: str, hessian: np.ndarray | None = None
                     ) -> tuple[np.ndarray, bool]:
    x0 = np.array(model.param_vals, dtype=float)
    if mode == "fiml":
        # Observed information over structure parameters and means jointly, lavaan's default
        # under missing = "ml": the FIML objective is -2 logL + const, so I = H / 2, with H
        # the Hessian minimise() computed at the estimates.
        info = (hessian + hessian.T) / 4
    else:
        info = model.calc_fim()
    try:
        eig = np.linalg.eigvalsh(info)
        ok = bool(np.all(eig > 1e-10 * max(1.0, eig.max())))
        if not ok:
            # Not identified by these data: a pseudo-inverse would print standard errors
            # that mean nothing (check_admissibility says why there are none).
            return np.full(x0.size, np.nan), False
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        return np.full(x0.size, np.nan), False
    diag = np.diag(cov)[: x0.size]
    return np.where(diag > 0, np.sqrt(np.abs(diag)), np.nan), ok


def parameter_entries(model: SemModel) -> Iterator[tuple[str, Any, tuple[str, str, str]]]:
    """Every matrix entry of every semopy parameter, as (name, parameter, (lhs, op, rhs)) in
    lavaan's operators and orientation: a loading as (latent, '=~', item), a path as
    (effect, '~', cause), a (residual) (co)variance as (a, '~~', b)."""
    specs = [(model.mx_beta, model.names_beta, "~"), (model.mx_lambda, model.names_lambda, "=~"),
             (model.mx_psi, model.names_psi, "~~"), (model.mx_theta, model.names_theta, "~~")]
    for name, prm in model.parameters.items():
        for loc in prm.locations:
            for mx, names, op in specs:
                if loc.matrix is mx:
                    i, j = loc.indices
                    a, b = names[0][i], names[1][j]
                    yield name, prm, ((b, op, a) if op == "=~" else (a, op, b))


def _parameter_table(model: SemModel, se: np.ndarray, sigma: np.ndarray, c: np.ndarray
                     ) -> pd.DataFrame:
    """One row per model parameter (free or fixed), lavaan's operators, standardized values."""
    inner_var = np.diag(c @ model.mx_psi @ c.T)
    obs_var = np.diag(sigma)
    inner = list(model.vars["inner"])
    observed = list(model.vars["observed"])
    sd = {**{v: math.sqrt(max(inner_var[i], 0)) for i, v in enumerate(inner)},
          **{v: math.sqrt(max(obs_var[i], 0)) for i, v in enumerate(observed)}}
    active = [k for k, prm in model.parameters.items() if prm.active]
    rows = []
    for name, prm, (lhs, op, rhs) in parameter_entries(model):
        if prm.active:
            k = active.index(name)
            est, err, free = float(model.param_vals[k]), float(se[k]), True
        else:
            est, err, free = float(prm.start), math.nan, False
        rows.append((lhs, op, rhs, est, err, free))
    # Fixed marker loadings and mirrored observed variables are not parameters in semopy.
    seen = {(r[0], r[1], r[2]) for r in rows}
    lam_rows, lam_cols = model.names_lambda
    for i, obs in enumerate(lam_rows):
        for j, lat in enumerate(lam_cols):
            val = model.mx_lambda[i, j]
            if val != 0 and (lat, "=~", obs) not in seen and lat != obs:
                rows.append((lat, "=~", obs, float(val), math.nan, False))
    frame = pd.DataFrame(rows, columns=["lhs", "op", "rhs", "est", "se", "free"])
    frame = frame.drop_duplicates(subset=["lhs", "op", "rhs"], keep="first")
    variance = {r.lhs: r.est for r in frame.itertuples(index=False)
                if r.op == "~~" and r.lhs == r.rhs}
    std = []
    for r in frame.itertuples(index=False):
        if r.op == "=~":
            std.append(r.est * sd[r.lhs] / sd[r.rhs] if sd[r.rhs] else math.nan)
        elif r.op == "~":
            std.append(r.est * sd[r.rhs] / sd[r.lhs] if sd[r.lhs] else math.nan)
        elif r.lhs == r.rhs:
            std.append(r.est / sd[r.lhs] ** 2 if sd[r.lhs] else math.nan)
        else:
            # A (residual) covariance is standardized by the two residual variances, as
            # lavaan's std.all does: it is the residual correlation.
            den = math.sqrt(max(variance.get(r.lhs, 0) * variance.get(r.rhs, 0), 0))
            std.append(r.est / den if den else math.nan)
    frame["std"] = std
    frame["z"] = frame["est"] / frame["se"]
    frame["p_value"] = 2 * stats.norm.sf(np.abs(frame["z"]))
    return frame.reset_index(drop=True)[["lhs", "op", "rhs", "est", "se", "z", "p_value", "std",
                                         "free"]]
