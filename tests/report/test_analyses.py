"""The analysis sections of the report: drivers (IPMA), the classic methods, the satisfaction
ratio, the gauges and complaint funnel, segments and value tiers, and index precision.

One rich airline study (PLS with bootstrap, three segment columns with permutation tests, value
tiers) is estimated once for the module; every number the tests look for is read from its
``analyses`` blocks, never typed in.
"""

from __future__ import annotations

import dataclasses
import re
import string
import warnings

import pytest
from bs4 import BeautifulSoup

from survey.analysis.gauges import BENCHMARK
from survey.estimators.sample_size import minimum_n
from survey.report import build_context, charts, render_report, texts, write_report
from survey.study import SamplingDesign, estimate_study

SECTIONS = {"drivers": "drivers", "methods": "methods", "ratio": "ratio", "gauges": "gauges",
            "segments": "segments", "precision": "precision"}
LANGS = ("zh", "en")


def soup(page: str) -> BeautifulSoup:
    return BeautifulSoup(page, "html.parser")


def text(node) -> str:
    """The visible text of ``node`` with runs of white space as one space."""
    return " ".join(node.get_text(" ").split())


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


@pytest.fixture(scope="module")
def rich(root):
    return estimate_study(root / "questionnaires/airline.yaml", root / "models/ccsi.yaml",
                          root / "examples/airline_wave1.csv", method="pls", bootstrap=200,
                          seed=1, segments=["airline", "age=25,45"], tiers="spend_12m",
                          permutations=100)


@pytest.fixture(scope="module")
def page(rich):
    """(context, parsed page) of the rich study in each language."""
    out = {}
    for lang in LANGS:
        context = build_context(rich, lang)
        out[lang] = (context, soup(render_report(context)))
    return out


def doc(page, lang: str) -> BeautifulSoup:
    return page[lang][1]


# --------------------------------------------------------------------------- structure


@pytest.mark.parametrize("lang", LANGS)
def test_every_section_is_present_titled_and_linked(page, lang):
    d = doc(page, lang)
    links = {a["href"] for a in d.find("nav", class_="toc").find_all("a")}
    for section, key in SECTIONS.items():
        node = d.find(id=section)
        assert node is not None, section
        assert node.h2.get_text() == texts.ANALYSIS_UI[key][lang]
        assert f"#{section}" in links


def with_analysis(result, **changes):
    """``result`` with its typed analyses changed and their JSON made from them."""
    analysis = dataclasses.replace(result.analysis, **changes)
    return dataclasses.replace(result, analysis=analysis, analyses=analysis.to_json())


def test_sections_are_left_out_without_their_blocks(rich):
    no_segments = {"value_tiers": None, "segments": (), "segment_tests": ()}
    bare = with_analysis(rich, include=(), **no_segments)
    for lang in LANGS:
        d = soup(render_report(build_context(bare, lang)))
        links = {a["href"] for a in d.find("nav", class_="toc").find_all("a")}
        for section in SECTIONS:
            assert d.find(id=section) is None and f"#{section}" not in links
    # One block alone brings its section alone.
    only = with_analysis(rich, include=("satisfaction_ratio",), **no_segments)
    d = soup(render_report(build_context(only, "en")))
    assert d.find(id="ratio") is not None
    assert all(d.find(id=s) is None for s in SECTIONS if s != "ratio")


def test_rich_report_is_self_contained(page):
    for lang in LANGS:
        d = doc(page, lang)
        for tag in d.find_all(True):
            for attr in ("src", "href"):
                value = tag.get(attr)
                assert value is None or not re.match(r"(https?:)?//", value), (tag.name, value)
        assert d.find("link") is None and d.find("script") is None


def test_chinese_sections_use_no_english_fixed_text(page):
    """Every fixed English text of the analysis sections (its longest literal run) is absent
    from the Chinese report: nothing fell back to English."""
    body = " ".join(text(doc(page, "zh").find(id=s)) for s in SECTIONS)
    for table in (texts.ANALYSIS_UI, texts.QUADRANTS, texts.METHOD_NAMES, texts.METHOD_TEXT,
                  texts.METHOD_MEASURES, texts.RATIO_BANDS, texts.GAUGES, texts.FUNNEL_GROUPS,
                  texts.TIERS, texts.INVARIANCE, texts.PARAMETER_KINDS):
        for key, entry in table.items():
            run = max(re.split(r"\{[^}]*\}", entry["en"]), key=len).strip()
            if len(run) >= 10 and run not in entry["zh"]:
                assert run not in body, (key, run)


