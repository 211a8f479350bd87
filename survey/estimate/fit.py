"""Maximum-likelihood fit measures with lavaan's definitions.

semopy's ``calc_stats`` is not used: it reports its objective as "LogLik" (Political Democracy:
0.508 where lavaan's logL is -1547.791) and its CFI/TLI go wrong when the baseline is built from
a model with fixed-zero residual variances (ECSI on mobi: CFI 1.000, TLI NaN; lavaan 0.877, 0.859).

Complete data (lavaan ``sem()`` defaults, ``likelihood = "normal"``): S has N in the denominator,
``F = log|Sigma| + tr(S Sigma^-1) - log|S| - p``, ``chi2 = N F``; the baseline is the independence
model (diagonal Sigma = diag S); RMSEA uses N; SRMR is Bentler's (residual correlations over the
lower triangle with diagonal); logL is the normal log-likelihood with saturated means; AIC and BIC
count the free covariance-structure parameters (lavaan without a mean structure).

Missing data (FIML, lavaan ``missing = "ml"``): chi2 = 2 (logL_saturated - logL_model), where the
saturated moments come from the EM algorithm (Dempster, Laird & Rubin 1977) and the baseline's
logL factorises over variables (its ML means and variances are the available-case ones). SRMR
compares the model-implied to the EM covariance. The mean structure adds p parameters and p
moments to each model, so df are unchanged.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

LOG2PI = math.log(2 * math.pi)


def _logdet(a: np.ndarray) -> float:
    sign, value = np.linalg.slogdet(a)
    if sign <= 0:
        return math.nan
    return float(value)


def _indices(chi2: float, df: int, chi2_base: float, df_base: int, n: int) -> dict[str, float]:
    out = {"chi2": chi2, "df": df,
           "p_value": float(stats.chi2.sf(chi2, df)) if df > 0 else math.nan,
           "baseline_chi2": chi2_base, "baseline_df": df_base}
    # Bentler (1990) CFI and Tucker-Lewis index, both against the independence model.
    num = max(chi2 - df, 0.0)
    den = max(chi2 - df, chi2_base - df_base, 0.0)
    out["cfi"] = 1.0 - num / den if den > 0 else 1.0
    if df > 0 and df_base > 0 and chi2_base / df_base != 1:
        out["tli"] = (chi2_base / df_base - chi2 / df) / (chi2_base / df_base - 1.0)
    else:
        out["tli"] = math.nan
    out["rmsea"] = math.sqrt(num / (df * n)) if df > 0 else math.nan
    return out


def srmr(observed_cov: np.ndarray, implied_cov: np.ndarray,
         observed_mean: np.ndarray | None = None, implied_mean: np.ndarray | None = None) -> float:
    """Bentler's SRMR: root mean square of (s_ij - sigma_ij) / sqrt(s_ii s_jj), i >= j; with a
    mean structure the standardized mean residuals (m_i - mu_i) / sqrt(s_ii) join the average
    (lavaan's ``srmr`` under ``missing = "ml"``)."""
    sd = np.sqrt(np.diag(observed_cov))
    resid = (observed_cov - implied_cov) / np.outer(sd, sd)
    squares = list(resid[np.tril_indices_from(resid)] ** 2)
    if observed_mean is not None and implied_mean is not None:
        squares.extend(((observed_mean - implied_mean) / sd) ** 2)
    return float(np.sqrt(np.mean(squares)))


def ml_fit_measures(sample_cov: np.ndarray, implied_cov: np.ndarray, n: int,
                    n_params: int) -> dict[str, float]:
    """Fit measures for complete data. ``sample_cov`` must use N in the denominator."""
    p = sample_cov.shape[0]
    logdet_s = _logdet(sample_cov)
    inv = np.linalg.inv(implied_cov)
    f_ml = _logdet(implied_cov) + float(np.trace(sample_cov @ inv)) - logdet_s - p
    chi2 = n * f_ml
    df = p * (p + 1) // 2 - n_params
    chi2_base = n * (float(np.sum(np.log(np.diag(sample_cov)))) - logdet_s)
    out = _indices(chi2, df, chi2_base, p * (p - 1) // 2, n)
    out["srmr"] = srmr(sample_cov, implied_cov)
    logl = -0.5 * n * (p * LOG2PI + _logdet(implied_cov) + float(np.trace(sample_cov @ inv)))
    out.update(_information(logl, n_params, n))
    out["logl_saturated"] = -0.5 * n * (p * LOG2PI + logdet_s + p)
    return out


def _information(logl: float, k: int, n: int) -> dict[str, float]:
    return {"logl": logl, "n_params": k, "aic": -2 * logl + 2 * k, "bic": -2 * logl + k * math.log(n)}


def _patterns(x: np.ndarray):
    """Rows grouped by missingness pattern: (observed column indices, rows)."""
    observed = ~np.isnan(x)
    keys, inverse = np.unique(observed, axis=0, return_inverse=True)
    for k, key in enumerate(keys):
        cols = np.flatnonzero(key)
        if cols.size:
            yield cols, x[np.flatnonzero(inverse.ravel() == k)][:, cols]


def normal_loglik(x: np.ndarray, mean: np.ndarray, cov: np.ndarray) -> float:
    """Casewise (FIML) normal log-likelihood of data with NaN for missing values."""
    total = 0.0
    for cols, rows in _patterns(x):
        sub = cov[np.ix_(cols, cols)]
        centered = rows - mean[cols]
        chol = np.linalg.cholesky(sub)
        z = np.linalg.solve(chol, centered.T)
        total += -0.5 * (rows.shape[0] * (cols.size * LOG2PI + 2 * np.sum(np.log(np.diag(chol))))
                         + float(np.sum(z * z)))
    return total


def em_moments(x: np.ndarray, *, tol: float = 1e-10, max_iter: int = 2000
               ) -> tuple[np.ndarray, np.ndarray, int]:
    """ML mean and covariance (N denominator) of multivariate-normal data with NaN values,
    by EM. Rows with no observed value carry no information and are ignored. Returns
    (mean, cov, iterations)."""
    x = x[~np.isnan(x).all(axis=1)]
    n, p = x.shape
    mean = np.nanmean(x, axis=0)
    cov = np.diag(np.nanvar(x, axis=0))
    groups = list(_patterns(x))
    all_cols = np.arange(p)
    for it in range(1, max_iter + 1):
        sum_x = np.zeros(p)
        sum_xx = np.zeros((p, p))
        for cols, rows in groups:
            miss = np.setdiff1d(all_cols, cols)
            if miss.size == 0:
                sum_x += rows.sum(axis=0)
                sum_xx += rows.T @ rows
                continue
            s_oo = cov[np.ix_(cols, cols)]
            s_mo = cov[np.ix_(miss, cols)]
            beta = np.linalg.solve(s_oo, s_mo.T).T  # regression of missing on observed
            filled = np.empty((rows.shape[0], p))
            filled[:, cols] = rows
            filled[:, miss] = mean[miss] + (rows - mean[cols]) @ beta.T
            resid_cov = cov[np.ix_(miss, miss)] - beta @ s_mo.T
            sum_x += filled.sum(axis=0)
            sum_xx += filled.T @ filled
            sum_xx[np.ix_(miss, miss)] += rows.shape[0] * resid_cov
        new_mean = sum_x / n
        new_cov = sum_xx / n - np.outer(new_mean, new_mean)
        delta = max(np.max(np.abs(new_mean - mean)), np.max(np.abs(new_cov - cov)))
        mean, cov = new_mean, new_cov
        if delta < tol:
            return mean, cov, it
    return mean, cov, max_iter


def fiml_fit_measures(x: np.ndarray, implied_mean: np.ndarray, implied_cov: np.ndarray,
                      n_params: int, saturated: tuple[np.ndarray, np.ndarray] | None = None
                      ) -> dict[str, float]:
    """Fit measures for data with missing values (FIML). ``n_params`` counts covariance-structure
    parameters; the p saturated means are added to the information criteria as lavaan does.
    ``saturated``: the EM mean and covariance of ``x`` when already computed."""
    n, p = x.shape
    sat_mean, sat_cov = saturated if saturated is not None else em_moments(x)[:2]
    logl_sat = normal_loglik(x, sat_mean, sat_cov)
    logl = normal_loglik(x, implied_mean, implied_cov)
    base = 0.0
    for j in range(p):
        col = x[:, j][~np.isnan(x[:, j])]
        var = col.var()
        base += -0.5 * (col.size * (LOG2PI + math.log(var)) + col.size)
    chi2 = 2 * (logl_sat - logl)
    df = p * (p + 1) // 2 - n_params
    out = _indices(chi2, df, 2 * (logl_sat - base), p * (p - 1) // 2, n)
    out["srmr"] = srmr(sat_cov, implied_cov, sat_mean, implied_mean)
    out.update(_information(logl, n_params + p, n))
    out["logl_saturated"] = logl_sat
    return out
