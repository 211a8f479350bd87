"""Bootstrap of a CB-SEM estimate: every resample refitted from the estimate's solution
through the shared driver (:mod:`survey.estimators.bootstrap`), with :class:`CbsemBootstrap` as
the statistic. :func:`bootstrap_cbsem` (or ``estimate_cbsem(bootstrap=...)``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from survey.errors import EstimationError
from survey.estimators.admissibility import not_positive_definite
from survey.estimators.bootstrap import (
    INADMISSIBLE_REASONS,
    NEGATIVE_VARIANCE,
    NOT_POSITIVE_DEFINITE,
    BootstrapResult,
    BootstrapSettings,
    Label,
    run_bootstrap,
)
from survey.estimators.cbsem_model import (
    factor_score_indices,
    index_blocks,
    model_syntax,
    standardized_effects,
)
from survey.estimators.fit import Patterns, em_from_sums
from survey.estimators.prepare import (
    case_weights,
    check_items,
    weighted_moments,
)
from survey.estimators.result import (
    Estimate,
)
from survey.estimators.sem import (
    GTOL,
    SemFit,
    SemModel,
    fit_sem,
    newton,
    pd_inverse,
    quasi_newton,
    quiet_semopy,
    set_estimates,
)
from survey.pathmodel import BoundModel

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


def _layout(bound: BoundModel, model: SemModel, name: Callable[[str], str], est: Estimate
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
    steps started with the full sample's Hessian (:func:`newton`), falling back on BFGS
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
        self.blocks = index_blocks(bound)
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
        self.h_inv = None if fit.hessian is None else pd_inverse(fit.hessian)
        self.labels = self.layout.labels
        self.estimate = _estimate_vector(estimate, self.labels)

    def _name(self, construct: str) -> str:
        return self.single.get(construct, construct)

    def _minimise(self, fun: Callable, z0: np.ndarray, scale: float):
        """Newton steps from the full-sample estimates (:func:`newton`, decrement below 1e-16
        per respondent: parameters to ~1e-8), else BFGS from them (:func:`quasi_newton`,
        at most :data:`FALLBACK_ITER` iterations: a resample that needs more sits on a
        likelihood so flat that its optimum means little, and the run would take hours:
        ECSI on mobi, where lavaan too fails to converge on 70 % of resamples). Returns the
        estimates and whether the gradient vanished."""
        limit = min(50, self.max_iter or 50)
        if self.h_inv is not None:
            z, ok = newton(fun, z0, self.h_inv, 1e-16 * scale, limit, gtol=GTOL * scale)
            if ok:
                return z, True
        z = quasi_newton(fun, z0, scale, max_iter=self.max_iter or FALLBACK_ITER)
        grad = fun(z)[1]
        return z, grad is not None and float(np.max(np.abs(grad), initial=0.0)) <= GTOL * scale

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_cache"] = None
        return state

    def _work(self) -> tuple[SemModel, Patterns | None]:
        """The semopy model (parsed once per process, set to the full-sample estimates) and,
        under FIML, the pattern structure of the data."""
        if self._cache is None:
            model = SemModel(self.description)
            obs = list(self.observed)
            with warnings.catch_warnings(), quiet_semopy():
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

    def _fit_ml(self, model: SemModel, mean: np.ndarray, cov: np.ndarray):
        try:
            np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            return SINGULAR, mean, cov
        logdet = np.linalg.slogdet(cov)[1]
        theta, ok = self._minimise(lambda t: model.ml_terms(t, cov, logdet), self.start, 1.0)
        set_estimates(model, theta)
        return ("" if ok else NOT_CONVERGED), mean, cov

    def _fit_fiml(self, model: SemModel, patterns: Patterns, counts: np.ndarray):
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
        set_estimates(model, z)
        return ("" if ok else NOT_CONVERGED), mean, cov

    def _inadmissible(self, model: SemModel) -> str:
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

    def _values(self, model: SemModel, mean: np.ndarray, cov: np.ndarray) -> np.ndarray:
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
        effects = standardized_effects(self.bound, dict(zip(lay.paths, std[:len(lay.paths)], strict=True)))
        total = {(e.source, e.target): e.total for e in effects}
        _, indices = factor_score_indices(self.blocks, self._name, self.observed, list(model.vars["inner"]),
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

    ``settings`` as for :func:`~survey.estimators.bootstrap.run_bootstrap`, with at most
    :data:`JACKKNIFE_GROUPS` jackknife groups for BCa. Resamples that fail are counted by
    reason in the result (see :class:`CbsemBootstrap`). ``estimate_cbsem(bootstrap=...)``
    does the same without a second full-sample fit. ``weights``: the case-weight column the
    estimate was made with (a resample's frequencies multiply the weights).
    """
    statistic = cbsem_statistic(bound, data, estimate, missing=missing, max_iter=max_iter,
                                weights=weights)
    return _run(statistic, settings, progress)


def bootstrap_fit(bound: BoundModel, fit: SemFit, data: pd.DataFrame, estimate: Estimate,
                  settings: BootstrapSettings,
                  progress: Callable[[int, int], None] | None = None, *,
                  jackknife: bool = True) -> BootstrapResult:
    """Bootstrap ``estimate``, made by :func:`~survey.estimators.cbsem.estimate_cbsem` from
    ``fit`` of ``bound`` on ``data``, without a second full-sample fit (``jackknife``: also
    the refits BCa needs; off when only percentile intervals are asked for)."""
    return _run(CbsemBootstrap(bound, fit, _rows_used(fit, data), estimate), settings, progress,
                jackknife)


def _run(statistic: CbsemBootstrap, settings: BootstrapSettings,
         progress: Callable[[int, int], None] | None, jackknife: bool = True
         ) -> BootstrapResult:
    settings = replace(settings, jackknife_groups=min(settings.jackknife_groups,
                                                      JACKKNIFE_GROUPS))
    return run_bootstrap(statistic, statistic.labels, statistic.estimate, statistic.n, settings,
                         method="cbsem", progress=progress, jackknife=jackknife)