@pytest.mark.parametrize("lang", LANGS)
def test_no_nan_no_negative_zero_no_placeholder(page, lang):
    body = text(doc(page, lang))
    assert not re.search(r"(?<![\d.])-0\.0+(?![\d])", body)
    assert not re.search(r"(?<![A-Za-z])nan(?![A-Za-z])", body, re.IGNORECASE)
    assert not re.search(r"\{[a-z_]+\}", body)  # every template text was formatted


# --------------------------------------------------------------------------- drivers


@pytest.mark.parametrize("lang", LANGS)
def test_driver_rows_match_the_ipma_block(rich, page, lang):
    d = doc(page, lang).find(id="drivers")
    targets = list(dict.fromkeys(r["target"] for r in rich.analyses["ipma"]))
    assert targets[0] == rich.bound.model.target and len(targets) == 2
    for target in targets:
        block = d.find("div", attrs={"data-target": target})
        assert block.find("svg") is not None
        rows = {(tr["data-driver"], tr["data-kind"]): tr
                for tr in block.find(id=f"ipma-{target}").tbody.find_all("tr")}
        mine = [r for r in rich.analyses["ipma"] if r["target"] == target]
        assert set(rows) == {(r["latent"], r["kind"]) for r in mine}
        target_label = rich.questionnaire.constructs[target].label.get(lang)
        for r in mine:
            tr = rows[(r["latent"], r["kind"])]
            assert tr["data-quadrant"] == r["quadrant"]
            row = text(tr)
            assert f"{r['importance']:.3f}" in row and f"{r['performance']:.1f}" in row
            assert texts.QUADRANTS[r["quadrant"]][lang] in row
            assert f"+{r['impact']:.2f}" in row and target_label in row
        # The reader's line names exactly the constructs in the improve-first quadrant (the
        # priority rule; a higher-order one is acted on through its dimensions).
        urgent = [r for r in mine if r["quadrant"] == "improve_first" and r["kind"] == "construct"
                  and r["actionable"]]
        line = text(block.find("p", class_="conclusion"))
        labels = {r["latent"]: text(rows[(r["latent"], r["kind"])].td) for r in mine}
        for r in mine:
            assert (labels[r["latent"]] in line) == (r in urgent), r["latent"]


@pytest.mark.parametrize("lang", LANGS)
def test_the_executive_summary_comes_first_and_tells_the_same_story(rich, page, lang):
    d = doc(page, lang)
    summary = d.find(id="executive-summary")
    assert summary is not None
    sections = [s.get("id") for s in d.find_all("section")]
    assert sections.index("executive-summary") < sections.index("key-figures")
    lines = [text(li) for li in summary.find("ul", class_="executive").find_all("li")]
    idx = next(i for i in rich.estimate.indices if i.latent == "satisfaction")
    assert f"{idx.value:.1f}" in lines[0]
    if idx.ci_low is not None:
        assert f"{idx.ci_low:.1f}" in lines[0] and f"{idx.ci_high:.1f}" in lines[0]
    block = d.find("div", attrs={"data-target": "satisfaction"})
    callout = text(block.find("p", class_="conclusion"))
    names = callout.split("：" if lang == "zh" else ": ", 1)[1].rstrip("。.")
    assert names in lines[1]
    top = block.find(id="ipma-items-satisfaction").tbody.find_all("tr")[:3]
    for tr in top:
        assert text(tr.find_all("td")[1]).split(" ")[0] in lines[2]
    caveats = summary.find("ul", class_="caveats")
    expected = [n.text(lang) for e in rich.estimates.values() for n in e.notices
                if n.code == "small_sample"]
    if caveats is None:
        assert not expected and rich.estimate.admissible
    else:
        assert all(x in text(caveats) for x in expected)


@pytest.mark.parametrize("lang", LANGS)
def test_headline_cards_speak_business(rich, page, lang):
    """The cards: the index, what to improve first, the item with the most to gain, the
    customers surveyed; R² and the estimation method stay in the statistical sections."""
    d = doc(page, lang)
    cards = d.find(id="key-figures")
    kinds = [c["data-card"] for c in cards.find_all("div", class_="card")]
    assert kinds == ["index", "first", "item", "customers"]
    words = text(cards)
    assert "R²" not in words and "bootstrap" not in words and "PLS" not in words
    callout = text(d.find("div", attrs={"data-target": "satisfaction"}).find(
        "p", class_="conclusion"))
    first = text(cards.find("div", attrs={"data-card": "first"}).find("span", class_="v"))
    assert first in callout
    top = d.find(id="ipma-items-satisfaction").tbody.find("tr")
    item = text(cards.find("div", attrs={"data-card": "item"}).find("span", class_="v"))
    assert item in text(top.find_all("td")[1])


