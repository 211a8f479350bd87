"""The PPTX deliverable of a tracking run: an editable deck for a client's management meeting,
with native charts (python-pptx chart objects whose data stays editable in PowerPoint).

The deck is another rendering of the tracking report's context (:func:`survey.report.tracking.
build_tracking_context`): the same numbers, the same verdicts of each Change (never re-decided
here), the same words (:mod:`survey.report.texts`); only the slide titles the report has no
words for are in :data:`TRACKING_DECK_UI`. It is laid out with the study deck's helpers
(:mod:`survey.report.deck`: 16:9, the grid, tables, the East-Asian typeface on every run and
chart text), so both decks look alike. Slides:

1. the executive summary: per group the latest index of the model's target with its interval,
   its change since the wave before, what rose and fell, what to improve first, whether last
   wave's priorities improved; the caveats (or the no-caveat line);
2. the target's index by wave, a native line chart with one series per group;
3. every construct's index by wave and group (tables, as many slides as the rows need);
4. the driver map of the target in each group's latest wave (the one priority rule);
5. per wave step the index changes (before, after, change, interval, p, significance and
   comparability as the Change says), and the path changes a reader must see;
6. the improvement check: did last wave's improve-first drivers improve?
7. with ``--exclude-flagged``, the respondents excluded for response quality: the target index
   with and without the exclusion per cell (a native bar chart), then per cell the counts each
   rule flagged and excluded, the interval's half-width and whether the exclusion moved the
   index by more than it;
8. the run, failed cells and warnings; the method notes.

A slide whose content is absent (a run of one wave has no steps; a measurement model has no
target, so no headline chart nor driver map; a run without IPMA has no improvement check) is
left out.

python-pptx writes a chart's embedded workbook with xlsxwriter's defaults, which store a
series name or category starting with "=" as a live formula. Brand and wave names are user
data, so the deck's category charts write it with
:data:`survey.report.workbook.WORKBOOK_OPTIONS` (text stays text).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.util import Pt

from survey.analysis.drivers import IpmaPoint, improve_first
from survey.report.deck import (
    AMBER,
    BODY_BOTTOM,
    BODY_TOP,
    BODY_WIDTH,
    CARD,
    GREEN,
    GREY,
    MARGIN,
    MUTED,
    NAVY,
    RED,
    TEXT,
    TextCategoryChartData,
    _axis_title,
    _Cell,
    _Deck,
    _driver_map,
    _fit,
    _height,
    _interval,
    _num,
    _Para,
    capped_bullets,
)
from survey.report.render import format_p, report_language
from survey.report.texts import ANALYSIS_UI, join, labelled, tr
from survey.report.tracking import _Words, build_tracking_context
from survey.report.tracking_workbook import caveats
from survey.tracking import TrackingRun

#: The deck's own words: slide titles and labels the tracking report's catalogue lacks.
TRACKING_DECK_UI: dict[str, dict[str, str]] = {
    "continued": {"zh": "{title}（续）", "en": "{title} (continued)"},
    "trend_title": {"zh": "{target}指数趋势", "en": "{target} index by wave"},
    "trend_subtitle": {"zh": "0-100 指数，按{by}分列；空缺：该轮未估计",
                       "en": "0-100 index by {by}; a gap: not estimated in that wave"},
    "indices_by_wave": {"zh": "各轮指数 [{ci}]", "en": "Indices by wave [{ci}]"},
    "latest_drivers": {"zh": "{target}的驱动因素：{group}，{wave}",
                       "en": "Drivers of {target}: {group}, {wave}"},
    "moved_paths": {"zh": "路径系数变化：{step}", "en": "Path changes: {step}"},
    "run_caveats": {"zh": "运行情况与注意事项", "en": "The run and its caveats"},
    "invalid_mark": {"zh": "* {text}", "en": "* {text}"},
    "more_lines": {"zh": "另有 {n} 条，见完整报告。", "en": "{n} more in the full report."},
    "warnings_n": {"zh": "{cell}：{n} 条提示", "en": "{cell}: {n} warning(s)"},
}

#: The colour of a line of the executive summary or of a step's summary, by its level.
LEVEL_COLOURS = {"rise": GREEN, "fall": RED, "bad": RED, "warn": AMBER, "ok": GREEN}
#: Cards in one row on slide 1; with more groups the summary lines carry the figures alone.
MAX_CARDS = 4
#: Groups side by side in a measurement model's headline table on slide 1.
MAX_GROUPS = 5
#: Table rows per slide of the indices by wave (more continue on the next slide).
ROWS_PER_SLIDE = 13
#: Groups of the executive summary side by side on a slide (more continue on the next).
COLUMNS = 2


def write_tracking_deck(run: TrackingRun, path: str | Path, lang: str | None = None,
                        context: Mapping[str, Any] | None = None) -> Path:
    """Write the PowerPoint deck of a tracking run and return its path.

    Parameters
    ----------
    run : TrackingRun
        The finished run (:func:`survey.tracking.run_study` wrapped with its model and
        manifest, or loaded with :func:`survey.saved.load_result`).
    path : str or Path
        The ``.pptx`` file to write; its folder is created.
    lang : {'zh', 'en'}, optional
        The deck's language (default: the questionnaire's first).
    context : mapping, optional
        ``build_tracking_context(run.tracking, run.bound, lang, manifest=run.manifest)``
        when the caller has it already (the HTML's).

    Returns
    -------
    Path
        ``path``.
    """
    lang = report_language(run.bound.questionnaire, lang)
    if context is None:
        context = build_tracking_context(run.tracking, run.bound, lang, manifest=run.manifest)
    deck = _Deck(context, lang)
    # The study deck's driver map reads the analyses' words (its axes), which the tracking
    # context does not carry; the context's own words win.
    deck.t = {**{k: tr(ANALYSIS_UI, k, lang) for k in ANALYSIS_UI}, **context["t"]}
    _executive_slides(deck, run)
    _trend_slide(deck, run)
    _indices_slides(deck)
    _driver_slides(deck, run)
    _step_slides(deck)
    _improvement_slides(deck, any(x.ipma for x in run.tracking.cells))
    _quality_slides(deck)
    _run_slide(deck)
    _notes_slide(deck)
    return deck.save(path)


# --------------------------------------------------------------------------- helpers


def _ui(deck: _Deck, key: str) -> str:
    return tr(TRACKING_DECK_UI, key, deck.lang)


def _bullets(lines: Sequence[tuple[str, Any]], size: float, gap: float = 6) -> list[_Para]:
    """(text, colour) pairs as bullet paragraphs."""
    return [_Para(text, size, bullet=True, colour=colour, space_before=0 if k == 0 else gap)
            for k, (text, colour) in enumerate(lines)]


# --------------------------------------------------------------------------- slide 1


def _executive_slides(deck: _Deck, run: TrackingRun) -> None:
    """Slide 1: the run, one card per group (the target's latest index, its interval and its
    change), the executive summary group by group (two side by side; more groups continue
    on the next slides) and the caveats. A measurement model (no
    target, no executive summary) has the run's caveats only
    (:func:`survey.report.tracking_workbook.caveats`)."""
    c, t, lang = deck.c, deck.t, deck.lang
    executive = c["executive"]
    subtitle = f"{c['title']} · {c['model_name']} · {' → '.join(c['waves'])}"
    footnote = labelled(t["method"], c["method"], lang)
    blocks = [(b["group"], [(x["text"], LEVEL_COLOURS.get(x["level"], TEXT))
                            for x in b["lines"]]) for b in executive["groups"]
              ] if executive is not None else []
    said, no_caveat = caveats(run, c)
    slide = deck.slide(t["executive"], subtitle, footnote)

    cards = c["cards"] if len(c["cards"]) <= MAX_CARDS else []
    top = BODY_TOP
    if cards:
        gap = 0.2
        width = (BODY_WIDTH - gap * (len(cards) - 1)) / len(cards)
        for k, card in enumerate(cards):
            value = _num(card["value"], 1)
            detail = (f"{t['ci']} {_interval(card['ci_low'], card['ci_high'], 1)}"
                      if card["ci_low"] is not None else t["of_100"])
            if card["change_text"]:
                detail += f" · {card['arrow']} {card['change_text']}".replace("  ", " ")
            colour = {"rise": GREEN, "fall": RED}.get(card["direction"], NAVY)
            deck.text(slide, MARGIN + k * (width + gap), top, width, 1.4, [
                _Para(f"{card['group']} · {card['label']}", 12, colour=MUTED),
                _Para(value, 34, bold=True, colour=colour, space_before=2),
                _Para(detail, _fit([detail], width - 0.2, 0.45, 11, 8, gap=0), colour=MUTED,
                      space_before=2)], fill=CARD)
        top += 1.4 + 0.2

    body = said or [no_caveat]
    caveat_height = min(2.0, max(0.7, _height(body, BODY_WIDTH - 0.3, 12, 3) + 0.35))
    height = BODY_BOTTOM - caveat_height - top - 0.1
    pages = [blocks[k:k + COLUMNS] for k in range(0, len(blocks), COLUMNS)]
    if pages:
        _summary_box(deck, slide, pages[0], top, height)
    elif executive is None:
        _latest_table(deck, slide, top, height)
    heading = _Para(t["exec_caveats"], 14, bold=True, colour=RED if said else NAVY)
    size = _fit(body, BODY_WIDTH - 0.3, caveat_height - 0.35, 13, 9, gap=3)
    deck.text(slide, MARGIN, BODY_BOTTOM - caveat_height, BODY_WIDTH, caveat_height, [
        heading, *[_Para(x, size, bullet=bool(said), colour=RED if said else GREEN,
                         space_before=3) for x in body]])
    for page in pages[1:]:
        more = deck.slide(_ui(deck, "continued").format(title=t["executive"]), subtitle)
        _summary_box(deck, more, page, BODY_TOP, BODY_BOTTOM - BODY_TOP)


def _latest_table(deck: _Deck, slide, top: float, height: float) -> None:
    """A measurement model's headline: each construct's index and interval in each group's
    latest estimated wave (at most :data:`MAX_GROUPS` groups; the next slides have them all)."""
    c = deck.c
    trends = c["trends"]
    groups = [r for r in trends["n_rows"] if any(x["status"] == "ok" for x in r["cells"])]
    if not groups or len(groups) > MAX_GROUPS:
        return
    waves = list(c["waves"])
    latest = {r["group"]: max(k for k, x in enumerate(r["cells"]) if x["status"] == "ok")
              for r in groups}
    header = [deck.t["construct"], *[f"{r['group']} ({waves[latest[r['group']]]})"
                                     for r in groups]]
    rows = []
    for block in trends["constructs"]:
        cells = {r["group"]: r["cells"][latest[r["group"]]] for r in block["rows"]
                 if r["group"] in latest}
        row: list[Any] = [_Cell(block["label"], bold=True)]
        for r in groups:
            x = cells.get(r["group"])
            text = "–" if x is None or x["value"] is None else _num(x["value"], 1)
            if x is not None and x["ci_low"] is not None and x["ci_high"] is not None:
                text += f" {_interval(x['ci_low'], x['ci_high'], 1)}"
            row.append(text)
        rows.append(row)
    first = 3.0
    widths = [first] + [min(2.6, (BODY_WIDTH - first) / len(groups))] * len(groups)
    deck.table(slide, MARGIN, top, widths, header, rows, height, "l" + "r" * len(groups))


def _paragraphs(blocks: Sequence[tuple[str, Sequence[tuple[str, Any]]]], size: float
                ) -> list[_Para]:
    paras: list[_Para] = []
    for group, lines in blocks:
        paras.append(_Para(group, size + 1, bold=True, colour=NAVY,
                           space_before=0 if not paras else 10))
        paras += [_Para(text, size, bullet=True, colour=colour, space_before=3)
                  for text, colour in lines]
    return paras


def _texts(blocks: Sequence[tuple[str, Sequence[tuple[str, Any]]]]) -> list[str]:
    return [x for group, lines in blocks for x in (group, *(text for text, _ in lines))]


def _summary_box(deck: _Deck, slide, blocks, top: float, height: float) -> None:
    """Up to :data:`COLUMNS` groups' summaries side by side, in one type size."""
    gap = 0.3
    width = (BODY_WIDTH - gap * (len(blocks) - 1)) / len(blocks)
    size = min(_fit(_texts([b]), width - 0.3, height, 18, 9, gap=4) for b in blocks)
    for k, block in enumerate(blocks):
        deck.text(slide, MARGIN + k * (width + gap), top, width, height,
                  _paragraphs([block], size))


# --------------------------------------------------------------------------- trends


def _trend_slide(deck: _Deck, run: TrackingRun) -> None:
    """The model's target's index by wave: a native line chart, one series per group with an
    estimated cell (a wave without an estimate is a gap), the index in the data labels."""
    c, t = deck.c, deck.t
    target = run.bound.model.target
    block = next((x for x in c["trends"]["constructs"] if x["id"] == target), None)
    if block is None:
        return
    rows = [r for r in block["rows"] if any(x["value"] is not None for x in r["cells"])]
    if not rows:
        return
    title = _ui(deck, "trend_title").format(target=block["label"])
    subtitle = _ui(deck, "trend_subtitle").format(by=c["by_label"])
    slide = deck.slide(title, subtitle)
    data = TextCategoryChartData(number_format="0.0")
    data.categories = list(c["waves"])
    for r in rows:
        data.add_series(r["group"], [x["value"] for x in r["cells"]])
    chart = deck.chart(slide, XL_CHART_TYPE.LINE_MARKERS, data, MARGIN, BODY_TOP, BODY_WIDTH,
                       BODY_BOTTOM - BODY_TOP)
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.TOP
    chart.legend.include_in_layout = False
    chart.legend.font.size = Pt(12)
    values = [x["value"] for r in rows for x in r["cells"] if x["value"] is not None]
    axis = chart.value_axis
    # The lines' range with room for the labels, on a 5-point grid within 0-100.
    low, high = min(values), max(values)
    axis.minimum_scale = max(0.0, 5 * ((low - 5) // 5))
    axis.maximum_scale = min(100.0, 5 * ((high + 5) // 5 + 1))
    axis.has_major_gridlines = True
    axis.major_gridlines.format.line.color.rgb = GREY
    axis.major_unit = 5
    axis.tick_labels.number_format = "0"
    axis.tick_labels.number_format_is_linked = False
    axis.tick_labels.font.size = Pt(11)
    _axis_title(axis, t["index"])
    chart.category_axis.tick_labels.font.size = Pt(12)
    plot = chart.plots[0]
    plot.has_data_labels = True
    labels = plot.data_labels
    labels.number_format = "0.0"
    labels.number_format_is_linked = False
    labels.font.size = Pt(11)
    for series in plot.series:
        series.smooth = False
        series.marker.style = XL_MARKER_STYLE.CIRCLE
        series.marker.size = 8


def _indices_slides(deck: _Deck) -> None:
    """Every construct's index in every wave, group by group (the respondents first), as the
    report's trend table: the index and its interval, invalid ones marked. A construct's rows
    stay on one slide (a construct with more groups than a slide holds is split, its name
    repeated)."""
    c, t = deck.c, deck.t
    trends = c["trends"]
    waves = list(c["waves"])
    status = {"failed": t["cell_failed"], "missing": t["cell_missing"]}
    # (the first column's cell, the rows' other cells)
    blocks: list[tuple[_Cell, list[list[Any]]]] = []
    blocks.append((_Cell(t["n_respondents"], MUTED, True), [
        [r["group"], *[_Cell(f"{x['n']:,}") if x["status"] == "ok"
                       else _Cell(status[x["status"]], RED if x["status"] == "failed" else MUTED)
                       for x in r["cells"]]] for r in trends["n_rows"]]))
    invalid = False
    for block in trends["constructs"]:
        rows = []
        for r in block["rows"]:
            cells = []
            for x in r["cells"]:
                if x["value"] is None:
                    cells.append(_Cell(status.get(x["status"], "–"),
                                       RED if x["status"] == "failed" else MUTED))
                    continue
                text = _num(x["value"], 1)
                if x["ci_low"] is not None and x["ci_high"] is not None:
                    text += f" {_interval(x['ci_low'], x['ci_high'], 1)}"
                cells.append(_Cell(text, GREY if not x["valid"] else None,
                                   sup="" if x["valid"] else "*"))
                invalid |= not x["valid"]
            rows.append([r["group"], *cells])
        if rows:
            blocks.append((_Cell(block["label"], bold=True), rows))
    if len(blocks) < 2:
        return
    pages: list[list[list[Any]]] = [[]]
    for name, rows in blocks:
        for k in range(0, len(rows), ROWS_PER_SLIDE):
            chunk = [[name if j == 0 else "", *row]
                     for j, row in enumerate(rows[k:k + ROWS_PER_SLIDE])]
            if pages[-1] and len(pages[-1]) + len(chunk) > ROWS_PER_SLIDE:
                pages.append([])
            pages[-1] += chunk
    title = (_ui(deck, "indices_by_wave").format(ci=trends["ci_label"]) if trends["ci_label"]
             else t["trend_table"].split(" [")[0])
    footnote = _ui(deck, "invalid_mark").format(text=t["invalid"]) if invalid else None
    first, group = 3.0, 2.8
    widths = [first, group] + [min(2.0, (BODY_WIDTH - first - group) / len(waves))] * len(waves)
    header = [t["construct"], c["by_label"], *waves]
    for k, rows in enumerate(pages):
        slide = deck.slide(title if k == 0 else _ui(deck, "continued").format(title=title),
                           None, footnote)
        deck.table(slide, MARGIN, BODY_TOP, widths, header, rows, BODY_BOTTOM - BODY_TOP,
                   "ll" + "r" * len(waves), largest=12)


# --------------------------------------------------------------------------- drivers


def _driver_slides(deck: _Deck, run: TrackingRun) -> None:
    """The importance-performance map of the model's target in each group's latest estimated
    wave (the study deck's map and its key), the drivers to improve first by the one priority
    rule in the subtitle."""
    t, lang = deck.t, deck.lang
    target = run.bound.model.target
    if target is None:
        return
    words = _Words(run.tracking, run.bound, lang, t)
    waves = list(run.tracking.waves)
    by = run.tracking.by
    latest: dict[tuple, Any] = {}
    for cell in run.tracking.cells:
        g = tuple(cell.key.get(k) for k in by)
        if g not in latest or (waves.index(cell.key["wave"])
                               > waves.index(latest[g].key["wave"])):
            latest[g] = cell
    label = words.latent(target)
    for g in sorted(latest, key=lambda g: [str(x) for x in g]):
        cell = latest[g]
        points = [IpmaPoint.from_json(r) for r in cell.ipma
                  if r.get("target") == target and r.get("kind") == "construct"]
        if not points:
            continue
        rows = [{"label": words.latent(p.driver), "importance": p.importance,
                 "performance": p.performance, "quadrant": p.quadrant} for p in points]
        first = improve_first(points, run.bound)
        wave = cell.key["wave"]
        subtitle = (t["texec_act"].format(wave=wave, names=join(
            [words.latent(x) for x in first], lang)) if first else t["exec_act_none"])
        slide = deck.slide(_ui(deck, "latest_drivers").format(
            target=label, group=words.group_title(cell.key), wave=wave), subtitle)
        _driver_map(deck, slide, rows, t["importance_axis"].format(
            target=label), BODY_WIDTH)


# --------------------------------------------------------------------------- wave steps


def _change_cells(deck: _Deck, r: Mapping[str, Any], alpha: float) -> list[Any]:
    """A change row's cells: before, after, change (coloured by its direction), interval, p,
    significance and comparability, all as the Change says."""
    t = deck.t
    digits = r["digits"]
    colour = {"rise": GREEN, "fall": RED}.get(r["direction"])
    significance = r["significance"]
    return [
        _num(r["before"], digits), _num(r["after"], digits),
        _Cell(f"{r['arrow']} {r['change_text']}".strip(), colour, True),
        _interval(r["ci_low"], r["ci_high"], digits),
        _Cell(format_p(r["p"], alpha), None if significance == "significant" else MUTED),
        _Cell(r["significance_text"], GREEN if significance == "significant" else
              AMBER if significance == "inconclusive" else MUTED),
        _Cell(t["not_comparable_short"], RED, True) if r["comparable"] is False else
        _Cell("✓", GREEN) if r["comparable"] else _Cell("–", MUTED),
    ]


def _step_slides(deck: _Deck) -> None:
    """Per wave step: the index changes, biggest movers first, the step's summary above and
    its measurement invariance below; then the path changes that moved, when any did."""
    c, t, lang = deck.c, deck.t, deck.lang
    alpha = c["alpha"]
    for s in c["steps"]:
        micom = s["micom"]
        notes = [labelled(t["micom_label"].rstrip(": ："), micom["verdict_text"], lang)]
        if micom["warning"]:
            notes.append(micom["warning"]["title"])
        if micom["note"]:
            notes.append(micom["note"])
        if any(r["invalid"] for r in s["indices"]):
            notes.append(_ui(deck, "invalid_mark").format(text=t["invalid"]))
        subtitle = " ".join(x["text"] for x in s["summary"])
        header = [t["construct"], s["wave_from"], s["wave_to"], t["change"], t["change_ci"],
                  t["p"], t["significant"], t["comparable_col"]]
        widths = [3.0, 1.05, 1.05, 1.25, 1.75, 1.0, 1.45, BODY_WIDTH - 10.55]
        if s["indices"]:
            slide = deck.slide(labelled(t["index_changes"], s["title"], lang), subtitle,
                               " · ".join(notes))
            rows = [[_Cell(r["label"], MUTED if r["comparable"] is False else None,
                           sup="*" if r["invalid"] else ""), *_change_cells(deck, r, alpha)]
                    for r in s["indices"]]
            deck.table(slide, MARGIN, BODY_TOP, widths, header, rows, BODY_BOTTOM - BODY_TOP,
                       "lrrrrrll")
        if s["moved_paths"]:
            slide = deck.slide(_ui(deck, "moved_paths").format(step=s["title"]),
                               t["moved_paths_only"])
            rows = [[_Cell(r["label"], MUTED if r["comparable"] is False else None),
                     *_change_cells(deck, r, alpha)] for r in s["moved_paths"]]
            deck.table(slide, MARGIN, BODY_TOP, widths, [t["path_col"], *header[1:]], rows,
                       BODY_BOTTOM - BODY_TOP, "lrrrrrll")


def _improvement_slides(deck: _Deck, has_ipma: bool) -> None:
    """Did the improvement work? One slide per step whose earlier wave flagged drivers to
    improve first (the conclusion, then each driver's importance, performance before and
    after, change and verdict); the steps that had none share one slide of their lines (none
    without an IPMA: a CB-SEM run has nothing to check)."""
    c, t = deck.c, deck.t
    blocks = c["improvement"]["blocks"]
    if not blocks:
        return
    alpha = c["alpha"]
    quiet = []
    for b in blocks:
        if not b["rows"]:
            quiet += b["conclusion"]
            continue
        slide = deck.slide(t["improvement"], b["title"], c["improvement"]["intro"])
        colour = {"bad": RED, "ok": GREEN, "warn": AMBER}.get(b["level"], TEXT)
        lines = [(x, colour if k == 0 else TEXT) for k, x in enumerate(b["conclusion"])]
        size = _fit([x for x, _ in lines], BODY_WIDTH - 0.3, 1.3, 16, 10, gap=3)
        box = min(1.5, _height([x for x, _ in lines], BODY_WIDTH - 0.3, size, 3) + 0.1)
        deck.text(slide, MARGIN, BODY_TOP, BODY_WIDTH, box,
                  [_Para(x, size, bold=k == 0, colour=col, space_before=3)
                   for k, (x, col) in enumerate(lines)])
        header = [t["driver_col"], t["importance_in"].format(wave=b["wave_from"]),
                  t["performance_in"].format(wave=b["wave_from"]),
                  t["performance_in"].format(wave=b["wave_to"]), t["change"], t["change_ci"],
                  t["p"], t["verdict_col"]]
        verdict_colour = {"improved": GREEN, "worse": RED, "inconclusive": AMBER}
        rows = []
        for r in b["rows"]:
            verdict = r["verdict_text"]
            if r["comparable"] is False:
                verdict += f" · {t['not_comparable_short']}"
            rows.append([r["label"], _num(r["importance"], 3), _num(r["before"], 1),
                         _num(r["after"], 1), _Cell(r["change_text"], bold=True),
                         _interval(r["ci_low"], r["ci_high"], 1), format_p(r["p"], alpha),
                         _Cell(verdict, verdict_colour.get(r["verdict"], MUTED), True)])
        top = BODY_TOP + box + 0.15
        deck.table(slide, MARGIN, top, [2.8, 1.45, 1.45, 1.45, 1.0, 1.55, 0.9, 1.73], header,
                   rows, BODY_BOTTOM - top, "lrrrrrrl")
    if quiet and has_ipma:
        slide = deck.slide(t["improvement"], None, c["improvement"]["intro"])
        size = _fit(quiet, BODY_WIDTH - 0.3, BODY_BOTTOM - BODY_TOP, 18, 10, gap=6)
        deck.text(slide, MARGIN, BODY_TOP, BODY_WIDTH, BODY_BOTTOM - BODY_TOP,
                  _bullets([(x, TEXT) for x in quiet], size))


# --------------------------------------------------------------------------- the run


def _quality_slides(deck: _Deck) -> None:
    """With ``--exclude-flagged`` (the report's quality section): a native clustered column
    chart of the target index with and without the exclusion, one category per cell (text
    kept as text in its workbook), its caveats below; then the report's table, as many
    slides as its rows need."""
    q = deck.c.get("quality")
    if q is None or not q["rows"]:
        return
    t = q["t"]
    title = q["title"]
    subtitle = q["intro"]
    charted = [r for r in q["rows"] if r["with"] is not None or r["without"] is not None]
    if charted:
        slide = deck.slide(title, subtitle, q["note"])
        data = TextCategoryChartData(number_format="0.0")
        data.categories = [r["cell"] for r in charted]
        for key in ("with", "without"):
            data.add_series(t[key], [r[key] for r in charted])
        caveat_height = 0.9 if q["caveats"] else 0.0
        chart = deck.chart(slide, XL_CHART_TYPE.COLUMN_CLUSTERED, data, MARGIN, BODY_TOP,
                           BODY_WIDTH, BODY_BOTTOM - BODY_TOP - caveat_height)
        chart.has_legend = True
        chart.legend.position = XL_LEGEND_POSITION.TOP
        chart.legend.include_in_layout = False
        values = [v for r in charted for v in (r["with"], r["without"]) if v is not None]
        axis = chart.value_axis
        axis.minimum_scale = max(0.0, 5 * ((min(values) - 10) // 5))
        axis.maximum_scale = min(100.0, 5 * ((max(values) + 5) // 5 + 1))
        axis.has_major_gridlines = True
        axis.major_gridlines.format.line.color.rgb = GREY
        _axis_title(axis, deck.t["index"])
        plot = chart.plots[0]
        plot.has_data_labels = True
        plot.data_labels.number_format = "0.0"
        plot.data_labels.number_format_is_linked = False
        plot.data_labels.font.size = Pt(11)
        if q["caveats"]:
            deck.text(slide, MARGIN, BODY_BOTTOM - caveat_height, BODY_WIDTH, caveat_height,
                      _bullets([(x, AMBER) for x in q["caveats"]],
                               _fit(q["caveats"], BODY_WIDTH, caveat_height, 12, 9)))
    # A rule's header on two lines (its name, then what became of the flagged): the columns
    # are narrow.
    header = [t["cell"], t["checked"],
              *[c["label"].replace("：", "\n").replace(": ", "\n") for c in q["columns"]],
              t["excluded"],
              t["used"], t["with"], t["without"], t["difference"], t["half_width"], t["moved"]]
    # The rules' columns share what the fixed ones leave of the slide's width.
    fixed = [2.2, 0.9, 0.9, 0.9, 1.05, 1.05, 0.9, 1.0, 1.0]
    share = max(0.8, (BODY_WIDTH - sum(fixed)) / max(len(q["columns"]), 1))
    widths = [*fixed[:2], *[share] * len(q["columns"]), *fixed[2:]]
    rows = [[_Cell(r["cell"]), _num(r["checked"], 0),
             *[_num(n, 0) for n in r["counts"]], _num(r["excluded"], 0), _num(r["used"], 0),
             _num(r["with"], 1), r["without_text"],
             _Cell(r["change_text"], AMBER if r["moved"] else None, True),
             _num(r["half_width"], 1),
             _Cell(r["moved_text"], AMBER if r["moved"] else MUTED)] for r in q["rows"]]
    for k in range(0, len(rows), ROWS_PER_SLIDE):
        slide = deck.slide(title if k == 0 else _ui(deck, "continued").format(title=title),
                           q["intro"] if not charted and k == 0 else None)
        deck.table(slide, MARGIN, BODY_TOP, widths, header, rows[k:k + ROWS_PER_SLIDE],
                   BODY_BOTTOM - BODY_TOP, "l" + "r" * (len(header) - 2) + "l")


def _run_slide(deck: _Deck) -> None:
    """The run's facts (waves, groups, cells, method, intervals, resamples, permutations, seed,
    the significance rule) beside the failed cells with their errors, the steps not compared
    and the cells' warnings."""
    c, t, lang = deck.c, deck.t, deck.lang
    slide = deck.slide(_ui(deck, "run_caveats"), c["title"])
    left = 6.4
    deck.table(slide, MARGIN, BODY_TOP, [2.2, left - 2.2], [t["run_summary"], ""],
               [[_Cell(r["label"], MUTED, True), r["value"] or "–"] for r in c["summary"]],
               BODY_BOTTOM - BODY_TOP, largest=11)
    lines: list[tuple[str, Any, bool]] = []
    lines += [(labelled(f["cell"], f["error"], lang), RED, False) for f in c["failed"]]
    if not c["failed"]:
        lines.append((t["no_failed_cells"], GREEN, False))
    lines += [(x, AMBER, False) for x in c["not_compared"]]
    counts: dict[str, int] = {}
    for w in c["warnings"]:
        counts[w["cell"]] = counts.get(w["cell"], 0) + 1
    lines += [(_ui(deck, "warnings_n").format(cell=cell, n=n), TEXT, False)
              for cell, n in counts.items()]
    capped_bullets(deck, slide, left, t["failed_cells"], lines, _ui(deck, "more_lines"))


def _notes_slide(deck: _Deck) -> None:
    """The report's method notes (how cells, intervals, p-values and invariance were made)."""
    c, t = deck.c, deck.t
    notes = list(c["notes"])
    if not notes:
        return
    slide = deck.slide(t["notes"])
    height = BODY_BOTTOM - BODY_TOP
    size = _fit(notes, BODY_WIDTH - 0.3, height - 0.3, 14, 9, gap=4)
    shown = len(notes)
    while shown > 1 and _height(notes[:shown] + ["…"], BODY_WIDTH - 0.3, size, 4) > height:
        shown -= 1
    paras = _bullets([(x, TEXT) for x in notes[:shown]], size, gap=4)
    if shown < len(notes):
        paras.append(_Para(_ui(deck, "more_lines").format(n=len(notes) - shown), size,
                           colour=MUTED, space_before=4))
    deck.text(slide, MARGIN, BODY_TOP, BODY_WIDTH, height, paras)
