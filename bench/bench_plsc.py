"""PLSc bootstrap benchmark, run by hand (never as a test): ours against seminr's in one run.

    .venv/bin/python bench/bench_plsc.py            # 1000 resamples each (~1 min for seminr)
    .venv/bin/python bench/bench_plsc.py --quick    # 200 resamples each

ECSI on mobi (250 respondents), every construct reflective, so both estimators apply the PLSc
correction (Dijkstra & Henseler 2015) in every resample: ours
(``survey.estimators.plsc.estimate_plsc`` with a bootstrap: the PLS kernel and the correction
batched per chunk of 200 resamples, plus the jackknife for BCa, as a user gets it) and seminr's
``bootstrap_model`` on its ``estimate_pls`` with ``reflective()`` constructs (PyPI seminr
0.2.1, the peer), given the very same resamples (our chunk draws as its 0-based index matrix).
Both on one core (BLAS threads pinned to 1 before numpy loads). Printed: seconds, ms per
resample, the speed-up, the resamples each kept (seminr keeps every one; ours fails the
inadmissible ones, and on this model, whose full-sample correction is itself not positive
definite, that is most of them) and the largest difference of a path between the two over the
resamples both kept.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261201


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 resamples instead of 1000")
    args = parser.parse_args()
    resamples = 200 if args.quick else 1000

    import pandas as pd
    import seminr

    from survey.estimators.bootstrap import CHUNK, BootstrapSettings
    from survey.estimators.plsc import estimate_plsc
    from survey.pathmodel import bind, load_model
    from survey.questionnaire import load_questionnaire

    sys.path.insert(0, str(ROOT / "tests" / "reference"))
    from test_plsc_reference import ECSI_PATHS, NAMES, seminr_model

    q = load_questionnaire(ROOT / "questionnaires" / "mobi.yaml")
    bound = bind(load_model(ROOT / "models" / "ecsi.yaml"), q)
    data = pd.read_csv(Path(seminr.__file__).parent / "datasets" / "mobi.csv").astype(float)
    n = len(data)
    # Our resamples, drawn as survey.estimators.bootstrap draws them (chunk c from its own
    # generator): seminr gets the same rows.
    draws = np.concatenate([
        np.random.default_rng(np.random.SeedSequence(SEED, spawn_key=(c,))).integers(
            0, n, size=(min(CHUNK, resamples - c * CHUNK), n))
        for c in range(-(-resamples // CHUNK))])

    estimate_plsc(bound, data, bootstrap=BootstrapSettings(50, seed=1))  # warm-up
    start = time.perf_counter()
    ours = estimate_plsc(bound, data, bootstrap=BootstrapSettings(resamples, seed=SEED))
    t_ours = time.perf_counter() - start

    latents = tuple(bound.model.latents)
    model = seminr_model(latents, ECSI_PATHS)
    seminr.bootstrap_model(model, 10, indices=draws[:10], cores=1)  # warm-up
    start = time.perf_counter()
    theirs = seminr.bootstrap_model(model, resamples, indices=draws, cores=1)
    t_theirs = time.perf_counter() - start

    # The resamples both kept: ours are in resample order among the usable ones.
    from survey.estimators.pls import _layout, _scale_bounds, compile_design, fit_pls
    from survey.estimators.plsc import PlscStatistic
    from survey.estimators.prepare import prepare_items

    design = compile_design(bound)
    fit = fit_pls(design, prepare_items(bound.items, data, missing="mean", weights=None,
                                        where="mobi"))
    lo, hi = _scale_bounds(design)
    counts = np.stack([np.bincount(d, minlength=n) for d in draws])
    values, reasons = PlscStatistic(fit, _layout(fit, ours), lo, hi)(counts)
    path_cols = [(j, a, b) for j, (kind, a, b) in enumerate(ours.bootstrap.labels)
                 if kind == "path"]
    gap = max(abs(values[i, j] - theirs.boot_paths[i].get(NAMES[a], NAMES[b]))
              for i, r in enumerate(reasons) if r == "" for j, a, b in path_cols)

    ms_ours = 1000 * t_ours / resamples
    ms_theirs = 1000 * t_theirs / resamples
    print(f"[plsc bootstrap] ECSI on mobi, every construct reflective, n = {n}, one core, "
          f"the same {resamples} resamples")
    print(f"  ours   (+ {min(n, 1000)} jackknife fits for BCa, summary table): "
          f"{t_ours:7.2f} s = {ms_ours:.3f} ms/resample; usable {ours.bootstrap.n_ok}, "
          f"failed {dict(ours.bootstrap.failures)}")
    print(f"  seminr (bootstrap_model, cores=1): {t_theirs:7.2f} s = {ms_theirs:.3f} "
          f"ms/resample; kept {theirs.boots}, failed {theirs.fails}")
    print(f"  speed-up: {ms_theirs / ms_ours:.1f}x; max |path ours - seminr| over the "
          f"resamples both kept: {gap:.1e}")


if __name__ == "__main__":
    main()
