"""The report for each estimator choice: PLS only (the headline with bootstrap inference),
CB-SEM only (global fit, Wald inference, factor-score index weights) and both side by side.

Every number the tests look for is computed from the estimate itself, never typed in.
"""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from survey.estimators.bootstrap import MIN_USABLE
from survey.report.context import NAMES
from survey.report.texts import UI


def soup(page: str) -> BeautifulSoup:
    return BeautifulSoup(page, "html.parser")


def text(node) -> str:
    """The visible text of ``node`` with runs of white space as one space."""
    return " ".join(node.get_text(" ").split())


def _ci(lo: float, hi: float, digits: int) -> str:
    return f"[{lo:,.{digits}f}, {hi:,.{digits}f}]"


@pytest.fixture(scope="module")
def pls(airline_pls):
    return airline_pls


@pytest.fixture(scope="module")
def cbsem(airline_cbsem):
    return airline_cbsem


# --------------------------------------------------------------------------- PLS only


def test_pls_scorecard_shows_every_index_with_its_bootstrap_interval(pls, pages):
    est = pls.estimate
    assert est.inference == "bootstrap"
    _, page = pages("pls", pls, "en")
    table = soup(page).find(id="index-table")
    for idx in est.indices:
        row = table.find("tr", attrs={"data-index": idx.latent})
        assert f"{idx.value:.1f} {_ci(idx.ci_low, idx.ci_high, 1)}" in text(row)
    target = est.index(pls.bound.model.target)
    header = text(soup(page).find("header"))
    assert f"{target:.1f}" in header and "95% CI" in header


def test_pls_paths_have_se_t_p_and_the_named_interval(pls, pages):
    est = pls.estimate
    for lang, interval in (("en", "percentile bootstrap"), ("zh", "百分位 bootstrap")):
        _, page = pages("pls", pls, lang)
        table = soup(page).find(id="path-table")
        headers = [th.get_text() for th in table.thead.find_all("th")]
        for key in ("beta", "se", "p", "ci", "f2", "inner_vif"):
            assert UI[key][lang] in headers, key
        assert "t" in headers
        rows = table.tbody.find_all("tr")
        assert len(rows) == len(est.paths)
        f2 = {(a, b): v for a, b, v in est.f2}
        vif = {(a, b): v for a, b, v in est.inner_vif}
        for tr, p in zip(rows, est.paths, strict=True):
            row = text(tr)
            assert f"{p.std_estimate:.3f}" in row
            assert f"{p.se:.3f}" in row and f"{p.t_value:.2f}" in row
            assert _ci(p.ci_low, p.ci_high, 3) in row
            assert f"{f2[(p.source, p.target)]:.3f}" in row
            assert f"{vif[(p.source, p.target)]:.2f}" in row
        assert interval in text(soup(page).find(id="paths"))


def test_pls_r2_adjusted_r2_and_total_effects_on_the_target(pls, pages):
    est = pls.estimate
    model = pls.bound.model
    _, page = pages("pls", pls, "en")
    r2 = text(soup(page).find(id="r2-table"))
    for x in model.latents:
        if x in est.r2:
            assert f"{est.r2[x]:.3f}" in r2 and f"{est.adj_r2[x]:.3f}" in r2
    effects = text(soup(page).find(id="effects-table"))
    table = est.bootstrap.table()
    for e in est.effects:
        if e.target == model.target:
            assert f"{e.total:.3f}" in effects
            row = table[(table.kind == "total") & (table.a == e.source) & (table.b == e.target)]
            assert _ci(row.pct_low.iloc[0], row.pct_high.iloc[0], 3) in effects


def test_pls_has_no_global_fit_and_says_so(pls, pages):
    for lang, words in (("en", "SRMR is not computed for PLS"), ("zh", "不计算 PLS 的 SRMR")):
        _, page = pages("pls", pls, lang)
        fit = soup(page).find(id="fit")
        assert words in text(fit)
        assert "CFI" not in text(fit) and fit.find("table") is None
        assert soup(page).find(id="comparison") is None
        assert words in text(soup(page).find(id="notes"))


def test_pls_method_notes(pls, pages):
    est = pls.estimate
    s = est.bootstrap.summary()
    _, page = pages("pls", pls, "en")
    notes = text(soup(page).find(id="notes"))
    assert "path weighting scheme" in notes
    assert f"stage one: {est.settings['iterations']['stage1']} iterations" in notes
    assert "reflective (mode A)" in notes
    assert "repeated indicators" in notes
    d = est.missing_detail
    assert (f"{d['n_values_replaced']} answers of {d['n_incomplete']} respondents"
            in notes.replace(",", ""))
    assert "No case weights" in notes
    assert "correlates positively with most of its items" in notes
    assert f"{s['resamples']} resamples (seed 1), {s['ok']} succeeded and {s['failed']} failed" in notes
    assert s["p_value"] in notes
    assert "95% percentile intervals" in notes
    assert "Weights used for the indices: PLS outer weights" in notes
    zh = text(soup(pages("pls", pls, "zh")[1]).find(id="notes"))
    assert "路径加权方案" in zh and f"自由度 {est.n - 1} 的 Student t 分布" in zh


def test_bca_intervals_are_named_with_their_jackknife(root, mobi_csv):
    from survey.report import build_context, render_report
    from survey.study import estimate_study

    result = estimate_study(root / "questionnaires/mobi.yaml", root / "models/ecsi.yaml",
                            mobi_csv, method="pls", bootstrap=MIN_USABLE, interval="bca", seed=3)
    groups = result.estimate.bootstrap.summary()["jackknife_groups"]
    page = render_report(build_context(result, "en"))
    assert "95% CI (BCa bootstrap)" in page
    assert f"acceleration from a jackknife with {groups} groups" in page
    p = result.estimate.paths[0]
    assert _ci(p.ci_low, p.ci_high, 3) in text(soup(page).find(id="path-table"))


