"""Bootstrap inference shared by both estimators: resampling, the driver and the intervals.

Resamples are row *counts* (how often each respondent is drawn), not row lists: an estimator
that works from moments (PLS, complete-data ML) turns counts into weighted moments with one
matrix product, and one that needs rows (FIML) uses them as frequency weights.

Reproducibility: resamples come in chunks of :data:`CHUNK`; chunk ``c`` is drawn by its own
generator ``SeedSequence(seed, spawn_key=(c,))``, so a chunk is the same whichever worker draws
it, and every chunk is computed the same way whatever the number of workers (same shapes, same
order of operations). The result is identical to the last digit for 1 or many workers.

A resample that fails (a constant item, a singular matrix, no convergence) is counted with its
reason and left out of the intervals; never dropped silently. A resample whose solution is
inadmissible (a negative variance, a non-positive-definite latent covariance matrix) is kept or
dropped by an explicit policy (``BootstrapSettings.inadmissible``): "keep" is lavaan's
convention (``bootstrapLavaan`` and ``se = "bootstrap"`` keep every converged resample), and
the default, because dropping them truncates the sampling distribution where it is wide and
shrinks the standard errors (a Heywood-prone two-predictor model lost 40 % of two path SEs).
The count of inadmissible resamples is reported under either policy.

Whether the usable resamples can carry inference at all is decided once, by
:meth:`BootstrapResult.usability` (:data:`MIN_USABLE`, :data:`MIN_USABLE_SHARE`,
:data:`WARN_USABLE_SHARE`): below the minimum no standard error, p-value or interval is
reported from the run, below the warning share they are reported with a warning.

Intervals: percentile, and BCa (Efron 1987, "Better bootstrap confidence intervals", JASA 82)
with the acceleration from a jackknife (leave-one-out, or delete-a-group with at most
``jackknife_groups`` groups for large samples, rows assigned to groups round-robin). The
jackknife is run only when BCa is asked for (``--interval bca``): it is as many fits again as
the resamples, for bounds a percentile run never reports (cSEM does the same; seminr has no
BCa). Its ``bca_low``/``bca_high`` are then NaN and ``jackknife_groups`` None. Standard
errors are the standard deviation of the draws (n - 1), t = estimate / SE and two-sided
p-values from Student's t with n - 1 degrees of freedom (the SmartPLS convention).
"""

from __future__ import annotations

import atexit
import math
import os
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from multiprocessing import get_context
from types import MappingProxyType

import numpy as np
import pandas as pd

from survey.distributions import norm_cdf, norm_ppf, t_two_sided

#: Resamples per chunk: the unit of work, of seeding and of reproducibility.
CHUNK = 200

#: The worker processes of this process, by size: started on first use and kept until exit,
#: so that many bootstraps (segments, both methods, a notebook session) pay the start-up of
#: their workers (a forkserver process importing the estimators) once, not once per call.
_POOLS: dict[int, ProcessPoolExecutor] = {}


#: What the size rule of :func:`auto_workers` assumes, measured on the 2-core machine: a
#: CB-SEM refit of the airline model (37 items) takes about 35 ms; a PLS fit about 0.3 ns per
#: respondent and squared item; starting the pool and its imports about 2 s, so the pool is
#: used for work of :data:`POOL_PAYS` seconds or more in one process.
CBSEM_FIT_SECONDS = 0.035
PLS_FIT_SECONDS_PER_CELL = 0.3e-9
POOL_PAYS = 8.0


def auto_workers(method: str, n: int, q: int, fits: int) -> int:
    """Worker processes for ``fits`` model fits of ``method`` on ``n`` respondents and ``q``
    items, chosen by the size of the work: this process (1) unless the fits would take
    :data:`POOL_PAYS` seconds or more here, then one per core (at most 4). A PLS bootstrap of
    1,000 resamples of the airline wave (0.4 s) stays here; a CB-SEM one (35 s) does not."""
    cores = min(os.cpu_count() or 1, 4)
    if cores < 2 or fits < 2 * CHUNK:
        return 1
    each = CBSEM_FIT_SECONDS if method == "cbsem" else PLS_FIT_SECONDS_PER_CELL * n * q * q
    return cores if fits * each >= POOL_PAYS else 1


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """This process's pool of ``workers`` worker processes (made once; a pool that broke, a
    worker killed, is replaced)."""
    pool = _POOLS.get(workers)
    if pool is None or getattr(pool, "_broken", False):
        if pool is None and not _POOLS:
            atexit.register(shutdown_pools)
        pool = _POOLS[workers] = ProcessPoolExecutor(max_workers=workers,
                                                     mp_context=get_context("forkserver"))
    return pool


def shutdown_pools() -> None:
    """Stop the worker processes (at exit; tests that count processes call it too)."""
    while _POOLS:
        _POOLS.popitem()[1].shutdown(wait=True, cancel_futures=True)

