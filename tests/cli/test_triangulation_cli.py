"""Driver triangulation and NPS through the real CLI and the API on study shapes other than the
airline example: three constructs without brands (quality -> satisfaction -> loyalty, loyalty
on 0-10 with its first item the recommend question, a region segment), and five drivers with a
higher-order construct. Checked against what the response file says by itself: with one driver
every share of R² is its squared correlation with the outcome; the NPS is the promoters' share
minus the detractors' in the file."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from test_shapes import Shape, run, write_study

import survey

ONE = Shape("tri3", drivers=1, gauges=True, scales=True, segments=True, n=300)
HOC = Shape("tri_hoc", drivers=4, gauges=True, second_order=True, n=400)


@pytest.fixture(scope="module")
def one(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tri3")
    files = write_study(ONE, folder)
    data = files.files[("2026W1", "")]
    run("estimate", "-q", files.questionnaire, "-m", files.model, "-d", data, "--bootstrap",
        "200", "--segment", "region", "--permutations", "0", "--out", folder / "en",
        "--format", "html", "--lang", "en")
    (saved,) = (folder / "en").glob("*.result.gz")
    run("report", saved, "--lang", "zh", "--format", "html", "--out", folder / "zh")
    (out,) = (folder / "en").glob("*.json")
    return files, data, json.loads(out.read_text(encoding="utf-8")), folder


def _answers(data, column: str) -> pd.Series:
    raw = pd.read_csv(data, dtype=str)[column]
    values = pd.to_numeric(raw, errors="coerce")
    return values.where(values <= 10)  # the don't-know code 99 is no answer


def test_one_driver_shares_are_its_squared_correlation(one):
    files, data, doc, _ = one
    block = doc["driver_shares"]
    assert block["available"] and block["outcome"] == "satisfaction_1"
    assert block["inference"] == "bootstrap" and block["bootstrap"]["resamples"] == 200
    (row,) = block["drivers"]
    quality = pd.concat([_answers(data, f"quality_{k}") for k in (1, 2, 3)], axis=1)
    frame = pd.concat([quality.mean(axis=1), _answers(data, "satisfaction_1")], axis=1).dropna()
    r = np.corrcoef(frame.to_numpy().T)[0, 1]
    assert block["n"] == len(frame)
    assert row["regression"] == pytest.approx(r, abs=1e-10)
    for key in ("relative_weight", "shapley"):
        assert row[key] == pytest.approx(r ** 2, abs=1e-10)
        assert row[f"{key}_ci_low"] <= row[key] <= row[f"{key}_ci_high"]
    assert block["r2"] == pytest.approx(r ** 2, abs=1e-10)
    assert block["agreement"]["rule_top"] == ["quality"]


def test_nps_is_the_files_promoters_minus_detractors(one):
    _, data, doc, _ = one
    block = doc["nps"]
    assert block["available"] and block["item"] == "loyalty_1"
    answers = _answers(data, "loyalty_1").dropna()
    expected = 100 * ((answers >= 9).mean() - (answers <= 6).mean())
    overall = block["overall"]
    assert overall["score"] == pytest.approx(expected, abs=1e-9)
    assert overall["n"] == len(answers)
    assert overall["ci_low"] < overall["score"] < overall["ci_high"]
    (region,) = block["segments"]
    assert region["column"] == "region" and len(region["levels"]) == 3
    assert len(region["pairs"]) == 3
    assert all(p["p_adjusted"] >= p["p_value"] for p in region["pairs"])


def test_report_shows_the_section_in_both_languages(one):
    _, _, doc, folder = one
    en = next((folder / "en").glob("*.html")).read_text(encoding="utf-8")
    zh = next((folder / "zh").glob("*.html")).read_text(encoding="utf-8")
    for html, words in ((en, ("Driver triangulation", "Net Promoter Score", "priority rule")),
                        (zh, ("驱动因素三角验证", "净推荐值", "优先级规则"))):
        section = html[html.index('<section id="triangulation">'):]
        section = section[:section.index("</section>")]
        for w in words:
            assert w in section, w
        assert 'id="triangulation-table"' in section and 'id="nps-line"' in section
        nps = f"{doc['nps']['overall']['score']:.1f}"
        assert re.search(rf"NPS = [+-]?{re.escape(nps.lstrip('-'))}", section)


@pytest.fixture(scope="module")
def hoc(tmp_path_factory):
    files = write_study(HOC, tmp_path_factory.mktemp("tri_hoc"))
    return survey.estimate(files.questionnaire, files.model, files.files[("2026W1", "")],
                           bootstrap=200, seed=7)


def test_higher_order_shape_sums_and_agreement(hoc):
    frame = hoc.driver_shares
    attrs = frame.attrs
    assert set(frame["driver"]) >= {"quality_core", "quality_extra"}  # dimensions, not quality
    assert frame["relative_weight"].sum() == pytest.approx(attrs["r2"], abs=1e-12)
    assert frame["shapley"].sum() == pytest.approx(attrs["r2"], abs=1e-12)
    # The agreement never reorders the rule: its drivers are the rule's, in the rule's order.
    order = hoc.priorities[hoc.study.bound.model.target]
    top = attrs["agreement"]["rule_top"]
    assert top == [d for d in order if d in top]
    positions = [order.index(d) for d in top]
    assert positions == sorted(positions)
    for verdict in attrs["agreement"]["methods"].values():
        assert sorted(verdict["agree"] + verdict["differ"]) == sorted(top)
    assert hoc.nps["reason_code"] == "not_0_10"  # a 1-10 recommend question: no NPS


def test_without_bootstrap_there_are_no_intervals(tmp_path):
    files = write_study(ONE, tmp_path)
    res = survey.estimate(files.questionnaire, files.model, files.files[("2026W1", "")],
                          analyses=["ipma", "driver_shares"])
    frame = res.driver_shares
    assert frame.attrs["inference"] == "none" and frame.attrs["withheld"] == "no_bootstrap"
    assert frame[["relative_weight_ci_low", "shapley_ci_high"]].isna().all().all()
    assert np.isfinite(frame["shapley"]).all()


def test_nps_change_between_two_waves(tmp_path):
    """Two waves of the 3-construct shape through the tracking run (survey.tracking.track):
    each cell's NPS is its wave file's, and the step's change is the later minus the earlier
    with SE sqrt(SE1² + SE2²)."""
    from survey.ingest import response_set_from_frame
    from survey.tracking import track

    shape = Shape("tri_waves", drivers=1, gauges=True, scales=True, waves=2, n=200)
    files = write_study(shape, tmp_path)
    frames, scores = [], {}
    for (wave, _), path in sorted(files.files.items()):
        raw = pd.read_csv(path, dtype=str)
        accepted = response_set_from_frame(raw, files.bound.questionnaire,
                                           items=files.bound.items).data
        frames.append(accepted.assign(wave=wave))
        answers = accepted["loyalty_1"].astype(float).dropna()
        scores[wave] = 100 * ((answers >= 9).mean() - (answers <= 6).mean())
    run_ = track(files.bound, pd.concat(frames, ignore_index=True), waves=sorted(scores),
                 by=(), bootstrap=0, permutations=0, workers=0)
    cells = {c.key["wave"]: c.nps for c in run_.cells}
    for wave, value in scores.items():
        assert cells[wave].score == pytest.approx(value, abs=1e-9)
    (step,) = run_.steps
    assert step.nps.difference == pytest.approx(scores["2026W2"] - scores["2026W1"], abs=1e-9)
    assert step.nps.se == pytest.approx(np.hypot(cells["2026W1"].se, cells["2026W2"].se))
    assert 0 <= step.nps.p_value <= 1
    doc = run_.to_json()
    assert doc["steps"][0]["nps"]["difference"] == pytest.approx(step.nps.difference)
    assert len(doc["cell_nps"]) == 2
    from survey.report.tracking import build_tracking_context, render_tracking_report

    for lang, words in (("en", "NPS change 2026W1 → 2026W2"), ("zh", "NPS 变化（2026W1 → 2026W2）")):
        html = render_tracking_report(build_tracking_context(run_, files.bound, lang))
        assert words in html


@pytest.fixture(scope="module")
def accepted(tmp_path_factory):
    """The 3-construct shape's accepted respondents, with a case-weight column."""
    from survey.ingest import response_set_from_frame

    files = write_study(ONE, tmp_path_factory.mktemp("tri_w"))
    raw = pd.read_csv(files.files[("2026W1", "")], dtype=str)
    data = response_set_from_frame(raw, files.bound.questionnaire, items=files.bound.items).data
    data = data.assign(w=np.where(np.arange(len(data)) % 3 == 0, 3.0, 0.5))
    return files, data


