"""Consistent PLS (PLSc; Dijkstra & Henseler 2015), batched over resamples like PLS itself.

PLS composites carry their items' measurement error: their correlations are attenuated and
their loadings inflated when the constructs are common factors (reflective, mode A). PLSc
corrects the PLS result, a function of the converged outer weights and the item correlations
only, so it runs on the same stack of correlation matrices (B, q, q) as
:func:`survey.estimators.pls.pls_core` (one full sample, or a bootstrap chunk of resamples):

* rho_A per construct (Dijkstra & Henseler 2015, "Consistent partial least squares path
  modeling", MIS Quarterly 39(2), 297-316, eq. 13; with w scaled so that w'Rw = 1):
  rho_A = (w'w)^2 w'(R - diag R)w / w'(ww' - diag ww')w. It is 1 for a single-item construct
  and for a composite (mode B: no measurement error to correct, as in Dijkstra & Henseler).
* the construct correlations disattenuated: r*_ij = r_ij / sqrt(rho_A,i rho_A,j),
  unit diagonal;
* consistent loadings of a mode-A construct: lambda = w sqrt(rho_A) / (w'w) (the correction
  factor c = sqrt(rho_A) / w'w of the weights);
  a mode-B construct keeps its PLS loadings;
* paths and R² by OLS on the corrected correlation matrix, total effects from those paths.

The 0-100 indices stay computed from the PLS outer weights: PLSc corrects loadings and paths,
not the composite an index is a weighted mean of.

Inadmissible results: rho_A outside (0, 1] (a block whose items
do not behave as indicators of one factor) or a corrected correlation matrix that is not
positive definite. A full sample with rho_A <= 0 cannot be corrected at all (the square root
is undefined): :class:`~survey.errors.EstimationError`. One with rho_A > 1 or a non-positive-
definite matrix is estimated and flagged inadmissible (notices in every output). A bootstrap
resample with any of these fails, with its reason (they are not the CB-SEM inadmissible
reasons that the ``keep`` policy keeps), and the usable-resample rule of
:mod:`survey.estimators.bootstrap` decides whether inference remains.

Higher-order constructs are refused: the correction of a two-stage or repeated-indicators
model needs the reliabilities of the dimension scores as indicators of the higher-order
construct, which this module does not implement.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from survey.errors import EstimationError, Problem
from survey.estimators.bootstrap import BootstrapResult, BootstrapSettings, run_bootstrap
from survey.estimators.notices import notice
from survey.estimators.pls import (
    MAX_ITER,
    TOL,
    CoreResult,
    Design,
    PlsFit,
    PlsStatistic,
    _assemble,
    _block_weights,
    _blocks,
    _collect,
    _layout,
    _moments,
    _predecessors,
    _scale_bounds,
    compile_design,
    effect_estimates,
    fit_pls,
    pls_core,
)
from survey.estimators.prepare import case_weights, check_items, prepare_items
from survey.estimators.quality import (
    adjusted_r2,
    f_squared,
    inner_vif,
    measurement_quality,
    r2_from_corr,
)
from survey.estimators.result import Estimate, LoadingEstimate, PathEstimate
from survey.pathmodel import BoundModel

#: Why a resample has no PLSc estimate (failures: never kept as "inadmissible" draws).
RHO_NOT_POSITIVE = "PLSc: rho_A not positive"
RHO_ABOVE_ONE = "PLSc: rho_A above 1"
NOT_PD = "PLSc: corrected construct correlations not positive definite"
#: Smallest eigenvalue of the corrected correlation matrix still called positive definite.
PD_FLOOR = 1e-10


@dataclass
class Correction:
    """The PLSc correction of a batch (B resamples, K constructs in ``design.constructs``
    order): ``rho`` (B, K) rho_A (1 for single-item and mode-B constructs), ``c`` (B, K, K)
    the disattenuated construct correlations, ``loadings`` (B, q, K) consistent loadings of
    every item on its own construct (PLS loadings for mode B), ``beta`` (B, K, K) paths,
    ``r2`` (B, K) (NaN for exogenous), ``min_eigen`` (B,) smallest eigenvalue of ``c`` and
    ``reason`` (B,) why a resample is inadmissible ('' when it is not)."""

    rho: np.ndarray
    c: np.ndarray
    loadings: np.ndarray
    beta: np.ndarray
    r2: np.ndarray
    min_eigen: np.ndarray
    reason: np.ndarray


def check_plsc_model(bound: BoundModel) -> None:
    """Refuse what PLSc cannot estimate here: higher-order constructs (and, as PLS, a
    measurement model without paths)."""
    if bound.second_order:
        names = ", ".join(f"'{h}'" for h, _ in bound.second_order)
        raise EstimationError(Problem(
            str(bound.model.source or bound.model.id),
            f"Model '{bound.model.id}' has higher-order constructs ({names}); consistent PLS "
            "(PLSc) is implemented for first-order constructs only. Use --method pls or "
            "--method cbsem for this model."))


def correct(r: np.ndarray, core: CoreResult, design: Design) -> Correction:
    """The PLSc correction of ``core`` (the PLS result on the item correlations ``r`` (B, q,
    q)) for every resample at once (Dijkstra & Henseler 2015)."""
    s = design.stage1
    b, q, _ = r.shape
    k_all = len(design.constructs)
    w = core.stage1.weights  # (B, p, K) on stage-1 slots; no repeated indicators here
    cols = np.asarray(s.columns)
    rho = np.ones((b, k_all))
    loadings = np.zeros((b, q, k_all))
    cross = r @ core.v  # corr(item, composite): the PLS loadings
    for k, mode in enumerate(s.modes):
        slots = s.slots_of(k)
        items = cols[slots]
        wk = w[:, slots, k]
        if mode == "B":
            loadings[:, items, k] = cross[:, items, k]
            continue
        rk = r[:, items][:, :, items]
        with np.errstate(invalid="ignore", divide="ignore"):
            # Scale so that the composite has unit variance (w'Rw = 1): rho_A is not
            # scale-free in w (numerator of degree 6, denominator of degree 4).
            wk = wk / np.sqrt(np.einsum("bi,bij,bj->b", wk, rk, wk))[:, None]
            wtw = (wk ** 2).sum(axis=1)
            if slots.size > 1:
                off = np.einsum("bi,bij,bj->b", wk, rk, wk) - (wk ** 2 * np.diagonal(
                    rk, axis1=1, axis2=2)).sum(axis=1)
                rho[:, k] = wtw ** 2 * off / (wtw ** 2 - (wk ** 4).sum(axis=1))
            loadings[:, items, k] = wk * (np.sqrt(rho[:, k]) / wtw)[:, None]
    reason = np.array([""] * b, dtype=object)
    bad = ~(np.isfinite(rho) & (rho > 0)).all(axis=1)
    reason[bad] = RHO_NOT_POSITIVE
    above = (rho > 1).any(axis=1) & (reason == "")
    reason[above] = RHO_ABOVE_ONE
    with np.errstate(invalid="ignore", divide="ignore"):
        root = np.sqrt(np.where(rho > 0, rho, np.nan))
        c = core.c / (root[:, :, None] * root[:, None, :])
    idx = np.arange(k_all)
    c[:, idx, idx] = 1.0
    finite = np.isfinite(c).all(axis=(1, 2))
    min_eigen = np.full(b, np.nan)
    if finite.any():
        min_eigen[finite] = np.linalg.eigvalsh(c[finite]).min(axis=1)
    reason[finite & (min_eigen <= PD_FLOOR) & (reason == "")] = NOT_PD
    beta = np.zeros((b, k_all, k_all))
    r2 = np.full((b, k_all), np.nan)
    ok = finite & (min_eigen > PD_FLOOR)
    pos = {x: j for j, x in enumerate(design.constructs)}
    for target in design.constructs:
        pred = [pos[a] for a in _predecessors(design, target)]
        if not pred:
            continue
        j = pos[target]
        coef = np.full((b, len(pred)), np.nan)
        if ok.any():
            # A positive definite matrix has positive definite principal blocks: solvable.
            coef[ok] = np.linalg.solve(c[ok][:, pred][:, :, pred], c[ok][:, pred, j][..., None]
                                       )[..., 0]
        if (finite & ~ok).any():
            # Not positive definite: still reported (flagged inadmissible) where solvable.
            for i in np.flatnonzero(finite & ~ok):
                try:
                    coef[i] = np.linalg.solve(c[i][np.ix_(pred, pred)], c[i][pred, j])
                except np.linalg.LinAlgError:
                    pass
        beta[:, pred, j] = coef
        r2[:, j] = (coef * c[:, pred, j]).sum(axis=1)
    return Correction(rho, c, loadings, beta, r2, min_eigen, reason)


def corrected_core(core: CoreResult, corr: Correction) -> CoreResult:
    """``core`` with the PLSc paths, R² and construct correlations (weights unchanged: the
    indices and HTMT still come from the PLS composites)."""
    return replace(core, beta=corr.beta, r2=corr.r2, c=corr.c)


# --------------------------------------------------------------------------- bootstrap


class PlscStatistic(PlsStatistic):
    """The PLSc bootstrap statistic: resample counts (k, n) -> every bootstrapped number
    (k, P) of the PLSc estimate, the PLS kernel and the correction batched per chunk. A
    resample whose PLS fit or PLSc correction fails or is inadmissible has its reason."""

    def __call__(self, counts: np.ndarray) -> tuple[np.ndarray, list[str]]:
        mean, sd, r = _moments(self.data, counts.astype(float), self.center)
        core = pls_core(r, self.design)
        corr = correct(r, core, self.design)
        values = _collect_plsc(self.design, core, corr, r, mean, sd, self.lo, self.hi,
                               self.layout)
        reasons = [a or b for a, b in zip(core.fail.reason, corr.reason, strict=True)]
        return values, reasons


def _collect_plsc(design, core, corr, r, mean, sd, lo, hi, layout) -> np.ndarray:
    """The numbers of :func:`survey.estimators.pls._collect` (same labels, same order) with
    the PLSc paths, R², total effects and loadings."""
    values = _collect(design, corrected_core(core, corr), r, mean, sd, lo, hi, layout)
    start = len(layout.path_idx)
    for j, (i, k) in enumerate(layout.loading_idx):
        values[:, start + j] = corr.loadings[:, i, k]
    return values


# --------------------------------------------------------------------------- estimate


def estimate_plsc(bound: BoundModel, data: pd.DataFrame, *, scheme: str = "path",
                  missing: str = "mean", weights: str | None = None,
                  tol: float = TOL, max_iter: int = MAX_ITER,
                  bootstrap: BootstrapSettings | None = None, interval: str = "percentile",
                  progress: Callable[[int, int], None] | None = None,
                  source: str = "data") -> Estimate:
    """Estimate a questionnaire-bound path model by consistent PLS (Dijkstra & Henseler 2015).

    Inputs as :func:`survey.estimators.pls.estimate_pls` (no higher-order constructs). Returns
    an :class:`Estimate` with ``method`` 'plsc': PLSc paths, loadings, R², total effects,
    construct correlations, inner VIF and f² (the path removed, the reduced model re-estimated
    and corrected); PLS outer weights, 0-100 indices, HTMT and cross-loadings; reliability with
    rho_A of the PLS weights and rho_C, AVE from the consistent loadings; ``settings['plsc']``
    the rho_A used per construct and the smallest eigenvalue of the corrected correlation
    matrix. With ``bootstrap``, SEs, p and intervals from resamples each estimated and
    corrected (failed or inadmissible resamples counted by reason).
    """
    check_plsc_model(bound)
    items = bound.items
    check_items(items, data, source)
    w = case_weights(data, weights, source)
    prepared = prepare_items(items, data, missing=missing, weights=w, where=source)
    design = compile_design(bound, scheme=scheme, tol=tol, max_iter=max_iter)
    fit = fit_pls(design, prepared)
    if not fit.core.fail.ok[0]:
        raise EstimationError(f"{source}: PLS estimation (the first step of PLSc) failed: "
                              f"{fit.core.fail.reason[0]}.")
    corr = correct(fit.r, fit.core, design)
    if corr.reason[0] == RHO_NOT_POSITIVE:
        bad = [f"'{c}' ({_num(corr.rho[0, k])})" for k, c in enumerate(design.constructs)
               if not (np.isfinite(corr.rho[0, k]) and corr.rho[0, k] > 0)]
        raise EstimationError(
            f"{source}: consistent PLS cannot correct this model: rho_A of {', '.join(bad)} is "
            "not positive, so its reliability and the disattenuated correlations are undefined "
            "(its items do not measure one common factor: check their signs and the block). "
            "Use --method pls, or revise the block.")
    est = _assemble_plsc(fit, corr, weights)
    if bootstrap is None:
        return est
    result = bootstrap_plsc(fit, bootstrap, progress=progress, estimate=est,
                            jackknife=interval == "bca")
    return est.with_bootstrap(result, interval)


def _num(x: float) -> str:
    return "undefined" if not math.isfinite(x) else f"{x:.3f}"


def bootstrap_plsc(fit: PlsFit, settings: BootstrapSettings, *,
                   progress: Callable[[int, int], None] | None = None,
                   estimate: Estimate | None = None, jackknife: bool = True) -> BootstrapResult:
    """Bootstrap every reported number of the PLSc estimate of ``fit`` (the labels and order
    of the PLS bootstrap), batched per chunk of resamples; ``jackknife`` as for
    :func:`~survey.estimators.pls.bootstrap_pls`."""
    if estimate is None:
        estimate = _assemble_plsc(fit, correct(fit.r, fit.core, fit.design), None)
    layout = _layout(fit, estimate)
    lo, hi = _scale_bounds(fit.design)
    statistic = PlscStatistic(fit, layout, lo, hi)
    corr = correct(fit.r, fit.core, fit.design)
    full = _collect_plsc(fit.design, fit.core, corr, fit.r, fit.mean[None, :], fit.sd[None, :],
                         lo, hi, layout)[0]
    return run_bootstrap(statistic, layout.labels, full, fit.n, settings, method="plsc",
                         progress=progress, jackknife=jackknife)


def _assemble_plsc(fit: PlsFit, corr: Correction, weights_column: str | None) -> Estimate:
    """The PLSc Estimate of a full-sample fit: the PLS estimate with the corrected numbers."""
    base = _assemble(fit, weights_column)
    d = fit.design
    bound = d.bound
    ci = {c: k for k, c in enumerate(d.constructs)}
    col = {item: j for j, item in enumerate(d.items)}
    c = corr.c[0]
    beta = corr.beta[0]
    paths = tuple(PathEstimate(a, b, float(beta[ci[a], ci[b]]), float(beta[ci[a], ci[b]]))
                  for a, b in bound.model.paths)
    loadings = []
    for construct, its in bound.measurement:
        for item in its:
            value = float(corr.loadings[0, col[item], ci[construct]])
            loadings.append(LoadingEstimate(construct, item, value, value))
    endogenous = [x for x in d.constructs if not math.isnan(corr.r2[0, ci[x]])]
    r2 = {x: float(corr.r2[0, ci[x]]) for x in endogenous}
    adj, f2, vifs = {}, [], []
    for x in endogenous:
        pred = _predecessors(d, x)
        adj[x] = adjusted_r2(r2[x], fit.n, len(pred))
        vif = inner_vif(c, [ci[p] for p in pred])
        for j, p in enumerate(pred):
            vifs.append((p, x, float(vif[j])))
            f2.append((p, x, f_squared(r2[x], _r2_without_path(fit, p, x))))
    effects = effect_estimates(bound.model.latents, ci, corr.beta[0])
    own: dict[str, list[float]] = {}
    for x in loadings:
        own.setdefault(x.latent, []).append(x.estimate)
    quality, _ = measurement_quality(
        constructs=d.constructs, blocks=_blocks(d), item_names=d.items, r=fit.r[0],
        loadings=own, weights=_block_weights(d, fit.core), second_order={},
        construct_corr=c, modes={x: d.stage1.modes[k] for k, x in enumerate(d.constructs)})
    notices = list(base.notices)
    reason = corr.reason[0]
    rho = {x: float(corr.rho[0, k]) for k, x in enumerate(d.constructs)}
    # Every reason that applies (a resample keeps the first only: it fails either way).
    notices += [notice("plsc_rho_above_one", construct=x, value=f"{v:.3f}")
                for x, v in rho.items() if v > 1]
    if not corr.min_eigen[0] > PD_FLOOR:
        notices.append(notice("plsc_not_pd", value=f"{corr.min_eigen[0]:.4f}"))
    admissible = base.converged and reason == ""
    correlations = tuple((a, b, float(c[ci[a], ci[b]])) for i, a in enumerate(d.constructs)
                         for b in d.constructs[i + 1:])
    settings = {**base.settings, "plsc": {
        "rho_a": rho, "min_eigenvalue": float(corr.min_eigen[0]),
        "uncorrected": [x for k, x in enumerate(d.constructs)
                        if d.stage1.modes[k] == "B" or d.stage1.slots_of(k).size == 1],
        "reference": "Dijkstra & Henseler 2015, MIS Quarterly 39(2), 297-316"}}
    return replace(base, method="plsc", paths=paths, loadings=tuple(loadings), r2=r2,
                   adj_r2=adj, f2=tuple(f2), inner_vif=tuple(vifs), effects=tuple(effects),
                   reliability=quality, latent_correlations=correlations,
                   admissible=admissible, settings=settings, notices=tuple(notices),
                   warnings=tuple(n.text() for n in notices))


def _r2_without_path(fit: PlsFit, cause: str, effect: str) -> float:
    """PLSc R² of ``effect`` with the path from ``cause`` removed: the reduced model
    re-estimated by PLS on the same correlations and corrected (Cohen's f² as the PLS
    estimate defines it; 0 when no other predictor remains)."""
    d = fit.design
    bound = d.bound
    paths = tuple(p for p in bound.model.paths if p != (cause, effect))
    if not any(b == effect for _, b in paths):
        return 0.0
    connected = {x for p in paths for x in p}
    if not all(x in connected for x in bound.model.latents):
        # A construct left without any path: its weights are undefined in the reduced model;
        # the R² from the full model's corrected correlations instead (as the PLS estimate).
        ci = {c: k for k, c in enumerate(d.constructs)}
        c = correct(fit.r, fit.core, d).c[0]
        return r2_from_corr(c, [ci[a] for a, b in paths if b == effect], ci[effect])
    reduced = replace(bound, model=replace(bound.model, paths=paths))
    design = compile_design(reduced, scheme=d.scheme, tol=d.tol, max_iter=d.max_iter)
    core = pls_core(fit.r, design)
    return float(correct(fit.r, core, design).r2[0, design.constructs.index(effect)])


__all__ = ["Correction", "PlscStatistic", "bootstrap_plsc", "check_plsc_model", "correct",
           "estimate_plsc"]
