"""Driver triangulation: the drivers of overall satisfaction by four methods side by side, with
bootstrap intervals, and whether the other methods agree with the report's one priority rule.

Outcome: the overall-satisfaction item (the questionnaire's ``gauges.overall``), else the
target construct's 0-100 score. Drivers: the target's driver constructs as the classic methods
have them (:func:`survey.analysis.methods.drivers_of_target`: a higher-order construct by its
dimensions, no expectation constructs), each scored as the mean of its items' 0-100 scores
(the ``improved_dual_evaluation`` score). Respondents missing the outcome or a whole driver are
dropped (listwise, as the regression method; n reported). Case weights apply throughout: every
method below is a function of the (weighted) correlation matrix of the drivers and the outcome.

* ``regression``: standardized OLS coefficients, beta = Rxx^-1 rxy.
* ``relative_weights``: Johnson's (2000) relative weights, "A heuristic method for estimating
  the relative weight of predictor variables in multiple regression", Multivariate Behavioral
  Research 35(1), 1-19: with Rxx = V diag(l) V' and Lambda = Rxx^1/2 = V diag(sqrt l) V', the
  outcome's coefficients on the orthogonal counterparts Z of the drivers are
  b = Lambda^-1 rxy, and driver j's weight is sum_k Lambda_jk^2 b_k^2 (p. 8, eq. 5-7).
* ``shapley``: the Shapley value of R² (Lindeman, Merenda & Gold 1980 "LMG", Budescu 1993
  "general dominance", Grömping 2007 "Estimators of relative importance in linear regression
  based on variance decomposition", The American Statistician 61(2), 139-147, eq. 2): driver
  j's share is the average over all orderings of the R² it adds when it enters, i.e.
  sum over subsets S of the others of |S|! (k - |S| - 1)! / k! [R²(S + j) - R²(S)]. Each of the
  2^k subset R²s is r_S' R_SS^-1 r_S from the correlation matrix (one batched solve per subset
  size), exact up to :data:`MAX_SHAPLEY` drivers; above, the method is refused with the reason.
* ``sem``: the IPMA importance of the headline estimate (the unstandardized total effect in
  the 0-100 metric, :mod:`survey.analysis.drivers`), without an interval here.

Relative weights and Shapley shares are both non-negative and sum to the model's R².

Inference: the bootstrap of the headline estimate's settings (resamples, seed, level) draws
row counts (:func:`survey.estimators.bootstrap.run_bootstrap`), each resample's weighted
correlation matrix gives every method at once (vectorised over resamples), and the intervals
are percentile intervals; the usable-resample rule of the bootstrap module decides whether the
run can carry inference. Without a bootstrap, or with too few usable resamples, only the point
estimates are given, and the block says why.

Agreement with the priority rule (:func:`survey.analysis.drivers.priority_key`): the rule's
drivers (the improve-first constructs, a higher-order one through its dimensions, in the rule's
order; when none is improve-first, the rule's first driver) are the drivers the report tells
the reader to act on. Their improve-first quadrant means an importance above the drivers'
average; a method *agrees* on a driver when it too rates that driver's importance at or above
the average of its importances over the driver's peers (as the IPMA splits its quadrants: the
dimensions of the same higher-order construct, or else the drivers that are no dimension). The statement never reorders the
rule: it says which methods agree with its top drivers and names where they do not.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from survey.analysis.drivers import IpmaPoint, improve_first
from survey.analysis.methods import drivers_of_target
from survey.analysis.scores import Scores, item_scores
from survey.estimators.bootstrap import BootstrapSettings, run_bootstrap
from survey.estimators.result import Estimate
from survey.pathmodel import BoundModel

#: Most drivers whose 2^k subset R²s are computed (2^15 = 32,768 subsets: about a second for
#: the point estimate).
MAX_SHAPLEY = 15
#: Resamples x subsets above which the Shapley shares are not bootstrapped (their point
#: estimate is still given): 2^12 subsets x 1,000 resamples take 2-3 s on one core
#: (bench/bench_triangulation.py).
MAX_SHAPLEY_BOOTSTRAP = 2 ** 12 * 1000
#: Smallest reciprocal condition number of the drivers' correlation matrix: below it the
#: drivers are (numerically) collinear and no method can split R² among them.
MIN_RCOND = 1e-10
#: The methods, in the order of the table: the SEM first (the rule's basis), then the others.
METHODS = ("sem", "regression", "relative_weights", "shapley")
#: The methods whose agreement with the rule is stated.
CHECKED = ("regression", "relative_weights", "shapley")
#: The rule's drivers the agreement statement looks at, at most.
RULE_TOP = 3
SINGULAR = "singular correlation matrix (a constant or collinear driver)"


# --------------------------------------------------------------------------- the computations


def weighted_correlation(x: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """The correlation matrix (p, p) of the columns of ``x`` (n, p) with case weights ``w``
    (frequency-style: the covariance is sum w (x - xbar)(x - xbar)' / sum w)."""
    w = np.ones(len(x)) if w is None else np.asarray(w, float)
    return _correlations(w[None, :], np.asarray(x, float))[0]


def _correlations(counts: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Weighted correlation matrices (B, p, p), one per row of ``counts`` (B, n) (the weights
    of each respondent in that resample)."""
    b, p = counts.shape[0], x.shape[1]
    total = counts.sum(axis=1)
    # Centre first (numerically safer for second moments), then one matrix product gives
    # every resample's weighted cross-products: counts (B, n) @ x_i x_j (n, p²).
    x = x - x.mean(axis=0)
    mean = counts @ x / total[:, None]
    products = (x[:, :, None] * x[:, None, :]).reshape(len(x), p * p)
    second = (counts @ products).reshape(b, p, p) / total[:, None, None]
    cov = second - mean[:, :, None] * mean[:, None, :]
    sd = np.sqrt(np.clip(np.einsum("bii->bi", cov), 0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / (sd[:, :, None] * sd[:, None, :])
    idx = np.arange(x.shape[1])
    corr[:, idx, idx] = 1.0
    return corr


@lru_cache(maxsize=8)
def _subsets(k: int) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Per subset size s = 1..k: the bit masks of the subsets of k drivers of that size and
    their members followed by the outcome (index k), (s + 1, M). Made once per k (every
    resample chunk needs them)."""
    masks = np.arange(1, 2 ** k)
    sizes = np.array([bin(m).count("1") for m in masks])
    bits = np.arange(k)
    out = []
    for s in range(1, k + 1):
        chosen = masks[sizes == s]
        members = (chosen[:, None] >> bits) & 1 == 1
        idx = np.nonzero(members)[1].reshape(len(chosen), s)
        out.append((chosen, np.concatenate([idx, np.full((len(chosen), 1), k)], axis=1).T))
    return tuple(out)


def subset_r2(rxx: np.ndarray, rxy: np.ndarray, *, block: int = 2 ** 22) -> np.ndarray:
    """R² of the outcome on every subset of the drivers, (B, 2^k) indexed by bit mask (column
    0, the empty subset, is 0): r_S' R_SS^-1 r_S for correlation matrices ``rxx`` (B, k, k) and
    correlations with the outcome ``rxy`` (B, k).

    For each subset S the matrix [[R_SS, r_S], [r_S', 1]] is reduced by Gaussian elimination
    on the pivots of S (the Schur complement; stable without pivoting on a positive-definite
    matrix, and every R_SS is one when Rxx is): what is left in the outcome's cell is
    1 - r_S' R_SS^-1 r_S, the residual variance. Subsets of one size are reduced together,
    vectorised over the resamples and the subsets (numpy's batched solve makes one LAPACK
    call per small matrix: this stage about nine times slower for 8 drivers and 200
    resamples, the whole bootstrap 1.4-1.9 times; bench/bench_triangulation.py), in blocks
    of at most ``block`` matrix entries."""
    b, k = rxy.shape
    out = np.zeros((b, 2 ** k))
    full = np.concatenate([np.concatenate([rxx, rxy[:, :, None]], axis=2),
                           np.concatenate([rxy[:, None, :], np.ones((b, 1, 1))], axis=2)],
                          axis=1)  # (B, k + 1, k + 1), the outcome last
    # Resamples on the last axis: every step of the elimination is then a contiguous,
    # in-place array operation over all resamples and subsets.
    full = np.ascontiguousarray(full.transpose(1, 2, 0))
    for s, (chosen, idx) in enumerate(_subsets(k), start=1):
        per = max(1, block // max(1, b * (s + 1) ** 2))
        for start in range(0, len(chosen), per):
            part = idx[:, start:start + per]
            a = full[part[:, None, :], part[None, :, :]]            # (s + 1, s + 1, M, B)
            for i in range(s):
                a[i + 1:, i + 1:] -= a[i + 1:, i, None] * (a[i, None, i + 1:] / a[i, i])
            out[:, chosen[start:start + per]] = (1 - a[s, s]).T
    return out


def shapley_shares(r2: np.ndarray) -> np.ndarray:
    """Shapley values (B, k) of R² from the subset R²s ``r2`` (B, 2^k) of :func:`subset_r2`:
    sum over subsets S without j of |S|! (k - |S| - 1)! / k! [R²(S + j) - R²(S)]."""
    k = int(round(math.log2(r2.shape[1])))
    masks = np.arange(2 ** k)
    sizes = np.array([bin(m).count("1") for m in masks])
    weight = np.array([math.factorial(s) * math.factorial(k - s - 1) / math.factorial(k)
                       if s < k else 0.0 for s in range(k + 1)])
    out = np.empty((r2.shape[0], k))
    for j in range(k):
        without = masks[(masks >> j) & 1 == 0]
        out[:, j] = (r2[:, without | (1 << j)] - r2[:, without]) @ weight[sizes[without]]
    return out


def relative_weights(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """Johnson's (2000) relative weights (B, k) from correlation matrices ``rxx`` (B, k, k)
    and ``rxy`` (B, k): Lambda = Rxx^1/2, b = Lambda^-1 rxy, weight_j = sum_k Lambda_jk² b_k²."""
    values, vectors = np.linalg.eigh(rxx)
    root = np.sqrt(np.clip(values, 0, None))
    lam = np.einsum("bik,bk,bjk->bij", vectors, root, vectors)
    with np.errstate(divide="ignore", invalid="ignore"):
        b = np.einsum("bik,bk,bjk,bj->bi", vectors, 1 / root, vectors, rxy)
    return np.einsum("bjk,bk->bj", lam ** 2, b ** 2)


def standardized_coefficients(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """Standardized OLS coefficients (B, k): Rxx^-1 rxy."""
    return np.linalg.solve(rxx, rxy[..., None])[..., 0]


def _singular(rxx: np.ndarray) -> np.ndarray:
    """Which of the matrices (B, k, k) are (numerically) singular, or not finite."""
    finite = np.isfinite(rxx).all(axis=(1, 2))
    out = ~finite
    if finite.any():
        values = np.linalg.eigvalsh(np.where(finite[:, None, None], rxx, np.eye(rxx.shape[1])))
        out |= values[:, 0] <= MIN_RCOND * values[:, -1]
    return out


def all_methods(corr: np.ndarray, *, shapley: bool = True) -> np.ndarray:
    """Every statistic of the triangulation from correlation matrices (B, k + 1, k + 1) whose
    last row and column are the outcome: columns R², beta (k), relative weights (k), Shapley
    shares (k; NaN when ``shapley`` is False). Rows with a singular driver matrix are NaN."""
    b, p = corr.shape[0], corr.shape[1]
    k = p - 1
    out = np.full((b, 1 + 3 * k), np.nan)
    bad = _singular(corr[:, :k, :k])
    ok = ~bad
    if not ok.any():
        return out
    rxx, rxy = corr[ok, :k, :k], corr[ok, :k, k]
    beta = standardized_coefficients(rxx, rxy)
    out[ok, 0] = np.einsum("bk,bk->b", rxy, beta)
    out[ok, 1:1 + k] = beta
    out[ok, 1 + k:1 + 2 * k] = relative_weights(rxx, rxy)
    if shapley:
        out[ok, 1 + 2 * k:] = shapley_shares(subset_r2(rxx, rxy))
    return out


@dataclass(frozen=True)
class _Statistic:
    """The bootstrap statistic (picklable): resample counts (B, n) -> every method."""

    x: np.ndarray
    weights: np.ndarray
    shapley: bool

    def __call__(self, counts: np.ndarray) -> tuple[np.ndarray, list[str]]:
        values = all_methods(_correlations(counts * self.weights[None, :], self.x),
                             shapley=self.shapley)
        return values, [SINGULAR if not np.isfinite(v[0]) else "" for v in values]


# --------------------------------------------------------------------------- the results


@dataclass(frozen=True)
class DriverShare:
    """One driver under every method: the SEM's IPMA importance (None without IPMA), the
    standardized regression coefficient, the relative weight and the Shapley share of R²,
    each with its percentile interval (None without bootstrap inference)."""

    driver: str
    sem: float | None
    regression: float
    regression_ci: tuple[float, float] | None
    relative_weight: float
    relative_weight_ci: tuple[float, float] | None
    shapley: float | None
    shapley_ci: tuple[float, float] | None

    def to_json(self) -> dict[str, Any]:
        def ci(x):
            return (None, None) if x is None else x

        return {"driver": self.driver, "sem_importance": self.sem,
                "regression": self.regression,
                "regression_ci_low": ci(self.regression_ci)[0],
                "regression_ci_high": ci(self.regression_ci)[1],
                "relative_weight": self.relative_weight,
                "relative_weight_ci_low": ci(self.relative_weight_ci)[0],
                "relative_weight_ci_high": ci(self.relative_weight_ci)[1],
                "shapley": self.shapley,
                "shapley_ci_low": ci(self.shapley_ci)[0],
                "shapley_ci_high": ci(self.shapley_ci)[1]}

    def importance(self, method: str) -> float | None:
        return {"sem": self.sem, "regression": self.regression,
                "relative_weights": self.relative_weight, "shapley": self.shapley}[method]


@dataclass(frozen=True)
class Agreement:
    """Whether the other methods agree with the priority rule's top drivers: ``rule_top`` the
    rule's drivers looked at (``rule_basis`` 'improve_first', or 'first' when no driver is in
    the improve-first quadrant); per method, the rule's drivers it rates at or above its
    average importance (``agree``) and below (``differ``), and its own top driver."""

    rule_top: tuple[str, ...]
    rule_basis: str
    methods: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def all_agree(self) -> bool:
        return bool(self.methods) and all(not m["differ"] for m in self.methods.values())

    def to_json(self) -> dict[str, Any]:
        return {"rule_top": list(self.rule_top), "rule_basis": self.rule_basis,
                "all_agree": self.all_agree,
                "methods": {k: {"agree": list(v["agree"]), "differ": list(v["differ"]),
                                "top": v["top"]} for k, v in self.methods.items()}}


@dataclass(frozen=True)
class DriverTriangulation:
    """The drivers of overall satisfaction by four methods, or why not (``available`` False,
    ``reason_code`` 'no_drivers', 'too_few_respondents', 'constant_outcome', 'singular').
    ``inference``:
    'bootstrap', or 'none' with ``withheld`` 'no_bootstrap' / 'bootstrap_unusable'.
    ``shapley_withheld``: 'too_many_drivers' (no Shapley shares) or 'too_many_subsets'
    (shares without intervals)."""

    available: bool
    outcome: str
    outcome_kind: str
    n: int
    drivers: tuple[DriverShare, ...] = ()
    r2: float | None = None
    r2_ci: tuple[float, float] | None = None
    inference: str = "none"
    withheld: str | None = None
    level: float | None = None
    bootstrap: Mapping[str, Any] | None = None
    shapley_withheld: str | None = None
    agreement: Agreement | None = None
    reason_code: str = ""
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"available": self.available, "reason_code": self.reason_code or None,
                "reason": self.reason or None, "outcome": self.outcome,
                "outcome_kind": self.outcome_kind, "n": self.n, "r2": self.r2,
                "r2_ci_low": None if self.r2_ci is None else self.r2_ci[0],
                "r2_ci_high": None if self.r2_ci is None else self.r2_ci[1],
                "inference": self.inference, "withheld": self.withheld, "level": self.level,
                "interval": "percentile" if self.inference == "bootstrap" else None,
                "shapley_withheld": self.shapley_withheld, "max_shapley": MAX_SHAPLEY,
                "drivers": [d.to_json() for d in self.drivers],
                "bootstrap": None if self.bootstrap is None else dict(self.bootstrap),
                "agreement": None if self.agreement is None else self.agreement.to_json()}


def _unavailable(outcome: str, kind: str, n: int, code: str, reason: str
                 ) -> DriverTriangulation:
    return DriverTriangulation(False, outcome, kind, n, reason_code=code, reason=reason)


def driver_triangulation(bound: BoundModel, data: pd.DataFrame, scores: Scores,
                         estimate: Estimate, ipma_points: Sequence[IpmaPoint] = (),
                         priorities: Sequence[str] = ()) -> DriverTriangulation:
    """The triangulation of the target's drivers on the accepted respondents ``data``, with
    the case weights and 0-100 scores of ``scores``, the bootstrap settings of ``estimate``
    (none: point estimates only), the IPMA points of the headline estimate and its priority
    order (:func:`survey.analysis.drivers.priorities`) for the SEM column and the agreement."""
    q = bound.questionnaire
    target = bound.model.target
    drivers = drivers_of_target(bound) if target is not None else []
    overall = q.gauges.overall
    rows = scores.constructs.index
    if overall is not None and overall in data.columns:
        outcome, kind = overall, "item"
        y = item_scores(data.loc[rows], bound, [overall])[overall]
    else:
        outcome, kind = target or "", "score"
        y = scores.constructs[target] if target in scores.constructs else None
    if not drivers or y is None:
        return _unavailable(outcome, kind, 0, "no_drivers",
                            "The model's target has no driver constructs to compare.")
    members = {d: [i.id for i in q.indicators(d)] for d in drivers}
    items = item_scores(data.loc[rows], bound, [i for d in drivers for i in members[d]])
    frame = pd.DataFrame({d: items[members[d]].mean(axis=1, skipna=True) for d in drivers})
    frame["__outcome__"] = y.astype(float)
    w_all = (pd.Series(np.ones(len(rows)), index=rows) if scores.weights is None
             else pd.Series(np.asarray(scores.weights, float), index=rows))
    frame = frame.dropna()
    n, k = len(frame), len(drivers)
    if n <= k + 1:
        return _unavailable(outcome, kind, n, "too_few_respondents",
                            f"{n} respondents answered the outcome and every driver: at least "
                            f"{k + 2} are needed to split R² among {k} drivers.")
    x = frame.to_numpy(float)
    w = w_all.loc[frame.index].to_numpy(float)
    if np.ptp(x[:, k]) == 0:
        return _unavailable(outcome, kind, n, "constant_outcome",
                            f"Every respondent gave the outcome '{outcome}' the same answer: "
                            "there is no variance for the drivers to explain.")
    corr = weighted_correlation(x, w)
    if _singular(corr[None, :k, :k])[0] or not np.isfinite(corr).all():
        return _unavailable(outcome, kind, n, "singular",
                            "The drivers' correlation matrix is singular (a constant or "
                            "collinear driver): R² cannot be split among them.")
    shapley_withheld = "too_many_drivers" if k > MAX_SHAPLEY else None
    point = all_methods(corr[None], shapley=shapley_withheld is None)[0]
    settings = _settings(estimate)
    inference, withheld, summary, table = "none", "no_bootstrap", None, None
    if settings is not None:
        boot_shapley = shapley_withheld is None and 2 ** k * settings.resamples <= \
            MAX_SHAPLEY_BOOTSTRAP
        if shapley_withheld is None and not boot_shapley:
            shapley_withheld = "too_many_subsets"
        labels = ([("r2", outcome, "")] + [("regression", d, "") for d in drivers]
                  + [("relative_weight", d, "") for d in drivers]
                  + [("shapley", d, "") for d in drivers])
        result = run_bootstrap(_Statistic(x, w, boot_shapley), labels, point, n, settings,
                               jackknife=False, method="driver_triangulation")
        summary = result.summary()
        if result.usability.inference:
            inference, withheld = "bootstrap", None
            table = result.table()[["pct_low", "pct_high"]].to_numpy()
        else:
            withheld = "bootstrap_unusable"
    sem = {p.driver: p.importance for p in ipma_points
           if p.target == target and p.kind in ("construct", "dimension")}

    def ci(col: int) -> tuple[float, float] | None:
        if table is None or not np.isfinite(table[col]).all():
            return None
        return float(table[col, 0]), float(table[col, 1])

    has_shapley = shapley_withheld != "too_many_drivers"
    shares = tuple(
        DriverShare(d, sem.get(d), float(point[1 + j]), ci(1 + j), float(point[1 + k + j]),
                    ci(1 + k + j),
                    float(point[1 + 2 * k + j]) if has_shapley else None,
                    ci(1 + 2 * k + j) if has_shapley else None)
        for j, d in enumerate(drivers))
    out = DriverTriangulation(
        True, outcome, kind, n, shares, float(point[0]), ci(0), inference, withheld,
        settings.level if settings is not None else None, summary, shapley_withheld)
    return replace(out, agreement=agreement(out, bound, ipma_points, priorities))


def _settings(estimate: Estimate) -> BootstrapSettings | None:
    """The headline estimate's bootstrap settings, on one worker (the run is a fraction of a
    second; a process pool would cost more than it saves)."""
    boot = estimate.bootstrap
    if boot is None:
        return None
    return replace(boot.settings, workers=1)


def agreement(tri: DriverTriangulation, bound: BoundModel, ipma_points: Sequence[IpmaPoint],
              priorities: Sequence[str]) -> Agreement | None:
    """Which methods agree with the priority rule's top drivers (see the module docstring);
    None without IPMA points (no rule to compare with)."""
    target = bound.model.target
    mine = [p for p in ipma_points if p.target == target]
    compared = [d.driver for d in tri.drivers]
    if not mine or not compared:
        return None
    first = improve_first(mine)
    second = dict(bound.second_order)
    in_line = set(first) | {d for h in first for d in second.get(h, ())}
    top = [d for d in priorities if d in in_line and d in compared][:RULE_TOP]
    basis = "improve_first"
    if not top:
        top = [d for d in priorities if d in compared][:1]
        basis = "first"
    if not top:
        return None
    # A driver is judged among its peers, as the IPMA split its quadrant: the dimensions of
    # the same higher-order construct, or the drivers that are no dimension.
    parent = {d: h for h, dims in second.items() for d in dims}
    methods: dict[str, dict[str, Any]] = {}
    for m in CHECKED:
        values = {d.driver: d.importance(m) for d in tri.drivers}
        if any(v is None for v in values.values()):
            continue

        def above(d: str, values: Mapping[str, float | None] = values) -> bool:
            peers = [v for x, v in values.items() if parent.get(x) == parent.get(d)]
            return values[d] >= float(np.mean(peers))

        agree = [d for d in top if above(d)]
        methods[m] = {"agree": agree, "differ": [d for d in top if d not in agree],
                      "top": max(compared, key=lambda d: (values[d], d))}
    return Agreement(tuple(top), basis, methods)
