"""The tracking report: trends, wave over wave, the improvement check, failed cells, method
notes, in both languages, escaped, self-contained and rendered in Debian's headless Chromium.

One small tracking study is estimated once for the module (two waves of the simulated airline
tracking study, small bootstrap and permutation counts, no Dask): brand A raised its
punctuality; the second brand, named ``<script>...``, fixed its weak cabin; in brand A's
second wave one brand-image question was answered at random (as if respondents no longer
understood it), so MICOM must find brand image not comparable; a third brand, named
``<img ...>``, has three respondents in one wave and its cell fails. Every number the tests
look for is read from the Tracking, never typed in.
"""

from __future__ import annotations

import dataclasses
import re
import string
import warnings

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from survey.analysis import waves
from survey.analysis.waves import CHANGE_RULE
from survey.estimators.bootstrap import MIN_USABLE
from survey.ingest import response_set_from_frame
from survey.pathmodel import bind, load_model
from survey.questionnaire import load_questionnaire
from survey.report import charts, texts
from survey.report.render import _ci, _fmt, format_p
from survey.report.tracking import (
    build_tracking_context,
    construct_order,
    render_tracking_report,
    write_tracking_report,
)
from survey.simulate import TRACKING_STUDY, simulate_responses
from survey.tracking import track

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
LANGS = ("zh", "en")
WAVES = ["2026Q1", "2026Q2"]
SECTIONS = {"executive-summary": "executive", "summary": "run_summary", "trends": "trends", "wave-over-wave": "wave_over_wave",
            "improvement": "improvement", "failed-cells": "failed_cells", "notes": "notes",
            "manifest": "appendix"}
BRAND = {"A": "A", "B": SCRIPT}
#: The question brand A's second-wave respondents answered at random.
NOISE_ITEM = "img_logo"


@pytest.fixture(scope="module")
def bound(root):
    q = load_questionnaire(root / "questionnaires/airline.yaml")
    return bind(load_model(root / "models/ccsi.yaml"), q)


@pytest.fixture(scope="module")
def data(bound):
    q = bound.questionnaire
    frames = []
    for k, ((wave, brand), population) in enumerate(TRACKING_STUDY.items()):
        raw = simulate_responses(bound, population, n=300, seed=100 + k)
        frame = response_set_from_frame(raw, q, items=bound.items).data
        if (wave, brand) == ("2026Q2", "A"):
            shuffled = np.random.default_rng(7).permutation(frame[NOISE_ITEM].to_numpy())
            frame[NOISE_ITEM] = shuffled
        frames.append(frame.assign(wave=wave, brand=BRAND[brand]))
    # Three respondents: far fewer than the model needs, the cell is not estimated.
    raw = simulate_responses(bound, TRACKING_STUDY[("2026Q2", "A")], n=3, seed=99)
    frames.append(response_set_from_frame(raw, q, items=bound.items).data
                  .assign(wave="2026Q2", brand=IMG))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def tracking(bound, data):
    # 400 permutations: MICOM's decisions are Holm-adjusted over a dozen constructs, so a
    # construct can only be flagged when its p-value can fall below 0.05 / 12.
    return track(bound, data, waves=WAVES, by=["brand"], bootstrap=MIN_USABLE, permutations=400,
                 workers=0)


@pytest.fixture(scope="module")
def page(tracking, bound):
    """(context, html, parsed page) in each language."""
    out = {}
    for lang in LANGS:
        context = build_tracking_context(tracking, bound, lang)
        html = render_tracking_report(context)
        out[lang] = (context, html, BeautifulSoup(html, "html.parser"))
    return out


def text(node) -> str:
    return " ".join(node.get_text(" ").split())


def label(bound, construct: str, lang: str) -> str:
    dims = {d for _, ds in bound.second_order for d in ds}
    mark = texts.UI["dimension"][lang] if construct in dims else ""
    return bound.questionnaire.constructs[construct].label.get(lang) + mark


def signed(x: float) -> str:
    s = f"{abs(x):.1f}"
    return s if float(s) == 0 else ("+" if x > 0 else "-") + s


