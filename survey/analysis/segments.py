"""Segments: the model estimated on each level of a respondent group, and the comparisons of
the levels.

* :func:`estimate_segments` splits the respondents by any column (screening, profile, an age
  band the caller made, value tiers) and estimates the model on each level's rows alone, with
  the estimator settings of the whole study. A level's numbers are exactly those of
  ``estimate_pls`` / ``estimate_cbsem`` on its rows: nothing is borrowed from the other levels
  (missing answers are replaced by the level's own item means). Levels below
  :func:`minimum_n` are listed with their n and the reason, not estimated.
* :func:`compare_levels` / :func:`compare_segments` test the differences between levels:
  PLS by permutation tests after MICOM (:mod:`survey.analysis.pls_groups`), CB-SEM by
  likelihood ratios in a two-group ML model (:mod:`survey.analysis.cbsem_groups`); the
  results are the types of :mod:`survey.analysis.comparison`. With case weights the levels
  are estimated weighted, but not compared by CB-SEM (:data:`~survey.analysis.comparison.
  CBSEM_WEIGHTED_COMPARISON` says why).

Customer value tiers (another segment) are :mod:`survey.analysis.tiers`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations
from types import MappingProxyType
from typing import Any

import pandas as pd

from survey.analysis.comparison import (
    CBSEM_WEIGHTED_COMPARISON,
    GroupSpec,
    PairComparison,
    SegmentComparison,
    holm,
    level_key,
)
from survey.analysis.pls_groups import compare_pls
from survey.assess import CRITERIA
from survey.errors import EstimationError, Problem, ResponseValidationError
from survey.estimators.bootstrap import BootstrapSettings
from survey.estimators.result import Estimate
from survey.estimators.sample_size import minimum_n
from survey.numbers import finite as _num
from survey.pathmodel import BoundModel

#: The value pyramid of SOURCE.md §3: tier and its share of customers, from the top.
#: Default number of permutations of a comparison of two levels.
PERMUTATIONS = 1000


# --------------------------------------------------------------------------- levels


def segment_labels(data: pd.DataFrame, column: str, *, source: str = "data") -> pd.Series:
    """The level of every respondent in ``column`` as a string (None where missing), indexed
    like ``data``."""
    if column not in data.columns:
        raise ResponseValidationError(Problem(source, f"Segment column '{column}' is not in the "
                                                      f"data. Expected one of "
                                                      f"{list(map(str, data.columns))}."))
    return pd.Series([level_key(v) for v in data[column]], index=data.index, dtype=object,
                     name=column)


def _ordered_levels(data: pd.DataFrame, column: str, labels: pd.Series) -> list[str]:
    """Levels in a natural order: an ordered categorical's order (value tiers), numbers by
    value, else text."""
    present = {x for x in labels if x is not None}
    col = data[column]
    if isinstance(col.dtype, pd.CategoricalDtype):
        order = [level_key(c) for c in col.cat.categories]
        return [x for x in order if x in present]
    try:
        return sorted(present, key=float)
    except ValueError:
        return sorted(present)


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
        key = level_key(value)
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
    spec = GroupSpec.make(method, missing, scheme, hoc, weights)
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


def compare_levels(bound: BoundModel, data: pd.DataFrame, column: str, level_1: Any,
                   level_2: Any, *, method: str = "pls", missing: str | None = None,
                   scheme: str = "path", hoc: str = "repeated", weights: str | None = None,
                   permutations: int = PERMUTATIONS, seed: int = 2026, alpha: float = CRITERIA.alpha,
                   min_n: int | None = None, source: str = "data",
                   cache: dict[Any, Estimate] | None = None, workers: int = 1) -> PairComparison:
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
    estimated once). ``workers`` > 1: PLS's permutations run on this process's worker pool
    (:func:`survey.estimators.bootstrap.worker_pool`), with the same numbers.
    """
    spec = GroupSpec.make(method, missing, scheme, hoc, weights)
    labels = segment_labels(data, column, source=source)
    a, b = level_key(level_1), level_key(level_2)
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
        return compare_pls(bound, spec, column, (a, b), (rows_1, rows_2), where,
                            permutations, seed, alpha, estimate, workers=workers)
    # CB-SEM's multi-group machinery (semopy, scipy.stats: 1.7 s to import) only when asked.
    from survey.analysis.cbsem_groups import compare_cbsem

    return compare_cbsem(bound, spec, column, (a, b), (rows_1, rows_2), where, estimate)


def compare_segments(bound: BoundModel, data: pd.DataFrame, column: str, *,
                     levels: Sequence[Any] | None = None, method: str = "pls",
                     missing: str | None = None, scheme: str = "path", hoc: str = "repeated",
                     weights: str | None = None, permutations: int = PERMUTATIONS,
                     seed: int = 2026, alpha: float = CRITERIA.alpha, min_n: int | None = None,
                     source: str = "data", workers: int = 1) -> SegmentComparison:
    """Compare every pair of ``levels`` (default: every level of ``column``) with
    :func:`compare_levels`. Each parameter's p-values are Holm-adjusted over the pairs
    (``p_holm``); every pair uses the same ``seed``. ``workers`` as for
    :func:`compare_levels`."""
    labels = segment_labels(data, column, source=source)
    chosen = ([level_key(x) for x in levels] if levels is not None
              else _ordered_levels(data, column, labels))
    pairs = []
    cache: dict[Any, Estimate] = {}
    for x, y in combinations(chosen, 2):
        try:
            pairs.append(compare_levels(bound, data, column, x, y, method=method,
                                        missing=missing, scheme=scheme, hoc=hoc,
                                        weights=weights, permutations=permutations, seed=seed,
                                        alpha=alpha, min_n=min_n, source=source, cache=cache,
                                        workers=workers))
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
        note = (f"{m} pairs of levels are compared: at the {CRITERIA.alpha * 100:g} % level about "
                f"{CRITERIA.alpha * m:.1f} "
                "differences per parameter would come out significant by chance if no level "
                "differed. Read p_holm (Holm-adjusted over the pairs of each parameter); the "
                "many paths and indices of one pair are a further family.")
    return SegmentComparison(column, tuple(chosen), tuple(pairs), note)
