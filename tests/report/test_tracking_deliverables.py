"""The PPTX and XLSX deliverables of a tracking run (survey.report.tracking_deck,
survey.report.tracking_workbook), written in both languages and read back with python-pptx and
openpyxl as PowerPoint and Excel would.

One small tracking study is estimated once for the module (two waves of the simulated airline
tracking study, 200 respondents a cell, the fewest usable bootstrap resamples, a few
permutations, no Dask). Its brand names are hostile, as in tests/report/test_tracking_report.py:
the second brand is named like a spreadsheet formula, and a third brand, named ``<script>...``,
has three respondents in one wave and its cell fails. Every number a test looks for is read
from the Tracking or the report's context, never typed in.
"""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pandas as pd
import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn
from pptx.util import Inches

from survey.estimators.bootstrap import MIN_USABLE
from survey.ingest import response_set_from_frame
from survey.pathmodel import bind, load_model
from survey.questionnaire import load_questionnaire
from survey.report import deliver as deliver_module
from survey.report.deck import EAST_ASIAN_TYPEFACE
from survey.report.texts import TRACKING_UI, UI, labelled, tr
from survey.report.tracking import build_tracking_context
from survey.report.tracking_deck import TRACKING_DECK_UI, write_tracking_deck
from survey.report.tracking_workbook import TRACKING_WORKBOOK_UI, write_tracking_workbook
from survey.simulate import TRACKING_STUDY, simulate_responses
from survey.tracking import TrackingRun, track

LANGS = ("zh", "en")
WAVES = ["2026Q1", "2026Q2"]
FORMULA = '=HYPERLINK("http://example.com/x","click")'
SCRIPT = "<script>alert(1)</script>"
BRAND = {"A": "A", "B": FORMULA}
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def bound(root):
    q = load_questionnaire(root / "questionnaires/airline.yaml")
    return bind(load_model(root / "models/ccsi.yaml"), q)


@pytest.fixture(scope="module")
def data(bound):
    q = bound.questionnaire
    frames = []
    for k, ((wave, brand), population) in enumerate(TRACKING_STUDY.items()):
        raw = simulate_responses(bound, population, n=200, seed=100 + k)
        frames.append(response_set_from_frame(raw, q, items=bound.items).data
                      .assign(wave=wave, brand=BRAND[brand]))
    # Three respondents: far fewer than the model needs, the cell is not estimated.
    raw = simulate_responses(bound, TRACKING_STUDY[("2026Q2", "A")], n=3, seed=99)
    frames.append(response_set_from_frame(raw, q, items=bound.items).data
                  .assign(wave="2026Q2", brand=SCRIPT))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def run(bound, data):
    tracking = track(bound, data, waves=WAVES, by=["brand"], bootstrap=MIN_USABLE,
                     permutations=50, workers=0)
    manifest = {"run_id": "run-test", "study": "+cmd|' /C calc'!A0", "waves": WAVES,
                "settings": dict(tracking.settings)}
    return TrackingRun("run-test", tracking, bound, manifest)


@pytest.fixture(scope="module")
def contexts(run):
    return {lang: build_tracking_context(run.tracking, run.bound, lang, manifest=run.manifest)
            for lang in LANGS}


@pytest.fixture(scope="module")
def files(run, contexts, tmp_path_factory):
    """{(format, lang): path} of the deck and the workbook in both languages."""
    folder = tmp_path_factory.mktemp("tracking_deliverables")
    out = {}
    for lang in LANGS:
        path = write_tracking_deck(run, folder / f"deck_{lang}.pptx", lang, contexts[lang])
        assert path == folder / f"deck_{lang}.pptx"
        out[("pptx", lang)] = path
        path = write_tracking_workbook(run, folder / "sub" / f"book_{lang}.xlsx", lang,
                                       contexts[lang])
        assert path == folder / "sub" / f"book_{lang}.xlsx"
        out[("xlsx", lang)] = path
    return out


@pytest.fixture(scope="module")
def decks(files):
    return {lang: Presentation(str(files[("pptx", lang)])) for lang in LANGS}


@pytest.fixture(scope="module")
def books(files):
    return {lang: openpyxl.load_workbook(files[("xlsx", lang)]) for lang in LANGS}


def texts(slide) -> list[str]:
    """Every paragraph of a slide's text boxes, and every table cell."""
    out = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            out += [p.text for p in shape.text_frame.paragraphs]
        elif shape.has_table:
            out += [c.text for row in shape.table.rows for c in row.cells]
    return out


