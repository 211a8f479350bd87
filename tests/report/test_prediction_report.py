"""The report's prediction section: every number of its tables is the typed result's
(survey.analysis.prediction), in both languages, with the reading of every endogenous
construct (the target's first) and, when the data could not carry it, the reason instead.

The study is the small ``shop_study`` of tests/conftest.py (three constructs, 90 respondents:
its report renders in about a second), estimated with the prediction."""

from __future__ import annotations

import dataclasses

import pytest
from bs4 import BeautifulSoup

from survey.analysis.prediction import PredictionUnavailable, PredictSettings, prediction_of
from survey.report import texts
from survey.report.render import environment
from survey.study import estimate_study

LANGS = ("zh", "en")
fmt = environment().filters["fmt"]


def text(node) -> str:
    return " ".join(node.get_text(" ").split())


def with_prediction(result, prediction):
    include = (*result.analysis.include, "prediction")
    analysis = dataclasses.replace(result.analysis, include=include, prediction=prediction)
    return dataclasses.replace(result, analysis=analysis, analyses=analysis.to_json())


@pytest.fixture(scope="module")
def shop(shop_study):
    return estimate_study(shop_study / "q.yaml", shop_study / "m.yaml", shop_study / "d.csv",
                          analyses=(), seed=3)


@pytest.fixture(scope="module")
def predicted(shop):
    p = prediction_of(shop.bound, shop.responses.data, shop.estimate,
                      PredictSettings(folds=5, repetitions=2, seed=3, resamples=200))
    return with_prediction(shop, p)


@pytest.mark.parametrize("lang", LANGS)
def test_table_numbers_are_the_typed_results(pages, predicted, lang):
    soup = BeautifulSoup(pages("prediction", predicted, lang)[1], "html.parser")
    p = predicted.analysis.prediction
    rows = soup.select("#prediction-table tbody tr")
    assert len(rows) == len(p.indicators) == 4  # satisfaction s1, s2; loyalty l1, l2
    by_item = {x.item: x for x in p.indicators}
    for row in rows:
        x = by_item[row["data-item"]]
        cells = [c.get_text(strip=True) for c in row.find_all("td")]
        assert cells[2:] == [fmt(x.q2_predict), fmt(x.pls_rmse), fmt(x.lm_rmse),
                             fmt(x.pls_mae), fmt(x.lm_mae)]
        assert row["data-beats"] == ("yes" if x.pls_beats_lm_rmse else "no")
    # The target's indicators come first, as its reading does.
    assert rows[0]["data-item"] in dict(predicted.bound.measurement)["satisfaction"]
    verdicts = soup.select("#prediction-verdicts li")
    assert [v["data-latent"] for v in verdicts][0] == "satisfaction"
    assert [v["data-power"] for v in verdicts] == [
        x.power for x in sorted(p.power, key=lambda x: x.latent != "satisfaction")]
    words = texts.PREDICTIVE_POWER[p.headline.power][lang]
    assert words in text(verdicts[0])
    cvpat = soup.select("#cvpat-table tbody tr")
    assert len(cvpat) == 2 * 3  # 2 endogenous constructs and overall, against IA and LM
    lm_overall = [r for r in cvpat if r["data-benchmark"] == "lm"][-1]
    cells = [c.get_text(strip=True) for c in lm_overall.find_all("td")]
    assert cells[2:5] == [fmt(p.cvpat_lm.overall.loss_a), fmt(p.cvpat_lm.overall.loss_b),
                          fmt(p.cvpat_lm.overall.difference)]
    assert soup.select_one("#cvpat-reading").get_text(strip=True)
    assert soup.select_one('nav a[href="#prediction"]') is not None


@pytest.mark.parametrize("lang", LANGS)
def test_unavailable_shows_the_reason_and_no_table(pages, shop, lang):
    reason = "46 folds for 90 respondents: the number of folds must lie between 2 and n / 2."
    result = with_prediction(shop, PredictionUnavailable("folds", reason))
    soup = BeautifulSoup(pages("prediction_off", result, lang)[1], "html.parser")
    assert reason in text(soup.select_one("#prediction-unavailable"))
    assert texts.PREDICTION_UI["unavailable"][lang].strip() in text(
        soup.select_one("#prediction-unavailable"))
    assert soup.select_one("#prediction-table") is None


def test_no_section_when_not_run(pages, shop):
    soup = BeautifulSoup(pages("shop", shop, "en")[1], "html.parser")
    assert soup.select_one("#prediction") is None

