"""Segments: indices by respondent group, customer value tiers, and group comparisons.

* :func:`estimate_segments` splits the respondents by any column (screening, profile, an age
  band the caller made, value tiers) and estimates the model on each level's rows alone, with
  the estimator settings of the whole study. A level's numbers are exactly those of
  ``estimate_pls`` / ``estimate_cbsem`` on its rows: nothing is borrowed from the other levels
  (missing answers are replaced by the level's own item means). Levels below
  :func:`minimum_n` are listed with their n and the reason, not estimated.
* :func:`value_tiers` ranks customers by a spend or value column into the value pyramid of
  the source material (SOURCE.md §3): platinum = top 1 % of customers, gold = next 4 %, iron =
  next 15 %, lead = the other 80 %, with each tier's share of total value (the 80/20 pattern).
* :func:`compare_levels` / :func:`compare_segments` test the differences between levels.
  PLS: permutation tests (Chin & Dibbern 2010, "An introduction to a permutation based
  procedure for multi-group PLS analysis", in Handbook of Partial Least Squares, 171-193) of
  every path and every 0-100 index, after MICOM (Henseler, Ringle & Sarstedt 2016, "Testing
  measurement invariance of composites using partial least squares", International Marketing
  Review 33(3), 405-431). CB-SEM: configural, metric and scalar invariance by likelihood
  ratio in a two-group ML model (:mod:`survey.estimators.multigroup`), and path differences by
  likelihood ratio inside the metric (equal-loadings) model: each path held equal (1 df) and
  all paths together. With case weights the levels are estimated weighted, but not compared by
  CB-SEM (:data:`CBSEM_WEIGHTED_COMPARISON` says why).

Why the permutations are batched. A group's PLS estimate is the estimate under frequency
weights 1 on its rows and 0 elsewhere, so the two groups of P permutations are 2P weight
vectors over the pooled rows, and every moment PLS needs is a matrix product of those vectors
with per-row features computed once (the same idea as ``survey.estimators.prepare.
weighted_moments``). The moments include the group-wise mean replacement of missing answers:
with f the weights, O_j the observed indicator of item j, x the centred answers (0 where
missing) and m_j = f'(O_j x_j) / f'O_j the group's mean of the observed answers,
sum_i f_i x~_ij x~_ik = f'(x_j x_k) + m_k f'(x_j (1 - O_k)) + m_j f'(x_k (1 - O_j))
+ m_j m_k f'((1 - O_j)(1 - O_k)), so a permuted group is treated exactly as it would be if it
were estimated alone. The pooled moments of a permutation follow from its two groups'. No
Python loop per permutation.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from survey.assess import CRITERIA
from survey.errors import EstimationError, Problem, ResponseValidationError
from survey.estimators import (
    ESTIMATORS,
    METRIC,
    MISSING,
    SCALAR,
    BatchedPls,
    Equalities,
    LatentMean,
    LikelihoodRatio,
    MultiGroupFit,
    MultiGroupModel,
    case_weights,
    check_items,
    correlation_from_cov,
    estimate_model,
    lr_test,
)
from survey.estimators.bootstrap import BootstrapSettings
from survey.estimators.result import Estimate
from survey.estimators.sample_size import minimum_n
from survey.numbers import finite as _num
from survey.pathmodel import BoundModel

#: The value pyramid of SOURCE.md §3: tier and its share of customers, from the top.
TIERS: tuple[tuple[str, float], ...] = (("platinum", 0.01), ("gold", 0.04), ("iron", 0.15),
                                        ("lead", 0.80))

#: Default number of permutations and permutations per batch (3 x CHUNK correlation matrices:
#: group 1, group 2 and the pooled data of each permutation).
PERMUTATIONS = 1000
CHUNK = 100


# --------------------------------------------------------------------------- levels


def _level_key(value: Any) -> str | None:
    """A segment value as the level's string; None for a missing value (NaN, None, empty).
    Integral numbers print without decimals (1.0 -> "1"), as questionnaire codes do."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        text = value.strip()
        return text or None
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if not math.isfinite(value):
            return None
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return str(value)


def segment_labels(data: pd.DataFrame, column: str, *, source: str = "data") -> pd.Series:
    """The level of every respondent in ``column`` as a string (None where missing), indexed
    like ``data``."""
    if column not in data.columns:
        raise ResponseValidationError(Problem(source, f"Segment column '{column}' is not in the "
                                                      f"data. Expected one of "
                                                      f"{list(map(str, data.columns))}."))
    return pd.Series([_level_key(v) for v in data[column]], index=data.index, dtype=object,
                     name=column)


def _ordered_levels(data: pd.DataFrame, column: str, labels: pd.Series) -> list[str]:
    """Levels in a natural order: an ordered categorical's order (value tiers), numbers by
    value, else text."""
    present = {x for x in labels if x is not None}
    col = data[column]
    if isinstance(col.dtype, pd.CategoricalDtype):
        order = [_level_key(c) for c in col.cat.categories]
        return [x for x in order if x in present]
    try:
        return sorted(present, key=float)
    except ValueError:
        return sorted(present)


@dataclass(frozen=True)
class _Spec:
    """Estimator settings shared by every level and every group of a comparison."""

    method: str
    missing: str
    scheme: str
    hoc: str
    weights: str | None

    @classmethod
    def make(cls, method: str, missing: str | None, scheme: str, hoc: str,
             weights: str | None) -> _Spec:
        if method not in ESTIMATORS:
            raise EstimationError(f"Unknown method {method!r}. Expected one of "
                                  f"{list(ESTIMATORS)}.")
        missing = missing or MISSING[method][0]
        if missing not in MISSING[method]:
            raise EstimationError(f"Missing-data treatment {missing!r} is not available for "
                                  f"{method}. Expected one of {list(MISSING[method])}.")
        return cls(method, missing, scheme, hoc, weights)

    def estimate(self, bound: BoundModel, rows: pd.DataFrame, *, source: str,
                 bootstrap: BootstrapSettings | None = None,
                 interval: str = "percentile") -> Estimate:
        return estimate_model(self.method, bound, rows, missing=self.missing,
                              scheme=self.scheme, hoc=self.hoc, weights=self.weights,
                              bootstrap=bootstrap, interval=interval, source=source)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method, "missing": self.missing,
                               "weights_column": self.weights}
        if self.method == "pls":
            out.update(scheme=self.scheme, higher_order=self.hoc)
        return out


#: Why two levels are not compared by weighted CB-SEM (each level is estimated weighted).
CBSEM_WEIGHTED_COMPARISON = (
    "Levels are not compared by CB-SEM with case weights: the invariance and path tests are "
    "likelihood-ratio tests, and under sampling weights lavaan replaces them by the scaled "
    "(Satorra-Bentler 2001) difference of the Yuan-Bentler statistics, which the multi-group "
    "model does not compute yet; the plain difference of weighted likelihoods is not "
    "chi-square distributed. Compare the levels with --method pls (permutation tests), or "
    "without weights.")


# --------------------------------------------------------------------------- estimates by level