@pytest.mark.parametrize("lang", LANGS)
def test_one_priority_story(rich, page, lang):
    """The driver map's call-out, the priority order and the classic-methods conclusion tell
    the same story (the report once gave three answers to "what do we fix first?")."""
    from survey.analysis.drivers import improve_first

    a = rich.analysis
    mine = [p for p in a.ipma if p.target == "satisfaction"]
    first = improve_first(mine)
    assert first  # the rich study has a construct to improve first
    label = {p.driver: text(doc(page, lang).find(id="ipma-satisfaction").find(
        "tr", attrs={"data-driver": p.driver, "data-kind": p.kind}).td) for p in mine}
    block = doc(page, lang).find("div", attrs={"data-target": "satisfaction"})
    callout = text(block.find("p", class_="conclusion"))
    assert all(label[d] in callout for d in first)
    # The priority order starts with what the call-out names (a higher-order construct by its
    # dimensions).
    order = a.priorities["satisfaction"]
    second = dict(rich.bound.second_order)
    expected_head = [x for d in first for x in (second.get(d) or (d,))]
    assert set(order[:len(expected_head)]) == set(expected_head)
    # The methods conclusion opens with the same drivers and names any consensus that differs.
    conclusion = text(doc(page, lang).find(id="methods-conclusion"))
    opening = conclusion.split("。" if lang == "zh" else ". ")[0]
    assert all(label[d] in opening for d in first)
    assert ("经典方法仅作对照" if lang == "zh" else "for comparison") in conclusion


def test_dimensions_are_marked_and_follow_their_construct(rich, page):
    d = doc(page, "en").find(id="ipma-satisfaction")
    kinds = [(tr["data-driver"], tr["data-kind"]) for tr in d.tbody.find_all("tr")]
    quality = kinds.index(("quality", "construct"))
    dims = dict(rich.bound.second_order)["quality"]
    assert kinds[quality + 1: quality + 1 + len(dims)] == [(x, "dimension") for x in dims]
    for tr in d.tbody.find_all("tr", attrs={"data-kind": "dimension"}):
        assert "(dimension)" in text(tr) and "dim" in tr["class"]


def test_top_items_follow_the_priority_rule(rich, page):
    """The items of the improve-first constructs first (through the dimensions of a
    higher-order one), then the others, the largest potential gain first in each."""
    from survey.analysis.drivers import improve_first

    second = dict(rich.bound.second_order)
    for target in ("satisfaction", "loyalty"):
        constructs = [p for p in rich.analysis.ipma if p.target == target]
        first = set(improve_first(constructs))
        first |= {d for h in list(first) for d in second.get(h, ())}
        items = [r for r in rich.analyses["ipma_items"]
                 if r["target"] == target and r["actionable"]]  # no expectation items
        gain = {r["item"]: r["importance"] * (100 - r["performance"]) for r in items}
        home = {r["item"]: r["latent"] for r in items}
        expected = sorted(gain, key=lambda i: (home[i] not in first, -gain[i]))[:10]
        for lang in LANGS:
            table = doc(page, lang).find(id=f"ipma-items-{target}")
            rows = table.tbody.find_all("tr")
            assert [tr["data-item"] for tr in rows] == expected
            for tr in rows:
                assert f"{gain[tr['data-item']]:.2f}" in text(tr)


# --------------------------------------------------------------------------- classic methods


def test_flagged_disagreements_are_exactly_those_of_the_block(rich, page):
    cmp = rich.analyses["methods_comparison"]
    flagged = {f["driver"] for f in cmp["flagged"]}
    assert flagged, "the airline wave should make the methods disagree"
    for lang in LANGS:
        table = doc(page, lang).find(id="methods-table")
        rows = table.tbody.find_all("tr")
        assert {tr["data-driver"] for tr in rows} == set(cmp["ranks"])
        assert {tr["data-driver"] for tr in rows if tr["data-flagged"] == "1"} == flagged
        for tr in rows:
            ranks = cmp["ranks"][tr["data-driver"]]
            shown = {td["data-method"]: td["data-rank"]
                     for td in tr.find_all("td", attrs={"data-method": True})}
            assert {m: int(r) for m, r in shown.items() if r} == ranks
            gap = max(ranks.values()) - min(ranks.values())
            assert text(tr.find_all("td")[-1]) == str(gap)


