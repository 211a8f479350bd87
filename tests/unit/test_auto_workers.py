"""The bootstraps' and permutations' execution by the size of the work
(survey.estimators.bootstrap.auto_workers)."""

from __future__ import annotations

import os

import pytest

from survey.estimators.bootstrap import CHUNK, POOL_PAYS, auto_workers


@pytest.mark.parametrize("machine", [2, 8])
def test_small_work_stays_in_this_process_and_large_work_goes_to_the_pool(monkeypatch,
                                                                          machine):
    monkeypatch.setattr(os, "cpu_count", lambda: machine)
    cores = min(machine, 4)
    # The airline wave (n = 1,000, 37 items): a PLS bootstrap of 1,000 resamples takes 0.4 s.
    assert auto_workers("pls", 1000, 37, 1000) == 1
    # A CB-SEM bootstrap of 1,000 resamples of it takes 35 s.
    assert auto_workers("cbsem", 1000, 37, 1000) == cores
    # 100,000 respondents: the PLS resamples are worth a pool.
    assert auto_workers("pls", 100_000, 37, 1000) == cores
    # Fewer fits than two chunks never go to a pool, whatever they cost.
    assert auto_workers("cbsem", 1000, 37, 2 * CHUNK - 1) == 1
    # The threshold itself: work of POOL_PAYS seconds goes to the pool.
    per_fit = 0.3e-9 * 1000 * 37 * 37
    fits = int(POOL_PAYS / per_fit) + 1
    assert auto_workers("pls", 1000, 37, fits) == cores
    assert auto_workers("pls", 1000, 37, fits // 2) == 1
    # One core: never a pool.
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert auto_workers("cbsem", 1000, 37, 10_000) == 1


def test_the_manifest_says_auto_and_the_numbers_do_not_depend_on_it(root):
    from survey.study import estimate_study

    args = (root / "questionnaires/airline.yaml", root / "models/ccsi.yaml",
            root / "examples/airline_wave1.csv")
    auto = estimate_study(*args, bootstrap=200, workers=None, analyses=())
    one = estimate_study(*args, bootstrap=200, workers=1, analyses=())
    assert auto.manifest["settings"]["workers"] == "auto"
    assert one.manifest["settings"]["workers"] == 1
    assert auto.estimate.to_json()["bootstrap"] == one.estimate.to_json()["bootstrap"]
    assert [p.se for p in auto.estimate.paths] == [p.se for p in one.estimate.paths]
