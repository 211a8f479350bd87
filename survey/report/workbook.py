"""The XLSX deliverable of a study: every table of the report as a sheet a consultant hands to a
client, in the report's language.

The words come from the report's catalogue (:mod:`survey.report.texts`, through the context of
:func:`~survey.report.context.build_context`) and, for the few a workbook needs besides,
:data:`WORKBOOK_UI`; the executive summary, the priority rule's reading and the localised reasons
are the report's own. Numbers are written as numbers with a number format (``0.0`` for 0-100
indices, ``0.000`` for coefficients, ``0.0%`` for shares), never as preformatted text, so a
client can sort, filter and compute; an undefined number is an empty cell. The charts are native
Excel charts (xlsxwriter) drawn from the sheets' cells: a column chart of the indices and the
importance-performance map of the model's target.

Every text cell goes through :func:`survey.exports.neutralise`, and the workbook is made with
``strings_to_formulas`` off: respondent and questionnaire text such as ``=HYPERLINK(...)`` or
``+cmd|' /C calc'!A0`` stays text (CSV/formula injection, OWASP).

Estimates: the headline's tables come first; with two methods (PLS and CB-SEM) the tables of
the estimated parameters (paths, loadings, reliability, HTMT, R², effects, fit) hold both, one
row per parameter and method, with a Method column (the headline's rows first); the indices,
drivers, items and segments are the headline's, as in the report.
"""

from __future__ import annotations

import numbers
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.exceptions import FileCreateError

from survey.analysis.drivers import IpmaPoint, improve_first, priority_items, priority_key
from survey.api import Results
from survey.assess import significant
from survey.errors import SurveyError
from survey.exports import neutralise
from survey.numbers import finite
from survey.report.analyses import MEASURE, Names
from survey.report.charts import QUADRANT_COLORS
from survey.report.context import NAMES, _reject_reason, build_context
from survey.report.texts import QUADRANTS, labelled, paren, tr
from survey.study import StudyResult

#: The workbook's words that the report's catalogue (texts.UI, texts.ANALYSIS_UI) lacks, or has
#: only in a form too long for a sheet name (Excel allows 31 characters).
WORKBOOK_UI: dict[str, dict[str, str]] = {
    "sheet_drivers": {"zh": "驱动因素（IPMA）", "en": "Drivers (IPMA)"},
    "sheet_items": {"zh": "指标改进优先级", "en": "Item priorities"},
    "sheet_loadings": {"zh": "载荷与权重", "en": "Loadings and weights"},
    "sheet_reliability": {"zh": "信度与收敛效度", "en": "Reliability and validity"},
    "sheet_effects": {"zh": "直接、间接与总效应", "en": "Effects"},
    "sheet_methods": {"zh": "五种测评方法对照", "en": "Classic methods"},
    "sheet_prediction": {"zh": "样本外预测", "en": "Out-of-sample prediction"},
    "sheet_triangulation": {"zh": "驱动因素三角验证", "en": "Driver triangulation"},
    "topic": {"zh": "项目", "en": "Topic"},
    "study": {"zh": "调查", "en": "Study"},
    "data_file": {"zh": "数据文件", "en": "Data file"},
    "resamples_of": {"zh": "{name} bootstrap 重抽样次数", "en": "Bootstrap resamples, {name}"},
    "lower": {"zh": "下限", "en": "lower bound"},
    "upper": {"zh": "上限", "en": "upper bound"},
    "ci_low": {"zh": "置信区间下限", "en": "CI lower"},
    "ci_high": {"zh": "置信区间上限", "en": "CI upper"},
    "id": {"zh": "代码", "en": "ID"},
    "target": {"zh": "目标变量", "en": "Target"},
    "improve_first": {"zh": "优先改进", "en": "Improve first"},
    "actionable": {"zh": "可改进", "en": "Actionable"},
    "significant": {"zh": "显著", "en": "Significant"},
    "stat": {"zh": "t / z 值", "en": "t / z"},
    "rank_of": {"zh": "{name}：名次", "en": "{name}: rank"},
    "measure_of": {"zh": "{name}：{measure}", "en": "{name}: {measure}"},
    "contested": {"zh": "分歧大", "en": "Contested"},
    "construct_a": {"zh": "潜变量 A", "en": "Construct A"},
    "construct_b": {"zh": "潜变量 B", "en": "Construct B"},
    "segment": {"zh": "细分变量", "en": "Segment"},
    "note": {"zh": "说明", "en": "Note"},
    "kind": {"zh": "类别", "en": "Kind"},
    "reasons": {"zh": "差异原因", "en": "Why they differ"},
    "section": {"zh": "部分", "en": "Section"},
    "key": {"zh": "项目", "en": "Key"},
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    "min_value": {"zh": "最小值", "en": "Minimum"},
    "box_points": {"zh": "{box}：分值", "en": "{box}: scale points"},
    "max_value": {"zh": "最大值", "en": "Maximum"},
}

#: xlsxwriter's defaults turn text that starts with "=" into a live formula and text that looks
#: like a URL into a hyperlink (measured: a label "=HYPERLINK(...)" became a working link);
#: NaN and infinities become Excel errors instead of a refused write.
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False,
                    "nan_inf_to_errors": True}

#: Number formats: 0-100 indices, coefficients and p-values, shares, counts, and the two-decimal
#: measures (potential gain, effect of +5 points, means of a rating scale).
INDEX, COEF, SHARE, COUNT, TWO = "0.0", "0.000", "0.0%", "#,##0", "0.00"
#: The number format of a classic method's measure by its digits in the report.
_DIGITS = {1: INDEX, 2: TWO, 3: COEF}

#: Excel's limits on a sheet name.
SHEET_NAME_MAX = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
#: Column widths (in characters): the narrowest, the widest before text wraps, and a wrapped one.
MIN_WIDTH, MAX_WIDTH, WRAP_WIDTH = 6, 60, 80
#: The widest a column grows for its header (a longer header wraps).
HEADER_WIDTH = 28
#: A native chart's size (xlsxwriter's scale of its default 480 x 288 pixels).
CHART_SIZE = {"x_scale": 1.5, "y_scale": 1.6}


