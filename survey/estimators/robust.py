"""Robust ML inference under case (sampling) weights, as lavaan 0.6-14 does by default.

Given ``sampling.weights``, lavaan turns estimator ML into MLR (``lavaan()``: "if
sampling.weights and estimator ML -> MLR"): the weights are rescaled to sum to N
(``sampling.weights.normalization = "total"``), the estimates maximise the weighted likelihood
sum_i w_i l_i (complete data: ML on the weighted moments; missing data: FIML with weighted
casewise terms), and

* standard errors are Huber-White sandwich ones, ``se = "robust.huber.white"``: with H the
  observed information of the weighted likelihood (``information = "observed"``, the
  Hessian) and g_i respondent i's score, Cov = H^-1 (sum_i w_i^2 g_i g_i') H^-1
  (``lav_model_nvcov_robust_sandwich``; lavaan's casewise scores are multiplied by w_i,
  ``lav_mvnorm_scores_mu_vech_sigma``);
* the test statistic is Yuan & Bentler's scaled chi-square in its Mplus variant, ``test =
  "yuan.bentler.mplus"`` (Yuan & Bentler 2000, "Three likelihood-based methods for mean and
  covariance structure analysis with nonnormal missing data", Sociological Methodology 30,
  165-200): chi2_scaled = chi2 / c, c = (tr(B1 A1^-1) - tr(B0 H^-1)) / df, with A1, B1 the
  observed and first-order information of the saturated model at the saturated estimates and
  B0 the model's first-order information (``lav_test_yuan_bentler_mplus_trace``). The
  independence (baseline) model is scaled alike, for the scaled CFI and TLI.
* robust CFI, TLI and RMSEA: complete data, Brosseau-Liard & Savalei (2014, "Adjusting
  incremental fit indices for nonnormality", Multivariate Behav. Res. 49, 460-470) and
  Brosseau-Liard, Savalei & Li (2012, RMSEA, MBR 47, 904-930) with c as the correction;
  missing data, Zhang & Savalei's FIML-corrected version (2023, "New computations for RMSEA
  and CFI following FIML and TS estimation with missing data", Psychological Methods 28,
  263-283; lavaan's ``lav_fit_fiml_corrected``, version "V3").

Parameters live in one layout: the covariance-structure parameters theta (q) and, under FIML,
the p saturated item means after them (lavaan's intercepts). The saturated model's
parameters are (mu, vech Sigma) with vech over :func:`vech_index`. Everything here is plain
numpy: the model enters through delta = d vech(Sigma) / d theta and the information H.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from survey.estimators.fit import pattern_rows


def vech_index(p: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the lower triangle (diagonal included): the order of vech."""
    return np.tril_indices(p)