#: A statistic over resamples: counts (k, n) -> values (k, P) and a failure reason per resample
#: ("" when the resample is fine).
Statistic = Callable[[np.ndarray], tuple[np.ndarray, Sequence[str]]]

#: A parameter's label: (kind, a, b), e.g. ("path", "image", "expectation").
Label = tuple[str, str, str]

#: Why a resample's solution is inadmissible (what an estimator's statistic reports); under
#: the "keep" policy such a resample is used and counted, under "drop" it fails.
NEGATIVE_VARIANCE = "negative variance (Heywood case)"
NOT_POSITIVE_DEFINITE = "non-positive-definite covariance matrix"
INADMISSIBLE_REASONS = frozenset({NEGATIVE_VARIANCE, NOT_POSITIVE_DEFINITE})
#: What to do with an inadmissible resample; the first is the default (lavaan's).
INADMISSIBLE_POLICIES = ("keep", "drop")

#: The usable-resample rule. Fewer usable resamples than MIN_USABLE, or than MIN_USABLE_SHARE
#: of those asked for: no bootstrap inference (a 95 % percentile interval from fewer than 200
#: draws rests on its 5 outermost ones; Efron & Tibshirani 1993, "An introduction to the
#: bootstrap", ch. 13 and 19, ask for 1000 for intervals and 200 for standard errors; and when
#: most resamples fail, the ones left are a biased sample of the sampling distribution).
#: Fewer than WARN_USABLE_SHARE: inference with a warning giving the count and the reasons.
MIN_USABLE = 200
MIN_USABLE_SHARE = 0.50
WARN_USABLE_SHARE = 0.90


@dataclass(frozen=True)
class BootstrapSettings:
    """What the user asked for: number of resamples, seed, interval level, workers, and what
    to do with resamples whose solution is inadmissible (see :data:`INADMISSIBLE_POLICIES`)."""

    resamples: int
    seed: int = 2026
    level: float = 0.95
    workers: int = 1
    jackknife_groups: int = 1000
    inadmissible: str = INADMISSIBLE_POLICIES[0]

    def __post_init__(self) -> None:
        if self.resamples < 2:
            raise ValueError("At least 2 bootstrap resamples are needed.")
        if not 0 < self.level < 1:
            raise ValueError("The interval level must lie between 0 and 1.")
        if self.inadmissible not in INADMISSIBLE_POLICIES:
            raise ValueError(f"Unknown policy for inadmissible resamples {self.inadmissible!r}. "
                             f"Expected one of {list(INADMISSIBLE_POLICIES)}.")


def chunk_counts(n: int, seed: int, chunk: int, size: int) -> np.ndarray:
    """Counts (size, n) of chunk number ``chunk``: each row is one resample of n rows drawn
    with replacement, from the chunk's own generator."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(chunk,)))
    draws = rng.integers(0, n, size=(size, n))
    offsets = (np.arange(size) * n)[:, None]
    return np.bincount((draws + offsets).ravel(), minlength=size * n).reshape(size, n)


def jackknife_counts(n: int, groups: int) -> np.ndarray:
    """Counts (g, n) leaving out one group of rows each; g = min(n, groups) (leave-one-out
    when n <= groups)."""
    g = min(n, groups)
    member = np.arange(n) % g
    return (member[None, :] != np.arange(g)[:, None]).astype(np.int64)


def _chunks(resamples: int) -> list[tuple[int, int]]:
    return [(c, min(CHUNK, resamples - c * CHUNK)) for c in range(math.ceil(resamples / CHUNK))]


def _run_chunk(statistic: Statistic, n: int, seed: int, chunk: int, size: int):
    from threadpoolctl import threadpool_limits

    # One BLAS thread in every process: the summation order, and so the last digits, must not
    # depend on how many threads a process happens to have.
    with threadpool_limits(1):
        values, reasons = statistic(chunk_counts(n, seed, chunk, size))
    return np.asarray(values, float), list(reasons)


@dataclass(frozen=True)
class Usability:
    """Whether a bootstrap run can carry inference: ``level`` is "ok", "warn" (inference with
    a warning) or "none" (no inference), from the usable count against the rule's constants."""

    level: str
    ok: int
    resamples: int
    min_usable: int = MIN_USABLE
    min_share: float = MIN_USABLE_SHARE
    warn_share: float = WARN_USABLE_SHARE

    @property
    def share(self) -> float:
        return self.ok / self.resamples if self.resamples else 0.0

    @property
    def inference(self) -> bool:
        return self.level != "none"

    def to_json(self) -> dict:
        return {"level": self.level, "usable": self.ok, "share": self.share,
                "rule": {"min_usable": self.min_usable, "min_share": self.min_share,
                         "warn_share": self.warn_share}}


