"""The XLSX deliverable, read back with openpyxl as a client's Excel would: the numbers are the
estimate's (as numbers, with their formats), the words are the report's in each language, the
drivers follow the report's one priority rule, the charts are native and drawn from the sheets'
cells, every rejected answer is listed, and formula-like text from the data stays text."""

from __future__ import annotations

import dataclasses
import re
import zipfile

import openpyxl
import pytest

from survey.analysis.drivers import improve_first
from survey.api import Results
from survey.assess import significant
from survey.cli.simulate import airline_ccsi
from survey.errors import SurveyError
from survey.exports import neutralise
from survey.numbers import is_number
from survey.questionnaire import load_questionnaire
from survey.report.context import build_context
from survey.report.texts import ANALYSIS_UI, REJECT_REASONS, UI, tr
from survey.report.workbook import WORKBOOK_UI, chart_text, sheet_name, write_workbook
from survey.simulate import AIRLINE_CCSI, simulate_responses
from survey.study import estimate_study

#: Text a respondent or a questionnaire author could enter that a spreadsheet would run.
HYPERLINK = '=HYPERLINK("http://x","y")'
CMD = "+cmd|' /C calc'!A0"
AT = "@SUM(1+1)*cmd"
MINUS = "-2+3"
#: More rejected answers than the HTML report lists (its first 50).
N_AT = 60


def ui(key: str, lang: str) -> str:
    """A word of the report's catalogue or of the workbook's own."""
    for table in (UI, ANALYSIS_UI, WORKBOOK_UI):
        if key in table:
            return tr(table, key, lang)
    raise KeyError(key)


class Workbooks:
    """``workbooks(name, result, lang)``: the workbook written once per (name, language), opened
    with openpyxl; ``workbooks.paths[(name, lang)]`` its file."""

    def __init__(self, folder) -> None:
        self.folder = folder
        self.paths: dict[tuple[str, str], object] = {}
        self.books: dict[tuple[str, str], openpyxl.Workbook] = {}

    def __call__(self, name: str, result, lang: str) -> openpyxl.Workbook:
        key = (name, lang)
        if key not in self.books:
            self.paths[key] = write_workbook(result, self.folder / f"{name}_{lang}.xlsx", lang)
            self.books[key] = openpyxl.load_workbook(self.paths[key])
        return self.books[key]


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Workbooks:
    return Workbooks(tmp_path_factory.mktemp("xlsx"))


def rows_of(ws) -> tuple[list[str], list[dict]]:
    """A sheet's header and its rows as {header: cell}."""
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2)]
    return header, rows


def ref(data) -> str:
    """The formula a chart's series reads its categories or values from."""
    return (data.numRef or data.strRef).f


@pytest.fixture(scope="module")
def simulated(root):
    """A small CCSI-shaped sample (airline questionnaire) of 300 respondents."""
    return simulate_responses(airline_ccsi(), AIRLINE_CCSI, n=300, seed=3)


@pytest.fixture(scope="module")
def hostile(root, simulated):
    """A small study whose questionnaire has construct labels (the target's too) and an item
    label that a spreadsheet would run, whose file has 61 answers rejected with formula-like values, and
    which is split by gender (segments)."""
    text = (root / "questionnaires/airline.yaml").read_text(encoding="utf-8")
    text = text.replace("label: {zh: 品牌形象, en: Brand image}",
                        f"label: {{zh: '{HYPERLINK}', en: '{HYPERLINK}'}}")
    text = text.replace("label: {zh: 满意度, en: Satisfaction}",
                        f'label: {{zh: "{CMD}", en: "{CMD}"}}')
    text = text.replace("short: {zh: 标识/LOGO, en: Logo}", f'short: {{zh: "{AT}", en: "{AT}"}}')
    q = load_questionnaire(text)
    frame = simulated.astype({"img_awareness": object})
    # On qualified respondents: a screened-out one's unasked items are not validated.
    qualified = frame.index[frame["flown_12m"] == 1]
    frame.loc[qualified[:N_AT], "img_awareness"] = AT
    frame.loc[qualified[N_AT], "img_awareness"] = MINUS
    model = {"id": "mini", "name": {"zh": "小模型", "en": "Mini model"},
             "latents": ["image", "satisfaction"], "paths": ["image -> satisfaction"],
             "target": "satisfaction"}
    return estimate_study(q, model, frame, method="pls", segments=["gender"], permutations=0)