@pytest.mark.parametrize("lang", LANGS)
def test_methods_top3_tau_and_explanations(rich, page, lang):
    m = rich.analyses["methods"]
    cmp = rich.analyses["methods_comparison"]
    section = doc(page, lang).find(id="methods")
    top3 = section.find(id="methods-top3")
    q = rich.questionnaire
    dims = {d for _, ds in rich.bound.second_order for d in ds}

    def name(c):
        return q.constructs[c].label.get(lang) + (texts.UI["dimension"][lang] if c in dims else "")

    for method, drivers in cmp["top3"].items():
        row = text(top3.find("tr", attrs={"data-method": method}))
        assert texts.METHOD_NAMES[method][lang] in row
        positions = [row.index(name(x)) for x in drivers]
        assert positions == sorted(positions)
    kendall = text(section.find(id="kendall"))
    for x in cmp["kendall_tau"]:
        assert f"{x['tau']:.2f}".replace("-0.00", "0.00") in kendall
    explained = {li["data-method"]: text(li) for li in section.find_all("li",
                                                                         attrs={"data-method": True})}
    assert set(explained) == set(m)
    stated = [r["importance"] for r in m["dual_evaluation"]["drivers"]]
    assert f"{min(stated):.1f}" in explained["dual_evaluation"]
    assert f"{max(stated):.1f}" in explained["dual_evaluation"]
    negative = m["regression"]["negative_significant_items"]
    assert negative, "the airline wave has a negative significant item"
    for item in negative:
        assert q.item(item).short.get(lang) in explained["regression"]
    assert f"{m['regression']['r2']:.3f}" in explained["regression"]
    # The conclusion names the drivers every method puts in its top three.
    everywhere = set.intersection(*(set(v) for v in cmp["top3"].values()))
    conclusion = text(section.find(id="methods-conclusion"))
    for x in everywhere:
        assert name(x) in conclusion
    if everywhere:
        assert (f"全部 {len(cmp['top3'])} 种方法" if lang == "zh"
                else f"All {len(cmp['top3'])} methods") in conclusion


# --------------------------------------------------------------------------- ratio and gauges


@pytest.mark.parametrize("lang", LANGS)
def test_satisfaction_ratio_rows(rich, page, lang):
    table = doc(page, lang).find(id="ratio-table")
    rows = {tr["data-expectation"]: tr for tr in table.tbody.find_all("tr")}
    block = rich.analyses["satisfaction_ratio"]
    assert set(rows) == {r["expectation"] for r in block}
    for r in block:
        tr = rows[r["expectation"]]
        assert tr["data-band"] == r["band"]
        row = text(tr)
        assert f"{r['ratio']:.3f}" in row and texts.RATIO_BANDS[r["band"]][lang] in row
        assert f"{r['expected_mean']:.2f}" in row and f"{r['perceived_mean']:.2f}" in row
        cells = [td.get_text() for td in tr.find_all("td")[-4:]]
        assert cells == [pct(r["shares"][b]) for b in ("exceeded", "met", "not_met", "unmet")]
        assert abs(sum(r["shares"].values()) - 1) < 1e-9


@pytest.mark.parametrize("lang", LANGS)
def test_gauges_and_complaint_funnel(rich, page, lang):
    g = rich.analyses["gauges"]
    section = doc(page, lang).find(id="gauges")
    assert section.find("svg") is not None
    rows = {tr["data-gauge"]: text(tr) for tr in section.find(id="gauges-table").tbody("tr")}
    assert set(rows) == {"overall", "recommend", "repurchase"}
    for role, row in rows.items():
        x = g[role]
        assert texts.GAUGES[role][lang] in row
        assert f"{x['mean']:.2f}" in row and pct(x["top_box"]) in row and "(8-10)" in row
        for box in (x.get("satisfaction_by_box") or {}).values():
            assert f"{box:.1f}" in row
    funnel = g["complaint_funnel"]
    table = section.find(id="funnel-table")
    shown = {tr["data-group"]: text(tr) for tr in table.tbody("tr")}
    for grp in funnel["groups"]:
        if not grp["n"] and grp["benchmark"] is None:
            assert grp["group"] not in shown
            continue
        row = shown[grp["group"]]
        assert texts.FUNNEL_GROUPS[grp["group"]][lang] in row
        assert pct(grp["buy_again"]) in row
        if grp["benchmark"] is not None:
            assert grp["benchmark"] == BENCHMARK[grp["group"]]
            assert pct(grp["benchmark"]) in row
    assert {"resolved_quickly", "resolved", "not_resolved", "dissatisfied_silent"} <= set(shown)
    summary = text(section.find("p", class_="conclusion"))
    assert pct(funnel["dissatisfied"]) in summary
    assert pct(funnel["complained_among_dissatisfied"]) in summary


# --------------------------------------------------------------------------- segments