def test_survey_weights_are_honoured(accepted):
    files, data = accepted
    res = survey.estimate(files.questionnaire, files.model, data, weights="w",
                          analyses=["ipma", "driver_shares", "nps"])
    quality = data[["quality_1", "quality_2", "quality_3"]].astype(float).mean(axis=1)
    frame = pd.concat([quality, data["satisfaction_1"].astype(float), data["w"]],
                      axis=1).dropna()
    cov = np.cov(frame.iloc[:, :2].to_numpy().T, aweights=frame["w"])
    r2 = cov[0, 1] ** 2 / (cov[0, 0] * cov[1, 1])
    shares = res.driver_shares
    assert shares["relative_weight"].iloc[0] == pytest.approx(r2, abs=1e-10)
    assert shares["shapley"].iloc[0] == pytest.approx(r2, abs=1e-10)
    answered = data[["loyalty_1", "w"]].astype(float).dropna()
    w, x = answered["w"], answered["loyalty_1"]
    overall = res.nps["overall"]
    assert overall["score"] == pytest.approx(
        100 * (w[x >= 9].sum() - w[x <= 6].sum()) / w.sum(), abs=1e-9)
    assert overall["n_effective"] == pytest.approx(w.sum() ** 2 / (w ** 2).sum())


def _scores(data):
    from survey.analysis.scores import Scores

    return Scores(pd.DataFrame(index=data.index), pd.DataFrame(index=data.index), None, {})