@pytest.fixture(scope="module")
def cfa(root, simulated):
    """A measurement model (no paths, no target): CB-SEM only."""
    model = {"id": "cfa", "name": {"zh": "测量模型", "en": "Measurement model"},
             "latents": ["image", "satisfaction"]}
    return estimate_study(root / "questionnaires/airline.yaml", model, simulated,
                          method="cbsem")


# --------------------------------------------------------------------------- indices


def test_indices_are_the_headline_indices_as_numbers(workbook, airline_both):
    ws = workbook("airline_both", airline_both, "en")[ui("indices_short", "en")]
    header, rows = rows_of(ws)
    assert header == ["ID", "Construct", "Index", "SE", "CI lower", "CI upper", "Valid"]
    expected = Results(airline_both).indices
    assert sorted(r["ID"].value for r in rows) == sorted(expected.index)
    for r in rows:
        x = expected.loc[r["ID"].value]
        for column, key in (("Index", "index"), ("SE", "se"), ("CI lower", "ci_low"),
                            ("CI upper", "ci_high")):
            cell = r[column]
            assert cell.data_type == "n" and isinstance(cell.value, float)
            assert cell.value == pytest.approx(x[key], rel=1e-12)
        assert r["Index"].number_format == "0.0"
        assert r["Valid"].value == ("yes" if x["valid"] else "no")
    assert ws.freeze_panes == "A2"


def test_sheets_and_headers_are_in_the_report_language_and_chinese_reads_back(
        workbook, airline_both):
    zh = workbook("airline_both", airline_both, "zh")
    en = workbook("airline_both", airline_both, "en")
    assert zh.sheetnames[:3] == ["研究概况", "0-100 指数", "驱动因素（IPMA）"]
    assert en.sheetnames[:3] == ["Study summary", "0-100 indices", "Drivers (IPMA)"]
    assert len(zh.sheetnames) == len(en.sheetnames)
    for name in zh.sheetnames + en.sheetnames:
        assert len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name)
    header, rows = rows_of(zh["0-100 指数"])
    assert header == ["代码", "潜变量", "指数", "标准误", "置信区间下限", "置信区间上限", "有效"]
    q = airline_both.questionnaire
    dims = {d for _, ds in airline_both.bound.second_order for d in ds}
    for r in rows:
        c = r["代码"].value
        assert r["潜变量"].value == q.constructs[c].label.get("zh") + (
            UI["dimension"]["zh"] if c in dims else "")
    # Every sheet's header is localised: the same columns, other words.
    for a, b in zip(zh.worksheets, en.worksheets, strict=True):
        assert len(rows_of(a)[0]) == len(rows_of(b)[0])
    header, _ = rows_of(zh["路径系数"])
    assert header[:4] == ["方法", "原因", "结果", "标准化系数 β"]


def test_summary_tells_the_executive_summary_and_the_study_facts(workbook, airline_both):
    context = build_context(airline_both, "zh")
    ws = workbook("airline_both", airline_both, "zh")["研究概况"]
    header, rows = rows_of(ws)
    assert header == ["项目", "数值"]
    pairs = [(r["项目"].value, r["数值"]) for r in rows]
    lines = [v.value for k, v in pairs if k == "执行摘要"]
    assert lines == context["executive"]["lines"] and lines[0].startswith("满意度指数为")
    values = {k: v for k, v in pairs}
    target = airline_both.bound.model.target
    index = values["满意度 指数"]
    assert index.value == pytest.approx(Results(airline_both).indices.loc[target, "index"])
    assert index.number_format == "0.0"
    report = airline_both.responses.report
    for key, n in (("rows", report.n_rows), ("accepted", report.n_accepted),
                   ("rejected", report.n_rejected), ("used", airline_both.estimate.n)):
        assert values[UI[key]["zh"]].value == n and values[UI[key]["zh"]].data_type == "n"
    assert values["PLS-SEM bootstrap 重抽样次数"].value == 200


