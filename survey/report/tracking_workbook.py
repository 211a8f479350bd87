"""The XLSX deliverable of a tracking run: every table of the tracking report as a sheet, in the
report's language, laid out by the study workbook's writer (:mod:`survey.report.workbook`).

The words and readings (the executive summary, each Change's verdict, the improvement check's
conclusions) are the tracking report's context (:func:`survey.report.tracking.
build_tracking_context`); the numbers are the Tracking's own, written as numbers with a number
format (``0.0`` for 0-100 indices and their changes, ``0.000`` for coefficients and p-values),
never as preformatted text; an undefined number is an empty cell. Brand, segment and wave names
are user data: every text cell goes through :func:`survey.exports.neutralise` and the workbook
is made with ``strings_to_formulas`` off (the study workbook's rules), and a chart's series
takes its name from such a cell, never from a formula.

Sheets (one without rows is left out): summary (executive summary, caveats, key figures, the
improvement check's conclusions, the run's settings); indices by wave (construct x group, one
column per wave) with a native line chart of the model's target by wave, one series per group;
indices by cell (wave, group, construct, index, SE, interval, n); changes (every index and path
change of every wave step with its interval, p, significance, verdict and comparability);
improvement check; measurement invariance (MICOM); paths by cell; cells (status, n, admissible,
error, warnings); with ``--exclude-flagged``, the quality exclusions (per cell the respondents
checked, each rule's flagged and excluded counts, the target index with and without the
exclusion, the interval's half-width and whether the exclusion moved the index more) with a
native bar chart of the two indices; method notes; the run manifest flattened.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from survey.report.context import warning_texts
from survey.report.render import report_language
from survey.report.texts import ANALYSIS_UI, IMPROVEMENT_VERDICTS, join, tr
from survey.report.tracking import _Words, build_tracking_context, construct_order
from survey.report.workbook import (
    CHART_SIZE,
    COEF,
    COUNT,
    INDEX,
    TWO,
    WORKBOOK_UI,
    Column,
    Styled,
    Table,
    _Book,
    _manifest,
    _method_name,
    chart_text,
)
from survey.tracking import TrackingRun

#: The workbook's words that neither the report's catalogue nor the study workbook has.
TRACKING_WORKBOOK_UI: dict[str, dict[str, str]] = {
    "sheet_trends": {"zh": "各轮指数", "en": "Indices by wave"},
    "sheet_indices": {"zh": "各单元指数", "en": "Indices by cell"},
    "sheet_improvement": {"zh": "改进效果检验", "en": "Improvement check"},
    "sheet_micom": {"zh": "测量不变性（MICOM）", "en": "Invariance (MICOM)"},
    "sheet_paths": {"zh": "各单元路径系数", "en": "Paths by cell"},
    "wave": {"zh": "轮次", "en": "Wave"},
    "wave_from": {"zh": "起始轮次", "en": "From wave"},
    "wave_to": {"zh": "对比轮次", "en": "To wave"},
    "id_b": {"zh": "代码（结果）", "en": "ID (to)"},
    "before": {"zh": "前一轮", "en": "Before"},
    "after": {"zh": "后一轮", "en": "After"},
    "status": {"zh": "状态", "en": "Status"},
    "estimated": {"zh": "已估计", "en": "estimated"},
    "admissible": {"zh": "解可接受", "en": "Admissible"},
    "importance_before": {"zh": "前一轮重要性", "en": "Importance (earlier wave)"},
    "performance_before": {"zh": "前一轮表现", "en": "Performance (earlier wave)"},
    "performance_after": {"zh": "后一轮表现", "en": "Performance (later wave)"},
    "verdict_no_change": {"zh": "无显著变化", "en": "no significant change"},
    "verdict_untested": {"zh": "未检验", "en": "not tested"},
    "trend_chart": {"zh": "{target}指数（按轮次）", "en": "{target} index by wave"},
}

#: MICOM's correlation c and its quantile sit near 1: four decimals tell them apart.
C_VALUE = "0.0000"


def write_tracking_workbook(run: TrackingRun, path: str | Path, lang: str | None = None,
                            context: Mapping[str, Any] | None = None) -> Path:
    """Write a tracking run's report as an Excel workbook and return its path.

    Parameters
    ----------
    run : TrackingRun
        The finished run (its Tracking, the model it was estimated with, its manifest).
    path : str or Path
        The ``.xlsx`` file to write; its folder is created.
    lang : {'zh', 'en'}, optional
        The workbook's language (default: the questionnaire's first).
    context : mapping, optional
        ``build_tracking_context(run.tracking, run.bound, lang, manifest=run.manifest)``
        when the caller has it already (the HTML's).

    Returns
    -------
    Path

    Raises
    ------
    survey.errors.SurveyError
        When the file cannot be written (a folder in the way, or the file open in Excel).
    """
    lang = report_language(run.bound.questionnaire, lang)
    if context is None:
        context = build_tracking_context(run.tracking, run.bound, lang, manifest=run.manifest)
    path = Path(path)
    # The analyses' words (from, to, key figures) under the context's own.
    t = {**{k: tr(ANALYSIS_UI, k, lang) for k in ANALYSIS_UI}, **context["t"]}
    w = {**{k: tr(WORKBOOK_UI, k, lang) for k in WORKBOOK_UI},
         **{k: tr(TRACKING_WORKBOOK_UI, k, lang) for k in TRACKING_WORKBOOK_UI}}
    words = _Words(run.tracking, run.bound, lang, t)
    by = [Column(words.column(c)) for c in run.tracking.by]
    # Every table is made before the file is opened: a failure leaves no half-written workbook.
    trends, chart_rows = _trends(run, context, t, w)
    tables = [
        _summary(run, context, t, w), trends,
        _indices(run, words, by, t, w),
        _changes(run, words, by, t, w),
        _improvement(run, words, by, t, w),
        _micom(context, words, by, t, w),
        _paths(run, words, by, t, w),
        _cells(run, by, lang, t, w),
        quality := _quality(run, context, by, w),
        Table(t["notes"], [Column(t["notes"])], [[x] for x in context["notes"]]),
        _manifest(context, t, w),
    ]
    book = _Book(path, w)
    for table in tables:
        sheet = book.write(table)
        if sheet is not None and table is trends and chart_rows:
            _trend_chart(book, sheet, table, chart_rows,
                         words.latent(run.bound.model.target), t, w)
        if sheet is not None and table is quality:
            _quality_chart(book, sheet, table, context)
    book.close()
    return path


def caveats(run: TrackingRun, context: Mapping[str, Any]) -> tuple[list[str], str]:
    """The caveats of the run's summary and the line shown when there is none: the executive
    summary's; a measurement model (no target, so no executive summary) has its failed and
    inadmissible cells."""
    executive = context["executive"]
    if executive is not None:
        return list(executive["caveats"]), executive["no_caveat"]
    t, lang = context["t"], context["lang"]
    words = _Words(run.tracking, run.bound, lang, t)
    out = []
    if context["failed"]:
        out.append(t["texec_failed"].format(n=len(context["failed"]), cells=join(
            [f["cell"] for f in context["failed"]], lang)))
    out += [t["texec_inadmissible"].format(
        cell=f"{c.key.get('wave', '')} · {words.group_title(c.key)}")
        for c in run.tracking.cells if not c.estimate.admissible]
    return out, t["exec_no_caveat"]


def _group(key: Mapping[str, Any], run: TrackingRun) -> list[Any]:
    return [key.get(c) for c in run.tracking.by]


# --------------------------------------------------------------------------- summary


def _summary(run: TrackingRun, context: Mapping[str, Any], t: Mapping[str, str],
             w: Mapping[str, str]) -> Table:
    """The executive summary group by group, the caveats, each group's latest target index
    with its interval, the improvement check's conclusions, the steps not compared and the
    run's settings (resamples, permutations and seed as numbers)."""
    rows: list[list[Any]] = []
    executive = context["executive"]
    for block in executive["groups"] if executive is not None else ():
        rows += [[t["executive"], block["group"], line["text"]] for line in block["lines"]]
    said, none = caveats(run, context)
    rows += [[t["exec_caveats"], None, x] for x in said] or [[t["exec_caveats"], None, none]]
    ci = context["trends"]["ci_label"]
    for card in context["cards"]:
        name = f"{card['group']} · {card['label']}"
        rows.append([t["key_figures"], name, Styled(card["value"], INDEX)])
        if card["ci_low"] is not None and card["ci_high"] is not None:
            rows.append([t["key_figures"], f"{name} · {ci} {w['lower']}",
                         Styled(card["ci_low"], INDEX)])
            rows.append([t["key_figures"], f"{name} · {ci} {w['upper']}",
                         Styled(card["ci_high"], INDEX)])
    for block in context["improvement"]["blocks"]:
        rows += [[t["improvement"], block["title"], line] for line in block["conclusion"]]
    rows += [[t["wave_over_wave"], None, line] for line in context["not_compared"]]
    settings = run.tracking.settings
    numbers = {t["resamples_label"]: settings.get("bootstrap"),
               t["permutations_label"]: settings.get("permutations"),
               t["seed"]: settings.get("seed")}
    for r in context["summary"]:
        value = numbers.get(r["label"])
        rows.append([t["run_summary"], r["label"],
                     Styled(value, COUNT if r["label"] != t["seed"] else None)
                     if isinstance(value, int) and value else r["value"]])
    return Table(t["run_summary"], [Column(w["section"]), Column(w["topic"]),
                                    Column(t["value"])], rows)


# --------------------------------------------------------------------------- indices


def _trends(run: TrackingRun, context: Mapping[str, Any], t: Mapping[str, str],
            w: Mapping[str, str]) -> tuple[Table, list[int]]:
    """Every construct's index by group (rows) and wave (columns), the target first; and the
    sheet rows of the target's groups, the chart's series."""
    waves = list(context["waves"])
    target = run.bound.model.target
    rows: list[list[Any]] = []
    chart_rows: list[int] = []
    for block in context["trends"]["constructs"]:
        for r in block["rows"]:
            rows.append([block["id"], block["label"], r["group"],
                         *[x["value"] for x in r["cells"]]])
            if block["id"] == target and any(x["value"] is not None for x in r["cells"]):
                chart_rows.append(len(rows))
    columns = [Column(w["id"]), Column(t["construct"]), Column(context["by_label"]),
               *[Column(wave, INDEX) for wave in waves]]
    return Table(w["sheet_trends"], columns, rows), chart_rows


#: The columns of the trends sheet the chart reads: the group's name, the first wave.
_TREND_GROUP, _TREND_FIRST_WAVE = 2, 3


def _trend_chart(book: _Book, sheet, table: Table, rows: list[int], target: str,
                 t: Mapping[str, str], w: Mapping[str, str]) -> None:
    """A line chart of the target's index by wave (the waves: the header cells), one series
    per group named by its cell, drawn from the sheet beside it."""
    last = len(table.columns) - 1
    chart = book.book.add_chart({"type": "line"})
    for row in rows:
        chart.add_series({
            "name": [sheet.name, row, _TREND_GROUP],
            "categories": [sheet.name, 0, _TREND_FIRST_WAVE, 0, last],
            "values": [sheet.name, row, _TREND_FIRST_WAVE, row, last],
            "marker": {"type": "circle", "size": 7},
            "data_labels": {"value": True, "num_format": INDEX, "position": "above"},
        })
    chart.set_title({"name": chart_text(w["trend_chart"].format(target=target))})
    chart.set_y_axis({"name": chart_text(t["index"]), "num_format": "0",
                      "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "top"})
    chart.show_blanks_as("gap")
    sheet.insert_chart(1, len(table.columns) + 1, chart, CHART_SIZE)


def _indices(run: TrackingRun, words: _Words, by: list[Column], t: Mapping[str, str],
             w: Mapping[str, str]) -> Table:
    """One row per estimated cell and construct (the target first, then its drivers): the
    index, its SE and interval, whether it is valid, the cell's n."""
    order = {x: k for k, x in enumerate(construct_order(run.bound))}
    rows = []
    for cell in run.tracking.cells:
        for i in sorted(cell.estimate.indices, key=lambda i: order.get(i.latent, len(order))):
            rows.append([cell.key.get("wave"), *_group(cell.key, run), i.latent,
                         words.latent(i.latent), i.value, i.se, i.ci_low, i.ci_high, i.valid,
                         cell.n])
    columns = [Column(w["wave"]), *by, Column(w["id"]), Column(t["construct"]),
               Column(t["index"], INDEX), Column(t["se"], TWO), Column(w["ci_low"], INDEX),
               Column(w["ci_high"], INDEX), Column(t["valid"], flag=True), Column("n", COUNT)]
    return Table(w["sheet_indices"], columns, rows)


# --------------------------------------------------------------------------- wave steps


def _verdict(verdict: str, t: Mapping[str, str], w: Mapping[str, str]) -> str:
    """A Change's verdict in words (the Change's, never re-decided)."""
    return {"rise": t["rise"], "fall": t["fall"], "no_change": w["verdict_no_change"],
            "inconclusive": t["significance_inconclusive"], "untested": w["verdict_untested"],
            "not_comparable": t["not_comparable_short"]}.get(verdict, verdict)


def _changes(run: TrackingRun, words: _Words, by: list[Column], t: Mapping[str, str],
             w: Mapping[str, str]) -> Table:
    """Every index and path change of every wave step, in the order of the run's changes
    table (``Tracking.tables()["changes"]``): before, after, change, its interval, p, the
    significance, the verdict and the comparability (MICOM)."""
    rows = []
    for s in run.tracking.steps:
        for c in s.changes:
            fmt = INDEX if c.kind == "index" else COEF
            label = (words.latent(c.a) if c.kind == "index"
                     else f"{words.latent(c.a)} → {words.latent(c.b)}")
            rows.append([*_group(s.group, run), s.wave_from, s.wave_to,
                         t["index"] if c.kind == "index" else t["path_col"], c.a, c.b or None,
                         label, *[Styled(x, fmt) for x in (c.before, c.after, c.change,
                                                           c.ci_low, c.ci_high)],
                         c.p_value, t[f"significance_{c.significance}"],
                         _verdict(c.verdict, t, w), c.comparable])
    columns = [*by, Column(w["wave_from"]), Column(w["wave_to"]), Column(w["kind"]),
               Column(w["id"]), Column(w["id_b"]), Column(t["parameter"]),
               Column(w["before"]), Column(w["after"]), Column(t["change"]),
               Column(w["ci_low"]), Column(w["ci_high"]), Column(t["p"], COEF),
               Column(t["significant"]), Column(t["verdict_col"]), Column(t["comparable_col"], flag=True)]
    return Table(t["wave_over_wave"], columns, rows)


def _improvement(run: TrackingRun, words: _Words, by: list[Column], t: Mapping[str, str],
                 w: Mapping[str, str]) -> Table:
    """Each driver an earlier wave flagged to improve first: its importance and performance
    then, its performance in the next wave, the change with its interval and p, the verdict
    and whether the driver's index is comparable across the two waves."""
    lang = words.lang
    rows = []
    for s in run.tracking.steps:
        comparable = {c.a: c.comparable for c in s.changes if c.kind == "index"}
        for c in s.improvement:
            rows.append([*_group(s.group, run), s.wave_from, s.wave_to, c.driver,
                         words.latent(c.driver), c.importance_before, c.performance_before,
                         c.performance_after, c.change, c.ci_low, c.ci_high, c.p_value,
                         tr(IMPROVEMENT_VERDICTS, c.verdict, lang)
                         if c.verdict in IMPROVEMENT_VERDICTS else c.verdict,
                         comparable.get(c.driver)])
    columns = [*by, Column(w["wave_from"]), Column(w["wave_to"]), Column(w["id"]),
               Column(t["driver_col"]), Column(w["importance_before"], COEF),
               Column(w["performance_before"], INDEX), Column(w["performance_after"], INDEX),
               Column(t["change"], INDEX), Column(w["ci_low"], INDEX),
               Column(w["ci_high"], INDEX), Column(t["p"], COEF), Column(t["verdict_col"]),
               Column(t["comparable_col"], flag=True)]
    return Table(w["sheet_improvement"], columns, rows)


def _micom(context: Mapping[str, Any], words: _Words, by: list[Column], t: Mapping[str, str],
           w: Mapping[str, str]) -> Table:
    """MICOM of every tested step, construct by construct (the report's rows)."""
    rows = []
    for s in context["steps"]:
        group = [s["group_key"].get(c) for c in words.by]
        rows += [[*group, s["wave_from"], s["wave_to"], m["id"], m["label"], m["c"],
                  m["c_quantile"], m["compositional"], m["mean_difference"], m["equal_mean"],
                  m["log_variance_ratio"], m["equal_variance"], m["invariance_text"]]
                 for m in s["micom"]["rows"]]
    columns = [*by, Column(w["wave_from"]), Column(w["wave_to"]), Column(w["id"]),
               Column(t["construct"]), Column(t["c_value"], C_VALUE),
               Column(t["c_quantile"], C_VALUE), Column(t["compositional"], flag=True),
               Column(t["mean_difference"], COEF), Column(t["equal_means"], flag=True),
               Column(t["variance_ratio"], COEF), Column(t["equal_variances"], flag=True),
               Column(t["invariance_col"])]
    return Table(w["sheet_micom"], columns, rows)


# --------------------------------------------------------------------------- cells


def _paths(run: TrackingRun, words: _Words, by: list[Column], t: Mapping[str, str],
           w: Mapping[str, str]) -> Table:
    """Every structural path of every estimated cell with its interval and p."""
    rows = [[cell.key.get("wave"), *_group(cell.key, run), words.latent(p.source),
             words.latent(p.target), p.estimate, p.ci_low, p.ci_high, p.p_value]
            for cell in run.tracking.cells for p in cell.estimate.paths]
    columns = [Column(w["wave"]), *by, Column(t["from"]), Column(t["to"]),
               Column(t["estimate"], COEF), Column(w["ci_low"], COEF),
               Column(w["ci_high"], COEF), Column(t["p"], COEF)]
    return Table(w["sheet_paths"], columns, rows)


def _cells(run: TrackingRun, by: list[Column], lang: str, t: Mapping[str, str],
           w: Mapping[str, str]) -> Table:
    """Every cell: estimated (n, estimator, admissible, its warnings) or failed (its error)."""
    rows = []
    for c in run.tracking.cells:
        rows.append([c.key.get("wave"), *_group(c.key, run), w["estimated"], c.n,
                     _method_name(c.estimate.method), c.estimate.admissible, None,
                     " ".join(warning_texts(c.estimate, lang)) or None])
    for f in run.tracking.failed:
        key = f.cell.as_dict()
        rows.append([key.get("wave"), *_group(key, run), t["cell_failed"], None,
                     _method_name(str(run.tracking.settings.get("method", ""))), None, f.error,
                     None])
    columns = [Column(w["wave"]), *by, Column(w["status"]), Column("n", COUNT),
               Column(t["method"]), Column(w["admissible"], flag=True), Column(t["error_col"]),
               Column(t["warnings"])]
    return Table(t["cells"], columns, rows)


# --------------------------------------------------------------------------- quality


def _quality(run: TrackingRun, context: Mapping[str, Any], by: list[Column],
             w: Mapping[str, str]) -> Table:
    """With ``--exclude-flagged`` (the report's quality section): per estimated cell the
    respondents checked, each rule's count (flagged and excluded for an applied rule, flagged
    and kept for another), the total excluded and used, the target index with and without the
    exclusion, their difference, the interval's half-width and whether the exclusion moved
    the index by more than it. Without it, a sheet without rows (left out)."""
    q = context.get("quality")
    if q is None:
        return Table("quality", [Column("")], [])
    t = q["t"]
    rows = [[r["wave"], *_group(r["key"], run), r["cell"], r["checked"], *r["counts"],
             r["excluded"], r["used"], r["with"], r["without"], r["difference"],
             r["half_width"], r["moved"]] for r in q["rows"]]
    columns = [Column(w["wave"]), *by,
               Column(t["cell"]), Column(t["checked"], COUNT),
               *[Column(c["label"], COUNT) for c in q["columns"]],
               Column(t["excluded"], COUNT), Column(t["used"], COUNT),
               Column(t["with"], INDEX), Column(t["without"], INDEX),
               Column(t["difference"], INDEX), Column(t["half_width"], INDEX),
               Column(t["moved"], flag=True)]
    return Table(t["sheet"], columns, rows)


def _quality_chart(book: _Book, sheet, table: Table, context: Mapping[str, Any]) -> None:
    """A clustered bar chart of the target index with and without the exclusion, one
    category per cell (the sheet's cell names, so a formula-like wave stays text), drawn from
    the sheet beside it."""
    q = context["quality"]
    if not q["rows"]:
        return
    names = [c.header for c in table.columns]
    cell = names.index(q["t"]["cell"])
    last = len(table.rows)
    chart = book.book.add_chart({"type": "column"})
    for key in ("with", "without"):
        col = names.index(q["t"][key])
        chart.add_series({
            "name": [sheet.name, 0, col],
            "categories": [sheet.name, 1, cell, last, cell],
            "values": [sheet.name, 1, col, last, col],
            "data_labels": {"value": True, "num_format": INDEX},
        })
    chart.set_title({"name": chart_text(q["t"]["chart"].format(target=q["target"]))})
    chart.set_y_axis({"name": chart_text(context["t"]["index"]), "num_format": "0",
                      "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "top"})
    sheet.insert_chart(last + 2, 1, chart, CHART_SIZE)