def step_node(doc, step):
    node = doc.find("div", class_="step", attrs={"data-group": step.group["brand"],
                                                 "data-wave-from": step.wave_from})
    assert node is not None, step.group
    return node


# --------------------------------------------------------------------------- the study itself


def test_the_stylesheet_is_not_escaped(page):
    for _, html, _ in page.values():
        style = html[html.index("<style>"):html.index("</style>")]
        assert '"Noto Sans CJK SC"' in style and "&#34;" not in style and "&gt;" not in style


def test_the_study_has_what_the_report_must_show(tracking):
    """The fixture's story, so the tests below check something."""
    assert len(tracking.cells) == 4 and len(tracking.failed) == 1
    assert {s.group["brand"] for s in tracking.steps} == {"A", SCRIPT}
    by = {s.group["brand"]: s for s in tracking.steps}
    index = {c.a: c for c in by["A"].changes if c.kind == "index"}
    assert index["punctuality"].significant and index["punctuality"].change > 0
    assert index["image"].comparable is False
    second = next(c for c in tracking.cells if c.key == {"wave": "2026Q2", "brand": "A"})
    assert not next(i for i in second.estimate.indices if i.latent == "image").valid
    assert any(c.significant and c.change < 0 for c in index.values())
    assert {c.driver: c.verdict for c in by[SCRIPT].improvement}["cabin"] == "improved"


# --------------------------------------------------------------------------- structure


@pytest.mark.parametrize("lang", LANGS)
def test_the_executive_summary_tells_each_brand_its_latest_index_change_and_priorities(
        tracking, bound, page, lang):
    """Per brand, read from the Tracking (never re-decided): the target's index in the latest
    wave, its change since the wave before by the Change's verdict, the significant rises and
    falls, the drivers to improve first by the one priority rule, whether last wave's
    priorities improved; the failed cell is a caveat."""
    from survey.analysis.drivers import IpmaPoint, improve_first

    context, _, doc = page[lang]
    node = doc.find(id="executive-summary")
    assert node is not None and node.find_previous("section") is None
    t = context["t"]
    target = bound.model.target
    blocks = {b["group"]: b for b in context["executive"]["groups"]}
    for step in tracking.steps:
        latest = next(c for c in tracking.cells
                      if c.key == {"wave": step.wave_to, **step.group})
        idx = next(i for i in latest.estimate.indices if i.latent == target)
        block = next(b for g, b in blocks.items() if step.group["brand"] in g)
        lines = [x["text"] for x in block["lines"]]
        assert lines[0].startswith(t["texec_index"].format(
            wave=step.wave_to, target=label(bound, target, lang), value=f"{idx.value:.1f}"))
        change = next(c for c in step.changes if c.kind == "index" and c.a == target)
        key = {"rise": "texec_rise", "fall": "texec_fall", "inconclusive": "texec_inconclusive",
               "not_comparable": "texec_not_comparable"}.get(change.verdict, "texec_flat")
        assert lines[1] == t[key].format(wave=step.wave_from, change=signed(change.change))
        moved = [c for c in step.changes if c.kind == "index" and c.verdict in ("rise", "fall")]
        assert moved, "the fixture has significant movers"
        for c in moved:
            assert any(label(bound, c.a, lang) in x and signed(c.change) in x for x in lines[2:])
        first = improve_first([IpmaPoint.from_json(r) for r in latest.ipma
                               if r["target"] == target and r["kind"] == "construct"], bound)
        act = (t["texec_act"].format(wave=step.wave_to, names=texts.join(
            [label(bound, x, lang) for x in first], lang)) if first else t["exec_act_none"])
        assert act in lines
    said = [x["text"] for b in blocks.values() for x in b["lines"]]
    for li in node.find_all("li"):
        assert li.get_text() in said or li.get_text() in context["executive"]["caveats"]
    failed = tracking.failed[0].cell.as_dict()
    assert any(failed["wave"] in c and failed["brand"] in c
               for c in context["executive"]["caveats"])