@dataclass(frozen=True)
class Column:
    """A column of a sheet: its header and the number format of its numbers (None: text, or a
    number in Excel's General format); ``flag``: True/False shown as the language's yes/no."""

    header: str
    number_format: str | None = None
    flag: bool = False


@dataclass(frozen=True)
class Styled:
    """A cell whose number format differs from its column's (the mixed value column of the
    summary, a comparison of indices and paths)."""

    value: Any
    number_format: str | None


@dataclass
class Table:
    """One sheet: its name, columns and rows (the values of each row, one per column)."""

    name: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)


def write_workbook(result: StudyResult, path: str | Path, lang: str,
                   context: Mapping[str, Any] | None = None) -> Path:
    """Write the study's report as an Excel workbook and return its path.

    Parameters
    ----------
    result : StudyResult
        The estimated study (:func:`survey.study.estimate_study`).
    path : str or Path
        The ``.xlsx`` file to write; its folder is created.
    lang : {'zh', 'en'}
        The report's language (validated by the caller, as for the HTML report).
    context : mapping, optional
        ``build_context(result, lang)`` when the caller has it already (the HTML's).

    Returns
    -------
    Path

    Raises
    ------
    survey.errors.SurveyError
        When the file cannot be written (a folder in the way, or the file open in Excel).

    Notes
    -----
    One sheet per table that has content: summary (executive summary, caveats, the headline
    index with its interval, the study's facts), 0-100 indices with a column chart, drivers
    (IPMA, ordered and flagged by :func:`survey.analysis.drivers.priority_key`) with the
    importance-performance map of the model's target, item priorities, the classic methods,
    the satisfaction ratio, gauges, segments, value tiers, precision, paths, loadings and
    weights, reliability, HTMT, R², effects, fit, the PLS/CB-SEM comparison, data quality, every
    rejected answer with its reason, the method notes and the run manifest. A block the result
    lacks (analyses switched off, a measurement model's paths and drivers, a single method's
    comparison) leaves its sheet out; a number an estimate lacks (CB-SEM's rho_A, an interval
    without a bootstrap) is an empty cell.
    """
    path = Path(path)
    context = build_context(result, lang) if context is None else context
    t = context["t"]
    w = {k: tr(WORKBOOK_UI, k, lang) for k in WORKBOOK_UI}
    names = Names(result, lang, t)
    methods = [context["headline"]["key"]] + [m for m in result.estimates
                                               if m != context["headline"]["key"]]
    # Every table is made before the file is opened: a failure leaves no half-written workbook.
    indices, error_bars = _indices(result, context, t, w)
    drivers, map_rows = _drivers(result, names, t, w)
    tables = [
        _summary(result, context, t, w), indices, drivers,
        _items(result, names, t, w),
        _methods(context, t, w),
        _ratio(context, t, w),
        _gauges(context, t, w),
        _segments(context, t, w),
        _tiers(context, t, w),
        _precision(context, t, w),
        _paths(result, methods, names, t, w),
        _loadings(result, methods, names, t, w),
        _reliability(result, methods, names, t, w),
        _htmt(result, methods, names, t, w),
        _r2(result, methods, names, t),
        _effects(result, methods, names, t, w),
        _fit(context, t, w),
        _comparison(context, t, w),
        _quality(context, t, w),
        *_quality_exclusion(context, t),
        _model_comparison(context),
        _prediction(context, w),
        _triangulation(context, w),
        _rejects(result, lang, t),
        _notes(context, t, w),
        _manifest(context, t, w),
    ]
    book = _Book(path, w)
    for table in tables:
        sheet = book.write(table)
        if sheet is None:
            continue
        if table is indices:
            book.index_chart(sheet, indices, error_bars, t)
        elif table is drivers and map_rows:
            book.ipma_chart(sheet, drivers, map_rows, names, t, result.bound.model.target)
    book.close()
    return path


# --------------------------------------------------------------------------- the writer