def test_value_tiers(rich, page):
    v = rich.analyses["value_tiers"]
    assert abs(sum(t["customer_share"] for t in v["tiers"]) - 1) < 1e-9
    assert abs(sum(t["value_share"] for t in v["tiers"]) - 1) < 1e-9
    assert sum(t["n"] for t in v["tiers"]) == v["n_ranked"]
    top = v["tiers"][:3]
    for lang in LANGS:
        section = doc(page, lang).find(id="value-tiers")
        assert section.find("svg") is not None
        for t in v["tiers"]:
            row = text(section.find("tr", attrs={"data-tier": t["tier"]}))
            assert texts.TIERS[t["tier"]][lang] in row
            assert pct(t["customer_share"]) in row and pct(t["value_share"]) in row
        line = text(section.find("p", class_="conclusion"))
        assert pct(sum(t["customer_share"] for t in top)) in line
        assert pct(sum(t["value_share"] for t in top)) in line


@pytest.mark.parametrize("lang", LANGS)
def test_segment_levels_with_indices_and_reasons(rich, page, lang):
    target = rich.bound.model.target
    section = doc(page, lang).find(id="segments")
    columns = [s["segment"] for s in rich.analyses["segment_summaries"]]
    assert columns == ["airline", "age_band", "value_tier"]
    options = {str(c): label.get(lang) for c, label in rich.questionnaire.question("airline").options}
    for column in columns:
        block = section.find("div", attrs={"data-segment": column})
        levels = [r for r in rich.analyses["segments"] if r["segment"] == column]
        rows = block.find("table").tbody.find_all("tr", attrs={"data-level": True})
        assert [tr["data-level"] for tr in rows] == [r["level"] for r in levels]
        for tr, r in zip(rows, levels, strict=True):
            row = text(tr)
            # Levels are named by the question's options and the tiers' names.
            if column == "airline":
                assert options[r["level"]] in row
            elif column == "value_tier":
                assert texts.TIERS[r["level"]][lang] in row
            else:
                assert row.startswith(r["level"])
            assert f"{r['n']:,}" in row
            if r["estimated"]:
                lo, hi = r["ci"][target]
                assert f"{r['indices'][target]:.1f} [{lo:.1f}, {hi:.1f}]" in row
            else:
                assert tr["data-estimated"] == "0"
                # 41: ten times the 4 predictors of satisfaction is 40, and the model has
                # 40 items (sample_size.minimum_n).
                assert minimum_n(rich.bound) == 41
                assert ("少于本模型所需的 41 位" if lang == "zh"
                        else "fewer than the 41 this model needs") in row
    assert any(not r["estimated"] for r in rich.analyses["segments"])
    # A segment is headed by its question's short name, not by the question as asked.
    airline = rich.questionnaire.question("airline")
    heading = text(section.find("div", attrs={"data-segment": "airline"}).find(["h3", "h4"]))
    assert airline.short.get(lang) in heading and airline.label.get(lang) not in heading
    age = text(section.find("div", attrs={"data-segment": "age_band"}).find(["h3", "h4"]))
    assert rich.questionnaire.question("age").label.get(lang) in age


@pytest.mark.parametrize("lang", LANGS)
def test_permutation_tests_show_the_significant_differences_and_micom(rich, page, lang):
    section = doc(page, lang).find(id="segments")
    for block in rich.analyses["segment_tests"]:
        node = section.find("div", attrs={"data-segment": block["segment"]})
        tests = [x for p in block["pairs"] for x in p["tests"]]
        significant = [x for x in tests if x["p_value"] is not None and x["p_value"] < 0.05]
        summary = text(node.find("div", class_="segment-tests").p)
        assert f"{len(tests):,}" in summary and str(len(significant)) in summary
        table = node.find("table", class_="tests-table")
        if significant:
            rows = table.tbody.find_all("tr")
            assert len(rows) == min(len(significant), 25)
            holm = sorted(x["p_holm"] for x in significant)[:len(rows)]
            shown = [float(td.get_text().replace("< ", "")) for td in
                     (tr.find_all("td")[6] for tr in rows)]
            assert shown == pytest.approx(holm, abs=5e-4)
            if len(significant) <= len(rows):
                bold = [tr for tr in rows if "holm" in (tr.get("class") or [])]
                assert len(bold) == sum(x["p_holm"] < 0.05 for x in significant)
                not_comparable = [tr for tr in rows
                                  if "not-comparable" in (tr.get("class") or [])]
                assert len(not_comparable) == sum(x["comparable"] is False for x in significant)
        else:
            assert table is None
        verdicts = [tr["data-verdict"] for tr in
                    node.find("table", class_="micom-table").tbody.find_all("tr")]
        assert verdicts == [p["micom"]["verdict"] for p in block["pairs"]]
        failing = verdicts.count("no")
        warning = node.find("p", class_="alert-inline")
        assert (warning is not None) == bool(failing)
        if failing:
            assert f"{failing}" in text(warning)