def test_refusals_say_why(accepted, monkeypatch):
    from types import SimpleNamespace

    from survey.analysis import triangulation
    from survey.analysis.triangulation import driver_triangulation

    files, data = accepted
    none = SimpleNamespace(bootstrap=None)
    few = driver_triangulation(files.bound, data.iloc[:2], _scores(data.iloc[:2]), none)
    assert not few.available and few.reason_code == "too_few_respondents"
    assert "at least 3" in few.reason and few.to_json()["drivers"] == []
    flat = data.assign(quality_1="5", quality_2="5", quality_3="5")
    constant = driver_triangulation(files.bound, flat, _scores(flat), none)
    assert not constant.available and constant.reason_code == "singular"
    same = data.assign(satisfaction_1="7")
    flat_outcome = driver_triangulation(files.bound, same, _scores(same), none)
    assert not flat_outcome.available and flat_outcome.reason_code == "constant_outcome"
    monkeypatch.setattr(triangulation, "MAX_SHAPLEY", 0)
    many = driver_triangulation(files.bound, data, _scores(data), none)
    assert many.available and many.shapley_withheld == "too_many_drivers"
    assert many.drivers[0].shapley is None and many.drivers[0].relative_weight > 0



def test_too_few_usable_resamples_withhold_the_intervals(accepted):
    """One respondent alone moves the driver: every resample that misses them (about 1/e)
    has a constant driver and fails, so fewer than the 200 usable resamples the bootstrap
    rule asks for remain: point estimates only, and the block says why."""
    from types import SimpleNamespace

    from survey.analysis.triangulation import driver_triangulation
    from survey.estimators.bootstrap import BootstrapSettings

    files, data = accepted
    rows = data.iloc[:30].copy()
    for item in ("quality_1", "quality_2", "quality_3"):
        rows[item] = "5"
        rows.loc[rows.index[0], item] = "9"
    boot = SimpleNamespace(bootstrap=SimpleNamespace(settings=BootstrapSettings(200, seed=3)))
    tri = driver_triangulation(files.bound, rows, _scores(rows), boot)
    assert tri.available and tri.inference == "none" and tri.withheld == "bootstrap_unusable"
    assert 0 < tri.bootstrap["failed"] < 200 and tri.bootstrap["usability"]["level"] == "none"
    assert tri.r2_ci is None and tri.drivers[0].shapley_ci is None