def _width(text: str) -> int:
    """The width of ``text`` in Excel's character units: a CJK character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def sheet_name(name: str, taken: Iterable[str] = ()) -> str:
    """``name`` as Excel accepts it: none of ``[]:*?/\\``, at most 31 characters, and unique
    (case-insensitively) among ``taken`` (a number is appended to a duplicate)."""
    base = _SHEET_FORBIDDEN.sub(" ", name).strip().strip("'")[:SHEET_NAME_MAX] or "Sheet"
    taken = {x.lower() for x in taken}
    out, k = base, 2
    while out.lower() in taken:
        suffix = f" ({k})"
        out, k = base[:SHEET_NAME_MAX - len(suffix)] + suffix, k + 1
    return out


#: What xlsxwriter takes for a cell reference in a chart's title, axis or series name
#: (xlsxwriter/chart.py, ``_process_names``): any text with ``!`` before a cell address, so
#: that a label "+cmd|' /C calc'!A0" became the reference ``<c:f>`` of the chart's title.
_CHART_REFERENCE = re.compile(r"^=?[^!]+!\$?[A-Z]+\$?\d+")


def chart_text(text: str) -> str:
    """``text`` for a chart's title or axis name: neutralised as a cell's, and with the ``!``
    that would make xlsxwriter read it as a cell reference written full-width (``！``)."""
    text = neutralise(text)
    while _CHART_REFERENCE.match(text):
        text = text.replace("!", "！", 1)
    return text


class _Book:
    """The xlsxwriter workbook with the formats of its cells and the names of its sheets."""

    def __init__(self, path: Path, w: Mapping[str, str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.w = w
        self.book = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
        self.header = self.book.add_format({"bold": True, "text_wrap": True, "valign": "top",
                                            "bottom": 1, "bg_color": "#eef2f7"})
        self._formats: dict[tuple[str | None, bool], Any] = {}
        self.names: list[str] = []

    def format(self, number_format: str | None, wrap: bool = False):
        key = (number_format, wrap)
        if key not in self._formats:
            props: dict[str, Any] = {"valign": "top"}
            if number_format:
                props["num_format"] = number_format
            if wrap:
                props["text_wrap"] = True
            self._formats[key] = self.book.add_format(props)
        return self._formats[key]

    def write(self, table: Table | None):
        """Write ``table`` as a sheet (header row frozen, filter, column widths); None when it
        has no rows."""
        if table is None or not table.rows:
            return None
        name = sheet_name(table.name, self.names)
        self.names.append(name)
        sheet = self.book.add_worksheet(name)
        headers = [neutralise(c.header) for c in table.columns]  # a header may be a label
        widths = [min(_width(h), HEADER_WIDTH) for h in headers]  # a longer header wraps
        cells = [[self._cell(v, c) for v, c in zip(row, table.columns, strict=True)]
                 for row in table.rows]
        for row in cells:
            for j, (value, _) in enumerate(row):
                widths[j] = max(widths[j], _width(value) if isinstance(value, str)
                                else len(f"{value:,.3f}") if isinstance(value, float) else 0)
        wrap = [wd > MAX_WIDTH for wd in widths]
        for j, header in enumerate(headers):
            sheet.write_string(0, j, header, self.header)
            sheet.set_column(j, j, WRAP_WIDTH if wrap[j] else max(MIN_WIDTH, widths[j] + 2))
        for i, row in enumerate(cells, start=1):
            for j, (value, number_format) in enumerate(row):
                fmt = self.format(number_format, wrap[j])
                if value is None:
                    sheet.write_blank(i, j, None, fmt)
                elif isinstance(value, float):
                    sheet.write_number(i, j, value, fmt)
                else:
                    sheet.write_string(i, j, value, fmt)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, len(cells), len(table.columns) - 1)
        return sheet

    def _cell(self, value: Any, column: Column) -> tuple[str | float | None, str | None]:
        """A value as it is written: a finite number (float), neutralised text, or None (an
        empty cell), with its number format."""
        number_format = column.number_format
        if isinstance(value, Styled):
            value, number_format = value.value, value.number_format
        if isinstance(value, bool | np.bool_):
            return self.w["yes"] if value else self.w["no"], None
        if isinstance(value, numbers.Number):
            number = finite(value)
            return number, number_format if number is not None else None
        if value is None or pd.isna(value):  # pandas' NA and NaT as well
            return None, None
        return neutralise(str(value)), None

    def index_chart(self, sheet, table: Table,
                    error_bars: list[tuple[float, float]] | None, t: Mapping[str, str]) -> None:
        """A column chart of the 0-100 indices (label column 1, index column 2), with the
        intervals as error bars ((below, above) each) when there are any."""
        chart = self.book.add_chart({"type": "column"})
        n = len(table.rows)
        series: dict[str, Any] = {
            "name": chart_text(t["index"]),
            "categories": [sheet.name, 1, 1, n, 1],
            "values": [sheet.name, 1, 2, n, 2],
            "fill": {"color": "#1f6feb"},
            "data_labels": {"value": True, "num_format": INDEX},
        }
        if error_bars is not None:
            series["y_error_bars"] = {"type": "custom",
                                      "plus_values": [above for _, above in error_bars],
                                      "minus_values": [below for below, _ in error_bars]}
        chart.add_series(series)
        chart.set_title({"name": chart_text(t["scorecard"])})
        chart.set_y_axis({"min": 0, "max": 100, "major_gridlines": {"visible": True}})
        chart.set_legend({"none": True})
        sheet.insert_chart(1, len(table.columns) + 1, chart, CHART_SIZE)

    def ipma_chart(self, sheet, table: Table, rows: Sequence[tuple[int, IpmaPoint]],
                   names: Names, t: Mapping[str, str], target: str) -> None:
        """The importance-performance map of ``target``: one point per driver construct (a
        series each, labelled with its name from the sheet), coloured by quadrant; the axes
        cross at the mean importance and the mean performance of the points, the lines that
        split the quadrants (drivers.py)."""
        chart = self.book.add_chart({"type": "scatter"})
        for row, p in rows:
            color = QUADRANT_COLORS[p.quadrant][0]
            chart.add_series({
                "name": [sheet.name, row, _DRIVER_LABEL],
                "categories": [sheet.name, row, _DRIVER_IMPORTANCE, row, _DRIVER_IMPORTANCE],
                "values": [sheet.name, row, _DRIVER_PERFORMANCE, row, _DRIVER_PERFORMANCE],
                "marker": {"type": "circle", "size": 8, "fill": {"color": color},
                           "border": {"color": color}},
                "data_labels": {"series_name": True, "position": "right"},
            })
        points = [p for _, p in rows]
        mean_importance = sum(p.importance for p in points) / len(points)
        mean_performance = sum(p.performance for p in points) / len(points)
        label = names.latent(target)
        chart.set_title({"name": chart_text(t["drivers_of"].format(target=label))})
        chart.set_x_axis({"name": chart_text(t["importance_axis"].format(target=label)),
                          "crossing": mean_importance, "label_position": "low",
                          "num_format": COEF, "major_gridlines": {"visible": False}})
        chart.set_y_axis({"name": chart_text(t["performance_axis"]), "crossing": mean_performance,
                          "label_position": "low", "num_format": INDEX,
                          "major_gridlines": {"visible": False}})
        chart.set_legend({"none": True})
        sheet.insert_chart(1, len(table.columns) + 1, chart, CHART_SIZE)

    def close(self) -> None:
        try:
            self.book.close()
        except FileCreateError as exc:
            raise SurveyError(f"{self.path}: cannot write the workbook ({exc}). Close the file "
                              "if it is open in Excel, or choose another path.") from exc


def _yes_no(value: bool | None) -> bool | None:
    return None if value is None else bool(value)


def _ordered(result: StudyResult, frame_index: Iterable[str]) -> list[str]:
    """Constructs in the model's order (the scorecard's), others after."""
    present = list(frame_index)
    order = [c for c in result.bound.constructs if c in present]
    return order + [c for c in present if c not in order]


def _method_name(method: str) -> str:
    return NAMES.get(method, method)


# --------------------------------------------------------------------------- summary


def _summary(result: StudyResult, context: Mapping[str, Any], t: Mapping[str, str],
             w: Mapping[str, str]) -> Table:
    """The executive summary and its caveats, the headline index with its interval, and the
    study's facts (respondents read, used and rejected, the estimator, the resamples)."""
    lang = context["lang"]
    rows: list[list[Any]] = []
    executive = context["executive"]
    if executive is not None:
        rows += [[t["executive"], line] for line in executive["lines"]]
        rows += [[t["exec_caveats"], c] for c in executive["caveats"]] or [
            [t["exec_caveats"], executive["no_caveat"]]]
    target = context["target"]
    if target["id"] is not None and target["value"] is not None:
        rows.append([t["index_of"].format(name=target["label"]),
                     Styled(target["value"], INDEX)])
        if target["ci_low"] is not None and target["ci_high"] is not None:
            rows.append([f"{context['ci_label']} {w['lower']}", Styled(target["ci_low"], INDEX)])
            rows.append([f"{context['ci_label']} {w['upper']}", Styled(target["ci_high"], INDEX)])
        if target["r2"] is not None:
            rows.append([paren(t["r2_short"], target["label"], lang), Styled(target["r2"], COEF)])
    s = context["summary"]
    rows += [[w["study"], context["title"]], [t["model"], context["model_name"]],
             [t["method"], context["method"]], [w["data_file"], s["source"]]]
    rows += [[t[key], Styled(s[key], COUNT)]
             for key in ("rows", "accepted", "rejected", "screened", "used")]
    rows += [[t["missing_how"], s["missing"]], [t["inference"], s["inference"]]]
    for method, est in result.estimates.items():
        if est.bootstrap is not None:
            rows.append([w["resamples_of"].format(name=_method_name(method)),
                         Styled(est.bootstrap.settings.resamples, COUNT)])
    return Table(t["summary"], [Column(w["topic"]), Column(t["value"])], rows)