@pytest.mark.parametrize("lang", LANGS)
def test_every_section_is_present_titled_and_linked(page, lang):
    _, _, doc = page[lang]
    assert doc.html["lang"].startswith(lang)
    links = {a["href"] for a in doc.find("nav", class_="toc").find_all("a")}
    table = {**texts.UI, **texts.TRACKING_UI}
    for section, key in SECTIONS.items():
        node = doc.find(id=section)
        assert node is not None, section
        assert node.h2.get_text() == table[key][lang]
        assert f"#{section}" in links


@pytest.mark.parametrize("lang", LANGS)
def test_run_summary(tracking, bound, page, lang):
    _, _, doc = page[lang]
    rows = {tr.th.get_text(): text(tr.td) for tr in doc.find(id="summary").find_all("tr")}
    ui = {k: v[lang] for k, v in {**texts.UI, **texts.TRACKING_UI}.items()}
    assert rows[ui["study"]] == bound.questionnaire.title.get(lang)
    assert rows[ui["model"]] == bound.model.name.get(lang)
    assert rows[ui["waves"]] == " → ".join(WAVES)
    for brand in ("A", SCRIPT, IMG):
        assert brand in rows[ui["groups"]]
    assert rows[ui["cells"]] == ui["cells_text"].format(total=5, ok=4, failed=1)
    assert rows[ui["resamples_label"]] == str(tracking.settings["bootstrap"])
    assert rows[ui["permutations_label"]] == str(tracking.settings["permutations"])
    assert rows[ui["seed"]] == str(tracking.settings["seed"])
    assert "PLS-SEM" in rows[ui["method"]]


def test_constructs_are_ordered_target_then_drivers_with_their_dimensions(bound):
    order = construct_order(bound)
    assert order[0] == bound.model.target
    dims = dict(bound.second_order)["quality"]
    start = order.index("quality")
    assert tuple(order[start + 1:start + 1 + len(dims)]) == dims
    assert order.index("loyalty") > max(order.index(x) for x in ("image", "expectation",
                                                                  "value", *dims))
    assert sorted(order) == sorted(bound.constructs)


# --------------------------------------------------------------------------- trends


@pytest.mark.parametrize("lang", LANGS)
def test_trend_table_shows_every_cell_index_with_its_interval_and_n(tracking, page, lang):
    _, _, doc = page[lang]
    table = doc.find(id="trend-table")
    for cell in tracking.cells:
        column = WAVES.index(cell.key["wave"])
        n_row = table.find("tbody", class_="n-rows").find("tr", attrs={"data-group": cell.key["brand"]})
        assert n_row.find_all("td")[2 + column].get_text() == f"{cell.n:,}"
        for idx in cell.estimate.indices:
            row = table.find("tbody", attrs={"data-construct": idx.latent}).find(
                "tr", attrs={"data-group": cell.key["brand"]})
            shown = text(row.find_all("td")[2 + column])
            expected = f"{_fmt(idx.value, 1)} {_ci(idx.ci_low, idx.ci_high, 1)}"
            if not idx.valid:  # a negative rescaled weight: said so, never hidden
                expected += f" {texts.UI['invalid'][lang]}"
            assert shown == expected
    failed = tracking.failed[0].cell.as_dict()
    row = table.find("tbody", class_="n-rows").find("tr", attrs={"data-group": IMG})
    cell = row.find_all("td")[2 + WAVES.index(failed["wave"])]
    assert cell["data-status"] == "failed"
    assert cell.get_text() == texts.TRACKING_UI["cell_failed"][lang]


