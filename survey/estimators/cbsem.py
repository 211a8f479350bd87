"""Covariance-based SEM of a questionnaire-bound path model: :func:`estimate_cbsem` builds
the description (:mod:`survey.estimators.cbsem_model`), fits it (:mod:`survey.estimators.sem`),
checks the solution (:mod:`survey.estimators.admissibility`) and assembles the immutable
:class:`~survey.estimators.result.Estimate` with measurement quality and 0-100 indices;
``estimate_cbsem(bootstrap=...)`` refits it on bootstrap resamples
(:mod:`survey.estimators.cbsem_bootstrap`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from survey.estimators.admissibility import check_admissibility
from survey.estimators.bootstrap import (
    BootstrapSettings,
)
from survey.estimators.cbsem_bootstrap import bootstrap_fit
from survey.estimators.cbsem_model import (
    constraints_json,
    factor_score_indices,
    index_blocks,
    model_syntax,
    standardized_effects,
)
from survey.estimators.notices import Notice, notice
from survey.estimators.prepare import (
    case_weights,
    check_items,
)
from survey.estimators.quality import (
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
from survey.estimators.result import (
    CovarianceEstimate,
    Estimate,
    LoadingEstimate,
    PathEstimate,
)
from survey.estimators.sem import SemFit, fit_sem
from survey.numbers import finite as _num
from survey.pathmodel import BoundModel


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
    :func:`~survey.estimators.bootstrap.run_bootstrap`). ``weights`` names a case-weight column
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

    effects = standardized_effects(bound, {(p.source, p.target): p.std_estimate for p in paths})
    weights, indices = factor_score_indices(index_blocks(bound), name, fit.observed, list(fit.cross_cov.columns),
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
    return est.with_bootstrap(bootstrap_fit(bound, fit, data, est, bootstrap, progress,
                                            jackknife=interval == "bca"), interval)


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
