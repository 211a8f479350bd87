"""The notebook API of the out-of-sample prediction: ``estimate(..., prediction=...)``,
``Results.prediction`` and ``Results.cvpat`` (the study's benchmarks, or two models)."""

from __future__ import annotations

import pytest

import survey
from survey.errors import SurveyError


@pytest.fixture(scope="module")
def res(shop_study):
    return survey.estimate(shop_study / "q.yaml", shop_study / "m.yaml", shop_study / "d.csv",
                           analyses=["prediction"], seed=4,
                           prediction={"folds": 5, "repetitions": 2, "resamples": 100})


def test_prediction_frame(res):
    frame = res.prediction
    assert list(frame["item"]) == ["s1", "s2", "l1", "l2"]
    assert frame["q2_predict"].dtype == float and frame["pls_beats_lm_rmse"].dtype == bool
    assert frame.attrs["folds"] == 5 and frame.attrs["seed"] == 4
    assert set(frame.attrs["power"]) == {"satisfaction", "loyalty"}
    assert frame.attrs["headline"] == frame.attrs["power"]["satisfaction"]
    typed = res.analysis.prediction
    assert frame["pls_rmse"].tolist() == [x.pls_rmse for x in typed.indicators]


def test_cvpat_against_the_benchmarks(res):
    frame = res.cvpat()
    assert list(frame["b"]) == ["ia"] * 3 + ["lm"] * 3
    assert list(frame["latent"]) == ["satisfaction", "loyalty", "overall"] * 2
    assert (frame["alternative"] == "greater").all() and (frame["df"] == 89).all()


def test_cvpat_of_two_models(res, shop_study):
    """The run's chain against a model with an extra quality -> loyalty path (both predict
    satisfaction's and loyalty's indicators): the layout; the numbers of a two-model CVPAT are
    checked against seminrExtras in tests/reference/test_predict_reference.py."""
    alternative = {"id": "direct", "latents": ["quality", "satisfaction", "loyalty"],
                   "paths": ["quality -> satisfaction", "satisfaction -> loyalty",
                             "quality -> loyalty"], "target": "satisfaction"}
    frame = res.cvpat(alternative)
    assert set(frame["a"]) == {"chain"} and set(frame["b"]) == {"direct"}
    assert list(frame["latent"]) == ["satisfaction", "loyalty", "overall"]
    assert (frame["alternative"] == "two-sided").all()


def test_cvpat_refuses_models_predicting_other_indicators(res):
    other = {"id": "short", "latents": ["quality", "satisfaction"],
             "paths": ["quality -> satisfaction"], "target": "satisfaction"}
    with pytest.raises(SurveyError, match="do not predict the same indicators"):
        res.cvpat(other)


def test_not_run_or_unavailable_says_why(shop_study):
    plain = survey.estimate(shop_study / "q.yaml", shop_study / "m.yaml",
                            shop_study / "d.csv", analyses=[])
    with pytest.raises(SurveyError, match="'prediction' was not run"):
        _ = plain.prediction
    refused = survey.estimate(shop_study / "q.yaml", shop_study / "m.yaml",
                              shop_study / "d.csv", analyses=["prediction"],
                              prediction={"folds": 60})
    with pytest.raises(SurveyError, match="not available: 60 folds for 90 respondents"):
        refused.cvpat()
    with pytest.raises(SurveyError, match="Unknown prediction setting"):
        survey.estimate(shop_study / "q.yaml", shop_study / "m.yaml", shop_study / "d.csv",
                        analyses=["prediction"], prediction={"fold": 5})