def title(slide) -> str:
    return next(s for s in slide.shapes if s.has_text_frame).text_frame.text


def charts(prs, kind=None) -> list:
    found = [s.chart for slide in prs.slides for s in slide.shapes if s.has_chart]
    return [c for c in found if kind is None or c.chart_type == kind]


def target_index(run, brand: str, wave: str) -> float | None:
    """The model's target's index in one cell of the Tracking (None: not estimated)."""
    target = run.bound.model.target
    cell = next((c for c in run.tracking.cells
                 if c.key == {"wave": wave, "brand": brand}), None)
    return None if cell is None else next(i.value for i in cell.estimate.indices
                                          if i.latent == target)


def rows_of(ws) -> tuple[list[str], list[dict]]:
    header = [c.value for c in ws[1]]
    return header, [dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2)]


def same(x: float):
    """``x`` as a cell holds it: xlsxwriter writes 15 to 17 significant digits."""
    return pytest.approx(x, rel=1e-14, abs=0)


def signed(x: float) -> str:
    s = f"{abs(x):.1f}"
    return s if float(s) == 0 else ("+" if x > 0 else "-") + s


def test_the_run_has_what_the_deliverables_must_show(run):
    """The fixture's story, so the tests below check something."""
    tracking = run.tracking
    assert len(tracking.cells) == 4 and len(tracking.failed) == 1
    assert {s.group["brand"] for s in tracking.steps} == {"A", FORMULA}
    verdicts = {c.verdict for s in tracking.steps for c in s.changes}
    assert {"rise", "fall"} <= verdicts
    assert any(s.improvement for s in tracking.steps)


# --------------------------------------------------------------------------- the deck


@pytest.mark.parametrize("lang", LANGS)
def test_slide_one_is_the_executive_summary(decks, contexts, lang):
    """Every line of every group's summary, each group's name and every caveat, as the
    report's context has them; each group's card holds its latest target index."""
    context = contexts[lang]
    slide = decks[lang].slides[0]
    assert title(slide) == context["t"]["executive"]
    shown = texts(slide)
    executive = context["executive"]
    assert executive["groups"]
    for block in executive["groups"]:
        assert block["group"] in shown
        for line in block["lines"]:
            assert line["text"] in shown
    assert executive["caveats"] and all(c in shown for c in executive["caveats"])
    assert any(SCRIPT in c for c in executive["caveats"])  # the failed cell
    for card in context["cards"]:
        assert f"{card['group']} · {card['label']}" in shown
        assert f"{card['value']:.1f}" in shown


def test_the_deck_is_16_by_9_with_no_pictures(decks):
    for prs in decks.values():
        assert (prs.slide_width, prs.slide_height) == (Inches(13.333), Inches(7.5))
        for slide in prs.slides:
            assert all(s.shape_type != MSO_SHAPE_TYPE.PICTURE for s in slide.shapes)


@pytest.mark.parametrize("lang", LANGS)
def test_the_trend_chart_is_a_native_line_chart_of_the_target_by_wave(decks, run, lang):
    """One series per brand with an estimated cell, named by the brand (the formula-like name
    as it is), its values the cells' target indices wave by wave."""
    [chart] = charts(decks[lang], XL_CHART_TYPE.LINE_MARKERS)
    plot = chart.plots[0]
    assert list(plot.categories) == WAVES
    series = {s.name: s for s in plot.series}
    assert set(series) == {"A", FORMULA}
    for brand, s in series.items():
        expected = [target_index(run, brand, w) for w in WAVES]
        assert list(s.values) == pytest.approx(expected)


def test_the_charts_workbook_keeps_a_formula_like_brand_as_text(decks):
    """python-pptx writes a chart's data with xlsxwriter's defaults, which would store the
    brand '=HYPERLINK(...)' as a live formula: the deck's charts keep it text."""
    for prs in decks.values():
        for chart in charts(prs, XL_CHART_TYPE.LINE_MARKERS):
            blob = chart.part.chart_workbook.xlsx_part.blob
            with zipfile.ZipFile(io.BytesIO(blob)) as z:
                sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
                assert "<f>" not in sheet
            ws = openpyxl.load_workbook(io.BytesIO(blob)).active
            cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
            assert all(c.data_type != "f" for c in cells)
            assert FORMULA in {c.value for c in cells}