@dataclass(frozen=True)
class BootstrapResult:
    """Draws and summaries for every bootstrapped parameter.

    ``draws`` holds the usable resamples only (in resample order); ``failures`` counts the
    others by reason; ``kept`` counts the inadmissible resamples kept under the "keep"
    policy (they are among the draws). ``table()`` is one tidy row per parameter.
    """

    labels: tuple[Label, ...]
    estimate: np.ndarray
    draws: np.ndarray
    jackknife: np.ndarray | None
    n: int
    settings: BootstrapSettings
    failures: Mapping[str, int] = field(default_factory=dict)
    method: str = ""
    kept: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "failures", MappingProxyType(dict(self.failures)))
        object.__setattr__(self, "kept", MappingProxyType(dict(self.kept)))

    @property
    def usability(self) -> Usability:
        """The usable-resample rule applied to this run (the one place it is decided)."""
        ok, asked = self.n_ok, self.settings.resamples
        if ok < MIN_USABLE or ok < MIN_USABLE_SHARE * asked:
            level = "none"
        elif ok < WARN_USABLE_SHARE * asked:
            level = "warn"
        else:
            level = "ok"
        return Usability(level, ok, asked)

    @property
    def n_failed(self) -> int:
        return int(sum(self.failures.values()))

    @property
    def n_ok(self) -> int:
        return int(self.draws.shape[0])

    def table(self) -> pd.DataFrame:
        """kind, a, b, estimate, boot_mean, se, t, p_value, pct_low, pct_high, bca_low,
        bca_high (NaN where undefined, e.g. BCa when every draw lies on one side)."""
        return self._table.copy()

    @cached_property
    def _table(self) -> pd.DataFrame:
        alpha = 1 - self.settings.level
        draws = self.draws
        with np.errstate(invalid="ignore", divide="ignore"):
            ok = np.isfinite(draws)
            count = ok.sum(axis=0)
            mean = np.where(count > 0, np.nansum(draws, axis=0) / np.maximum(count, 1), np.nan)
            se = np.sqrt(np.nansum((draws - mean) ** 2, axis=0) / np.maximum(count - 1, 1))
            se = np.where(count > 1, se, np.nan)
            t = self.estimate / se
        p = t_two_sided(t, max(self.n - 1, 1))  # = 2 stats.t.sf(|t|, df)
        pct = _nanquantile(draws, [alpha / 2, 1 - alpha / 2])
        bca = bca_intervals(self.estimate, draws, self.jackknife, self.settings.level)
        frame = pd.DataFrame(self.labels, columns=["kind", "a", "b"])
        frame["estimate"] = self.estimate
        frame["boot_mean"] = mean
        frame["se"] = se
        frame["t"] = t
        frame["p_value"] = p
        frame["pct_low"], frame["pct_high"] = pct[0], pct[1]
        frame["bca_low"], frame["bca_high"] = bca[0], bca[1]
        return frame

    def summary(self) -> dict:
        """The JSON block describing the run (not the per-parameter numbers)."""
        return {"resamples": self.settings.resamples, "ok": self.n_ok, "failed": self.n_failed,
                "failures": dict(self.failures), "seed": self.settings.seed,
                "level": self.settings.level, "method": self.method,
                "inadmissible": self.settings.inadmissible,
                "inadmissible_kept": dict(self.kept),
                "usability": self.usability.to_json(),
                "jackknife_groups": None if self.jackknife is None else int(self.jackknife.shape[0]),
                "p_value": f"two-sided, Student t with {self.p_value_df} df"}

    @property
    def p_value_df(self) -> int:
        """Degrees of freedom of the Student t the p-values are read from (two-sided,
        t = estimate / bootstrap SE; n - 1 df as SmartPLS and seminr)."""
        return max(self.n - 1, 1)