# --------------------------------------------------------------------------- indices


def _indices(result: StudyResult, context: Mapping[str, Any], t: Mapping[str, str],
             w: Mapping[str, str]) -> tuple[Table, list[tuple[float, float]] | None]:
    """The headline's 0-100 indices in the scorecard's order (a higher-order construct followed
    by its dimensions), and the error bars (distance above, below) when there are intervals."""
    frame = Results(result).indices
    rows, bars = [], []
    for r in context["indices"]:
        x = frame.loc[r["id"]]
        rows.append([r["id"], r["label"], x["index"], x["se"], x["ci_low"], x["ci_high"],
                     _yes_no(x["valid"])])
        value, lo, hi = finite(x["index"]), finite(x["ci_low"]), finite(x["ci_high"])
        bars.append((value - lo if None not in (value, lo) else 0.0,
                     hi - value if None not in (value, hi) else 0.0))
    columns = [Column(w["id"]), Column(t["construct"]), Column(t["index"], INDEX),
               Column(t["se"], TWO), Column(w["ci_low"], INDEX), Column(w["ci_high"], INDEX),
               Column(t["valid"], flag=True)]
    has_ci = any(lo or hi for lo, hi in bars)
    return Table(t["indices_short"], columns, rows), bars if has_ci else None


# --------------------------------------------------------------------------- drivers


#: The columns of the driver sheet the map reads: the driver's name, importance, performance.
_DRIVER_LABEL, _DRIVER_IMPORTANCE, _DRIVER_PERFORMANCE = 3, 4, 5


def _drivers(result: StudyResult, names: Names, t: Mapping[str, str], w: Mapping[str, str]
             ) -> tuple[Table | None, list[tuple[int, IpmaPoint]]]:
    """The IPMA drivers of each target (the model's target first), in the order of the report's
    one priority rule: the actionable drivers as :func:`~survey.analysis.drivers.priorities`
    ranks them (improve-first constructs first; a higher-order construct in its place by its
    dimensions), then the others (a higher-order construct itself, expectations) by
    :func:`~survey.analysis.drivers.priority_key`. "Improve first" flags the rule's
    improve-first constructs and their dimensions (as the item priorities do). Also the sheet
    rows of the model's target's construct points, for the map."""
    a = result.analysis
    if a is None or "ipma" not in a.include or not a.ipma:
        return None, []
    model_target = result.bound.model.target
    targets = list(dict.fromkeys(p.target for p in a.ipma))
    targets.sort(key=lambda x: x != model_target)
    rows: list[list[Any]] = []
    chart_rows: list[tuple[int, IpmaPoint]] = []
    for target in targets:
        mine = [p for p in a.ipma if p.target == target]
        by_driver = {p.driver: p for p in mine}
        ranked = [d for d in a.priorities.get(target, ()) if d in by_driver]
        first = set(improve_first(mine))
        rest = sorted((p for p in mine if p.driver not in ranked), key=priority_key)
        ordered = [(k, by_driver[d]) for k, d in enumerate(ranked, start=1)]
        ordered += [(None, p) for p in rest]
        for rank, p in ordered:
            rows.append([names.latent(target), rank, p.driver, names.driver(p.driver),
                         p.importance, p.performance, tr(QUADRANTS, p.quadrant, names.lang),
                         p.driver in first or p.parent in first, p.actionable, p.gain,
                         p.impact])
            if target == model_target and p.kind == "construct":
                chart_rows.append((len(rows), p))
    columns = [Column(w["target"]), Column(t["priority"], COUNT), Column(w["id"]),
               Column(t["driver"]), Column(t["importance"], COEF),
               Column(t["performance"], INDEX), Column(t["quadrant"]),
               Column(w["improve_first"], flag=True), Column(w["actionable"], flag=True),
               Column(t["potential_gain"], TWO), Column(t["impact"], TWO)]
    return Table(w["sheet_drivers"], columns, rows), chart_rows


