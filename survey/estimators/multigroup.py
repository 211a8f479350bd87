"""Multi-group CB-SEM by maximum likelihood: invariance steps and equal paths, tested by
likelihood ratio.

One model, G groups (the segment comparisons use two). Each group has its own copy of every
parameter; an equality (:class:`Equalities`) makes the groups' copies of a parameter one
parameter. -2 logL is the sum of the groups' (each group's missing-data patterns under FIML;
with complete data the normal likelihood with a mean structure), so the objective and its
gradient are sums of ``SemModel``'s single-group terms (:mod:`survey.estimators.sem`) and a
shared parameter's derivative is the sum over its copies. This is lavaan's multi-group ML
(``sem(..., group = ...)``; Jöreskog 1971, "Simultaneous factor analysis in several
populations", Psychometrika 36, 409-426), checked against lavaan in
tests/reference/test_multigroup_reference.py.

Why not one semopy model on stacked data (variables suffixed per group, shared labels): it
needs a new semopy model per set of equalities, its missing-data patterns are half the data
by construction, and its means can only be saturated. Here the groups' semopy models are
parsed once and every set of equalities is only a different map from the shared parameter
vector to the groups' parameters, so a restricted model starts from the general one's
estimates.

Case weights are not taken: under lavaan's ``sampling.weights`` the likelihood-ratio tests
become scaled (Satorra-Bentler 2001) differences of Yuan-Bentler statistics, which need each
multi-group model's sandwich; the segment comparisons refuse weighted CB-SEM instead
(``survey.analysis.comparison.CBSEM_WEIGHTED_COMPARISON``).

Mean structures (the models of Meredith 1993, "Measurement invariance, factor analysis and
factorial invariance", Psychometrika 58, 525-543):

* configural, metric (equal loadings) and equal-path models: each group's item means are free
  (saturated), as lavaan's item intercepts free in every group. At the optimum they are the
  groups' ML (EM under FIML) means, so chi2 and df are those of the covariance structure.
* scalar (equal loadings and item intercepts): mu_g = nu + Lambda_g (I - B_g)^-1 alpha_g
  (Sörbom 1974, "A general method for studying differences in factor means and factor
  structure between groups", Brit. J. Math. Stat. Psychol. 27, 229-239). Item intercepts nu
  are equal across groups; the latent intercepts alpha are 0 in the first group (the origin of
  the latent scales) and free in the others (lavaan's ``group.equal = c("loadings",
  "intercepts")``), so group g's alpha is its latent mean difference from the first group.
  - A single-item construct enters the inner model as its item: its intercept stays free in
    every group. With one indicator there is nothing to separate an item intercept from a
    latent mean, so an equality would only force equal means (lavaan's default holds the
    intercept of an observed dependent variable equal; ``group.partial`` frees it). The
    intercept sits in alpha (nu = 0), so that it passes to the construct's effects as a
    structural intercept, as in lavaan (a single item that only depends on latents too:
    SemModel keeps it in the inner model, as lavaan does).
  - A second-order construct: the item intercepts of its dimensions are equal, the
    dimensions' own intercepts are 0 in every group and the second-order construct's mean is
    free from the second group on (Chen, Sousa & West 2005, "Testing measurement invariance
    of second-order factor models", SEM 12(3), 471-492: full scalar invariance holds the
    first-order intercepts equal too). With every dimension's intercept free as well, the
    dimensions' means would have k + 1 parameters for k dimensions: not identified.
"""

from __future__ import annotations

import math
import re
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd
from scipy import stats
from threadpoolctl import threadpool_limits

from survey.errors import EstimationError, Problem
from survey.estimators.cbsem_model import model_syntax
from survey.estimators.fit import LOG2PI, em_moments, normal_loglik
from survey.estimators.sem import SemModel, minimise, pd_inverse, quiet_semopy
from survey.pathmodel import BoundModel

#: Label prefixes of free loadings and structural paths in the labelled model description.
LOADING = "L__"
PATH = "B__"