@dataclass(frozen=True)
class LevelEstimate:
    """One level of a segment: its n and, when it was estimated, the estimate on its rows."""

    segment: str
    level: str
    n: int
    estimate: Estimate | None
    #: Why a level was not estimated: "too_few" (n below ``min_n``) or "failed" (``error``).
    reason: str = ""
    min_n: int | None = None
    error: str = ""

    @property
    def estimated(self) -> bool:
        return self.estimate is not None

    @property
    def note(self) -> str:
        """Why the level was not estimated, as a sentence ('' when it was)."""
        if self.reason == "too_few":
            return (f"Not estimated: {self.n} respondents, fewer than the {self.min_n} this "
                    "model needs.")
        return f"Not estimated: {self.error}" if self.reason == "failed" else ""

    def index(self, latent: str) -> float | None:
        if self.estimate is None:
            return None
        return self.estimate.index(latent)

    def to_json(self) -> dict[str, Any]:
        """``{"segment", "level", "n", "indices": {latent: value}, "ci": {latent: [low,
        high]}, "paths": [{"from", "to", "estimate", "std_estimate", "ci_low", "ci_high",
        "p_value"}], "note", "estimated", "warnings"}``; numbers null where undefined."""
        est = self.estimate
        out: dict[str, Any] = {"segment": str(self.segment), "level": str(self.level),
                               "n": int(self.n), "estimated": est is not None,
                               "indices": {}, "ci": {}, "paths": [], "note": self.note,
                               "warnings": []}
        if est is not None:
            out["indices"] = {i.latent: _num(i.value) for i in est.indices}
            out["ci"] = {i.latent: [_num(i.ci_low), _num(i.ci_high)] for i in est.indices}
            out["paths"] = [{"from": p.source, "to": p.target, "estimate": _num(p.estimate),
                             "std_estimate": _num(p.std_estimate), "ci_low": _num(p.ci_low),
                             "ci_high": _num(p.ci_high), "p_value": _num(p.p_value)}
                            for p in est.paths]
            out["warnings"] = list(est.warnings)
            out["warning_codes"] = [n.to_json() for n in est.notices]
        return out


@dataclass(frozen=True)
class SegmentResult:
    """Every level of one segment column, in natural order."""

    segment: str
    levels: tuple[LevelEstimate, ...]
    n_total: int
    n_unassigned: int
    min_n: int
    settings: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "settings", MappingProxyType(dict(self.settings)))

    def level(self, value: Any) -> LevelEstimate:
        key = _level_key(value)
        for x in self.levels:
            if x.level == key:
                return x
        raise KeyError(value)

    def to_json(self) -> dict[str, Any]:
        return {"segment": str(self.segment), "n_total": self.n_total,
                "n_unassigned": self.n_unassigned, "min_n": self.min_n,
                "settings": dict(self.settings),
                "note": (f"{self.n_unassigned} of {self.n_total} respondents have no value in "
                         f"'{self.segment}' and belong to no level.") if self.n_unassigned else "",
                "levels": [x.to_json() for x in self.levels]}


def estimate_segments(bound: BoundModel, data: pd.DataFrame, column: str, *,
                      method: str = "pls", missing: str | None = None, scheme: str = "path",
                      hoc: str = "repeated", weights: str | None = None,
                      bootstrap: BootstrapSettings | None = None, interval: str = "percentile",
                      min_n: int | None = None, source: str = "data") -> SegmentResult:
    """Estimate the model on each level of ``column`` separately.

    ``data``: a ResponseSet's ``data`` (item columns as floats, NaN for missing) holding
    ``column``. Respondents with no value in ``column`` form no level (counted in
    ``n_unassigned``). Each level is estimated on its rows alone with the given settings (as
    :func:`survey.estimators.pls.estimate_pls` / :func:`survey.estimators.cbsem.estimate_cbsem`);
    with ``bootstrap`` its indices get bootstrap intervals (``interval``). A level smaller
    than ``min_n`` (default :func:`minimum_n`) or whose estimation fails is reported with
    its n and the reason instead.
    """
    spec = _Spec.make(method, missing, scheme, hoc, weights)
    labels = segment_labels(data, column, source=source)
    floor = minimum_n(bound, spec.method) if min_n is None else int(min_n)
    out = []
    for level in _ordered_levels(data, column, labels):
        rows = data[labels == level]
        n = len(rows)
        where = f"{source} [{column} = {level}]"
        if n < floor:
            out.append(LevelEstimate(column, level, n, None, "too_few", min_n=floor))
            continue
        try:
            est = spec.estimate(bound, rows, source=where, bootstrap=bootstrap,
                                interval=interval)
        except EstimationError as exc:
            out.append(LevelEstimate(column, level, n, None, "failed", error=str(exc)))
            continue
        out.append(LevelEstimate(column, level, n, est))
    return SegmentResult(column, tuple(out), len(data), int(labels.isna().sum()), floor,
                         {**spec.to_json(), "bootstrap": None if bootstrap is None else
                          {"resamples": bootstrap.resamples, "seed": bootstrap.seed,
                           "level": bootstrap.level, "interval": interval}})


# --------------------------------------------------------------------------- value tiers


@dataclass(frozen=True)
class TierSummary:
    """One tier: its customers and their value."""

    tier: str
    nominal_share: float
    n: int
    customer_share: float
    value: float
    value_share: float | None
    min_value: float | None
    max_value: float | None


@dataclass(frozen=True)
class ValueTiers:
    """Customer value tiers of one column. ``labels`` (indexed like the data, an ordered
    categorical, NaN where the value is missing) is a segment column like any other:
    ``data.assign(value_tier=tiers.labels)``."""

    column: str
    labels: pd.Series
    tiers: tuple[TierSummary, ...]
    n_ranked: int
    n_missing: int
    total_value: float

    def to_json(self) -> dict[str, Any]:
        return {"column": self.column, "n_ranked": self.n_ranked, "n_missing": self.n_missing,
                "total_value": self.total_value,
                "rule": "customers ranked by value, highest first; a tier holds the customers "
                        "whose rank lies within its cumulative share of customers (the count "
                        "rounded down); customers with equal value share the higher tier",
                "tiers": [{"tier": t.tier, "nominal_share": t.nominal_share, "n": t.n,
                           "customer_share": t.customer_share, "value": t.value,
                           "value_share": t.value_share, "min_value": t.min_value,
                           "max_value": t.max_value} for t in self.tiers]}