@pytest.mark.parametrize("lang", LANGS)
def test_every_step_has_a_slide_of_its_index_changes(decks, contexts, run, lang):
    """Before, after, change, significance and comparability of each index change as the
    Change says (never re-decided)."""
    t = contexts[lang]["t"]
    slides = {title(s): s for s in decks[lang].slides}
    for step, block in zip(run.tracking.steps, contexts[lang]["steps"], strict=True):
        slide = slides[labelled(t["index_changes"], block["title"], lang)]
        table = next(s.table for s in slide.shapes if s.has_table)
        rows = {r.cells[0].text.rstrip("*"): [c.text for c in r.cells] for r in table.rows}
        changes = [c for c in step.changes if c.kind == "index"]
        assert len(table.rows) == len(changes) + 1
        for c in changes:
            cells = rows[next(x["label"] for x in block["indices"] if x["a"] == c.a)]
            assert cells[1] == f"{c.before:.1f}" and cells[2] == f"{c.after:.1f}"
            arrow = {"rise": "▲ ", "fall": "▼ "}.get(c.verdict, "")
            assert cells[3] == arrow + signed(c.change)
            assert cells[6] == t[f"significance_{c.significance}"]
            assert cells[7] == (t["not_comparable_short"] if c.comparable is False else "✓")


@pytest.mark.parametrize("lang", LANGS)
def test_the_improvement_check_and_the_failed_cell_have_their_slides(decks, contexts, run,
                                                                      lang):
    context = contexts[lang]
    t = context["t"]
    checked = [b for b in context["improvement"]["blocks"] if b["rows"]]
    assert checked
    for block in checked:
        slide = next(s for s in decks[lang].slides if title(s) == t["improvement"]
                     and block["title"] in texts(s))
        shown = texts(slide)
        assert all(line in shown for line in block["conclusion"])
        assert [r["label"] for r in block["rows"]] == [
            r.cells[0].text for r in list(next(s.table for s in slide.shapes
                                               if s.has_table).rows)[1:]]
    failure = run.tracking.failed[0]
    said = [x for s in decks[lang].slides for x in texts(s)]
    assert any(failure.error in x and SCRIPT in x for x in said)
    assert all(n in said for n in context["notes"])


def test_every_chinese_run_names_an_east_asian_typeface(decks):
    prs = decks["zh"]
    elements = [slide.shapes._spTree for slide in prs.slides]
    elements += [c._chartSpace for c in charts(prs)]
    runs = [r for e in elements for r in e.iter(qn("a:r"))]
    assert sum(bool(CJK.search(r.text)) for r in runs) > 100
    for run in runs:
        ea = run.find(qn("a:rPr")).find(qn("a:ea"))
        assert ea is not None and ea.get("typeface") == EAST_ASIAN_TYPEFACE, run.text
    for chart in charts(prs):
        defaults = list(chart._chartSpace.iter(qn("a:defRPr")))
        assert defaults
        assert all(d.find(qn("a:ea")).get("typeface") == EAST_ASIAN_TYPEFACE for d in defaults)


# --------------------------------------------------------------------------- the workbook


def sheet_names(lang: str) -> list[str]:
    words = {**UI, **TRACKING_UI, **TRACKING_WORKBOOK_UI}
    return [tr(words, k, lang) for k in ("run_summary", "sheet_trends", "sheet_indices",
                                         "wave_over_wave", "sheet_improvement", "sheet_micom",
                                         "sheet_paths", "cells", "notes", "manifest")]


@pytest.mark.parametrize("lang", LANGS)
def test_the_sheets_are_in_the_report_language(books, lang):
    assert books[lang].sheetnames == sheet_names(lang)


@pytest.mark.parametrize("lang", LANGS)
def test_the_changes_sheet_is_the_runs_changes_table(books, contexts, run, lang):
    """Row by row the numbers of Tracking.tables()['changes'], with the Change's verdict and
    comparability in words."""
    t = contexts[lang]["t"]
    _, rows = rows_of(books[lang][tr(TRACKING_UI, "wave_over_wave", lang)])
    table = run.tracking.tables()["changes"]
    assert len(rows) == len(table) > 0
    verdicts = {"rise": t["rise"], "fall": t["fall"],
                "no_change": tr(TRACKING_WORKBOOK_UI, "verdict_no_change", lang),
                "inconclusive": t["significance_inconclusive"],
                "not_comparable": t["not_comparable_short"]}
    yes, no = t["yes"], t["no"]
    for row, expected in zip(rows, table.to_dict("records"), strict=True):
        cells = list(row.values())
        assert cells[0].value == ("'" + FORMULA if expected["brand"] == FORMULA
                                  else expected["brand"])
        assert [cells[1].value, cells[2].value] == [expected["wave_from"], expected["wave_to"]]
        assert cells[4].value == expected["a"] and (cells[5].value or "") == expected["b"]
        numbers = cells[7:13]
        for cell, key in zip(numbers, ("before", "after", "change", "ci_low", "ci_high",
                                       "p_value"), strict=True):
            assert cell.data_type == "n" and cell.value == same(expected[key]), key
        assert cells[14].value == verdicts[expected["verdict"]]
        assert cells[15].value == (yes if expected["comparable"] else no)


