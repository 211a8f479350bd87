"""Covariance-based SEM through semopy (the only module that imports semopy).

:func:`fit_sem` fits a lavaan-style model description and returns a :class:`SemFit` holding a
tidy parameter table (lhs, op, rhs, est, se, std) and the moments behind it; nothing outside
this module sees a semopy object. :func:`estimate_cbsem` builds the description from a
questionnaire-bound path model (higher-order constructs, single-item constructs), fits it, and
assembles the immutable :class:`~survey.estimate.result.Estimate`.

Traps avoided:
* semopy's default SLSQP tolerance stops early (Political Democracy differs from lavaan by
  0.012); with ``ftol=1e-12`` it agrees to 1e-5.
* semopy drops or pairwise-uses rows with NaN without a word; data reach it complete, or
  through the FIML objective, never with NaN unannounced.
* semopy's FIML objective assumes zero means and its gradient loops over parameters x missing
  patterns (83 s for 1000 respondents, 97 parameters). Data are centred at the saturated ML
  (EM) means and the gradient is computed in one pass over the patterns (same objective).
* semopy's standard errors use the complete-data expected information; under FIML they come
  from the observed information (numerical Hessian of the FIML objective), as lavaan does.
* semopy's ``calc_stats`` fit measures are wrong in places (see :mod:`survey.estimate.fit`).
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import semopy
from scipy import stats

from survey.errors import EstimationError, Problem
from survey.estimate.admissibility import check_admissibility
from survey.estimate.fit import em_moments, fiml_fit_measures, ml_fit_measures
from survey.estimate.quality import (
    average_variance_extracted,
    composite_reliability,
    correlation,
    cronbach_alpha,
    htmt,
)
from survey.estimate.result import (
    EffectEstimate,
    Estimate,
    LoadingEstimate,
    PathEstimate,
    WeightEstimate,
)
from survey.indices import IndexResult, index_from_weights
from survey.pathmodel import BoundModel

_FTOL = 1e-12


class _Model(semopy.Model):
    """semopy's Model with FIML that estimates the item means jointly (a saturated mean
    structure, as lavaan's ``missing = "ml"``) and a gradient computed in one pass over the
    missing-data patterns. semopy's own FIML fixes the means at zero."""

    def prepare_fiml_means(self, x: np.ndarray) -> None:
        """Group rows by missingness pattern, and patterns by how many items they observe, so
        the likelihood is evaluated with batched linear algebra: per group the observed
        column indices (m x k), row counts, sums and cross-products."""
        observed = ~np.isnan(x)
        keys, inverse = np.unique(observed, axis=0, return_inverse=True)
        by_size: dict[int, list] = {}
        for k, key in enumerate(keys):
            cols = np.flatnonzero(key)
            if cols.size == 0:
                continue
            rows = x[np.flatnonzero(inverse.ravel() == k)][:, cols]
            by_size.setdefault(cols.size, []).append(
                (cols, rows.shape[0], rows.sum(axis=0), rows.T @ rows))
        self.fiml_groups = [
            (np.stack([g[0] for g in groups]), np.array([g[1] for g in groups], float),
             np.stack([g[2] for g in groups]), np.stack([g[3] for g in groups]))
            for groups in by_size.values()
        ]

    def _fiml_terms(self, theta: np.ndarray, mean: np.ndarray, want_grad: bool):
        """-2 logL up to a constant, and optionally its gradient (structure params, means)."""
        self.update_matrices(theta)
        sigma, (m, c) = self.calc_sigma()
        p = sigma.shape[0]
        value = 0.0
        g_sigma = np.zeros((p, p))
        g_mean = np.zeros(p)
        for cols, n, total, cross in self.fiml_groups:
            mu = mean[cols]
            nn = n[:, None, None]
            # sum over a pattern's rows of (x - mu)(x - mu)', from its sums.
            scatter = (cross - total[:, :, None] * mu[:, None, :] - mu[:, :, None] * total[:, None, :]
                       + nn * mu[:, :, None] * mu[:, None, :])
            sub = sigma[cols[:, :, None], cols[:, None, :]]
            try:
                chol = np.linalg.cholesky(sub)
            except np.linalg.LinAlgError:
                return math.inf, None
            inv = np.linalg.inv(sub)
            logdet = 2 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
            value += float(np.einsum("mij,mji->", scatter, inv) + n @ logdet)
            if want_grad:
                g = nn * inv - inv @ scatter @ inv
                np.add.at(g_sigma, (cols[:, :, None], cols[:, None, :]), g)
                resid = total - n[:, None] * mu
                np.add.at(g_mean, cols, -2 * np.einsum("mij,mj->mi", inv, resid))
        if not want_grad:
            return value, None
        g_theta = np.array([np.einsum("ij,ij->", g_sigma, g) for g in self.calc_sigma_grad(m, c)])
        return value, np.concatenate([g_theta, g_mean])

    def fit_fiml_means(self, x: np.ndarray, start_mean: np.ndarray):
        """Minimise -2 logL (up to a constant) over structure parameters and means jointly."""
        from scipy.optimize import minimize

        self.prepare_fiml_means(x)
        k = len(self.param_vals)

        def fun(z):
            value, grad = self._fiml_terms(z[:k], z[k:], True)
            if grad is None:
                return math.inf, np.full(z.size, math.nan)
            return value, grad

        z0 = np.concatenate([np.asarray(self.param_vals, float), start_mean])
        bounds = list(self.get_bounds()) + [(None, None)] * start_mean.size
        res = minimize(fun, z0, jac=True, method="L-BFGS-B", bounds=bounds,
                       options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-9})
        self.param_vals = res.x[:k]
        self.update_matrices(self.param_vals)
        self.fiml_mean = res.x[k:]
        return res

    def fiml_gradient(self, z: np.ndarray) -> np.ndarray:
        k = len(self.param_vals)
        return self._fiml_terms(z[:k], z[k:], True)[1]


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