def value_tiers(data: pd.DataFrame, column: str, *,
                tiers: Sequence[tuple[str, float]] = TIERS, source: str = "data") -> ValueTiers:
    """Rank customers by ``column`` (spend, profit, lifetime value) into value tiers.

    Tiers are cut by cumulative share of *customers*: with N ranked customers, the first
    floor(N x 1 %) ranks are platinum, ranks up to floor(N x 5 %) gold, up to floor(N x 20 %)
    iron, the rest lead (so with N = 100, 1/4/15/80 customers; a tier never exceeds its share
    because of rounding, and below 100 customers there is no platinum tier member). Ties: customers
    with the same value always share a tier, the higher of the tiers their ranks span (a tie
    across a boundary makes the upper tier larger than its share; ``customer_share`` says by
    how much). Missing values (empty, NaN) are not ranked. A value that is not a number, is
    negative or infinite raises :class:`ResponseValidationError` naming the column and rows.
    """
    names = [t for t, _ in tiers]
    shares = np.array([s for _, s in tiers], float)
    if len(set(names)) != len(names) or (shares <= 0).any() or abs(shares.sum() - 1) > 1e-9:
        raise EstimationError(f"Value tiers must have distinct names and positive shares that "
                              f"sum to 1. Got {list(tiers)} instead.")
    if column not in data.columns:
        raise ResponseValidationError(Problem(source, f"Value column '{column}' is not in the "
                                                      f"data. Expected one of "
                                                      f"{list(map(str, data.columns))}."))
    raw = data[column]
    text = raw.astype(object).where(raw.notna(), None)
    blank = text.map(lambda v: v is None or (isinstance(v, str) and not v.strip()))
    values = pd.to_numeric(raw.where(~blank), errors="coerce").astype(float)
    bad = ~blank & ~np.isfinite(values.to_numpy())
    bad |= values.to_numpy() < 0
    if bad.any():
        problems = []
        for row in data.index[bad]:
            v = raw.loc[row]
            problems.append(Problem(f"{source}:{row}: column '{column}'",
                                    f"Value {str(v)!r} is not a non-negative number. Expected "
                                    "an amount >= 0 (leave it empty when unknown).",
                                    row=int(row) if isinstance(row, int | np.integer) else None,
                                    column=column, value=str(v)))
        raise ResponseValidationError(problems)
    valid = ~blank.to_numpy()
    v = values.to_numpy()[valid]
    n = v.size
    order = np.argsort(-v, kind="stable")
    cut = np.floor(np.round(n * np.cumsum(shares), 9)).astype(int)
    cut[-1] = n
    position_tier = np.searchsorted(cut, np.arange(n), side="right")
    sorted_v = v[order]
    # Equal values share the highest tier any of them reaches (runs of equal sorted values).
    starts = np.flatnonzero(np.r_[True, sorted_v[1:] != sorted_v[:-1]]) if n else np.array([], int)
    run_tier = np.minimum.reduceat(position_tier, starts) if n else position_tier
    run_id = np.cumsum(np.r_[True, sorted_v[1:] != sorted_v[:-1]]) - 1 if n else position_tier
    tier_of = np.empty(n, int)
    tier_of[order] = run_tier[run_id] if n else tier_of
    codes = np.full(len(data), -1)
    codes[np.flatnonzero(valid)] = tier_of
    labels = pd.Series(pd.Categorical.from_codes(codes, categories=names, ordered=True),
                       index=data.index, name=f"{column}_tier")
    total = float(v.sum())
    summary = []
    for k, (name, share) in enumerate(tiers):
        mine = v[tier_of == k]
        summary.append(TierSummary(
            name, float(share), int(mine.size), mine.size / n if n else 0.0, float(mine.sum()),
            float(mine.sum()) / total if total > 0 else None,
            float(mine.min()) if mine.size else None, float(mine.max()) if mine.size else None))
    return ValueTiers(column, labels, tuple(summary), n, int(len(data) - n), total)


