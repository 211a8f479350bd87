"""PLSpredict benchmark, run by hand (never as a test): ours beside seminr's ``predict_pls`` in
the same run, on the same data, folds and repetitions.

    .venv/bin/python bench/bench_predict.py            # 10 folds x 10 repetitions
    .venv/bin/python bench/bench_predict.py --quick    # 10 folds x 2 repetitions

1. ECSI on seminr's mobi (250 respondents, 24 items), direct antecedents: seminr 0.2.1's
   ``predict_pls`` (the peer; it runs one shuffled k-fold split per call, so each repetition
   is one call with that repetition's row order) against our cross-validation given the same
   folds. Both on one core (BLAS threads pinned to 1 before numpy loads). Printed: seconds,
   the speed-up, and the largest difference of their out-of-sample RMSE per indicator (a
   check that the two did the same work).
2. The bundled airline CCSI example (996 respondents, 40 items, second-order quality), as
   ``survey estimate --predict`` runs it: ours only (seminr refuses higher-order models).
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
FOLDS = 10
SEED = 20261201


def bench_mobi(repetitions: int) -> None:
    import pandas as pd
    import seminr
    from seminr.predict import cut_folds, item_metrics, predict_DA, predict_pls

    from survey.analysis.prediction import (
        PredictSettings,
        cross_validate,
        indicator_table,
        pls_predict,
    )
    from survey.pathmodel import bind, load_model
    from survey.questionnaire import load_questionnaire

    sys.path.insert(0, str(ROOT / "tests" / "reference"))
    from seminr_reference import ecsi_case  # the peer's ECSI specification

    q = load_questionnaire(ROOT / "questionnaires" / "mobi.yaml")
    bound = bind(load_model(ROOT / "models" / "ecsi.yaml"), q)
    data = pd.read_csv(Path(seminr.__file__).parent / "datasets" / "mobi.csv").astype(float)
    n = len(data)
    rng = np.random.default_rng(SEED)
    orders = [[int(i) for i in rng.permutation(n)] for _ in range(repetitions)]
    cut = cut_folds(n, FOLDS)
    folds = np.empty((repetitions, n), dtype=np.int64)
    for r, order in enumerate(orders):
        for pos, row in enumerate(order):
            folds[r, row] = cut[pos] - 1

    case = ecsi_case("", seminr.path_weighting)
    model = seminr.estimate_pls(case.data, case.measurement, case.structural)
    predict_pls(model, technique=predict_DA, no_folds=FOLDS, ordering=orders[0])  # warm-up
    start = time.perf_counter()
    theirs = [predict_pls(model, technique=predict_DA, no_folds=FOLDS, ordering=order)
              for order in orders]
    t_theirs = time.perf_counter() - start

    settings = PredictSettings(folds=FOLDS, repetitions=repetitions, seed=SEED)
    pls_predict(bound, data, settings=settings, fold_ids=folds)  # warm-up
    start = time.perf_counter()
    ours = pls_predict(bound, data, settings=settings, fold_ids=folds)
    t_ours = time.perf_counter() - start
    start = time.perf_counter()
    cv = cross_validate(bound, data, fold_ids=folds)
    t_cv = time.perf_counter() - start

    # The same work: per indicator, seminr's RMSE averaged over the repetitions.
    rmse = {}
    for pred in theirs:
        table = item_metrics(pred).pls_out_of_sample
        for item in table.cols:
            rmse.setdefault(item, []).append(table.values[0, table.cols.index(item)])
    gap = max(abs(x.pls_rmse - np.mean(rmse[x.item])) for x in indicator_table(cv))
    print(f"[PLSpredict] ECSI on mobi, n = {n}, {FOLDS} folds x {repetitions} repetitions "
          f"({FOLDS * repetitions} training fits), direct antecedents, one core")
    print(f"  seminr predict_pls ({repetitions} calls): {t_theirs:7.3f} s")
    print(f"  ours: predictions {t_cv:7.3f} s; with the table, readings and CVPAT "
          f"({settings.resamples} bootstrap resamples) {t_ours:7.3f} s")
    print(f"  speed-up (predictions): {t_theirs / t_cv:.1f}x; with everything: "
          f"{t_theirs / t_ours:.1f}x")
    print(f"  max |RMSE ours - seminr| over {len(rmse)} indicators: {gap:.1e}; headline "
          f"{ours.headline.latent}: {ours.headline.power}")


def bench_demo(repetitions: int) -> None:
    from survey.analysis.prediction import PredictSettings, prediction_of
    from survey.resources import bundled
    from survey.study import estimate_study

    result = estimate_study(bundled("questionnaires") / "airline.yaml",
                            bundled("models") / "ccsi.yaml",
                            bundled("examples") / "airline_wave1.csv", analyses=())
    settings = PredictSettings(folds=FOLDS, repetitions=repetitions, seed=SEED)
    prediction_of(result.bound, result.responses.data, result.estimate, settings)  # warm-up
    times = []
    for _ in range(3):
        start = time.perf_counter()
        p = prediction_of(result.bound, result.responses.data, result.estimate, settings)
        times.append(time.perf_counter() - start)
    print(f"[PLSpredict] airline CCSI demo, n = {p.n}, {len(result.bound.items)} items, "
          f"{FOLDS} folds x {repetitions} repetitions, one core: best of 3 "
          f"{min(times):.3f} s (median {sorted(times)[1]:.3f} s); headline "
          f"{p.headline.latent}: {p.headline.power}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 repetitions instead of 10")
    args = parser.parse_args()
    repetitions = 2 if args.quick else 10
    bench_mobi(repetitions)
    bench_demo(repetitions)


if __name__ == "__main__":
    main()
