"""CB-SEM bootstrap speed: our statistic against refitting semopy naively per resample.

Run by hand (never from the test suite)::

    .venv/bin/python bench/bench_cbsem_bootstrap.py

On a complete-data airline CCSI wave (n = 1000, simulated) it times

(a) the naive baseline, ``semopy.Model(desc).fit(resample_frame)`` per resample, on the first
    NAIVE resamples of the same counts the bootstrap draws (it is slow);
(b) ours, CbsemBootstrap through the shared driver, on RESAMPLES resamples with 1 and 2 workers
    (and what starting the 2-worker pool costs on its own);

then ours on the bundled FIML wave (examples/airline_wave1.csv), and the peak memory. Both
(a) and (b) run with single-threaded BLAS (ours sets it itself; the baseline is given the same,
which on a small or busy machine only makes the baseline faster, so the ratio is conservative).
Timings are of the resamples only (no jackknife); the full-sample fit is done beforehand.
"""

from __future__ import annotations

import dataclasses
import math
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import semopy
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from survey.estimators.bootstrap import (  # noqa: E402
    CHUNK,
    BootstrapSettings,
    chunk_counts,
    run_bootstrap,
)
from survey.estimators.cbsem import estimate_cbsem  # noqa: E402
from survey.estimators.cbsem_bootstrap import cbsem_statistic  # noqa: E402
from survey.estimators.cbsem_model import model_syntax  # noqa: E402
from survey.ingest import read_responses, response_set_from_frame  # noqa: E402
from survey.pathmodel import bind, load_model  # noqa: E402
from survey.questionnaire import load_questionnaire  # noqa: E402
from survey.simulate import AIRLINE_CCSI, simulate_responses  # noqa: E402

N = 1000
SEED = 2026
NAIVE = 30
RESAMPLES = 1000
FIML_RESAMPLES = 100


def _ms(seconds: float, count: int) -> float:
    return 1000.0 * seconds / count


def naive(description: str, data: pd.DataFrame, observed: list[str], counts: np.ndarray):
    """semopy parsed and fitted from scratch on each resample's rows."""
    x = data[observed].to_numpy(dtype=float)
    values = []
    start = time.perf_counter()
    with threadpool_limits(1):
        for c in counts:
            frame = pd.DataFrame(np.repeat(x, c, axis=0), columns=observed)
            model = semopy.Model(description)
            model.fit(frame)
            values.append(model.inspect())
    return time.perf_counter() - start, values


class PeakMemory:
    """Wraps a statistic and appends the peak RSS (KB) of the process that ran each chunk, so
    the workers' memory shows (they are children of the forkserver, not of this process)."""

    def __init__(self, statistic) -> None:
        self.statistic = statistic

    def __call__(self, counts: np.ndarray):
        values, reasons = self.statistic(counts)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return np.column_stack([values, np.full(len(reasons), float(peak))]), reasons


class Nothing:
    """A statistic that does no work: what starting the worker pool costs."""

    def __call__(self, counts: np.ndarray):
        return np.zeros((counts.shape[0], 1)), [""] * counts.shape[0]


def ours(statistic, settings: BootstrapSettings):
    """Time the resamples through the shared driver; returns (seconds, result, worker peak
    RSS in KB)."""
    wrapped = PeakMemory(statistic)
    start = time.perf_counter()
    result = run_bootstrap(wrapped, [*statistic.labels, ("peak_rss", "", "")],
                           np.append(statistic.estimate, 0.0), statistic.n, settings,
                           jackknife=False, method="cbsem")
    seconds = time.perf_counter() - start
    peak = float(result.draws[:, -1].max()) if result.n_ok else math.nan
    result = dataclasses.replace(result, labels=result.labels[:-1],
                                 estimate=result.estimate[:-1], draws=result.draws[:, :-1])
    return seconds, result, peak


