"""Covariance-based SEM through semopy (the only module that imports semopy).

:func:`fit_sem` fits a lavaan-style model description and returns a :class:`SemFit` holding a
tidy parameter table (lhs, op, rhs, est, se, std) and the moments behind it; nothing outside
this module sees a semopy object. :func:`estimate_cbsem` builds the description from a
questionnaire-bound path model (higher-order constructs, single-item constructs), fits it, and
assembles the immutable :class:`~survey.estimate.result.Estimate`. :func:`bootstrap_cbsem` (or
``estimate_cbsem(bootstrap=...)``) refits it on bootstrap resamples through the shared driver
(:mod:`survey.estimate.bootstrap`) with :class:`CbsemBootstrap` as the statistic.

Case weights are lavaan's ``sampling.weights``: rescaled to sum to the respondents used,
weighted ML (weighted moments) or weighted FIML (weighted pattern sums), and lavaan's default
inference under them, MLR: sandwich standard errors and the Yuan-Bentler scaled test
(:mod:`survey.estimate.robust`).

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
* semopy's ``calc_stats`` fit measures are wrong in places (see :mod:`survey.estimate.fit`).
* semopy bounds variances at 0, so a Heywood case comes out as a boundary solution: a variance
  of 0, the other estimates moved to compensate (ECSI on mobi with 10 % of answers missing:
  paths up to 0.69 away from lavaan's) and one df too many in the eyes of a reader counting
  active bounds. lavaan (``bounds = "none"``, its default) estimates variances unbounded and
  warns about negative ones; so do we: semopy's bounded SLSQP only gives starting values, the
  ML and FIML minimisation that follows is unbounded, and a negative variance is flagged by
  name (:mod:`survey.estimate.admissibility`).
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import semopy
from scipy import stats
from scipy.optimize import minimize
from semopy.utils import chol_inv2
from threadpoolctl import threadpool_limits

from survey.errors import EstimationError, Problem
from survey.estimate.admissibility import check_admissibility, not_positive_definite
from survey.estimate.bootstrap import (
    INADMISSIBLE_REASONS,
    NEGATIVE_VARIANCE,
    NOT_POSITIVE_DEFINITE,
    BootstrapResult,
    BootstrapSettings,
    Label,
    run_bootstrap,
)
from survey.estimate.effects import total_effects
from survey.estimate.fit import Patterns, em_from_sums, fiml_fit_measures, ml_fit_measures
from survey.estimate.notices import Notice, notice
from survey.estimate.prepare import (
    case_weights,
    check_items,
    check_positive_definite,
    check_sample_size,
    weighted_moments,
)
from survey.estimate.quality import (
    adjusted_r2,
    average_variance_extracted,
    composite_reliability,
    correlation,
    cronbach_alpha,
    f_squared,
    htmt_batched,
    htmt_pairs,
    inner_vif,
    r2_from_corr,
)
from survey.estimate.result import (
    CovarianceEstimate,
    EffectEstimate,
    Estimate,
    LoadingEstimate,
    PathEstimate,
    WeightEstimate,
)
from survey.estimate.robust import robust_ml, vech_index
from survey.indices import IndexResult, index_from_weights
from survey.pathmodel import BoundModel
from survey.questionnaire import Scale

_FTOL = 1e-12
#: Largest gradient entry, per unit of the objective's scale (1 for F_ML, n for -2 logL), at
#: which a minimisation has converged (also L-BFGS-B's criterion in _converged).
_GTOL = 1e-6


def _stack(a: np.ndarray) -> np.ndarray:
    """(G, p, r) -> (p, G r): the patterns' p x r blocks side by side, so that a sum over
    patterns of products of blocks is one matrix product."""
    return a.transpose(1, 0, 2).reshape(a.shape[1], -1)


class _Model(semopy.Model):
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
        :func:`~survey.estimate.robust.vech_index` order: :meth:`chain_sigma` of each
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


def _converged(res, scale: float, tol: float = _GTOL, loose: float = 1e-3) -> bool:
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


def _newton(fun: Callable, z0: np.ndarray, h_inv: np.ndarray, tol: float,
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


def _quasi_newton(fun: Callable, z0: np.ndarray, scale: float, *, max_iter: int = 5000
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
                   options={"maxiter": max_iter, "gtol": _GTOL * scale})
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
    #: "robust.huber.white" and "yuan.bentler.mplus" (:mod:`survey.estimate.robust`).
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
    (:mod:`survey.estimate.robust`).
    """
    # Matrices of a few dozen rows: BLAS threads gain nothing and, on a busy machine, spin
    # against other processes (semopy's fit of the airline model went from 0.2 s to 17 s).
    with threadpool_limits(1):
        return _fit_sem(description, data, missing, standard_errors, source, weights)


def _fit_sem(description: str, data: pd.DataFrame, missing: str,
             standard_errors: bool = True, source: str = "data",
             weights: np.ndarray | None = None) -> SemFit:
    try:
        model = _Model(description)
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
    with warnings.catch_warnings(), _quiet_semopy():
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
        _set_estimates(model, z)
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


