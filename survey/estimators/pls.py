"""PLS path modelling (Wold 1982; Lohmöller 1989), in numpy, batched over resamples.

PLS-PM on standardized items needs nothing but their correlation matrix R: a composite
Y_k = sum_i w_ik z_i has var(Y_k) = w_k' R w_k, the inner proxies' covariances with the items are
R W E, and paths, R², loadings and cross-loadings follow from W' R W and R W. So the algorithm
below runs on a stack of correlation matrices (B, q, q) at once: the full sample is B = 1, and a
bootstrap chunk of 200 resamples is 200 correlation matrices computed from resample counts with
one matrix product (survey.estimators.prepare.weighted_moments). No Python loop per resample.

Algorithm (Lohmöller 1989; Tenenhaus et al. 2005, "PLS path modeling", CSDA 48, §3):
  start W = 1 on each block; scale each composite to unit variance;
  repeat: inner weights E (path weighting, centroid or factorial scheme); inner proxies Z = Y E;
    mode A: w_k = cov(x_k, z_k); mode B: w_k = R_kk^-1 cov(x_k, z_k); rescale to unit variance;
  until max |w_new - w_old| < tol (default 1e-7), at most max_iter (300) iterations.
Then each construct's weight signs are fixed so that it correlates positively with the
majority of its items; paths are OLS on the construct correlations.

Higher-order constructs: *repeated indicators* (the higher-order construct is measured by all
items of its dimensions and predicts each dimension) or *two-stage* (embedded: stage 1 is the
repeated-indicators model; stage 2 measures the higher-order construct by the dimension scores;
Sarstedt et al. 2019, "How to specify, estimate, and validate higher-order constructs in
PLS-SEM", Australasian Marketing Journal 27). Either way each construct ends up as a linear
combination of the items; those effective item weights give its 0-100 index.

Case weights: weighted PLS (Becker & Ismail 2016, "Accounting for sampling weights in PLS path
modeling", J. Marketing Research 53): every moment is a weighted moment.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from survey.errors import EstimationError, Problem
from survey.estimators.bootstrap import BootstrapResult, BootstrapSettings, Label, run_bootstrap
from survey.estimators.effects import total_effects
from survey.estimators.notices import notice
from survey.estimators.prepare import (
    PreparedData,
    case_weights,
    check_items,
    correlation_from_cov,
    prepare_items,
    weighted_moments,
)
from survey.estimators.quality import (
    adjusted_r2,
    f_squared,
    htmt_batched,
    htmt_pairs,
    inner_vif,
    measurement_quality,
    r2_from_corr,
)
from survey.estimators.result import (
    EffectEstimate,
    Estimate,
    LoadingEstimate,
    PathEstimate,
    WeightEstimate,
)
from survey.indices import index_from_weights, index_values
from survey.pathmodel import BoundModel

SCHEMES = ("path", "centroid", "factorial")
HOC_METHODS = ("repeated", "two_stage", "disjoint")
TOL = 1e-7
MAX_ITER = 300


# --------------------------------------------------------------------------- structure


@dataclass(frozen=True)
class Structure:
    """One PLS model compiled to index arrays.

    ``slots`` are the indicator positions: slot s measures construct ``block[s]`` with column
    ``columns[s]`` of the moment matrix (an item may fill several slots: repeated indicators).
    ``paths`` are (cause, effect) construct indices; ``modes`` 'A' or 'B' per construct.
    """

    constructs: tuple[str, ...]
    columns: tuple[int, ...]
    block: tuple[int, ...]
    modes: tuple[str, ...]
    paths: tuple[tuple[int, int], ...]

    @property
    def mask(self) -> np.ndarray:
        m = np.zeros((len(self.columns), len(self.constructs)))
        m[np.arange(len(self.columns)), list(self.block)] = 1.0
        return m

    def slots_of(self, k: int) -> np.ndarray:
        return np.flatnonzero(np.asarray(self.block) == k)

    def predecessors(self, k: int) -> list[int]:
        return [a for a, b in self.paths if b == k]


@dataclass(frozen=True)
class Design:
    """How a bound model is estimated: the stage-1 structure (first-order constructs and, with
    repeated indicators, the higher-order ones), the optional stage-2 structure (two-stage) and
    the model's own constructs and paths."""

    bound: BoundModel
    items: tuple[str, ...]
    constructs: tuple[str, ...]
    stage1: Structure
    stage2: Structure | None
    hoc: str
    scheme: str
    tol: float
    max_iter: int

    @property
    def model_paths(self) -> tuple[tuple[str, str], ...]:
        return self.bound.model.paths

    @property
    def second_order(self) -> dict[str, tuple[str, ...]]:
        return dict(self.bound.second_order)


def check_pls_model(bound: BoundModel) -> None:
    """Refuse a model PLS path modelling cannot estimate: a measurement model (no paths).

    Every outer-weight update goes through the inner proxies, built from the adjacent latents
    (Lohmöller 1989): a model without paths gives them nothing to build from.
    """
    if bound.model.is_cfa:
        raise EstimationError(Problem(
            str(bound.model.source or bound.model.id),
            f"Model '{bound.model.id}' has no paths between its latents (a measurement model, "
            "CFA); PLS path modelling estimates its weights through the paths of an inner "
            "model, so it cannot estimate it. Use --method cbsem."))


