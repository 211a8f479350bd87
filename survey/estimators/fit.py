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

Case weights (lavaan's ``sampling.weights``, rescaled to sum to N): the same definitions on the
weighted moments, every log-likelihood the weighted sum of the casewise terms; the scaled and
robust measures lavaan adds are in :mod:`survey.estimators.robust`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import sparse, stats

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


def pattern_rows(x: np.ndarray):
    """Rows grouped by missingness pattern: (observed column indices, row indices)."""
    observed = ~np.isnan(x)
    keys, inverse = np.unique(observed, axis=0, return_inverse=True)
    for k, key in enumerate(keys):
        cols = np.flatnonzero(key)
        if cols.size:
            yield cols, np.flatnonzero(inverse.ravel() == k)


def normal_loglik(x: np.ndarray, mean: np.ndarray, cov: np.ndarray,
                  weights: np.ndarray | None = None) -> float:
    """Casewise (FIML) normal log-likelihood of data with NaN for missing values; with
    ``weights``, sum_i w_i l_i (lavaan's under sampling weights)."""
    total = 0.0
    for cols, at in pattern_rows(x):
        rows = x[np.ix_(at, cols)]
        sub = cov[np.ix_(cols, cols)]
        centered = rows - mean[cols]
        chol = np.linalg.cholesky(sub)
        z = np.linalg.solve(chol, centered.T)
        w = np.ones(at.size) if weights is None else weights[at]
        total += -0.5 * (w.sum() * (cols.size * LOG2PI + 2 * np.sum(np.log(np.diag(chol))))
                         + float(np.sum(z * z, axis=0) @ w))
    return total


class Patterns:
    """Respondents grouped by missingness pattern, so that the FIML likelihood and the EM
    algorithm run on per-pattern sums instead of rows.

    Built once from the data. :meth:`sums` turns frequency weights of the rows (all 1 for the
    sample, resample counts for the bootstrap) into weighted pattern sums with sparse products:
    a resample copies no rows. Rows with no observed item carry no information and are left out.
    """

    def __init__(self, x: np.ndarray) -> None:
        n, p = x.shape
        observed = ~np.isnan(x)
        keys, inverse = np.unique(observed, axis=0, return_inverse=True)
        useful = keys.any(axis=1)
        pattern_id = np.where(useful, np.cumsum(useful) - 1, -1)[inverse.ravel()]
        self.p = p
        self.n_rows = n
        self.mask = keys[useful]  # (G, p): observed columns of each pattern
        self.x0 = np.where(observed, x, 0.0)
        rows = np.flatnonzero(pattern_id >= 0)
        rows = rows[np.argsort(pattern_id[rows], kind="stable")]
        self.members = _Membership(rows, rows, pattern_id[rows], self.mask.shape[0], n)
        # Incomplete patterns grouped by how many items they miss (then all arrays of a group
        # have one shape): observed and missing columns, and the rows' observed cross-products.
        n_missing = p - self.mask.sum(axis=1)
        self.groups = []
        for r in np.unique(n_missing[n_missing > 0]):
            ids = np.flatnonzero(n_missing == r)
            obs = np.stack([np.flatnonzero(self.mask[g]) for g in ids])
            miss = np.stack([np.flatnonzero(~self.mask[g]) for g in ids])
            in_group = np.isin(pattern_id[rows], ids)
            g_rows = rows[in_group]
            local = np.searchsorted(ids, pattern_id[g_rows])
            vals = x[g_rows[:, None], obs[local]]
            cross = (vals[:, :, None] * vals[:, None, :]).reshape(len(g_rows), -1)
            members = _Membership(g_rows, np.arange(g_rows.size), local, ids.size, g_rows.size)
            self.groups.append(_PatternGroup(
                ids, obs, miss, members, cross, at_mo=miss[:, :, None] * p + obs[:, None, :],
                at_mm=miss[:, :, None] * p + miss[:, None, :]))

    def sums(self, counts: np.ndarray | None = None) -> _PatternSums:
        """Weighted sums of every pattern under frequency weights ``counts`` (n,) (None: 1)."""
        c = np.ones(self.n_rows) if counts is None else np.asarray(counts, float)
        members = self.members(c)
        n = members @ np.ones(self.n_rows)
        total = members @ self.x0  # (G, p), zero where a pattern's item is missing
        groups = []
        for g in self.groups:
            k = g.obs.shape[1]
            cross = (g.members(c) @ g.cross).reshape(g.ids.size, k, k)
            groups.append((n[g.ids], total[g.ids[:, None], g.obs], cross))
        mask = self.mask.astype(float)
        return _PatternSums(
            n_total=float(n.sum()), t_sum=total.sum(axis=0), n_obs=mask.T @ n,
            q_tot=(self.x0.T * c) @ self.x0, tm=total.T @ mask, nm=(mask.T * n) @ mask,
            groups=groups)


class _Membership:
    """Rows summed per pattern with weights: called with the row weights c (n,), it returns the
    sparse (patterns x columns) matrix holding c[data_rows[j]] at (pattern, cols[j]); its
    product with per-row values (rows in ``cols`` order) gives the weighted pattern sums."""

    def __init__(self, data_rows: np.ndarray, cols: np.ndarray, pattern: np.ndarray,
                 n_patterns: int, n_cols: int) -> None:
        self.data_rows, self.cols, self.n_cols = data_rows, cols, n_cols
        self.indptr = np.concatenate([[0], np.cumsum(np.bincount(pattern, minlength=n_patterns))])

    def __call__(self, c: np.ndarray) -> sparse.csr_matrix:
        return sparse.csr_matrix((c[self.data_rows], self.cols, self.indptr),
                                 shape=(self.indptr.size - 1, self.n_cols))


@dataclass(frozen=True)
class _PatternGroup:
    ids: np.ndarray     # pattern numbers (G_r,)
    obs: np.ndarray     # observed columns (G_r, k)
    miss: np.ndarray    # missing columns (G_r, r)
    members: _Membership  # row weights -> sparse (G_r, the group's rows)
    cross: np.ndarray     # the group's rows' observed cross-products (rows, k * k)
    at_mo: np.ndarray     # flat p x p positions of the (missing, observed) blocks (G_r, r, k)
    at_mm: np.ndarray     # and of the (missing, missing) blocks (G_r, r, r)


@dataclass(frozen=True)
class _PatternSums:
    """Weighted sums over rows: totals over all patterns (items outside a pattern count 0)
    and, per group of incomplete patterns, each pattern's n (G,), T = sum x_o (G, k) and
    Q = sum x_o x_o' (G, k, k)."""

    n_total: float
    t_sum: np.ndarray   # sum of observed values per item
    n_obs: np.ndarray   # weight of the rows observing each item
    q_tot: np.ndarray   # sum x x' with missing values as 0
    tm: np.ndarray      # sum over patterns of T_g m_g' (m_g the pattern's 0/1 mask)
    nm: np.ndarray      # sum over patterns of n_g m_g m_g'
    groups: list


def _scatter(index: np.ndarray, values: np.ndarray, p: int) -> np.ndarray:
    """Sum ``values`` into a p x p matrix at flat positions ``index`` (row * p + column)."""
    return np.bincount(index.ravel(), weights=values.ravel(), minlength=p * p).reshape(p, p)


def em_from_sums(patterns: Patterns, s: _PatternSums, mean: np.ndarray, cov: np.ndarray, *,
                  tol: float = 1e-10, max_iter: int = 2000
                  ) -> tuple[np.ndarray, np.ndarray, bool]:
    """ML mean and covariance (N denominator) by EM (Dempster, Laird & Rubin 1977) from
    pattern sums, started at (mean, cov); stops when no mean or covariance moves by ``tol``.
    Rows with no answer at all are left out (they carry no information). The one EM of the
    package: :func:`em_moments` for data, the CB-SEM bootstrap for resample counts. Returns
    (mean, cov, converged).

    E-step per pattern from the precision matrix K = cov^-1: the missing items given the
    observed ones have residual covariance H = K_mm^-1 and regression B = -H K_mo, so
    sum x_m = n mu_m + B d, sum x_m x_o' = mu_m T' + B (Q - mu_o T') and
    sum x_m x_m' = n mu_m mu_m' + mu_m (B d)' + (B d) mu_m' + B S B' + n H, with T, Q the
    pattern's sums, d = T - n mu_o and S its scatter about mu_o.
    """
    p = patterns.p
    for _ in range(max_iter):
        k = np.linalg.inv(cov)
        sum_x = s.t_sum.copy()
        sum_xx = s.q_tot.copy()
        for g, (n, total, cross) in zip(patterns.groups, s.groups, strict=True):
            obs, miss = g.obs, g.miss
            h = np.linalg.inv(k[miss[:, :, None], miss[:, None, :]])
            b = -h @ k[miss[:, :, None], obs[:, None, :]]
            mu_o, mu_m = mean[obs], mean[miss]
            d = total - n[:, None] * mu_o
            # Products with B first, so no (G, k, k) temporaries: B S = B Q - (B T) mu_o' -
            # (B mu_o) d'.
            bq = b @ cross
            b_mu = (b @ mu_o[:, :, None])[:, :, 0]
            b_t = (b @ total[:, :, None])[:, :, 0]
            bd = b_t - n[:, None] * b_mu
            bs = bq - b_t[:, :, None] * mu_o[:, None, :] - b_mu[:, :, None] * d[:, None, :]
            mo = (mu_m - b_mu)[:, :, None] * total[:, None, :] + bq
            mm = (n[:, None, None] * (mu_m[:, :, None] * mu_m[:, None, :] + h)
                  + mu_m[:, :, None] * bd[:, None, :] + bd[:, :, None] * mu_m[:, None, :]
                  + bs @ b.transpose(0, 2, 1))
            sum_x += np.bincount(miss.ravel(), weights=(n[:, None] * mu_m + bd).ravel(),
                                 minlength=p)
            mo_sum = _scatter(g.at_mo, mo, p)
            sum_xx += mo_sum + mo_sum.T + _scatter(g.at_mm, mm, p)
        new_mean = sum_x / s.n_total
        new_cov = sum_xx / s.n_total - np.outer(new_mean, new_mean)
        delta = max(np.max(np.abs(new_mean - mean)), np.max(np.abs(new_cov - cov)))
        mean, cov = new_mean, new_cov
        if delta < tol:
            return mean, cov, True
    return mean, cov, False


def em_moments(x: np.ndarray, *, tol: float = 1e-10, max_iter: int = 2000
               ) -> tuple[np.ndarray, np.ndarray, bool]:
    """ML mean and covariance (N denominator) of multivariate-normal data with NaN values,
    by EM started at the available-case means and variances. Rows with no observed value
    carry no information and are ignored. Returns (mean, cov, converged)."""
    patterns = Patterns(x)
    return em_from_sums(patterns, patterns.sums(), np.nanmean(x, axis=0),
                        np.diag(np.nanvar(x, axis=0)), tol=tol, max_iter=max_iter)


def fiml_fit_measures(x: np.ndarray, implied_mean: np.ndarray, implied_cov: np.ndarray,
                      n_params: int, saturated: tuple[np.ndarray, np.ndarray] | None = None,
                      weights: np.ndarray | None = None) -> dict[str, float]:
    """Fit measures for data with missing values (FIML). ``n_params`` counts covariance-structure
    parameters; the p saturated means are added to the information criteria as lavaan does.
    ``saturated``: the EM mean and covariance of ``x`` when already computed. ``weights``:
    case weights summing to the number of rows (lavaan's sampling weights: every likelihood
    is the weighted sum of the casewise terms, the baseline's moments weighted too)."""
    n, p = x.shape
    if saturated is None:
        if weights is not None:
            raise ValueError("Weighted fit measures need the weighted EM moments.")
        saturated = em_moments(x)[:2]
    sat_mean, sat_cov = saturated
    logl_sat = normal_loglik(x, sat_mean, sat_cov, weights)
    logl = normal_loglik(x, implied_mean, implied_cov, weights)
    w = np.ones(n) if weights is None else weights
    base = 0.0
    for j in range(p):
        seen = ~np.isnan(x[:, j])
        col, wj = x[seen, j], w[seen]
        var = float(np.average((col - np.average(col, weights=wj)) ** 2, weights=wj))
        base += -0.5 * wj.sum() * (LOG2PI + math.log(var) + 1)
    chi2 = 2 * (logl_sat - logl)
    df = p * (p + 1) // 2 - n_params
    out = _indices(chi2, df, 2 * (logl_sat - base), p * (p - 1) // 2, n)
    out["srmr"] = srmr(sat_cov, implied_cov, sat_mean, implied_mean)
    out.update(_information(logl, n_params + p, n))
    out["logl_saturated"] = logl_sat
    return out