def _robust(model: _Model, mode: str, x: np.ndarray, w: np.ndarray, z: np.ndarray,
            hessian: np.ndarray | None, saturated: tuple[np.ndarray, np.ndarray], fit: dict
            ) -> tuple[np.ndarray, bool, dict]:
    """lavaan's MLR under sampling weights (:func:`~survey.estimate.robust.robust_ml`):
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
    _set_estimates(model, z)
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
    (:func:`_quasi_newton`). Then Newton rounds finish the run (:func:`_polish`).
    ``hessian_of(z)`` computes the Hessian (default: forward differences of the gradient).
    ``scale``: the objective's size per unit of gradient tolerance (1 for F_ML, n for
    -2 logL). Returns the estimates, the Hessian there, whether the run converged and how."""
    grad = lambda v: fun(v)[1]  # noqa: E731
    hessian_of = hessian_of or (lambda v: _hessian(grad, v))
    if hessian is not None and (h_inv := _pd_inverse(hessian)) is not None:
        z, ok = _newton(fun, z0, h_inv, 1e-16 * scale, 50, gtol=_GTOL * scale)
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
        z = _quasi_newton(fun, z, scale)
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
        refined, ok = _newton(fun, z, h_inv, 1e-16 * scale, 50, gtol=_GTOL * scale)
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
    h_inv = _pd_inverse(hessian)
    if h_inv is not None:
        return h_inv, False
    eig = np.linalg.eigvalsh(hessian)
    shift = -eig[0] + 1e-6 * max(abs(eig[-1]), 1.0)
    return np.linalg.inv(hessian + shift * np.eye(hessian.shape[0])), True


def _pd_inverse(a: np.ndarray) -> np.ndarray | None:
    try:
        np.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        return None
    return np.linalg.inv(a)


def _set_estimates(model: _Model, z: np.ndarray) -> None:
    """Put (parameters[, means]) into the model."""
    q = len(model.param_vals)
    model.param_vals = np.array(z[:q], float)
    model.update_matrices(model.param_vals)
    if z.size > q:
        model.fiml_mean = np.array(z[q:], float)


class _quiet_semopy:
    """semopy logs warnings (e.g. a non-PD information matrix) that we turn into our own."""

    def __enter__(self):
        self._level = logging.root.manager.disable
        logging.disable(logging.WARNING)

    def __exit__(self, *exc):
        logging.disable(self._level)