def _items(result: StudyResult, names: Names, t: Mapping[str, str], w: Mapping[str, str]
           ) -> Table | None:
    """Every actionable item of each target in the order to improve it
    (:func:`~survey.analysis.drivers.priority_items`: the items of the improve-first
    constructs first, the largest potential gain first)."""
    a = result.analysis
    if a is None or "ipma" not in a.include or not a.ipma_items:
        return None
    model_target = result.bound.model.target
    targets = list(dict.fromkeys(p.target for p in a.ipma_items))
    targets.sort(key=lambda x: x != model_target)
    rows = []
    for target in targets:
        constructs = [p for p in a.ipma if p.target == target]
        items = priority_items([p for p in a.ipma_items if p.target == target], constructs,
                               result.bound)
        rows += [[names.latent(target), k, p.driver, names.item(p.driver),
                  names.driver(p.latent), p.importance, p.performance, p.gain, p.impact,
                  tr(QUADRANTS, p.quadrant, names.lang)]
                 for k, p in enumerate(items, start=1)]
    columns = [Column(w["target"]), Column(t["priority"], COUNT), Column(w["id"]),
               Column(t["item"]), Column(t["construct"]), Column(t["importance"], COEF),
               Column(t["performance"], INDEX), Column(t["potential_gain"], TWO),
               Column(t["impact"], TWO), Column(t["quadrant"])]
    return Table(w["sheet_items"], columns, rows)


# --------------------------------------------------------------------------- other analyses


def _methods(context: Mapping[str, Any], t: Mapping[str, str], w: Mapping[str, str]
             ) -> Table | None:
    """The classic methods side by side: each driver's rank and measure by every method, the
    rank gap and whether the report calls the driver contested."""
    mt = context.get("methods")
    if not mt or not mt["rows"]:
        return None
    methods = mt["methods"]
    columns = [Column(w["id"]), Column(t["driver"])]
    for x in methods:
        columns.append(Column(w["rank_of"].format(name=x["name"]), COUNT))
        columns.append(Column(w["measure_of"].format(name=x["name"], measure=x["measure"]),
                              _DIGITS.get(MEASURE[x["key"]][1]) if x["key"] in MEASURE
                              else COEF))
    columns += [Column(t["rank_gap"], COUNT), Column(w["contested"], flag=True)]
    rows = []
    for r in mt["rows"]:
        row: list[Any] = [r["id"], r["label"]]
        for c in r["cells"]:
            row += [c["rank"], c["measure"]]
        rows.append(row + [r["gap"], r["flagged"]])
    return Table(w["sheet_methods"], columns, rows)


def _ratio(context: Mapping[str, Any], t: Mapping[str, str], w: Mapping[str, str]
           ) -> Table | None:
    """Perceived / expected per paired indicator, its band and the shares of respondents by
    band."""
    ratio = context.get("ratio")
    if not ratio:
        return None
    columns = [Column(w["id"]), Column(t["expectation_item"]), Column(t["perceived"]),
               Column(t["expected_mean"], TWO), Column(t["perceived_mean"], TWO),
               Column("C = b / a", COEF), Column(t["reading"]), Column("n", COUNT)]
    lang = context["lang"]
    columns += [Column(paren(labelled(t["shares_by_band"], b["name"], lang), b["range"], lang),
                       SHARE) for b in ratio["bands"]]
    rows = [[r["expectation"], r["expectation_label"], r["perceived_label"], r["expected_mean"],
             r["perceived_mean"], r["ratio"], r["band_text"], r["n"], *r["shares"]]
            for r in ratio["rows"]]
    return Table(t["ratio"], columns, rows)


def _gauges(context: Mapping[str, Any], t: Mapping[str, str], w: Mapping[str, str]
            ) -> Table | None:
    """The satisfaction and loyalty gauges: mean, top and bottom box, don't-know share and the
    correlation with the target."""
    g = context.get("gauges")
    if not g or not g["rows"]:
        return None
    # The boxes' scale points per gauge: the gauges may be asked on different scales.
    columns = [Column(t["gauge"]), Column(w["id"]), Column(t["item"]), Column("n", COUNT),
               Column(t["mean"], TWO), Column(t["top_box"], SHARE),
               Column(w["box_points"].format(box=t["top_box"])),
               Column(t["bottom_box"], SHARE),
               Column(w["box_points"].format(box=t["bottom_box"])),
               Column(t["dont_know"], SHARE), Column(g["correlation"], COEF)]
    rows = [[r["name"], r["item"], r["item_label"], r["n"], r["mean"], r["top_box"],
             r["top_range"], r["bottom_box"], r["bottom_range"], r["dont_know"],
             r["correlation"]] for r in g["rows"]]
    return Table(t["gauges"], columns, rows)


def _segments(context: Mapping[str, Any], t: Mapping[str, str], w: Mapping[str, str]
              ) -> Table | None:
    """The indices by segment level: all respondents, then each level (n, the target's index
    with its interval, the other indices), one block per segment column."""
    seg = context.get("segments")
    if not seg or not seg["columns"]:
        return None
    latents = seg["latents"]
    columns = [Column(w["segment"]), Column(t["level"]), Column("n", COUNT),
               Column(t["index_of"].format(name=latents[0]["label"]), INDEX),
               Column(w["ci_low"], INDEX), Column(w["ci_high"], INDEX)]
    columns += [Column(x["label"], INDEX) for x in latents[1:]]
    columns.append(Column(w["note"]))
    rows = []
    for block in seg["columns"]:
        everyone = block["all"]
        rows.append([block["name"], t["all_respondents"], everyone["n"], everyone["target"],
                     everyone["ci_low"], everyone["ci_high"], *everyone["values"],
                     block["unassigned"] or None])
        rows += [[block["name"], r["label"], r["n"], r["target"], r["ci_low"], r["ci_high"],
                  *r["values"], r["note"] or None] for r in block["rows"]]
    return Table(t["segments"], columns, rows)


def _tiers(context: Mapping[str, Any], t: Mapping[str, str], w: Mapping[str, str]
           ) -> Table | None:
    """The customer value tiers: nominal and actual share of customers, value and its share."""
    tiers = (context.get("segments") or {}).get("tiers")
    if not tiers:
        return None
    columns = [Column(t["tier"]), Column(t["nominal_share"], SHARE),
               Column(t["customers"], COUNT), Column(t["customer_share"], SHARE),
               Column(t["value_total"], TWO), Column(t["value_share"], SHARE),
               Column(w["min_value"], TWO), Column(w["max_value"], TWO)]
    rows = [[r["name"], r["nominal_share"], r["n"], r["customer_share"], r["value"],
             r["value_share"], r["min_value"], r["max_value"]] for r in tiers["rows"]]
    return Table(t["value_tiers"], columns, rows)


