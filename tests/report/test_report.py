"""The rendered HTML report: content in both languages, escaping, self-containment, charts,
and a real render in Debian's headless Chromium.

``study`` is a PLS estimate (the default method) without bootstrap, on simulated answers with
hostile respondent text; the richer reports (bootstrap, CB-SEM, both) are in the other modules.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from bs4 import BeautifulSoup

from survey.cli.simulate import airline_ccsi
from survey.report import build_context, charts, render_report, write_report
from survey.simulate import AIRLINE_CCSI, simulate_responses
from survey.study import estimate_study

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def study(root, tmp_path_factory):
    frame = simulate_responses(airline_ccsi(), AIRLINE_CCSI, n=400, seed=1, data_entry_errors=3)
    frame.loc[5, "sat_overall"] = SCRIPT  # respondent text in a rejected answer
    frame.loc[6, "img_logo"] = IMG
    path = tmp_path_factory.mktemp("report") / "wave.csv"
    frame.to_csv(path, index=False)
    return estimate_study(root / "questionnaires/airline.yaml", root / "models/ccsi.yaml", path)


@pytest.fixture(scope="module")
def html(study):
    return {lang: render_report(build_context(study, lang)) for lang in ("zh", "en")}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_latent_label_and_index_is_shown(study, html, lang):
    soup = BeautifulSoup(html[lang], "html.parser")
    text = soup.get_text()
    assert soup.html["lang"].startswith(lang)
    for idx in study.estimate.indices:
        assert study.questionnaire.constructs[idx.latent].label.get(lang) in text
        assert f"{idx.value:.1f}" in text
    for section in ("summary", "scorecard", "diagram", "paths", "fit", "measurement",
                    "data-quality", "notes", "manifest"):
        assert soup.find(id=section) is not None, section


def test_language_of_fixed_text(html):
    assert "满意度指数（0-100）" in html["zh"] and "Index scorecard (0-100)" in html["en"]
    assert "PLS 外部权重" in html["zh"] and "PLS outer weights" in html["en"]
    assert "因子得分回归权重" not in html["zh"] and "factor-score" not in html["en"]


def test_without_bootstrap_the_report_says_so(study, html):
    assert study.estimate.bootstrap is None
    assert "未做 bootstrap" in html["zh"] and "No bootstrap" in html["en"]
    scorecard = BeautifulSoup(html["en"], "html.parser").find(id="index-table").get_text()
    assert "[95% CI]" not in scorecard and "[" not in scorecard
    # Untested paths are not drawn as "not significant".
    assert "significance not tested" in html["en"] and "未做显著性检验" in html["zh"]


def test_summary_counts(study, html):
    soup = BeautifulSoup(html["en"], "html.parser")
    rows = {tr.th.get_text(): tr.td.get_text() for tr in soup.find(id="summary").find_all("tr")}
    assert rows["Rejected rows (invalid answers)"] == str(study.responses.report.n_rejected)
    # The 2 hostile answers and 2 of the 3 simulated data-entry errors: the third (ent_tv '11'
    # in row 195) belongs to a screened-out respondent, whose unasked items are not validated.
    assert study.responses.report.n_rejected == 4


def test_respondent_text_is_escaped(html):
    for page in html.values():
        assert SCRIPT not in page and IMG not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        soup = BeautifulSoup(page, "html.parser")
        assert soup.find("script") is None
        assert soup.find("img") is None


def test_rejected_answers_are_explained_in_the_report_language(study, html):
    rejects = study.responses.rejects
    assert {"not_number", "out_of_range"} <= set(rejects["code"])
    expected = {"zh": ("不是数字", "量表范围"), "en": ("is not a number", "is outside the")}
    for lang, page in html.items():
        table = BeautifulSoup(page, "html.parser").find(id="rejects")
        words = " ".join(table.get_text(" ").split())
        assert all(w in words for w in expected[lang]), lang
        other = expected["en" if lang == "zh" else "zh"]
        assert not any(w in words for w in other), lang
        assert "Recode it" not in words  # the advice is the analyst's (JSON, ingest), not here


def test_self_contained(html, airline_both, pages):
    both = [pages("airline_both", airline_both, lang)[1] for lang in ("zh", "en")]
    for page in [*html.values(), *both]:
        soup = BeautifulSoup(page, "html.parser")
        for tag in soup.find_all(True):
            for attr in ("src", "href"):
                value = tag.get(attr)
                assert value is None or not re.match(r"(https?:)?//", value), (tag.name, value)
        assert soup.find("link") is None
        assert not re.search(r"""(src|href)\s*=\s*["']?https?://""", page)
        assert len(soup.find_all("svg")) >= 2


def test_inadmissible_solution_is_prominent(mobi_heywood_both):
    result = dataclasses.replace(mobi_heywood_both,
                                 estimates={"cbsem": mobi_heywood_both.estimates["cbsem"]},
                                 comparison=())
    assert not result.estimate.admissible
    for lang, word in (("en", "inadmissible"), ("zh", "不可接受")):
        page = render_report(build_context(result, lang))
        alert = BeautifulSoup(page, "html.parser").find(id="admissibility-alert")
        assert alert is not None and word in alert.get_text()
        for n in result.estimate.notices:  # each warning, in the report's language
            assert n.text(lang) in alert.get_text()
        # ... and it is the first caveat of the executive summary.
        summary = BeautifulSoup(page, "html.parser").find(id="executive-summary")
        caveats = summary.find("ul", class_="caveats").find_all("li")
        assert word in caveats[0].get_text()