def test_an_inadmissible_comparison_is_a_caveat_of_the_summary(workbook, mobi_heywood_both):
    wb = workbook("heywood", mobi_heywood_both, "en")
    _, rows = rows_of(wb["Study summary"])
    caveats = [r["Value"].value for r in rows if r["Topic"].value == "Caveats"]
    assert any("CB-SEM (ML) solution is inadmissible" in c for c in caveats)


# --------------------------------------------------------------------------- drivers


def test_drivers_follow_the_reports_priority_rule(workbook, airline_both):
    ws = workbook("airline_both", airline_both, "en")["Drivers (IPMA)"]
    header, rows = rows_of(ws)
    assert header == ["Target", "Priority", "ID", "Driver", "Importance", "Performance",
                      "Quadrant", "Improve first", "Actionable", "Potential gain",
                      "Effect of +5 points"]
    target = airline_both.bound.model.target
    label = airline_both.questionnaire.constructs[target].label.get("en")
    assert rows[0]["Target"].value == label  # the model's target first
    mine = [r for r in rows if r["Target"].value == label]
    ranked = [r for r in mine if r["Priority"].value is not None]
    assert [r["ID"].value for r in ranked] == Results(airline_both).priorities[target]
    assert [r["Priority"].value for r in ranked] == list(range(1, len(ranked) + 1))
    # "Improve first" drivers lead, and they are the rule's (with their dimensions).
    flags = [r["Improve first"].value == "yes" for r in ranked]
    assert any(flags) and flags == sorted(flags, reverse=True)
    points = [p for p in airline_both.analysis.ipma if p.target == target]
    first = set(improve_first(points))
    assert {r["ID"].value for r in mine if r["Improve first"].value == "yes"} == (
        first | {p.driver for p in points if p.parent in first})
    by_driver = {p.driver: p for p in points}
    assert {r["ID"].value for r in mine} == set(by_driver)
    for r in mine:
        p = by_driver[r["ID"].value]
        assert r["Importance"].value == pytest.approx(p.importance)
        assert r["Performance"].value == pytest.approx(p.performance)
        assert r["Potential gain"].value == pytest.approx(p.gain)
        assert r["Performance"].number_format == "0.0"
        assert r["Importance"].number_format == "0.000"


def test_item_priorities_put_the_improve_first_constructs_items_first(workbook, airline_both):
    ws = workbook("airline_both", airline_both, "en")["Item priorities"]
    _, rows = rows_of(ws)
    target = airline_both.bound.model.target
    label = airline_both.questionnaire.constructs[target].label.get("en")
    mine = [r for r in rows if r["Target"].value == label]
    items = {p.driver: p for p in airline_both.analysis.ipma_items if p.target == target}
    assert {r["ID"].value for r in mine} == {i for i, p in items.items() if p.actionable}
    gains = [r["Potential gain"].value for r in mine]
    assert all(isinstance(g, float) for g in gains)
    # The executive summary names the first items of this order.
    first = build_context(airline_both, "en")["executive"]["item"]["item"]
    assert mine[0]["ID"].value == first


# --------------------------------------------------------------------------- charts