def _precision(context: Mapping[str, Any], t: Mapping[str, str], w: Mapping[str, str]
               ) -> Table | None:
    """The precision of the indices under the sampling design: SE, margin of error, design
    effects and effective sample sizes."""
    p = context.get("precision")
    if not p or not p["rows"]:
        return None
    columns = [Column(w["id"]), Column(t["construct"]), Column(t["index"], INDEX),
               Column(t["se"], TWO), Column("n", COUNT), Column(p["moe_header"], TWO),
               Column(t["deff"], TWO), Column(t["n_effective"], COUNT),
               Column(t["deff_kish"], TWO), Column(t["n_effective_kish"], COUNT),
               Column(w["note"])]
    rows = []
    for r in p["rows"]:
        if not r["available"]:
            rows.append([r["id"], r["label"], *[None] * 8, r["reason"]])
            continue
        rows.append([r["id"], r["label"], r["estimate"], r["se"], r["n"], r["moe"], r["deff"],
                     r["n_effective"], r["deff_kish"], r["n_effective_kish"], None])
    return Table(t["precision"], columns, rows)


# --------------------------------------------------------------------------- estimates


def _paths(result: StudyResult, methods: Sequence[str], names: Names, t: Mapping[str, str],
           w: Mapping[str, str]) -> Table | None:
    """Every structural path of every estimate: standardized and raw coefficient, SE, t or z,
    p, interval, significance, f² and inner VIF."""
    rows = []
    for m in methods:
        res = Results(result, m)
        f2 = {(r["from"], r["to"]): r["f2"] for r in res.f2.to_dict("records")}
        vif = {(r["from"], r["to"]): r["vif"] for r in res.inner_vif.to_dict("records")}
        for p in res.paths.to_dict("records"):
            stat = finite(p["t_value"])
            if stat is None and finite(p["se"]):
                stat = p["estimate"] / p["se"]
            key = (p["from"], p["to"])
            rows.append([_method_name(m), names.driver(p["from"]), names.driver(p["to"]),
                         p["std_estimate"], p["estimate"], p["se"], stat, p["p_value"],
                         p["ci_low"], p["ci_high"], _yes_no(significant(p["p_value"])),
                         f2.get(key), vif.get(key)])
    columns = [Column(t["method_col"]), Column(t["from"]), Column(t["to"]),
               Column(t["beta"], COEF), Column(t["unstd"], COEF), Column(t["se"], COEF),
               Column(w["stat"], TWO), Column(t["p"], COEF), Column(w["ci_low"], COEF),
               Column(w["ci_high"], COEF), Column(w["significant"], flag=True),
               Column(t["f2"], COEF), Column(t["inner_vif"], TWO)]
    return Table(t["path_coefficients"], columns, rows)


def _loadings(result: StudyResult, methods: Sequence[str], names: Names, t: Mapping[str, str],
              w: Mapping[str, str]) -> Table | None:
    """Every loading of every estimate (standardized and raw, SE, p, interval) with the item's
    weight (PLS outer weight, CB-SEM factor-score weight) where the estimate has one."""
    rows = []
    for m in methods:
        res = Results(result, m)
        weights = {(r["latent"], r["item"]): r["estimate"]
                   for r in res.weights.to_dict("records")}
        for x in res.loadings.to_dict("records"):
            item = x["item"]
            label = (names.driver(item) if item in result.questionnaire.constructs
                     else names.item(item))
            rows.append([_method_name(m), names.driver(x["latent"]), item, label,
                         x["std_estimate"], x["estimate"], x["se"], x["p_value"], x["ci_low"],
                         x["ci_high"], weights.get((x["latent"], item))])
    columns = [Column(t["method_col"]), Column(t["construct"]), Column(w["id"]),
               Column(t["item"]), Column(t["loading"], COEF), Column(t["unstd"], COEF),
               Column(t["se"], COEF), Column(t["p"], COEF), Column(w["ci_low"], COEF),
               Column(w["ci_high"], COEF), Column(t["weights"], COEF)]
    return Table(w["sheet_loadings"], columns, rows)


def _reliability(result: StudyResult, methods: Sequence[str], names: Names,
                 t: Mapping[str, str], w: Mapping[str, str]) -> Table | None:
    """Cronbach's alpha, rho_A, composite reliability, AVE (and CB-SEM's omega) of every
    estimate; empty for a formative construct, as in the report."""
    measures = ["alpha", "rho_a", "rho_c", "ave"]
    frames = {m: Results(result, m).reliability for m in methods}
    if any("omega" in f.columns for f in frames.values()):
        measures.append("omega")
    rows = []
    for m, frame in frames.items():
        modes = result.estimates[m].settings.get("modes") or {}
        for c in _ordered(result, frame.index):
            formative = modes.get(c) == "B"
            rows.append([_method_name(m), names.driver(c)] + [
                None if formative or k not in frame.columns else frame.loc[c, k]
                for k in measures])
    columns = [Column(t["method_col"]), Column(t["construct"])]
    columns += [Column(t[k], COEF) for k in measures]
    return Table(w["sheet_reliability"], columns, rows)


def _htmt(result: StudyResult, methods: Sequence[str], names: Names, t: Mapping[str, str],
          w: Mapping[str, str]) -> Table | None:
    """HTMT and HTMT2 of every pair of reflective constructs, one row per pair and estimate
    (the report leaves formative constructs out: HTMT assumes reflective measurement)."""
    rows = []
    for m in methods:
        res = Results(result, m)
        htmt, htmt2 = res.htmt, res.htmt2
        modes = result.estimates[m].settings.get("modes") or {}
        order = [c for c in _ordered(result, htmt.index) if modes.get(c) != "B"]
        for i, a in enumerate(order):
            for b in order[:i]:
                value = htmt.loc[a, b]
                second = htmt2.loc[a, b] if a in htmt2.index and b in htmt2.columns else None
                if finite(value) is None and finite(second) is None:
                    continue
                rows.append([_method_name(m), names.driver(b), names.driver(a), value, second])
    columns = [Column(t["method_col"]), Column(w["construct_a"]), Column(w["construct_b"]),
               Column("HTMT", COEF), Column("HTMT2", COEF)]
    return Table(t["htmt"], columns, rows)


