"""The PPTX deliverable: an editable PowerPoint deck of a study for a client's management
meeting, with native charts (python-pptx chart objects the client can restyle and whose data
stays editable in PowerPoint), never pictures.

The deck is another rendering of the report's context (:func:`survey.report.context.
build_context`): the same numbers, the same verdicts, the same one priority rule
(:mod:`survey.analysis.drivers`) and the same words (:mod:`survey.report.texts`); only the
slide titles the report has no words for are in :data:`DECK_UI`. Slides:

1. the executive summary (key-figure cards, the report's summary lines, the caveats);
2. the 0-100 index of every construct (bar chart; the interval in the data labels);
3. the driver map of the model's target (XY scatter, quadrant lines at the means), and one of
   the dimensions of a higher-order driver;
4. the items to improve, in the priority order;
5. the structural model (paths with intervals and significance, R²);
6. the target index by segment level, one slide per segment column;
7. the measurement quality in brief, and the methods and caveats.

A slide whose content is absent (a measurement model has no paths and no target; analyses
may be off; a CB-SEM estimate has no bootstrap) is left out.

python-pptx writes only the Latin typeface of a run; PowerPoint then draws Chinese in a
fallback font of its own choosing. Every run, paragraph default and chart text of the deck
therefore names an East-Asian typeface (``a:ea`` in ``a:rPr``, the DrawingML run properties
of ECMA-376 part 1, §21.1.2.3).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pptx import Presentation
from pptx.chart.data import CategoryChartData, XyChartData
from pptx.chart.xlsx import CategoryWorkbookWriter, XyWorkbookWriter
from pptx.dml.color import RGBColor
from pptx.enum.chart import (
    XL_AXIS_CROSSES,
    XL_CHART_TYPE,
    XL_LABEL_POSITION,
    XL_LEGEND_POSITION,
    XL_MARKER_STYLE,
)
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import OxmlElement
from pptx.util import Emu, Inches, Pt

from survey.analysis.drivers import QUADRANTS as QUADRANT_ORDER
from survey.analysis.drivers import improve_first
from survey.assess import assess
from survey.report.context import build_context
from survey.report.texts import QUADRANTS, join, labelled, paren, tr
from survey.report.workbook import WORKBOOK_OPTIONS
from survey.study import StudyResult


class _TextWorkbook:
    """python-pptx writes a chart's data into a workbook embedded in the deck with
    xlsxwriter's defaults, which turn text like ``=HYPERLINK(...)`` (a construct label, a
    segment level, a brand: user data) into a live formula; these writers keep it text
    (:data:`survey.report.workbook.WORKBOOK_OPTIONS`)."""

    @contextmanager
    def _open_worksheet(self, xlsx_file):
        import xlsxwriter

        workbook = xlsxwriter.Workbook(xlsx_file, {"in_memory": True, **WORKBOOK_OPTIONS})
        worksheet = workbook.add_worksheet()
        yield workbook, worksheet
        workbook.close()


class _TextCategoryWriter(_TextWorkbook, CategoryWorkbookWriter):
    pass


class _TextXyWriter(_TextWorkbook, XyWorkbookWriter):
    pass


class TextCategoryChartData(CategoryChartData):
    """Category chart data whose embedded workbook keeps text as text."""

    @property
    def _workbook_writer(self):
        return _TextCategoryWriter(self)


class TextXyChartData(XyChartData):
    """XY chart data whose embedded workbook keeps text as text."""

    @property
    def _workbook_writer(self):
        return _TextXyWriter(self)

#: The deck's own words: slide titles and labels the report's catalogue does not have.
DECK_UI: dict[str, dict[str, str]] = {
    "index_labels": {"zh": "数据标签：指数 [{ci}]", "en": "Data labels: index [{ci}]"},
    "invalid_mark": {"zh": "* {text}", "en": "* {text}"},
    "mean_importance": {"zh": "平均重要性", "en": "Mean importance"},
    "mean_performance": {"zh": "平均表现", "en": "Mean performance"},
    "mean_lines": {"zh": "虚线：平均值", "en": "dashed: means"},
    "significant": {"zh": "显著（p < [[alpha]]）", "en": "Significant (p < [[alpha]])"},
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    "not_estimated": {"zh": "未估计", "en": "not estimated"},
    "meets": {"zh": "满足", "en": "meets the criteria"},
    "methods_caveats": {"zh": "方法与注意事项", "en": "Methods and caveats"},
    "no_warnings": {"zh": "估计没有提示。", "en": "The estimates carry no warnings."},
    "more_lines": {"zh": "另有 {n} 条，见完整报告。",
                   "en": "{n} more in the full report."},
    "respondents_n": {"zh": "n = {n}", "en": "n = {n}"},
}

#: The typefaces of every run: a Latin face every PowerPoint has, and the East-Asian face of
#: Chinese Windows and Office for Mac (LibreOffice substitutes its own CJK font for it).
LATIN_TYPEFACE = "Arial"
EAST_ASIAN_TYPEFACE = "Microsoft YaHei"
LANGUAGE_TAGS = {"zh": "zh-CN", "en": "en-US"}

# 16:9 and the layout grid, in inches.
WIDTH, HEIGHT = 13.333, 7.5
MARGIN = 0.5
BODY_TOP, BODY_BOTTOM = 1.6, 6.45
BODY_WIDTH = WIDTH - 2 * MARGIN
R2_WIDTH = 3.2

NAVY = RGBColor(0x1F, 0x38, 0x64)
BLUE = RGBColor(0x2E, 0x75, 0xB6)
LIGHT_BLUE = RGBColor(0x9D, 0xC3, 0xE6)
TEXT = RGBColor(0x26, 0x26, 0x26)
MUTED = RGBColor(0x6E, 0x6E, 0x6E)
GREY = RGBColor(0xA6, 0xA6, 0xA6)
CARD = RGBColor(0xF2, 0xF5, 0xFA)
RED = RGBColor(0xC0, 0x00, 0x00)
AMBER = RGBColor(0xB3, 0x6B, 0x00)
GREEN = RGBColor(0x38, 0x76, 0x1D)
#: The quadrants of the driver map: red to act on, green to keep, grey and amber to leave.
QUADRANT_COLOURS = {"improve_first": RED, "keep_up": GREEN, "low_priority": GREY,
                    "possible_overkill": AMBER}
LEVEL_COLOURS = {"bad": RED, "warn": AMBER, "ok": GREEN}


def write_deck(result: StudyResult, path: str | Path, lang: str,
               context: Mapping[str, Any] | None = None) -> Path:
    """Write the PowerPoint deck of a study and return its path.

    Parameters
    ----------
    result : StudyResult
        The estimated study (:func:`survey.study.estimate_study`).
    path : str or Path
        The ``.pptx`` file to write; its folder is created.
    lang : {'zh', 'en'}
        The deck's language (validated by the caller, as for the HTML report).
    context : mapping, optional
        ``build_context(result, lang)`` when the caller has it already (the HTML's).

    Returns
    -------
    Path
        ``path``.
    """
    context = build_context(result, lang) if context is None else context
    deck = _Deck(context, lang)
    _executive_slide(deck, result)
    _indices_slide(deck)
    _driver_slides(deck)
    _items_slide(deck)
    _structural_slide(deck)
    _segment_slides(deck)
    _measurement_slide(deck, result)
    _methods_slide(deck)
    return deck.save(path)


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class _Para:
    """One paragraph of a text box."""

    text: str
    size: float
    bold: bool = False
    colour: RGBColor = TEXT
    bullet: bool = False
    space_before: float = 0.0
    align: PP_ALIGN | None = None


@dataclass(frozen=True)
class _Cell:
    """One table cell: its text, colour, weight and a superscript footnote mark."""

    text: str
    colour: RGBColor | None = None
    bold: bool = False
    sup: str = ""


def _ems(text: str) -> float:
    """The width of ``text`` in ems: a wide (CJK) character is one em, others about half."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in text)


def _height(texts: Sequence[str], width: float, size: float, gap: float = 0.0) -> float:
    """The inches ``texts`` take as paragraphs of ``size`` points in a box ``width`` inches
    wide (an estimate: word wrapping wastes about a tenth of a line)."""
    per_line = max(1.0, 0.92 * (width - 0.2) * 72 / size)
    lines = sum(max(1, math.ceil(_ems(t) / per_line)) for t in texts)
    return (lines * size * 1.2 + len(texts) * gap) / 72 + 0.1


def _fit(texts: Sequence[str], width: float, height: float, largest: float,
         smallest: float = 10, gap: float = 6) -> float:
    """The largest font size from ``largest`` down to ``smallest`` at which ``texts`` fit."""
    size = largest
    while size > smallest and _height(texts, width, size, gap) > height:
        size -= 1
    return size


class _Deck:
    """The presentation being built: 16:9, blank slides with a title, an optional subtitle,
    a footnote and a footer."""

    def __init__(self, context: Mapping[str, Any], lang: str) -> None:
        self.c = context
        self.t = context["t"]
        self.lang = lang
        self.prs = Presentation()
        self.prs.slide_width = Inches(WIDTH)
        self.prs.slide_height = Inches(HEIGHT)
        # The default template's "Blank" layout: no placeholders to leave empty.
        self.blank = self.prs.slide_layouts[6]
        self.charts: list[Any] = []

    def ui(self, key: str) -> str:
        return tr(DECK_UI, key, self.lang)

    def slide(self, title: str, subtitle: str | None = None, footnote: str | None = None):
        """A new slide with its title, subtitle and footnote."""
        slide = self.prs.slides.add_slide(self.blank)
        self.text(slide, MARGIN, 0.3, BODY_WIDTH, 0.7,
                  [_Para(title, _fit([title], BODY_WIDTH, 0.7, 28, 20), bold=True,
                         colour=NAVY)], anchor=MSO_ANCHOR.BOTTOM)
        if subtitle:
            size = _fit([subtitle], BODY_WIDTH, 0.55, 16, 11)
            self.text(slide, MARGIN, 1.0, BODY_WIDTH, 0.55, [_Para(subtitle, size,
                                                                    colour=MUTED)])
        if footnote:
            size = _fit([footnote], BODY_WIDTH, 0.55, 11, 8)
            self.text(slide, MARGIN, 6.5, BODY_WIDTH, 0.55, [_Para(footnote, size,
                                                                    colour=MUTED)])
        footer = f"{self.c['title']} · {self.c['model_name']}"
        self.text(slide, MARGIN, 7.08, BODY_WIDTH - 1.0, 0.3, [_Para(footer, 9, colour=GREY)])
        number = str(len(self.prs.slides))
        self.text(slide, WIDTH - MARGIN - 1.0, 7.08, 1.0, 0.3,
                  [_Para(number, 9, colour=GREY, align=PP_ALIGN.RIGHT)])
        return slide

    def text(self, slide, x: float, y: float, w: float, h: float, paras: Iterable[_Para],
             anchor: MSO_ANCHOR = MSO_ANCHOR.TOP, fill: RGBColor | None = None):
        """A text box of paragraphs (plain runs: respondent and questionnaire text is data)."""
        if fill is None:
            shape = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h))
        else:
            shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(x), Inches(y),
                                           Inches(w), Inches(h))
            shape.fill.solid()
            shape.fill.fore_color.rgb = fill
            shape.line.fill.background()
            shape.shadow.inherit = False
        frame = shape.text_frame
        frame.word_wrap = True
        frame.vertical_anchor = anchor
        for side in ("margin_left", "margin_right"):
            setattr(frame, side, Inches(0.1 if fill is None else 0.15))
        first = True
        for para in paras:
            p = frame.paragraphs[0] if first else frame.add_paragraph()
            first = False
            if para.bullet:
                _bullet(p, para.size)
            if para.space_before:
                p.space_before = Pt(para.space_before)
            p.alignment = para.align or PP_ALIGN.LEFT
            run = p.add_run()
            run.text = para.text
            font = run.font
            font.size = Pt(para.size)
            font.bold = para.bold
            font.color.rgb = para.colour
        return shape

    def table(self, slide, x: float, y: float, widths: Sequence[float], header: Sequence[str],
              rows: Sequence[Sequence[Any]], max_height: float, align: str = "",
              largest: float = 12):
        """A native table of ``header`` and ``rows``; a cell is a string or a
        :class:`_Cell`. Each row is as high as its longest cell needs, and the type shrinks
        from ``largest`` until the table fits ``max_height``."""
        cells = [[_Cell(v, bold=True) if isinstance(v, str) else v for v in header],
                 *[[_Cell(v) if isinstance(v, str) else v for v in row] for row in rows]]
        n = len(cells)

        # Slack for the renderer's own line heights.
        budget = max_height - 0.15

        def heights(size: float) -> list[float]:
            return [max(_height([c.text + c.sup], w - 0.12, size) for c, w in
                        zip(row, widths, strict=True)) for row in cells]

        size = largest
        while size > 9 and sum(heights(size)) > budget:
            size -= 1
        # Rows share the room left, up to 0.4 inch each.
        needed = heights(size)
        spare = max(0.0, budget - sum(needed)) / n
        row_heights = [h + min(spare, max(0.0, 0.4 - h)) for h in needed]
        shape = slide.shapes.add_table(n, len(widths), Inches(x), Inches(y),
                                       Inches(sum(widths)), Inches(sum(row_heights)))
        table = shape.table
        for j, w in enumerate(widths):
            table.columns[j].width = Inches(w)
        for i, h in enumerate(row_heights):
            table.rows[i].height = Inches(h)
        for i, row in enumerate(cells):
            for j, value in enumerate(row):
                cell = table.cell(i, j)
                cell.margin_left = cell.margin_right = Inches(0.06)
                cell.margin_top = cell.margin_bottom = Inches(0.02)
                cell.vertical_anchor = MSO_ANCHOR.MIDDLE
                p = cell.text_frame.paragraphs[0]
                p.alignment = PP_ALIGN.RIGHT if align[j:j + 1] == "r" else PP_ALIGN.LEFT
                run = p.add_run()
                run.text = value.text
                run.font.size = Pt(size)
                run.font.bold = value.bold
                if value.colour is not None:
                    run.font.color.rgb = value.colour
                if value.sup:
                    mark = p.add_run()
                    mark.text = value.sup
                    mark.font.size = Pt(size)
                    # A superscript: the baseline raised by 30 % (ST_Percentage).
                    mark.font._rPr.set("baseline", "30000")
        return table

    def chart(self, slide, kind, data, x: float, y: float, w: float, h: float):
        """A native chart, in the deck's type."""
        chart = slide.shapes.add_chart(kind, Inches(x), Inches(y), Inches(w), Inches(h),
                                       data).chart
        chart.font.size = Pt(12)
        chart.font.color.rgb = TEXT
        chart.has_title = False  # the slide's title says what the chart shows
        self.charts.append(chart)
        return chart

    def save(self, path: str | Path) -> Path:
        """Name the typefaces of every run and every text default, slides and charts, and
        write the deck to ``path`` (its folder is created); returns the path."""
        for slide in self.prs.slides:
            _typefaces(slide.shapes._spTree, self.lang)
        for chart in self.charts:
            _typefaces(chart._chartSpace, self.lang)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.prs.save(str(path))
        return path


