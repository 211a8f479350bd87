"""The CB-SEM bootstrap statistic: reproducible whatever the workers, equal to the estimate on
the sample itself, failures counted, and standard errors that agree with ML theory."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey.estimators.bootstrap import NEGATIVE_VARIANCE, BootstrapSettings
from survey.estimators.cbsem import estimate_cbsem
from survey.estimators.cbsem_bootstrap import NOT_CONVERGED, bootstrap_cbsem, cbsem_statistic
from survey.ingest import response_set_from_frame
from survey.pathmodel import bind, load_model
from survey.questionnaire import load_questionnaire
from survey.simulate import AIRLINE_CCSI, latent_scores, simulate_responses

ROOT = Path(__file__).resolve().parents[2]
COMPLETE = dataclasses.replace(AIRLINE_CCSI, dont_know_rate=0.0, dont_know_rates={},
                               screened_out_rate=0.0)


@pytest.fixture(scope="module")
def bound():
    return bind(load_model(ROOT / "models" / "ccsi.yaml"),
                load_questionnaire(ROOT / "questionnaires" / "airline.yaml"))


def _wave(bound, population, n: int, seed: int) -> pd.DataFrame:
    frame = simulate_responses(bound, population, n=n, seed=seed)
    return response_set_from_frame(frame, bound.questionnaire, items=bound.items).data


@pytest.fixture(scope="module")
def complete(bound):
    data = _wave(bound, COMPLETE, 300, seed=21)
    return data, estimate_cbsem(bound, data)


@pytest.fixture(scope="module")
def with_missing(bound):
    """Don't-know answers, so the estimate and every resample go through FIML."""
    data = _wave(bound, dataclasses.replace(AIRLINE_CCSI, screened_out_rate=0.0), 250, seed=22)
    est = estimate_cbsem(bound, data)
    assert est.missing == "fiml"
    return data, est


def test_labels_name_what_the_estimate_reports(bound, complete):
    data, est = complete
    stat = cbsem_statistic(bound, data, est)
    labels = set(stat.labels)
    assert {("path", p.source, p.target) for p in est.paths} <= labels
    assert {("std_path", p.source, p.target) for p in est.paths} <= labels
    assert {("index", i.latent, "") for i in est.indices} <= labels
    assert {("total", e.source, e.target) for e in est.effects} <= labels
    assert {("r2", x, "") for x in est.r2} <= labels
    # Second-order loadings (quality -> dimension) are bootstrapped; marker loadings are fixed.
    assert ("loading", "quality", "cabin") in labels and ("loading", "quality", "crew") not in labels
    assert ("std_loading", "quality", "crew") in labels
    loadings = {(x.latent, x.item) for x in est.loadings}
    assert {(a, b) for kind, a, b in labels if kind == "loading"} <= loadings


@pytest.mark.parametrize("wave", ["complete", "with_missing"])
def test_counts_all_ones_reproduce_the_estimate(bound, wave, request):
    data, est = request.getfixturevalue(wave)
    stat = cbsem_statistic(bound, data, est)
    values, reasons = stat(np.ones((1, stat.n), dtype=np.int64))
    assert reasons == [""]
    got = dict(zip(stat.labels, values[0], strict=True))
    for p in est.paths:
        assert got[("path", p.source, p.target)] == pytest.approx(p.estimate, abs=1e-6)
        assert got[("std_path", p.source, p.target)] == pytest.approx(p.std_estimate, abs=1e-6)
    for x in est.loadings:
        if ("loading", x.latent, x.item) in got:
            assert got[("loading", x.latent, x.item)] == pytest.approx(x.estimate, abs=1e-6)
        if ("std_loading", x.latent, x.item) in got:
            assert got[("std_loading", x.latent, x.item)] == pytest.approx(x.std_estimate,
                                                                           abs=1e-6)
    for i in est.indices:
        assert got[("index", i.latent, "")] == pytest.approx(i.value, abs=1e-6)
    for k, v in est.r2.items():
        assert got[("r2", k, "")] == pytest.approx(v, abs=1e-6)
    for e in est.effects:
        assert got[("total", e.source, e.target)] == pytest.approx(e.total, abs=1e-6)


def test_same_seed_same_table_whatever_the_workers(bound, complete):
    data, est = complete
    settings = BootstrapSettings(60, seed=5, jackknife_groups=20)
    one = bootstrap_cbsem(bound, data, est, settings)
    again = bootstrap_cbsem(bound, data, est, settings)
    two = bootstrap_cbsem(bound, data, est, dataclasses.replace(settings, workers=2))
    assert one.n_ok == 60
    assert np.array_equal(one.draws, again.draws)
    assert np.array_equal(one.draws, two.draws) and np.array_equal(one.jackknife, two.jackknife)
    pd.testing.assert_frame_equal(one.table(), two.table(), check_exact=True)
    other = bootstrap_cbsem(bound, data, est, dataclasses.replace(settings, seed=6))
    assert not np.array_equal(one.draws, other.draws)


def test_fiml_resamples_are_reproducible_across_workers(bound, with_missing):
    data, est = with_missing
    settings = BootstrapSettings(8, seed=2, jackknife_groups=4)
    one = bootstrap_cbsem(bound, data, est, settings)
    two = bootstrap_cbsem(bound, data, est, dataclasses.replace(settings, workers=2))
    assert one.n_ok + one.n_failed == 8 and one.n_ok > 0
    assert np.array_equal(one.draws, two.draws) and np.array_equal(one.jackknife, two.jackknife)