def _r2(result: StudyResult, methods: Sequence[str], names: Names, t: Mapping[str, str]
        ) -> Table | None:
    """R² and adjusted R² of every endogenous construct of every estimate."""
    rows = []
    for m in methods:
        frame = Results(result, m).r2
        rows += [[_method_name(m), names.driver(c), frame.loc[c, "r2"], frame.loc[c, "adj_r2"]]
                 for c in _ordered(result, frame.index)]
    columns = [Column(t["method_col"]), Column(t["construct"]), Column(t["r2_short"], COEF),
               Column(t["adj_r2"], COEF)]
    return Table(t["r2_short"], columns, rows)


def _effects(result: StudyResult, methods: Sequence[str], names: Names, t: Mapping[str, str],
             w: Mapping[str, str]) -> Table | None:
    """Direct, indirect and total (standardized) effects between constructs, every estimate."""
    rows = []
    for m in methods:
        rows += [[_method_name(m), names.driver(e["from"]), names.driver(e["to"]), e["direct"],
                  e["indirect"], e["total"]]
                 for e in Results(result, m).effects.to_dict("records")]
    columns = [Column(t["method_col"]), Column(t["from"]), Column(t["to"]),
               Column(t["direct"], COEF), Column(t["indirect"], COEF), Column(t["total"], COEF)]
    return Table(w["sheet_effects"], columns, rows)


def _fit(context: Mapping[str, Any], t: Mapping[str, str], w: Mapping[str, str]
         ) -> Table | None:
    """The global fit measures of each estimate that has them (CB-SEM), with the cut-offs and
    the verdicts of survey.assess."""
    rows = []
    for block in context["fit"]:
        for r in block["rows"] or ():
            rows.append([block["name"], r["name"], Styled(r["value"], _fit_format(r["name"])),
                         r["cutoff"] or None, t[r["verdict"]] if r["verdict"] else None])
    columns = [Column(t["method_col"]), Column(t["measure"]), Column(t["value"]),
               Column(t["cutoff"]), Column(t["verdict"])]
    return Table(t["fit"], columns, rows)


def _fit_format(name: str) -> str:
    """Degrees of freedom as a count, information criteria with two decimals, the rest with
    three."""
    if name == "df":
        return COUNT
    if name in ("χ²", "logL", "AIC", "BIC") or name.startswith("χ²"):
        return TWO
    return COEF


def _comparison(context: Mapping[str, Any], t: Mapping[str, str], w: Mapping[str, str]
                ) -> Table | None:
    """PLS beside CB-SEM (and PLSc when it was run): paths, indices and R², the difference and
    why a row disagrees."""
    cmp = context.get("comparison")
    if not cmp:
        return None
    kinds = (("paths", t["std_paths"], COEF), ("indices", t["indices_short"], INDEX),
             ("r2", t["r2_short"], COEF))
    rows = []
    for key, kind, number_format in kinds:
        for r in cmp[key]:
            # PLSc's number beside them when it was run (reference only: not in the reasons).
            third = [Styled(r["c"], number_format)] if cmp.get("third") else []
            rows.append([kind, r["label"], Styled(r["a"], number_format),
                         Styled(r["b"], number_format), *third,
                         Styled(r["difference"], number_format),
                         t["list_sep"].join(x["short"] for x in r["reasons"]) or None])
    a, b = cmp["names"]
    columns = [Column(w["kind"]), Column(t["parameter"]), Column(a), Column(b),
               *([Column(cmp["third"])] if cmp.get("third") else []),
               Column(t["difference"]), Column(w["reasons"])]
    return Table(t["comparison"], columns, rows)


# --------------------------------------------------------------------------- data


def _quality(context: Mapping[str, Any], t: Mapping[str, str], w: Mapping[str, str]
             ) -> Table | None:
    """The don't-know and blank shares of every item the model uses."""
    columns = [Column(w["id"]), Column(t["item"]), Column(t["construct"]),
               Column(t["dont_know"], SHARE), Column(t["blank"], SHARE)]
    rows = [[r["item"], r["label"], r["construct"], r["dont_know"], r["blank"]]
            for r in context["data_quality"]]
    return Table(t["quality"], columns, rows)


def _quality_exclusion(context: Mapping[str, Any], t: Mapping[str, str]
                       ) -> tuple[Table | None, Table | None]:
    """With ``--exclude-flagged`` (the report's quality_exclusion): each quality rule's
    criterion, flagged count and share and how many it excluded (empty where the rule could
    not be applied or was not chosen); and every index with and without the exclusion."""
    qx = context.get("quality_exclusion")
    if qx is None:
        return None, None
    x = qx["t"]
    rules = Table(x["title"], [Column(x["rule"]), Column(x["criterion"]),
                               Column(x["flagged"], COUNT), Column(x["share"], SHARE),
                               Column(x["excluded"], COUNT)],
                  [[r["name"], r["criterion"] if r["available"] else x["not_applied"],
                    r["flagged"] if r["available"] else None,
                    r["share"] if r["available"] else None,
                    r["excluded"] if r["applied"] else None] for r in qx["rows"]])
    indices = Table(x["index_sheet"],
                    [Column(t["latent"]), Column(x["index_with"], INDEX),
                     Column(x["index_without"], INDEX), Column(t["difference"], INDEX)],
                    [[i["label"], i["with"], i["without"], i["difference"]]
                     for i in qx["indices"]])
    return rules, indices