def test_the_charts_are_native_and_drawn_from_the_sheets(workbook, airline_both):
    wb = workbook("airline_both", airline_both, "en")
    ws = wb["0-100 indices"]
    [chart] = ws._charts
    assert chart.tagname == "barChart" and chart.barDir == "col"
    [series] = chart.series
    n = ws.max_row
    assert ref(series.val) == f"'0-100 indices'!$C$2:$C${n}"
    assert ref(series.cat) == f"'0-100 indices'!$B$2:$B${n}"

    ws = wb["Drivers (IPMA)"]
    [chart] = ws._charts
    assert chart.tagname == "scatterChart"
    target = airline_both.bound.model.target
    label = airline_both.questionnaire.constructs[target].label.get("en")
    drivers = {p.driver for p in airline_both.analysis.ipma
               if p.target == target and p.kind == "construct"}
    shown = set()
    for s in chart.series:  # one point per driver construct, named by its label cell
        row = int(re.fullmatch(r"'Drivers \(IPMA\)'!\$D\$(\d+)", s.tx.strRef.f).group(1))
        assert ref(s.xVal) == f"'Drivers (IPMA)'!$E${row}"
        assert ref(s.yVal) == f"'Drivers (IPMA)'!$F${row}"
        assert ws[f"A{row}"].value == label
        shown.add(ws[f"C{row}"].value)
    assert shown == drivers and len(chart.series) == len(drivers)


# --------------------------------------------------------------------------- estimates


def test_both_methods_share_the_parameter_sheets_headline_first(workbook, airline_both):
    wb = workbook("airline_both", airline_both, "en")
    _, rows = rows_of(wb["Path coefficients"])
    methods = [r["Method"].value for r in rows]
    pls, cb = Results(airline_both), Results(airline_both, "cbsem")
    assert methods == ["PLS-SEM"] * len(pls.paths) + ["CB-SEM (ML)"] * len(cb.paths)
    for r, (_, p) in zip(rows, [*pls.paths.iterrows(), *cb.paths.iterrows()], strict=True):
        assert r["Standardized β"].value == pytest.approx(p["std_estimate"])
        assert r["p"].value == pytest.approx(p["p_value"])
        assert r["Significant"].value == ("yes" if significant(p["p_value"]) else "no")
    _, rows = rows_of(wb["Loadings and weights"])
    assert [r["Method"].value for r in rows] == (["PLS-SEM"] * len(pls.loadings)
                                                  + ["CB-SEM (ML)"] * len(cb.loadings))
    assert [r["Loading"].value for r in rows] == pytest.approx(
        [*pls.loadings["std_estimate"], *cb.loadings["std_estimate"]])
    _, rows = rows_of(wb["Model fit and admissibility"])
    chi2 = next(r for r in rows if r["Measure"].value == "χ²")
    assert chi2["Value"].value == pytest.approx(cb.fit["chi2"])
    assert "PLS and CB-SEM side by side" in wb.sheetnames


def test_no_number_is_written_as_text(workbook, airline_both):
    wb = workbook("airline_both", airline_both, "zh")
    formats = {"0.0", "0.000", "0.00", "0.0%", "#,##0"}
    numbers = 0
    for ws in wb.worksheets:
        if ws.title in ("被拒记录明细", "运行记录"):  # values as read, versions
            continue
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if cell.number_format in formats:
                    assert cell.data_type == "n", (ws.title, cell.coordinate)
                    numbers += 1
                if isinstance(cell.value, str):
                    assert not is_number(cell.value), (ws.title, cell.coordinate, cell.value)
    assert numbers > 1000


def test_a_cbsem_only_result_has_no_comparison(workbook, airline_cbsem):
    wb = workbook("airline_cbsem", airline_cbsem, "en")
    assert "PLS and CB-SEM side by side" not in wb.sheetnames
    _, rows = rows_of(wb["Path coefficients"])
    assert {r["Method"].value for r in rows} == {"CB-SEM (ML)"}
    _, rows = rows_of(wb["0-100 indices"])
    expected = Results(airline_cbsem).indices
    assert [r["Index"].value for r in rows] == pytest.approx(
        list(expected.loc[[r["ID"].value for r in rows], "index"]))


def test_without_analyses_the_analysis_sheets_are_left_out(workbook, airline_pls):
    off = dataclasses.replace(airline_pls, analysis=None, analyses={})
    wb = workbook("analyses_off", off, "en")
    for name in ("Drivers (IPMA)", "Item priorities", "Classic methods", "Satisfaction ratio C",
                 "Satisfaction and loyalty gauges", "Precision of the indices", "Segments",
                 "Model fit and admissibility", "PLS and CB-SEM side by side",
                 "Out-of-sample prediction", "Driver triangulation"):
        assert name not in wb.sheetnames
    assert "0-100 indices" in wb.sheetnames and "Path coefficients" in wb.sheetnames
    assert wb["0-100 indices"]._charts