_LINE = re.compile(r"^\s*(\w+)\s*(=~|~)\s*(.+?)\s*$")
_COVARIANCE = re.compile(r"^\s*\w+\s*~~")

Key = tuple  # a parameter of the shared vector, see MultiGroupModel._layout


def labelled_syntax(description: str) -> str:
    """``description`` (as :func:`~survey.estimators.cbsem_model.model_syntax` writes it) with every
    free loading labelled ``L__<latent>__<indicator>`` and every path ``B__<effect>__<cause>``,
    so that the groups' copies of a parameter can be told apart by name. The first indicator
    of a latent stays the unlabelled marker (fixed at 1)."""
    lines = []
    for line in description.splitlines():
        if not line.strip():
            continue
        if _COVARIANCE.match(line):
            lines.append(line)  # a residual covariance: each group has its own
            continue
        m = _LINE.match(line)
        if m is None:
            raise EstimationError(f"Unexpected model syntax line {line!r}.")
        lhs, op, rhs = m.groups()
        terms = [t.strip() for t in rhs.split("+")]
        # A term with a value or a label already (fixed, marker written out) stays as it is.
        if op == "=~":
            parts = [terms[0]] + [t if "*" in t else f"{LOADING}{lhs}__{t}*{t}"
                                  for t in terms[1:]]
        else:
            parts = [t if "*" in t else f"{PATH}{lhs}__{t}*{t}" for t in terms]
        lines.append(f"{lhs} {op} " + " + ".join(parts))
    return "\n".join(lines)


@dataclass(frozen=True)
class Equalities:
    """What the groups share: every free loading (metric), the item intercepts (scalar; needs
    equal loadings), and the listed structural paths ((cause, effect) constructs)."""

    loadings: bool = False
    intercepts: bool = False
    paths: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.intercepts and not self.loadings:
            raise EstimationError("Equal intercepts (scalar invariance) presuppose equal "
                                  "loadings.")


#: The invariance steps as equalities.
CONFIGURAL = Equalities()
METRIC = Equalities(loadings=True)
SCALAR = Equalities(loadings=True, intercepts=True)


@dataclass(frozen=True)
class LatentMean:
    """A group's latent mean (intercept) in the scalar model, the first group's being 0."""

    latent: str
    group: int
    estimate: float
    se: float | None
    p_value: float | None


@dataclass(frozen=True)
class MultiGroupFit:
    """One multi-group model fitted: its log-likelihood (constants included; casewise under
    FIML), chi2 = 2 (saturated logL - logL) against the groups' saturated (EM) moments, df =
    the groups' means and covariances minus the free parameters, and, for the scalar model,
    the latent means of the groups after the first."""

    equalities: Equalities
    logl: float
    logl_saturated: float
    chi2: float
    df: int
    n: int
    n_free: int
    converged: bool
    message: str
    seconds: float
    latent_means: tuple[LatentMean, ...] = ()
    #: The estimates by parameter key, in the layout's order (the start of a restricted
    #: model), and the Hessian of -2 logL over them (its Newton steps).
    values: Mapping[Key, float] = field(default_factory=dict, compare=False, repr=False)
    hessian: np.ndarray | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))


@dataclass(frozen=True)
class LikelihoodRatio:
    """A likelihood-ratio (chi2 difference) test of a restricted model against a general one."""

    chi2: float
    df: int
    p_value: float | None


def lr_test(general: MultiGroupFit, restricted: MultiGroupFit) -> LikelihoodRatio:
    """chi2 = 2 (logL_general - logL_restricted), df = the difference in free parameters,
    p from chi2(df) (lavaan's ``lavTestLRT`` for ML). A difference below 0 (the restricted
    optimum a rounding error above the general one) counts as 0."""
    chi2 = max(2.0 * (general.logl - restricted.logl), 0.0)
    df = general.n_free - restricted.n_free
    return LikelihoodRatio(chi2, df, float(stats.chi2.sf(chi2, df)) if df > 0 else None)


@dataclass(frozen=True)
class _Group:
    model: SemModel
    x: np.ndarray          # the rows used, in the model's observed order
    n_cells: int           # observed values (the constant of -2 logL)
    mean: np.ndarray       # EM (complete data: sample) mean and covariance, N denominator
    cov: np.ndarray
    logl_saturated: float


