"""Two groups compared by PLS: permutation tests (Chin & Dibbern 2010, "An introduction to a
permutation based procedure for multi-group PLS analysis", in Handbook of Partial Least
Squares, 171-193) of every path and every 0-100 index, after MICOM (Henseler, Ringle &
Sarstedt 2016, "Testing measurement invariance of composites using partial least squares",
International Marketing Review 33(3), 405-431), on the public batched PLS kernel
(:class:`survey.estimators.BatchedPls`).

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
import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from survey.analysis.comparison import (
    GroupSpec,
    Micom,
    MicomConstruct,
    PairComparison,
    ParameterTest,
    holm,
)
from survey.errors import EstimationError, Problem
from survey.estimators import (
    BatchedPls,
    case_weights,
    check_items,
    correlation_from_cov,
)
from survey.estimators.result import Estimate
from survey.numbers import finite as _num
from survey.pathmodel import BoundModel

#: The value pyramid of SOURCE.md §3: tier and its share of customers, from the top.
#: Permutations per batch (3 x CHUNK correlation matrices: group 1, group 2 and the pooled
#: data of each permutation).
CHUNK = 100


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


def _permutation_chunks(pair: _PlsPair | tuple, member: np.ndarray, seed: int,
                        chunks: Sequence[tuple[int, int]]) -> list[_PairValues]:
    """The permutations of ``chunks`` ((chunk, size): chunk c drawn from
    ``SeedSequence(seed, spawn_key=(c,))``, the same wherever it runs). ``pair``: the pair
    itself, or in a worker process what makes it (bound model, hoc, scheme, items, weights):
    a few milliseconds there, where pickling its moments would send megabytes per task."""
    if isinstance(pair, tuple):
        from threadpoolctl import threadpool_limits

        bound, hoc, scheme, x, weights = pair
        pair = _PlsPair(BatchedPls(bound, hoc=hoc, scheme=scheme), _GroupMoments(x, weights))
        with threadpool_limits(1):  # two processes on two cores: no BLAS threads on top
            return _permutation_chunks(pair, member, seed, chunks)
    n = member.size
    out = []
    for chunk, size in chunks:
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(chunk,)))
        out.append(pair(rng.permuted(np.broadcast_to(member, (size, n)), axis=1)))
    return out


def _permuted(pair: _PlsPair, makes: tuple, member: np.ndarray, seed: int,
              chunks: Sequence[tuple[int, int]], workers: int) -> list[_PairValues]:
    """Every chunk's permutations, in order: in this process, or with ``workers`` > 1 and
    more than one chunk split over this process's worker pool (the same numbers)."""
    workers = min(workers, len(chunks), os.cpu_count() or 1)
    if workers <= 1:
        return _permutation_chunks(pair, member, seed, chunks)
    from survey.estimators.bootstrap import worker_pool

    shares = [chunks[k::workers] for k in range(workers)]
    futures = [worker_pool(workers).submit(_permutation_chunks, makes, member, seed, share)
               for share in shares]
    done = {c: d for share, f in zip(shares, futures, strict=True)
            for (c, _), d in zip(share, f.result(), strict=True)}
    return [done[c] for c, _ in chunks]


def compare_pls(bound: BoundModel, spec: GroupSpec, column: str, levels: tuple[str, str],
                 rows: tuple[pd.DataFrame, pd.DataFrame], where: tuple[str, str],
                 permutations: int, seed: int, alpha: float,
                 estimate: Callable[[Any, pd.DataFrame, str], Estimate],
                 workers: int = 1) -> PairComparison:
    """PLS comparison of two levels (see :func:`survey.analysis.segments.compare_levels`);
    ``workers`` > 1: the permutations run on this process's worker pool."""
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
    chunks = [(c, min(CHUNK, permutations - c * CHUNK))
              for c in range(math.ceil(permutations / CHUNK))]
    draws = _permuted(pair, (bound, spec.hoc, spec.scheme, x, weights), member, seed, chunks,
                      workers)
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