# --------------------------------------------------------------------------- comparisons: shared


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjustment (Holm 1979, Scand. J. Statistics 6, 65-70); None stays None."""
    idx = [i for i, p in enumerate(p_values) if p is not None and math.isfinite(p)]
    out: list[float | None] = [None] * len(p_values)
    m = len(idx)
    running = 0.0
    for rank, i in enumerate(sorted(idx, key=lambda i: p_values[i])):
        running = max(running, min(1.0, (m - rank) * float(p_values[i])))
        out[i] = running
    return out


@dataclass(frozen=True)
class ParameterTest:
    """The difference of one path or index between two levels and its test.

    ``kind`` 'path' (``a`` -> ``b``), 'index' (``a`` the latent), or 'loading' (CB-SEM's
    heuristic per-loading comparison, ``a`` the latent, ``b`` the item). ``test``:
    'permutation' (PLS), 'lr' (CB-SEM paths: likelihood ratio of the two-group equal-loadings
    model against it with the parameter held equal; ``chi2`` and ``df`` the chi2 difference
    and its df), 'wald' (CB-SEM loadings, independent samples) or 'none'. ``p_holm``:
    Holm-adjusted over the pairs of levels compared for this parameter. ``comparable``:
    whether the measurement invariance the comparison needs was established (None: not
    assessed).
    """

    kind: str
    a: str
    b: str
    value_1: float | None
    value_2: float | None
    difference: float | None
    p_value: float | None
    test: str
    p_holm: float | None = None
    interval: tuple[float | None, float | None] = (None, None)
    comparable: bool | None = None
    note: str = ""
    chi2: float | None = None
    df: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.kind == "path":
            out.update({"from": self.a, "to": self.b})
        elif self.kind == "index":
            out["latent"] = self.a
        else:
            out.update({"latent": self.a, "item": self.b})
        out.update({"value_1": _num(self.value_1), "value_2": _num(self.value_2),
                    "difference": _num(self.difference), "p_value": _num(self.p_value),
                    "p_holm": _num(self.p_holm), "test": self.test,
                    "null_interval": [_num(self.interval[0]), _num(self.interval[1])],
                    "comparable": self.comparable, "note": self.note})
        if self.test == "lr":
            out.update({"chi2_difference": _num(self.chi2), "df_difference": self.df})
        return out


@dataclass(frozen=True)
class MicomConstruct:
    """MICOM steps 2 and 3 for one construct (Henseler et al. 2016, Table 2).

    ``c``: correlation of the composite built with group 1's weights and with group 2's, on the
    pooled data; ``c_quantile`` the alpha quantile of its permutation distribution and ``c_p``
    the share of permutations with a c at most as large. Step 3 on the pooled-weights
    composite, standardized on the pooled data: mean difference (group 1 - group 2) and log
    variance ratio log(var_1 / var_2) with their permutation intervals and p-values. The
    decisions (``compositional``, ``equal_mean``, ``equal_variance``) use the Holm-adjusted
    p-values over the constructs (``*_p_holm``), so the familywise error of each step is alpha.
    """

    latent: str
    c: float
    c_quantile: float
    c_p: float
    compositional: bool
    mean_difference: float
    mean_interval: tuple[float, float]
    mean_p: float
    equal_mean: bool
    log_variance_ratio: float
    variance_interval: tuple[float, float]
    variance_p: float
    equal_variance: bool
    c_p_holm: float | None = None
    mean_p_holm: float | None = None
    variance_p_holm: float | None = None

    @property
    def invariance(self) -> str:
        """'full' (composition, means and variances), 'partial' (composition) or 'none'."""
        if not self.compositional:
            return "none"
        return "full" if self.equal_mean and self.equal_variance else "partial"

    def to_json(self) -> dict[str, Any]:
        return {"latent": self.latent, "c": _num(self.c), "c_quantile": _num(self.c_quantile),
                "c_p_value": _num(self.c_p), "compositional_invariance": self.compositional,
                "mean_difference": _num(self.mean_difference),
                "mean_interval": [_num(x) for x in self.mean_interval],
                "mean_p_value": _num(self.mean_p), "equal_mean": self.equal_mean,
                "log_variance_ratio": _num(self.log_variance_ratio),
                "variance_interval": [_num(x) for x in self.variance_interval],
                "variance_p_value": _num(self.variance_p), "equal_variance": self.equal_variance,
                "c_p_holm": _num(self.c_p_holm), "mean_p_holm": _num(self.mean_p_holm),
                "variance_p_holm": _num(self.variance_p_holm),
                "invariance": self.invariance}


#: MICOM step 1, as this module establishes it.
CONFIGURAL = ("Configural invariance holds by construction: both groups are estimated with the "
              "same model (constructs, items, paths, modes), the same PLS settings (scheme, "
              "higher-order method, tolerance, sign rule) and the same data treatment, each "
              "group's missing answers replaced by that group's own item means (mean "
              "replacement) or its incomplete respondents dropped (listwise), exactly as when "
              "the group is estimated alone.")


@dataclass(frozen=True)
class Micom:
    """MICOM for one pair of groups: step 1 (stated), steps 2-3 per construct, the verdict."""

    constructs: tuple[MicomConstruct, ...]
    alpha: float
    configural: str = CONFIGURAL

    @property
    def verdict(self) -> str:
        """'full', 'partial' or 'no' measurement invariance (Henseler et al. 2016, Fig. 3)."""
        kinds = {x.invariance for x in self.constructs}
        if "none" in kinds:
            return "no"
        return "full" if kinds == {"full"} else "partial"

    def construct(self, latent: str) -> MicomConstruct:
        for x in self.constructs:
            if x.latent == latent:
                return x
        raise KeyError(latent)

    def note(self) -> str:
        failed = [x.latent for x in self.constructs if not x.compositional]
        text = {"full": "Full measurement invariance: the groups' composites are built alike "
                        "and have equal means and variances; path and index comparisons are "
                        "meaningful (and the groups could be pooled).",
                "partial": "Partial measurement invariance: the composites are built alike, "
                           "so paths and index levels can be compared; their means or "
                           "variances differ between the groups.",
                "no": f"No measurement invariance: the composites of {failed} are built "
                      "differently in the two groups (MICOM step 2), so their indices and the "
                      "paths into and out of them are not comparable between the groups."}
        return text[self.verdict]

    def to_json(self) -> dict[str, Any]:
        return {"configural": self.configural, "alpha": self.alpha,
                "constructs": [x.to_json() for x in self.constructs],
                "verdict": self.verdict, "note": self.note(),
                "meaning": "Comparing index levels or paths between groups is meaningful only "
                           "under (at least partial) measurement invariance."}


@dataclass(frozen=True)
class CbsemGroupFit:
    """Fit of one CB-SEM model (a group, or the multi-group total)."""

    chi2: float | None
    df: int | None
    cfi: float | None
    tli: float | None
    rmsea: float | None
    n: int

    def to_json(self) -> dict[str, Any]:
        return {"chi2": _num(self.chi2), "df": self.df, "cfi": _num(self.cfi),
                "tli": _num(self.tli), "rmsea": _num(self.rmsea), "n": self.n}


#: What the scalar model holds equal and frees (survey.estimators.multigroup explains why).
SCALAR_CONSTRAINTS = (
    "Loadings and item intercepts equal in both groups; latent means 0 in the first group and "
    "free in the second (lavaan's group.equal = c(\"loadings\", \"intercepts\")). A "
    "single-item construct's intercept stays free in each group, as a structural intercept (one "
    "item cannot separate an intercept from a latent mean). A second-order construct: its dimensions' item intercepts "
    "equal, the dimensions' own intercepts 0 in both groups, the second-order mean free in "
    "the second group (Chen, Sousa & West 2005).")


@dataclass(frozen=True)
class InvarianceStep:
    """A two-group model restricting the metric (equal-loadings) model, tested against it by
    likelihood ratio: ``scalar`` (equal item intercepts, with the second group's latent means)
    or ``paths_equal`` (every structural path equal: the omnibus test of the path
    differences)."""

    name: str
    against: str
    fit: CbsemGroupFit | None
    chi2_difference: float | None = None
    df_difference: int | None = None
    p_value: float | None = None
    cfi_difference: float | None = None
    reason: str = ""
    latent_means: tuple[LatentMean, ...] = ()

    @property
    def holds(self) -> bool | None:
        """The restriction not rejected by the likelihood-ratio test at the significance level
        (None: not run)."""
        return None if self.p_value is None else self.p_value >= CRITERIA.alpha

    def to_json(self) -> dict[str, Any]:
        if self.fit is None:
            return {"available": False, "reason": self.reason}
        out: dict[str, Any] = {
            "available": True, "against": self.against, "fit": self.fit.to_json(),
            "chi2_difference": _num(self.chi2_difference), "df_difference": self.df_difference,
            "p_value": _num(self.p_value), "cfi_difference": _num(self.cfi_difference),
            "holds": self.holds}
        if self.name == "scalar":
            out.update(
                constraints=SCALAR_CONSTRAINTS,
                latent_means=[{"latent": m.latent, "mean_1": 0.0, "mean_2": _num(m.estimate),
                               "difference": _num(-m.estimate), "se": _num(m.se),
                               "p_value": _num(m.p_value)} for m in self.latent_means],
                note="Equal intercepts are rejected when the likelihood-ratio test against the "
                     "metric model has p < 0.05 (with large samples also look at the CFI "
                     "difference, Cheung & Rensvold 2002). Latent means: the first group's are "
                     "0; mean_2 is the second group's in the unit of the construct's marker "
                     "item, difference = level_1 - level_2, standard errors from the observed "
                     "information; comparable only when scalar invariance holds.")
        else:
            out["note"] = ("Omnibus test of the path differences: every structural path held "
                           "equal in the equal-loadings model; the paths' own tests are the "
                           "'lr' rows of the pair's tests.")
        return out


@dataclass(frozen=True)
class CbsemInvariance:
    """Configural, metric and scalar invariance of a CB-SEM model across two groups, and the
    omnibus test of equal paths."""

    groups: Mapping[str, CbsemGroupFit]
    configural: CbsemGroupFit
    metric: CbsemGroupFit | None
    metric_reason: str
    chi2_difference: float | None
    df_difference: int | None
    p_value: float | None
    cfi_difference: float | None
    method: str
    scalar: InvarianceStep | None = None
    paths_equal: InvarianceStep | None = None

    @property
    def metric_holds(self) -> bool | None:
        """Equal loadings not rejected by the likelihood-ratio test at the significance level
        (None: not run)."""
        return None if self.p_value is None else self.p_value >= CRITERIA.alpha

    def to_json(self) -> dict[str, Any]:
        metric: dict[str, Any]
        if self.metric is None:
            metric = {"available": False, "reason": self.metric_reason}
        else:
            metric = {"available": True, "fit": self.metric.to_json(),
                      "chi2_difference": _num(self.chi2_difference),
                      "df_difference": self.df_difference, "p_value": _num(self.p_value),
                      "cfi_difference": _num(self.cfi_difference),
                      "holds": self.metric_holds, "method": self.method,
                      "note": "Equal loadings are rejected when the likelihood-ratio test has "
                              "p < 0.05; with large samples also look at the CFI difference "
                              "(a drop of more than 0.01 signals non-invariance; Cheung & "
                              "Rensvold 2002, SEM 9(2))."}
        return {"configural": {"groups": {k: v.to_json() for k, v in self.groups.items()},
                               "total": self.configural.to_json(),
                               "note": "Each group fitted separately with the same model; the "
                                       "total is the sum of the groups' chi2 and df (the "
                                       "multi-group configural model), RMSEA with the "
                                       "multi-group correction sqrt(G) (as lavaan)."},
                "metric": metric,
                "scalar": None if self.scalar is None else self.scalar.to_json(),
                "paths_equal": None if self.paths_equal is None else self.paths_equal.to_json()}


@dataclass(frozen=True)
class PairComparison:
    """Two levels of a segment compared: every test, MICOM (PLS) or the invariance steps
    (CB-SEM), the permutation run's bookkeeping, and the group estimates behind them."""

    segment: str
    level_1: str
    level_2: str
    n_1: int
    n_2: int
    method: str
    tests: tuple[ParameterTest, ...]
    micom: Micom | None = None
    cbsem: CbsemInvariance | None = None
    permutations: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""
    #: The groups' own estimates (the numbers the differences are taken from).
    estimates: tuple[Estimate | None, Estimate | None] = field(default=(None, None),
                                                               compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "permutations", MappingProxyType(dict(self.permutations)))

    def test(self, kind: str, a: str, b: str = "") -> ParameterTest:
        for t in self.tests:
            if (t.kind, t.a, t.b) == (kind, a, b):
                return t
        raise KeyError((kind, a, b))

    def table(self) -> pd.DataFrame:
        """One row per test: kind, a, b, value_1, value_2, difference, p_value, p_holm, ..."""
        return pd.DataFrame([{"kind": t.kind, "a": t.a, "b": t.b, "value_1": t.value_1,
                              "value_2": t.value_2, "difference": t.difference,
                              "p_value": t.p_value, "p_holm": t.p_holm, "test": t.test,
                              "chi2": t.chi2, "df": t.df, "comparable": t.comparable}
                             for t in self.tests])

    def to_json(self) -> dict[str, Any]:
        return {"segment": str(self.segment), "level_1": self.level_1, "level_2": self.level_2,
                "n": {self.level_1: self.n_1, self.level_2: self.n_2}, "method": self.method,
                "difference": "level_1 - level_2",
                "tests": [t.to_json() for t in self.tests],
                "micom": None if self.micom is None else self.micom.to_json(),
                "cbsem": None if self.cbsem is None else self.cbsem.to_json(),
                "permutations": dict(self.permutations), "note": self.note}


@dataclass(frozen=True)
class SegmentComparison:
    """Every pair of levels of one segment compared."""

    segment: str
    levels: tuple[str, ...]
    pairs: tuple[PairComparison, ...]
    note: str = ""

    def pair(self, level_1: Any, level_2: Any) -> PairComparison:
        a, b = _level_key(level_1), _level_key(level_2)
        for p in self.pairs:
            if (p.level_1, p.level_2) in ((a, b), (b, a)):
                return p
        raise KeyError((level_1, level_2))

    def to_json(self) -> dict[str, Any]:
        return {"segment": str(self.segment), "levels": list(self.levels), "note": self.note,
                "p_adjust": "holm, over the pairs of levels for each parameter",
                "pairs": [p.to_json() for p in self.pairs]}


def compare_levels(bound: BoundModel, data: pd.DataFrame, column: str, level_1: Any,
                   level_2: Any, *, method: str = "pls", missing: str | None = None,
                   scheme: str = "path", hoc: str = "repeated", weights: str | None = None,
                   permutations: int = PERMUTATIONS, seed: int = 2026, alpha: float = CRITERIA.alpha,
                   min_n: int | None = None, source: str = "data",
                   cache: dict[Any, Estimate] | None = None) -> PairComparison:
    """Compare two levels of ``column``.

    PLS: MICOM, then permutation tests of the difference (level_1 - level_2) of every path
    and every construct's 0-100 index: the groups' rows are pooled, group membership is
    permuted ``permutations`` times (group sizes kept), both groups re-estimated each time;
    p = (1 + #{|d_perm| >= |d_obs|}) / (1 + permutations that succeeded). Reproducible from
    ``seed`` (permutation chunk c is drawn from ``SeedSequence(seed, spawn_key=(c,))``).
    CB-SEM: configural, metric and scalar invariance (likelihood ratio; ``cbsem``), each
    path's difference by a likelihood-ratio test inside the equal-loadings model (test 'lr')
    plus the omnibus test of all paths (``cbsem.paths_equal``), Wald tests of each loading as
    a heuristic; index differences without a test.
    A level below ``min_n`` (default :func:`minimum_n`) is not compared; the result says why.
    ``cache``: each level's estimate by level, filled and reused (a level of several pairs is
    estimated once).
    """
    spec = _Spec.make(method, missing, scheme, hoc, weights)
    labels = segment_labels(data, column, source=source)
    a, b = _level_key(level_1), _level_key(level_2)
    present = set(labels.dropna())
    for x in (a, b):
        if x not in present:
            raise EstimationError(Problem(source, f"Level {x!r} does not occur in column "
                                                  f"'{column}'. Expected one of "
                                                  f"{sorted(present)}."))
    if a == b:
        raise EstimationError(f"Compare two different levels of '{column}'. Got {a!r} twice.")
    rows_1, rows_2 = data[labels == a], data[labels == b]
    floor = minimum_n(bound, spec.method) if min_n is None else int(min_n)
    small = [(x, len(r)) for x, r in ((a, rows_1), (b, rows_2)) if len(r) < floor]
    if small:
        text = "; ".join(f"level {x!r} has {n} respondents" for x, n in small)
        return PairComparison(column, a, b, len(rows_1), len(rows_2), spec.method, (),
                              note=f"Not compared: {text}, fewer than the {floor} this model "
                                   "needs.")
    where = (f"{source} [{column} = {a}]", f"{source} [{column} = {b}]")
    if spec.method != "pls" and spec.weights is not None:
        raise EstimationError(Problem(source, CBSEM_WEIGHTED_COMPARISON))
    cache = {} if cache is None else cache

    def estimate(level: Any, rows: pd.DataFrame, where: str) -> Estimate:
        if level not in cache:
            cache[level] = spec.estimate(bound, rows, source=where)
        return cache[level]

    if spec.method == "pls":
        return _compare_pls(bound, spec, column, (a, b), (rows_1, rows_2), where,
                            permutations, seed, alpha, estimate)
    return _compare_cbsem(bound, spec, column, (a, b), (rows_1, rows_2), where, estimate)


def compare_segments(bound: BoundModel, data: pd.DataFrame, column: str, *,
                     levels: Sequence[Any] | None = None, method: str = "pls",
                     missing: str | None = None, scheme: str = "path", hoc: str = "repeated",
                     weights: str | None = None, permutations: int = PERMUTATIONS,
                     seed: int = 2026, alpha: float = CRITERIA.alpha, min_n: int | None = None,
                     source: str = "data") -> SegmentComparison:
    """Compare every pair of ``levels`` (default: every level of ``column``) with
    :func:`compare_levels`. Each parameter's p-values are Holm-adjusted over the pairs
    (``p_holm``); every pair uses the same ``seed``."""
    labels = segment_labels(data, column, source=source)
    chosen = ([_level_key(x) for x in levels] if levels is not None
              else _ordered_levels(data, column, labels))
    pairs = []
    cache: dict[Any, Estimate] = {}
    for x, y in combinations(chosen, 2):
        try:
            pairs.append(compare_levels(bound, data, column, x, y, method=method,
                                        missing=missing, scheme=scheme, hoc=hoc,
                                        weights=weights, permutations=permutations, seed=seed,
                                        alpha=alpha, min_n=min_n, source=source, cache=cache))
        except EstimationError as exc:
            # One pair that cannot be estimated (a constant item in a level) does not stop
            # the others; it is listed with the reason.
            n_x, n_y = int((labels == x).sum()), int((labels == y).sum())
            pairs.append(PairComparison(column, x, y, n_x, n_y, method, (),
                                        note=f"Not compared: {exc}"))
    # Holm over the pairs, one family per parameter.
    families: dict[tuple[str, str, str], list[tuple[int, int]]] = {}
    for i, p in enumerate(pairs):
        for j, t in enumerate(p.tests):
            families.setdefault((t.kind, t.a, t.b), []).append((i, j))
    tests = [list(p.tests) for p in pairs]
    for members in families.values():
        adjusted = holm([tests[i][j].p_value for i, j in members])
        for (i, j), q in zip(members, adjusted, strict=True):
            tests[i][j] = replace(tests[i][j], p_holm=q)
    pairs = [replace(p, tests=tuple(t)) for p, t in zip(pairs, tests, strict=True)]
    m = len(pairs)
    note = ""
    if m > 1:
        note = (f"{m} pairs of levels are compared: at the 5 % level about {0.05 * m:.1f} "
                "differences per parameter would come out significant by chance if no level "
                "differed. Read p_holm (Holm-adjusted over the pairs of each parameter); the "
                "many paths and indices of one pair are a further family.")
    return SegmentComparison(column, tuple(chosen), tuple(pairs), note)


# --------------------------------------------------------------------------- PLS: moments


class _GroupMoments:
    """Weighted moments of groups of the pooled rows, each group's missing answers replaced by
    its own item means (see the module docstring for the formula).

    ``__call__(freq)`` with ``freq`` (k, n) returns per weight vector: total weight (k,),
    mean (k, q) of the filled answers and their second moments (k, q, q), both about
    ``self.center``.
    """

    def __init__(self, x: np.ndarray, weights: np.ndarray | None) -> None:
        self.w = weights
        obs = ~np.isnan(x)
        self.center = np.array([np.average(x[obs[:, j], j], weights=None if weights is None
                                           else weights[obs[:, j]]) for j in range(x.shape[1])])
        x0 = np.where(obs, x - self.center, 0.0)
        q = x.shape[1]
        self.q = q
        self.iu = np.triu_indices(q)
        self.x0 = x0
        self.obs = obs.astype(float)
        self.pairs = x0[:, self.iu[0]] * x0[:, self.iu[1]]
        self.miss = np.flatnonzero(~obs.all(axis=0))
        if self.miss.size:
            gap = 1.0 - self.obs[:, self.miss]
            m = self.miss.size
            # x_j (1 - O_k): j any item, k an item with gaps; and (1 - O_j)(1 - O_k).
            self.cross = (x0[:, :, None] * gap[:, None, :]).reshape(x.shape[0], q * m)
            self.ium = np.triu_indices(m)
            self.gaps = gap[:, self.ium[0]] * gap[:, self.ium[1]]

    def __call__(self, freq: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        f = freq if self.w is None else freq * self.w[None, :]
        k = f.shape[0]
        q = self.q
        total = f.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = (f @ self.x0) / (f @ self.obs)
        second = np.empty((k, q, q))
        upper = f @ self.pairs
        second[:, self.iu[0], self.iu[1]] = upper
        second[:, self.iu[1], self.iu[0]] = upper
        if self.miss.size:
            m = self.miss.size
            mm = mean[:, self.miss]
            part = (f @ self.cross).reshape(k, q, m) * mm[:, None, :]
            second[:, :, self.miss] += part
            second[:, self.miss, :] += np.swapaxes(part, 1, 2)
            gaps = np.zeros((k, m, m))
            g = f @ self.gaps
            gaps[:, self.ium[0], self.ium[1]] = g
            gaps[:, self.ium[1], self.ium[0]] = g
            second[:, self.miss[:, None], self.miss[None, :]] += \
                gaps * mm[:, :, None] * mm[:, None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            second /= total[:, None, None]
        return total, mean, second


@dataclass(frozen=True)
class _PairValues:
    """Statistics of k splits: per group paths (k, P) and indices (k, K); MICOM c (k, K),
    standardized mean difference and log variance ratio (k, K); failure reason per split."""

    paths: tuple[np.ndarray, np.ndarray]
    indices: tuple[np.ndarray, np.ndarray]
    c: np.ndarray
    mean_difference: np.ndarray
    log_variance_ratio: np.ndarray
    reasons: tuple[str, ...]


class _PlsPair:
    """Both groups' PLS estimates and MICOM statistics for k splits of the pooled rows at
    once: membership (k, n) of group 1 -> :class:`_PairValues`."""

    def __init__(self, kernel: BatchedPls, moments: _GroupMoments) -> None:
        self.kernel = kernel
        self.moments = moments

    def __call__(self, member: np.ndarray) -> _PairValues:
        k = member.shape[0]
        f = member.astype(float)
        total, mean, second = self.moments(np.concatenate([f, 1.0 - f]))
        t1, t2 = total[:k, None], total[k:, None]
        m1, m2 = mean[:k], mean[k:]
        mp = (t1 * m1 + t2 * m2) / (t1 + t2)
        ep = (t1[:, :, None] * second[:k] + t2[:, :, None] * second[k:]) / (t1 + t2)[:, :, None]
        means = np.concatenate([m1, m2, mp])
        cov = np.concatenate([second, ep]) - means[:, :, None] * means[:, None, :]
        r, sd = correlation_from_cov(cov)
        fit = self.kernel(r, means + self.moments.center, sd)
        v, idx, paths = fit.weights, fit.indices, fit.paths
        v1, v2, vp = v[:k], v[k:2 * k], v[2 * k:]
        rp, sdp = r[2 * k:], sd[2 * k:]
        with np.errstate(invalid="ignore", divide="ignore"):
            # Step 2: composites with each group's weights, on the pooled standardized data.
            cross = np.einsum("bqk,bqp,bpk->bk", v1, rp, v2)
            var1 = np.einsum("bqk,bqp,bpk->bk", v1, rp, v1)
            var2 = np.einsum("bqk,bqp,bpk->bk", v2, rp, v2)
            c = cross / np.sqrt(var1 * var2)
            # Step 3: the pooled-weights composite, standardized on the pooled data.
            var_p = np.einsum("bqk,bqp,bpk->bk", vp, rp, vp)
            zbar1 = (m1 - mp) / sdp
            zbar2 = (m2 - mp) / sdp
            mean_diff = (np.einsum("bq,bqk->bk", zbar1, vp)
                         - np.einsum("bq,bqk->bk", zbar2, vp)) / np.sqrt(var_p)
            scale = vp / sdp[:, :, None]
            c1 = cov[:k]
            c2 = cov[k:2 * k]
            g1 = np.einsum("bqk,bqp,bpk->bk", scale, c1, scale)
            g2 = np.einsum("bqk,bqp,bpk->bk", scale, c2, scale)
            log_ratio = np.log(g1) - np.log(g2)
        reasons = fit.failed
        joined = tuple(next((x for x in (reasons[i], reasons[k + i], reasons[2 * k + i]) if x),
                            "") for i in range(k))
        return _PairValues((paths[:k], paths[k:2 * k]), (idx[:k], idx[k:2 * k]), c, mean_diff,
                           log_ratio, joined)


def _compare_pls(bound: BoundModel, spec: _Spec, column: str, levels: tuple[str, str],
                 rows: tuple[pd.DataFrame, pd.DataFrame], where: tuple[str, str],
                 permutations: int, seed: int, alpha: float,
                 estimate: Callable[[Any, pd.DataFrame, str], Estimate]) -> PairComparison:
    if permutations < 1:
        raise EstimationError(f"At least 1 permutation is needed. Got {permutations} instead.")
    items = list(bound.items)
    for r, w in zip(rows, where, strict=True):
        check_items(items, r, w)
    pooled = pd.concat(rows)
    n1 = len(rows[0])
    member = np.r_[np.ones(n1, bool), np.zeros(len(rows[1]), bool)]
    weights = case_weights(pooled, spec.weights, f"{where[0]} + {where[1]}")
    kernel = BatchedPls(bound, hoc=spec.hoc, scheme=spec.scheme)
    x = pooled[list(kernel.items)].to_numpy(dtype=float)
    if spec.missing == "listwise":
        keep = ~np.isnan(x).any(axis=1)
        x, member = x[keep], member[keep]
        weights = None if weights is None else weights[keep]
        for g, w in ((member, where[0]), (~member, where[1])):
            if g.sum() < 3:
                raise EstimationError(Problem(w, f"Only {int(g.sum())} usable respondents "
                                                 "remain after listwise treatment of missing "
                                                 "answers."))
    pair = _PlsPair(kernel, _GroupMoments(x, weights))
    observed = pair(member[None, :])
    if observed.reasons[0]:
        raise EstimationError(f"{where[0]} vs {where[1]}: PLS estimation failed: "
                              f"{observed.reasons[0]}.")
    draws = []
    n = member.size
    for chunk in range(math.ceil(permutations / CHUNK)):
        size = min(CHUNK, permutations - chunk * CHUNK)
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(chunk,)))
        draws.append(pair(rng.permuted(np.broadcast_to(member, (size, n)), axis=1)))
    reasons = [x for d in draws for x in d.reasons]
    ok = np.array([not x for x in reasons])

    def stack(get) -> np.ndarray:
        return np.concatenate([get(d) for d in draws])[ok]

    n_ok = int(ok.sum())
    if n_ok == 0:
        raise EstimationError(f"{where[0]} vs {where[1]}: every permutation failed "
                              f"({Counter(reasons).most_common(1)[0][0]}).")
    constructs = list(kernel.constructs)
    micom = _micom(constructs, observed, stack, alpha, n_ok)
    tests = []
    level = 1 - alpha
    for j, (a, b) in enumerate(kernel.paths):
        obs1, obs2 = observed.paths[0][0, j], observed.paths[1][0, j]
        perm = stack(lambda d, j=j: d.paths[0][:, j] - d.paths[1][:, j])
        comparable = micom.construct(a).compositional and micom.construct(b).compositional
        tests.append(_permutation_test("path", a, b, obs1, obs2, perm, level, comparable))
    for k, latent in enumerate(constructs):
        obs1, obs2 = observed.indices[0][0, k], observed.indices[1][0, k]
        perm = stack(lambda d, k=k: d.indices[0][:, k] - d.indices[1][:, k])
        tests.append(_permutation_test("index", latent, "", obs1, obs2, perm, level,
                                       micom.construct(latent).compositional))
    tests = [replace(t, p_holm=t.p_value) for t in tests]
    est_1 = estimate(levels[0], rows[0], where[0])
    est_2 = estimate(levels[1], rows[1], where[1])
    return PairComparison(
        column, levels[0], levels[1], len(rows[0]), len(rows[1]), "pls", tuple(tests),
        micom=micom, permutations={"requested": permutations, "ok": n_ok,
                                   "failed": dict(Counter(x for x in reasons if x)),
                                   "seed": seed, "alpha": alpha,
                                   "p_value": "(1 + #{|d_perm| >= |d_obs|}) / (1 + ok)"},
        note=micom.note(), estimates=(est_1, est_2))


def _permutation_test(kind: str, a: str, b: str, v1: float, v2: float, perm: np.ndarray,
                      level: float, comparable: bool) -> ParameterTest:
    d = float(v1 - v2)
    perm = perm[np.isfinite(perm)]
    if not math.isfinite(d) or perm.size == 0:
        return ParameterTest(kind, a, b, _num(v1), _num(v2), _num(d), None, "permutation",
                             comparable=comparable, note="undefined in a group")
    # A relative tolerance so that a permutation reproducing the observed split counts as
    # "at least as extreme" despite rounding.
    tol = 1e-10 * max(1.0, abs(d))
    p = (1 + int(np.sum(np.abs(perm) >= abs(d) - tol))) / (1 + perm.size)
    lo, hi = np.quantile(perm, [(1 - level) / 2, (1 + level) / 2])
    return ParameterTest(kind, a, b, float(v1), float(v2), d, p, "permutation",
                         interval=(float(lo), float(hi)), comparable=comparable)


def _micom(constructs: Sequence[str], observed: _PairValues, stack, alpha: float,
           n_ok: int) -> Micom:
    c_perm = stack(lambda d: d.c)
    mean_perm = stack(lambda d: d.mean_difference)
    var_perm = stack(lambda d: d.log_variance_ratio)
    out = []
    for k, latent in enumerate(constructs):
        c = float(observed.c[0, k])
        cp = c_perm[:, k][np.isfinite(c_perm[:, k])]
        q05 = float(np.quantile(cp, alpha))
        tol = 1e-12
        c_p = (1 + int(np.sum(cp <= c + tol))) / (1 + cp.size)
        tests = []
        for obs, perm in ((observed.mean_difference[0, k], mean_perm[:, k]),
                          (observed.log_variance_ratio[0, k], var_perm[:, k])):
            perm = perm[np.isfinite(perm)]
            lo, hi = np.quantile(perm, [alpha / 2, 1 - alpha / 2])
            p = (1 + int(np.sum(np.abs(perm) >= abs(obs) - 1e-12))) / (1 + perm.size)
            tests.append((float(obs), (float(lo), float(hi)), p, bool(lo <= obs <= hi)))
        (md, mi, mp, me), (vd, vi, vp, ve) = tests
        out.append(MicomConstruct(latent, c, q05, c_p, bool(c >= q05 - tol), md, mi, mp, me,
                                  vd, vi, vp, ve))
    # A dozen constructs each tested at alpha flag one by chance about half the time even
    # when nothing differs: each step's decisions hold the familywise error over the
    # constructs at alpha (Holm 1979); the unadjusted quantile and p-values stay reported.
    adjusted = [holm([x.c_p for x in out]), holm([x.mean_p for x in out]),
                holm([x.variance_p for x in out])]
    out = [replace(x, compositional=adjusted[0][k] >= alpha, equal_mean=adjusted[1][k] >= alpha,
                   equal_variance=adjusted[2][k] >= alpha, c_p_holm=adjusted[0][k],
                   mean_p_holm=adjusted[1][k], variance_p_holm=adjusted[2][k])
           for k, x in enumerate(out)]
    return Micom(tuple(out), alpha)


# --------------------------------------------------------------------------- CB-SEM


def _mg_fit(chi2: float, df: int, chi2_base: float, df_base: int, n: int,
            groups: int) -> CbsemGroupFit:
    """Multi-group CFI, TLI and RMSEA from summed chi2 and df (lavaan's definitions; RMSEA
    multiplied by sqrt(groups), Steiger 1998)."""
    num = max(chi2 - df, 0.0)
    den = max(chi2 - df, chi2_base - df_base, 0.0)
    cfi = 1.0 - num / den if den > 0 else 1.0
    tli = ((chi2_base / df_base - chi2 / df) / (chi2_base / df_base - 1.0)
           if df > 0 and df_base > 0 and chi2_base / df_base != 1 else None)
    rmsea = math.sqrt(num / (df * n)) * math.sqrt(groups) if df > 0 else None
    return CbsemGroupFit(chi2, df, cfi, tli, rmsea, n)


class _Fits:
    """The two-group models of one CB-SEM pair (``model``, None when it could not be built,
    with the reason), each fitted once, a restricted model from the estimates of the model
    it restricts; a model that cannot be fitted or does not converge is None with the
    reason."""

    #: The general models: equalities and the model each restricts.
    GENERAL: dict[str, tuple[Equalities, str | None]] = {
        "configural": (Equalities(), None), "metric": (METRIC, "configural")}
    NAMES = {"configural": "configural", "metric": "equal-loadings",
             "scalar": "equal-intercepts", "paths_equal": "equal-paths"}

    def __init__(self, model: MultiGroupModel | None, reason: str) -> None:
        self.model = model
        self.failed = reason
        self.fits: dict[str, MultiGroupFit | None] = {}
        self.reasons: dict[str, str] = {}

    def fit(self, name: str, equal: Equalities, general: str | None) -> MultiGroupFit | None:
        if name in self.fits:
            return self.fits[name]
        start = None if general is None else self.fit(general, *self.GENERAL[general])
        out = None
        what = self.NAMES.get(name, f"'{name}'")
        if self.model is None:
            self.reasons[name] = self.failed
        elif general is not None and start is None:
            self.reasons[name] = self.reasons[general]
        else:
            try:
                out = self.model.fit(equal, start)
            except EstimationError as exc:
                self.reasons[name] = f"The {what} model could not be fitted: {exc}"
            else:
                if not out.converged:
                    self.reasons[name] = f"The {what} model did not converge."
                    out = None
        self.fits[name] = out
        return out

    def test(self, name: str, equal: Equalities, general: str
             ) -> tuple[MultiGroupFit | None, LikelihoodRatio | None, str]:
        """Fit ``name`` and test it against ``general`` by likelihood ratio."""
        restricted = self.fit(name, equal, general)
        base = self.fits[general]
        if restricted is None or base is None:
            return None, None, self.reasons[name]
        return restricted, lr_test(base, restricted), ""


def _compare_cbsem(bound: BoundModel, spec: _Spec, column: str, levels: tuple[str, str],
                   rows: tuple[pd.DataFrame, pd.DataFrame], where: tuple[str, str],
                   estimate: Callable[[Any, pd.DataFrame, str], Estimate]) -> PairComparison:
    """Configural: each group fitted alone (as estimate_cbsem); the multi-group configural
    model (:mod:`survey.estimators.multigroup`) reproduces the sum of these fits and is the
    base of the tests. Metric: equal loadings, likelihood ratio against the configural model.
    Scalar: equal loadings and item intercepts (structured means), likelihood ratio against
    the metric model. Paths: inside the metric model (equal loadings, so the paths of the two
    groups are on one scale), each path held equal by a 1-df likelihood ratio and all paths
    together (omnibus); a Wald test on the separately fitted groups ignores that their
    loadings, hence the latent scales, differ (Holzinger-Swineford by school: visual -> speed
    Wald p = 0.047, lavaan's likelihood ratio p = 0.081)."""
    items = list(bound.items)
    if spec.missing == "listwise":
        rows = tuple(r[r[items].notna().all(axis=1)] for r in rows)  # type: ignore[assignment]
    ests = tuple(estimate(x, r, w) for x, r, w in zip(levels, rows, where, strict=True))
    groups = {}
    for level, est in zip(levels, ests, strict=True):
        f = est.fit
        groups[level] = CbsemGroupFit(f.get("chi2"), f.get("df"), f.get("cfi"), f.get("tli"),
                                      f.get("rmsea"), est.n)
    fits = [e.fit for e in ests]
    n_total = sum(e.n for e in ests)
    chi2_c = float(sum(f["chi2"] for f in fits))
    df_c = int(sum(f["df"] for f in fits))
    base_chi2 = float(sum(f["baseline_chi2"] for f in fits))
    base_df = int(sum(f["baseline_df"] for f in fits))
    configural = _mg_fit(chi2_c, df_c, base_chi2, base_df, n_total, 2)

    def overall(fit: MultiGroupFit) -> CbsemGroupFit:
        return _mg_fit(fit.chi2, fit.df, base_chi2, base_df, n_total, 2)

    try:
        model, failed = MultiGroupModel(bound, rows, missing=spec.missing, where=where), ""
    except EstimationError as exc:
        model, failed = None, f"The multi-group model could not be built: {exc}"
    runs = _Fits(model, failed)
    metric = None
    reason = ""
    chi2_d = df_d = p = cfi_d = None
    metric_fit, lr, reason = runs.test("metric", METRIC, "configural")
    if metric_fit is not None and lr is not None:
        metric = overall(metric_fit)
        chi2_d, df_d, p = lr.chi2, lr.df, lr.p_value
        cfi_d = (metric.cfi or 0.0) - (configural.cfi or 0.0)
    scalar = _step(runs, "scalar", SCALAR, overall, metric)
    all_paths = Equalities(loadings=True, paths=tuple(bound.model.paths))
    paths_equal = _step(runs, "paths_equal", all_paths, overall, metric)
    invariance = CbsemInvariance(
        groups, configural, metric, reason, chi2_d, df_d, p, cfi_d,
        method="two-group ML (FIML with missing answers), item means free in each group, "
               "loadings held equal; likelihood-ratio test against the configural model",
        scalar=scalar, paths_equal=paths_equal)
    holds = invariance.metric_holds
    tests = []
    for p1 in ests[0].paths:
        p2 = ests[1].path(p1.source, p1.target)
        equal = Equalities(loadings=True, paths=((p1.source, p1.target),))
        _, lr, why = runs.test(f"path {p1.source} -> {p1.target}", equal, "metric")
        tests.append(ParameterTest(
            "path", p1.source, p1.target, p1.estimate, p2.estimate,
            p1.estimate - p2.estimate, None if lr is None else lr.p_value, "lr",
            comparable=holds, chi2=None if lr is None else lr.chi2,
            df=None if lr is None else lr.df,
            note=("unstandardized paths of the separately fitted groups; p: likelihood ratio "
                  "of the equal-loadings model against it with this path held equal" if lr
                  else why)))
    for x1 in ests[0].loadings:
        x2 = next(x for x in ests[1].loadings if (x.latent, x.item) == (x1.latent, x1.item))
        if x1.se is None or x2.se is None:
            continue  # a marker loading, fixed at 1 in both groups
        tests.append(_wald("loading", x1.latent, x1.item, x1.estimate, x1.se, x2.estimate,
                           x2.se, None, "heuristic: per-loading Wald comparison of the "
                                        "separately fitted groups (depends on the marker "
                                        "item); use it to locate, not to establish, "
                                        "non-invariance"))
    for i1 in ests[0].indices:
        v2 = ests[1].index(i1.latent)
        diff = None if i1.value is None or v2 is None else i1.value - v2
        tests.append(ParameterTest("index", i1.latent, "", i1.value, v2, diff, None, "none",
                                   comparable=holds,
                                   note="no test: CB-SEM indices have no standard error "
                                        "without a bootstrap; use PLS permutation tests"))
    note = ("Metric invariance holds: loadings can be taken as equal; path differences are "
            "interpretable." if holds else
            "Metric invariance is rejected: the items do not measure the constructs alike in "
            "the two groups; compare paths and indices with caution." if holds is False else
            "Metric invariance could not be assessed: " + reason)
    if holds and scalar.holds is not None:
        note += (" Scalar invariance holds: the item intercepts can be taken as equal, so the "
                 "groups' latent means can be compared." if scalar.holds else
                 " Scalar invariance is rejected: the item intercepts differ, so differences "
                 "in the item means are not only differences in the latent means.")
    return PairComparison(column, levels[0], levels[1], len(rows[0]), len(rows[1]), "cbsem",
                          tuple(replace(t, p_holm=t.p_value) for t in tests), cbsem=invariance,
                          note=note, estimates=ests)


def _step(runs: _Fits, name: str, equal: Equalities, overall, metric: CbsemGroupFit | None
          ) -> InvarianceStep:
    """A model restricting the metric model, tested against it."""
    fit, lr, reason = runs.test(name, equal, "metric")
    if fit is None or lr is None or metric is None:
        return InvarianceStep(name, "metric", None, reason=reason)
    total = overall(fit)
    return InvarianceStep(name, "metric", total, lr.chi2, lr.df, lr.p_value,
                          (total.cfi or 0.0) - (metric.cfi or 0.0),
                          latent_means=fit.latent_means)


def _wald(kind: str, a: str, b: str, v1: float, se1: float | None, v2: float,
          se2: float | None, comparable: bool | None, note: str) -> ParameterTest:
    d = float(v1 - v2)
    p = None
    if se1 is not None and se2 is not None and se1 > 0 and se2 > 0:
        z = d / math.sqrt(se1 ** 2 + se2 ** 2)
        p = float(2 * stats.norm.sf(abs(z)))
    return ParameterTest(kind, a, b, float(v1), float(v2), d, p, "wald", comparable=comparable,
                         note=note)
