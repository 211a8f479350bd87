"""The PPTX deck (survey.report.deck), written from the session's study results and read back
with python-pptx. Every number a test looks for comes from the typed results
(survey.api.Results, survey.analysis.drivers) or the report's context, never typed in."""

from __future__ import annotations

import dataclasses
import re

import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn
from pptx.util import Inches

from survey.analysis.drivers import improve_first, priority_items
from survey.api import Results, load_model
from survey.report import build_context
from survey.report.deck import DECK_UI, EAST_ASIAN_TYPEFACE, write_deck
from survey.report.texts import ANALYSIS_UI, tr
from survey.study import estimate_study

LANGS = ("zh", "en")
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    """Written decks, cached by (name, language): ``decks(name, result, lang)``."""
    folder = tmp_path_factory.mktemp("decks")
    cache = {}

    def get(name, result, lang):
        if (name, lang) not in cache:
            path = write_deck(result, folder / f"{name}_{lang}.pptx", lang)
            assert path == folder / f"{name}_{lang}.pptx"
            cache[(name, lang)] = Presentation(str(path))
        return cache[(name, lang)]

    return get


@pytest.fixture(scope="module")
def contexts():
    """Report contexts, cached by (name, language): ``contexts(name, result, lang)``."""
    cache = {}

    def get(name, result, lang):
        if (name, lang) not in cache:
            cache[(name, lang)] = build_context(result, lang)
        return cache[(name, lang)]

    return get


@pytest.fixture(scope="module")
def measurement_model(root):
    """A measurement model (CFA: no paths, no target) of four airline constructs, CB-SEM."""
    model = load_model({"id": "airline_cfa", "name": {"zh": "服务测量模型",
                                                      "en": "Service measurement model"},
                        "latents": ["crew", "catering", "safety", "satisfaction"]})
    return estimate_study(root / "questionnaires/airline.yaml", model,
                          root / "examples/airline_wave1.csv", method="cbsem", seed=1)


@pytest.fixture(scope="module")
def segmented(root):
    """Airline PLS split by gender (no bootstrap, no permutations: seconds)."""
    return estimate_study(root / "questionnaires/airline.yaml", root / "models/ccsi.yaml",
                          root / "examples/airline_wave1.csv", method="pls", seed=1,
                          segments=["gender"], permutations=0)


def texts(slide) -> list[str]:
    """Every paragraph of a slide's text boxes and table cells."""
    out = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            out += [p.text for p in shape.text_frame.paragraphs]
        elif shape.has_table:
            out += [c.text for row in shape.table.rows for c in row.cells]
    return out


def charts(prs, kind=None) -> list:
    found = [s.chart for slide in prs.slides for s in slide.shapes if s.has_chart]
    return [c for c in found if kind is None or c.chart_type == kind]


def slide_of(prs, chart):
    return next(slide for slide in prs.slides
                for s in slide.shapes if s.has_chart and s.chart._chartSpace is chart._chartSpace)


def xy(series) -> list[tuple[float, float]]:
    """The (x, y) points of a scatter series, as the chart's cache holds them."""
    xs = [float(v.text) for v in series._element.xpath("./c:xVal//c:pt/c:v")]
    ys = [float(v.text) for v in series._element.xpath("./c:yVal//c:pt/c:v")]
    return list(zip(xs, ys, strict=True))


def flat(points) -> list[float]:
    """(x, y) points in order, one number after the other (for pytest.approx)."""
    return [v for point in sorted(points) for v in point]


def label(point) -> str:
    return point.data_label.text_frame.text if point.data_label.has_text_frame else ""


def table(slide):
    return next(s.table for s in slide.shapes if s.has_table)


# --------------------------------------------------------------------------- slide 1


@pytest.mark.parametrize("lang", LANGS)
def test_slide_one_is_the_executive_summary(decks, contexts, airline_both, lang):
    prs = decks("airline", airline_both, lang)
    context = contexts("airline", airline_both, lang)
    executive, target = context["executive"], context["target"]
    lines = texts(prs.slides[0])
    assert lines[0] == context["t"]["executive"]
    assert f"{context['title']} · {context['model_name']}" in lines
    # The headline index as the context formats it, on a card and in the summary's first line.
    value = f"{target['value']:.1f}"
    assert value in lines
    assert value in executive["lines"][0]
    for line in executive["lines"]:
        assert line in lines
    points = [p for p in airline_both.analysis.ipma
              if p.target == target["id"] and p.kind == "construct"]
    first = improve_first(points)
    labels = {r["id"]: r["label"] for r in context["indices"]}
    assert first and [labels[d] for d in first] == executive["first"]
    assert any(all(labels[d] in line for d in first) for line in lines)
    # Each driver to improve first with its potential gain, as the report words a gain.
    gains = [context["t"]["exec_gain"].format(gain=f"{p.gain:.1f}") for p in points
             if p.driver in first]
    assert all(any(g in line for line in lines) for g in gains)
    assert executive["caveats"] == [] and executive["no_caveat"] in lines