@dataclass(frozen=True)
class _Layout:
    """Where every group's parameters sit in the shared vector: per group the index of each
    local parameter, of each item mean (saturated) or intercept nu (structured) and, for the
    structured mean, of each inner intercept alpha (-1: fixed at 0)."""

    keys: tuple[Key, ...]
    theta: tuple[np.ndarray, ...]
    mean: tuple[np.ndarray, ...]
    alpha: tuple[np.ndarray, ...] | None


def _mapped_hessian(start: MultiGroupFit | None, keys: Sequence[Key]) -> np.ndarray | None:
    """P'HP: the Hessian of ``start`` (over its keys) for a model whose keys only merge
    ``start``'s (a group's copy ("p", name, g) becoming the shared ("p", name)); None when
    the model is not such a restriction of ``start`` (other keys, another mean structure)."""
    if start is None or start.hessian is None or not np.all(np.isfinite(start.hessian)):
        return None
    at = {k: j for j, k in enumerate(keys)}
    rows = []
    for key in start.values:
        if key in at:
            rows.append(at[key])
        elif key[0] == "p" and len(key) == 3 and ("p", key[1]) in at:
            rows.append(at[("p", key[1])])
        else:
            return None
    p = np.zeros((len(rows), len(keys)))
    p[np.arange(len(rows)), rows] = 1.0
    if not p.any(axis=0).all():
        return None
    return p.T @ start.hessian @ p


def _take(z: np.ndarray, index: np.ndarray) -> np.ndarray:
    """z at ``index``, 0 where the index is -1 (a value fixed at 0)."""
    return np.where(index >= 0, z[np.maximum(index, 0)], 0.0)