@pytest.mark.parametrize("lang", LANGS)
def test_the_trend_chart_reads_the_target_by_wave_from_the_sheet(books, run, lang):
    """A native line chart beside the indices by wave: one series per brand, named by its
    cell, its values the cells' target indices wave by wave, its categories the waves."""
    ws = books[lang][tr(TRACKING_WORKBOOK_UI, "sheet_trends", lang)]
    [chart] = ws._charts
    assert chart.tagname == "lineChart"
    brands = set()
    for s in chart.series:
        name = re.fullmatch(r"'?[^!]+'?!\$C\$(\d+)", s.tx.strRef.f)
        row = int(name.group(1))
        brand = ws[f"C{row}"].value
        brand = FORMULA if brand == "'" + FORMULA else brand
        brands.add(brand)
        assert ws[f"A{row}"].value == run.bound.model.target
        values = re.fullmatch(r"'?[^!]+'?!\$D\$(\d+):\$E\$(\d+)", s.val.numRef.f)
        assert values.groups() == (str(row), str(row))
        assert [ws[f"D{row}"].value, ws[f"E{row}"].value] == pytest.approx(
            [target_index(run, brand, w) for w in WAVES])
        assert re.fullmatch(r"'?[^!]+'?!\$D\$1:\$E\$1", s.cat.strRef.f
                            if s.cat.strRef is not None else s.cat.numRef.f)
    assert brands == {"A", FORMULA}
    assert [ws["D1"].value, ws["E1"].value] == WAVES


@pytest.mark.parametrize("lang", LANGS)
def test_indices_by_cell_are_numbers(books, run, lang):
    _, rows = rows_of(books[lang][tr(TRACKING_WORKBOOK_UI, "sheet_indices", lang)])
    expected = {(c.key["wave"], c.key["brand"], i.latent): (i.value, i.ci_low, i.ci_high, c.n)
                for c in run.tracking.cells for i in c.estimate.indices}
    assert len(rows) == len(expected)
    for row in rows:
        cells = list(row.values())
        brand = FORMULA if cells[1].value == "'" + FORMULA else cells[1].value
        value, low, high, n = expected[(cells[0].value, brand, cells[2].value)]
        assert [cells[4].value, cells[6].value, cells[7].value, cells[9].value] == [
            same(value), same(low), same(high), n]
        assert all(cells[k].data_type == "n" for k in (4, 5, 6, 7, 9))
        assert cells[4].number_format == "0.0"


@pytest.mark.parametrize("lang", LANGS)
def test_the_summary_and_the_cells_tell_the_runs_story(books, contexts, run, lang):
    context = contexts[lang]
    book = books[lang]
    said = {c.value for row in book[tr(TRACKING_UI, "run_summary", lang)].iter_rows()
            for c in row}
    for block in context["executive"]["groups"]:
        for line in block["lines"]:
            text = line["text"]
            assert text in said or "'" + text in said
    assert all(c in said for c in context["executive"]["caveats"])
    _, rows = rows_of(book[tr(TRACKING_UI, "run_summary", lang)])
    resamples = next(list(r.values())[2] for r in rows
                     if list(r.values())[1].value == context["t"]["resamples_label"])
    assert resamples.value == run.tracking.settings["bootstrap"] and resamples.data_type == "n"
    _, rows = rows_of(book[tr(TRACKING_UI, "cells", lang)])
    failed = [r for r in rows if list(r.values())[2].value == TRACKING_UI["cell_failed"][lang]]
    assert len(failed) == 1
    cells = list(failed[0].values())
    assert cells[1].value == SCRIPT and cells[6].value == run.tracking.failed[0].error
    assert cells[3].value is None  # no n for a failed cell