def test_non_converged_resamples_are_counted(bound, complete):
    data, est = complete
    result = bootstrap_cbsem(bound, data, est, BootstrapSettings(10, seed=1, jackknife_groups=2),
                             max_iter=2)
    assert result.failures[NOT_CONVERGED] == 10
    assert result.n_ok == 0 and result.n_ok + result.n_failed == 10


@pytest.fixture(scope="module")
def heywood_prone(bound):
    """An item that measures its latent without error: its residual variance is 0 in the
    population, so about half the resamples estimate it negative (a Heywood case)."""
    rng = np.random.default_rng(5)
    n = 300
    eta = latent_scores(bound, AIRLINE_CCSI, n, rng)
    cols = {item: 7 + 1.5 * (0.8 * eta[c].to_numpy() + 0.6 * rng.standard_normal(n))
            for c, items in bound.measurement for item in items}
    cols["img_awareness"] = 7 + 1.5 * eta["image"].to_numpy()
    data = pd.DataFrame(cols)
    return data, estimate_cbsem(bound, data)


def test_heywood_resamples_are_dropped_and_counted_under_drop(bound, heywood_prone):
    data, est = heywood_prone
    settings = BootstrapSettings(30, seed=1, jackknife_groups=2, inadmissible="drop")
    result = bootstrap_cbsem(bound, data, est, settings)
    assert result.failures[NEGATIVE_VARIANCE] > 0 and result.n_ok > 0
    assert result.n_ok + result.n_failed == 30 and not result.kept
    assert result.draws.shape == (result.n_ok, len(result.labels))
    summary = result.summary()
    assert summary["failures"][NEGATIVE_VARIANCE] == result.failures[NEGATIVE_VARIANCE]
    assert summary["inadmissible"] == "drop"


def test_heywood_resamples_are_kept_and_counted_under_keep(bound, heywood_prone):
    """lavaan's convention (the default): an inadmissible resample is a draw like any other;
    the same resamples as under "drop", plus the inadmissible ones."""
    data, est = heywood_prone
    keep = bootstrap_cbsem(bound, data, est, BootstrapSettings(30, seed=1, jackknife_groups=2))
    drop = bootstrap_cbsem(bound, data, est, BootstrapSettings(30, seed=1, jackknife_groups=2,
                                                               inadmissible="drop"))
    assert keep.settings.inadmissible == "keep"
    assert keep.kept[NEGATIVE_VARIANCE] == drop.failures[NEGATIVE_VARIANCE] > 0
    assert keep.n_ok == drop.n_ok + drop.failures[NEGATIVE_VARIANCE]
    assert NEGATIVE_VARIANCE not in keep.failures
    assert keep.summary()["inadmissible_kept"] == {NEGATIVE_VARIANCE: keep.kept[NEGATIVE_VARIANCE]}
    # Every usable draw under "drop" is among the draws kept under "keep", in order.
    rows = {tuple(np.round(r, 12)) for r in keep.draws}
    assert all(tuple(np.round(r, 12)) in rows for r in drop.draws)


def test_bootstrap_standard_errors_agree_with_ml(bound):
    """With a correct model and near-normal data, the bootstrap SE of an ML estimate is close
    to its ML (information) SE; resampling with the wrong weights or the wrong start fails."""
    data = _wave(bound, COMPLETE, 500, seed=23)
    est = estimate_cbsem(bound, data)
    result = bootstrap_cbsem(bound, data, est, BootstrapSettings(400, seed=9, jackknife_groups=2))
    assert result.n_ok == 400
    table = result.table().set_index(["kind", "a", "b"])
    for p in est.paths:
        boot = table.loc[("path", p.source, p.target), "se"]
        assert boot == pytest.approx(p.se, rel=0.25), (p.source, p.target)
        mean = table.loc[("path", p.source, p.target), "boot_mean"]
        assert abs(mean - p.estimate) < 0.5 * p.se  # no drift away from the estimate


def test_estimate_cbsem_with_bootstrap_fills_paths_and_json(bound, complete):
    data, _ = complete
    est = estimate_cbsem(bound, data, bootstrap=BootstrapSettings(200, seed=1))
    assert est.inference == "bootstrap"
    for p in est.paths:
        assert p.se is not None and p.se > 0
        assert p.ci_low is not None and p.ci_high is not None and p.ci_low < p.ci_high
        assert p.ci_low <= p.estimate <= p.ci_high
    for i in est.indices:
        assert i.se is not None and i.ci_low < i.value < i.ci_high
    second_order = [x for x in est.loadings if x.latent == "quality" and x.item != "crew"]
    assert all(x.se is not None and x.ci_low is not None for x in second_order)
    out = est.to_json()["bootstrap"]
    assert out["resamples"] == 200 and out["ok"] + out["failed"] == 200
    # Percentile intervals (the default) need no jackknife; BCa's refits come with BCa only.
    assert out["method"] == "cbsem" and out["jackknife_groups"] is None
    bca = estimate_cbsem(bound, data, bootstrap=BootstrapSettings(200, seed=1), interval="bca")
    assert bca.to_json()["bootstrap"]["jackknife_groups"] == 100
    assert all(p.ci_low is not None for p in bca.paths)