def test_the_deck_is_16_by_9_with_no_pictures(decks, airline_both):
    prs = decks("airline", airline_both, "en")
    assert (prs.slide_width, prs.slide_height) == (Inches(13.333), Inches(7.5))
    for slide in prs.slides:
        for shape in slide.shapes:
            assert shape.shape_type != MSO_SHAPE_TYPE.PICTURE
            assert shape.left >= 0 and shape.top >= 0
            assert shape.left + shape.width <= prs.slide_width
            assert shape.top + shape.height <= prs.slide_height


# --------------------------------------------------------------------------- charts


@pytest.mark.parametrize("lang", LANGS)
def test_the_index_chart_is_native_and_holds_the_indices(decks, contexts, airline_both,
                                                         lang):
    prs = decks("airline", airline_both, lang)
    context = contexts("airline", airline_both, lang)
    indices = Results(airline_both).indices
    (chart,) = charts(prs, XL_CHART_TYPE.BAR_CLUSTERED)
    assert slide_of(prs, chart) is prs.slides[1]
    labels = {r["id"]: r["label"] for r in context["indices"]}
    series = chart.plots[0].series[0]
    shown = dict(zip(chart.plots[0].categories, series.values, strict=True))
    assert shown == pytest.approx({labels[k]: v for k, v in indices["index"].items()})
    # Every bar's label is its index and its interval.
    for point, category in zip(series.points, chart.plots[0].categories, strict=True):
        row = indices.loc[next(k for k, v in labels.items() if v == category)]
        assert label(point) == f"{row['index']:.1f}  [{row['ci_low']:.1f}, {row['ci_high']:.1f}]"


@pytest.mark.parametrize("lang", LANGS)
def test_the_driver_map_is_an_xy_scatter_of_the_ipma(decks, contexts, airline_both, lang):
    prs = decks("airline", airline_both, lang)
    context = contexts("airline", airline_both, lang)
    target = airline_both.bound.model.target
    ipma = Results(airline_both).ipma
    drivers = ipma[(ipma["target"] == target) & (ipma["kind"] == "construct")]
    chart = charts(prs, XL_CHART_TYPE.XY_SCATTER)[0]
    lines = {tr(DECK_UI, k, lang) for k in ("mean_importance", "mean_performance")}
    points, labels = [], []
    for series in chart.plots[0].series:
        if series.name not in lines:
            points += xy(series)
            labels += [label(p) for p in series.points]
    expected = list(zip(drivers["importance"], drivers["performance"], strict=True))
    assert flat(points) == pytest.approx(flat(expected))
    names = {r["id"]: r["label"] for r in context["indices"]}
    assert sorted(labels) == sorted(names[d] for d in drivers["latent"])
    # The quadrant lines cross at the drivers' mean importance and mean performance.
    vertical, horizontal = (next(s for s in chart.plots[0].series
                                 if s.name == tr(DECK_UI, k, lang))
                            for k in ("mean_importance", "mean_performance"))
    assert [x for x, _ in xy(vertical)] == pytest.approx([drivers["importance"].mean()] * 2)
    assert [y for _, y in xy(horizontal)] == pytest.approx([drivers["performance"].mean()] * 2)
    # The title and subtitle state the drivers to improve first by the report's one rule,
    # and the priority order stands beside the map.
    slide = slide_of(prs, chart)
    first = improve_first([p for p in airline_both.analysis.ipma if p.target == target])
    subtitle = texts(slide)[1]
    assert first and all(names[d] in subtitle for d in first)
    block = next(b for b in context["drivers"]["targets"] if b["id"] == target)
    assert subtitle == block["conclusion"]
    priorities = [names[d] for d in Results(airline_both).priorities[target]]
    assert [f"{k}. {p}" for k, p in enumerate(priorities, 1)] == [
        x for x in texts(slide) if re.match(r"\d+\. ", x)]


