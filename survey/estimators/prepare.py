"""Data preparation shared by the estimators: checks no estimator survives, missing answers,
case weights, and weighted moments from resample counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import EstimationError, Problem


def check_items(items: Sequence[str], data: pd.DataFrame, where: str) -> None:
    """Catch what no estimator can survive before it runs: a constant or empty item, and
    two items that are copies of each other (:func:`_twin_items`)."""
    problems = []
    for item in items:
        low, high = _answer_range(data[item])
        if low is None:
            problems.append(Problem(where, f"Item '{item}' has no valid answers (all missing or "
                                           "don't know); remove it from the model or collect data."))
        elif low == high:
            problems.append(Problem(where, f"Item '{item}' is constant (every answer is "
                                           f"{low:g}); it carries no information "
                                           "and makes the covariance matrix singular. Remove it."))
    if not problems:
        for group, identical in _twin_items(items, data):
            names = ", ".join(repr(i) for i in group)
            how = ("hold the same answer for every respondent (a duplicated column?)"
                   if identical else "are the same answers rescaled for every respondent (one "
                                     "a recoded copy of the other?)")
            problems.append(Problem(where, f"The item covariance matrix is singular: items "
                                           f"{names} are linearly dependent: they {how}. Remove "
                                           "all but one of them from the model, or fix the "
                                           "data."))
    if problems:
        raise EstimationError(problems)


def _answer_range(column: pd.Series) -> tuple[float | None, float | None]:
    """The smallest and largest answer of an item column (None, None when it has none): one
    pass each, where counting distinct values hashed every answer (0.4 s for 40 items of a
    million respondents)."""
    values = column.to_numpy(dtype=float, na_value=np.nan)
    answered = values[~np.isnan(values)] if np.isnan(values).any() else values
    if answered.size == 0:
        return None, None
    return float(answered.min()), float(answered.max())


#: Rows on which every pair of items is compared first; only pairs alike there are compared
#: on every row.
_TWIN_SAMPLE = 2048


def _twin_items(items: Sequence[str], data: pd.DataFrame
                ) -> list[tuple[tuple[str, ...], bool]]:
    """Groups of items that are copies of each other: missing on the same respondents and,
    where answered, equal or an exact linear function of each other (|r| = 1). Their
    covariance matrix is singular whatever the missing-data treatment (a mean replaces
    alike), and FIML's EM step would fail on it with a bare LinAlgError. Returns (items,
    whether they are identical) per group. Pairs are screened on a sample of rows, so the
    cost stays that of a few passes over the data."""
    n = len(data)
    columns = [data[i].to_numpy(dtype=float) for i in items]
    sample = np.unique(np.linspace(0, n - 1, min(n, _TWIN_SAMPLE)).astype(int)) if n else []

    def alike(a: np.ndarray, b: np.ndarray, screening: bool) -> tuple[bool, bool]:
        nan_a, nan_b = np.isnan(a), np.isnan(b)
        if not np.array_equal(nan_a, nan_b):
            return False, False
        x, y = a[~nan_a], b[~nan_b]
        if len(x) < 3:  # too few answers to tell: in the sample, look at every row
            return screening, False
        if np.array_equal(x, y):
            return True, True
        if np.ptp(x) == 0 or np.ptp(y) == 0:
            return False, False
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.corrcoef(x, y)[0, 1]
        return bool(abs(r) > 1 - 1e-10), False

    parent = list(range(len(items)))
    identical: dict[int, bool] = {}
    # Pairs that may be alike on the sample, found with one correlation matrix per pattern of
    # missing answers; only those go through the pair test below (276 pairs of 24 items took
    # 14 ms one by one, most of a model comparison's time).
    maybe = _maybe_alike(np.column_stack([c[sample] for c in columns])
                         if len(items) and n else np.empty((0, len(items))))

    def root(k: int) -> int:
        while parent[k] != k:
            k = parent[k]
        return k

    for j in range(len(items)):
        for k in range(j):
            if root(j) == root(k) or (k, j) not in maybe:
                continue
            if not alike(columns[k][sample], columns[j][sample], True)[0]:
                continue
            same, equal = alike(columns[k], columns[j], False)
            if same:
                rj, rk = root(j), root(k)
                parent[rj] = rk
                identical[rk] = identical.pop(rj, True) & identical.get(rk, True) & equal
    groups: dict[int, list[str]] = {}
    for k, item in enumerate(items):
        groups.setdefault(root(k), []).append(item)
    return [(tuple(g), identical.get(r, True)) for r, g in groups.items() if len(g) > 1]


def _maybe_alike(x: np.ndarray) -> set[tuple[int, int]]:
    """The pairs (k, j), k < j, of columns of ``x`` that :func:`_twin_items`'s pair test could
    find alike on these rows: missing on the same rows and, where answered, fewer than 3
    answers, both constant and equal, or both varying with |r| above 1 - 1e-6 (looser than
    the test's 1 - 1e-10: the matrix and the pair's own correlation may differ by rounding).
    A superset of the pairs the test passes, so the result is the test's."""
    out: set[tuple[int, int]] = set()
    nan = np.isnan(x)
    patterns: dict[bytes, list[int]] = {}
    for j in range(x.shape[1]):
        patterns.setdefault(nan[:, j].tobytes(), []).append(j)
    for cols in patterns.values():
        if len(cols) < 2:
            continue
        rows = ~nan[:, cols[0]]
        block = x[rows][:, cols]
        pairs = [(a, b) for i, a in enumerate(cols) for b in cols[i + 1:]]
        if block.shape[0] < 3:
            out.update(pairs)
            continue
        spread = np.ptp(block, axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.corrcoef(block, rowvar=False)
        pos = {c: i for i, c in enumerate(cols)}
        for a, b in pairs:
            i, k = pos[a], pos[b]
            if spread[i] == 0 and spread[k] == 0:
                if np.array_equal(block[:, i], block[:, k]):
                    out.add((a, b))
            elif spread[i] > 0 and spread[k] > 0 and abs(r[i, k]) > 1 - 1e-6:
                out.add((a, b))
    return out


def check_sample_size(n: int, items: Sequence[str], where: str, *, missing: str | None,
                      remedy: str = "") -> None:
    """Refuse to estimate from ``n`` usable respondents for ``len(items)`` items when n does
    not exceed the number of items: the item covariance (correlation) matrix then has rank at
    most n - 1 < p, is singular, and every number computed from it is an artefact (lavaan
    refuses the same data: "sample covariance matrix is not positive-definite").
    ``missing`` names the treatment that left ``n`` (None: the data had no missing answers)."""
    p = len(items)
    if n > p:
        return
    how = f" ({missing} treatment of missing answers)" if missing else ""
    raise EstimationError(Problem(where, f"Only {n} respondents are usable{how} for {p} items: "
                                         f"with no more "
                                         f"respondents than items the item covariance matrix "
                                         f"is singular and the model cannot be estimated. "
                                         f"{remedy}Collect more responses, or drop items "
                                         f"from the model."))


def check_positive_definite(cov: np.ndarray, items: Sequence[str], where: str, *,
                            incomplete: tuple[int, int] | None = None,
                            converged: bool = True) -> None:
    """Refuse a singular (or numerically singular) item covariance matrix, naming the items
    involved (the largest entries of the eigenvector of the smallest eigenvalue of the
    correlation matrix): duplicated columns, an item that is the sum of others.

    ``incomplete`` = (respondents, of them complete) when ``cov`` is the saturated (EM)
    estimate from incomplete data: then the likelier cause is too few answers for the items
    (the message says too whether the EM ``converged``: towards a singular matrix it creeps).
    Numerically singular: the smallest eigenvalue of the correlation matrix below 1e-8 of the
    largest (two items correlated 0.99999 still pass with 1e-5)."""
    sd = np.sqrt(np.clip(np.diag(cov), 0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(sd, sd)
    eig, vec = np.linalg.eigh(corr)
    if np.all(np.isfinite(eig)) and eig[0] > 1e-8 * max(eig[-1], 1.0):
        return
    v = np.abs(vec[:, 0]) if np.all(np.isfinite(vec)) else np.ones(len(items))
    involved = ", ".join(repr(items[j]) for j in np.argsort(-v) if v[j] >= 0.2 * v.max())
    if incomplete is not None:
        n, complete = incomplete
        state = "is singular" + ("" if converged else " (and the EM did not converge)")
        raise EstimationError(Problem(where, f"The item covariance matrix cannot be estimated "
                                             f"from these answers: {n} respondents, {complete} "
                                             f"of them complete, for {len(items)} items (the "
                                             f"EM estimate {state}; items involved: "
                                             f"{involved}). Collect more responses or drop "
                                             f"items from the model."))
    raise EstimationError(Problem(where, f"The item covariance matrix is singular: items "
                                         f"{involved} are linearly dependent (e.g. a duplicated "
                                         f"column, or one item the sum of others). Remove the "
                                         f"redundant item(s) from the model or fix the data."))


def case_weights(data: pd.DataFrame, column: str | None, where: str) -> np.ndarray | None:
    """The case-weight column as floats, checked: present, numeric, finite, >= 0, not all 0."""
    if column is None:
        return None
    if column not in data.columns:
        raise EstimationError(Problem(where, f"Weight column '{column}' is not in the data. "
                                             f"Expected one of the file's columns."))
    raw = data[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        rows = [str(r) for r in data.index[bad][:10]]
        raise EstimationError(Problem(where, f"Weight column '{column}' must hold a non-negative "
                                             f"number on every row; rows {', '.join(rows)}"
                                             f"{' and more' if bad.sum() > 10 else ''} do not "
                                             f"(got {raw[bad].iloc[0]!r})."))
    if values.sum() <= 0:
        raise EstimationError(Problem(where, f"Weight column '{column}' sums to zero."))
    return values


@dataclass(frozen=True)
class PreparedData:
    """Item matrix ready for a moment-based estimator.

    ``x`` has no missing values (mean-replaced or listwise-deleted), ``weights`` are the case
    weights of its rows (None: all 1). Unweighted data under mean replacement keep only their
    moments until ``x`` is first read (``source``: the frame it is then made from): an estimate
    without a bootstrap or analyses needs the moments alone, and a million respondents' matrix
    is 320 MB of fresh memory, which the first touch makes slow (0.7 s on the 2-core machine).
    """

    items: tuple[str, ...]
    matrix: np.ndarray | None
    weights: np.ndarray | None
    missing: str
    n_total: int
    n_dropped: int
    n_incomplete: int
    n_replaced: int
    #: Unweighted data only: (the item means, the cross-product sum of the rows centred on
    #: them), computed once for the singularity check and reused by the estimate's moments.
    cross_product: tuple[np.ndarray, np.ndarray] | None = None
    #: Unweighted data only: each item's sum over the rows (mean-replaced).
    sums: np.ndarray | None = None
    source: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        """The respondents used (the rows of ``x``)."""
        return self.n_total - self.n_dropped

    @cached_property
    def x(self) -> np.ndarray:
        """The rows (n, q): ``matrix``, or made from ``source`` with each missing answer
        replaced by its item's mean (the first element of ``cross_product``)."""
        if self.matrix is not None:
            return self.matrix
        assert self.source is not None and self.cross_product is not None
        return _mean_replaced(self.source, self.items, self.cross_product[0])

    def __getstate__(self) -> dict[str, Any]:
        # A worker process is sent the rows, not the frame they are made from.
        state = dict(self.__dict__)
        state.update(matrix=self.x, source=None)
        state.pop("x", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


def _columns(data: pd.DataFrame, items: Sequence[str]) -> list[np.ndarray]:
    """Each item's answers as a float array (NaN: missing), without a copy when the frame
    holds them as floats already."""
    out = []
    for item in items:
        col = data[item]
        out.append(col.to_numpy() if col.dtype == np.float64 else
                   col.to_numpy(dtype=float, na_value=np.nan))
    return out


def _mean_replaced(data: pd.DataFrame, items: Sequence[str], fill: np.ndarray) -> np.ndarray:
    """The items' rows (n, q), each missing answer replaced by ``fill`` of its item."""
    # A copy in the layout the frame keeps (an item's answers contiguous): a plain copy of a
    # million respondents' items into rows took a second; column by column it is a memcpy.
    x = data[list(items)].to_numpy(dtype=float, copy=True, na_value=np.nan)
    for j in range(x.shape[1]):
        column = x[:, j]
        gap = np.isnan(column)
        if gap.any():
            column[gap] = fill[j]
    return x


def prepare_items(items: Sequence[str], data: pd.DataFrame, *, missing: str,
                  weights: np.ndarray | None, where: str) -> PreparedData:
    """Apply the missing-data policy: 'mean' replaces a missing answer by the item's (weighted)
    mean over the respondents who gave one; 'listwise' drops incomplete respondents."""
    if missing not in ("mean", "listwise"):
        raise EstimationError(f"Unknown missing-data treatment {missing!r}. Expected 'mean' or "
                              "'listwise'.")
    if missing == "mean" and weights is None:
        return _prepared_moments(items, data, where)
    x = data[list(items)].to_numpy(dtype=float, copy=True, na_value=np.nan)
    nan = np.isnan(x)
    incomplete = nan.any(axis=1)
    n_total = x.shape[0]
    replaced = int(nan.sum())
    if missing == "listwise":
        x = x[~incomplete]
        weights = None if weights is None else weights[~incomplete]
    elif replaced:
        # Each item's weighted mean over the respondents who answered it.
        for j in np.flatnonzero(nan.any(axis=0)):
            gap, column = nan[:, j], x[:, j]
            w = weights[~gap]
            column[gap] = column[~gap] @ w / w.sum() if w.sum() > 0 else np.nan
    if missing == "listwise":
        replaced = 0  # none replaced: the incomplete respondents were dropped
    check_sample_size(x.shape[0], items, where, missing=missing,
                      remedy="" if missing == "mean" else
                      "Use mean replacement (--missing mean) to keep incomplete respondents. ")
    center = x.mean(axis=0)
    cross = _cross_product(x, center)
    check_positive_definite(cross / max(x.shape[0] - 1, 1), items, where)
    return PreparedData(tuple(items), x, weights, missing, n_total, n_total - x.shape[0],
                        int(incomplete.sum()), replaced,
                        None if weights is not None else (center, cross),
                        None if weights is not None else x.sum(axis=0))


def _prepared_moments(items: Sequence[str], data: pd.DataFrame, where: str) -> PreparedData:
    """Unweighted mean replacement by the moments alone (the rows are made when first read):
    each item's mean over the respondents who answered it, then the sums and cross products
    of the mean-replaced rows, block by block from the frame's columns."""
    columns = _columns(data, items)
    n, q = len(data), len(columns)
    means = np.empty(q)
    incomplete = np.zeros(n, dtype=bool)
    replaced = 0
    for j, column in enumerate(columns):
        gap = np.isnan(column)
        gaps = int(gap.sum())
        if gaps:
            incomplete |= gap
            replaced += gaps
            answered = column[~gap]
            means[j] = answered.mean() if answered.size else np.nan
        else:
            means[j] = column.mean()
    check_sample_size(n, items, where, missing="mean", remedy="")
    sums, cross = np.zeros(q), np.zeros((q, q))
    block = np.empty((q, min(n, BLOCK_ROWS)))
    for start in range(0, n, BLOCK_ROWS):
        rows = min(BLOCK_ROWS, n - start)
        y = block[:, :rows]
        for j, column in enumerate(columns):
            y[j] = column[start:start + rows]
            np.copyto(y[j], means[j], where=np.isnan(y[j]))
        sums += y.sum(axis=1)
        y -= means[:, None]
        cross += y @ y.T
    check_positive_definite(cross / max(n - 1, 1), items, where)
    return PreparedData(tuple(items), None, None, "mean", n, 0, int(incomplete.sum()),
                        replaced, (means, cross), sums, data)


#: Rows per block of the cross-product sums: the temporaries stay a few tens of MB however
#: many respondents there are.
BLOCK_ROWS = 65_536


def _cross_product(x: np.ndarray, center: np.ndarray, scale: np.ndarray | None = None
                   ) -> np.ndarray:
    """sum_i s_i² (x_i - c)(x_i - c)' over the rows of ``x`` (s: ``scale``, default 1), block
    by block, each by BLAS's symmetric rank-k update (Y'Y): the general product (w X)'X took
    seconds on a million respondents, and a centred copy of ``x`` doubled the memory."""
    q = x.shape[1]
    out = np.zeros((q, q))
    for start in range(0, x.shape[0], BLOCK_ROWS):
        y = x[start:start + BLOCK_ROWS] - center
        if scale is not None:
            y *= scale[start:start + BLOCK_ROWS, None]
        out += y.T @ y
    return out


def _covariance(x: np.ndarray) -> np.ndarray:
    """np.cov(x, rowvar=False) (:func:`_cross_product`)."""
    return _cross_product(x, x.mean(axis=0)) / max(x.shape[0] - 1, 1)


def weighted_moments(xc: np.ndarray, freq: np.ndarray, center: np.ndarray | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Means (k, q) and covariances (k, q, q) (weights-sum denominator) of the rows of
    ``xc - center`` under k frequency-weight vectors ``freq`` (k, n). The rows should be
    roughly centred (the full-sample mean subtracted) so that E[xx'] - mm' loses no precision;
    ``center`` does it block by block, without a centred copy of a large ``xc``."""
    k, n = freq.shape
    q = xc.shape[1]
    center = np.zeros(q) if center is None else np.asarray(center, float)
    total = freq.sum(axis=1)
    mean = (freq @ xc) / total[:, None] - center
    if k >= 16 and n * q * (q + 1) // 2 <= 20_000_000:
        xc = xc - center
        # Many resamples of a modest sample: one matrix product for all of them,
        # freq (k, n) @ (x_i x_i')_upper (n, q(q+1)/2).
        iu = np.triu_indices(q)
        outer = xc[:, iu[0]] * xc[:, iu[1]]
        second = (freq @ outer) / total[:, None]
        cov = np.empty((k, q, q))
        cov[:, iu[0], iu[1]] = second
        cov[:, iu[1], iu[0]] = second
    else:
        cov = np.empty((k, q, q))
        for b in range(k):
            cov[b] = _cross_product(xc, center, np.sqrt(freq[b])) / total[b]
    cov -= mean[:, :, None] * mean[:, None, :]
    return mean, cov


def correlation_from_cov(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Correlation matrices (k, q, q) and standard deviations (k, q); a zero variance gives NaN."""
    var = np.diagonal(cov, axis1=1, axis2=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(np.where(var > 1e-12 * np.maximum(1.0, var.max(axis=1, keepdims=True)),
                              var, np.nan))
        corr = cov / (sd[:, :, None] * sd[:, None, :])
    idx = np.arange(cov.shape[1])
    corr[:, idx, idx] = np.where(np.isnan(sd), np.nan, 1.0)
    return corr, sd