def test_inadmissible_comparison_estimate_is_prominent_too(mobi_heywood_both, pages):
    """With PLS as the headline, an inadmissible CB-SEM beside it still opens the report, and
    the reader is told the headline is not affected; the comparison says it too."""
    mobi_both = mobi_heywood_both
    assert mobi_both.estimate.admissible and not mobi_both.estimates["cbsem"].admissible
    for lang, words in (("en", "the CB-SEM solution is inadmissible"),
                        ("zh", "CB-SEM 的解不可接受")):
        section = BeautifulSoup(pages("mobi_heywood_both", mobi_both, lang)[1],
                                "html.parser").find(id="comparison")
        assert words in " ".join(section.get_text(" ").split())
    _, page = pages("mobi_heywood_both", mobi_both, "en")
    alert = BeautifulSoup(page, "html.parser").find(id="admissibility-alert")
    text = alert.get_text(" ")
    assert "CB-SEM (ML) solution is inadmissible" in text and "PLS-SEM) are not affected" in text
    for w in mobi_both.estimates["cbsem"].warnings:
        assert w in text


def test_svg_is_byte_stable():
    rows = [{"label": "满意度", "value": 70.0, "valid": True}, {"label": "Loyalty", "value": 61.5, "valid": False}]
    assert charts.scorecard_svg(rows, "指数") == charts.scorecard_svg(rows, "指数")
    with_ci = [{**rows[0], "ci_low": 68.2, "ci_high": 71.9}, rows[1]]
    svg = charts.scorecard_svg(with_ci, "指数", "误差线：95% 置信区间")
    assert svg == charts.scorecard_svg(with_ci, "指数", "误差线：95% 置信区间") != charts.scorecard_svg(rows, "指数")
    pairs = [{"label": "形象 → 满意度", "a": 0.3, "b": 0.45, "flagged": True},
             {"label": "Value → Loyalty", "a": -0.1, "b": 0.05, "flagged": False}]
    assert (charts.comparison_svg(pairs, ("PLS-SEM", "CB-SEM"), "标准化路径系数")
            == charts.comparison_svg(pairs, ("PLS-SEM", "CB-SEM"), "标准化路径系数"))


def test_long_labels_fit_their_box():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    renderer = FigureCanvasAgg(Figure()).get_renderer()
    with charts._style(["满意度"]):
        assert charts._fit_label(renderer, "满意度", 11, 100) == ("满意度", 11)
        text, size = charts._fit_label(renderer, "Price (perceived value)", 11, 90, "bold")
        assert text == "Price\n(perceived value)" and 8 < size <= 9.9
        for line in text.split("\n"):
            assert charts._text_width(renderer, line, size, "bold") <= 90.01


def test_charts_keep_their_text_as_text_without_a_cjk_font(monkeypatch):
    """No CJK font where the report is made (and a stale matplotlib cache cannot matter): the
    chart's text stays text, drawn by the reader's browser from the font stack."""
    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    svg = charts.scorecard_svg([{"label": "满意度", "value": 70.0, "valid": True}], "指数")
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "满意度" in texts and "指数" in texts
    assert "DejaVuSans-" not in svg  # no glyph outlines (matplotlib names them by font)
    assert all(charts.FONT_STACK in tag for tag in re.findall(r"<text[^>]*>", svg))


def test_no_tofu_in_chromium_when_the_report_was_made_without_cjk_fonts(
        airline_both, tmp_path, chromium, monkeypatch):
    """The zh report made as if no CJK font were installed: in the browser every all-Chinese
    chart label advances one em per character, i.e. a CJK font drew it (an empty box from a
    Latin font's missing glyph would not)."""
    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    path = write_report(airline_both, tmp_path / "report.html", lang="zh")
    view = chromium(path, script=(
        "[...document.querySelectorAll('svg text')]"
        ".filter(t => /^[\\u3400-\\u9fff]+$/.test(t.textContent))"
        ".map(t => [t.textContent, t.getComputedTextLength(),"
        " parseFloat(getComputedStyle(t).fontSize)])"))
    assert view.errors == []
    labels = view.extra
    assert len(labels) >= 5
    for text, length, size in labels:
        assert length == pytest.approx(len(text) * size, rel=0.05), (text, length, size)


def test_write_report_defaults_to_questionnaire_language(study, tmp_path):
    path = write_report(study, tmp_path / "r.html")
    assert BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").html["lang"] == "zh-CN"


@pytest.mark.browser
def test_renders_in_chromium_without_errors(airline_both, tmp_path, chromium):
    """The richest report (PLS with bootstrap beside CB-SEM), in Chinese."""
    path = write_report(airline_both, tmp_path / "report.html", lang="zh")
    view = chromium(path, screenshot=tmp_path / "report.png")
    assert view.errors == [] and view.failed == []
    assert len(view.sizes) >= 3 and all(w > 100 and h > 100 for w, h in view.sizes)