# --------------------------------------------------------------------------- CB-SEM only


def test_cbsem_only_report(cbsem, pages):
    est = cbsem.estimate
    assert est.method == "cbsem"
    for lang in ("zh", "en"):
        context, page = pages("cbsem", cbsem, lang)
        assert context["method"] == NAMES["cbsem"]
        doc = soup(page)
        fit = text(doc.find(id="fit"))
        for name in ("CFI", "TLI", "RMSEA", "SRMR"):
            assert name in fit
        assert f"{est.fit['cfi']:.3f}" in fit
        assert doc.find(id="comparison") is None
        # Wald inference on the unstandardized estimates, and the standardized solution.
        table = doc.find(id="path-table")
        assert UI["unstd"][lang] in table.thead.get_text()
        for tr, p in zip(table.tbody.find_all("tr"), est.paths, strict=True):
            assert f"{p.std_estimate:.3f}" in text(tr) and f"{p.estimate:.3f}" in text(tr)
            assert _ci(p.ci_low, p.ci_high, 3) in text(tr)
        # The measurement section is CB-SEM's own when it is the only estimate.
        loadings = doc.find(id="loadings")
        for x in est.loadings:
            assert f"{x.std_estimate:.3f}" in loadings.get_text()
    zh, en = pages("cbsem", cbsem, "zh")[1], pages("cbsem", cbsem, "en")[1]
    assert "因子得分回归权重" in zh and "factor-score regression weights" in en
    assert "PLS outer weights" not in en
    assert "ρA is a reliability measure of PLS composites: not computed for CB-SEM." in en


# --------------------------------------------------------------------------- both


@pytest.mark.parametrize("name", ["airline_both", "mobi_both"])
def test_comparison_lists_exactly_the_flagged_rows(name, request, pages):
    result = request.getfixturevalue(name)
    assert len(result.comparison) > 0
    expected = {f"{r['kind']}:{r['a']}:{r['b']}": r["reasons"] for r in result.comparison}
    flagged = {k for k, reasons in expected.items() if reasons}
    assert flagged, "the fixture should disagree somewhere"
    for lang in ("zh", "en"):
        _, page = pages(name, result, lang)
        section = soup(page).find(id="comparison")
        rows = section.find_all("tr", attrs={"data-key": True})
        assert {tr["data-key"] for tr in rows} == set(expected)
        assert {tr["data-key"] for tr in rows if tr["data-flagged"] == "1"} == flagged
        for tr in rows:
            tags = [s["data-reason"] for s in tr.find_all("span", attrs={"data-reason": True})]
            assert tags == expected[tr["data-key"]]
        assert f"{len(flagged)}" in section.find("strong").get_text()


def test_comparison_explains_each_reason_and_why_methods_differ(mobi_both, pages):
    reasons = {x for r in mobi_both.comparison for x in r["reasons"]}
    assert reasons == {"sign", "significance", "size"}
    for lang, words in (
            ("en", ["opposite signs", "significant (p < 0.05) under one estimator only",
                    "standardized paths differ by 0.10 or more", "Dijkstra & Henseler 2015",
                    "attenuated", "inflated"]),
            ("zh", ["影响方向相反", "只在一种方法下显著", "标准化路径系数相差 0.10",
                    "Dijkstra & Henseler 2015", "衰减", "载荷偏大"])):
        section = text(soup(pages("mobi_both", mobi_both, lang)[1]).find(id="comparison"))
        for w in words:
            assert w in section, (lang, w)


def test_both_shows_every_estimate_fit_and_warnings(airline_both, pages):
    _, page = pages("airline_both", airline_both, "en")
    fit = soup(page).find(id="fit")
    blocks = {d["data-method"]: d for d in fit.find_all("div", attrs={"data-method": True})}
    assert set(blocks) == {"pls", "cbsem"}
    assert blocks["cbsem"].find("table") is not None and blocks["pls"].find("table") is None
    for m, est in airline_both.estimates.items():
        for w in est.warnings:
            assert w in text(blocks[m])
    # The headline (scorecard, paths, diagram, measurement) is PLS.
    assert "PLS-SEM (headline) + CB-SEM (ML) (comparison)" in page
    assert "Assessment of the measurement model of the PLS-SEM estimate." in page


def test_section_headings_are_in_the_report_language(airline_both, pages):
    headings = {"summary": "summary", "scorecard": "scorecard", "diagram": "diagram",
                "paths": "paths", "measurement": "measurement", "fit": "fit",
                "comparison": "comparison", "data-quality": "quality", "notes": "notes",
                "manifest": "appendix"}
    for lang in ("zh", "en"):
        doc = soup(pages("airline_both", airline_both, lang)[1])
        assert doc.html["lang"].startswith(lang)
        for section, key in headings.items():
            assert doc.find(id=section).h2.get_text() == UI[key][lang], (lang, section)


def test_no_negative_zero_and_no_nan_in_the_page(airline_both, pages):
    for lang in ("zh", "en"):
        page = text(soup(pages("airline_both", airline_both, lang)[1]))
        assert not re.search(r"(?<![\d.])-0\.0+(?![\d])", page)
        assert not re.search(r"(?<![A-Za-z])nan(?![A-Za-z])", page, re.IGNORECASE)
