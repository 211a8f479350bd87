"""The report's data-quality section shows the respondents excluded by quality rules: every
count and index is the typed result's (survey.quality.QualityExclusion), in both languages;
without --exclude-flagged the part is absent."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from survey.report import build_context, render_report
from survey.study import estimate_study


def page(result, lang: str) -> BeautifulSoup:
    return BeautifulSoup(render_report(build_context(result, lang)), "html.parser")


@pytest.fixture
def excluded(planted_quality):
    s = planted_quality
    return estimate_study(s.questionnaire, s.model, s.data, analyses=(),
                          exclude_flagged=("speeder", "attention"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_section_shows_each_rule_and_the_index_with_and_without(excluded, lang):
    x = excluded.quality
    html = page(excluded, lang)
    table = html.find(id="quality-exclusion")
    rows = {tr["data-rule"]: [td.get_text(strip=True) for td in tr.find_all("td")]
            for tr in table.find_all("tr", attrs={"data-rule": True})}
    assert list(rows) == ["speeder", "straightliner", "duplicate", "attention", "dont_know"]
    for rule in ("speeder", "attention"):
        assert rows[rule][2] == str(x.flags.rule(rule).flagged) == "3"
        assert rows[rule][4] == str(x.excluded_by(rule)) == "3"
    kept = {"zh": "保留（未选择排除）", "en": "kept (not chosen)"}[lang]
    assert rows["straightliner"][2] == "4" and rows["straightliner"][4] == kept
    intro = html.find(id="quality-exclusion-intro").get_text()
    assert "6" in intro and "200" in intro and "194" in intro
    indices = {tr["data-latent"]: [td.get_text(strip=True) for td in tr.find_all("td")]
               for tr in html.find(id="quality-exclusion-indices").find_all(
                   "tr", attrs={"data-latent": True})}
    for latent, with_, without in x.indices:
        assert indices[latent][1] == f"{with_:.1f}" and indices[latent][2] == f"{without:.1f}"
        assert indices[latent][3] == f"{with_ - without:+.1f}"
    by_latent = {i.latent: i.value for i in excluded.estimate.indices}
    assert x.indices[-1][1] == by_latent["satisfaction"]
    headline = html.find(id="quality-exclusion-headline").get_text()
    target = next(i for i in x.indices if i[0] == "satisfaction")
    assert f"{target[1]:.1f}" in headline and f"{target[2]:.1f}" in headline


def test_without_exclusion_the_part_is_absent(planted_quality):
    s = planted_quality
    plain = estimate_study(s.questionnaire, s.model, s.data, analyses=())
    assert build_context(plain, "en")["quality_exclusion"] is None
    assert page(plain, "en").find(id="quality-exclusion") is None


def test_a_saved_result_renders_the_same_section(excluded, tmp_path):
    """Estimate once, render many: the exclusion survives survey.saved's round trip."""
    from survey.saved import load_result, save_result

    back = load_result(save_result(excluded, tmp_path / "x.result.gz"))
    assert back.quality.to_json() == excluded.quality.to_json()
    assert (build_context(back, "en")["quality_exclusion"]
            == build_context(excluded, "en")["quality_exclusion"])


def test_the_workbook_has_the_exclusion_sheets(excluded, tmp_path):
    """The XLSX deliverable: the rules sheet and the indices with and without, the same
    numbers as the typed result."""
    from openpyxl import load_workbook

    from survey.report.workbook import write_workbook

    book = load_workbook(write_workbook(excluded, tmp_path / "r.xlsx", "en"))
    rules = [[c.value for c in row] for row in
             book["Respondents excluded for respon"].iter_rows(min_row=2)]
    assert [r[0] for r in rules] == ["Speeders", "Straight-liners", "Near-duplicates",
                                     "Failed attention checks", "Too many don't-knows"]
    assert rules[0][2:] == [3, 0.015, 3] and rules[1][2:] == [4, 0.02, None]
    indices = {row[0].value: [c.value for c in row[1:]] for row in
               book["Indices with and without"].iter_rows(min_row=2)}
    for latent, with_, without in excluded.quality.indices:
        label = excluded.questionnaire.constructs[latent].label.get("en")
        assert indices[label][:2] == [pytest.approx(with_), pytest.approx(without)]
