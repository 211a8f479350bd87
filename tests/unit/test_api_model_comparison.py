"""``survey.estimate(..., compare_with=[...])`` and ``Results.model_comparison``.

A small study of another shape (three constructs on a 1-7 scale, no screening, n = 25, below
the PLS minimum sample so every model carries the small-sample notice): the accessor is the
comparison's table with its attributes, the study model's row is the headline's own R²
(1e-12) and the rival's a full estimate's (survey.estimators.estimate_model), both models
carry their estimates' notices; a run without rivals raises a SurveyError that says what to
do; the comparison survives the saved result (survey report renders it again).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import survey
from survey.errors import SurveyError
from survey.estimators import estimate_model
from survey.pathmodel import bind

BLOCKS = {"a": ["a1", "a2", "a3"], "b": ["b1", "b2", "b3"], "c": ["c1", "c2", "c3"]}


def _data(n: int = 25, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(n)
    b = 0.6 * a + 0.8 * rng.standard_normal(n)
    c = 0.5 * b + math.sqrt(0.75) * rng.standard_normal(n)
    cols = {i: np.clip(np.round(4 + 1.3 * eta + rng.standard_normal(n)), 1, 7)
            for name, eta in (("a", a), ("b", b), ("c", c)) for i in BLOCKS[name]}
    return pd.DataFrame(cols)


@pytest.fixture(scope="module")
def run(make_bound):
    chain = make_bound(BLOCKS, [("a", "b"), ("b", "c")])
    direct = replace(chain.model, id="direct", paths=(("a", "b"), ("b", "c"), ("a", "c")))
    data = _data()
    # One rival given alone (not in a list), as a mapping: what load_model takes.
    rival = {"id": "direct", "latents": ["a", "b", "c"], "target": "c",
             "paths": ["a -> b", "b -> c", "a -> c"]}
    res = survey.estimate(chain.questionnaire, chain.model, data, analyses=[],
                          compare_with=rival)
    return res, chain, direct, data


def test_the_accessor_is_the_comparisons_table(run):
    res, chain, direct, data = run
    table = res.model_comparison
    assert list(table.index) == ["m", "direct"]
    assert table.attrs["method"] == "pls" and table.attrs["target"] == "c"
    assert table.attrs["excluded"] == [] and set(table.attrs["selected"]) == {"bic", "gm"}
    assert table.loc["m", "r2"] == pytest.approx(res.r2.loc["c", "r2"], abs=1e-12)
    full = estimate_model("pls", bind(direct, chain.questionnaire), res.study.responses.data)
    assert table.loc["direct", "r2"] == pytest.approx(full.r2["c"], abs=1e-12)
    # n = 25 is below the PLS minimum (30): both rows carry their full estimates' notices,
    # the small-sample one among them.
    rows = {r.id: r for r in res.study.model_comparison.rows}
    assert rows["direct"].warnings == full.warnings
    assert rows["m"].warnings == res.estimate.warnings
    assert [n.code for n in full.notices] == ["small_sample"]
    assert res.to_json()["model_comparison"]["models"][1]["id"] == "direct"


def test_without_rivals_the_accessor_says_what_to_do(make_bound):
    chain = make_bound(BLOCKS, [("a", "b"), ("b", "c")])
    res = survey.estimate(chain.questionnaire, chain.model, _data(), analyses=[])
    with pytest.raises(SurveyError, match="compare_with="):
        _ = res.model_comparison
    assert "model_comparison" not in res.to_json()


def test_the_comparison_survives_the_saved_result(run, tmp_path):
    from survey.report.context import build_context
    from survey.saved import load_result, save_result

    res = run[0]
    again = load_result(save_result(res.study, tmp_path / "run.result.gz"))
    assert again.model_comparison == res.study.model_comparison
    section = build_context(again, "en")["model_comparison"]
    assert [r["id"] for r in section["rows"]] == ["m", "direct"]


def test_every_reason_a_rival_is_left_out_is_worded_in_both_languages():
    from survey.analysis.model_selection import EXCLUDED
    from survey.report.texts import MODEL_COMPARISON_REASONS, MODEL_COMPARISON_UI

    for code in (*EXCLUDED, "nothing_compared", "full_model_not_estimated"):
        assert set(MODEL_COMPARISON_REASONS[code]) == {"zh", "en"}, code
    for key in ("excluded", "study_model"):
        assert set(MODEL_COMPARISON_UI[key]) == {"zh", "en"}, key


def test_a_rival_whose_estimate_fails_is_left_out_with_the_estimators_words(make_bound):
    """A rival measuring a construct whose items are constant cannot be estimated: it is
    excluded ('not_estimated', the item check's own sentence), the others are compared;
    listwise, an item nobody answered leaves no common respondent: a block without rows."""
    from survey.analysis.model_selection import compare_in_study
    from survey.pathmodel import PathModel

    blocks = {**BLOCKS, "d": ["d1", "d2"]}
    study = make_bound(blocks, [("a", "b"), ("b", "c"), ("d", "c")])
    q = study.questionnaire

    def model(model_id, latents, paths):
        return bind(PathModel(model_id, study.model.name, tuple(latents), tuple(paths), "c"),
                    q)

    chain = model("chain", "abc", [("a", "b"), ("b", "c")])
    direct = model("direct", "abc", [("a", "b"), ("b", "c"), ("a", "c")])
    with_d = model("with_d", "abcd", [("a", "b"), ("b", "c"), ("d", "c")])
    data = _data(n=80).assign(d1=3.0, d2=5.0)
    mc = compare_in_study(chain, [with_d, direct], data, method="pls")
    assert [r.id for r in mc.rows] == ["chain", "direct"]
    (x,) = mc.excluded
    assert (x.id, x.reason) == ("with_d", "not_estimated") and "'d1' is constant" in x.detail
    assert mc.to_json()["excluded"][0]["reason"] == "not_estimated"

    data = data.assign(d1=np.nan)
    mc = compare_in_study(chain, [with_d], data, method="pls", missing="listwise")
    assert mc.rows == () and mc.notes == ("no_common_respondents", "nothing_compared")