def main() -> None:
    bound = bind(load_model(ROOT / "models" / "ccsi.yaml"),
                 load_questionnaire(ROOT / "questionnaires" / "airline.yaml"))
    population = dataclasses.replace(AIRLINE_CCSI, dont_know_rate=0.0, dont_know_rates={},
                                     screened_out_rate=0.0)
    frame = simulate_responses(bound, population, n=N, seed=SEED)
    data = response_set_from_frame(frame, bound.questionnaire, items=bound.items).data
    est = estimate_cbsem(bound, data)
    statistic = cbsem_statistic(bound, data, est)
    description, _ = model_syntax(bound)
    print(f"Airline CCSI, complete data: n = {statistic.n}, {len(statistic.labels)} "
          f"bootstrapped numbers, {statistic.start.size} free parameters")

    counts = chunk_counts(statistic.n, SEED, 0, NAIVE)  # the driver's first resamples
    t_naive, fits = naive(description, data, list(statistic.observed), counts)
    ms_naive = _ms(t_naive, NAIVE)
    print(f"(a) naive semopy refit:      {ms_naive:8.1f} ms/resample ({NAIVE} resamples)")

    settings = BootstrapSettings(RESAMPLES, seed=SEED)
    t1, r1, _ = ours(statistic, settings)
    t2, r2, peak2 = ours(statistic, dataclasses.replace(settings, workers=2))
    start = time.perf_counter()
    run_bootstrap(Nothing(), [("nothing", "", "")], np.zeros(1), statistic.n,
                  dataclasses.replace(settings, workers=2), jackknife=False)
    t_pool = time.perf_counter() - start
    ms1, ms2 = _ms(t1, RESAMPLES), _ms(t2, RESAMPLES)
    print(f"(b) ours, 1 worker:          {ms1:8.1f} ms/resample ({RESAMPLES} resamples)")
    print(f"    ours, 2 workers:         {ms2:8.1f} ms/resample ({RESAMPLES} resamples; "
          f"{-(-RESAMPLES // CHUNK)} chunks)")
    print(f"    2-worker pool start-up:  {t_pool:8.1f} s (the driver's forkserver, same run "
          "with a statistic that does nothing)")
    print(f"    ratio naive/ours:        {ms_naive / ms1:8.1f}x (1 worker), "
          f"{ms_naive / ms2:.1f}x (2 workers)")
    print(f"    failed resamples:        {r1.n_failed} {dict(r1.failures)}; "
          f"1 and 2 workers identical: {np.array_equal(r1.draws, r2.draws)}")
    # The same numbers as the naive fits (up to semopy's default, looser, tolerance).
    if r1.n_failed == 0:
        diff = 0.0
        for k, table in enumerate(fits):
            for j, (kind, a, b) in enumerate(statistic.labels):
                if kind != "path":
                    continue
                row = table[(table.op == "~") & (table.lval == b) & (table.rval == a)]
                diff = max(diff, abs(float(row.Estimate.iloc[0]) - r1.draws[k, j]))
        print(f"    max |path ours - naive| over the {NAIVE} common resamples: {diff:.1e}")

    responses = read_responses(ROOT / "examples" / "airline_wave1.csv", bound.questionnaire,
                               items=bound.items)
    wave = responses.data
    start = time.perf_counter()
    est_fiml = estimate_cbsem(bound, wave)
    t_fit = time.perf_counter() - start
    stat_fiml = cbsem_statistic(bound, wave, est_fiml)
    tf1, rf1, _ = ours(stat_fiml, BootstrapSettings(FIML_RESAMPLES, seed=SEED))
    incomplete = est_fiml.missing_detail["n_incomplete"]
    patterns = len(np.unique(np.isnan(wave[list(bound.items)].to_numpy()), axis=0))
    print(f"Bundled wave, FIML: n = {stat_fiml.n} ({incomplete} incomplete, {patterns} "
          f"missing-data patterns), full-sample estimate {t_fit:.1f} s")
    print(f"    ours, 1 worker:          {_ms(tf1, FIML_RESAMPLES):8.1f} ms/resample "
          f"({FIML_RESAMPLES} resamples); failed {rf1.n_failed} {dict(rf1.failures)}")

    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"Peak memory (max RSS): this process {self_kb / 1024:.0f} MB, "
          f"largest bootstrap worker {peak2 / 1024:.0f} MB")


if __name__ == "__main__":
    main()
