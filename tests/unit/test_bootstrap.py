"""The bootstrap driver: resampling, reproducibility whatever the workers, failures counted,
and the intervals against scipy.stats.bootstrap."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from survey.estimators.bootstrap import (
    CHUNK,
    BootstrapSettings,
    chunk_counts,
    jackknife_counts,
    run_bootstrap,
)
from survey.estimators.pls import estimate_pls
from survey.pathmodel import bind, load_model
from survey.questionnaire import load_questionnaire


class Mean:
    """The weighted mean of a fixed sample under resample counts (a picklable statistic)."""

    def __init__(self, x: np.ndarray) -> None:
        self.x = x

    def __call__(self, counts):
        return (counts @ self.x / counts.sum(axis=1))[:, None], [""] * counts.shape[0]


def test_counts_are_resamples_of_n_rows():
    counts = chunk_counts(50, seed=1, chunk=0, size=30)
    assert counts.shape == (30, 50) and (counts.sum(axis=1) == 50).all()
    assert np.array_equal(counts, chunk_counts(50, seed=1, chunk=0, size=30))
    assert not np.array_equal(counts, chunk_counts(50, seed=1, chunk=1, size=30))


def test_jackknife_counts_leave_one_group_out():
    loo = jackknife_counts(5, 1000)
    assert np.array_equal(loo, 1 - np.eye(5, dtype=int))
    grouped = jackknife_counts(10, 4)
    assert grouped.shape == (4, 10) and (grouped.sum(axis=1) >= 7).all()
    assert (grouped == 0).sum(axis=0).tolist() == [1] * 10


def test_intervals_match_scipy():
    rng = np.random.default_rng(0)
    x = rng.exponential(size=60)  # skewed: BCa and percentile differ
    settings = BootstrapSettings(20000, seed=4)
    result = run_bootstrap(Mean(x), [("mean", "x", "")], np.array([x.mean()]), x.size, settings)
    row = result.table().iloc[0]
    for method, lo, hi in (("percentile", "pct_low", "pct_high"), ("BCa", "bca_low", "bca_high")):
        ref = stats.bootstrap((x,), np.mean, n_resamples=20000, method=method,
                              random_state=np.random.default_rng(5)).confidence_interval
        width = ref.high - ref.low
        assert row[lo] == pytest.approx(ref.low, abs=0.03 * width), method
        assert row[hi] == pytest.approx(ref.high, abs=0.03 * width), method
    assert row.se == pytest.approx(x.std(ddof=1) / np.sqrt(x.size), rel=0.03)
    # The BCa interval of a right-skewed mean sits to the right of the percentile one.
    assert row.bca_low > row.pct_low and row.bca_high > row.pct_high


def test_same_result_whatever_the_workers():
    x = np.random.default_rng(2).normal(size=40)
    args = ([("mean", "x", "")], np.array([x.mean()]), x.size)
    one = run_bootstrap(Mean(x), *args, BootstrapSettings(3 * CHUNK + 7, seed=9, workers=1))
    two = run_bootstrap(Mean(x), *args, BootstrapSettings(3 * CHUNK + 7, seed=9, workers=2))
    assert np.array_equal(one.draws, two.draws)
    assert np.array_equal(one.jackknife, two.jackknife)
    pd.testing.assert_frame_equal(one.table(), two.table())
    other = run_bootstrap(Mean(x), *args, BootstrapSettings(3 * CHUNK + 7, seed=10))
    assert not np.array_equal(one.draws, other.draws)


class Pid:
    """A statistic that reports the process it ran in."""

    def __call__(self, counts):
        import os

        return np.full((counts.shape[0], 1), float(os.getpid())), [""] * counts.shape[0]


def test_the_worker_processes_are_started_once_per_process():
    """Two bootstraps on 2 workers run in the same worker processes: the pool is made on
    first use and kept (survey.estimators.bootstrap.worker_pool), not started per call."""
    from survey.estimators.bootstrap import shutdown_pools

    args = ([("pid", "", "")], np.array([0.0]), 10)
    settings = BootstrapSettings(4 * CHUNK, seed=1, workers=2)
    try:
        first = run_bootstrap(Pid(), *args, settings, jackknife=False)
        second = run_bootstrap(Pid(), *args, settings, jackknife=False)
        pids = set(np.unique(first.draws)) | set(np.unique(second.draws))
        assert len(pids) <= 2 and os.getpid() not in pids
        assert set(np.unique(second.draws)) <= set(np.unique(first.draws)) or \
            set(np.unique(first.draws)) <= set(np.unique(second.draws))
    finally:
        shutdown_pools()


def test_progress_counts_the_resamples_asked_for():
    """The bar counts what the user asked for (450 resamples), not the BCa jackknife's 30
    fits besides them (it said 480/480 for 450)."""
    x = np.arange(30, dtype=float)
    seen = []
    run_bootstrap(Mean(x), [("mean", "x", "")], np.array([x.mean()]), x.size,
                  BootstrapSettings(450, seed=1), progress=lambda k, total: seen.append((k, total)))
    assert sum(k for k, _ in seen) == 450 and {t for _, t in seen} == {450}


@pytest.fixture(scope="module")
def mobi(root, mobi_csv):
    q = load_questionnaire(root / "questionnaires" / "mobi.yaml")
    return bind(load_model(root / "models" / "ecsi.yaml"), q), pd.read_csv(mobi_csv).astype(float)


def test_pls_bootstrap_is_reproducible_across_workers(mobi):
    bound, data = mobi
    a = estimate_pls(bound, data, bootstrap=BootstrapSettings(450, seed=3, workers=1))
    b = estimate_pls(bound, data, bootstrap=BootstrapSettings(450, seed=3, workers=2))
    assert np.array_equal(a.bootstrap.draws, b.bootstrap.draws)
    assert a.to_json() == b.to_json()


def test_pls_bootstrap_fills_paths_and_indices(mobi):
    bound, data = mobi
    est = estimate_pls(bound, data, bootstrap=BootstrapSettings(300, seed=1), interval="bca")
    for p in est.paths:
        assert p.se > 0 and p.ci_low < p.ci_high and 0 <= p.p_value <= 1
    for i in est.indices:
        assert i.ci_low < i.value < i.ci_high
    out = est.to_json()
    assert out["bootstrap"]["resamples"] == 300 and out["bootstrap"]["failed"] == 0
    assert out["inference"] == "bootstrap" and out["settings"]["interval"] == "bca"
    kinds = {r["kind"] for r in out["bootstrap"]["parameters"]}
    assert kinds == {"path", "loading", "weight", "r2", "total", "index", "htmt"}


def test_failed_resamples_are_counted_not_dropped(mobi):
    bound, data = mobi
    data = data.copy()
    # CUSCO answered 10 by all but three respondents: many resamples see it constant.
    data["CUSCO"] = 10.0
    data.loc[[0, 1, 2], "CUSCO"] = 3.0
    est = estimate_pls(bound, data, bootstrap=BootstrapSettings(400, seed=2))
    boot = est.bootstrap
    assert boot.n_failed > 0
    assert boot.n_ok + boot.n_failed == 400
    assert set(boot.failures) == {"an item is constant in this sample"}
    assert est.to_json()["bootstrap"]["failed"] == boot.n_failed
