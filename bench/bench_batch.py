"""Batch engine benchmark, run by hand (never as a test): 100 cells (5 brands x 4 waves x 5
segment levels) of the airline CCSI model, each a PLS fit with a 1000-resample bootstrap and
its IPMA, on a Dask local cluster of 1 and of 2 workers, in the same run.

    .venv/bin/python bench/bench_batch.py [--cells-per-level 300]

Prints the wall time of each, the scaling ratio (1-worker time / 2-worker time; 2.0 is
perfect on two cores), the cluster start-up cost, and checks that both runs gave the same
numbers to the last digit.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import time

import pandas as pd

BRANDS, WAVES, LEVELS = 5, 4, 5


def study_data(per_cell: int) -> tuple[object, pd.DataFrame]:
    from survey.cli.simulate import airline_ccsi
    from survey.ingest import response_set_from_frame
    from survey.simulate import AIRLINE_CCSI, simulate_responses

    bound = airline_ccsi()
    population = dataclasses.replace(AIRLINE_CCSI, screened_out_rate=0.0)
    frame = simulate_responses(bound, population, n=BRANDS * WAVES * LEVELS * per_cell, seed=1)
    data = response_set_from_frame(frame, bound.questionnaire, items=bound.items).data
    data = data.reset_index(drop=True)
    cell = data.index // per_cell
    data["brand"] = (cell % BRANDS).map(lambda b: f"brand{b}")
    data["wave"] = (cell // BRANDS % WAVES).map(lambda w: f"2026Q{w + 1}")
    data["segment"] = (cell // (BRANDS * WAVES)).map(lambda s: f"s{s}")
    return bound, data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells-per-level", type=int, default=300,
                        help="respondents per cell (default 300)")
    parser.add_argument("--resamples", type=int, default=1000)
    args = parser.parse_args()
    from survey.batch import dask_client
    from survey.tracking import track

    bound, data = study_data(args.cells_per_level)
    waves = [f"2026Q{w + 1}" for w in range(WAVES)]
    print(f"{len(data)} respondents, {BRANDS * WAVES * LEVELS} cells of "
          f"{args.cells_per_level}, {args.resamples} PLS bootstrap resamples each; "
          f"{os.cpu_count()} cores")
    start = time.perf_counter()
    with dask_client(workers=2):
        pass
    startup = time.perf_counter() - start
    results, times = {}, {}
    for workers in (1, 2):
        start = time.perf_counter()
        results[workers] = track(bound, data, waves=waves, by=["brand", "segment"],
                                 bootstrap=args.resamples, permutations=0, workers=workers)
        times[workers] = time.perf_counter() - start
        t = results[workers]
        print(f"  {workers} worker{'s' if workers > 1 else ' '}: {times[workers]:6.1f} s "
              f"({len(t.cells)} cells ok, {len(t.failed)} failed; "
              f"{1000 * times[workers] / max(len(t.cells), 1):.0f} ms per cell)")
    same = all(results[1].tables()[k].equals(results[2].tables()[k])
               for k in results[1].tables())
    print(f"  scaling 1 -> 2 workers: {times[1] / times[2]:.2f}x (2.00 is perfect); "
          f"cluster start-up {startup:.1f} s; identical results: {same}")
    print(f"  peak RSS of this process: "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
