"""``survey estimate`` with its prediction (``--predict``, on by default) on a study shape
other than the bundled airline one (the
``shop_study`` of tests/conftest.py: three constructs quality -> satisfaction -> loyalty, no
brand, 1-7 scales, 90 respondents with some don't-know answers); and the refusals (too many
folds, case weights) in every output."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from survey.cli import cli


@pytest.fixture(scope="module")
def study(shop_study):
    return shop_study


def run(study, *extra):
    out = study / "out.json"
    r = CliRunner().invoke(cli, ["estimate", "-q", str(study / "q.yaml"), "-m",
                                 str(study / "m.yaml"), "-d", str(study / "d.csv"), "--json",
                                 str(out), "--analyses", "none", *extra],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return json.loads(out.read_text(encoding="utf-8")), r.output


def test_predict_writes_the_block_and_prints_the_reading(study):
    doc, output = run(study, "--predict", "--predict-folds", "5", "--predict-repetitions",
                      "3", "--seed", "9", "--report", str(study / "r.html"))
    p = doc["prediction"]
    assert p["available"] and (p["folds"], p["repetitions"], p["seed"]) == (5, 3, 9)
    assert p["approach"] == "direct" and p["missing"] == "mean" and p["n"] == 90
    assert [r["item"] for r in p["indicators"]] == ["s1", "s2", "l1", "l2"]
    s1 = next(r for r in p["indicators"] if r["item"] == "s1")
    assert (s1["n"], s1["n_unscored"]) == (88, 2)
    assert p["headline"]["latent"] == "satisfaction"
    assert p["headline"]["power"] in ("none", "low", "medium", "high")
    assert [t["latent"] for t in p["cvpat"]["lm"]["tests"]] == ["satisfaction", "loyalty",
                                                               "overall"]
    assert "PLSpredict (5 folds x 3 repetitions, seed 9, direct antecedents)" in output
    assert "CVPAT PLS vs LM" in output
    html = (study / "r.html").read_text(encoding="utf-8")
    assert 'id="prediction-table"' in html and 'id="cvpat-table"' in html
    # The same seed gives the same numbers; another seed other folds.
    again, _ = run(study, "--predict", "--predict-folds", "5", "--predict-repetitions", "3",
                   "--seed", "9")
    assert again["prediction"]["indicators"] == p["indicators"]
    other, _ = run(study, "--predict", "--predict-folds", "5", "--predict-repetitions", "3",
                   "--seed", "10")
    assert other["prediction"]["indicators"] != p["indicators"]


def test_prediction_named_in_analyses_and_earliest_approach(study):
    doc, _ = run(study, "--analyses", "prediction", "--predict-folds", "3",
                 "--predict-repetitions", "1", "--predict-approach", "earliest")
    assert doc["prediction"]["approach"] == "earliest" and doc["prediction"]["folds"] == 3


def test_prediction_runs_by_default_and_no_predict_leaves_it_out(study):
    r = CliRunner().invoke(cli, ["estimate", "-q", str(study / "q.yaml"), "-m",
                                 str(study / "m.yaml"), "-d", str(study / "d.csv"), "--json",
                                 str(study / "all.json")], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    doc = json.loads((study / "all.json").read_text(encoding="utf-8"))
    p = doc["prediction"]
    assert p["available"] and (p["folds"], p["repetitions"], p["seed"]) == (10, 10, 2026)
    assert "analyses_off" not in doc
    doc, output = run(study, "--no-predict")  # --analyses none: nothing to leave out
    assert "prediction" not in doc and "prediction" in doc["analyses_off"]
    assert "PLSpredict" not in output


def test_too_many_folds_say_why_in_the_json_the_console_and_the_report(study):
    doc, output = run(study, "--predict", "--predict-folds", "46", "--report",
                      str(study / "r.html"), "--lang", "en")
    p = doc["prediction"]
    assert p == {**p, "available": False, "code": "folds"}
    assert "between 2 and n / 2 = 45" in p["reason"]
    console = " ".join(output.split())  # the console wraps long lines
    assert "not available" in console and "n / 2 = 45" in console
    html = (study / "r.html").read_text(encoding="utf-8")
    assert 'id="prediction-unavailable"' in html and "n / 2 = 45" in html
    assert 'id="prediction-table"' not in html


def test_case_weights_are_refused_with_the_reason(study):
    doc, _ = run(study, "--predict", "--weights", "w", "--predict-folds", "5")
    assert doc["prediction"]["code"] == "case_weights"
    assert "weighted by 'w'" in doc["prediction"]["reason"]


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--predict-folds", "1", "Invalid value for '--predict-folds'"),
    ("--predict-repetitions", "0", "Invalid value for '--predict-repetitions'"),
    ("--predict-approach", "first", "Invalid value for '--predict-approach'")])
def test_bad_prediction_settings_are_one_line_errors(study, option, value, message):
    r = CliRunner().invoke(cli, ["estimate", "-q", str(study / "q.yaml"), "-m",
                                 str(study / "m.yaml"), "-d", str(study / "d.csv"), option,
                                 value])
    assert r.exit_code == 2 and message in r.output and "Traceback" not in r.output
