"""Re-estimation of a stored study: cells in process or on Dask (same numbers for any number of workers and
on an existing cluster), a failing cell reported while the others finish, wave-over-wave
changes against their definition, and ``survey run`` end to end."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from survey.analysis.waves import wave_changes
from survey.cli import cli
from survey.cli.simulate import airline_ccsi
from survey.ingest import response_set_from_frame
from survey.simulate import TRACKING_STUDY, simulate_responses
from survey.store import Study
from survey.tracking import track

WAVES = ["2026Q1", "2026Q2"]


@pytest.fixture(scope="module")
def bound():
    return airline_ccsi()


@pytest.fixture(scope="module")
def data(bound):
    frames = []
    for k, ((wave, brand), population) in enumerate(TRACKING_STUDY.items()):
        raw = simulate_responses(bound, population, n=200, seed=500 + k)
        frames.append(response_set_from_frame(raw, bound.questionnaire, items=bound.items)
                      .data.assign(wave=wave, brand=brand))
    # A brand with 5 respondents in one wave: too few for the model, the cell must fail alone.
    raw = simulate_responses(bound, TRACKING_STUDY[("2026Q2", "A")], n=5, seed=9)
    frames.append(response_set_from_frame(raw, bound.questionnaire, items=bound.items)
                  .data.assign(wave="2026Q2", brand="C"))
    return pd.concat(frames, ignore_index=True)


SETTINGS = dict(waves=WAVES, by=["brand"], bootstrap=60, permutations=60, seed=4)


@pytest.fixture(scope="module")
def local(bound, data):
    return track(bound, data, workers=0, **SETTINGS)


def test_a_failing_cell_is_reported_and_the_others_finish(local):
    assert len(local.cells) == 4
    assert [f.cell.as_dict() for f in local.failed] == [{"wave": "2026Q2", "brand": "C"}]
    assert "fewer than the" in local.failed[0].error
    cells = local.tables()["cells"]
    assert set(cells["status"]) == {"ok", "failed"} and len(cells) == 5


def test_same_numbers_on_dask_with_two_workers(bound, data, local, monkeypatch):
    """... on one cluster for the whole run: its cells and its wave comparisons."""
    from survey import batch

    started = []
    real = batch.dask_client

    def counting(*args, **kwargs):
        started.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(batch, "dask_client", counting)
    dask = track(bound, data, workers=2, **SETTINGS)
    assert len(started) == 1 and dask.settings["execution"] == "dask"
    assert local.settings["execution"] == "in process"
    for name, table in local.tables().items():
        pd.testing.assert_frame_equal(table, dask.tables()[name], check_exact=True,
                                      obj=name)


def test_same_numbers_on_an_existing_cluster(bound, data, local):
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None) as cluster:
        remote = track(bound, data, scheduler=cluster.scheduler_address, **SETTINGS)
    pd.testing.assert_frame_equal(local.tables()["indices"], remote.tables()["indices"],
                                  check_exact=True)
    assert remote.settings["scheduler"] == cluster.scheduler_address


def test_index_change_and_its_interval(local):
    step = next(s for s in local.steps if s.group == {"brand": "A"})
    before = next(c for c in local.cells if c.key == {"wave": "2026Q1", "brand": "A"})
    after = next(c for c in local.cells if c.key == {"wave": "2026Q2", "brand": "A"})
    change = next(c for c in step.changes if c.kind == "index" and c.a == "punctuality")
    assert change.change == pytest.approx(after.estimate.index("punctuality")
                                          - before.estimate.index("punctuality"))
    j = before.estimate.bootstrap.labels.index(("index", "punctuality", ""))
    diff = after.estimate.bootstrap.draws[:, j] - before.estimate.bootstrap.draws[:, j]
    assert (change.ci_low, change.ci_high) == pytest.approx(tuple(np.quantile(diff, [.025, .975])))
    # Brand A raised punctuality by 0.8 scale points (about +9 index points): found.
    assert change.change > 5 and change.significant and change.p_value < 0.05


def test_changes_without_a_permutation_test_use_the_interval(local):
    before = local.cells[0].estimate
    after = dataclasses.replace(before)
    changes = wave_changes(before, after)
    assert all(c.p_value is None for c in changes)
    assert not any(c.significant for c in changes if c.kind == "index")


def test_the_improvement_check_confirms_brand_bs_cabin(local):
    step = next(s for s in local.steps if s.group == {"brand": "B"})
    cabin = [c for c in step.improvement if c.driver == "cabin"]
    assert cabin and cabin[0].verdict == "improved" and cabin[0].change > 0


def test_survey_run_end_to_end(root, tmp_path, bound):
    runner = CliRunner()

    def run(*args):
        r = runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        return r.output

    study = tmp_path / "study"
    run("init", study, "--questionnaire", root / "questionnaires/airline.yaml", "--model",
        root / "models/ccsi.yaml")
    for k, ((wave, brand), population) in enumerate(TRACKING_STUDY.items()):
        path = tmp_path / f"{wave}_{brand}.csv"
        simulate_responses(bound, population, n=150, seed=700 + k).to_csv(path, index=False)
        run("ingest", study, path, "--wave", wave, "--brand", brand)
    out = run("run", study, "--bootstrap", "50", "--permutations", "50", "--workers", "0",
              "--out", tmp_path / "report", "--lang", "en")
    assert "4 cells estimated, 0 failed" in out
    html = (tmp_path / "report" / "tracking_report.html").read_text(encoding="utf-8")
    assert "2026Q1" in html and "2026Q2" in html
    runs = Study.open(study).runs()
    assert len(runs) == 1
    manifest = runs.iloc[0]["manifest"]
    assert manifest["seed"] == 2026 and manifest["waves"] == WAVES
    assert len(manifest["data"]) == 4 and all(len(d["sha256"]) == 64 for d in manifest["data"])
    assert manifest["model"]["sha256"] and manifest["versions"]["duckdb"] != "not installed"
    tables = Study.open(study).run_tables(runs.iloc[0]["run_id"])
    assert {"cells", "indices", "paths", "changes", "improvement"} <= set(tables)
    assert len(tables["indices"]) == 4 * len(bound.constructs)


THREE = {"quality": ("q1", "q2", "q3"), "satisfaction": ("s1", "s2", "s3"),
         "loyalty": ("l1", "l2")}


def _three_construct_study(tmp_path):
    """quality -> satisfaction -> loyalty: no brands, no screening, no profile."""
    def text(word):
        return f"{{zh: {word}, en: {word}}}"

    lines = ["id: three", f"title: {text('Three')}", "scales:",
             "  ten: {min: 1, max: 10, dont_know: 99}", "constructs:"]
    for construct, items in THREE.items():
        lines += [f"  {construct}:", f"    label: {text(construct.title())}",
                  "    scale: ten", "    items:"]
        lines += [f"      {i}: {text(i)}" for i in items]
    q = tmp_path / "q.yaml"
    q.write_text("\n".join(lines) + "\n", encoding="utf-8")
    m = tmp_path / "m.yaml"
    m.write_text("id: three\nname: {zh: m, en: m}\nlatents: [quality, satisfaction, loyalty]\n"
                 "paths: [quality -> satisfaction, satisfaction -> loyalty]\n"
                 "target: satisfaction\n", encoding="utf-8")
    return q, m


def test_survey_run_stores_a_run_with_no_driver_to_improve_first(tmp_path):
    """Three constructs: the only driver of satisfaction is never 'improve first', so the
    improvement table has no rows; the run is still stored, every table with its columns."""
    from survey.pathmodel import bind, load_model
    from survey.questionnaire import load_questionnaire
    from survey.simulate import Population

    q, m = _three_construct_study(tmp_path)
    bound = bind(load_model(m), load_questionnaire(q))
    population = Population(paths={("quality", "satisfaction"): 0.6,
                                   ("satisfaction", "loyalty"): 0.6})
    runner = CliRunner()

    def run(*args):
        r = runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        return r.output

    study = tmp_path / "study"
    run("init", study, "--questionnaire", q, "--model", m)
    for k, wave in enumerate(["W1", "W2"]):
        path = tmp_path / f"{wave}.csv"
        simulate_responses(bound, population, n=150, seed=k).to_csv(path, index=False)
        run("ingest", study, path, "--wave", wave)
    # The default --by brand: a study without brands is not split (no cell of brand '').
    out = run("run", study, "--bootstrap", "30", "--permutations", "30",
              "--workers", "0", "--out", tmp_path / "report", "--lang", "en")
    assert "2 cells estimated, 0 failed" in out
    assert "  all: W1 -> W2: " in out and "brand" not in out
    runs = Study.open(study).runs()
    assert runs.iloc[0]["manifest"]["by"] == []
    tables = Study.open(study).run_tables(runs.iloc[0]["run_id"])
    assert tables["improvement"].empty and "brand" not in tables["cells"]
    assert {"wave_from", "wave_to", "driver", "verdict", "change"} <= set(
        tables["improvement"].columns)
    assert len(tables["indices"]) == 2 * 3 and len(tables["changes"]) > 0


def test_a_run_with_no_cell_estimated_is_an_error_not_an_empty_report(bound, data):
    from survey.errors import EstimationError

    with pytest.raises(EstimationError, match=r"None of the 1 cells could be estimated.*"
                                              r"fewer than the"):
        track(bound, data[data["brand"] == "C"], waves=["2026Q2"], by=["brand"], workers=0,
              bootstrap=5, permutations=5)
    with pytest.raises(EstimationError, match=r"No accepted respondent in wave\(s\) "
                                              r"\['2026Q3'\]"):
        track(bound, data, waves=["2026Q3"], by=["brand"], workers=0)
    with pytest.raises(EstimationError, match=r"None of the 805 respondents of wave\(s\) "
                                              r"\['2026Q1', '2026Q2'\] has an answer in "
                                              r"\['region'\]"):
        track(bound, data.assign(region=pd.NA), waves=WAVES, by=["region"], workers=0)


def test_survey_run_on_a_study_without_waves_fails_in_one_line(root, tmp_path):
    runner = CliRunner()
    study = tmp_path / "study"
    r = runner.invoke(cli, ["init", str(study), "--questionnaire",
                            str(root / "questionnaires/airline.yaml"), "--model",
                            str(root / "models/ccsi.yaml")])
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["run", str(study), "--workers", "0"])
    assert r.exit_code == 2
    assert r.output == f"error: {study}: The study has no waves yet. Add one with 'survey ingest'.\n"
    assert Study.open(study).runs().empty


@pytest.mark.parametrize("given,specs", [
    (("brand",), ["brand"]),
    (("brand,age=30,45",), ["brand", "age=30,45"]),
    (("age=30,45,60", "region"), ["age=30,45,60", "region"]),
    (("age=30,45,region,gender",), ["age=30,45", "region", "gender"]),
    (("",), []),
])
def test_by_keeps_the_cut_points_of_a_band_together(given, specs):
    from survey.cli.run import _split_by

    assert _split_by(given) == specs


def test_the_execution_is_chosen_by_the_size_of_the_run(bound, data, monkeypatch):
    """A few cells without --workers stay in this process (a cluster costs more than it
    saves); workers or a scheduler send them to Dask."""
    from survey import batch

    assert not batch.use_dask(4, None, None)
    assert batch.use_dask(batch.LOCAL_CLUSTER_MIN_CELLS, None, None)
    assert batch.use_dask(2, None, 2) and not batch.use_dask(100, None, 0)
    assert batch.use_dask(1, "tcp://x:1", None)
    monkeypatch.setattr(batch, "dask_client", lambda *a, **k: pytest.fail("a cluster started"))
    small = track(bound, data, **SETTINGS)
    assert small.settings["execution"] == "in process" and len(small.cells) == 4