def test_a_measurement_model_has_no_structural_sheets(workbook, cfa):
    wb = workbook("cfa", cfa, "zh")
    for name in ("路径系数", "R²", "直接、间接与总效应", "驱动因素（IPMA）", "指标改进优先级"):
        assert name not in wb.sheetnames
    _, rows = rows_of(wb["载荷与权重"])
    assert len(rows) == len(Results(cfa).loadings)
    _, rows = rows_of(wb["模型拟合与可接受性"])
    assert next(r for r in rows if r["指标"].value == "df")["数值"].value == cfa.estimate.fit["df"]
    _, rows = rows_of(wb["研究概况"])
    assert "执行摘要" not in {r["项目"].value for r in rows}  # no target, no summary lines


def test_formative_constructs_have_no_reliability_nor_htmt(workbook, corp_rep):
    wb = workbook("corp_rep", corp_rep, "en")
    modes = corp_rep.estimate.settings["modes"]
    formative = {corp_rep.questionnaire.constructs[c].label.get("en")
                 for c, m in modes.items() if m == "B"}
    _, rows = rows_of(wb["Reliability and validity"])
    for r in rows:
        if r["Construct"].value in formative:
            assert r["AVE"].value is None and r["Cronbach's α"].value is None
    _, rows = rows_of(wb["HTMT discriminant validity"])
    assert not {r["Construct A"].value for r in rows} & formative
    assert not {r["Construct B"].value for r in rows} & formative


# --------------------------------------------------------------------------- data


def test_every_rejected_answer_is_listed_with_its_reason(workbook, hostile):
    rejects = hostile.responses.rejects
    assert len(rejects) == N_AT + 1 > 50  # the HTML report lists 50
    for lang in ("en", "zh"):
        wb = workbook("hostile", hostile, lang)
        _, rows = rows_of(wb[ui("rejects", lang)])
        assert len(rows) == len(rejects)
        for r, x in zip(rows, rejects.itertuples(index=False), strict=True):
            cells = list(r.values())
            assert cells[0].value == x.row and cells[0].data_type == "n"
            assert cells[1].value == x.column and cells[2].value == neutralise(x.value)
            assert cells[3].value == tr(REJECT_REASONS, x.code, lang).format(
                value=x.value, detail=x.detail)


def test_formula_like_text_is_stored_as_neutralised_text(workbook, hostile):
    wb = workbook("hostile", hostile, "en")
    texts = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate)
                if isinstance(cell.value, str):
                    texts.add(cell.value)
    for hostile_text in (HYPERLINK, CMD, AT, MINUS):
        assert hostile_text not in texts
        assert "'" + hostile_text in texts
    _, rows = rows_of(wb["0-100 indices"])
    assert {r["Construct"].value for r in rows} == {"'" + HYPERLINK, "'" + CMD}
    header, _ = rows_of(wb["Segments"])
    assert header[3] == f"'{CMD} index"  # a header made from a label
    _, rows = rows_of(wb["Loadings and weights"])
    assert "'" + AT in {r["Item"].value for r in rows}
    # No formula anywhere in the file's sheets, in either language.
    workbook("hostile", hostile, "zh")
    for lang in ("en", "zh"):
        with zipfile.ZipFile(workbook.paths[("hostile", lang)]) as z:
            sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
            assert len(sheets) == len(wb.sheetnames)
            for name in sheets:
                assert "<f>" not in z.read(name).decode("utf-8")
            # A chart reads cells only: its title and axis name, made from the target's label,
            # are text, not a reference xlsxwriter made of "...!A0".
            charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
            assert len(charts) == 2
            for name in charts:
                for f in re.findall(r"<c:f>(.*?)</c:f>", z.read(name).decode("utf-8")):
                    assert re.fullmatch(r"'[^']+'!\$[A-Z]+\$\d+(:\$[A-Z]+\$\d+)?", f), f


