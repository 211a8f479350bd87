"""PLS benchmarks, run by hand (never as tests): every ratio is against a baseline measured in
the same run on the same machine.

    .venv/bin/python bench/bench_pls.py            # full: seminr 5000 resamples (~35 s)
    .venv/bin/python bench/bench_pls.py --quick    # seminr timed on 500 resamples

1. Bootstrap: 5000 resamples of ECSI on mobi (250 respondents), ours vs seminr's own
   ``bootstrap_model`` (PyPI seminr 0.2.1, the peer), both on one core (BLAS threads pinned to 1
   before numpy loads). Target: ours at least 20x faster.
2. Scale: a PLS fit of the airline CCSI model (40 items, second-order quality) on 1k, 10k and
   100k simulated respondents, each size in a fresh process: wall time, time per respondent
   (flat = linear growth) and the process's peak resident memory (target < 1 GB at 100k).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESAMPLES = 5000
SEED = 20261125


def bench_bootstrap(seminr_resamples: int) -> None:
    import pandas as pd
    import seminr

    from survey.estimators.bootstrap import BootstrapSettings
    from survey.estimators.pls import estimate_pls
    from survey.pathmodel import bind, load_model
    from survey.questionnaire import load_questionnaire

    sys.path.insert(0, str(ROOT / "tests" / "reference"))
    from seminr_reference import ecsi_case  # the peer's ECSI specification

    q = load_questionnaire(ROOT / "questionnaires" / "mobi.yaml")
    bound = bind(load_model(ROOT / "models" / "ecsi.yaml"), q)
    data = pd.read_csv(Path(seminr.__file__).parent / "datasets" / "mobi.csv").astype(float)
    estimate_pls(bound, data, bootstrap=BootstrapSettings(50, seed=1))  # warm-up
    start = time.perf_counter()
    ours = estimate_pls(bound, data, bootstrap=BootstrapSettings(RESAMPLES, seed=SEED))
    t_ours = time.perf_counter() - start

    case = ecsi_case("", seminr.path_weighting)
    model = seminr.estimate_pls(case.data, case.measurement, case.structural)
    seminr.bootstrap_model(model, nboot=10, seed=SEED, cores=1)  # warm-up
    start = time.perf_counter()
    theirs = seminr.bootstrap_model(model, nboot=seminr_resamples, seed=SEED, cores=1)
    t_theirs = time.perf_counter() - start

    ms_ours = 1000 * t_ours / RESAMPLES
    ms_theirs = 1000 * t_theirs / seminr_resamples
    print("[bootstrap] ECSI on mobi, n = 250, one core")
    print(f"  ours   {RESAMPLES} resamples (+ {min(250, 1000)} jackknife fits for BCa, summary "
          f"table): {t_ours:6.2f} s = {ms_ours:.4f} ms/resample; failed "
          f"{ours.bootstrap.n_failed}")
    print(f"  seminr {seminr_resamples} resamples (bootstrap_model, cores=1): {t_theirs:6.2f} s = "
          f"{ms_theirs:.4f} ms/resample; failed {theirs.fails}")
    print(f"  speed-up: {ms_theirs / ms_ours:.1f}x (target >= 20x)")


def _scale_child(n: int) -> None:
    """Run in a fresh process: simulate n respondents, time one PLS fit, print JSON."""
    import dataclasses

    from survey.estimators.pls import estimate_pls
    from survey.ingest import response_set_from_frame
    from survey.pathmodel import bind, load_model
    from survey.questionnaire import load_questionnaire
    from survey.simulate import AIRLINE_CCSI, simulate_responses

    q = load_questionnaire(ROOT / "questionnaires" / "airline.yaml")
    bound = bind(load_model(ROOT / "models" / "ccsi.yaml"), q)
    population = dataclasses.replace(AIRLINE_CCSI, screened_out_rate=0.0)
    frame = simulate_responses(bound, population, n=n, seed=7)
    data = response_set_from_frame(frame, q, items=bound.items).data
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    estimate_pls(bound, data.iloc[:1000])  # warm-up
    start = time.perf_counter()
    est = estimate_pls(bound, data)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"n": n, "seconds": seconds, "peak_mb": peak / 1024,
                      "peak_before_fit_mb": before / 1024, "converged": est.converged,
                      "satisfaction": est.index("satisfaction")}))


def bench_scale() -> None:
    print("[scale] airline CCSI PLS fit (40 items, mean replacement), fresh process per size")
    rows = []
    for n in (1_000, 10_000, 100_000):
        out = subprocess.run([sys.executable, __file__, "--scale-child", str(n)],
                             capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    base = rows[0]["seconds"] / rows[0]["n"]
    for r in rows:
        per = r["seconds"] / r["n"]
        print(f"  n = {r['n']:>7,}: {r['seconds']:7.3f} s, {1e6 * per:7.2f} us/respondent "
              f"({per / base:4.2f}x the 1k rate), peak RSS {r['peak_mb']:6.0f} MB "
              f"(before the fit {r['peak_before_fit_mb']:.0f} MB), satisfaction "
              f"{r['satisfaction']:.2f}")
    print(f"  time ratio 100k/10k = {rows[2]['seconds'] / rows[1]['seconds']:.1f} (linear: 10); "
          f"peak at 100k {rows[2]['peak_mb']:.0f} MB (target < 1024 MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="time seminr on 500 resamples")
    parser.add_argument("--scale-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scale_child:
        _scale_child(args.scale_child)
        return
    bench_bootstrap(500 if args.quick else RESAMPLES)
    bench_scale()


if __name__ == "__main__":
    main()