def test_trend_chart_has_a_panel_per_construct_and_is_byte_stable(page):
    context, _, doc = page["zh"]
    trends = context["trends"]
    assert doc.find(id="trends").find("figure", class_="trend-chart").svg is not None
    assert [c["id"] for c in trends["constructs"]][0] == "satisfaction"
    panels = [{"title": "客舱环境（维度）", "dimension": True,
               "lines": [{"series": 0, "significant": [True],
                          "points": [{"wave": 0, "value": 59.6, "ci_low": 58.5, "ci_high": 60.8},
                                     {"wave": 1, "value": 66.4, "ci_low": 65.3, "ci_high": 67.3}]},
                         {"series": 1, "significant": [False],
                          "points": [{"wave": 0, "value": 67.0, "ci_low": None, "ci_high": None},
                                     {"wave": 1, "value": 65.7, "ci_low": 64.5, "ci_high": 66.8}]}]},
              {"title": "Price (perceived value)", "dimension": False, "lines": []}]
    rows = [{"label": "飞行正点", "change": 7.5, "ci_low": 5.8, "ci_high": 9.1, "direction": "rise",
             "comparable": True},
            {"label": "Brand $image$", "change": -2.1, "ci_low": -3.9, "ci_high": -0.3,
             "direction": "", "comparable": False}]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph warns: fail on it
        for draw in (lambda: charts.trend_svg(panels, WAVES, ["品牌 A", "B $1"]),
                     lambda: charts.change_svg(rows, "指数变化")):
            assert draw() == draw()


def test_the_report_is_byte_stable(tracking, bound, page):
    again = render_tracking_report(build_tracking_context(tracking, bound, "en"))
    assert again == page["en"][1]


# --------------------------------------------------------------------------- wave over wave


@pytest.mark.parametrize("lang", LANGS)
def test_change_tables_show_the_trackings_numbers(tracking, bound, page, lang):
    _, _, doc = page[lang]
    for step in tracking.steps:
        node = step_node(doc, step)
        assert step.wave_from in node.h3.get_text() and step.wave_to in node.h3.get_text()
        for kind, table, digits in (("index", node.find("table", class_="index-changes"), 1),
                                    ("path", node.find("details", class_="all-paths").table, 3)):
            rows = table.find_all("tr", attrs={"data-kind": kind})
            changes = [c for c in step.changes if c.kind == kind]
            assert len(rows) == len(changes)
            for c in changes:
                row = table.find("tr", attrs={"data-kind": kind, "data-a": c.a, "data-b": c.b})
                assert float(row["data-change"]) == c.change
                cells = [text(td) for td in row.find_all("td")]
                name = (label(bound, c.a, lang) if kind == "index"
                        else f"{label(bound, c.a, lang)} → {label(bound, c.b, lang)}")
                invalid = kind == "index" and any(
                    not i.valid for cell in tracking.cells
                    if cell.key["brand"] == step.group["brand"] for i in cell.estimate.indices
                    if i.latent == c.a)
                assert row["data-invalid"] == ("1" if invalid else "0")
                assert cells[0] == (f"{name} {texts.UI['invalid'][lang]}" if invalid else name)
                assert cells[1] == _fmt(c.before, digits) and cells[2] == _fmt(c.after, digits)
                assert cells[3].split()[-1] == (signed(c.change) if digits == 1
                                                else f"{'+' if c.change > 0 else '-'}{abs(c.change):.3f}")
                assert cells[4] == _ci(c.ci_low, c.ci_high, digits)
                assert cells[5] == format_p(c.p_value, CHANGE_RULE.alpha)
                ui = texts.TRACKING_UI
                assert cells[6] == ui[f"significance_{c.significance}"][lang]
                assert cells[7] == ("✓" if c.comparable else ui["not_comparable_short"][lang])


def test_biggest_movers_first(tracking, page):
    _, _, doc = page["en"]
    for step in tracking.steps:
        rows = step_node(doc, step).find("table", class_="index-changes").find_all("tr", attrs={"data-kind": "index"})
        moves = [abs(float(r["data-change"])) for r in rows]
        assert moves == sorted(moves, reverse=True)