def _bullet(p, size: float) -> None:
    """A hanging "•" bullet on paragraph ``p``."""
    p_pr = p._p.get_or_add_pPr()
    indent = Emu(int(Pt(size) * 1.1))
    p_pr.set("marL", str(indent))
    p_pr.set("indent", str(-indent))
    font = OxmlElement("a:buFont")
    font.set("typeface", LATIN_TYPEFACE)
    char = OxmlElement("a:buChar")
    char.set("char", "•")
    p_pr.insert_element_before(font, "a:buNone", "a:buAutoNum", "a:buChar", "a:buBlip",
                               "a:tabLst", "a:defRPr", "a:extLst")
    p_pr.insert_element_before(char, "a:tabLst", "a:defRPr", "a:extLst")


def _typefaces(element, lang: str) -> None:
    """Give every run under ``element`` run properties, and every run property and text
    default the deck's Latin and East-Asian typefaces and the language's tag."""
    for run in element.iter(qn("a:r")):
        run.get_or_add_rPr()
    for tag in ("a:rPr", "a:defRPr", "a:endParaRPr"):
        for r_pr in element.iter(qn(tag)):
            r_pr.set("lang", LANGUAGE_TAGS[lang])
            r_pr.get_or_add_latin().set("typeface", LATIN_TYPEFACE)
            for old in r_pr.findall(qn("a:ea")):
                r_pr.remove(old)
            ea = OxmlElement("a:ea")
            ea.set("typeface", EAST_ASIAN_TYPEFACE)
            # a:ea follows a:latin and precedes these (CT_TextCharacterProperties).
            r_pr.insert_element_before(ea, "a:cs", "a:sym", "a:hlinkClick",
                                       "a:hlinkMouseOver", "a:rtl", "a:extLst")


