"""Estimator notices: every code speaks every report language with the same placeholders, the
English sentence is what the JSON's warnings carry, and a Chinese report shows Chinese."""

from __future__ import annotations

import string

import pytest

from survey.estimators.notices import INADMISSIBLE, TEXTS, Notice, notice


def placeholders(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


@pytest.mark.parametrize("code", sorted(TEXTS))
def test_every_notice_has_both_languages_with_the_same_placeholders(code):
    assert set(TEXTS[code]) == {"en", "zh"}
    assert placeholders(TEXTS[code]["en"]) == placeholders(TEXTS[code]["zh"])


def test_inadmissible_codes_exist_and_say_so():
    assert INADMISSIBLE <= set(TEXTS)
    for code in INADMISSIBLE:
        assert TEXTS[code]["en"].startswith("Inadmissible solution:")


def test_unknown_code_is_a_bug():
    with pytest.raises(KeyError):
        Notice("no_such_code")


def test_json_keeps_english_and_codes(root, mobi_csv):
    import pandas as pd

    from survey.estimators.cbsem import estimate_cbsem
    from survey.pathmodel import bind, load_model
    from survey.questionnaire import load_questionnaire

    q = load_questionnaire(root / "questionnaires/mobi.yaml")
    est = estimate_cbsem(bind(load_model(root / "models/ecsi.yaml"), q),
                         pd.read_csv(mobi_csv).astype(float))
    out = est.to_json()
    assert out["warnings"] == [n.text("en") for n in est.notices]
    assert [w["code"] for w in out["warning_codes"]] == [n.code for n in est.notices]
    beyond = [n for n in est.notices if n.code == "std_path_beyond_one"]
    # A note, not an inadmissible verdict (lavaan's post-check passes this solution).
    assert beyond and "超出 ±1" in beyond[0].text("zh") and not beyond[0].inadmissible


def test_zh_report_shows_chinese_warnings(root, tmp_path):
    from survey.report import write_report
    from survey.study import estimate_study

    result = estimate_study(root / "questionnaires/airline.yaml", root / "models/ccsi.yaml",
                            root / "examples/airline_wave1.csv")
    html = write_report(result, tmp_path / "r.html", lang="zh").read_text(encoding="utf-8")
    mean = next(n for n in result.estimate.notices if n.code == "mean_replaced")
    assert mean.text("zh") in html and mean.text("en") not in html
    assert notice("listwise_dropped", n=3).text("zh") == "3 位有缺失答案的受访者未参与估计（列表删除）。"