def _standard_errors(model: _Model, mode: str, hessian: np.ndarray | None = None
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


def _parameter_table(model: _Model, se: np.ndarray, sigma: np.ndarray, c: np.ndarray
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
    specs = [(model.mx_beta, model.names_beta, "~"), (model.mx_lambda, model.names_lambda, "=~"),
             (model.mx_psi, model.names_psi, "~~"), (model.mx_theta, model.names_theta, "~~")]
    for name, prm in model.parameters.items():
        for loc in prm.locations:
            for mx, names, op in specs:
                if loc.matrix is not mx:
                    continue
                i, j = loc.indices
                a, b = names[0][i], names[1][j]
                if op == "=~":
                    lhs, rhs = b, a
                else:
                    lhs, rhs = a, b
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


# --------------------------------------------------------------------------- questionnaire models


#: Label prefix of the parameters held equal: semopy estimates parameters that share a name as
#: one, as lavaan does parameters that share a label (``a*y2 ... a*y6``).
EQUAL = "EQ__"


def _value(x: float) -> str:
    """A fixed value as semopy's syntax reads it (no exponent: '1e+20' would split at '+')."""
    return np.format_float_positional(float(x), trim="0")


def model_syntax(bound: BoundModel) -> tuple[str, dict[str, str]]:
    """lavaan/semopy syntax for a bound model, and the map of single-item constructs to the item
    that stands for them (a single-item construct enters the structural model as its item).

    The model's residual covariances are ``~~`` lines; a fixed parameter is written with its
    value (``0.5*x``), the parameters of an equality with one shared label (``EQ__1*x``). The
    marker loading (the first indicator, fixed at 1) is written ``1.0*x`` when another loading
    of the construct carries a value or a label: semopy would otherwise take the first fixed
    loading for the marker and free the first indicator, where lavaan fixes both. Lines
    without values or labels are as they always were."""
    single = {c: items[0] for c, items in bound.measurement if len(items) == 1}
    name = lambda x: single.get(x, x)  # noqa: E731
    model = bound.model
    mult: dict[tuple[str, str, str], str] = {}
    for f in model.fixed:
        mult[f.parameter.key] = f"{_value(f.value)}*"
    for k, e in enumerate(model.equal, start=1):
        for p in e.parameters:
            mult[p.key] = f"{EQUAL}{k}*"

    def measure(construct: str, indicators: Sequence[str]) -> str:
        keys = [("=~", construct, x) for x in indicators]
        terms = [mult.get(k, "") + name(x) for k, x in zip(keys, indicators, strict=True)]
        if keys[0] not in mult and any(k in mult for k in keys[1:]):
            terms[0] = f"1.0*{name(indicators[0])}"
        return f"{construct} =~ " + " + ".join(terms)

    lines = [measure(c, items) for c, items in bound.measurement if len(items) > 1]
    for latent, dims in bound.second_order:
        lines.append(measure(latent, dims))
    for latent in model.latents:
        preds = model.predecessors(latent)
        if preds:
            lines.append(f"{name(latent)} ~ " + " + ".join(
                mult.get(("->", p, latent), "") + name(p) for p in preds))
    covariances = [(p.lhs, p.rhs, p.key) for p in model.covariances]
    declared = {key for _, _, key in covariances}
    # Fixed or equal (residual) variances, and covariances fixed without being freed.
    covariances += [(key[1], key[2], key) for key in mult
                    if key[0] == "~~" and key not in declared]
    for a, b, key in covariances:
        lines.append(f"{name(a)} ~~ {mult.get(key, '')}{name(b)}")
    return "\n".join(lines), single


def estimate_cbsem(bound: BoundModel, data: pd.DataFrame, *, missing: str = "fiml",
                   source: str = "data", bootstrap: BootstrapSettings | None = None,
                   interval: str = "percentile",
                   progress: Callable[[int, int], None] | None = None,
                   weights: str | None = None) -> Estimate:
    """Estimate a questionnaire-bound path model by CB-SEM (ML; FIML or listwise for missing).

    ``data`` holds the item columns as floats with NaN for missing (a ResponseSet's ``data``).
    Indices use factor-score regression weights (Thurstone) on each latent's own items.
    Without ``bootstrap`` SEs and intervals are Wald's, from the ML information; with it, SEs,
    t, p and ``interval`` ('percentile' or 'bca') intervals of paths, loadings and indices come
    from :func:`bootstrap_cbsem` (``progress`` as in
    :func:`~survey.estimate.bootstrap.run_bootstrap`). ``weights`` names a case-weight column
    of ``data``: lavaan's ``sampling.weights`` (see :func:`fit_sem`): weighted estimates,
    moments and indices, robust (sandwich) Wald SEs, the Yuan-Bentler scaled test; a bootstrap
    resample's frequencies multiply the weights.
    """
    check_items(bound.items, data, source)
    description, single = model_syntax(bound)
    w = case_weights(data, weights, source)
    fit = fit_sem(description, data[list(bound.items)], missing=missing, source=source,
                  weights=w)
    settings = _settings(fit, weights)
    name = lambda x: single.get(x, x)  # noqa: E731
    table = fit.params
    lookup = {(r.lhs, r.op, r.rhs): r for r in table.itertuples(index=False)}

    paths = []
    z = stats.norm.ppf(0.975)  # Wald 95 % interval from the ML standard error
    for a, b in bound.model.paths:
        r = lookup[(name(b), "~", name(a))]
        se = _num(r.se)
        paths.append(PathEstimate(a, b, r.est, r.std, se,
                                  None if se is None else r.est - z * se,
                                  None if se is None else r.est + z * se, _num(r.p_value)))
    loadings = []
    for construct, items in bound.measurement:
        for item in items:
            if len(items) == 1:
                loadings.append(LoadingEstimate(construct, item, 1.0, 1.0, None, None))
                continue
            r = lookup[(construct, "=~", item)]
            loadings.append(LoadingEstimate(construct, item, r.est, r.std, _num(r.se),
                                            _num(r.p_value)))
    for latent, dims in bound.second_order:
        for d in dims:
            r = lookup[(name(d), "~", latent)]
            loadings.append(LoadingEstimate(latent, d, r.est, r.std, _num(r.se), _num(r.p_value)))

    inner_cov = fit.inner_cov
    endogenous = [x for x in bound.constructs
                  if bound.model.predecessors(x) or any(x in dims for _, dims in bound.second_order)]
    r2 = {}
    for x in endogenous:
        var = float(inner_cov.loc[name(x), name(x)])
        disturbance = lookup.get((name(x), "~~", name(x)))
        # Undefined (as lavaan's NA) when the disturbance variance is negative: a Heywood case
        # has no proportion of explained variance.
        r2[x] = (1.0 - disturbance.est / var
                 if disturbance is not None and var > 0 and disturbance.est >= 0 else math.nan)

    effects = _effects(bound, {(p.source, p.target): p.std_estimate for p in paths})
    weights, indices = _indices(_index_blocks(bound), name, fit.observed, list(fit.cross_cov.columns),
                                fit.sample_mean, fit.sample_cov, fit.implied_cov,
                                fit.cross_cov.to_numpy())
    variances = [(f"{r.lhs} ~~ {r.rhs}", r.est, _num(r.se)) for r in table.itertuples(index=False)
                 if r.op == "~~" and r.lhs == r.rhs]
    covariances = _covariances(bound, table, name, z)
    notices = list(check_admissibility(fit, bound, name, paths, loadings))
    incomplete = _count_incomplete(data, bound)
    if fit.missing == "fiml":
        notices.insert(0, notice("fiml_kept", incomplete=incomplete, n=fit.n))
    elif fit.n_dropped:
        notices.insert(0, notice("listwise_dropped", n=fit.n_dropped))
    notices += [notice("invalid_index", latent=idx.latent) for idx in indices if not idx.valid]
    admissible = fit.converged and not any(n.inadmissible for n in notices)
    quality = _measurement_quality(bound, fit, name, loadings, r2)
    notices += reliability_notices(quality["reliability"])
    est = Estimate(
        method="cbsem", model_id=bound.model.id, n=fit.n, n_dropped=fit.n_dropped,
        missing=fit.missing, converged=fit.converged, admissible=admissible,
        warnings=tuple(n.text() for n in notices), notices=tuple(notices),
        paths=tuple(paths), loadings=tuple(loadings),
        weights=tuple(weights), r2=r2, effects=tuple(effects), indices=tuple(indices),
        fit={k: v for k, v in fit.fit.items()},
        missing_detail={"n_total": fit.n + fit.n_dropped, "n_used": fit.n,
                        "n_incomplete": incomplete,
                        "n_dropped": fit.n_dropped},
        variances=tuple(variances), index_weights="factor_score_regression",
        inference="wald", settings=settings, covariances=covariances,
        constraints=constraints_json(bound), **quality,
    )
    if bootstrap is None:
        return est
    statistic = CbsemBootstrap(bound, fit, _rows_used(fit, data), est)
    return est.with_bootstrap(_run(statistic, bootstrap, progress), interval)


def _covariances(bound: BoundModel, table: pd.DataFrame, name: Callable[[str], str],
                 z: float) -> tuple[CovarianceEstimate, ...]:
    """The covariances that are parameters: every free one (the exogenous constructs'
    covariances, by default; those the model frees) and those the model fixed, with Wald
    intervals. semopy's fixed covariances of exogenous single items (their sample values,
    lavaan's ``fixed.x``) are not parameters of the model and are left out."""
    fixed = {("~~", *sorted((name(f.parameter.lhs), name(f.parameter.rhs))))
             for f in bound.model.fixed}
    residual = {i for _, items in bound.measurement if len(items) > 1 for i in items}
    # Each pair in the model's order (constructs, then items), as lavaan writes them; semopy
    # sorts the exogenous pairs by name.
    order = {v: k for k, v in enumerate([name(c) for c in bound.constructs] + list(bound.items))}
    out = []
    for r in table.itertuples(index=False):
        if r.op != "~~" or r.lhs == r.rhs:
            continue
        if not r.free and ("~~", *sorted((r.lhs, r.rhs))) not in fixed:
            continue
        a, b = sorted((r.lhs, r.rhs), key=lambda v: order.get(v, len(order)))
        se = _num(r.se)
        out.append(CovarianceEstimate(
            a, b, "item" if a in residual else "construct", float(r.est),
            _num(r.std), se, _num(r.p_value), None if se is None else r.est - z * se,
            None if se is None else r.est + z * se, fixed=not r.free))
    return tuple(out)


def constraints_json(bound: BoundModel) -> dict[str, list]:
    """The model's fixed parameters and equalities as the JSON's ``constraints`` block."""
    model = bound.model
    out: dict[str, list] = {}
    if model.fixed:
        out["fixed"] = [{"parameter": str(f.parameter), "value": f.value} for f in model.fixed]
    if model.equal:
        out["equal"] = [[str(p) for p in e.parameters] for e in model.equal]
    return out


def _settings(fit: SemFit, weights: str | None) -> dict:
    """What the estimate was made with, in lavaan's words: the case-weight column (rescaled
    to sum to the respondents used), the standard errors and the test statistic."""
    return {"weights_column": weights,
            "weights_normalization": None if weights is None else "total",
            "standard_errors": fit.se_type, "test": fit.test,
            "information": "observed" if fit.weights is not None or fit.missing == "fiml"
            else "expected"}


def _measurement_quality(bound: BoundModel, fit: SemFit, name: Callable[[str], str],
                         loadings: list[LoadingEstimate], r2: dict[str, float]) -> dict:
    """Measurement and structural quality of a CB-SEM solution, as the Estimate's fields.

    alpha from the ML (EM under FIML) item covariances; rho_C and AVE from the standardized
    loadings; omega, the reliability the model implies for the construct's unit-weighted sum
    score: the squared correlation of the sum with the latent, (1'cov(x, eta))^2 /
    (var(eta) 1'Sigma_xx 1) from the model-implied moments (McDonald's omega for a congeneric
    block; residual covariances and cross-loadings enter through Sigma; for a higher-order
    construct, over all its dimensions' items, the share of the sum explained by it). rho_A is
    a reliability of PLS composites (Dijkstra & Henseler 2015) and is not given: from
    factor-score weights it came out at 3.30. Values above 1 are possible only in an
    inadmissible solution and are flagged (notice ``reliability_above_one``). HTMT and HTMT2
    from the item correlations (as for PLS);
    latent correlations and cross-loadings (structure coefficients: the model-implied
    correlation of each item with each latent); inner VIF, adjusted R² and f² from the implied
    latent correlations (f² without re-estimating the model).
    """
    obs = list(fit.observed)
    second = dict(bound.second_order)
    corr_items = correlation(fit.sample_cov)
    own = {c: [x.std_estimate for x in loadings if x.latent == c] for c in bound.constructs}
    reliability = {}
    for construct in bound.constructs:
        std = own[construct]
        items = [i.id for i in bound.indicators(construct)]
        idx = [obs.index(i) for i in items]
        alpha = None if construct in second else cronbach_alpha(
            fit.sample_cov[np.ix_(idx, idx)])
        single = len(items) == 1
        reliability[construct] = {
            "alpha": alpha, "rho_a": None,
            "rho_c": None if single else composite_reliability(std),
            "ave": None if single else average_variance_extracted(std),
            "omega": None if single else _omega(fit, idx, name(construct))}
    blocks = {c: [obs.index(i) for i in items] for c, items in bound.measurement}
    pairs = htmt_pairs(list(blocks))
    h1 = htmt_batched(corr_items[None], blocks, pairs)[0]
    h2 = htmt_batched(corr_items[None], blocks, pairs, geometric=True)[0]

    names = [name(c) for c in bound.constructs]
    inner = fit.inner_cov.loc[names, names].to_numpy()
    sd = np.sqrt(np.clip(np.diag(inner), 0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        lat = inner / np.outer(sd, sd)
        cross = (fit.cross_cov.loc[obs, names].to_numpy()
                 / np.sqrt(np.diag(fit.implied_cov))[:, None] / sd[None, :])
    constructs = list(bound.constructs)
    correlations = [(a, b, float(lat[i, j])) for i, a in enumerate(constructs)
                    for j, b in enumerate(constructs) if j > i]
    items = list(bound.items)
    cross_loadings = [(item, c, float(cross[obs.index(item), k])) for item in items
                      for k, c in enumerate(constructs)]
    adj, f2, vifs = {}, [], []
    for x, value in r2.items():
        preds = list(bound.model.predecessors(x)) + [h for h, dims in second.items() if x in dims]
        idx = [constructs.index(p) for p in preds]
        adj[x] = adjusted_r2(value, fit.n, len(preds))
        for p, v in zip(preds, inner_vif(lat, idx), strict=True):
            vifs.append((p, x, float(v)))
            if (p, x) in bound.model.paths:
                without = r2_from_corr(lat, [i for i in idx if i != constructs.index(p)],
                                       constructs.index(x))
                f2.append((p, x, f_squared(value, without)))
    return {"reliability": reliability,
            "htmt": tuple((a, b, float(v)) for (a, b), v in zip(pairs, h1, strict=True)),
            "htmt2": tuple((a, b, float(v)) for (a, b), v in zip(pairs, h2, strict=True)),
            "latent_correlations": tuple(correlations), "cross_loadings": tuple(cross_loadings),
            "adj_r2": adj, "f2": tuple(f2), "inner_vif": tuple(vifs)}


def _omega(fit: SemFit, idx: Sequence[int], latent: str) -> float:
    """Model-implied reliability of the unit-weighted sum of the items at ``idx`` for
    ``latent``: (1'cov(x, eta))^2 / (var(eta) 1'Sigma_xx 1)."""
    cov_x_eta = float(fit.cross_cov[latent].to_numpy()[idx].sum())
    var_sum = float(fit.implied_cov[np.ix_(idx, idx)].sum())
    var_eta = float(fit.inner_cov.loc[latent, latent])
    with np.errstate(invalid="ignore", divide="ignore"):
        return cov_x_eta ** 2 / (var_eta * var_sum) if var_eta * var_sum > 0 else math.nan


def reliability_notices(reliability: Mapping[str, Mapping[str, float | None]]
                        ) -> list[Notice]:
    """A notice for every composite reliability or omega above 1: impossible in an
    admissible solution (a negative error variance makes 1 - l^2 negative)."""
    out = []
    for construct, values in reliability.items():
        for measure in ("rho_c", "omega"):
            v = values.get(measure)
            if v is not None and math.isfinite(v) and v > 1:
                out.append(notice("reliability_above_one", construct=construct,
                                  measure=measure, value=f"{v:.2f}"))
    return out


def _count_incomplete(data: pd.DataFrame, bound: BoundModel) -> int:
    return int(data[list(bound.items)].isna().any(axis=1).sum())


def _num(x) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def _effects(bound: BoundModel, std_paths: dict[tuple[str, str], float]) -> list[EffectEstimate]:
    """Direct, indirect and total effects between latents from standardized paths:
    :func:`~survey.estimate.effects.total_effects`."""
    latents = list(bound.model.latents)
    k = len(latents)
    b = np.zeros((k, k))  # b[effect, cause]
    for (a, t), v in std_paths.items():
        b[latents.index(t), latents.index(a)] = v
    total = total_effects(b)
    out = []
    for j, cause in enumerate(latents):
        for i, effect in enumerate(latents):
            if abs(total[i, j]) > 1e-12:
                out.append(EffectEstimate(cause, effect, float(b[i, j]),
                                          float(total[i, j] - b[i, j]), float(total[i, j])))
    return out


def _index_blocks(bound: BoundModel) -> tuple[tuple[str, tuple[str, ...], dict[str, Scale]], ...]:
    """Each construct's items (for a higher-order latent, the items of its dimensions) and
    their scales: what :func:`_indices` needs from the questionnaire, looked up once."""
    q = bound.questionnaire
    out = []
    for latent in bound.constructs:
        items = tuple(i.id for i in bound.indicators(latent))
        out.append((latent, items, {i: q.scale_of(i) for i in items}))
    return tuple(out)


def _indices(blocks: Sequence[tuple[str, tuple[str, ...], dict[str, Scale]]],
             name: Callable[[str], str], observed: Sequence[str], inner: Sequence[str],
             mean: np.ndarray, cov: np.ndarray, implied_cov: np.ndarray, cross_cov: np.ndarray
             ) -> tuple[list[WeightEstimate], list[IndexResult]]:
    """Factor-score regression weights w = Sigma_II^-1 cov(I, latent) on each latent's own
    items I (``blocks``, from :func:`_index_blocks`), then the 0-100 index.

    ``mean``/``cov``: the items' ML moments (N denominator; EM under FIML), in ``observed``
    order; ``implied_cov``: the model's Sigma; ``cross_cov``: the model's cov(observed, inner)
    (observed x ``inner``). One function for the estimate and every bootstrap resample.
    """
    obs = list(observed)
    col = {v: j for j, v in enumerate(inner)}
    sd = np.sqrt(np.diag(cov))
    weights, indices = [], []
    for latent, items, scales in blocks:
        idx = [obs.index(i) for i in items]
        sigma_ii = implied_cov[np.ix_(idx, idx)]
        if len(items) == 1:
            raw = np.array([1.0])
        else:
            raw = np.linalg.solve(sigma_ii, cross_cov[idx, col[name(latent)]])
        # Weights of standardized items, scaled so the composite has unit variance (as PLS
        # outer weights are); the index rescales them back to the raw metric.
        std_w = raw * sd[idx]
        std_w = std_w / math.sqrt(float(raw @ sigma_ii @ raw))
        weights.extend(WeightEstimate(latent, i, float(w)) for i, w in zip(items, std_w, strict=True))
        indices.append(index_from_weights(
            latent, dict(zip(items, std_w, strict=True)), dict(zip(items, sd[idx], strict=True)),
            dict(zip(items, mean[idx], strict=True)), scales, kind="factor_score_regression"))
    return weights, indices


# --------------------------------------------------------------------------- bootstrap

#: Jackknife groups for the BCa acceleration at most: every jackknife fit is a full refit.
JACKKNIFE_GROUPS = 100
#: Iterations of the BFGS fallback of a resample whose Newton steps fail.
FALLBACK_ITER = 300

#: Why a resample failed (the driver counts them by these strings); an inadmissible resample
#: (NEGATIVE_VARIANCE, NOT_POSITIVE_DEFINITE) fails only under the "drop" policy.
NOT_CONVERGED = "not converged"
SINGULAR = "singular covariance"


@dataclass(frozen=True)
class _Layout:
    """Which numbers a resample yields, in ``labels`` order, and where they sit in the model:
    unstandardized free coefficients (matrix 0 = beta, 1 = lambda; row; column), then the
    standardized ones (matrix, row, column, and the positions of the cause's and the effect's
    SD in [SD of inner variables, SD of observed]), R² (inner positions), standardized total
    effects (cause, effect), indices (latents), the free (residual) variances, and the free
    covariances unstandardized and as (residual) correlations."""

    labels: tuple[Label, ...]
    free: np.ndarray        # (F, 3)
    std: np.ndarray         # (S, 5); the first len(paths) rows are the structural paths
    paths: tuple[tuple[str, str], ...]
    r2: np.ndarray          # (R,)
    totals: tuple[tuple[str, str], ...]
    index: tuple[str, ...]
    variances: tuple[tuple[int, int], ...]  # free variances: (2 = psi / 3 = theta, position)
    latents: np.ndarray     # inner positions of the constructs (latent covariance check)
    #: Free covariances: (2 = psi / 3 = theta, row, column), in Estimate.covariances order.
    covariances: tuple[tuple[int, int, int], ...] = ()


def _layout(bound: BoundModel, model: _Model, name: Callable[[str], str], est: Estimate
            ) -> _Layout:
    inner = list(model.vars["inner"])
    observed = list(model.vars["observed"])
    where = model._positions()
    free_at = {(m, int(i), int(j)) for m, w in enumerate(where) if w is not None
               for i, j in zip(w[0], w[1], strict=True)}

    def sd_at(v: str) -> int:  # observed SDs win, as in _parameter_table
        return len(inner) + observed.index(v) if v in observed else inner.index(v)

    labels: list[Label] = []
    free, std = [], []
    for a, b in bound.model.paths:
        at = (0, inner.index(name(b)), inner.index(name(a)))
        std.append((*at, sd_at(name(a)), sd_at(name(b))))
        if at in free_at:
            free.append(at)
            labels.append(("path", a, b))
    std_labels = [("std_path", a, b) for a, b in bound.model.paths]
    dims = dict(bound.second_order)
    blocks = dict(bound.measurement)
    for x in est.loadings:
        if x.latent in dims:
            at = (0, inner.index(name(x.item)), inner.index(x.latent))
            sds = (sd_at(x.latent), sd_at(name(x.item)))
        elif len(blocks[x.latent]) > 1:
            at = (1, observed.index(x.item), inner.index(x.latent))
            sds = (sd_at(x.latent), sd_at(x.item))
        else:
            continue  # a single-item construct's loading is 1 by definition
        std.append((*at, *sds))
        std_labels.append(("std_loading", x.latent, x.item))
        if at in free_at:  # marker loadings are fixed at 1
            free.append(at)
            labels.append(("loading", x.latent, x.item))
    labels += std_labels
    r2 = [x for x, v in est.r2.items() if math.isfinite(v)]
    labels += [("r2", x, "") for x in r2]
    totals = tuple((e.source, e.target) for e in est.effects)
    labels += [("total", a, b) for a, b in totals]
    index = tuple(i.latent for i in est.indices)
    labels += [("index", x, "") for x in index]
    variances = tuple(dict.fromkeys(
        (m, int(i)) for m in (2, 3) if where[m] is not None
        for i, j in zip(where[m][0], where[m][1], strict=True) if i == j))
    # Labelled by the estimate's names for them (Estimate.variances: "x ~~ x").
    names = (inner, observed)
    labels += [("variance", f"{v} ~~ {v}", "") for v in (names[m - 2][i] for m, i in variances)]
    # Covariances by the estimate's names (Estimate.covariances: "a ~~ b"); both in the inner
    # model: Psi, else Theta (items' residuals).
    free_cov = [c for c in est.covariances if not c.fixed]
    covariances = tuple((2, inner.index(c.a), inner.index(c.b)) if c.a in inner and c.b in inner
                        else (3, observed.index(c.a), observed.index(c.b)) for c in free_cov)
    labels += [("covariance", c.name, "") for c in free_cov]
    labels += [("std_covariance", c.name, "") for c in free_cov]
    return _Layout(
        labels=tuple(labels), free=np.array(free, int).reshape(-1, 3),
        std=np.array(std, int).reshape(-1, 5), paths=tuple(bound.model.paths),
        r2=np.array([inner.index(name(x)) for x in r2], int), totals=totals, index=index,
        variances=variances,
        latents=np.array([inner.index(name(x)) for x in bound.constructs], int),
        covariances=covariances)


def _estimate_vector(est: Estimate, labels: Sequence[Label]) -> np.ndarray:
    """The full-sample value of every label, read from the estimate."""
    value: dict[Label, float | None] = {}
    for p in est.paths:
        value[("path", p.source, p.target)] = p.estimate
        value[("std_path", p.source, p.target)] = p.std_estimate
    for x in est.loadings:
        value[("loading", x.latent, x.item)] = x.estimate
        value[("std_loading", x.latent, x.item)] = x.std_estimate
    for k, v in est.r2.items():
        value[("r2", k, "")] = v
    for e in est.effects:
        value[("total", e.source, e.target)] = e.total
    for i in est.indices:
        value[("index", i.latent, "")] = i.value
    for name, v, _ in est.variances:
        value[("variance", name, "")] = v
    for c in est.covariances:
        value[("covariance", c.name, "")] = c.estimate
        value[("std_covariance", c.name, "")] = c.std_estimate
    return np.array([math.nan if value[x] is None else value[x] for x in labels], float)


def _rows_used(fit: SemFit, data: pd.DataFrame) -> np.ndarray:
    """The rows ``fit`` was estimated from, in its column order: every row under FIML, the
    complete ones under listwise deletion."""
    x = data[list(fit.observed)].to_numpy(dtype=float)
    if fit.missing == "listwise":
        x = x[~np.isnan(x).any(axis=1)]
    else:
        x = x[~np.isnan(x).all(axis=1)]
    return x


class CbsemBootstrap:
    """The CB-SEM bootstrap statistic: resample counts (k, n) -> the bootstrapped numbers
    (k, P) in :attr:`labels` order and a failure reason per resample ("" when fine).

    Every resample is fitted by the estimator of the full sample, started from the full-sample
    estimates (never from another resample's, so a resample's result depends on its counts
    only, whatever the chunking or the number of workers), without standard errors or fit
    measures:

    * complete data (or listwise): ML on the resample's weighted covariance (N denominator);
    * FIML: the counts weight the rows in the missing-data pattern sums (no rows copied); the
      FIML objective with saturated means, and the EM moments for the indices' item means and
      SDs, are computed from those sums.

    With case weights, a row's weight in a resample is its count times its case weight (a
    resample of weighted respondents carries their weights, as lavaan's bootstrap does).

    Both objectives come with analytic gradients; they are minimised, unbounded, by Newton
    steps started with the full sample's Hessian (:func:`_newton`), falling back on BFGS
    (:meth:`CbsemBootstrap._minimise`).

    A resample fails, with its reason, when its covariance is singular or the optimiser (or
    EM) does not converge. It is inadmissible, with its reason, when a variance is negative
    (Heywood case) or the latent or residual covariance matrix is not positive definite: kept
    or dropped by the settings' policy. Picklable: plain arrays and the bound model;
    the semopy model and the pattern structure are rebuilt lazily in each process and left
    out of the pickle.
    """

    def __init__(self, bound: BoundModel, fit: SemFit, x: np.ndarray, estimate: Estimate, *,
                 max_iter: int | None = None) -> None:
        if fit.param_vals is None:
            raise ValueError("The fit carries no parameter vector to start resamples from.")
        self.bound = bound
        self.blocks = _index_blocks(bound)
        self.description, self.single = model_syntax(bound)
        self.observed = fit.observed
        self.x = x
        self.n = x.shape[0]
        # Case weights (rescaled as in the fit): a resample's frequencies multiply them.
        self.weights = None if fit.weights is None else np.array(fit.weights, float)
        self.fiml = fit.missing == "fiml"
        self.start = np.array(fit.param_vals, float)
        self.start_mean = None if fit.implied_mean is None else np.array(fit.implied_mean)
        self.sample_mean = np.array(fit.sample_mean, float)
        self.sample_cov = np.array(fit.sample_cov, float)
        self.max_iter = max_iter
        self._cache = None
        model, _ = self._work()
        self.layout = _layout(bound, model, self._name, estimate)
        self.h_inv = None if fit.hessian is None else _pd_inverse(fit.hessian)
        self.labels = self.layout.labels
        self.estimate = _estimate_vector(estimate, self.labels)

    def _name(self, construct: str) -> str:
        return self.single.get(construct, construct)

    def _minimise(self, fun: Callable, z0: np.ndarray, scale: float):
        """Newton steps from the full-sample estimates (:func:`_newton`, decrement below 1e-16
        per respondent: parameters to ~1e-8), else BFGS from them (:func:`_quasi_newton`,
        at most :data:`FALLBACK_ITER` iterations: a resample that needs more sits on a
        likelihood so flat that its optimum means little, and the run would take hours:
        ECSI on mobi, where lavaan too fails to converge on 70 % of resamples). Returns the
        estimates and whether the gradient vanished."""
        limit = min(50, self.max_iter or 50)
        if self.h_inv is not None:
            z, ok = _newton(fun, z0, self.h_inv, 1e-16 * scale, limit, gtol=_GTOL * scale)
            if ok:
                return z, True
        z = _quasi_newton(fun, z0, scale, max_iter=self.max_iter or FALLBACK_ITER)
        grad = fun(z)[1]
        return z, grad is not None and float(np.max(np.abs(grad), initial=0.0)) <= _GTOL * scale

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_cache"] = None
        return state

    def _work(self) -> tuple[_Model, Patterns | None]:
        """The semopy model (parsed once per process, set to the full-sample estimates) and,
        under FIML, the pattern structure of the data."""
        if self._cache is None:
            model = _Model(self.description)
            obs = list(self.observed)
            with warnings.catch_warnings(), _quiet_semopy():
                warnings.simplefilter("ignore")
                model.load(cov=pd.DataFrame(self.sample_cov, index=obs, columns=obs))
            if list(model.vars["observed"]) != obs or len(model.param_vals) != self.start.size:
                raise EstimationError("The model parsed for the bootstrap does not match the "
                                      "fitted one.")
            model.param_vals = self.start.copy()
            model.update_matrices(self.start)
            model._positions()
            self._cache = (model, Patterns(self.x) if self.fiml else None)
        return self._cache

    def __call__(self, counts: np.ndarray) -> tuple[np.ndarray, list[str]]:
        counts = np.asarray(counts)
        model, patterns = self._work()
        values = np.full((counts.shape[0], len(self.labels)), np.nan)
        reasons = []
        freq = counts.astype(float)
        if self.weights is not None:
            freq = freq * self.weights[None, :]
        # Many small matrices: BLAS threads only contend (workers parallelise instead).
        with threadpool_limits(1):
            if not self.fiml:
                center = self.sample_mean
                means, covs = weighted_moments(self.x - center, freq)
            for b in range(counts.shape[0]):
                if self.fiml:
                    reason, mean, cov = self._fit_fiml(model, patterns, freq[b])
                else:
                    reason, mean, cov = self._fit_ml(model, center + means[b], covs[b])
                reason = reason or self._inadmissible(model)
                if not reason or reason in INADMISSIBLE_REASONS:
                    # An inadmissible resample has values too: the driver keeps or drops it
                    # by the policy of the settings.
                    values[b] = self._values(model, mean, cov)
                reasons.append(reason)
        return values, reasons

    def _fit_ml(self, model: _Model, mean: np.ndarray, cov: np.ndarray):
        try:
            np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            return SINGULAR, mean, cov
        logdet = np.linalg.slogdet(cov)[1]
        theta, ok = self._minimise(lambda t: model.ml_terms(t, cov, logdet), self.start, 1.0)
        _set_estimates(model, theta)
        return ("" if ok else NOT_CONVERGED), mean, cov

    def _fit_fiml(self, model: _Model, patterns: Patterns, counts: np.ndarray):
        sums = patterns.sums(counts)
        try:
            mean, cov, ok = em_from_sums(patterns, sums, self.sample_mean, self.sample_cov)
            np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            return SINGULAR, None, None
        if not ok:
            return NOT_CONVERGED, mean, cov
        model.fiml_patterns, model.fiml_sums = patterns, sums
        z0 = np.concatenate([self.start, self.start_mean])
        k = self.start.size
        z, ok = self._minimise(lambda z: model._fiml_terms(z[:k], z[k:], True), z0,
                               sums.n_total)
        _set_estimates(model, z)
        return ("" if ok else NOT_CONVERGED), mean, cov

    def _inadmissible(self, model: _Model) -> str:
        c = model.calc_sigma()[1][1]
        phi = c @ model.mx_psi @ c.T
        for m, i in self.layout.variances:
            if model.matrices[m][i, i] < 0:
                return NEGATIVE_VARIANCE
        lat = self.layout.latents
        if (not_positive_definite(phi[np.ix_(lat, lat)]) is not None
                or not_positive_definite(model.mx_theta) is not None):
            return NOT_POSITIVE_DEFINITE
        return ""

    def _values(self, model: _Model, mean: np.ndarray, cov: np.ndarray) -> np.ndarray:
        lay = self.layout
        sigma, (_, c) = model.calc_sigma()
        phi = c @ model.mx_psi @ c.T
        mats = (model.mx_beta, model.mx_lambda)
        with np.errstate(invalid="ignore", divide="ignore"):
            sd = np.sqrt(np.maximum(np.concatenate([np.diag(phi), np.diag(sigma)]), 0.0))
            free = np.array([mats[m][i, j] for m, i, j in lay.free])
            std = np.array([mats[m][i, j] for m, i, j, _, _ in lay.std]) \
                * sd[lay.std[:, 3]] / sd[lay.std[:, 4]]
            disturbance = np.diag(model.mx_psi)[lay.r2]
            # Undefined for a negative disturbance variance, as lavaan's (NA).
            r2 = np.where(disturbance < 0, np.nan, 1.0 - disturbance / np.diag(phi)[lay.r2])
        effects = _effects(self.bound, dict(zip(lay.paths, std[:len(lay.paths)], strict=True)))
        total = {(e.source, e.target): e.total for e in effects}
        _, indices = _indices(self.blocks, self._name, self.observed, list(model.vars["inner"]),
                              mean, cov, sigma, model.mx_lambda @ phi)
        index = {i.latent: math.nan if i.value is None else i.value for i in indices}
        cov = np.array([model.matrices[m][i, j] for m, i, j in lay.covariances])
        var = np.array([(model.matrices[m][i, i], model.matrices[m][j, j])
                        for m, i, j in lay.covariances]).reshape(-1, 2)
        with np.errstate(invalid="ignore", divide="ignore"):
            # The (residual) correlation; undefined beside a negative variance (lavaan: NaN).
            corr = np.where(np.all(var > 0, axis=1),
                            cov / np.sqrt(np.abs(var[:, 0] * var[:, 1])), np.nan)
        return np.concatenate([free, std, r2, [total.get(t, 0.0) for t in lay.totals],
                               [index[x] for x in lay.index],
                               [model.matrices[m][i, i] for m, i in lay.variances], cov, corr])


def cbsem_statistic(bound: BoundModel, data: pd.DataFrame, estimate: Estimate, *,
                    missing: str = "fiml", max_iter: int | None = None,
                    weights: str | None = None) -> CbsemBootstrap:
    """The bootstrap statistic of ``estimate`` (which :func:`estimate_cbsem` made from
    ``bound`` and ``data`` with ``missing`` and ``weights``); refits the full sample for its
    warm start. ``max_iter`` caps the optimiser's iterations per resample (default 1000,
    FIML 5000)."""
    check_items(bound.items, data, "data")
    description, _ = model_syntax(bound)
    fit = fit_sem(description, data[list(bound.items)], missing=missing,
                  weights=case_weights(data, weights, "data"))
    return CbsemBootstrap(bound, fit, _rows_used(fit, data), estimate, max_iter=max_iter)


def bootstrap_cbsem(bound: BoundModel, data: pd.DataFrame, estimate: Estimate,
                    settings: BootstrapSettings, *, missing: str = "fiml",
                    progress: Callable[[int, int], None] | None = None,
                    max_iter: int | None = None, weights: str | None = None
                    ) -> BootstrapResult:
    """Bootstrap the CB-SEM ``estimate`` of ``bound`` on ``data``: unstandardized paths
    ("path") and free loadings ("loading", second-order ones included), standardized paths
    and loadings ("std_path", "std_loading"), R² ("r2"), standardized total effects ("total"),
    0-100 indices ("index"), free (residual) variances ("variance") and covariances
    ("covariance", and as correlations "std_covariance"), labelled with the estimate's
    names.

    ``settings`` as for :func:`~survey.estimate.bootstrap.run_bootstrap`, with at most
    :data:`JACKKNIFE_GROUPS` jackknife groups for BCa. Resamples that fail are counted by
    reason in the result (see :class:`CbsemBootstrap`). ``estimate_cbsem(bootstrap=...)``
    does the same without a second full-sample fit. ``weights``: the case-weight column the
    estimate was made with (a resample's frequencies multiply the weights).
    """
    statistic = cbsem_statistic(bound, data, estimate, missing=missing, max_iter=max_iter,
                                weights=weights)
    return _run(statistic, settings, progress)


def _run(statistic: CbsemBootstrap, settings: BootstrapSettings,
         progress: Callable[[int, int], None] | None) -> BootstrapResult:
    settings = replace(settings, jackknife_groups=min(settings.jackknife_groups,
                                                      JACKKNIFE_GROUPS))
    return run_bootstrap(statistic, statistic.labels, statistic.estimate, statistic.n, settings,
                         method="cbsem", progress=progress)