def _model_comparison(context: Mapping[str, Any]) -> Table | None:
    """With ``--compare-with`` (the report's model_comparison section): one row per model with
    the section's columns (PLS: n, R² of the target, predictors, BIC, GM and their weights;
    CB-SEM: n, chi², df, AIC, BIC, weights, the nested test and the model tested against),
    then, below, the readings, the sample, every rival left out or value withheld with its
    reason, and the method notes, one line each in the first column."""
    mc = context.get("model_comparison")
    if mc is None:
        return None
    formats = {0: COUNT, 2: TWO, 3: COEF}
    header = mc["header"]
    cells = mc["rows"][0]["cells"] if mc["rows"] else []
    columns = [Column(header[0]["text"])]
    columns += [Column(h["text"], COEF if c["p"] else formats.get(c["digits"], COEF))
                for h, c in zip(header[1:], cells, strict=False)]
    if mc["has_against"] and mc["rows"]:
        columns.append(Column(header[-1]["text"]))
    rows = []
    for r in mc["rows"]:
        row = [r["name"] + (f" ({mc['words']['best']}{mc['colon']}{r['best_text']})"
                            if r["best"] else "")]
        row += [c["v"] for c in r["cells"]]
        if mc["has_against"]:
            row.append(r["against"])
        rows.append(row)
    lines = [*mc["readings"], mc["sample"], *mc["reasons"], *mc["notes"]]
    return Table(mc["title"], columns, _lines_below(columns, rows, lines))


def _lines_below(columns: Sequence[Column], rows: list[list[Any]], lines: Iterable[str]
                 ) -> list[list[Any]]:
    """``rows``, then a blank row and each of ``lines`` (readings, notes) in the first column."""
    lines = [x for x in lines if x]
    width = len(columns)
    if rows and lines:
        rows = [*rows, [None] * width]
    return rows + [[line] + [None] * (width - 1) for line in lines]


def _prediction(context: Mapping[str, Any], w: Mapping[str, str]) -> Table | None:
    """The report's prediction section (PLSpredict): one row per indicator of an endogenous
    construct with Q²_predict and the RMSE and MAE of PLS and of the linear-model benchmark,
    then the reading of each construct, CVPAT's and the notes; or why it is not available."""
    p = context.get("prediction")
    if not p:
        return None
    pw = p["words"]
    if not p["available"]:
        return Table(w["sheet_prediction"], [Column(p["title"])], [[p["reason"]]])
    columns = [Column(pw["construct"]), Column(w["id"]), Column(pw["indicator"]),
               Column(pw["q2"], COEF), Column(pw["rmse_pls"], COEF), Column(pw["rmse_lm"], COEF),
               Column(pw["mae_pls"], COEF), Column(pw["mae_lm"], COEF),
               Column(pw["beats"], flag=True)]
    rows = [[r["construct"], r["item"], r["label"], r["q2"], r["pls_rmse"], r["lm_rmse"],
             r["pls_mae"], r["lm_mae"], r["beats"]] for r in p["rows"]]
    lines = [p["intro"], *(v["text"] for v in p["verdicts"]), p["cvpat_reading"], *p["notes"]]
    return Table(w["sheet_prediction"], columns, _lines_below(columns, rows, lines))


def _triangulation(context: Mapping[str, Any], w: Mapping[str, str]) -> Table | None:
    """The report's triangulation section: each driver's measure by every method with its
    interval (empty without bootstrap inference), the R² the shares split, the agreement with
    the priority rule, the NPS line and the notes; or why it is not available."""
    tg = context.get("triangulation")
    if not tg or not tg.get("drivers"):
        return None
    d, tw = tg["drivers"], tg["words"]
    nps = tg.get("nps") or {}
    if d.get("unavailable"):
        return Table(w["sheet_triangulation"], [Column(tg["title"])],
                     [[d["unavailable"]], *([[nps["line"]]] if nps.get("line") else [])])
    columns = [Column(w["id"]), Column(tw["driver"])]
    for m in d["methods"]:
        columns += [Column(m["name"], COEF), Column(w["ci_low"], COEF),
                    Column(w["ci_high"], COEF)]
    rows = []
    for r in d["rows"]:
        row: list[Any] = [r["id"], r["label"]]
        for c in r["cells"]:
            row += [c["value"], c["low"], c["high"]]
        rows.append(row)
    r2 = None if d.get("r2") is None else f"{d['r2_label']}: {d['r2']:.3f}" + (
        f" [{d['r2_low']:.3f}, {d['r2_high']:.3f}]"
        if d.get("r2_low") is not None and d.get("r2_high") is not None else "")
    lines = [d["intro"], r2, d["agreement"], nps.get("line"), *nps.get("notes", ()),
             *d["notes"]]
    return Table(w["sheet_triangulation"], columns, _lines_below(columns, rows, lines))


def _rejects(result: StudyResult, lang: str, t: Mapping[str, str]) -> Table | None:
    """Every rejected answer (the report shows the first 50): its row in the file, column, value
    as read and the reason in the report's language."""
    rejects = result.responses.rejects
    rows = [[int(r.row), r.column, r.value, _reject_reason(r, lang)]
            for r in rejects.itertuples(index=False)]
    columns = [Column(t["row"], COUNT), Column(t["column"]), Column(t["value"]),
               Column(t["reason"])]
    return Table(t["rejects"], columns, rows)


def _notes(context: Mapping[str, Any], t: Mapping[str, str], w: Mapping[str, str]) -> Table:
    """The method notes of the report, one line per row."""
    rows = [[block["title"], line] for block in context["notes"] for line in block["lines"]]
    return Table(t["notes"], [Column(w["section"]), Column(t["notes"])], rows)


def _manifest(context: Mapping[str, Any], t: Mapping[str, str], w: Mapping[str, str]) -> Table:
    """The run manifest flattened to key/value rows (``settings.bootstrap.pls``)."""
    return Table(t["manifest"], [Column(w["key"]), Column(t["value"])],
                 [[k, v] for k, v in flatten(context["manifest"])])


def flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """``(dotted key, value)`` pairs of a nested mapping; a list of plain values is one value
    (joined by ", "), a list of mappings is numbered (``key.0.name``); an empty mapping or list
    is one empty value."""
    if isinstance(value, Mapping):
        if not value:
            return [(prefix, None)] if prefix else []
        out = []
        for k, v in value.items():
            out += flatten(v, f"{prefix}.{k}" if prefix else str(k))
        return out
    if isinstance(value, list | tuple):
        if any(isinstance(v, Mapping | list | tuple) for v in value):
            out = []
            for i, v in enumerate(value):
                out += flatten(v, f"{prefix}.{i}")
            return out
        return [(prefix, ", ".join(str(v) for v in value) or None)]
    return [(prefix, value)]