def _num(value: float | None, digits: int) -> str:
    """A number as the report prints it; "–" when there is none."""
    if value is None or not math.isfinite(value):
        return "–"
    text = f"{value:,.{digits}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text


def _interval(low: float | None, high: float | None, digits: int) -> str:
    return "–" if low is None or high is None else f"[{_num(low, digits)}, {_num(high, digits)}]"


def _data_label(point, text: str, size: float, position=None, colour: RGBColor = TEXT) -> None:
    """A point's data label with its own text (a rich label the chart keeps editable)."""
    label = point.data_label
    frame = label.text_frame
    frame.text = text
    for run in frame.paragraphs[0].runs:
        run.font.size = Pt(size)
        run.font.color.rgb = colour
    if position is not None:
        label.position = position


def _axis_title(axis, text: str, size: float = 12) -> None:
    axis.has_title = True
    frame = axis.axis_title.text_frame
    frame.text = text
    for run in frame.paragraphs[0].runs:
        run.font.size = Pt(size)
        run.font.bold = False
        run.font.color.rgb = MUTED


def _driver_block(context: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The driver section of the model's target (None without one)."""
    target = context["target"]["id"]
    drivers = context.get("drivers") or {}
    return next((d for d in drivers.get("targets") or () if d["id"] == target), None)


# --------------------------------------------------------------------------- slides


def _executive_slide(deck: _Deck, result: StudyResult) -> None:
    """Slide 1: the study and model, key-figure cards (the headline index, the drivers to
    improve first with the potential gain of each, the item with the most to gain, the
    respondents), the report's executive summary and its caveats (or the "no caveat"
    line); a measurement model has the study figures and the caveats only."""
    c, t, lang = deck.c, deck.t, deck.lang
    executive = c["executive"]
    target = c["target"]
    slide = deck.slide(t["executive"], f"{c['title']} · {c['model_name']}",
                       labelled(t["method"], c["method"], lang))
    block = _driver_block(c)

    # (what, value, detail, colour, largest type of the value)
    cards: list[tuple[str, str, str, RGBColor, float]] = []
    if target["id"] is not None and target["value"] is not None:
        detail = (f"{t['ci']} {_interval(target['ci_low'], target['ci_high'], 1)}"
                  if target["ci_low"] is not None else t["of_100"])
        cards.append((f"{target['label']} · {t['index']}", _num(target["value"], 1), detail,
                      NAVY, 40))
    if executive is not None and block is not None:
        first = executive["first"]
        detail = t["card_first_note"] if first else t["card_first_none"]
        # The same rule as the report's (drivers.improve_first), with each driver's gain.
        points = [p for p in result.analysis.ipma
                  if p.target == target["id"] and p.kind == "construct"]
        gains = {p.driver: p.gain for p in points}
        names = {r["id"]: r["label"] for r in c["indices"]}
        chosen = improve_first(points)
        if len(chosen) == 1:
            detail += " · " + t["exec_gain"].format(gain=f"{gains[chosen[0]]:.1f}")
        elif chosen:
            detail = join([paren(names[d], t["exec_gain"].format(gain=f"{gains[d]:.1f}"), lang)
                           for d in chosen], lang)
        cards.append((t["card_first"], join(first, lang) if first else "–", detail,
                      RED if first else TEXT, 28))
        item = executive["item"]
        if item is not None:
            cards.append((t["card_item"], item["label"],
                          t["exec_gain"].format(gain=f"{item['gain']:.1f}"), TEXT, 28))
    cards.append((t["card_customers"], f"{c['summary']['used']:,}", t["card_customers_note"],
                  TEXT, 28))
    if executive is None:
        resamples = c["resamples"]
        cards.append((t["method"], c["headline"]["name"],
                      f"{resamples:,} {t['resamples']}" if resamples else
                      t["no_bootstrap"] if c["headline"]["key"] in ("pls", "plsc") else "Wald", TEXT,
                      28))
    gap = 0.2
    width = (BODY_WIDTH - gap * (len(cards) - 1)) / len(cards)
    for k, (key, value, detail, colour, largest) in enumerate(cards):
        size = _fit([value], width - 0.2, 0.8, largest, 14, gap=0)
        deck.text(slide, MARGIN + k * (width + gap), BODY_TOP, width, 1.55, [
            _Para(key, 12, colour=MUTED),
            _Para(value, size, bold=True, colour=colour, space_before=2),
            _Para(detail, _fit([detail], width - 0.2, 0.5, 11, 9, gap=0), colour=MUTED,
                  space_before=2)], fill=CARD)

    if executive is not None:
        lines = list(executive["lines"])
        caveats = list(executive["caveats"])
    else:
        lines = [c["cfa"]["note"]] if c.get("cfa") else []
        caveats = [a["text"] for a in c["alerts"]] + [s["text"] for s in c["small_samples"]]
    top = BODY_TOP + 1.55 + 0.25
    body = caveats or [t["exec_no_caveat"]]
    caveat_height = min(2.4, max(0.7, _height(body, BODY_WIDTH - 0.3, 13, 3) + 0.35))
    if lines:
        height = BODY_BOTTOM - caveat_height - top - 0.1
        size = _fit(lines, BODY_WIDTH - 0.3, height, 20, 12, gap=8)
        deck.text(slide, MARGIN, top, BODY_WIDTH, height,
                  [_Para(x, size, bullet=True, space_before=0 if i == 0 else 8)
                   for i, x in enumerate(lines)])
    heading = _Para(t["exec_caveats"], 14, bold=True, colour=RED if caveats else NAVY)
    size = _fit(body, BODY_WIDTH - 0.3, caveat_height - 0.35, 14, 9, gap=3)
    deck.text(slide, MARGIN, BODY_BOTTOM - caveat_height, BODY_WIDTH, caveat_height, [
        heading, *[_Para(x, size, bullet=bool(caveats), colour=RED if caveats else GREEN,
                         space_before=3) for x in body]])


def _indices_slide(deck: _Deck) -> None:
    """Slide 2: every construct's 0-100 index as a horizontal bar chart, the scorecard's
    order (each higher-order construct followed by its dimensions), the interval in the
    data labels."""
    c, t = deck.c, deck.t
    rows = [r for r in c["indices"] if r["value"] is not None]
    if not rows:
        return
    footnotes = []
    if any(not r["valid"] for r in rows):
        footnotes.append(deck.ui("invalid_mark").format(text=t["invalid"]))
    if c["index_weights_note"]:
        footnotes.append(c["index_weights_note"])
    subtitle = deck.ui("index_labels").format(ci=c["ci_label"]) if c["index_ci"] else None
    slide = deck.slide(t["scorecard"], subtitle, " ".join(footnotes) or None)
    data = TextCategoryChartData(number_format="0.0")
    data.categories = [r["label"] for r in rows]
    data.add_series(t["index"], [r["value"] for r in rows])
    chart = deck.chart(slide, XL_CHART_TYPE.BAR_CLUSTERED, data, MARGIN, BODY_TOP, BODY_WIDTH,
                       BODY_BOTTOM - BODY_TOP)
    chart.has_legend = False
    plot = chart.plots[0]
    plot.gap_width = 45 if len(rows) >= 8 else 100
    plot.vary_by_categories = False
    categories = chart.category_axis
    # The first construct on top, as in the scorecard; the value axis then crosses at the
    # last category, below the bars (valAx c:crosses, which python-pptx sets only through
    # the other axis).
    categories.reverse_order = True
    categories.tick_labels.font.size = Pt(12 if len(rows) <= 12 else 10)
    categories.format.line.color.rgb = GREY
    values = chart.value_axis
    values._element.find(qn("c:crosses")).set("val", XL_AXIS_CROSSES.MAXIMUM.xml_value)
    values.minimum_scale, values.maximum_scale = 0, 100
    values.major_unit = 20
    values.has_major_gridlines = True
    values.major_gridlines.format.line.color.rgb = RGBColor(0xE0, 0xE0, 0xE0)
    values.tick_labels.font.size = Pt(11)
    values.format.line.fill.background()
    target = c["target"]["id"]
    size = 11 if len(rows) <= 12 else 9
    series = plot.series[0]
    for point, r in zip(series.points, rows, strict=True):
        fill = point.format.fill
        fill.solid()
        fill.fore_color.rgb = (GREY if not r["valid"] else NAVY if r["id"] == target
                               else LIGHT_BLUE if r["level"] == 2 else BLUE)
        text = _num(r["value"], 1)
        if r["ci_low"] is not None and r["ci_high"] is not None:
            text += f"  {_interval(r['ci_low'], r['ci_high'], 1)}"
        if not r["valid"]:
            text += " *"
        _data_label(point, text, size, XL_LABEL_POSITION.OUTSIDE_END)


def _driver_slides(deck: _Deck) -> None:
    """Slide 3: the importance-performance map of the model's target's constructs, the
    improve-first drivers in the subtitle and the priority order beside the map; then the
    map of the dimensions of its higher-order drivers when it has them, the same way."""
    c, t, lang = deck.c, deck.t, deck.lang
    block = _driver_block(c)
    if block is None:
        return
    x_title = t["importance_axis"].format(target=block["label"])
    suffix = t["dimension"]
    for kind in ("construct", "dimension"):
        rows = [r for r in block["rows"] if r["kind"] == kind]
        if not rows:
            continue
        title = block["title"]
        if kind == "dimension":
            names = {r["id"]: r["label"] for r in c["indices"]}
            parents = list(dict.fromkeys(r["parent"] for r in rows if r["parent"]))
            title = labelled(title, t["dimensions_panel"].format(
                parents=join([names.get(x, x) for x in parents], lang)), lang)
            # The title names them dimensions.
            rows = [{**r, "label": r["label"].removesuffix(suffix)} for r in rows]
        slide = deck.slide(title, block["conclusion"], block["rule"])
        width = BODY_WIDTH - 3.4 if block["priorities"] else BODY_WIDTH
        _driver_map(deck, slide, rows, x_title, width)
        if block["priorities"]:
            ranked = [f"{k}. {p}" for k, p in enumerate(block["priorities"], 1)]
            size = _fit(ranked, 3.2, BODY_BOTTOM - BODY_TOP - 0.5, 14, 9, gap=4)
            deck.text(slide, MARGIN + width + 0.2, BODY_TOP, 3.2, BODY_BOTTOM - BODY_TOP, [
                _Para(t["priority_order"].rstrip(": ："), 14, bold=True, colour=NAVY),
                *[_Para(x, size, space_before=4) for x in ranked]])


def _driver_map(deck: _Deck, slide, rows: Sequence[Mapping[str, Any]], x_title: str,
                width: float) -> None:
    """An XY scatter chart of drivers of one kind: one series per quadrant, coloured by it
    (the key under the chart names the colours), each point labelled with its driver, and
    the quadrant lines at the means of these drivers (Ringle & Sarstedt's convention,
    survey.analysis.drivers) as two two-point line series.

    The series go by falling number of points: LibreOffice (7.4) leaves out of a scatter
    chart a series with fewer points than a series after it, and it ignores the colours of
    single points (so a quadrant is a series, not a colour of a point)."""
    importance = [r["importance"] for r in rows]
    performance = [r["performance"] for r in rows]
    x_low = min(0.0, min(importance) * 1.15)
    x_high = max(importance) * 1.15 if max(importance) > 0 else 1.0
    step = 10 ** math.floor(math.log10(max(x_high - x_low, 1e-9)))
    x_low, x_high = math.floor(x_low / step) * step, math.ceil(x_high / step) * step
    y_low = max(0.0, math.floor((min(performance) - 5) / 5) * 5)
    y_high = min(100.0, math.ceil((max(performance) + 5) / 5) * 5)
    # (name, quadrant or None for a line, [(x, y)], [labels])
    series: list[tuple[str, str | None, list[tuple[float, float]], list[str]]] = []
    for q in QUADRANT_ORDER:
        group = [r for r in rows if r["quadrant"] == q]
        if group:
            series.append((tr(QUADRANTS, q, deck.lang), q,
                           [(r["importance"], r["performance"]) for r in group],
                           [r["label"] for r in group]))
    # One driver is its own mean: no quadrants to draw.
    if len(rows) > 1:
        mean_i = sum(importance) / len(rows)
        mean_p = sum(performance) / len(rows)
        series.append((deck.ui("mean_importance"), None, [(mean_i, y_low), (mean_i, y_high)],
                       []))
        series.append((deck.ui("mean_performance"), None,
                       [(x_low, mean_p), (x_high, mean_p)], []))
    series.sort(key=lambda s: -len(s[2]))
    data = TextXyChartData()
    for name, _, points, _ in series:
        out = data.add_series(name)
        for x, y in points:
            out.add_data_point(x, y)
    height = BODY_BOTTOM - BODY_TOP - 0.4
    chart = deck.chart(slide, XL_CHART_TYPE.XY_SCATTER, data, MARGIN, BODY_TOP, width, height)
    chart.has_legend = False
    label_size = 11 if len(rows) <= 10 else 9
    # A label goes left of its point when another point sits just right of it.
    everyone = list(zip(importance, performance, strict=True))
    for drawn, (_, quadrant, points, labels) in zip(chart.plots[0].series, series,
                                                   strict=True):
        if quadrant is None:
            drawn.marker.style = XL_MARKER_STYLE.NONE
            line = drawn.format.line
            line.fill.solid()
            line.fill.fore_color.rgb = GREY
            line.width = Pt(1.25)
            line.dash_style = MSO_LINE_DASH_STYLE.DASH
            continue
        colour = QUADRANT_COLOURS[quadrant]
        drawn.marker.style = XL_MARKER_STYLE.CIRCLE
        drawn.marker.size = 11
        drawn.marker.format.fill.solid()
        drawn.marker.format.fill.fore_color.rgb = colour
        drawn.marker.format.line.color.rgb = colour
        for point, label, xy in zip(drawn.points, labels, points, strict=True):
            crowded = any(0 < x - xy[0] < 0.3 * (x_high - x_low)
                          and abs(y - xy[1]) < 0.06 * (y_high - y_low) for x, y in everyone)
            _data_label(point, label, label_size,
                        XL_LABEL_POSITION.LEFT if crowded else XL_LABEL_POSITION.RIGHT)
    x_axis, y_axis = chart.category_axis, chart.value_axis
    x_axis.minimum_scale, x_axis.maximum_scale = x_low, x_high
    y_axis.minimum_scale, y_axis.maximum_scale = y_low, y_high
    x_axis.major_unit = step if (x_high - x_low) / step >= 4 else step / 2
    x_axis.tick_labels.number_format = "0.00" if x_axis.major_unit < 0.1 else "0.0"
    x_axis.tick_labels.number_format_is_linked = False
    y_axis.major_unit = 5 if y_high - y_low <= 40 else 10
    y_axis.tick_labels.number_format = "0"
    y_axis.tick_labels.number_format_is_linked = False
    for axis in (x_axis, y_axis):
        axis.has_major_gridlines = False
        axis.tick_labels.font.size = Pt(11)
        axis.format.line.color.rgb = GREY
    _axis_title(x_axis, x_title)
    _axis_title(y_axis, deck.t["performance_axis"])
    _key(deck, slide, MARGIN, BODY_TOP + height + 0.05, width,
         [(name, QUADRANT_COLOURS[q]) for name, q, _, _ in
          sorted((s for s in series if s[1] is not None),
                 key=lambda s: QUADRANT_ORDER.index(s[1]))],
         deck.ui("mean_lines") if len(rows) > 1 else "")


def _key(deck: _Deck, slide, x: float, y: float, w: float,
         entries: Sequence[tuple[str, RGBColor]], lines: str = "") -> None:
    """One centred line of coloured dots and their names, the key of a chart's colours, and
    what its dashed ``lines`` are."""
    shape = deck.text(slide, x, y, w, 0.35, [])
    p = shape.text_frame.paragraphs[0]
    p.alignment = PP_ALIGN.CENTER
    for k, (name, colour) in enumerate(entries):
        dot = p.add_run()
        dot.text = ("    " if k else "") + "● "
        dot.font.size = Pt(14)
        dot.font.color.rgb = colour
        run = p.add_run()
        run.text = name
        run.font.size = Pt(12)
        run.font.color.rgb = TEXT
    if lines:
        run = p.add_run()
        run.text = f"    - - {lines}"
        run.font.size = Pt(12)
        run.font.color.rgb = MUTED


def _items_slide(deck: _Deck) -> None:
    """Slide 4: the items to improve first of the model's target, in the priority order."""
    t = deck.t
    block = _driver_block(deck.c)
    if block is None or not block["top_items"]:
        return
    slide = deck.slide(block["items_title"], block["conclusion"], block["gain_note"])
    rows = []
    for k, r in enumerate(block["top_items"], 1):
        colour = QUADRANT_COLOURS.get(r["quadrant"])
        rows.append([str(k), r["label"], r["latent"], _num(r["performance"], 1),
                     _num(r["importance"], 3), _Cell(_num(r["gain"], 2), bold=True),
                     _Cell(r["quadrant_name"], colour)])
    deck.table(slide, MARGIN, BODY_TOP, [0.5, 3.5, 2.6, 1.25, 1.25, 1.3, 1.93],
               ["#", t["item"], t["construct"], t["performance"], t["importance"],
                t["potential_gain"], t["quadrant"]], rows, BODY_BOTTOM - BODY_TOP,
               align="rllrrrl")


def _structural_slide(deck: _Deck) -> None:
    """Slide 5: the path coefficients with their intervals and significance, and the R² of
    the endogenous constructs; a measurement model's latent correlations instead."""
    c, t = deck.c, deck.t
    paths = c["paths"]
    if not paths:
        if c.get("cfa"):
            _correlations_slide(deck)
        return
    columns = c["path_columns"]
    ci = c["path_ci_label"] if columns["ci"] else ""
    slide = deck.slide(t["paths"], labelled(t["path_coefficients"], ci, deck.lang) if ci
                       else t["path_coefficients"], c["path_note"])
    header = [t["beta"]]
    widths = [1.45]
    align = "llr"
    if columns["unstd"]:
        header.append(t["unstd"])
        widths.append(1.45)
        align += "r"
    if columns["ci"]:
        header.append(t["ci"])
        widths.append(1.55)
        align += "r"
    header.append(deck.ui("significant"))
    widths.append(1.3)
    align += "l"
    # The R² table takes R2_WIDTH on the right; the names share what the numbers leave.
    names = (BODY_WIDTH - (R2_WIDTH + 0.3 if c["r2"] else 0) - sum(widths)) / 2
    header = [t["from"], t["to"], *header]
    widths = [names, names, *widths]
    rows = []
    for p in paths:
        row = [p["from"], p["to"], _num(p["std"]["v"], 3)]
        if columns["unstd"]:
            row.append(_num(p["estimate"], 3))
        if columns["ci"]:
            row.append(_interval(p["ci_low"], p["ci_high"], 3))
        row.append(_Cell(deck.ui("yes"), GREEN, True) if p["significant"] else
                   _Cell(deck.ui("no"), RED) if p["ns"] else "–")
        rows.append(row)
    height = BODY_BOTTOM - BODY_TOP
    deck.table(slide, MARGIN, BODY_TOP, widths, header, rows, height, align)
    if c["r2"]:
        deck.table(slide, WIDTH - MARGIN - R2_WIDTH, BODY_TOP, [R2_WIDTH - 1.0, 1.0],
                   [t["construct"], t["r2_short"]],
                   [[r["latent"], _num(r["value"], 3)] for r in c["r2"]], height, "lr")


def _correlations_slide(deck: _Deck) -> None:
    """A measurement model's latent correlations, as the report's lower triangle."""
    t, cfa = deck.t, deck.c["cfa"]
    slide = deck.slide(t["latent_correlations"], cfa["note"])
    k = len(cfa["constructs"])
    first = min(2.6, BODY_WIDTH / 3)
    widths = [first] + [min(1.4, (BODY_WIDTH - first) / k)] * k
    rows = [[r["label"], *[_Cell(_num(cell["v"], 3), MUTED if cell["level"] == "diag" else None)
                           for cell in r["cells"]], *[""] * (k - len(r["cells"]))]
            for r in cfa["rows"]]
    deck.table(slide, MARGIN, BODY_TOP, widths, ["", *cfa["constructs"]], rows,
               BODY_BOTTOM - BODY_TOP, "l" + "r" * k)


def _segment_slides(deck: _Deck) -> None:
    """Slide 6: the target index by level, one clustered column chart per segment column
    (all respondents first; a level too small to estimate has no bar)."""
    c, t, lang = deck.c, deck.t, deck.lang
    segments = c.get("segments")
    if not segments or not segments["columns"]:
        return
    target = segments["latents"][0]["label"]
    for block in segments["columns"]:
        tests = block["tests"] or {}
        subtitle = tests.get("micom_warning") or segments["intro"]
        footnote = " ".join(x for x in (block["unassigned"], segments["tests_note"]) if x)
        slide = deck.slide(labelled(t["segments"], block["title"], lang), subtitle,
                           footnote or None)
        levels = [{"label": t["all_respondents"], "n": block["all"]["n"],
                   "target": block["all"]["target"], "ci_low": block["all"]["ci_low"],
                   "ci_high": block["all"]["ci_high"], "estimated": True}, *block["rows"]]
        data = TextCategoryChartData(number_format="0.0")
        n_text = deck.ui("respondents_n")
        data.categories = [x["label"] + "\n" + n_text.format(n=f"{x['n']:,}") for x in levels]
        data.add_series(t["index_of"].format(name=target), [x["target"] for x in levels])
        chart = deck.chart(slide, XL_CHART_TYPE.COLUMN_CLUSTERED, data, MARGIN, BODY_TOP,
                           BODY_WIDTH, BODY_BOTTOM - BODY_TOP)
        chart.has_legend = True
        chart.legend.position = XL_LEGEND_POSITION.TOP
        chart.legend.include_in_layout = False
        plot = chart.plots[0]
        plot.gap_width = 80
        plot.vary_by_categories = False
        values = chart.value_axis
        values.minimum_scale, values.maximum_scale = 0, 100
        values.major_unit = 20
        values.major_gridlines.format.line.color.rgb = RGBColor(0xE0, 0xE0, 0xE0)
        values.format.line.fill.background()
        chart.category_axis.tick_labels.font.size = Pt(12 if len(levels) <= 8 else 10)
        for k, (point, x) in enumerate(zip(plot.series[0].points, levels, strict=True)):
            fill = point.format.fill
            fill.solid()
            fill.fore_color.rgb = NAVY if k == 0 else BLUE
            if x["target"] is None:
                text = deck.ui("not_estimated")
            else:
                text = _num(x["target"], 1)
                if x["ci_low"] is not None and x["ci_high"] is not None:
                    text += "\n" + _interval(x["ci_low"], x["ci_high"], 1)
            _data_label(point, text, 11, XL_LABEL_POSITION.OUTSIDE_END
                        if x["target"] is not None else XL_LABEL_POSITION.INSIDE_BASE)


def _measurement_slide(deck: _Deck, result: StudyResult) -> None:
    """Slide 7: reliability and convergent validity of each construct with the verdicts of
    survey.assess, and the report's checklist of every criterion."""
    c, t, lang = deck.c, deck.t, deck.lang
    m = c["measurement"]
    rows = m["reliability"]
    if not rows:
        return
    measures = [k for k in ("alpha", "rho_a", "rho_c", "omega", "ave")
                if any(r[k]["v"] is not None for r in rows)]
    # 'ok', 'low' or 'above_one'; not a string (None, NaN) where nothing was assessable.
    verdicts = {r["construct"]: r["verdict"] for r in
                assess(result.estimate, result.bound).reliability.to_dict("records")
                if isinstance(r["verdict"], str)}
    shown = {r[k]["na"] for r in rows for k in measures if r[k]["v"] is None}
    notes = " ".join(f"{f['mark']}: {f['text']}" for f in m["footnotes"] if f["mark"] in shown)
    slide = deck.slide(t["measurement"], m["intro"], notes or None)
    names = {"alpha": t["alpha"], "rho_a": "ρA", "rho_c": "ρC", "omega": "ω", "ave": "AVE"}
    table_rows = []
    for r in rows:
        row: list[Any] = [r["label"]]
        for k in measures:
            cell = r[k]
            if cell["v"] is None:
                row.append(_Cell("–", sup=cell["na"] or ""))
            else:
                row.append(_Cell(_num(cell["v"], 3), LEVEL_COLOURS.get(cell["level"]),
                                 bool(cell["flag"])))
        verdict = verdicts.get(r["id"])
        flagged = [r[k]["note"] for k in measures if r[k]["flag"]]
        if verdict is None:
            row.append("–")
        elif verdict == "ok":
            row.append(_Cell(deck.ui("meets"), GREEN))
        else:
            row.append(_Cell(join(flagged, lang) or verdict, RED))
        table_rows.append(row)
    left = 7.7
    widths = [2.1] + [1.3 if k == "alpha" else 0.85 for k in measures]
    widths.append(left - sum(widths))
    deck.table(slide, MARGIN, BODY_TOP, widths, [t["construct"], *(names[k] for k in measures),
                                                 t["verdict"]], table_rows,
               BODY_BOTTOM - BODY_TOP, "l" + "r" * len(measures) + "l")
    checklist = m["checklist"]
    if checklist:
        x = MARGIN + left + 0.3
        width = WIDTH - MARGIN - x
        lines = [labelled(x_["criterion"], x_["text"], lang) for x_ in checklist]
        size = _fit(lines, width - 0.3, BODY_BOTTOM - BODY_TOP - 0.5, 13, 9, gap=4)
        deck.text(slide, x, BODY_TOP, width, BODY_BOTTOM - BODY_TOP, [
            _Para(t["checklist"], 14, bold=True, colour=NAVY),
            *[_Para(line, size, bullet=True, space_before=4,
                    colour=LEVEL_COLOURS.get(x_["level"], TEXT))
              for line, x_ in zip(lines, checklist, strict=True)]])


def _methods_slide(deck: _Deck) -> None:
    """The last slide: what was estimated how, on whom, and every warning the estimates
    carry (an inadmissible solution first)."""
    c, t, lang = deck.c, deck.t, deck.lang
    s = c["summary"]
    slide = deck.slide(deck.ui("methods_caveats"))
    facts = [(t["model"], c["model_name"]), (t["method"], c["method"]),
             (t["rows"], paren(f"{s['rows']:,}", f"{s['source']}, {s['encoding']}", lang)),
             (t["accepted"], f"{s['accepted']:,}"),
             (t["rejected"], f"{s['rejected']:,}"), (t["screened"], f"{s['screened']:,}"),
             (t["used"], f"{s['used']:,}"), (t["missing_how"], s["missing"]),
             (t["inference"], s["inference"])]
    left = 6.4
    deck.table(slide, MARGIN, BODY_TOP, [2.2, left - 2.2], [t["summary"], ""],
               [[_Cell(k, MUTED, True), v] for k, v in facts], BODY_BOTTOM - BODY_TOP)

    lines: list[tuple[str, RGBColor, bool]] = []
    lines += [(labelled(a["name"], a["text"], lang), RED, True) for a in c["alerts"]]
    lines += [(labelled(x["name"], x["text"], lang), RED, False) for x in c["small_samples"]]
    for block in c["fit"]:
        fit = [paren(f"{r['name']} {_num(r['value'], 3)}", t[r["verdict"]], lang)
               for r in block["rows"] or () if r["verdict"]]
        status = join([block["status"], *fit], lang)
        lines.append((labelled(block["name"], status, lang), TEXT, True))
        lines += [(w, TEXT, False) for w in block["warnings"]]
    if not any(block["warnings"] for block in c["fit"]) and not c["alerts"]:
        lines.append((deck.ui("no_warnings"), GREEN, False))
    capped_bullets(deck, slide, left, t["warnings"], lines, deck.ui("more_lines"))


def capped_bullets(deck: _Deck, slide, left: float, heading: str,
                   lines: Sequence[tuple[str, Any, bool]], more: str) -> None:
    """A heading and (text, colour, bold) bullet lines in the column right of ``left``: as
    many as fit at a size between 13 and 9 pt, the rest counted in a last line (``more``,
    with ``{n}``)."""
    x = MARGIN + left + 0.3
    width = WIDTH - MARGIN - x
    height = BODY_BOTTOM - BODY_TOP - 0.45
    texts = [line for line, _, _ in lines]
    size = _fit(texts, width - 0.3, height, 13, 9, gap=3)
    shown = len(lines)
    while shown > 1 and _height(texts[:shown] + ["…"], width - 0.3, size, 3) > height:
        shown -= 1
    paras = [_Para(heading, 14, bold=True, colour=NAVY)]
    paras += [_Para(text, size, bold=bold, colour=colour, bullet=True, space_before=3)
              for text, colour, bold in lines[:shown]]
    if shown < len(lines):
        paras.append(_Para(more.format(n=len(lines) - shown), size, colour=MUTED,
                           space_before=3))
    deck.text(slide, x, BODY_TOP, width, BODY_BOTTOM - BODY_TOP, paras)