@pytest.mark.parametrize("lang", LANGS)
def test_significant_rises_and_falls_are_marked(tracking, bound, page, lang):
    _, _, doc = page[lang]
    seen = set()
    for step in tracking.steps:
        node = step_node(doc, step)
        summary = text(node.find("div", class_="step-summary"))
        for c in step.changes:
            row = node.find("tr", attrs={"data-kind": c.kind, "data-a": c.a, "data-b": c.b})
            change = text(row.find("td", class_="change"))
            assert row["data-verdict"] == c.verdict
            if c.significant and c.comparable is not False:
                direction = "rise" if c.change > 0 else "fall"
                seen.add(direction)
                assert row["data-direction"] == direction and direction in row["class"]
                assert change.startswith("▲" if direction == "rise" else "▼")
                if c.kind == "index":
                    assert f"{label(bound, c.a, lang)}" in summary
            else:
                assert row["data-direction"] == "" and not change.startswith(("▲", "▼"))
        moved_paths = [c for c in step.changes if c.kind == "path"
                       and c.verdict in ("rise", "fall", "inconclusive")]
        shown = node.find("table", class_="significant-paths")
        assert len(shown.find_all("tr", attrs={"data-kind": "path"}) if shown else []) == len(moved_paths)
    assert seen == {"rise", "fall"}


@pytest.mark.parametrize("lang", LANGS)
def test_constructs_without_measurement_invariance_are_flagged(tracking, bound, page, lang):
    _, _, doc = page[lang]
    flagged = 0
    for step in tracking.steps:
        node = step_node(doc, step)
        failed = [c["latent"] for c in step.micom["constructs"]
                  if c["compositional_invariance"] is False]
        alert = node.find("div", class_="micom-alert")
        verdict = node.find("p", class_="micom-verdict")
        assert verdict["data-verdict"] == step.micom["verdict"]
        assert texts.INVARIANCE[step.micom["verdict"]][lang] in text(verdict)
        if not failed:
            assert alert is None
            continue
        assert alert["data-constructs"].split() == failed
        words = ("how the questions were understood" if lang == "en" else "对题目的理解")
        assert words in text(alert)
        for latent in failed:
            assert label(bound, latent, lang) in text(alert)
            row = node.find("tr", attrs={"data-kind": "index", "data-a": latent})
            assert row["data-comparable"] == "0" and "not-comparable" in row["class"]
            assert row["data-direction"] == ""
            assert texts.TRACKING_UI["not_comparable_short"][lang] in text(row)
            flagged += 1
        for c in step.changes:
            row = node.find("tr", attrs={"data-kind": c.kind, "data-a": c.a, "data-b": c.b})
            assert row["data-comparable"] == ("0" if c.comparable is False else "1")
    # The randomly answered brand-image question: brand A's image cannot be compared.
    a = step_node(doc, next(s for s in tracking.steps if s.group["brand"] == "A"))
    assert "image" in a.find("div", class_="micom-alert")["data-constructs"].split()
    assert flagged


# --------------------------------------------------------------------------- improvement


@pytest.mark.parametrize("lang", LANGS)
def test_improvement_check_rows_verdicts_and_conclusion(tracking, bound, page, lang):
    _, _, doc = page[lang]
    section = doc.find(id="improvement")
    for step in tracking.steps:
        block = section.find("div", class_="improvement-block", attrs={"data-group": step.group["brand"]})
        conclusion = text(block.find("div", class_="conclusion-box"))
        assert step.improvement, "the fixture flags drivers in every brand"
        for c in step.improvement:
            row = block.find("tr", attrs={"data-driver": c.driver})
            cells = [text(td) for td in row.find_all("td")]
            assert cells[0] == label(bound, c.driver, lang)
            assert cells[1] == _fmt(c.importance_before, 3)
            assert cells[2] == _fmt(c.performance_before, 1)
            assert cells[3] == _fmt(c.performance_after, 1)
            assert cells[4] == signed(c.change)
            assert cells[5] == _ci(c.ci_low, c.ci_high, 1)
            assert cells[6] == format_p(c.p_value, CHANGE_RULE.alpha)
            assert row["data-verdict"] == c.verdict
            assert cells[7].startswith(texts.IMPROVEMENT_VERDICTS[c.verdict][lang])
            assert label(bound, c.driver, lang) in conclusion
        improved = [c for c in step.improvement if c.verdict == "improved"]
        if len(improved) == len(step.improvement) > 1:
            assert (f"all {len(improved)} drivers" in conclusion if lang == "en"
                    else "全部明显改善" in conclusion)
    # The second brand fixed its cabin: the conclusion says so.
    b = section.find("div", class_="improvement-block", attrs={"data-group": SCRIPT})
    assert label(bound, "cabin", lang) in text(b.find("div", class_="conclusion-box"))