def test_segments_hold_each_levels_indices(workbook, hostile):
    wb = workbook("hostile", hostile, "en")
    header, rows = rows_of(wb["Segments"])
    assert header[:3] == ["Segment", "Level", "n"]
    [segment] = hostile.analysis.segments
    assert [r["Level"].value for r in rows] == ["All respondents", "Male", "Female"]
    assert rows[0]["n"].value == segment.n_total
    for r, level in zip(rows[1:], segment.levels, strict=True):
        index = {i.latent: i.value for i in level.estimate.indices}
        assert r["n"].value == level.n
        assert r[header[3]].value == pytest.approx(index["satisfaction"])


def test_data_quality_shares_are_percentages(workbook, airline_both):
    _, rows = rows_of(workbook("airline_both", airline_both, "en")["Data quality"])
    report = airline_both.responses.report
    assert [r["ID"].value for r in rows] == list(airline_both.bound.items)
    for r in rows:
        assert r["Don't-know rate"].value == pytest.approx(report.dont_know[r["ID"].value])
        assert r["Don't-know rate"].number_format == "0.0%"


def test_the_run_manifest_is_flattened(workbook, airline_both):
    _, rows = rows_of(workbook("airline_both", airline_both, "en")["Run manifest"])
    values = {r["Key"].value: r["Value"].value for r in rows}
    assert values["method"] == "both" and values["settings.seed"] == 1
    assert values["settings.bootstrap.pls"] == 200
    assert values["data.sha256"] == airline_both.manifest["data"]["sha256"]


def test_sheet_names_follow_excels_rules():
    assert sheet_name("a/b: c?*[d]\\") == "a b  c   d"
    assert sheet_name("x" * 40) == "x" * 31
    assert sheet_name("Data", ["data", "Data (2)"]) == "Data (3)"


def test_a_chart_text_is_never_taken_for_a_reference():
    assert chart_text(f"Drivers of {CMD}") == "Drivers of +cmd|' /C calc'！A0"
    assert chart_text(HYPERLINK) == "'" + HYPERLINK
    assert chart_text("Wow! A1 service") == "Wow! A1 service"  # no cell address after "!"


def test_an_unwritable_path_is_a_survey_error(cfa, tmp_path):
    with pytest.raises(SurveyError, match="cannot write the workbook"):
        write_workbook(cfa, tmp_path, "en")  # a folder


def test_prediction_and_triangulation_sheets_hold_their_analyses(workbook, airline_both):
    """The issue-13 sections have their sheets: PLSpredict per indicator and the drivers by
    four methods, as numbers, equal to the typed results (the JSON blocks' numbers)."""
    wb = workbook("airline_both", airline_both, "en")
    res = Results(airline_both)
    header, rows = rows_of(wb["Out-of-sample prediction"])
    assert header[:4] == ["Construct", "ID", "Indicator", "Q²_predict"]
    table = [r for r in rows if r["ID"].value]
    expected = res.prediction.set_index("item")
    assert sorted(r["ID"].value for r in table) == sorted(expected.index)
    for r in table:
        cell = r["Q²_predict"]
        assert cell.data_type == "n"
        assert cell.value == pytest.approx(expected.loc[r["ID"].value, "q2_predict"], rel=1e-12)
    header, rows = rows_of(wb["Driver triangulation"])
    shapley = next(h for h in header if h and h.startswith("Shapley"))
    table = [r for r in rows if r["ID"].value and r[shapley].value is not None]
    shares = res.driver_shares.set_index("driver")
    assert sorted(r["ID"].value for r in table) == sorted(shares.index)
    for r in table:
        assert r[shapley].data_type == "n"
        assert r[shapley].value == pytest.approx(shares.loc[r["ID"].value, "shapley"],
                                                 rel=1e-12)
    # The agreement with the priority rule is written below the table, as in the report.
    lines = [r["ID"].value for r in rows if r["ID"].value and r[shapley].value is None]
    assert any("priority rule" in str(x) for x in lines)