def test_respondent_text_in_segment_levels_is_escaped(rich):
    hostile = "<script>alert(1)</script>"
    segments = tuple(dataclasses.replace(s, levels=tuple(dataclasses.replace(lv, level=hostile)
                                                        for lv in s.levels))
                     if s.segment == "age_band" else s for s in rich.analysis.segments)
    result = with_analysis(rich, segments=segments)
    html = render_report(build_context(result, "en"))
    assert hostile not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert soup(html).find("script") is None


# --------------------------------------------------------------------------- precision


def test_precision_without_a_probability_sample_has_no_margin_of_error(rich, page):
    block = rich.analyses["precision"]
    for lang in LANGS:
        section = doc(page, lang).find(id="precision")
        for latent, x in block.items():
            row = section.find("tr", attrs={"data-latent": latent})
            cells = row.find_all("td")
            assert f"{x['se']:.2f}" in text(row) and f"{x['deff_kish']:.2f}" in text(row)
            assert x["moe"] is None and cells[3]["data-moe"] == "" and cells[3].get_text() == "–"
        note = text(section.find(id="moe-note"))
        assert ("AAPOR" in note) and ("不报告抽样误差范围" in note if lang == "zh"
                                      else "no margin of sampling error" in note)


def test_precision_of_a_probability_sample_shows_the_margin_of_error(root):
    result = estimate_study(root / "questionnaires/airline.yaml", root / "models/ccsi.yaml",
                            root / "examples/airline_wave1.csv", method="pls",
                            design=SamplingDesign(probability=True))
    block = result.analyses["precision"]
    for lang in LANGS:
        d = soup(render_report(build_context(result, lang)))
        section = d.find(id="precision")
        for latent, x in block.items():
            cell = section.find("tr", attrs={"data-latent": latent}).find_all("td")[3]
            assert x["moe"] is not None and cell.get_text() == f"± {x['moe']:.2f}"
        note = text(section.find(id="moe-note"))
        assert "AAPOR" not in note and "95%" in note
        # No segments were asked for: that section is left out, the others are there.
        assert d.find(id="segments") is None and d.find(id="drivers") is not None


def test_texts_come_from_codes_not_from_english_sentences(root):
    """A stratified design's variance method, the bootstrap's p-value rule and a segment level
    that could not be estimated read in the report's language (the report once parsed them out
    of English sentences: the stratified design lost its 'stratified' in Chinese)."""
    import pandas as pd

    frame = pd.read_csv(root / "examples/airline_wave1.csv")
    frame["panel"] = ["Tiny" if i < 20 else "Main" for i in range(len(frame))]
    result = estimate_study(root / "questionnaires/airline.yaml", root / "models/ccsi.yaml",
                            frame.iloc[:700], method="pls", bootstrap=200, seed=3,
                            segments=("panel",), permutations=0, analyses=["precision"],
                            design=SamplingDesign(strata="airline", probability=True))
    tiny = next(lv for s in result.analysis.segments for lv in s.levels if lv.level == "Tiny")
    assert tiny.reason == "too_few" and tiny.min_n > tiny.n
    n = result.estimate.n
    expected = {"zh": ("分层加权均值的 Taylor 线性化", f"自由度 {n - 1} 的 Student t 分布",
                       f"未估计：仅 {tiny.n} 位受访者，少于本模型所需的 {tiny.min_n} 位。"),
                "en": ("Taylor linearisation of the weighted mean, stratified",
                       f"Student t with {n - 1} df",
                       f"Not estimated: {tiny.n} respondents, fewer than the {tiny.min_n}")}
    for lang, phrases in expected.items():
        page = text(soup(render_report(build_context(result, lang))))
        for phrase in phrases:
            assert phrase in page, (lang, phrase)


@pytest.mark.parametrize("lang", LANGS)
def test_no_training_material_words_and_the_benchmark_is_named(page, lang):
    """What the client reads names its benchmarks with their source and says nothing of the
    material the product was specified from."""
    words = text(doc(page, lang))
    for internal in ("source material", "training material", "SOURCE.md", "培训", "材料"):
        assert internal not in words, internal
    funnel = text(doc(page, lang).find(id="gauges"))
    assert "TARP" in funnel and ("Office of Consumer Affairs" in funnel or "消费者事务" in funnel)


def test_no_language_branch_outside_the_catalogue():
    """Every word and punctuation mark that depends on the language comes from texts.py: no
    ``lang == ...`` in the report's code or templates."""
    import pathlib

    import survey.report
    from survey.resources import bundled

    code = pathlib.Path(survey.report.__file__).parent
    files = [p for p in code.glob("*.py") if p.name != "texts.py"]
    files += list(bundled("reports").glob("*.j2"))
    for path in files:
        assert not re.search(r"\blang\s*[!=]=", path.read_text(encoding="utf-8")), path.name