def test_improvement_conclusion_covers_every_verdict(tracking, bound):
    """A driver that got worse, one that did not move and one not comparable are each named."""
    step = next(s for s in tracking.steps if s.group["brand"] == SCRIPT)
    first, second = step.improvement[:2]
    checks = (dataclasses.replace(first, verdict="worse"),
              dataclasses.replace(second, verdict="no_clear_change"))
    changes = tuple(dataclasses.replace(c, comparable=False)
                    if c.kind == "index" and c.a == second.driver else c for c in step.changes)
    other = dataclasses.replace(step, improvement=checks, changes=changes)
    odd = dataclasses.replace(tracking, steps=(other,))
    block = build_tracking_context(odd, bound, "en")["improvement"]["blocks"][0]
    lines = " ".join(block["conclusion"])
    assert block["level"] == "bad"
    assert "none of the 2 drivers" in lines
    assert f"Worse: {label(bound, first.driver, 'en')}" in lines
    assert f"No clear change: {label(bound, second.driver, 'en')}" in lines
    assert "Caution:" in lines and "how the questions were understood" in lines


# --------------------------------------------------------------------------- failed cells


@pytest.mark.parametrize("lang", LANGS)
def test_failed_cell_is_listed_with_its_error(tracking, page, lang):
    _, html, doc = page[lang]
    failure = tracking.failed[0]
    section = doc.find(id="failed-cells")
    rows = section.find("table", class_="failed-table").find_all("tr")[1:]
    assert len(rows) == 1
    cell, error = [td.get_text() for td in rows[0].find_all("td")]
    assert failure.cell.as_dict()["wave"] in cell and IMG in cell
    assert error == failure.error and "fewer than the" in error
    not_compared = text(doc.find("ul", class_="not-compared"))
    assert IMG in not_compared


@pytest.mark.parametrize("lang", LANGS)
def test_hostile_brand_names_and_errors_are_escaped(page, lang):
    _, html, doc = page[lang]
    assert SCRIPT not in html and IMG not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert doc.find("script") is None and doc.find("img") is None


def test_manifest_and_title_are_escaped(tracking, bound):
    manifest = {"data": {"path": "</pre><script>alert(2)</script>", "sha256": "ab"}}
    page = render_tracking_report(build_tracking_context(tracking, bound, "en", title=IMG,
                                                         manifest=manifest))
    doc = BeautifulSoup(page, "html.parser")
    assert "<script>alert(2)" not in page and doc.find("script") is None
    assert "alert(2)" in doc.find(id="manifest").pre.get_text()
    assert doc.h1.get_text() == IMG and doc.title.get_text().startswith(IMG)


@pytest.mark.parametrize("lang", LANGS)
def test_self_contained(page, lang):
    _, html, doc = page[lang]
    for tag in doc.find_all(True):
        for attr in ("src", "href"):
            value = tag.get(attr)
            assert value is None or not re.match(r"(https?:)?//", value), (tag.name, value)
    assert doc.find("link") is None
    assert not re.search(r"""(src|href)\s*=\s*["']?https?://""", html)
    # The trend chart and one change chart per step.
    assert len(doc.find_all("svg")) == 3


@pytest.mark.parametrize("lang", LANGS)
def test_no_nan_no_negative_zero(page, lang):
    _, _, doc = page[lang]
    shown = text(doc.body)
    assert not re.search(r"\bnan\b", shown, re.IGNORECASE)
    assert not re.search(r"(?<![\w.])-0\.0+(?!\d*[1-9])", shown)
    assert "{" not in text(doc.find(id="wave-over-wave"))


# --------------------------------------------------------------------------- method notes