def compile_design(bound: BoundModel, *, hoc: str = "repeated", scheme: str = "path",
                   tol: float = TOL, max_iter: int = MAX_ITER) -> Design:
    """Compile a questionnaire-bound path model for PLS."""
    if scheme not in SCHEMES:
        raise EstimationError(f"Unknown inner weighting scheme {scheme!r}. Expected one of "
                              f"{list(SCHEMES)}.")
    if hoc not in HOC_METHODS:
        raise EstimationError(f"Unknown higher-order method {hoc!r}. Expected one of "
                              f"{list(HOC_METHODS)}.")
    check_pls_model(bound)
    items = bound.items
    col = {item: j for j, item in enumerate(items)}
    constructs = bound.constructs
    second = dict(bound.second_order)
    measured = dict(bound.measurement)
    model = bound.model

    def mode(c: str) -> str:
        return model.mode(c) if c in model.latents else "A"

    idx = {c: k for k, c in enumerate(constructs)}
    if hoc == "disjoint" and second:
        # Disjoint two-stage, stage 1: the dimensions stand in for their higher-order
        # construct, each linked to its antecedents and outcomes.
        first = [c for c in constructs if c not in second]
        columns, block = [], []
        for k, c in enumerate(first):
            columns += [col[i] for i in measured[c]]
            block += [k] * len(measured[c])
        fidx = {c: k for k, c in enumerate(first)}
        paths = []
        for a, b in model.paths:
            for x in second.get(a, (a,)):
                for y in second.get(b, (b,)):
                    if (fidx[x], fidx[y]) not in paths:
                        paths.append((fidx[x], fidx[y]))
        stage1 = Structure(tuple(first), tuple(columns), tuple(block),
                           tuple(mode(c) for c in first), tuple(paths))
    else:
        # Stage 1 (repeated indicators): every construct; a higher-order one takes all its
        # dimensions' items and predicts each dimension.
        columns, block = [], []
        for k, c in enumerate(constructs):
            its = measured[c] if c in measured else [i for d in second[c] for i in measured[d]]
            columns += [col[i] for i in its]
            block += [k] * len(its)
        paths = [(idx[a], idx[b]) for a, b in model.paths]
        paths += [(idx[h], idx[d]) for h, dims in second.items() for d in dims]
        stage1 = Structure(constructs, tuple(columns), tuple(block),
                           tuple(mode(c) for c in constructs), tuple(paths))
    stage2 = None
    if hoc in ("two_stage", "disjoint") and second:
        # Stage 2: the model's latents; a higher-order one measured by its dimension scores,
        # which are appended after the items as extra columns of the moment matrix.
        dims = [d for h in model.latents if h in second for d in second[h]]
        dim_col = {d: len(items) + j for j, d in enumerate(dims)}
        columns, block = [], []
        for k, c in enumerate(model.latents):
            cols = [dim_col[d] for d in second[c]] if c in second else [col[i] for i in measured[c]]
            columns += cols
            block += [k] * len(cols)
        lidx = {c: k for k, c in enumerate(model.latents)}
        stage2 = Structure(model.latents, tuple(columns), tuple(block),
                           tuple(mode(c) for c in model.latents),
                           tuple((lidx[a], lidx[b]) for a, b in model.paths))
    return Design(bound, items, constructs, stage1, stage2, hoc if second else "none", scheme,
                  tol, max_iter)


# --------------------------------------------------------------------------- batched core


class _Failures:
    """Failure reason per resample (first one wins)."""

    def __init__(self, size: int) -> None:
        self.reason = np.array([""] * size, dtype=object)

    def mark(self, where: np.ndarray, reason: str) -> None:
        hit = where & (self.reason == "")
        self.reason[hit] = reason

    @property
    def ok(self) -> np.ndarray:
        return self.reason == ""


def _solve(a: np.ndarray, b: np.ndarray, fail: _Failures, reason: str) -> np.ndarray:
    """Batched solve a x = b (b: (B, m) vectors or (B, m, n)); a singular system marks its
    resample failed (result NaN)."""
    if b.ndim == a.ndim - 1:
        return _solve(a, b[..., None], fail, reason)[..., 0]
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        out = np.full(b.shape, np.nan)
        bad = np.zeros(a.shape[0], dtype=bool)
        for i in range(a.shape[0]):
            try:
                out[i] = np.linalg.solve(a[i], b[i])
            except np.linalg.LinAlgError:
                bad[i] = True
        fail.mark(bad, reason)
        return out