def _put(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """``values`` summed into a vector of ``size`` at ``index``, skipping the -1s."""
    free = index >= 0
    return np.bincount(index[free], weights=values[free], minlength=size)


class MultiGroupModel:
    """The model of ``bound`` in each group of ``groups`` (item data frames, NaN for missing),
    ready to be fitted under any :class:`Equalities` (:meth:`fit`).

    ``missing``: 'fiml' (rows with at least one answer, casewise likelihood) or 'listwise'
    (complete rows only). ``where`` names the groups in error messages.
    """

    def __init__(self, bound: BoundModel, groups: Sequence[pd.DataFrame], *,
                 missing: str = "fiml", where: Sequence[str] | None = None) -> None:
        if len(groups) < 2:
            raise EstimationError("A multi-group model needs at least two groups.")
        where = list(where) if where is not None else [f"group {g + 1}" for g in
                                                       range(len(groups))]
        if bound.model.fixed or bound.model.equal:
            # Which groups an equality binds (lavaan: every group, unless the labels differ)
            # and how a fixed path is compared have no answer here yet.
            raise EstimationError(Problem(
                str(bound.model.source or bound.model.id),
                "Multi-group comparisons do not support fixed parameters or equality "
                f"constraints yet; model '{bound.model.id}' has "
                f"{len(bound.model.fixed) + len(bound.model.equal)}. Compare the groups with "
                "a model without them."))
        description, single = model_syntax(bound)
        self.bound = bound
        self.syntax = labelled_syntax(description)
        items = list(bound.items)
        self.groups = tuple(self._group(rows[items], missing, w)
                            for rows, w in zip(groups, where, strict=True))
        first = self.groups[0].model
        self.names = tuple(first.active_names())
        self.observed = tuple(first.vars["observed"])
        self.inner = tuple(first.vars["inner"])
        for g in self.groups[1:]:
            if tuple(g.model.active_names()) != self.names:
                raise EstimationError("The groups' models do not have the same parameters.")
        # Paths by their label, to find (cause, effect) constructs.
        name = lambda x: single.get(x, x)  # noqa: E731
        self.path_labels = {(a, b): f"{PATH}{name(b)}__{name(a)}" for a, b in bound.model.paths}
        missing_labels = [x for x in self.path_labels.values() if x not in self.names]
        if missing_labels:
            raise EstimationError(f"Paths {missing_labels} are not free parameters.")
        # Scalar model roles (module docstring): intercepts held equal, latent means freed.
        dims = {d for _, ds in bound.second_order for d in ds}
        self.shared_intercepts = frozenset(i for c, its in bound.measurement
                                           if len(its) > 1 for i in its)
        self.inner_items = frozenset(self.inner) & frozenset(self.observed)
        latents = set(first.vars["latent"])
        self.mean_latents = tuple(x for x in bound.constructs if x in latents and x not in dims)
        self.n = sum(g.x.shape[0] for g in self.groups)
        p = len(self.observed)
        self.moments = len(self.groups) * (p * (p + 3) // 2)

    def _group(self, frame: pd.DataFrame, missing: str, where: str) -> _Group:
        frame = frame.astype(float)
        if missing == "listwise":
            frame = frame.dropna()
        else:
            # A respondent with no answer carries no information (as in fit_sem).
            frame = frame[~frame.isna().all(axis=1)]
        if len(frame) < 2:
            raise EstimationError(f"{where}: only {len(frame)} usable respondents remain; "
                                  "CB-SEM needs many more.")
        try:
            model = SemModel(self.syntax)
        except Exception as exc:  # semopy raises bare exceptions on syntax problems
            raise EstimationError(f"The model description could not be parsed: {exc}") from exc
        obs = list(model.vars["observed"])
        x = frame[obs].to_numpy()
        mean, cov, ok = em_moments(x)
        if not ok:
            raise EstimationError(f"{where}: the EM algorithm for the saturated moments did "
                                  "not converge.")
        try:
            np.linalg.cholesky(cov)
        except np.linalg.LinAlgError as exc:
            raise EstimationError(f"{where}: the items' covariance matrix is singular (an "
                                  "item constant or a combination of others).") from exc
        with warnings.catch_warnings(), quiet_semopy():
            warnings.simplefilter("ignore")
            # As fit_sem: semopy's starting values, and the fixed variances of exogenous
            # observed variables, from the group's (EM) covariance with N denominator.
            model.load(data=frame[obs] - mean, cov=pd.DataFrame(cov, index=obs, columns=obs))
        model.prepare_fiml_means(x)
        model._positions()
        return _Group(model, x, int((~np.isnan(x)).sum()), mean, cov,
                      normal_loglik(x, mean, cov))

    # ------------------------------------------------------------------ parameter layout

    def _layout(self, equal: Equalities) -> _Layout:
        """Keys of the shared vector: ("p", name) for a parameter the groups share, ("p",
        name, g) for group g's own; ("mu", item, g) saturated means; ("nu", item) or ("nu",
        item, g) item intercepts and ("alpha", latent, g) latent intercepts of the structured
        mean."""
        shared = set()
        if equal.loadings:
            shared |= {x for x in self.names if x.startswith(LOADING)}
        for path in equal.paths:
            if path not in self.path_labels:
                raise EstimationError(f"{path[0]} -> {path[1]} is not a path of the model.")
            shared.add(self.path_labels[path])
        keys: dict[Key, int] = {}

        def at(key: Key) -> int:
            if key not in keys:
                keys[key] = len(keys)
            return keys[key]

        theta, mean, alpha = [], [], []
        for g in range(len(self.groups)):
            theta.append(np.array([at(("p", x) if x in shared else ("p", x, g))
                                   for x in self.names], int))
            if not equal.intercepts:
                mean.append(np.array([at(("mu", i, g)) for i in self.observed], int))
                continue
            # An item standing in the inner model (single-item construct) has its intercept
            # on the inner side, so that it passes to its effects as lavaan's intercept of
            # an observed dependent variable does; its nu is 0.
            mean.append(np.array([-1 if i in self.inner_items else
                                  at(("nu", i) if i in self.shared_intercepts else
                                     ("nu", i, g)) for i in self.observed], int))
            alpha.append(np.array([at(("alpha", v, g)) if v in self.inner_items
                                   or (g > 0 and v in self.mean_latents) else -1
                                   for v in self.inner], int))
        return _Layout(tuple(keys), tuple(theta), tuple(mean),
                       tuple(alpha) if equal.intercepts else None)

    def _objective(self, lay: _Layout, z: np.ndarray):
        """-2 logL up to a constant over the shared vector z, and its gradient; (inf, None)
        where a group's Sigma is not positive definite."""
        value = 0.0
        grad = np.zeros(z.size)
        for g in range(len(self.groups)):
            v, gr = self._group_terms(lay, g, z)
            if gr is None:
                return math.inf, None
            value += v
            grad += gr
        return value, grad

    def _group_terms(self, lay: _Layout, g: int, z: np.ndarray):
        """Group g's -2 logL (up to a constant) and its gradient over the shared vector."""
        idx = lay.theta[g]
        theta = z[idx]
        model = self.groups[g].model
        if lay.alpha is None:
            v, gr = model._fiml_terms(theta, z[lay.mean[g]], True)
        else:
            v, gr = model.mean_structure_terms(theta, _take(z, lay.mean[g]),
                                               _take(z, lay.alpha[g]))
        if gr is None or not math.isfinite(v):
            return math.inf, None
        k, p = idx.size, lay.mean[g].size
        grad = np.bincount(idx, weights=gr[:k], minlength=z.size)
        grad += _put(lay.mean[g], gr[k:k + p], z.size)
        if lay.alpha is not None:
            grad += _put(lay.alpha[g], gr[k + p:], z.size)
        return v, grad

    def _hessian(self, lay: _Layout, z: np.ndarray) -> np.ndarray:
        """Forward differences of the analytic gradient (h = 1e-6 relative, as
        sem._hessian), group by group: a parameter moves only the terms of the groups that
        hold it, so each group's term is differenced over its own parameters only (half the
        gradient evaluations for two groups)."""
        hess = np.zeros((z.size, z.size))
        for g in range(len(self.groups)):
            own = [lay.theta[g], lay.mean[g]] + ([] if lay.alpha is None else [lay.alpha[g]])
            cols = np.unique(np.concatenate(own))
            cols = cols[cols >= 0]
            g0 = self._group_terms(lay, g, z)[1]
            if g0 is None:
                return np.full((z.size, z.size), math.nan)
            for j in cols:
                h = 1e-6 * max(1.0, abs(z[j]))
                e = np.zeros(z.size)
                e[j] = h
                gj = self._group_terms(lay, g, z + e)[1]
                if gj is None:
                    return np.full((z.size, z.size), math.nan)
                hess[cols, j] += (gj[cols] - g0[cols]) / h
        return (hess + hess.T) / 2

    # ------------------------------------------------------------------ fitting

    def _start(self, lay: _Layout, start: MultiGroupFit | None) -> np.ndarray:
        """Start values for every key: from ``start`` where it has the key; a shared
        parameter from the mean of its copies (and a group's copy from the shared value);
        intercepts from the groups' means; latent intercepts 0. Without ``start``, each
        group's ML solution on its own (EM) moments."""
        if start is None:
            values = {}
            for g, group in enumerate(self.groups):
                model = group.model
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    res, _ = model.fit_ml(group.cov, np.array(model.param_vals, float))
                values.update({("p", x, g): float(v)
                               for x, v in zip(self.names, res.x, strict=True)})
        else:
            values = dict(start.values)
        groups = range(len(self.groups))
        means = [dict(zip(self.observed, g.mean, strict=True)) for g in self.groups]

        def value(key: Key) -> float:
            if key in values:
                return values[key]
            kind = key[0]
            if kind == "p" and len(key) == 2:
                return float(np.mean([values[("p", key[1], g)] for g in groups]))
            if kind == "p":
                return values[("p", key[1])]
            if kind in ("mu", "nu") and len(key) == 3:
                return values.get(("mu", key[1], key[2]), means[key[2]][key[1]])
            if kind == "nu":
                return float(np.mean([values.get(("mu", key[1], g), means[g][key[1]])
                                      for g in groups]))
            if key[1] in self.inner_items:  # a single item's intercept: its mean
                return means[key[2]][key[1]]
            return 0.0  # a latent intercept

        z = np.array([value(k) for k in lay.keys], float)
        if lay.alpha is not None:
            z = self._start_means(lay, z)
        return z

    def _start_means(self, lay: _Layout, z: np.ndarray) -> np.ndarray:
        """Intercepts that reproduce the groups' (EM) item means as closely as the structured
        mean allows at the structure of ``z``: mu_g = nu_g + M_g alpha_g is linear in (nu,
        alpha), so least squares over the groups' means gives them in one step (L-BFGS-B
        from 0 latent means took 300 iterations for a second-order model)."""
        free = sorted({int(j) for idx in lay.mean + lay.alpha for j in idx if j >= 0})
        col = {j: c for c, j in enumerate(free)}
        rows, target = [], []
        for g, group in enumerate(self.groups):
            m = group.model.mean_map(z[lay.theta[g]])
            design = np.zeros((m.shape[0], len(free)))
            for i, j in enumerate(lay.mean[g]):
                if j >= 0:
                    design[i, col[j]] += 1.0
            for v, j in enumerate(lay.alpha[g]):
                if j >= 0:
                    design[:, col[j]] += m[:, v]
            rows.append(design)
            target.append(group.mean)
        solution, *_ = np.linalg.lstsq(np.vstack(rows), np.concatenate(target), rcond=None)
        z = z.copy()
        z[free] = solution
        return z

    def fit(self, equal: Equalities = CONFIGURAL, start: MultiGroupFit | None = None
            ) -> MultiGroupFit:
        """Fit the model under ``equal``, from the estimates of ``start`` (a less restricted
        fit of this model) where given, unbounded (a variance may go negative, as in lavaan
        and estimate_cbsem), by :func:`~survey.estimators.sem.minimise`.

        Where ``equal`` only adds equalities to ``start``'s (metric from configural, a path
        from metric), its parameters are a linear map P of the restricted ones and P'HP is
        the restricted model's Hessian from ``start``'s H: Newton steps with it from the
        averaged estimates converge in a few gradients. Otherwise L-BFGS-B (BFGS where it
        stops short), then Newton steps with the numerical Hessian, differenced group by group
        (:meth:`_hessian`). The Hessian of -2 logL gives the latent means' standard errors
        (observed information H / 2)."""
        t0 = time.perf_counter()
        lay = self._layout(equal)
        with threadpool_limits(1):
            z0 = self._start(lay, start)
            z, hessian, converged, message = minimise(
                lambda z: self._objective(lay, z), z0, float(self.n),
                hessian_of=lambda z: self._hessian(lay, z),
                hessian=_mapped_hessian(start, lay.keys))
            value, _ = self._objective(lay, z)
            if equal.intercepts:
                # The latent means' standard errors from the Hessian at the estimates.
                hessian = self._hessian(lay, z)
            h_inv = pd_inverse(hessian) if hessian is not None else None
        n_cells = sum(g.n_cells for g in self.groups)
        logl = -0.5 * (value + n_cells * LOG2PI)
        saturated = sum(g.logl_saturated for g in self.groups)
        latent_means = []
        if equal.intercepts:
            for j, key in enumerate(lay.keys):
                if key[0] != "alpha" or key[1] not in self.mean_latents:
                    continue
                var = 2.0 * h_inv[j, j] if h_inv is not None else math.nan
                se = math.sqrt(var) if var > 0 else None
                p = float(2 * stats.norm.sf(abs(z[j] / se))) if se else None
                latent_means.append(LatentMean(key[1], key[2], float(z[j]), se, p))
            latent_means.sort(key=lambda m: (m.group, self.mean_latents.index(m.latent)))
        return MultiGroupFit(
            equal, logl, saturated, 2.0 * (saturated - logl), self.moments - len(lay.keys),
            self.n, len(lay.keys), bool(converged), message,
            time.perf_counter() - t0, tuple(latent_means),
            dict(zip(lay.keys, map(float, z), strict=True)), hessian)