def test_formula_like_text_is_never_a_formula(books, files):
    """Brand names and the manifest are user data: stored as neutralised text in every sheet;
    no cell of the file holds a formula, and the charts read cells only."""
    for lang in LANGS:
        texts_ = set()
        for ws in books[lang].worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (ws.title, cell.coordinate)
                    if isinstance(cell.value, str):
                        texts_.add(cell.value)
        assert FORMULA not in texts_ and "'" + FORMULA in texts_
        assert "'+cmd|' /C calc'!A0" in texts_
        with zipfile.ZipFile(files[("xlsx", lang)]) as z:
            for name in z.namelist():
                if name.startswith("xl/worksheets/sheet"):
                    assert "<f>" not in z.read(name).decode("utf-8")
                if name.startswith("xl/charts/chart"):
                    for f in re.findall(r"<c:f>(.*?)</c:f>", z.read(name).decode("utf-8")):
                        assert re.fullmatch(r"('[^']+'|[^'!]+)!\$[A-Z]+\$\d+(:\$[A-Z]+\$\d+)?",
                                            f), f


# --------------------------------------------------------------------------- other runs


def test_a_run_of_one_wave_has_no_steps_and_writes(bound, data, tmp_path):
    tracking = track(bound, data, waves=WAVES[:1], by=["brand"], bootstrap=0, permutations=0,
                     workers=0)
    run = TrackingRun("one", tracking, bound)
    prs = Presentation(str(write_tracking_deck(run, tmp_path / "one.pptx", "en")))
    assert len(charts(prs, XL_CHART_TYPE.LINE_MARKERS)) == 1
    step_title = TRACKING_UI["index_changes"]["en"]
    assert not any(title(s).startswith(step_title) for s in prs.slides)
    book = openpyxl.load_workbook(write_tracking_workbook(run, tmp_path / "one.xlsx", "en"))
    assert TRACKING_UI["wave_over_wave"]["en"] not in book.sheetnames
    assert TRACKING_WORKBOOK_UI["sheet_trends"]["en"] in book.sheetnames


def test_a_measurement_model_without_target_writes(bound, data, tmp_path):
    """No target: no executive summary, no headline chart, no driver map; slide 1 has each
    construct's latest index and the caveats (the failed cell)."""
    model = load_model({"id": "cfa", "name": {"zh": "测量模型", "en": "Measurement model"},
                        "latents": ["image", "satisfaction"]})
    cfa = bind(model, bound.questionnaire)
    tracking = track(cfa, data, waves=WAVES, by=["brand"], method="cbsem", bootstrap=0,
                     permutations=0, workers=0)
    run = TrackingRun("cfa", tracking, cfa)
    for lang in LANGS:
        prs = Presentation(str(write_tracking_deck(run, tmp_path / f"cfa_{lang}.pptx", lang)))
        assert charts(prs) == []
        shown = texts(prs.slides[0])
        assert any(SCRIPT in x for x in shown)
        assert tr(UI, "exec_caveats", lang) in shown
        book = openpyxl.load_workbook(write_tracking_workbook(run, tmp_path / f"cfa_{lang}.xlsx",
                                                              lang))
        assert book[tr(TRACKING_WORKBOOK_UI, "sheet_trends", lang)]._charts == []
        assert tr(TRACKING_WORKBOOK_UI, "sheet_improvement", lang) not in book.sheetnames


def test_deliver_tracking_builds_the_context_once_for_every_format(run, tmp_path,
                                                                   monkeypatch):
    from survey.report import tracking as tracking_report

    calls = []
    original = tracking_report.build_tracking_context

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(tracking_report, "build_tracking_context", counted)
    delivered = deliver_module.deliver_tracking(run, tmp_path, formats="html,xlsx,pptx",
                                                lang="en")
    assert len(calls) == 1
    assert set(delivered.files) == {"html", "xlsx", "pptx"}
    prs = Presentation(str(delivered.files["pptx"]))
    assert title(prs.slides[0]) == UI["executive"]["en"]
    assert TRACKING_DECK_UI["run_caveats"]["en"] in [title(s) for s in prs.slides]


def test_the_deliverables_words_have_both_languages_and_the_same_fields():
    import string

    def fields(s: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(s) if f}

    for table in (TRACKING_DECK_UI, TRACKING_WORKBOOK_UI):
        for key, entry in table.items():
            assert set(entry) == {"zh", "en"} and all(entry.values()), key
            assert fields(entry["zh"]) == fields(entry["en"]), key
    # A sheet name Excel accepts as it is.
    for lang in LANGS:
        assert all(len(n) <= 31 and not re.search(r"[\[\]:*?/\\]", n) for n in sheet_names(lang))