def _scaled(w: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weights rescaled so every composite has unit variance, and R W for them (computed
    once: the next iteration needs it too)."""
    rw = r @ w
    var = (w * rw).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(var)[:, None, :]
        return w / sd, rw / sd


def _inner_weights(c: np.ndarray, s: Structure, scheme: str, fail: _Failures) -> np.ndarray:
    k = len(s.constructs)
    adj = np.zeros((k, k))
    for a, b in s.paths:
        adj[a, b] = adj[b, a] = 1.0
    if scheme == "centroid":
        return np.sign(c) * adj
    if scheme == "factorial":
        return c * adj
    # Path weighting (Lohmöller 1989): a predecessor's weight is its multiple-regression
    # coefficient in explaining the construct, a successor's its correlation with it.
    e = c * adj
    for j in range(k):
        pred = s.predecessors(j)
        if pred:
            e[:, pred, j] = _solve(c[:, pred][:, :, pred], c[:, pred, j], fail,
                                   "singular construct correlations")
    return e


@dataclass
class StageResult:
    """Converged outer weights W (B, p, K) of one structure and per-resample bookkeeping."""

    weights: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray


def run_stage(r: np.ndarray, s: Structure, scheme: str, tol: float, max_iter: int,
              fail: _Failures) -> StageResult:
    """Iterate PLS on the moment correlation matrices ``r`` (B, m, m) for structure ``s``."""
    cols = np.asarray(s.columns)
    rp = r[:, cols][:, :, cols]
    mask = s.mask
    b = r.shape[0]
    w, rw = _scaled(np.broadcast_to(mask, (b, *mask.shape)).copy(), rp)
    inverses = {}
    for k, m in enumerate(s.modes):
        if m == "B":
            idx = s.slots_of(k)
            block = rp[:, idx][:, :, idx]
            inverses[k] = (idx, _solve(block, np.broadcast_to(np.eye(idx.size), block.shape),
                                       fail, f"singular item correlations in formative block "
                                             f"'{s.constructs[k]}'"))
    active = fail.ok.copy()
    iterations = np.zeros(b, dtype=int)
    for it in range(1, max_iter + 1):
        c = np.swapaxes(w, 1, 2) @ rw
        e = _inner_weights(c, s, scheme, fail)
        g = rw @ e  # cov(item slot, inner proxy of its construct) (B, p, K)
        new = g * mask
        for k, (idx, inv) in inverses.items():
            new[:, idx, k] = (inv @ g[:, idx, k][:, :, None])[:, :, 0]
        new, r_new = _scaled(new, rp)
        with np.errstate(invalid="ignore"):
            change = np.abs(new - w).reshape(b, -1)
        delta = np.where(np.isfinite(change), change, np.inf).max(axis=1)
        # Converged resamples keep their weights: each resample's result is then independent
        # of the others in its batch.
        keep = active[:, None, None]
        w = np.where(keep, new, w)
        rw = np.where(keep, r_new, rw)
        iterations[active] = it
        active &= ~(delta < tol) & fail.ok
        if not active.any():
            break
    converged = ~active & fail.ok & np.isfinite(w).all(axis=(1, 2))
    fail.mark(active, f"not converged in {max_iter} iterations")
    fail.mark(~np.isfinite(w).all(axis=(1, 2)) & fail.ok, "undefined weights")
    # Sign: a construct should correlate positively with most of its own items.
    loadings = (rp @ w) * mask
    flip = (loadings < 0).sum(axis=1) > (loadings > 0).sum(axis=1)
    w = w * np.where(flip, -1.0, 1.0)[:, None, :]
    return StageResult(w, iterations, converged)


def _item_weights(w: np.ndarray, s: Structure, q: int) -> np.ndarray:
    """Effective weights on the moment columns (B, q, K): slots of one column summed."""
    out = np.zeros((w.shape[0], q, w.shape[2]))
    np.add.at(out, (slice(None), np.asarray(s.columns)), w)
    return out


@dataclass
class CoreResult:
    """Everything batched: V (B, q, K_all) effective item weights of every construct of the
    design (``design.constructs`` order), construct correlations C, paths, R², the stage
    weights (for reporting outer weights), iterations and failures."""

    v: np.ndarray
    c: np.ndarray
    beta: np.ndarray
    r2: np.ndarray
    stage1: StageResult
    stage2: StageResult | None
    fail: _Failures


def pls_core(r: np.ndarray, design: Design) -> CoreResult:
    """Estimate ``design`` on the item correlation matrices ``r`` (B, q, q)."""
    b, q, _ = r.shape
    fail = _Failures(b)
    fail.mark(~np.isfinite(r).all(axis=(1, 2)), "an item is constant in this sample")
    r = np.where(np.isfinite(r), r, 0.0)
    s1 = design.stage1
    idx_all = {c: k for k, c in enumerate(design.constructs)}
    st1 = run_stage(r, s1, design.scheme, design.tol, design.max_iter, fail)
    v = np.zeros((b, q, len(design.constructs)))
    v[:, :, [idx_all[c] for c in s1.constructs]] = _item_weights(st1.weights, s1, q)
    st2 = None
    if design.stage2 is not None:
        s2 = design.stage2
        dims = [d for h in design.bound.model.latents if h in design.second_order
                for d in design.second_order[h]]
        vd = v[:, :, [idx_all[d] for d in dims]]  # dimension scores as item combinations
        m = q + len(dims)
        aug = np.empty((b, m, m))
        aug[:, :q, :q] = r
        aug[:, :q, q:] = r @ vd
        aug[:, q:, :q] = np.swapaxes(aug[:, :q, q:], 1, 2)
        aug[:, q:, q:] = np.swapaxes(vd, 1, 2) @ aug[:, :q, q:]
        st2 = run_stage(aug, s2, design.scheme, design.tol, design.max_iter, fail)
        w_cols = _item_weights(st2.weights, s2, m)  # (B, q + D, K2)
        v[:, :, [idx_all[c] for c in s2.constructs]] = w_cols[:, :q, :] + vd @ w_cols[:, q:, :]
    c = np.swapaxes(v, 1, 2) @ (r @ v)
    k_all = len(design.constructs)
    idx = {c_: k for k, c_ in enumerate(design.constructs)}
    beta = np.zeros((b, k_all, k_all))
    r2 = np.full((b, k_all), np.nan)
    for target in design.constructs:
        j = idx[target]
        pred = [idx[a] for a, t in design.model_paths if t == target]
        pred += [idx[h] for h, dims in design.second_order.items() if target in dims]
        if not pred:
            continue
        coef = _solve(c[:, pred][:, :, pred], c[:, pred, j], fail, "singular construct correlations")
        beta[:, pred, j] = coef
        r2[:, j] = (coef * c[:, pred, j]).sum(axis=1)
    return CoreResult(v, c, beta, r2, st1, st2, fail)


@dataclass(frozen=True)
class BatchEstimates:
    """PLS estimates of B samples at once (see :class:`BatchedPls`): ``weights`` (B, q, K)
    each construct's effective weights on the standardized items, ``paths`` (B, P) in the
    model's path order, ``r2`` (B, K) (NaN for exogenous constructs), ``indices`` (B, K) the
    0-100 indices, and ``failed`` (B,) why a sample has no estimate ('' where it has one)."""

    weights: np.ndarray
    paths: np.ndarray
    r2: np.ndarray
    indices: np.ndarray
    failed: tuple[str, ...]


class BatchedPls:
    """The PLS kernel as a public capability: a questionnaire-bound model, compiled once, is
    estimated on a stack of item moments (correlations ``r`` (B, q, q), raw means and standard
    deviations (B, q), items in :attr:`items` order) with no Python loop per sample. The
    bootstrap and the segment permutation tests run on it; it gives exactly what
    :func:`estimate_pls` gives on the same moments.

    ``constructs`` (the order of the K columns), ``items`` (the q items), ``paths`` (the P
    model paths as (cause, effect)). ``tol`` and ``max_iter``: the stopping rule, as
    :func:`estimate_pls`'s.
    """

    def __init__(self, bound: BoundModel, *, hoc: str = "repeated", scheme: str = "path",
                 tol: float = TOL, max_iter: int = MAX_ITER) -> None:
        self._design = compile_design(bound, hoc=hoc, scheme=scheme, tol=tol, max_iter=max_iter)
        self._lo, self._hi = _scale_bounds(self._design)
        self.constructs: tuple[str, ...] = tuple(self._design.constructs)
        self.items: tuple[str, ...] = tuple(self._design.items)
        self.paths: tuple[tuple[str, str], ...] = tuple(self._design.model_paths)
        k = {c: j for j, c in enumerate(self.constructs)}
        self._path_idx = [(k[a], k[b]) for a, b in self.paths]

    def __call__(self, r: np.ndarray, mean: np.ndarray, sd: np.ndarray) -> BatchEstimates:
        core = pls_core(r, self._design)
        b = r.shape[0]
        paths = (np.stack([core.beta[:, i, j] for i, j in self._path_idx], axis=1)
                 if self._path_idx else np.zeros((b, 0)))
        indices = index_values(core.v, mean, sd, self._lo, self._hi)
        return BatchEstimates(core.v, paths, core.r2, indices, tuple(core.fail.reason))


# --------------------------------------------------------------------------- full sample


@dataclass(frozen=True)
class PlsFit:
    """A full-sample PLS estimate: the design, the data it was fitted on and the batched core
    result with B = 1 (index 0)."""

    design: Design
    data: PreparedData
    mean: np.ndarray
    sd: np.ndarray
    r: np.ndarray
    core: CoreResult = field(repr=False)

    @property
    def n(self) -> int:
        return self.data.n

    def scores(self) -> pd.DataFrame:
        """Standardized construct scores of the respondents used (rows of ``data.x``)."""
        z = (self.data.x - self.mean) / self.sd
        return pd.DataFrame(z @ self.core.v[0], columns=list(self.design.constructs))


def _moments(data: PreparedData, freq: np.ndarray, center: np.ndarray):
    w = freq if data.weights is None else freq * data.weights[None, :]
    mean, cov = weighted_moments(data.x, w, center)
    corr, sd = correlation_from_cov(cov)
    return mean + center, sd, corr


def full_moments(data: PreparedData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The item means (1, q), standard deviations (1, q) and correlation matrix (1, q, q) of
    the prepared data (weighted moments under case weights)."""
    center = _center(data)  # unweighted: the cross products' own centre
    if data.cross_product is not None:
        # Unweighted: the cross products of the singularity check are the moments' own.
        n = data.n
        offset = data.sums / n - center
        cov = data.cross_product[1] / n - np.outer(offset, offset)
        corr, sd = correlation_from_cov(cov[None])
        return (offset + center)[None], sd, corr
    return _moments(data, np.ones((1, data.n)), center)


def fit_pls(design: Design, data: PreparedData) -> PlsFit:
    """Fit ``design`` to the prepared data (one correlation matrix)."""
    mean, sd, r = full_moments(data)
    core = pls_core(r, design)
    return PlsFit(design, data, mean[0], sd[0], r, core)


def _center(data: PreparedData) -> np.ndarray:
    """The (weighted) item means the moments are centred on (the prepared data's own when it
    kept them: its rows are then not needed)."""
    if data.weights is None and data.cross_product is not None:
        return data.cross_product[0]
    return np.average(data.x, axis=0, weights=data.weights)


# --------------------------------------------------------------------------- statistics


def _htmt_pairs(design: Design) -> list[tuple[str, str]]:
    return htmt_pairs([c for c, _ in design.bound.measurement])


def _total_effects(beta: np.ndarray, latents: Sequence[int]) -> np.ndarray:
    """Total effects (B, L, L) [cause, effect] among ``latents``."""
    return total_effects(beta[:, latents][:, :, latents])


@dataclass(frozen=True)
class _Layout:
    """Which numbers a resample yields, in order, with their labels."""

    labels: tuple[Label, ...]
    path_idx: tuple[tuple[int, int], ...]
    loading_idx: tuple[tuple[int, int], ...]       # (item column, construct) or (-1 - dim, hoc)
    weight_idx: tuple[tuple[str, int, int], ...]   # (stage, slot, construct)
    r2_idx: tuple[int, ...]
    total_idx: tuple[tuple[int, int], ...]
    index_idx: tuple[int, ...]
    htmt_pairs: tuple[tuple[str, str], ...]


class PlsStatistic:
    """The bootstrap statistic: resample counts (k, n) -> every bootstrapped number (k, P).

    Picklable (plain arrays and dataclasses) so chunks can run in worker processes."""

    def __init__(self, fit: PlsFit, layout: _Layout, lo: np.ndarray, hi: np.ndarray) -> None:
        self.design = fit.design
        self.data = fit.data
        self.center = _center(fit.data)
        self.layout = layout
        self.lo, self.hi = lo, hi

    def __call__(self, counts: np.ndarray) -> tuple[np.ndarray, list[str]]:
        mean, sd, r = _moments(self.data, counts.astype(float), self.center)
        core = pls_core(r, self.design)
        values = _collect(self.design, core, r, mean, sd, self.lo, self.hi, self.layout)
        return values, list(core.fail.reason)


def _collect(design: Design, core: CoreResult, r: np.ndarray, mean: np.ndarray, sd: np.ndarray,
             lo: np.ndarray, hi: np.ndarray, layout: _Layout) -> np.ndarray:
    b = r.shape[0]
    parts = []
    parts.append(np.stack([core.beta[:, i, j] for i, j in layout.path_idx], axis=1)
                 if layout.path_idx else np.zeros((b, 0)))
    cross = r @ core.v  # (B, q, K): corr(item, construct)
    cols = []
    for i, k in layout.loading_idx:
        cols.append(cross[:, i, k] if i >= 0 else core.c[:, -1 - i, k])
    parts.append(np.stack(cols, axis=1) if cols else np.zeros((b, 0)))
    cols = []
    for stage, slot, k in layout.weight_idx:
        st = core.stage1 if stage == "1" else core.stage2
        cols.append(st.weights[:, slot, k])
    parts.append(np.stack(cols, axis=1) if cols else np.zeros((b, 0)))
    parts.append(core.r2[:, list(layout.r2_idx)])
    latents = [design.constructs.index(x) for x in design.bound.model.latents]
    total = _total_effects(core.beta, latents)
    parts.append(np.stack([total[:, i, j] for i, j in layout.total_idx], axis=1)
                 if layout.total_idx else np.zeros((b, 0)))
    idx = index_values(core.v, mean, sd, lo, hi)
    parts.append(idx[:, list(layout.index_idx)])
    blocks = _blocks(design)
    parts.append(htmt_batched(r, blocks, layout.htmt_pairs))
    return np.concatenate(parts, axis=1)


def _blocks(design: Design) -> dict[str, list[int]]:
    col = {item: j for j, item in enumerate(design.items)}
    return {c: [col[i] for i in items] for c, items in design.bound.measurement}


# --------------------------------------------------------------------------- estimate


def estimate_pls(bound: BoundModel, data: pd.DataFrame, *, scheme: str = "path",
                 missing: str = "mean", weights: str | None = None, hoc: str = "repeated",
                 tol: float = TOL, max_iter: int = MAX_ITER,
                 bootstrap: BootstrapSettings | None = None, interval: str = "percentile",
                 progress: Callable[[int, int], None] | None = None,
                 source: str = "data") -> Estimate:
    """Estimate a questionnaire-bound path model by PLS-PM.

    ``data``: item columns as floats with NaN for missing (a ResponseSet's ``data``), plus the
    case-weight column if ``weights`` names one. ``missing``: 'mean' (replacement) or
    'listwise'. ``hoc``: 'repeated' indicators or 'two_stage' for higher-order constructs.
    With ``bootstrap``, SEs, t, p and ``interval`` ('percentile' or 'bca') intervals of paths,
    loadings and indices come from the bootstrap.
    """
    items = bound.items
    check_items(items, data, source)
    w = case_weights(data, weights, source)
    prepared = prepare_items(items, data, missing=missing, weights=w, where=source)
    design = compile_design(bound, hoc=hoc, scheme=scheme, tol=tol, max_iter=max_iter)
    fit = fit_pls(design, prepared)
    if not fit.core.fail.ok[0]:
        raise EstimationError(f"{source}: PLS estimation failed: {fit.core.fail.reason[0]}.")
    est = _assemble(fit, weights)
    if bootstrap is None:
        return est
    result = bootstrap_pls(fit, bootstrap, progress=progress, estimate=est,
                           jackknife=interval == "bca")
    return est.with_bootstrap(result, interval)


def _scale_bounds(design: Design) -> tuple[np.ndarray, np.ndarray]:
    q = design.bound.questionnaire
    lo = np.array([q.scale_of(i).min for i in design.items], float)
    hi = np.array([q.scale_of(i).max for i in design.items], float)
    return lo, hi


def _layout(fit: PlsFit, est: Estimate) -> _Layout:
    d = fit.design
    ci = {c: k for k, c in enumerate(d.constructs)}
    col = {item: j for j, item in enumerate(d.items)}
    labels: list[Label] = []
    path_idx = []
    for p in est.paths:
        path_idx.append((ci[p.source], ci[p.target]))
        labels.append(("path", p.source, p.target))
    loading_idx = []
    for x in est.loadings:
        if x.item in col:
            loading_idx.append((col[x.item], ci[x.latent]))
        else:  # a dimension of a higher-order construct
            loading_idx.append((-1 - ci[x.item], ci[x.latent]))
        labels.append(("loading", x.latent, x.item))
    weight_idx = []
    for stage, slot, k, latent, name in _weight_slots(d):
        weight_idx.append((stage, slot, k))
        labels.append(("weight", latent, name))
    r2_idx = []
    for c in est.r2:
        r2_idx.append(ci[c])
        labels.append(("r2", c, ""))
    latents = list(d.bound.model.latents)
    total_idx = []
    for e in est.effects:
        total_idx.append((latents.index(e.source), latents.index(e.target)))
        labels.append(("total", e.source, e.target))
    index_idx = []
    for i in est.indices:
        index_idx.append(ci[i.latent])
        labels.append(("index", i.latent, ""))
    pairs = _htmt_pairs(d)
    labels += [("htmt", a, b) for a, b in pairs]
    return _Layout(tuple(labels), tuple(path_idx), tuple(loading_idx), tuple(weight_idx),
                   tuple(r2_idx), tuple(total_idx), tuple(index_idx), tuple(pairs))


def _weight_slots(d: Design):
    """(stage, slot, construct index in that stage, construct, indicator name) of every outer
    weight reported: stage-2 weights for the model's latents under two-stage, else stage 1."""
    s1 = d.stage1
    in_stage2 = set(d.stage2.constructs) if d.stage2 is not None else set()
    for k, c in enumerate(s1.constructs):
        if c in in_stage2:
            continue
        for slot in s1.slots_of(k):
            yield "1", int(slot), k, c, d.items[s1.columns[slot]]
    if d.stage2 is not None:
        s2 = d.stage2
        dims = [x for h in d.bound.model.latents if h in d.second_order
                for x in d.second_order[h]]
        names = list(d.items) + dims
        for k, c in enumerate(s2.constructs):
            for slot in s2.slots_of(k):
                yield "2", int(slot), k, c, names[s2.columns[slot]]


def bootstrap_pls(fit: PlsFit, settings: BootstrapSettings, *,
                  progress: Callable[[int, int], None] | None = None,
                  estimate: Estimate | None = None, jackknife: bool = True) -> BootstrapResult:
    """Bootstrap every reported number of ``fit`` (paths, loadings, weights, R², total
    effects, indices, HTMT), batched per chunk of resamples. ``estimate``: the fit's
    assembled Estimate when already made; ``jackknife``: also the jackknife BCa needs (one
    fit per respondent or group, as many as the resamples again; off when only percentile
    intervals are asked for)."""
    est = estimate if estimate is not None else _assemble(fit, None)
    layout = _layout(fit, est)
    lo, hi = _scale_bounds(fit.design)
    statistic = PlsStatistic(fit, layout, lo, hi)
    full = _collect(fit.design, fit.core, fit.r, fit.mean[None, :], fit.sd[None, :], lo, hi,
                    layout)[0]
    return run_bootstrap(statistic, layout.labels, full, fit.n, settings, method="pls",
                         progress=progress, jackknife=jackknife)


def effect_estimates(latents: Sequence[str], ci: Mapping[str, int], beta: np.ndarray
                     ) -> list[EffectEstimate]:
    """Direct, indirect and total effect of every latent on every other it reaches, from one
    path-coefficient matrix ``beta`` [cause, effect] over the design's constructs (``ci``:
    construct -> its position)."""
    at = [ci[x] for x in latents]
    total = _total_effects(beta[None], at)[0]
    effects = []
    for j, cause in enumerate(latents):
        for i, effect in enumerate(latents):
            if abs(total[j, i]) > 1e-12:
                direct = float(beta[ci[cause], ci[effect]])
                effects.append(EffectEstimate(cause, effect, direct, float(total[j, i]) - direct,
                                              float(total[j, i])))
    return effects


def _assemble(fit: PlsFit, weights_column: str | None) -> Estimate:
    """The Estimate of a full-sample fit (B = 1)."""
    d = fit.design
    core = fit.core
    bound = d.bound
    ci = {c: k for k, c in enumerate(d.constructs)}
    col = {item: j for j, item in enumerate(d.items)}
    v = core.v[0]
    c = core.c[0]
    beta = core.beta[0]
    r = fit.r[0]
    cross = r @ v  # corr(item, construct)

    paths = [PathEstimate(a, b, float(beta[ci[a], ci[b]]), float(beta[ci[a], ci[b]]))
             for a, b in bound.model.paths]
    loadings = []
    for construct, items in bound.measurement:
        for item in items:
            value = float(cross[col[item], ci[construct]])
            loadings.append(LoadingEstimate(construct, item, value, value))
    for h, dims in bound.second_order:
        for dim in dims:
            value = float(c[ci[dim], ci[h]])
            loadings.append(LoadingEstimate(h, dim, value, value))
    weights = []
    for stage, slot, k, latent, name in _weight_slots(d):
        st = core.stage1 if stage == "1" else core.stage2
        weights.append(WeightEstimate(latent, name, float(st.weights[0, slot, k])))

    endogenous = [x for x in d.constructs if not math.isnan(core.r2[0, ci[x]])]
    r2 = {x: float(core.r2[0, ci[x]]) for x in endogenous}
    n = fit.n
    adj_r2 = {}
    f2, vifs = [], []
    for x in endogenous:
        pred = _predecessors(d, x)
        adj_r2[x] = adjusted_r2(r2[x], n, len(pred))
        vif = inner_vif(c, [ci[p] for p in pred])
        for j, p in enumerate(pred):
            vifs.append((p, x, float(vif[j])))
            if (p, x) in d.model_paths:
                f2.append((p, x, f_squared(r2[x], _r2_without_path(fit, p, x))))

    effects = effect_estimates(bound.model.latents, ci, core.beta[0])

    indices = _indices(fit)

    own: dict[str, list[float]] = {}
    for x in loadings:
        own.setdefault(x.latent, []).append(x.estimate)
    quality, outer_vif = measurement_quality(
        constructs=d.constructs, blocks=_blocks(d), item_names=d.items, r=r, loadings=own,
        weights=_block_weights(d, core), second_order=d.second_order, construct_corr=c,
        modes={x: d.stage1.modes[k] for k, x in enumerate(d.stage1.constructs)},
        hoc_weights=_hoc_weights(d, core))
    blocks = _blocks(d)
    pairs = _htmt_pairs(d)
    h1 = htmt_batched(fit.r, blocks, pairs)[0]
    h2 = htmt_batched(fit.r, blocks, pairs, geometric=True)[0]

    notices = _notices(fit, indices)
    converged = _converged(core)
    iterations = {"stage1": int(core.stage1.iterations[0])}
    if core.stage2 is not None:
        iterations["stage2"] = int(core.stage2.iterations[0])
    settings = {"scheme": d.scheme, "tolerance": d.tol, "max_iter": d.max_iter,
                "iterations": iterations, "higher_order": d.hoc,
                "modes": {x: d.stage1.modes[k] for k, x in enumerate(d.stage1.constructs)},
                "weights_column": weights_column,
                "standardization": "items standardized (weighted when case weights are given)",
                "sign_rule": "each construct correlates positively with most of its items"}
    correlations = [(a, b, float(c[ci[a], ci[b]])) for i, a in enumerate(d.constructs)
                    for b in d.constructs[i + 1:]]
    cross_loadings = [(item, x, float(cross[col[item], ci[x]])) for item in d.items
                      for x in d.constructs]
    settings["outer_vif"] = [{"latent": a, "item": b, "vif": v} for a, b, v in outer_vif]
    return Estimate(
        method="pls", model_id=bound.model.id, n=n, n_dropped=fit.data.n_dropped,
        missing=fit.data.missing, converged=converged, admissible=converged,
        warnings=tuple(n.text() for n in notices), notices=tuple(notices),
        paths=tuple(paths), loadings=tuple(loadings),
        weights=tuple(weights), r2=r2, effects=tuple(effects), indices=tuple(indices),
        reliability=quality, htmt=tuple((a, b, float(x)) for (a, b), x in zip(pairs, h1, strict=True)),
        htmt2=tuple((a, b, float(x)) for (a, b), x in zip(pairs, h2, strict=True)),
        missing_detail={"n_total": fit.data.n_total, "n_used": n,
                        "n_incomplete": fit.data.n_incomplete, "n_dropped": fit.data.n_dropped,
                        "n_values_replaced": fit.data.n_replaced},
        index_weights="pls_outer_weights", adj_r2=adj_r2, f2=tuple(f2),
        inner_vif=tuple(vifs), latent_correlations=tuple(correlations),
        cross_loadings=tuple(cross_loadings), settings=settings, inference="none",
    )


def _indices(fit: PlsFit) -> list:
    """The 0-100 index of every construct of a full-sample fit, with its validity
    (:func:`survey.indices.index_from_weights`)."""
    d = fit.design
    v = fit.core.v[0]
    q = d.bound.questionnaire
    indices = []
    for k, construct in enumerate(d.constructs):
        used = np.flatnonzero(np.abs(v[:, k]) > 0)
        names = [d.items[i] for i in used]
        indices.append(index_from_weights(
            construct, {nm: float(v[i, k]) for nm, i in zip(names, used, strict=True)},
            {nm: float(fit.sd[i]) for nm, i in zip(names, used, strict=True)},
            {nm: float(fit.mean[i]) for nm, i in zip(names, used, strict=True)},
            {nm: q.scale_of(nm) for nm in names}, kind="pls_outer_weights"))
    return indices


def _notices(fit: PlsFit, indices: Sequence) -> list:
    """What a full-sample fit says about itself: answers replaced or respondents dropped,
    invalid indices, what PLS ignores of the model, stages that did not converge."""
    d, core = fit.design, fit.core
    notices = []
    if fit.data.missing == "mean" and fit.data.n_replaced:
        notices.append(notice("mean_replaced", values=fit.data.n_replaced,
                              respondents=fit.data.n_incomplete))
    elif fit.data.n_dropped:
        notices.append(notice("listwise_dropped", n=fit.data.n_dropped))
    notices += [notice("invalid_index", latent=idx.latent) for idx in indices if not idx.valid]
    notices += _ignored(d.bound)
    for st_name, st in (("stage 1", core.stage1), ("stage 2", core.stage2)):
        if st is not None and not st.converged[0]:
            notices.append(notice("pls_not_converged", max_iter=d.max_iter, stage=st_name))
    return notices


def _converged(core: CoreResult) -> bool:
    return bool(core.stage1.converged[0] and (core.stage2 is None or core.stage2.converged[0]))


def _ignored(bound: BoundModel) -> list:
    """Notices for what the model asks of a covariance-based estimator only: residual
    covariances, fixed parameters and equalities (PLS has composites, no such parameters)."""
    model = bound.model
    out = []
    if model.covariances:
        out.append(notice("pls_covariances_ignored",
                          covariances=", ".join(f"'{p}'" for p in model.covariances)))
    if model.fixed or model.equal:
        out.append(notice("pls_constraints_ignored", constraints=", ".join(
            [f"'{f}'" for f in model.fixed] + [f"'{e}'" for e in model.equal])))
    return out


def _predecessors(d: Design, x: str) -> list[str]:
    pred = [a for a, t in d.model_paths if t == x]
    pred += [h for h, dims in d.second_order.items() if x in dims]
    return pred


def _r2_without_path(fit: PlsFit, cause: str, effect: str) -> float:
    """R² of ``effect`` when the path from ``cause`` is removed and the model re-estimated,
    weights included (Cohen's f² as Hair et al. 2017, ch. 6, define it; seminr does the same).
    0 when no other predictor remains; when removing the path would leave a construct with no
    path at all, the R² comes from the full model's construct scores instead."""
    d = fit.design
    bound = d.bound
    paths = tuple(p for p in bound.model.paths if p != (cause, effect))
    if not any(b == effect for _, b in paths):
        return 0.0
    ci = {c: k for k, c in enumerate(d.constructs)}
    connected = {x for p in paths for x in p}
    c = fit.core.c[0]
    if not all(x in connected for x in bound.model.latents):
        return r2_from_corr(c, [ci[a] for a, b in paths if b == effect], ci[effect])
    reduced = replace(bound, model=replace(bound.model, paths=paths))
    design = compile_design(reduced, hoc=d.hoc if d.hoc != "none" else "repeated",
                            scheme=d.scheme, tol=d.tol, max_iter=d.max_iter)
    # The same respondents and items: the correlation matrix of the full fit is the reduced
    # model's too (one pass over the data, not one per path: 11 passes on the CCSI model).
    refit = pls_core(fit.r, design)
    return float(refit.r2[0, design.constructs.index(effect)])


def _block_weights(d: Design, core: CoreResult) -> dict[str, np.ndarray]:
    """Outer weights of each first-order construct on its own items (for rho_A)."""
    s1 = d.stage1
    out = {}
    first = dict(d.bound.measurement)
    for k, c in enumerate(s1.constructs):
        if c in first:
            out[c] = core.stage1.weights[0, s1.slots_of(k), k]
    if d.stage2 is not None:
        # Under two-stage, the model's first-order latents are re-estimated in stage 2.
        s2 = d.stage2
        for k, c in enumerate(s2.constructs):
            if c in first:
                out[c] = core.stage2.weights[0, s2.slots_of(k), k]
    return out


def _hoc_weights(d: Design, core: CoreResult) -> dict[str, np.ndarray]:
    """Stage-2 weights of each higher-order construct on its dimension scores."""
    if d.stage2 is None:
        return {}
    s2 = d.stage2
    return {c: core.stage2.weights[0, s2.slots_of(k), k] for k, c in enumerate(s2.constructs)
            if c in d.second_order}


# --------------------------------------------------------------------------- lean fits


@dataclass(frozen=True)
class R2Fit:
    """What a model comparison needs of a PLS estimate (survey.analysis.model_selection): the
    R² of each endogenous construct on ``n`` respondents, whether it converged, and the
    estimate's notices (their English ``warnings`` too), as :func:`estimate_pls` would give
    them; nothing else is assembled."""

    model_id: str
    n: int
    r2: Mapping[str, float]
    converged: bool
    notices: tuple
    warnings: tuple[str, ...]
    method: str = "pls"

    @property
    def admissible(self) -> bool:
        # As estimate_pls: a PLS solution is admissible when it converged.
        return self.converged


class SharedMoments:
    """One data preparation and one correlation matrix for several PLS models on the same
    respondents: ``prepare_items`` once for the union of the models' items, then each model
    (:meth:`fit`) is the PLS algorithm on its sub-matrix, without the statistics of a full
    estimate (f² re-estimates, reliability, HTMT, effects). Gives the R² of
    :func:`estimate_pls` on the same data (to rounding: the union's cross products are summed
    in one product), for model comparisons (Sharma et al. 2019 need each model's target R²
    only).

    When the union of items cannot be prepared together (more items than respondents, a
    singular correlation matrix across models) while a model's own items could be, each model
    is prepared on its own items, as its full estimate would be.
    """

    def __init__(self, items: Sequence[str], data: pd.DataFrame, *, missing: str = "mean",
                 weights: str | None = None, scheme: str = "path", hoc: str = "repeated",
                 source: str = "data") -> None:
        self._data, self._missing, self._scheme, self._hoc = data, missing, scheme, hoc
        self._source = source
        self._items = tuple(dict.fromkeys(items))
        check_items(self._items, data, source)
        self._weights = case_weights(data, weights, source)
        try:
            self._prepared = prepare_items(self._items, data, missing=missing,
                                           weights=self._weights, where=source)
        except EstimationError:
            self._prepared = None  # each model on its own items (its own error, if any)
        if self._prepared is not None and self._prepared.n_dropped:
            # Listwise on the union would drop respondents a model's own items keep.
            self._prepared = None
        if self._prepared is not None:
            self._mean, self._sd, self._r = full_moments(self._prepared)
            self._col = {item: j for j, item in enumerate(self._items)}
            self._nan = data[list(self._items)].isna().to_numpy()

    def fit(self, bound: BoundModel) -> R2Fit:
        """The lean PLS fit of ``bound`` (its items among the shared ones). Raises
        :class:`EstimationError` where :func:`estimate_pls` would."""
        design = compile_design(bound, hoc=self._hoc, scheme=self._scheme)
        missing_items = [i for i in design.items if i not in self._items]
        if missing_items:
            raise EstimationError(f"Items {missing_items} of model '{bound.model.id}' are not "
                                  "among the shared items.")
        if self._prepared is None:
            data = prepare_items(design.items, self._data, missing=self._missing,
                                 weights=self._weights, where=self._source)
            fit = fit_pls(design, data)
        else:
            cols = [self._col[i] for i in design.items]
            p = self._prepared
            nan = self._nan[:, cols]
            incomplete = nan.any(axis=1)
            # The model's own counts, as prepare_items on its items would give them.
            # (Listwise here: the union is complete, nothing dropped or replaced.)
            listwise = p.missing == "listwise"
            data = PreparedData(design.items, p.x[:, cols], p.weights, p.missing, p.n_total,
                                0, 0 if listwise else int(incomplete.sum()),
                                0 if listwise else int(nan.sum()))
            r = self._r[:, cols][:, :, cols]
            fit = PlsFit(design, data, self._mean[0, cols], self._sd[0, cols], r,
                         pls_core(r, design))
        if not fit.core.fail.ok[0]:
            raise EstimationError(f"{self._source}: PLS estimation failed: "
                                  f"{fit.core.fail.reason[0]}.")
        ci = {c: k for k, c in enumerate(design.constructs)}
        r2 = {x: float(fit.core.r2[0, ci[x]]) for x in design.constructs
              if not math.isnan(fit.core.r2[0, ci[x]])}
        from survey.estimators.sample_size import small_sample_notice

        notices = _notices(fit, _indices(fit))
        small = small_sample_notice(bound, "pls", fit.n)
        notices = tuple(notices if small is None else [*notices, small])
        return R2Fit(bound.model.id, fit.n, r2, _converged(fit.core), notices,
                     tuple(n.text() for n in notices))