def fit_sem(description: str, data: pd.DataFrame, *, missing: str = "fiml") -> SemFit:
    """Fit a lavaan-syntax model by ML (complete data) or FIML/listwise (with NaN).

    ``missing`` is 'fiml' or 'listwise'; it only matters when ``data`` has NaN.
    """
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
    has_missing = bool(frame.isna().to_numpy().any())
    mode = "listwise"
    if has_missing and missing == "listwise":
        frame = frame.dropna()
    elif has_missing:
        mode = "fiml"
    x = frame.to_numpy()
    if len(frame) < 2:
        raise EstimationError(f"Only {len(frame)} usable respondents remain; CB-SEM needs many more.")
    with warnings.catch_warnings(), _quiet_semopy():
        warnings.simplefilter("ignore")
        if mode == "fiml":
            em_mean, em_cov, _ = em_moments(x)
            cov_frame = pd.DataFrame(em_cov, index=observed, columns=observed)
            # Two-stage ML on the EM moments gives starting values; then FIML proper.
            model.fit(frame - em_mean, cov=cov_frame, obj="MLW", options={"ftol": _FTOL})
            result = model.fit_fiml_means(x, em_mean)
            mean, cov = em_mean, em_cov
        else:
            mean = x.mean(axis=0)
            cov = np.cov(x, rowvar=False, bias=True)
            result = model.fit(frame, options={"ftol": _FTOL})
    converged = bool(result.success) and math.isfinite(float(result.fun))
    sigma, (_, c) = model.calc_sigma()
    k = len(model.param_vals)
    se, info_ok = _standard_errors(model, mode)
    params = _parameter_table(model, se, sigma, c)
    inner = list(model.vars["inner"])
    inner_cov = c @ model.mx_psi @ c.T
    cross = model.mx_lambda @ inner_cov  # cov(observed, inner)
    if mode == "fiml":
        fit = fiml_fit_measures(x, model.fiml_mean, sigma, k)
    else:
        fit = ml_fit_measures(cov, sigma, len(frame), k)
    return SemFit(
        params=params, observed=tuple(observed), latents=tuple(sorted(model.vars["latent"])),
        implied_cov=sigma,
        inner_cov=pd.DataFrame(inner_cov, index=inner, columns=inner),
        cross_cov=pd.DataFrame(cross, index=observed, columns=inner),
        sample_mean=mean, sample_cov=cov, n=len(frame), n_dropped=n_total - len(frame),
        missing=mode, converged=converged, message=str(result.message), fit=fit,
        information_ok=info_ok,
    )


class _quiet_semopy:
    """semopy logs warnings (e.g. a non-PD information matrix) that we turn into our own."""

    def __enter__(self):
        self._level = logging.root.manager.disable
        logging.disable(logging.WARNING)

    def __exit__(self, *exc):
        logging.disable(self._level)