def test_the_report_parses_no_sentence():
    """Nothing in survey/report reads meaning back out of upstream English text, or reads the
    analyses' JSON instead of their typed results."""
    import pathlib

    import survey.report

    folder = pathlib.Path(survey.report.__file__).parent
    for path in folder.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "removeprefix(" not in source, path.name
        # The report consumes the typed results, not their JSON (the deliverables read the
        # report's context, which is made from the typed results).
        assert not re.search(r"\bresult\.analyses\b|to_json\(\)\[|"
                             r"analyses\[\"(ipma|methods|gauges|segments)\"\]", source), path.name
        assert not re.search(r"\bre\.(fullmatch|match|search)\(", source), path.name
        assert not re.search(r"startswith\(\"[A-Z][a-z]+ ", source), path.name


# --------------------------------------------------------------------------- texts and charts


def _fields(s: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(s) if f}


def test_every_text_has_both_languages_and_the_same_fields():
    tables = {name: value for name, value in vars(texts).items()
              if name.isupper() and isinstance(value, dict)}
    assert {"UI", "ANALYSIS_UI", "QUADRANTS", "METHOD_TEXT", "TIERS", "FUNNEL_GROUPS"} <= set(tables)
    for name, table in tables.items():
        for key, entry in table.items():
            assert set(entry) == {"zh", "en"}, (name, key)
            # GRAMMAR's glue may be a space in one language and nothing in the other.
            assert name == "GRAMMAR" or (entry["zh"].strip() and entry["en"].strip()), (name, key)
            assert _fields(entry["zh"]) == _fields(entry["en"]), (name, key)
            # Thresholds are the criteria's ([[name]]), the same in both languages.
            marks = [set(re.findall(r"\[\[(\w+)\]\]", entry[lang])) for lang in LANGS]
            assert marks[0] == marks[1], (name, key)
            for mark in marks[0]:
                assert texts.tr(table, key, "en").count("[[") == 0
                assert hasattr(texts.CRITERIA, mark), (name, key, mark)
    assert texts.tr(texts.FLAGS, "loading", "en") == "standardized loading < 0.708"
    assert texts.tr(texts.FLAGS, "alpha", "zh") == "Cronbach α < 0.70"
    assert texts.tr(texts.FLAGS, "vif_5", "en").startswith("VIF ≥ 5:")
    # The two label tables are merged into one context dictionary: no key may clash.
    assert not set(texts.UI) & set(texts.ANALYSIS_UI)
    # Every quadrant, band, method, gauge and tier code of the analyses has its words.
    from survey.analysis.drivers import QUADRANTS
    from survey.analysis.methods import METHODS
    from survey.analysis.ratio import BANDS
    from survey.analysis.tiers import TIERS

    assert set(QUADRANTS) == set(texts.QUADRANTS)
    assert set(METHODS) == set(texts.METHOD_NAMES) == set(texts.METHOD_MEASURES)
    assert set(METHODS) <= set(texts.METHOD_TEXT)
    assert set(BANDS) == set(texts.RATIO_BANDS)
    assert set(BENCHMARK) <= set(texts.FUNNEL_GROUPS)
    assert [t for t, _ in TIERS] == list(texts.TIERS)


def test_analysis_charts_are_byte_stable_and_draw_every_glyph(page):
    quadrants = {k: v["zh"] for k, v in texts.QUADRANTS.items()}
    panels = [{"title": "感知质量的维度", "mean_importance": 0.1, "mean_performance": 62.0,
               "points": [{"label": "客舱环境", "importance": 0.19, "performance": 66.2,
                           "quadrant": "keep_up", "kind": "dimension"},
                          {"label": "飞行正点", "importance": 0.06, "performance": 54.7,
                           "quadrant": "low_priority", "kind": "dimension"},
                          {"label": "Entertainment", "importance": 0.12, "performance": 55.0,
                           "quadrant": "improve_first", "kind": "dimension"}]}]
    shares = [{"label": "推荐意愿", "shares": {"1": 0.1, "2": 0.3, "3": 0.6}}]
    tiers = [{"label": "客户", "shares": {"gold": 0.2, "lead": 0.8}},
             {"label": "价值", "shares": {"gold": 0.7, "lead": 0.3}}]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph warns: fail on it
        for draw in (lambda: charts.ipma_svg(panels, "重要性", "表现", quadrants),
                     lambda: charts.distribution_svg(shares, ["1", "2", "3"], "受访者比例"),
                     lambda: charts.tiers_svg(tiers, [("gold", "黄金客户"), ("lead", "铅客户")],
                                              "占比")):
            assert draw() == draw()
    # The report's own charts: one map per target, the answers, the tiers.
    assert len(doc(page, "zh").find(id="drivers").find_all("svg")) == 2
    assert len(doc(page, "zh").find(id="segments").find_all("svg")) == 1