def _vech_rows(p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each vech entry (a, b): the vec positions a p + b and b p + a of its two copies and
    the weight 1/2 on the diagonal (where the two copies are one): D'v = (v[r1] + v[r2]) s."""
    rows, cols = vech_index(p)
    return rows * p + cols, cols * p + rows, np.where(rows == cols, 0.5, 1.0)


def _dup_sandwich(x: np.ndarray) -> np.ndarray:
    """D'XD for a p^2 x p^2 matrix X, D the duplication matrix (vec(S) = D vech(S))."""
    p = math.isqrt(x.shape[0])
    r1, r2, s = _vech_rows(p)
    total = (x[np.ix_(r1, r1)] + x[np.ix_(r2, r1)] + x[np.ix_(r1, r2)] + x[np.ix_(r2, r2)])
    return total * np.outer(s, s)


def _padded_inverse(sigma: np.ndarray, obs: np.ndarray) -> np.ndarray:
    """Sigma_oo^-1 padded with zeros to p x p."""
    p = sigma.shape[0]
    out = np.zeros((p, p))
    out[np.ix_(obs, obs)] = np.linalg.inv(sigma[np.ix_(obs, obs)])
    return out


def casewise_scores(x: np.ndarray, mean: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Each row's score of the normal log-likelihood over (mu, vech Sigma), unweighted: (n,
    p + p*). A row with missing values (NaN) scores its observed block: with P = Sigma_oo^-1
    padded with zeros and z = P (x - mu), d l / d mu = z and d l / d sigma_ab = z_a z_b - P_ab
    (half that on the diagonal), lavaan's ``lav_mvnorm_missing_scores_mu_vech_sigma``."""
    n, p = x.shape
    rows, cols = vech_index(p)
    diagonal = rows == cols
    out = np.zeros((n, p + rows.size))
    for obs, at in pattern_rows(x):
        k = _padded_inverse(sigma, obs)
        e = np.zeros((at.size, p))
        e[:, obs] = x[np.ix_(at, obs)] - mean[obs]
        z = e @ k
        s = z[:, rows] * z[:, cols] - k[rows, cols]
        s[:, diagonal] /= 2
        out[at, :p] = z
        out[at, p:] = s
    return out


def saturated_information(x: np.ndarray, weights: np.ndarray, mean: np.ndarray,
                          sigma: np.ndarray) -> np.ndarray:
    """Observed information, -Hessian of sum_i w_i l_i over (mu, vech Sigma) at (``mean``,
    ``sigma``), rows with NaN contributing their observed block (lavaan's
    ``lav_mvnorm_missing_logl_hessian_samplestats``).

    Per pattern with weight total n_g, P = Sigma_oo^-1 padded, d = the weighted mean of
    x - mu and S the weighted second moment about mu: I_mu,mu = n_g P, I_Sigma,mu =
    n_g D'(P kron P d) and I_Sigma,Sigma = n_g D'(-(P kron P) + M kron P + P kron M) D / 2 with
    M = P S P. At the complete-data sample moments this is blockdiag(N S^-1, N D'(S^-1 kron
    S^-1) D / 2), the expected information. The sums of Kronecker products over patterns are
    one matrix product each: sum_g n_g A_g kron B_g is sum_g n_g vec(A_g) vec(B_g)' with its
    indices regrouped (a Kronecker product per pattern took seconds for 30 items)."""
    p = x.shape[1]
    k_all, m_all, kd_all, n_all = [], [], [], []
    for obs, at in pattern_rows(x):
        w = weights[at]
        n_g = float(w.sum())
        if n_g <= 0:
            continue
        k = _padded_inverse(sigma, obs)
        e = np.zeros((at.size, p))
        e[:, obs] = x[np.ix_(at, obs)] - mean[obs]
        second = (e * w[:, None]).T @ e / n_g
        k_all.append(k.ravel())
        m_all.append((k @ second @ k).ravel())
        kd_all.append(k @ (w @ e / n_g))
        n_all.append(n_g)
    n_g = np.array(n_all)
    kv, mv, kd = np.array(k_all), np.array(m_all), np.array(kd_all)

    def kron_sum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """sum_g n_g A_g kron B_g from the rows vec(A_g), vec(B_g)."""
        t = ((a * n_g[:, None]).T @ b).reshape(p, p, p, p)
        return t.transpose(0, 2, 1, 3).reshape(p * p, p * p)

    ss = (kron_sum(mv, kv) + kron_sum(kv, mv) - kron_sum(kv, kv)) / 2
    # sum_g n_g P kron (P d): entry ((i, k), j) = sum_g n_g P_ij (P d)_k.
    sm = ((kv * n_g[:, None]).T @ kd).reshape(p, p, p).transpose(0, 2, 1).reshape(p * p, p)
    r1, r2, half = _vech_rows(p)
    q = r1.size
    out = np.empty((p + q, p + q))
    out[:p, :p] = (n_g @ kv).reshape(p, p)
    out[p:, :p] = (sm[r1] + sm[r2]) * half[:, None]
    out[:p, p:] = out[p:, :p].T
    out[p:, p:] = _dup_sandwich(ss)
    return out


def _complete_information(cov: np.ndarray) -> np.ndarray:
    """Per-respondent information of the saturated complete-data model at covariance S:
    blockdiag(S^-1, D'(S^-1 kron S^-1) D / 2); the vech block entry ((a, b), (c, d)) is
    (K_ac K_bd + K_ad K_bc) s_ab s_cd, K = S^-1, s = 1/2 on the diagonal, 1 elsewhere."""
    p = cov.shape[0]
    k = np.linalg.inv(cov)
    rows, cols = vech_index(p)
    s = np.where(rows == cols, 0.5, 1.0)
    block = (k[np.ix_(rows, rows)] * k[np.ix_(cols, cols)]
             + k[np.ix_(rows, cols)] * k[np.ix_(cols, rows)]) * np.outer(s, s)
    out = np.zeros((p + rows.size, p + rows.size))
    out[:p, :p] = k
    out[p:, p:] = block
    return out


def _inverse(a: np.ndarray) -> np.ndarray | None:
    try:
        out = np.linalg.inv(a)
    except np.linalg.LinAlgError:
        return None
    return out if np.all(np.isfinite(out)) else None


def _discrepancy(mean_s: np.ndarray, cov_s: np.ndarray, mean_m: np.ndarray,
                 cov_m: np.ndarray) -> float:
    """F_ML with a mean structure: log|Sigma| + tr(S Sigma^-1) - log|S| - p + (m - mu)'
    Sigma^-1 (m - mu)."""
    inv = np.linalg.inv(cov_m)
    d = mean_s - mean_m
    return float(np.linalg.slogdet(cov_m)[1] + np.trace(cov_s @ inv)
                 - np.linalg.slogdet(cov_s)[1] - cov_s.shape[0] + d @ inv @ d)


def _cfi(x2: float, df: float, x2_null: float, df_null: float, c: float = 1.0,
         c_null: float = 1.0) -> float:
    """lavaan's ``lav_fit_cfi``: with scaling corrections c (robust CFI), X2 - c df."""
    if not all(map(math.isfinite, (x2, df, x2_null, df_null, c, c_null))):
        return math.nan
    if not (df > 0 and c != 1 and c_null != 1):
        c = c_null = 1.0
    t1 = max(x2 - c * df, 0.0)
    t2 = max(x2 - c * df, x2_null - c_null * df_null, 0.0)
    if math.isclose(t1, 0.0, abs_tol=1.5e-8) and math.isclose(t2, 0.0, abs_tol=1.5e-8):
        return 1.0
    return 1.0 - t1 / t2


def _tli(x2: float, df: float, x2_null: float, df_null: float, c: float = 1.0,
         c_null: float = 1.0) -> float:
    """lavaan's ``lav_fit_tli``, with the same corrections as :func:`_cfi`."""
    if not all(map(math.isfinite, (x2, df, x2_null, df_null, c, c_null))):
        return math.nan
    if not (df > 0 and c != 1 and c_null != 1):
        c = c_null = 1.0
    t1 = (x2 - c * df) * df_null
    t2 = (x2_null - c_null * df_null) * df
    if df > 0 and abs(t2) > 0:
        return 1.0 - t1 / t2
    return 1.0


def _rmsea(x2: float, df: float, n: float, c: float = 1.0) -> float:
    """lavaan's ``lav_fit_rmsea``: sqrt(max(X2 / (N df) - c / N, 0))."""
    if not all(map(math.isfinite, (x2, df, c))) or df <= 0:
        return math.nan
    return math.sqrt(max(x2 / n / df - c / n, 0.0))


@dataclass(frozen=True)
class RobustML:
    """The sandwich covariance of the parameters (theta, then the means under FIML) and the
    robust fit measures (keys as :func:`robust_ml` lists)."""

    covariance: np.ndarray | None
    fit: dict[str, float]


def robust_ml(x: np.ndarray, weights: np.ndarray, *, fiml: bool, mean: np.ndarray,
              sigma: np.ndarray, delta: np.ndarray, information: np.ndarray,
              saturated: tuple[np.ndarray, np.ndarray], chi2: float, df: int,
              chi2_base: float, df_base: int) -> RobustML:
    """lavaan's MLR for a model fitted by weighted ML (``fiml=False``: complete rows, no
    mean structure) or weighted FIML.

    ``x``: the rows used (NaN for missing); ``weights``: theirs, summing to the number of rows;
    ``mean``, ``sigma``: the model-implied moments (complete data: the weighted sample mean);
    ``delta``: d vech(Sigma) / d theta (p* x q); ``information``: the observed information of
    the weighted likelihood over the parameters (theta, and the means under FIML), i.e. half
    the Hessian of -2 logL; ``saturated``: the weighted sample (EM) mean and covariance;
    ``chi2``, ``df``, ``chi2_base``, ``df_base``: the standard test statistics of the model
    and of the independence model.

    Returns the sandwich covariance (None when the information is singular) and the fit
    measures ``chi2_scaled``, ``p_value_scaled``, ``scaling_factor``,
    ``baseline_chi2_scaled``, ``baseline_scaling_factor``, ``cfi_scaled``, ``tli_scaled``,
    ``rmsea_scaled``, ``cfi_robust``, ``tli_robust``, ``rmsea_robust`` (lavaan's
    ``chisq.scaled``, ..., ``rmsea.robust``), NaN where undefined.
    """
    n = float(weights.sum())
    p = x.shape[1]
    sat_mean, sat_cov = saturated
    # The model's first-order information: respondents' scores on the parameters, weighted
    # (lavaan multiplies each casewise score by w_i, so B0 = sum w_i^2 g_i g_i').
    s0 = casewise_scores(x, mean, sigma)
    g = s0[:, p:] @ delta
    if fiml:
        g = np.hstack([g, s0[:, :p]])
    g *= weights[:, None]
    h_inv = _inverse(information)
    meat = g.T @ g
    covariance = None if h_inv is None else h_inv @ meat @ h_inv
    nan = math.nan
    out = dict.fromkeys(("chi2_scaled", "p_value_scaled", "scaling_factor",
                         "baseline_chi2_scaled", "baseline_scaling_factor", "cfi_scaled",
                         "tli_scaled", "rmsea_scaled", "cfi_robust", "tli_robust",
                         "rmsea_robust"), nan)
    # The saturated model: observed information A1 and first-order information B1 at the
    # saturated estimates (lavaan's h1.information = "unstructured" for the Mplus variant).
    # Without a mean structure (complete data) only the covariance block counts.
    s1 = casewise_scores(x, sat_mean, sat_cov) * weights[:, None]
    a1 = saturated_information(x, weights, sat_mean, sat_cov)
    keep = slice(0, None) if fiml else slice(p, None)
    a1_inv = _inverse(a1[keep, keep])
    if h_inv is None or a1_inv is None or df <= 0:
        return RobustML(covariance, out)
    b1 = s1[:, keep].T @ s1[:, keep]
    trace_h1 = float(np.sum(b1 * a1_inv.T))
    trace = trace_h1 - float(np.sum(meat * h_inv.T))
    c = trace / df if trace > 0 else nan
    # The independence model: each item's own (weighted, available-case) mean and variance,
    # its ML estimates with or without missing values. Scores per item: (x - m) / v and
    # ((x - m)^2 / v^2 - 1 / v) / 2; information n_j / v and n_j / (2 v^2).
    observed = ~np.isnan(x)
    w_obs = observed * weights[:, None]
    n_j = w_obs.sum(axis=0)
    m_b = (w_obs * np.where(observed, x, 0.0)).sum(axis=0) / n_j
    e = np.where(observed, x - m_b, 0.0)
    v_b = (w_obs * e ** 2).sum(axis=0) / n_j
    g_var = np.where(observed, ((e / v_b) ** 2 - 1 / v_b) / 2, 0.0) * weights[:, None]
    trace_base = float(np.sum(g_var ** 2, axis=0) @ (2 * v_b ** 2 / n_j))
    if fiml:
        g_mean = e / v_b * weights[:, None]
        trace_base += float(np.sum(g_mean ** 2, axis=0) @ (v_b / n_j))
    c_base = (trace_h1 - trace_base) / df_base if df_base > 0 else nan
    chi2_scaled = chi2 / c
    base_scaled = chi2_base / c_base
    out.update(chi2_scaled=chi2_scaled, scaling_factor=c,
               p_value_scaled=float(stats.chi2.sf(chi2_scaled, df)),
               baseline_chi2_scaled=base_scaled, baseline_scaling_factor=c_base,
               cfi_scaled=_cfi(chi2_scaled, df, base_scaled, df_base),
               tli_scaled=_tli(chi2_scaled, df, base_scaled, df_base),
               # lavaan's rmsea.scaled: the unscaled chi2 over tr(U Gamma) as df.
               rmsea_scaled=_rmsea(chi2, trace, n))
    if not fiml:
        out.update(cfi_robust=_cfi(chi2, df, chi2_base, df_base, c, c_base),
                   tli_robust=_tli(chi2, df, chi2_base, df_base, c, c_base),
                   rmsea_robust=_rmsea(chi2, df, n, c))
        return RobustML(covariance, out)
    # FIML-corrected (Zhang & Savalei), lavaan's lav_fit_fiml_corrected "V3": the model and
    # the independence model evaluated, as complete data, at the EM moments (X2 tilde), with
    # a correction from Wm (A1 per respondent), Jm (B1 per respondent), Wc (complete-data
    # information at the EM moments) and each model's information Delta' Wm Delta.
    wm = a1 / n
    wm_inv = _inverse(wm)
    if wm_inv is None:
        return RobustML(covariance, out)
    gamma = wm_inv @ (s1.T @ s1 / n) @ wm_inv
    middle = wm_inv @ _complete_information(sat_cov) @ wm_inv
    q = delta.shape[1]
    jac = np.zeros((p + delta.shape[0], q + p))
    jac[:p, q:] = np.eye(p)
    jac[p:, :q] = delta
    rows, cols = vech_index(p)
    jac_base = np.zeros((p + rows.size, 2 * p))
    jac_base[:p, :p] = np.eye(p)
    jac_base[p + np.flatnonzero(rows == cols), p + rows[rows == cols]] = 1.0

    def correction(j: np.ndarray, dof: int) -> float:
        e_inv = _inverse(j.T @ wm @ j)
        if e_inv is None or dof <= 0:
            return nan
        u = wm - wm @ j @ e_inv @ j.T @ wm
        return float(np.trace(u @ middle @ u @ gamma)) / dof

    x3 = n * _discrepancy(sat_mean, sat_cov, mean, sigma)
    x3_base = n * _discrepancy(sat_mean, sat_cov, m_b, np.diag(v_b))
    c3, c3_base = correction(jac, df), correction(jac_base, df_base)
    out.update(cfi_robust=_cfi(x3, df, x3_base, df_base, c3, c3_base),
               tli_robust=_tli(x3, df, x3_base, df_base, c3, c3_base),
               rmsea_robust=_rmsea(x3, df, n, c3))
    return RobustML(covariance, out)