def _nanquantile(draws: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    if draws.shape[0] == 0:
        return np.full((len(qs), draws.shape[1]), np.nan)
    with np.errstate(invalid="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanquantile(draws, qs, axis=0)


def _column_quantiles(draws: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Quantile q[j] of column j of ``draws`` (NaN-free columns), numpy's default linear
    interpolation, for all columns at once."""
    ordered = np.sort(draws, axis=0)
    n = ordered.shape[0]
    pos = q * (n - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    cols = np.arange(ordered.shape[1])
    frac = pos - lo
    return ordered[lo, cols] + frac * (ordered[hi, cols] - ordered[lo, cols])


def bca_intervals(estimate: np.ndarray, draws: np.ndarray, jackknife: np.ndarray | None,
                  level: float) -> np.ndarray:
    """BCa bounds (2, P): bias correction z0 from the share of draws below the estimate (ties
    count half), acceleration from the jackknife's skewness; NaN when undefined."""
    p = estimate.size
    out = np.full((2, p), np.nan)
    if jackknife is None or draws.shape[0] == 0:
        return out
    alpha = 1 - level
    z = norm_ppf([alpha / 2, 1 - alpha / 2])
    complete = np.isfinite(draws).all(axis=0) & np.isfinite(jackknife).all(axis=0)
    for j in np.flatnonzero(~complete):  # rare: columns with undefined draws, one by one
        col, jk = draws[:, j], jackknife[:, j]
        out[:, j] = bca_intervals(estimate[j:j + 1], col[np.isfinite(col)][:, None],
                                  jk[np.isfinite(jk)][:, None], level)[:, 0]
    idx = np.flatnonzero(complete & np.isfinite(estimate))
    if idx.size == 0 or draws.shape[0] < 2 or jackknife.shape[0] < 2:
        return out
    d, est = draws[:, idx], estimate[idx]
    share = ((d < est).sum(axis=0) + 0.5 * (d == est).sum(axis=0)) / d.shape[0]
    ok = (share > 0) & (share < 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        z0 = norm_ppf(share)
        dev = jackknife[:, idx].mean(axis=0) - jackknife[:, idx]
        den = 6 * (dev ** 2).sum(axis=0) ** 1.5
        a = np.where(den > 0, (dev ** 3).sum(axis=0) / den, 0.0)
        for k in range(2):
            q = norm_cdf(z0 + (z0 + z[k]) / (1 - a * (z0 + z[k])))
            q = np.where(ok & np.isfinite(q), q, 0.5)
            bound = _column_quantiles(d, q)
            out[k, idx] = np.where(ok, bound, np.nan)
    return out


def _run_jackknife(statistic: Statistic, n: int, groups: int, start: int, stop: int):
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        values, reasons = statistic(jackknife_counts(n, groups)[start:stop])
    return np.asarray(values, float), list(reasons)


def run_bootstrap(statistic: Statistic, labels: Sequence[Label], estimate: np.ndarray, n: int,
                  settings: BootstrapSettings, *, jackknife: bool = True, method: str = "",
                  progress: Callable[[int, int], None] | None = None) -> BootstrapResult:
    """Run ``statistic`` over ``settings.resamples`` resamples of ``n`` rows (in chunks, on
    ``settings.workers`` processes) and, for BCa, over the jackknife counts.

    ``statistic`` must be picklable when ``workers > 1`` (a module-level function or an object
    with ``__call__``). ``progress(done, total)`` is called with the number of resamples just
    finished and the number asked for (the unit the user chose; the BCa jackknife's fits,
    which follow, are not counted).
    """
    tasks: list[tuple[Callable, tuple, int, str]] = [
        (_run_chunk, (statistic, n, settings.seed, c, size), size, "boot")
        for c, size in _chunks(settings.resamples)]
    if jackknife:
        groups = min(n, settings.jackknife_groups)
        tasks += [(_run_jackknife, (statistic, n, settings.jackknife_groups, s,
                                    min(s + CHUNK, groups)), min(CHUNK, groups - s), "jack")
                  for s in range(0, groups, CHUNK)]
    workers = max(1, min(settings.workers, len(tasks), os.cpu_count() or 1))
    results: list[tuple[np.ndarray, list[str]]] = []

    def advance(size: int, kind: str) -> None:
        if progress and kind == "boot":  # the unit the user asked for: resamples
            progress(size, settings.resamples)

    if workers == 1:
        for fn, args, size, kind in tasks:
            results.append(fn(*args))
            advance(size, kind)
    else:
        pool = worker_pool(workers)
        futures = [pool.submit(fn, *args) for fn, args, _, _ in tasks]
        for fut, (_, _, size, kind) in zip(futures, tasks, strict=True):
            results.append(fut.result())
            advance(size, kind)
    keep = settings.inadmissible == "keep"

    def fails(reason: str) -> bool:
        return bool(reason) and not (keep and reason in INADMISSIBLE_REASONS)

    boot = [r for r, t in zip(results, tasks, strict=True) if t[3] == "boot"]
    values = np.concatenate([r[0] for r in boot], axis=0)
    reasons = [x for r in boot for x in r[1]]
    failed = np.array([fails(x) for x in reasons], dtype=bool)
    jk = None
    if jackknife:
        jack = [r for r, t in zip(results, tasks, strict=True) if t[3] == "jack"]
        jk_values = np.concatenate([r[0] for r in jack], axis=0)
        jk_ok = np.array([not fails(x) for r in jack for x in r[1]], dtype=bool)
        jk = jk_values[jk_ok]
    return BootstrapResult(
        labels=tuple(labels), estimate=np.asarray(estimate, float), draws=values[~failed],
        jackknife=jk, n=n, settings=settings, failures=Counter(x for x in reasons if fails(x)),
        method=method, kept=Counter(x for x in reasons if x and not fails(x)))