@pytest.mark.browser
def test_rich_report_renders_in_chromium_without_errors(rich, tmp_path, chromium):
    path = write_report(rich, tmp_path / "report.html", lang="zh")
    # The segment tables fit the page (no sideways scrolling).
    view = chromium(path, sizes_of="#drivers svg, #gauges svg, #segments svg",
                    script="[...document.querySelectorAll('.segment .scroll')]"
                           ".map(e => e.scrollWidth - e.clientWidth)")
    assert view.errors == [] and view.failed == []
    assert len(view.sizes) == 4 and all(w > 100 and h > 100 for w, h in view.sizes)
    assert view.extra and max(view.extra) <= 1


def test_a_failed_invariance_is_warned_about(rich):
    """A pair whose MICOM fails gets the warning (forced here: with this study's few
    permutations the Holm-adjusted MICOM cannot fail by chance)."""
    first = rich.analysis.segment_tests[0]
    pair = first.pairs[0]
    constructs = (dataclasses.replace(pair.micom.constructs[0], compositional=False),
                  *pair.micom.constructs[1:])
    failing = dataclasses.replace(pair, micom=dataclasses.replace(pair.micom,
                                                                  constructs=constructs))
    assert failing.micom.verdict == "no"
    tests = (dataclasses.replace(first, pairs=(failing, *first.pairs[1:])),
             *rich.analysis.segment_tests[1:])
    result = with_analysis(rich, segment_tests=tests)
    node = soup(render_report(build_context(result, "en"))).find(
        "div", attrs={"data-segment": first.segment})
    warning = node.find("p", class_="alert-inline")
    assert warning is not None and "1" in text(warning)


# --------------------------------------------------------------------------- CB-SEM segments


@pytest.fixture(scope="module")
def cbsem_segments(rich):
    """The rich study with its airline comparison replaced by CB-SEM's for two airlines: the
    CCSI model with its second-order quality, FIML, likelihood-ratio tests."""
    from survey.analysis.segments import compare_segments

    block = compare_segments(rich.bound, rich.responses.data, "airline", levels=["1", "2"],
                             method="cbsem")
    tests = (block, *(s for s in rich.analysis.segment_tests if s.segment != "airline"))
    return with_analysis(rich, segment_tests=tests)


@pytest.mark.parametrize("lang", LANGS)
def test_cbsem_comparison_shows_likelihood_ratio_tests_and_the_scalar_step(cbsem_segments,
                                                                          lang):
    block = cbsem_segments.analyses["segment_tests"][0]
    pair = block["pairs"][0]
    assert pair["method"] == "cbsem"
    assert {x["test"] for x in pair["tests"] if x["kind"] == "path"} == {"lr"}
    cb = pair["cbsem"]
    assert cb["metric"]["available"] and cb["scalar"]["available"]
    assert cb["paths_equal"]["df_difference"] == len(cbsem_segments.bound.model.paths)
    d = soup(render_report(build_context(cbsem_segments, lang)))
    node = d.find(id="segments").find("div", attrs={"data-segment": "airline"})
    tests = node.find("div", class_="segment-tests")
    ui = texts.ANALYSIS_UI
    assert text(tests.h4) == ui["segment_tests_lr"][lang]
    between = ui["tests_summary_lr"][lang].split("{tests}")[1].split("{sig}")[0]
    assert " ".join(between.split()) in text(tests.p)
    row = tests.find("table", class_="micom-table").tbody.tr
    holds = cb["metric"]["holds"] and cb["scalar"]["holds"]
    verdict = "scalar_holds" if holds else "scalar_fails" if cb["metric"]["holds"] \
        else "metric_fails"
    assert row["data-verdict"] == verdict
    steps = text(row.find_all("td")[-1])
    for step in ("metric", "scalar", "paths_equal"):
        b = cb[step]
        assert f"χ²({b['df_difference']}) = {b['chi2_difference']:.2f}" in steps
        assert texts.INVARIANCE_STEPS[step][lang] in steps
    # The PLS blocks keep their MICOM heading; the note says what the verdicts mean.
    other = d.find("div", attrs={"data-segment": "age_band"}).find("div", class_="segment-tests")
    assert text(other.h4) == ui["segment_tests"][lang]
    assert ui["invariance_lr_note"][lang] in text(d.find(id="segments"))
    lines = " ".join(text(li) for li in d.find_all("li")) + text(d)
    assert texts.ANALYSIS_NOTES["segments_cbsem"][lang][:20] in lines