def _standard_errors(model: _Model, mode: str) -> tuple[np.ndarray, bool]:
    x0 = np.array(model.param_vals, dtype=float)
    if mode == "fiml":
        # Observed information over structure parameters and means jointly; the FIML
        # objective is -2 logL + const, so I = H / 2 (lavaan's default under missing = "ml").
        # Forward differences of the analytic gradient: half the cost of central ones, and
        # their O(h) error (h = 1e-6) is far below the SEs' own sampling error.
        z0 = np.concatenate([x0, model.fiml_mean])
        k = z0.size
        g0 = model.fiml_gradient(z0)
        hess = np.empty((k, k))
        for i in range(k):
            h = 1e-6 * max(1.0, abs(z0[i]))
            e = np.zeros(k)
            e[i] = h
            hess[:, i] = (model.fiml_gradient(z0 + e) - g0) / h
        model.update_matrices(x0)
        info = (hess + hess.T) / 4
    else:
        info = model.calc_fim()
    try:
        eig = np.linalg.eigvalsh(info)
        ok = bool(np.all(eig > 1e-10 * max(1.0, eig.max())))
        cov = np.linalg.inv(info) if ok else np.linalg.pinv(info)
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


def model_syntax(bound: BoundModel) -> tuple[str, dict[str, str]]:
    """lavaan/semopy syntax for a bound model, and the map of single-item constructs to the item
    that stands for them (a single-item construct enters the structural model as its item)."""
    single = {c: items[0] for c, items in bound.measurement if len(items) == 1}
    name = lambda x: single.get(x, x)  # noqa: E731
    lines = [f"{c} =~ " + " + ".join(items) for c, items in bound.measurement if len(items) > 1]
    for latent, dims in bound.second_order:
        lines.append(f"{latent} =~ " + " + ".join(name(d) for d in dims))
    for latent in bound.model.latents:
        preds = bound.model.predecessors(latent)
        if preds:
            lines.append(f"{name(latent)} ~ " + " + ".join(name(p) for p in preds))
    return "\n".join(lines), single


def check_items(bound: BoundModel, data: pd.DataFrame, where: str) -> None:
    """Catch what no estimator can survive before it runs: a constant or empty item."""
    problems = []
    for item in bound.items:
        col = data[item]
        observed = col.dropna()
        if observed.empty:
            problems.append(Problem(where, f"Item '{item}' has no valid answers (all missing or "
                                           "don't know); remove it from the model or collect data."))
        elif observed.nunique() < 2:
            problems.append(Problem(where, f"Item '{item}' is constant (every answer is "
                                           f"{observed.iloc[0]:g}); it carries no information "
                                           "and makes the covariance matrix singular. Remove it."))
    if problems:
        raise EstimationError(problems)


def estimate_cbsem(bound: BoundModel, data: pd.DataFrame, *, missing: str = "fiml",
                   source: str = "data") -> Estimate:
    """Estimate a questionnaire-bound path model by CB-SEM (ML; FIML or listwise for missing).

    ``data`` holds the item columns as floats with NaN for missing (a ResponseSet's ``data``).
    Indices use factor-score regression weights (Thurstone) on each latent's own items.
    """
    check_items(bound, data, source)
    description, single = model_syntax(bound)
    fit = fit_sem(description, data[list(bound.items)], missing=missing)
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
        r2[x] = 1.0 - disturbance.est / var if disturbance is not None and var > 0 else math.nan

    effects = _effects(bound, {(p.source, p.target): p.std_estimate for p in paths})
    weights, indices = _indices(bound, fit, name)
    variances = [(f"{r.lhs} ~~ {r.rhs}", r.est, _num(r.se)) for r in table.itertuples(index=False)
                 if r.op == "~~" and r.lhs == r.rhs]
    warnings_ = list(check_admissibility(fit, bound, name, paths, loadings))
    if fit.missing == "fiml":
        warnings_.insert(0, f"{_count_incomplete(data, bound)} of {fit.n} respondents have a "
                            "missing or don't-know answer; they are kept and estimated by FIML.")
    elif fit.n_dropped:
        warnings_.insert(0, f"{fit.n_dropped} respondents with a missing answer were dropped "
                            "(listwise deletion).")
    for idx in indices:
        if not idx.valid:
            warnings_.append(f"The index of '{idx.latent}' is invalid: a rescaled item weight is "
                             "negative, so the weighted mean is not on the 0-100 scale.")
    admissible = fit.converged and not any(w.startswith("Inadmissible") for w in warnings_)
    reliability, htmt_values = _measurement_quality(bound, fit, loadings)
    return Estimate(
        method="cbsem", model_id=bound.model.id, n=fit.n, n_dropped=fit.n_dropped,
        missing=fit.missing, converged=fit.converged, admissible=admissible,
        warnings=tuple(warnings_), paths=tuple(paths), loadings=tuple(loadings),
        weights=tuple(weights), r2=r2, effects=tuple(effects), indices=tuple(indices),
        fit={k: v for k, v in fit.fit.items()},
        missing_detail={"n_total": fit.n + fit.n_dropped, "n_used": fit.n,
                        "n_incomplete": _count_incomplete(data, bound),
                        "n_dropped": fit.n_dropped},
        variances=tuple(variances), index_weights="factor_score_regression",
        reliability=reliability, htmt=tuple(htmt_values),
    )


