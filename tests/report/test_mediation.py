"""The report's mediation section: every number of its table is the typed result's
(survey.analysis.mediation), in both languages, with the rule it was judged by.

The studies are the shared ones of conftest.py (airline CCSI and mobi ECSI, PLS with a small
bootstrap and CB-SEM beside it); the CB-SEM report gets the mediation of its own estimate (the
delta method: it was not bootstrapped), and a PLS run without a bootstrap shows estimates only.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from bs4 import BeautifulSoup

from survey.analysis.mediation import TYPES, mediation
from survey.report import build_context, render_report, texts
from survey.report.render import environment
from survey.study import estimate_study

LANGS = ("zh", "en")
FILTERS = environment().filters
fmt, ci, pvalue = FILTERS["fmt"], FILTERS["ci"], FILTERS["pvalue"]


def text(node) -> str:
    return " ".join(node.get_text(" ").split())


@pytest.fixture(scope="module")
def page(pages):
    """The parsed report of a study in a language (rendered once: conftest's ``pages``)."""
    parsed: dict[tuple[str, str], BeautifulSoup] = {}

    def get(name: str, result, lang: str) -> BeautifulSoup:
        if (name, lang) not in parsed:
            parsed[(name, lang)] = BeautifulSoup(pages(name, result, lang)[1], "html.parser")
        return parsed[(name, lang)]

    return get


def with_mediation(result, **changes):
    """``result`` with its typed analyses changed (and their JSON made from them)."""
    analysis = dataclasses.replace(result.analysis, **changes)
    return dataclasses.replace(result, analysis=analysis, analyses=analysis.to_json())


@pytest.fixture(scope="module")
def cbsem_only(airline_cbsem):
    """The CB-SEM-only airline study with the mediation of its own estimate."""
    est = airline_cbsem.estimates["cbsem"]
    return with_mediation(airline_cbsem, mediation=mediation(airline_cbsem.bound.model, est))


@pytest.fixture(scope="module")
def unbootstrapped(root):
    return estimate_study(root / "questionnaires/airline.yaml", root / "models/ccsi.yaml",
                          root / "examples/airline_wave1.csv", method="pls",
                          analyses=["mediation"])


def check_table(page: BeautifulSoup, result, lang: str):
    """The rendered table against the typed results, row by row and cell by cell."""
    typed = result.analysis.mediation
    node = page.find(id="mediation")
    assert node is not None and node.h2.get_text() == texts.MEDIATION_UI["title"][lang]
    links = {a["href"] for a in page.find("nav", class_="toc").find_all("a")}
    assert "#mediation" in links
    words = texts.MEDIATION_UI
    headers = [th.get_text() for th in node.find("table").thead.find_all("th")]
    rows = node.find("table").tbody.find_all("tr")
    assert [r["data-chain"] for r in rows] == ["->".join(x.chain) for x in typed.effects]
    label = {c: result.questionnaire.constructs[c].label.get(lang) for c in result.bound.constructs}
    std = typed.method == "cbsem"
    inference = typed.inference != "none"
    assert headers[0] == words["chain"][lang] and headers[1] == words["indirect"][lang]
    assert (words["std_estimate"][lang] in headers) == std
    assert (texts.UI["p"][lang] in headers) == inference
    for row, x in zip(rows, typed.effects, strict=True):
        cells = [td.get_text() for td in row.find_all("td")]
        assert cells.pop(0) == " → ".join(label[c] for c in x.chain)
        assert cells.pop(0) == fmt(x.estimate) + ("*" if x.significant else "")
        if std:
            assert cells.pop(0) == fmt(x.std_estimate)
        if inference:
            assert cells.pop(0) == ci(x.ci_low, x.ci_high)
            assert cells.pop(0) == pvalue(x.p_value)
        assert cells.pop(0) == (fmt(x.direct) + ("*" if x.direct_significant else "")
                                if x.has_direct_path else words["no_direct_path"][lang])
        assert cells.pop(0) == texts.MEDIATION_TYPES[x.type][lang]
        assert not cells and row["data-type"] == x.type
    # The legend explains exactly the types the table shows.
    legend = [li["data-type"] for li in node.find("ul", class_="mediation-types").find_all("li")]
    assert legend == [t for t in TYPES if any(x.type == t for x in typed.effects)]
    return node


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", ["airline_both", "mobi_both"])
def test_table_numbers_are_the_typed_results(name, lang, request, page):
    result = request.getfixturevalue(name)
    typed = result.analysis.mediation
    assert typed.inference == "bootstrap" and typed.method == "pls"
    node = check_table(page(name, result, lang), result, lang)
    words = texts.MEDIATION_UI
    # The reading: how many are significant, and the largest significant one on the target.
    significant = [x for x in typed.effects if x.significant]
    reading = text(node.find(id="mediation-reading"))
    assert reading.startswith(words["reading"][lang].format(sig=len(significant),
                                                            n=len(typed.effects)))
    target = result.bound.model.target
    top = max((x for x in significant if x.effect == target), key=lambda x: abs(x.estimate))
    assert f"+{top.estimate:.3f}" in reading
    assert texts.MEDIATION_TYPES[top.type][lang] in reading
    # The rule and the p-values' distribution, with the interval's name and the df.
    body = text(node)
    ci_label = texts.ci_label("95%", texts.INTERVALS["percentile"][lang], lang)
    assert " ".join(words["rule"][lang].format(ci=ci_label).split()) in body
    assert " ".join(words["p_bootstrap"][lang].format(df=typed.p_df).split()) in body
    assert typed.p_df == result.estimate.n - 1


def test_mobi_shows_every_kind_of_verdict(mobi_both):
    """ECSI on mobi has complementary, full, direct-only, no-effect and by-design rows: each
    row's type follows the verdicts it shows."""
    types = {x.type for x in mobi_both.analysis.mediation.effects}
    assert {"complementary", "full", "direct_only", "no_effect", "indirect_only_by_design",
            "no_effect_by_design"} <= types
    for x in mobi_both.analysis.mediation.effects:
        if x.type == "full":
            assert x.significant and x.direct_significant is False
        elif x.type == "direct_only":
            assert not x.significant and x.direct_significant
        elif x.type.endswith("_by_design"):
            assert x.direct is None


@pytest.mark.parametrize("lang", LANGS)
def test_cbsem_without_bootstrap_shows_delta_method_numbers_flagged(cbsem_only, lang, page):
    typed = cbsem_only.analysis.mediation
    assert typed.inference == "delta" and typed.method == "cbsem"
    node = check_table(page("cbsem_only", cbsem_only, lang), cbsem_only, lang)
    body = text(node)
    words = texts.MEDIATION_UI
    for key in ("delta_note", "cbsem_metric", "p_delta"):
        assert " ".join(words[key][lang].split()) in body
    ci_label = texts.ci_label("95%", words["delta"][lang], lang)
    assert ci_label in [th.get_text() for th in node.find("thead").find_all("th")]


@pytest.mark.parametrize("lang", LANGS)
def test_without_inference_only_estimates_are_shown(unbootstrapped, lang, page):
    typed = unbootstrapped.analysis.mediation
    assert typed.withheld == "no_bootstrap" and {x.type for x in typed.effects} == {"untested"}
    node = check_table(page("unbootstrapped", unbootstrapped, lang), unbootstrapped, lang)
    assert text(node.find(id="mediation-reading")) == " ".join(
        texts.MEDIATION_UI["withheld_no_bootstrap"][lang].split())
    assert "*" not in text(node.find("table"))  # nothing is marked significant


def test_the_section_is_left_out_when_the_analysis_is_off(airline_both):
    off = with_mediation(airline_both, include=tuple(i for i in airline_both.analysis.include
                                                     if i != "mediation"))
    assert "mediation" not in off.analyses
    assert build_context(off, "zh")["mediation"] is None
    html = BeautifulSoup(render_report(build_context(off, "en")), "html.parser")
    assert html.find(id="mediation") is None
    assert "#mediation" not in {a["href"] for a in html.find("nav").find_all("a")}


@pytest.mark.parametrize("name", ["airline_both", "cbsem_only"])
def test_chinese_section_has_no_english_fixed_text_and_no_placeholder(name, request, page):
    result = request.getfixturevalue(name)
    zh = text(page(name, result, "zh").find(id="mediation"))
    for table in (texts.MEDIATION_UI, texts.MEDIATION_TYPES, texts.MEDIATION_TYPE_RULES):
        for entry in table.values():
            run = max(re.split(r"\{[^}]*\}", entry["en"]), key=len).strip()
            if len(run) >= 10 and run not in entry["zh"]:
                assert run not in zh, run
    for lang in LANGS:
        body = text(page(name, result, lang).find(id="mediation"))
        assert not re.search(r"\{[a-z_]+\}", body)
        assert not re.search(r"(?<![A-Za-z])nan(?![A-Za-z])", body, re.IGNORECASE)

def test_every_type_has_its_words():
    assert list(texts.MEDIATION_TYPES) == list(TYPES) == list(texts.MEDIATION_TYPE_RULES)