def test_the_dimensions_have_their_own_map(decks, airline_both):
    prs = decks("airline", airline_both, "en")
    target = airline_both.bound.model.target
    dims = [p for p in airline_both.analysis.ipma if p.target == target and p.kind == "dimension"]
    chart = charts(prs, XL_CHART_TYPE.XY_SCATTER)[1]
    lines = {tr(DECK_UI, k, "en") for k in ("mean_importance", "mean_performance")}
    points = [pt for s in chart.plots[0].series if s.name not in lines for pt in xy(s)]
    assert flat(points) == pytest.approx(flat((p.importance, p.performance) for p in dims))


@pytest.mark.parametrize("lang", LANGS)
def test_the_items_to_improve_follow_the_priority_order(decks, contexts, airline_both,
                                                        lang):
    prs = decks("airline", airline_both, lang)
    context = contexts("airline", airline_both, lang)
    target = airline_both.bound.model.target
    a = airline_both.analysis
    items = priority_items([p for p in a.ipma_items if p.target == target],
                           [p for p in a.ipma if p.target == target], airline_both.bound)
    block = next(b for b in context["drivers"]["targets"] if b["id"] == target)
    slide = next(s for s in prs.slides if texts(s)[0] == block["items_title"])
    rows = list(table(slide).rows)[1:]
    q = airline_both.questionnaire
    assert [r.cells[1].text for r in rows] == [q.item(p.driver).short.get(lang)
                                               for p in items[:len(rows)]]
    assert [r.cells[5].text for r in rows] == [f"{p.gain:.2f}" for p in items[:len(rows)]]
    assert [r.cells[3].text for r in rows] == [f"{p.performance:.1f}"
                                               for p in items[:len(rows)]]


def test_the_structural_model_lists_every_path_and_r2(decks, contexts, airline_both):
    prs = decks("airline", airline_both, "en")
    results = Results(airline_both)
    context = contexts("airline", airline_both, "en")
    slide = next(s for s in prs.slides if texts(s)[0] == context["t"]["paths"])
    paths, r2 = [s.table for s in slide.shapes if s.has_table]
    rows = list(paths.rows)[1:]
    assert [r.cells[2].text for r in rows] == [f"{b:.3f}" for b in results.paths["std_estimate"]]
    assert [r.cells[3].text for r in rows] == [
        f"[{lo:.3f}, {hi:.3f}]" for lo, hi in zip(results.paths["ci_low"],
                                                   results.paths["ci_high"], strict=True)]
    assert {r.cells[4].text for r in rows} == {tr(DECK_UI, "yes", "en")}
    assert [r.cells[1].text for r in list(r2.rows)[1:]] == [
        f"{results.r2.loc[x, 'r2']:.3f}" for x in airline_both.bound.model.latents
        if x in results.r2.index]


# --------------------------------------------------------------------------- Chinese


def test_every_chinese_run_names_an_east_asian_typeface(decks, airline_both):
    prs = decks("airline", airline_both, "zh")
    elements = [slide.shapes._spTree for slide in prs.slides]
    elements += [c._chartSpace for c in charts(prs)]
    runs = [r for e in elements for r in e.iter(qn("a:r"))]
    assert sum(bool(CJK.search(r.text)) for r in runs) > 100
    for run in runs:
        ea = run.find(qn("a:rPr")).find(qn("a:ea"))
        assert ea is not None and ea.get("typeface") == EAST_ASIAN_TYPEFACE, run.text
    # The text defaults of the charts (axes, tick labels) too.
    for chart in charts(prs):
        defaults = list(chart._chartSpace.iter(qn("a:defRPr")))
        assert defaults
        assert all(d.find(qn("a:ea")).get("typeface") == EAST_ASIAN_TYPEFACE for d in defaults)


# --------------------------------------------------------------------------- other results


def test_a_cbsem_only_result_has_wald_intervals(decks, contexts, airline_cbsem):
    prs = decks("cbsem", airline_cbsem, "en")
    context = contexts("cbsem", airline_cbsem, "en")
    assert "(Wald)" in context["path_ci_label"]
    assert context["path_ci_label"] in " ".join(texts(s)[1] for s in prs.slides)
    (chart,) = charts(prs, XL_CHART_TYPE.BAR_CLUSTERED)
    indices = Results(airline_cbsem).indices
    assert list(chart.plots[0].series[0].values) == pytest.approx(
        [indices.loc[r["id"], "index"] for r in context["indices"]])