def _measurement_quality(bound: BoundModel, fit: SemFit, loadings: list[LoadingEstimate]):
    """alpha (from the ML/EM item covariances), rho_C and AVE (from standardized loadings) per
    construct, and HTMT between first-order constructs. rho_A needs PLS weights: null here."""
    obs = list(fit.observed)
    out = {}
    for construct in bound.constructs:
        std = [x.std_estimate for x in loadings if x.latent == construct]
        dims = dict(bound.second_order).get(construct)
        if dims is None:
            idx = [obs.index(i) for i in dict(bound.measurement)[construct]]
            alpha = cronbach_alpha(fit.sample_cov[np.ix_(idx, idx)])
        else:
            alpha = None
        out[construct] = {"alpha": alpha, "rho_a": None, "rho_c": composite_reliability(std),
                          "ave": average_variance_extracted(std)}
    blocks = {c: [obs.index(i) for i in items] for c, items in bound.measurement}
    return out, htmt(correlation(fit.sample_cov), blocks)


def _count_incomplete(data: pd.DataFrame, bound: BoundModel) -> int:
    return int(data[list(bound.items)].isna().any(axis=1).sum())


def _num(x) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def _effects(bound: BoundModel, std_paths: dict[tuple[str, str], float]) -> list[EffectEstimate]:
    """Direct, indirect and total effects between latents from standardized paths:
    total = (I - B)^-1 - I for a recursive model."""
    latents = list(bound.model.latents)
    k = len(latents)
    b = np.zeros((k, k))  # b[effect, cause]
    for (a, t), v in std_paths.items():
        b[latents.index(t), latents.index(a)] = v
    total = np.linalg.inv(np.eye(k) - b) - np.eye(k)
    out = []
    for j, cause in enumerate(latents):
        for i, effect in enumerate(latents):
            if abs(total[i, j]) > 1e-12:
                out.append(EffectEstimate(cause, effect, float(b[i, j]),
                                          float(total[i, j] - b[i, j]), float(total[i, j])))
    return out


def _indices(bound: BoundModel, fit: SemFit, name) -> tuple[list[WeightEstimate], list[IndexResult]]:
    """Factor-score regression weights w = Sigma_II^-1 cov(I, latent) on each latent's own
    items I (for a higher-order latent, the items of its dimensions), then the 0-100 index."""
    obs = list(fit.observed)
    sd = np.sqrt(np.diag(fit.sample_cov))
    mean = dict(zip(obs, fit.sample_mean, strict=True))
    sds = dict(zip(obs, sd, strict=True))
    weights, indices = [], []
    q = bound.questionnaire
    for latent in bound.constructs:
        items = [i.id for i in bound.indicators(latent)]
        idx = [obs.index(i) for i in items]
        if len(items) == 1:
            raw = np.array([1.0])
        else:
            sigma_ii = fit.implied_cov[np.ix_(idx, idx)]
            raw = np.linalg.solve(sigma_ii, fit.cross_cov.loc[items, name(latent)].to_numpy())
        # Weights of standardized items, scaled so the composite has unit variance (as PLS
        # outer weights are); the index rescales them back to the raw metric.
        std_w = raw * sd[idx]
        std_w = std_w / math.sqrt(float(raw @ fit.implied_cov[np.ix_(idx, idx)] @ raw))
        weights.extend(WeightEstimate(latent, i, float(w)) for i, w in zip(items, std_w, strict=True))
        indices.append(index_from_weights(
            latent, dict(zip(items, std_w, strict=True)), {i: sds[i] for i in items},
            {i: mean[i] for i in items}, {i: q.scale_of(i) for i in items},
            kind="factor_score_regression"))
    return weights, indices