@pytest.mark.parametrize("lang", LANGS)
def test_method_notes_name_the_methods(tracking, page, lang):
    _, _, doc = page[lang]
    notes = text(doc.find(id="notes"))
    assert "MICOM" in notes and "Henseler" in notes
    assert f"{tracking.settings['permutations']}" in notes
    assert f"{tracking.settings['bootstrap']}" in notes
    assert ("permutation" in notes) if lang == "en" else ("置换检验" in notes)
    manifest = doc.find(id="manifest").pre.get_text()
    assert '"permutations": 40' in manifest and '"failed": 1' in manifest


def test_without_permutations_micom_is_untested_and_significance_uses_the_interval(bound, data):
    small = data[data["brand"] == "A"]
    run = track(bound, small, waves=WAVES, by=["brand"], bootstrap=40, permutations=0,
                workers=0)
    context = build_tracking_context(run, bound, "en")
    doc = BeautifulSoup(render_tracking_report(context), "html.parser")
    step = run.steps[0]
    node = step_node(doc, step)
    assert node.find("p", class_="micom-verdict")["data-verdict"] == "untested"
    assert node.find("div", class_="micom-alert") is None
    for c in step.changes:
        row = node.find("tr", attrs={"data-kind": c.kind, "data-a": c.a, "data-b": c.b})
        assert c.p_value is None and row.find_all("td")[5].get_text() == "–"
        assert row["data-significant"] == ("1" if c.ci_low > 0 or c.ci_high < 0 else "0")
    assert "Permutations" in text(doc.find(id="summary"))
    assert "MICOM (Henseler" not in text(doc.find(id="notes"))


def test_write_report_defaults_to_the_questionnaire_language(tracking, bound, tmp_path):
    path = write_tracking_report(tracking, bound, tmp_path / "sub" / "tracking.html")
    doc = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    assert doc.html["lang"] == ("zh-CN" if bound.questionnaire.language == "zh" else "en")


# --------------------------------------------------------------------------- texts


def _fields(s: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(s) if f}


def test_every_tracking_text_has_both_languages_and_the_same_fields():
    for table in (texts.TRACKING_UI, texts.IMPROVEMENT_VERDICTS, texts.TRACKING_NOTES):
        for key, entry in table.items():
            assert set(entry) == {"zh", "en"}, key
            assert entry["zh"].strip() and entry["en"].strip(), key
            assert _fields(entry["zh"]) == _fields(entry["en"]), key
    # TRACKING_UI is merged with UI into one context dictionary: no key may clash.
    assert not set(texts.UI) & set(texts.TRACKING_UI)
    assert set(texts.IMPROVEMENT_VERDICTS) == {"improved", "no_clear_change", "worse",
                                               "inconclusive", "no_interval"}
    # Every significance word of the change rule has its label.
    assert {f"significance_{x}" for x in (waves.SIGNIFICANT, waves.NOT_SIGNIFICANT,
                                          waves.INCONCLUSIVE, waves.UNTESTED)} <= set(texts.TRACKING_UI)


def test_chinese_report_uses_no_english_fixed_text(page):
    _, _, doc = page["zh"]
    body = doc.find("body")
    body.find(id="manifest").decompose()
    for w in body.find_all(class_="level-warnings"):
        w.decompose()  # the estimator's warnings are English, as in the single-wave report
    for failed in body.find_all("table", class_="failed-table"):
        failed.decompose()  # so are the errors
    shown = text(body)
    for table in (texts.TRACKING_UI, texts.IMPROVEMENT_VERDICTS, texts.TRACKING_NOTES):
        for key, entry in table.items():
            fixed = [part.strip() for part in re.split(r"\{\w*\}", entry["en"])]
            for part in fixed:
                if len(part) > 12:
                    assert part not in shown, (key, part)


# --------------------------------------------------------------------------- browser

@pytest.mark.browser
def test_renders_in_chromium_without_errors(tracking, bound, tmp_path, chromium):
    path = write_tracking_report(tracking, bound, tmp_path / "tracking.html", lang="zh")
    # The page does not scroll sideways.
    view = chromium(path, script="document.documentElement.scrollWidth"
                                 " - document.documentElement.clientWidth")
    assert view.errors == [] and view.failed == []
    assert len(view.sizes) == 3 and all(w > 300 and h > 150 for w, h in view.sizes)
    assert view.extra <= 1