@pytest.mark.parametrize("lang", LANGS)
def test_an_inadmissible_solution_is_a_caveat_on_slide_one(decks, contexts, mobi_heywood_both,
                                                          lang):
    prs = decks("heywood", mobi_heywood_both, lang)
    context = contexts("heywood", mobi_heywood_both, lang)
    (alert,) = context["alerts"]
    assert alert["method"] == "cbsem"
    assert alert["text"] in context["executive"]["caveats"]
    assert alert["text"] in texts(prs.slides[0])
    assert context["executive"]["no_caveat"] not in texts(prs.slides[0])


def test_a_formative_model_writes(decks, contexts, corp_rep):
    lang = corp_rep.questionnaire.languages[0]
    prs = decks("corp_rep", corp_rep, lang)
    context = contexts("corp_rep", corp_rep, lang)
    formative = [r for r in context["measurement"]["reliability"] if r["mode"] == "B"]
    slide = next(s for s in prs.slides if texts(s)[0] == context["t"]["measurement"])
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in list(table(slide).rows)[1:]}
    assert formative
    for r in formative:
        assert all(c.startswith("–") for c in rows[r["label"]][1:])
    assert charts(prs, XL_CHART_TYPE.XY_SCATTER)


def test_absent_analyses_leave_their_slides_out(decks, contexts, airline_pls):
    bare = dataclasses.replace(airline_pls, analysis=None, analyses={})
    prs = decks("bare", bare, "en")
    context = contexts("bare", bare, "en")
    assert not charts(prs, XL_CHART_TYPE.XY_SCATTER)
    assert [texts(s)[0] for s in prs.slides] == [
        context["t"]["executive"], context["t"]["scorecard"], context["t"]["paths"],
        context["t"]["measurement"], tr(DECK_UI, "methods_caveats", "en")]
    assert context["executive"]["lines"][0] in texts(prs.slides[0])


def test_a_measurement_model_has_no_paths_and_no_target(decks, contexts,
                                                        measurement_model):
    prs = decks("cfa", measurement_model, "zh")
    context = contexts("cfa", measurement_model, "zh")
    assert context["executive"] is None and not context["paths"]
    titles = [texts(s)[0] for s in prs.slides]
    assert context["t"]["paths"] not in titles
    assert context["t"]["latent_correlations"] in titles
    assert not charts(prs, XL_CHART_TYPE.XY_SCATTER)
    assert context["t"]["exec_no_caveat"] in texts(prs.slides[0])


def test_segments_chart_the_target_index_by_level(decks, segmented):
    prs = decks("segments", segmented, "en")
    target = segmented.bound.model.target
    (segment,) = segmented.analysis.segments
    (chart,) = charts(prs, XL_CHART_TYPE.COLUMN_CLUSTERED)
    categories = list(chart.plots[0].categories)
    values = list(chart.plots[0].series[0].values)
    assert categories[0].split("\n")[0] == tr(ANALYSIS_UI, "all_respondents", "en")
    assert values[0] == pytest.approx(Results(segmented).indices.loc[target, "index"])
    levels = [next(i.value for i in lv.estimate.indices if i.latent == target)
              for lv in segment.levels]
    assert values[1:] == pytest.approx(levels)
    assert [c.split("\n")[1] for c in categories[1:]] == [f"n = {lv.n:,}"
                                                           for lv in segment.levels]


def test_a_formula_like_label_stays_text_in_the_charts_embedded_workbooks(airline_pls,
                                                                          tmp_path):
    """Each native chart carries its data in a workbook embedded in the deck; python-pptx
    writes it with xlsxwriter's defaults, which make ``=...`` text a live formula. A
    construct labelled like a formula (questionnaire text is data) stays text there."""
    import io

    import openpyxl

    hostile = '=HYPERLINK("http://x.invalid","click")'
    q = airline_pls.questionnaire
    image = dataclasses.replace(q.constructs["image"],
                                label=dataclasses.replace(q.constructs["image"].label,
                                                          texts=(("zh", hostile),
                                                                 ("en", hostile))))
    q2 = dataclasses.replace(q, constructs={**q.constructs, "image": image})
    result = dataclasses.replace(airline_pls, questionnaire=q2,
                                 bound=dataclasses.replace(airline_pls.bound, questionnaire=q2))
    prs = Presentation(str(write_deck(result, tmp_path / "deck.pptx", "en")))
    seen = 0
    for chart in charts(prs):
        book = openpyxl.load_workbook(io.BytesIO(chart.part.chart_workbook.xlsx_part.blob))
        cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
        assert not any(c.data_type == "f" for c in cells)
        seen += sum(c.value == hostile for c in cells)
    assert seen >= 1
