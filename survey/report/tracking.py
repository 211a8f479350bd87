"""The report of a tracking study: a plain context from a :class:`~survey.tracking.Tracking`,
rendered with ``reports/tracking.html.j2`` into one self-contained HTML file.

Sections: the run summary; the trends of every index across the waves, per brand (or other
``by`` group); wave over wave, the index and path changes with their intervals, permutation
p-values and measurement invariance (MICOM); "did the improvement work?" (SOURCE.md §3:
"confirm that the improvement worked: the next wave must show it"); with ``--exclude-flagged``,
the respondents excluded for response quality (per cell each rule's counts and the target
index with and without the exclusion; ``reports/_tracking_quality.html.j2``); the failed cells;
the method notes and the run manifest. A change's significance and verdict (a significant rise,
not conclusive, not comparable) are the Change's own (survey.analysis.waves.CHANGE_RULE), as on
the console and in the JSON; what the report composes from them (a brand's conclusion, which
paths to list first) is decided here; the template only lays it out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from survey.analysis.waves import CHANGE_RULE, Change, ImprovementCheck
from survey.estimators.sample_size import SMALL_SAMPLE
from survey.numbers import finite as _num
from survey.pathmodel import BoundModel
from survey.report.charts import change_svg, trend_svg
from survey.report.context import NAMES, warning_texts
from survey.report.render import environment, format_p, report_language, stylesheet
from survey.report.texts import (
    IMPROVEMENT_VERDICTS,
    INTERVALS,
    INVARIANCE,
    MISSING,
    NOTES,
    SCHEMES,
    TRACKING_NOTES,
    TRACKING_UI,
    TRIANGULATION_UI,
    UI,
    grammar,
    join,
    labelled,
    paren,
    tr,
)
from survey.report.texts import ci_label as ci_text
from survey.tracking import CellResult, Tracking, WaveStep

#: MICOM's per-construct invariance -> the words of texts.INVARIANCE.
_INVARIANCE_KEY = {"full": "full", "partial": "partial", "none": "no"}


def _signed(x: float | None, digits: int = 1) -> str:
    """``+2.7`` / ``-0.3``; a value that rounds to zero has no sign."""
    x = _num(x)
    if x is None:
        return "–"
    text = f"{abs(x):.{digits}f}"
    if float(text) == 0:
        return text
    return ("+" if x > 0 else "-") + text


def _key(mapping: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(mapping.items()))


def construct_order(bound: BoundModel) -> list[str]:
    """The target first, then its drivers (every latent with a causal path to it) in causal
    order, then the other latents; each higher-order latent followed by its dimensions."""
    model = bound.model
    target = model.target
    drivers: set[str] = set()
    stack = [target] if target is not None else []
    while stack:
        for p in model.predecessors(stack.pop()):
            if p not in drivers:
                drivers.add(p)
                stack.append(p)
    order = model.causal_order()
    first = [*([target] if target is not None else []),
             *[x for x in order if x in drivers],
             *[x for x in order if x != target and x not in drivers]]
    dims = dict(bound.second_order)
    out: list[str] = []
    for x in first:
        out += [x, *[d for d in dims.get(x, ()) if d not in out]]
    return out


class _Words:
    """Names in the report's language: constructs, groups, waves."""

    def __init__(self, tracking: Tracking, bound: BoundModel, lang: str,
                 t: Mapping[str, str]) -> None:
        self.q = bound.questionnaire
        self.lang = lang
        self.t = t
        self.by = tracking.by
        self.dims = {d for _, ds in bound.second_order for d in ds}

    def latent(self, construct: str) -> str:
        c = self.q.constructs.get(construct)
        label = c.label.get(self.lang) if c is not None else construct
        return label + (self.t["dimension"] if construct in self.dims else "")

    def column(self, column: str) -> str:
        """A ``by`` column: 'brand', a question of the questionnaire, or the column's name."""
        if column == "brand":
            return self.t["brand"]
        try:
            return self.q.question(column).heading(self.lang)
        except KeyError:
            return column

    def by_label(self) -> str:
        return join([self.column(c) for c in self.by], self.lang) or self.t["whole_sample"]

    def group(self, group: Mapping[str, str]) -> str:
        """A group's name for tables and legends: its values ("A", "A · 25-34")."""
        values = [str(group.get(c, "")) for c in self.by]
        return " · ".join(values) if values else self.t["whole_sample"]

    def group_title(self, group: Mapping[str, str]) -> str:
        """A group's name for headings: "Brand A"."""
        if not self.by:
            return self.t["whole_sample"]
        return " · ".join(f"{self.column(c)} {group.get(c, '')}" for c in self.by)


#: The verdicts a reader must see first: the path changes listed above the full table, and the
#: index changes of the console summary (survey.cli.run).
MOVED = ("rise", "fall", "inconclusive")


def _direction(c: Change | None) -> str:
    """'rise' or 'fall' when the change's verdict says so (significant and comparable), else
    ''. The verdict is the Change's (survey.analysis.waves.CHANGE_RULE); never re-decided."""
    return c.verdict if c is not None and c.verdict in ("rise", "fall") else ""


def _change_row(c: Change, words: _Words, digits: int,
                invalid: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A change as table data; ``invalid``: latents whose index is invalid (a negative
    rescaled weight) in either wave, whose change is marked."""
    direction = _direction(c)
    label = (words.latent(c.a) if c.kind == "index"
             else f"{words.latent(c.a)} → {words.latent(c.b)}")
    return {"kind": c.kind, "a": c.a, "b": c.b, "label": label, "digits": digits,
            "before": _num(c.before), "after": _num(c.after), "change": _num(c.change),
            "change_text": _signed(c.change, digits), "ci_low": _num(c.ci_low),
            "ci_high": _num(c.ci_high), "p": _num(c.p_value), "significant": c.significant,
            "significance": c.significance,
            "significance_text": words.t[f"significance_{c.significance}"],
            "verdict": c.verdict, "comparable": c.comparable, "direction": direction,
            "arrow": {"rise": "▲", "fall": "▼"}.get(direction, ""),
            "direction_text": words.t[direction] if direction else "",
            "invalid": c.kind == "index" and c.a in invalid}


def _movers(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Biggest movers first (absolute change; undefined changes last, in model order)."""
    return sorted(rows, key=lambda r: -abs(r["change"]) if r["change"] is not None else math.inf)


def _micom(step: WaveStep, words: _Words, t: Mapping[str, str], lang: str,
           permutations: int) -> dict[str, Any]:
    """The step's MICOM verdict, its per-construct rows and, when it fails, the warning."""
    m = step.micom
    if m is None:
        note = t["step_note"].format(note=step.note) if step.note else ""
        return {"verdict": "untested", "verdict_text": tr(INVARIANCE, "untested", lang),
                "level": "", "failed": [], "failed_ids": [], "rows": [], "warning": None,
                "note": note, "tested": bool(permutations)}
    verdict = m.get("verdict", "untested")
    rows, failed = [], []
    for c in m.get("constructs") or []:
        invariance = _INVARIANCE_KEY.get(c.get("invariance", ""), "untested")
        if c.get("compositional_invariance") is False:
            failed.append(c["latent"])
        rows.append({"id": c["latent"], "label": words.latent(c["latent"]),
                     "c": _num(c.get("c")), "c_quantile": _num(c.get("c_quantile")),
                     "compositional": c.get("compositional_invariance"),
                     "mean_difference": _num(c.get("mean_difference")),
                     "equal_mean": c.get("equal_mean"),
                     "log_variance_ratio": _num(c.get("log_variance_ratio")),
                     "equal_variance": c.get("equal_variance"), "invariance": invariance,
                     "invariance_text": tr(INVARIANCE, invariance, lang),
                     "level": "bad" if invariance == "no" else ""})
    names = join([words.latent(x) for x in failed], lang)
    warning = None
    if failed:
        warning = {"title": t["micom_fails_title"].format(names=names),
                   "text": t["micom_fails_text"].format(names=names, wave_from=step.wave_from,
                                                        wave_to=step.wave_to)}
    return {"verdict": verdict, "verdict_text": tr(INVARIANCE, verdict, lang)
            if verdict in INVARIANCE else verdict,
            "level": "bad" if verdict == "no" else "ok" if verdict == "full" else "warn",
            "failed": [words.latent(x) for x in failed], "failed_ids": failed, "rows": rows,
            "warning": warning, "note": "", "tested": True}


def _step(n: int, step: WaveStep, words: _Words, t: Mapping[str, str], lang: str,
          permutations: int, invalid: frozenset[str]) -> dict[str, Any]:
    """One brand's two consecutive waves: summary, index and path changes, MICOM, chart."""
    indices = _movers([_change_row(c, words, 1, invalid) for c in step.changes
                       if c.kind == "index"])
    paths = [_change_row(c, words, 3) for c in step.changes if c.kind == "path"]
    micom = _micom(step, words, t, lang, permutations)

    def listed(rows, verdict):
        return join([paren(r["label"], r["change_text"], lang)
                     for r in rows if r["verdict"] == verdict], lang)

    summary = []
    rises, falls = listed(indices, "rise"), listed(indices, "fall")
    if rises:
        summary.append({"level": "rise", "text": t["rises_list"].format(items=rises)})
    if falls:
        summary.append({"level": "fall", "text": t["falls_list"].format(items=falls)})
    if not rises and not falls:
        summary.append({"level": "", "text": t["no_significant_change"]})
    unsure = listed(indices, "inconclusive")
    if unsure:
        summary.append({"level": "warn", "text": t["inconclusive_list"].format(items=unsure)})
    apart = [r["label"] for r in indices if r["verdict"] == "not_comparable"]
    if apart:
        summary.append({"level": "bad", "text": t["not_comparable_list"].format(
            items=join(apart, lang))})
    if step.nps is not None:
        summary.append(_nps_change(step, lang))
    chart_rows = [{"label": r["label"], "change": r["change"], "ci_low": r["ci_low"],
                   "ci_high": r["ci_high"], "direction": r["direction"],
                   "comparable": r["comparable"]} for r in indices]
    chart = (change_svg(chart_rows, t["change_axis"].format(wave_from=step.wave_from,
                                                          wave_to=step.wave_to))
             if any(r["change"] is not None for r in chart_rows) else "")
    return {"id": f"step-{n + 1}",
            "group": words.group(step.group), "group_key": dict(step.group),
            "title": t["step_title"].format(group=words.group_title(step.group),
                                            wave_from=step.wave_from, wave_to=step.wave_to),
            "wave_from": step.wave_from, "wave_to": step.wave_to, "summary": summary,
            "indices": indices, "paths": paths,
            "moved_paths": [r for r in paths if r["verdict"] in MOVED],
            "all_paths_title": t["all_paths"].format(n=len(paths)),
            "micom": micom, "chart_svg": chart}


def _nps_change(step: WaveStep, lang: str) -> dict[str, str]:
    """The NPS change of a wave step in one line (survey.analysis.nps: z test of two
    independent NPS), judged by the one rule of every wave change (CHANGE_RULE: p and
    interval); a rise or fall only when significant."""
    d = step.nps
    verdict = CHANGE_RULE.decide(d.p_value, d.ci_low, d.ci_high)
    if d.p_value is None:
        return {"level": "", "text": tr(TRIANGULATION_UI, "nps_change_untested", lang).format(
            wave_from=step.wave_from, wave_to=step.wave_to, change=_signed(d.difference))}
    level = ("rise" if d.difference > 0 else "fall") if verdict == "significant" else (
        "warn" if verdict == "inconclusive" else "")
    return {"level": level, "text": tr(TRIANGULATION_UI, "nps_change", lang).format(
        wave_from=step.wave_from, wave_to=step.wave_to, change=_signed(d.difference),
        low=_signed(d.ci_low), high=_signed(d.ci_high), p=format_p(d.p_value),
        level=f"{CHANGE_RULE.level:.0%}", verdict=tr(TRIANGULATION_UI, verdict, lang))}


def _improvement(step: WaveStep, words: _Words, t: Mapping[str, str], lang: str,
                 has_ipma: bool) -> dict[str, Any]:
    """The drivers flagged "improve first" in the earlier wave, what became of them, and a
    one-line conclusion for the brand computed from the verdicts."""
    group = words.group_title(step.group)
    comparable = {c.a: c.comparable for c in step.changes if c.kind == "index"}
    rows = []
    for c in step.improvement:
        rows.append(_check_row(c, words, lang, comparable.get(c.driver)))
    fmt = {"group": group, "wave_from": step.wave_from, "wave_to": step.wave_to}
    block = {"title": t["step_title"].format(**fmt), "group": words.group(step.group),
             "wave_from": step.wave_from, "wave_to": step.wave_to}
    if not rows:
        key = "improvement_none" if has_ipma else "improvement_no_ipma"
        return {**block, "rows": [], "conclusion": [t[key].format(**fmt)], "level": ""}

    def names(verdict: str) -> str:
        return join([r["named"] for r in rows if r["verdict"] == verdict], lang)

    improved = [r for r in rows if r["verdict"] == "improved"]
    n, k = len(rows), len(improved)
    if n == 1:
        lines = [t["improved_one"].format(names=names("improved"), **fmt) if k
                 else t["improved_not_one"].format(**fmt)]
    elif k == n:
        lines = [t["improved_all"].format(n=n, names=names("improved"), **fmt)]
    elif k:
        lines = [t["improved_some"].format(n=n, k=k, names=names("improved"), **fmt)]
    else:
        lines = [t["improved_none"].format(n=n, **fmt)]
    for verdict, key in (("no_clear_change", "still_flat"), ("inconclusive", "still_unsure"),
                         ("worse", "got_worse"), ("no_interval", "cannot_tell")):
        if names(verdict):
            lines.append(t[key].format(names=names(verdict)))
    apart = [r["label"] for r in rows if r["comparable"] is False]
    if apart:
        lines.append(t["improvement_not_comparable"].format(names=join(apart, lang)))
    level = ("bad" if any(r["verdict"] == "worse" for r in rows) else
             "ok" if k == n and not apart else "warn")
    return {**block, "rows": rows, "conclusion": lines, "level": level}


def _check_row(c: ImprovementCheck, words: _Words, lang: str,
               comparable: bool | None) -> dict[str, Any]:
    label = words.latent(c.driver)
    change = _signed(c.change)
    return {"driver": c.driver, "label": label,
            "named": paren(label, change, lang),
            "importance": _num(c.importance_before), "before": _num(c.performance_before),
            "after": _num(c.performance_after), "change": _num(c.change), "change_text": change,
            "ci_low": _num(c.ci_low), "ci_high": _num(c.ci_high), "p": _num(c.p_value),
            "verdict": c.verdict,
            "verdict_text": tr(IMPROVEMENT_VERDICTS, c.verdict, lang)
            if c.verdict in IMPROVEMENT_VERDICTS else c.verdict,
            "comparable": comparable}


def _interval_label(cells: Sequence[CellResult], lang: str) -> str:
    """"95% CI (percentile bootstrap)" of the cells' index intervals, or ''."""
    est = next((c.estimate for c in cells if c.estimate.bootstrap is not None), None)
    if est is None:
        return ""
    level = f"{est.bootstrap.settings.level:.0%}"
    kind = str(est.settings.get("interval", "percentile"))
    name = tr(INTERVALS, kind, lang) if kind in INTERVALS else kind
    return ci_text(level, name, lang)


def _executive(tracking: Tracking, bound: BoundModel, groups: Sequence[Mapping[str, str]],
               cell, steps: Sequence[dict[str, Any]], improvement: Sequence[dict[str, Any]],
               words: _Words, t: Mapping[str, str], lang: str) -> dict[str, Any] | None:
    """The executive summary of a tracking run, per group: the target's index in its latest
    wave with its interval and its change since the wave before (the Change's verdict, never
    re-decided), what rose and fell, the drivers to act on now (the latest wave's IPMA by the
    one priority rule, survey.analysis.drivers), whether last wave's priorities improved, and
    the caveats that matter (failed cells, inadmissible solutions, small samples, groups whose
    waves are not comparable)."""
    from survey.analysis.drivers import IpmaPoint, improve_first

    target = bound.model.target
    if target is None:
        return None
    waves = list(tracking.waves)
    step_at = {(_key(s["group_key"]), s["wave_to"]): s for s in steps}
    checked = {(b["group"], b["wave_to"]): b for b in improvement}
    blocks = []
    for g in groups:
        latest = next((w for w in reversed(waves) if cell(g, w) is not None), None)
        if latest is None:
            continue
        c = cell(g, latest)
        idx = next((i for i in c.estimate.indices if i.latent == target), None)
        if idx is None or _num(idx.value) is None:
            continue
        line = t["texec_index"].format(wave=latest, target=words.latent(target),
                                       value=f"{_num(idx.value):.1f}")
        if _num(idx.ci_low) is not None and _num(idx.ci_high) is not None:
            line += t["texec_interval"].format(low=f"{_num(idx.ci_low):.1f}",
                                               high=f"{_num(idx.ci_high):.1f}")
        lines = [{"level": "", "text": line}]
        step = step_at.get((_key(g), latest))
        if step is not None:
            change = next((r for r in step["indices"] if r["a"] == target), None)
            if change is not None:
                key = {"rise": "texec_rise", "fall": "texec_fall",
                       "not_comparable": "texec_not_comparable",
                       "inconclusive": "texec_inconclusive"}.get(change["verdict"], "texec_flat")
                lines.append({"level": change["direction"] or "",
                              "text": t[key].format(wave=step["wave_from"],
                                                    change=change["change_text"])})
            lines += [x for x in step["summary"] if x["level"] in ("rise", "fall")]
        points = [IpmaPoint.from_json(r) for r in c.ipma
                  if r.get("target") == target and r.get("kind") == "construct"]
        first = improve_first(points, bound)
        if points:
            lines.append({"level": "", "text": t["texec_act"].format(
                wave=latest, names=join([words.latent(x) for x in first], lang))
                if first else t["exec_act_none"]})
        block = checked.get((words.group(g), latest))
        if block is not None and block["rows"]:
            lines.append({"level": block["level"], "text": block["conclusion"][0]})
        blocks.append({"group": words.group_title(g), "lines": lines})
    caveats = []
    if tracking.failed:
        caveats.append(t["texec_failed"].format(n=len(tracking.failed), cells=join(
            [f"{f.cell.as_dict().get('wave', '')} · {words.group_title(f.cell.as_dict())}"
             for f in tracking.failed], lang)))
    for c in tracking.cells:
        name = f"{c.key.get('wave', '')} · {words.group_title(c.key)}"
        if not c.estimate.admissible:
            caveats.append(t["texec_inadmissible"].format(cell=name))
        caveats += [labelled(name, x.text(lang), lang) for x in c.estimate.notices
                    if x.code == SMALL_SAMPLE]
    for step in steps:
        caveats += [labelled(step["title"], x["text"], lang) for x in step["summary"]
                    if x["level"] == "bad"]
    return {"groups": blocks, "caveats": caveats, "no_caveat": t["exec_no_caveat"]}


def _quality(tracking: Tracking, bound: BoundModel, words: _Words, lang: str
             ) -> dict[str, Any] | None:
    """The section on respondents excluded by quality rules (``survey run --exclude-flagged``),
    one row per estimated cell: the respondents checked, per rule how many it flagged (and
    excluded, for an applied rule), the total excluded and used, the target index with and
    without the exclusion, the difference and the interval's half-width, and whether the
    exclusion moved the index by more than that (the CellExclusion's own reading, never
    re-decided); plus one executive caveat per cell it moved. None when no rule was
    applied."""
    from survey.quality import RULES
    from survey.report.texts import QUALITY_RULES, TRACKING_QUALITY_UI

    if not tracking.quality:
        return None
    t = {k: tr(TRACKING_QUALITY_UI, k, lang) for k in TRACKING_QUALITY_UI}
    applied = [r for r in RULES if r in tracking.quality[0].rules]
    kept = [r for r in RULES if r not in applied
            and any(x.flagged.get(r) for x in tracking.quality)]
    name = {r: tr(QUALITY_RULES, r, lang) for r in RULES}
    rules_text = join([name[r] for r in applied], lang)
    target = bound.model.target
    target_label = words.latent(target) if target is not None else ""
    columns = ([{"rule": r, "applied": True,
                 "label": t["rule_excluded"].format(rule=name[r])} for r in applied]
               + [{"rule": r, "applied": False,
                   "label": t["rule_kept"].format(rule=name[r])} for r in kept])
    rows, caveats = [], []
    for x in tracking.quality:
        cell = f"{x.key.get('wave', '')} · {words.group_title(x.key)}"
        without_text = (_fmt1(x.index_without) if x.index_without is not None
                        else t[x.note] if x.note in ("invalid", "failed") else "–")
        moved_text = (t["no_interval"] if x.moved is None and x.difference is not None
                      else "–" if x.moved is None else t["yes"] if x.moved else t["no"])
        rows.append({"cell": cell, "key": dict(x.key), "wave": x.key.get("wave", ""),
                     "group": words.group(x.key), "checked": x.checked,
                     "counts": [x.excluded_by.get(c["rule"]) if c["applied"]
                                else x.flagged.get(c["rule"]) for c in columns],
                     "excluded": x.excluded, "used": x.used,
                     "with": x.index_with, "without": x.index_without,
                     "without_text": without_text, "error": x.error,
                     "difference": x.difference, "change_text": _signed(x.difference),
                     "half_width": x.half_width, "moved": x.moved, "moved_text": moved_text})
        if x.moved:
            caveats.append(t["caveat"].format(
                cell=cell, excluded=f"{x.excluded:,}", rules=rules_text, target=target_label,
                diff=_signed(x.difference), without=_fmt1(x.index_without),
                with_=_fmt1(x.index_with), half=_fmt1(x.half_width)))
    return {"t": t, "title": t["title"], "rules": applied, "rules_text": rules_text,
            "intro": t["intro"].format(rules=rules_text, target=target_label),
            "note": t["note"], "columns": columns, "rows": rows, "caveats": caveats,
            "target": target_label}


def _fmt1(x: float | None) -> str:
    return "–" if _num(x) is None else f"{_num(x):.1f}"


def _default_manifest(tracking: Tracking, bound: BoundModel) -> dict[str, Any]:
    from survey._version import __version__

    return {"csi_survey": __version__, "report": "tracking",
            "questionnaire": bound.questionnaire.id, "model": bound.model.id,
            "waves": list(tracking.waves), "by": list(tracking.by),
            "settings": dict(tracking.settings),
            "cells": {"estimated": len(tracking.cells), "failed": len(tracking.failed)}}


def build_tracking_context(tracking: Tracking, bound: BoundModel, lang: str, *,
                           title: str | None = None,
                           manifest: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Everything the tracking report shows, as plain data, in ``lang`` ('zh' or 'en').

    ``bound`` is the model the Tracking was estimated with (its questionnaire names the
    constructs); ``title`` replaces the questionnaire's title; ``manifest`` is the run's
    record (default: the Tracking's settings, waves and counts).
    """
    t = {k: tr(table, k, lang) for table in (UI, TRACKING_UI) for k in table}
    words = _Words(tracking, bound, lang, t)
    model = bound.model
    target = model.target
    settings = tracking.settings
    method = settings.get("method", "pls")
    waves = list(tracking.waves)
    by_label = words.by_label()
    ci_label = _interval_label(tracking.cells, lang)

    # Groups in the Tracking's order: those of its cells, then those only failed cells have.
    groups: list[dict[str, str]] = []
    for key in [c.key for c in tracking.cells] + [f.cell.as_dict() for f in tracking.failed]:
        group = {c: key.get(c) for c in tracking.by}
        if group not in groups:
            groups.append(group)
    groups.sort(key=lambda g: [str(g[c]) for c in tracking.by])
    cell_of = {_key(c.key): c for c in tracking.cells}
    failed_keys = {_key(f.cell.as_dict()) for f in tracking.failed}
    step_of = {(_key(s.group), s.wave_from, s.wave_to): s for s in tracking.steps}

    def cell(group, wave) -> CellResult | None:
        return cell_of.get(_key({"wave": wave, **group}))

    def status(group, wave) -> str:
        if cell(group, wave) is not None:
            return "ok"
        return "failed" if _key({"wave": wave, **group}) in failed_keys else "missing"

    # Trends: one panel per construct, one line per group.
    present = {i.latent for c in tracking.cells for i in c.estimate.indices}
    constructs = [x for x in construct_order(bound) if x in present]
    changes = {(_key(s.group), s.wave_from, c.a): c for s in tracking.steps for c in s.changes
               if c.kind == "index"}
    # The chart's series: the groups with at least one estimated cell.
    plotted = [g for g in groups if any(cell(g, w) is not None for w in waves)]
    panels, table = [], []
    for x in constructs:
        lines, rows = [], []
        for group in groups:
            points, flags, cells = [], [], []
            for w, wave in enumerate(waves):
                c = cell(group, wave)
                idx = None if c is None else next(
                    (i for i in c.estimate.indices if i.latent == x), None)
                if idx is not None and _num(idx.value) is not None:
                    points.append({"wave": w, "value": _num(idx.value),
                                   "ci_low": _num(idx.ci_low), "ci_high": _num(idx.ci_high),
                                   "valid": idx.valid})
                cells.append({"status": status(group, wave), "n": None if c is None else c.n,
                              "value": None if idx is None else _num(idx.value),
                              "ci_low": None if idx is None else _num(idx.ci_low),
                              "ci_high": None if idx is None else _num(idx.ci_high),
                              "valid": True if idx is None else idx.valid})
            for a in range(len(waves) - 1):
                flags.append(bool(_direction(changes.get((_key(group), waves[a], x)))))
            if points:
                lines.append({"series": plotted.index(group), "points": points,
                              "significant": flags})
            if group in plotted:  # a group whose every cell failed has its row in n only
                rows.append({"group": words.group(group), "cells": cells})
        panels.append({"title": words.latent(x), "dimension": x in words.dims, "lines": lines})
        table.append({"id": x, "label": words.latent(x), "dimension": x in words.dims,
                      "rows": rows})
    def small(c: CellResult | None) -> str:
        """The cell's small-sample notice in ``lang`` ('' when it has none)."""
        notices = [] if c is None else [x for x in c.estimate.notices if x.code == SMALL_SAMPLE]
        return notices[0].text(lang) if notices else ""

    n_rows = [{"group": words.group(g),
               "cells": [{"status": status(g, w),
                          "n": None if cell(g, w) is None else cell(g, w).n,
                          "small_sample": small(cell(g, w))} for w in waves]}
              for g in groups]
    chart = trend_svg(panels, waves, [words.group(g) for g in plotted]) if panels else ""

    # Headline cards: each group's target index in its latest estimated wave (a measurement
    # model has no target: its constructs' indices are in the trends table).
    cards = []
    for g in groups if target is not None else ():
        latest = next((w for w in reversed(waves) if cell(g, w) is not None), None)
        if latest is None:
            continue
        idx = next((i for i in cell(g, latest).estimate.indices if i.latent == target), None)
        if idx is None:
            continue
        k = waves.index(latest)
        ch = changes.get((_key(g), waves[k - 1], target)) if k else None
        step_ok = k and (_key(g), waves[k - 1], latest) in step_of
        direction = _direction(ch)
        change_text = ""
        if step_ok and ch is not None:
            change_text = t["vs_wave"].format(wave=waves[k - 1], change=_signed(ch.change))
            reading = {"not_comparable": t["not_comparable_short"], "no_change": t["ns"],
                       "inconclusive": t["significance_inconclusive"]}.get(ch.verdict)
            if reading:
                change_text += f" · {reading}"
        cards.append({"group": words.group_title(g),
                      "label": t["latest"].format(target=words.latent(target), wave=latest),
                      "value": _num(idx.value), "ci_low": _num(idx.ci_low),
                      "ci_high": _num(idx.ci_high), "change_text": change_text,
                      "direction": direction,
                      "arrow": {"rise": "▲", "fall": "▼"}.get(direction, "")})

    # Wave over wave and the improvement check.
    permutations = int(settings.get("permutations") or 0)
    def invalid(step: WaveStep) -> frozenset[str]:
        return frozenset(i.latent for w in (step.wave_from, step.wave_to)
                         for i in cell(step.group, w).estimate.indices if not i.valid)

    steps = [_step(n, s, words, t, lang, permutations, invalid(s))
             for n, s in enumerate(tracking.steps)]
    not_compared = []
    for g in groups:
        for a, b in zip(waves, waves[1:], strict=False):
            if (_key(g), a, b) not in step_of and (cell(g, a) or cell(g, b)
                                                   or status(g, a) == "failed"
                                                   or status(g, b) == "failed"):
                not_compared.append(t["not_compared"].format(group=words.group_title(g),
                                                             wave_from=a, wave_to=b))
    has_ipma = any(c.ipma for c in tracking.cells)
    improvement = [_improvement(s, words, t, lang, has_ipma) for s in tracking.steps]
    executive = _executive(tracking, bound, groups, cell, steps, improvement, words, t, lang)
    quality = _quality(tracking, bound, words, lang)
    if quality is not None and executive is not None:
        executive["caveats"] += quality["caveats"]

    # Failed cells and the warnings of the estimated ones.
    def cell_name(key: Mapping[str, str]) -> str:
        return f"{key.get('wave', '')} · {words.group_title(key)}"

    failed = [{"cell": cell_name(f.cell.as_dict()), "key": f.cell.as_dict(), "error": f.error}
              for f in tracking.failed]
    warnings = [{"cell": cell_name(c.key), "text": w} for c in tracking.cells
                for w in warning_texts(c.estimate, lang)]

    # Summary and notes.
    first = tracking.cells[0].estimate if tracking.cells else None
    missing = settings.get("missing") or (first.missing if first is not None else None)
    scheme = str(settings.get("scheme", "path"))
    method_text = NAMES.get(method, method)
    if method == "pls":
        scheme_name = tr(SCHEMES, scheme, lang) if scheme in SCHEMES else scheme
        method_text += f" · {t['scheme_text'].format(scheme=scheme_name)}"
    missing_text = tr(MISSING, missing, lang) if missing in MISSING else (missing or "–")
    total = len(tracking.cells) + len(tracking.failed)
    resamples = int(settings.get("bootstrap") or 0)
    summary = [
        (t["study"], title or bound.questionnaire.title.get(lang)),
        (t["model"], model.name.get(lang) or model.id),
        (t["waves"], " → ".join(waves)),
        (t["groups"], labelled(by_label, join([words.group(g) for g in groups], lang), lang)),
        (t["cells"], t["cells_text"].format(total=total, ok=len(tracking.cells),
                                            failed=len(tracking.failed))),
        (t["method"], method_text),
        (t["missing_how"], missing_text),
        (t["intervals"], ci_label or t["no_bootstrap"]),
        (t["resamples_label"], f"{resamples:,}" if resamples else t["no_bootstrap"]),
        (t["permutations_label"], f"{permutations:,}" if permutations else t["none"]),
        (t["seed"], str(settings.get("seed", "–"))),
        (t["significance_rule_label"], t["significance_rule_text"]),
    ]
    if settings.get("minimum_n"):
        summary.append((t["minimum_n_label"], t["minimum_n_text"].format(n=settings["minimum_n"])))
    fmt = {"by": by_label, "method": grammar("clause_sep", lang).join([method_text, missing_text]),
           "seed": settings.get("seed", "–"), "resamples": f"{resamples:,}",
           "permutations": f"{permutations:,}", "target": words.latent(target) if target is not None else ""}
    notes = [tr(TRACKING_NOTES, "cells", lang).format(**fmt)]
    hoc = str(settings.get("higher_order", ""))
    for h, ds in bound.second_order:
        if method == "pls" and f"pls_hoc_{hoc}" in NOTES:
            notes.append(tr(NOTES, f"pls_hoc_{hoc}", lang).format(
                hoc=paren(words.latent(h), join([words.latent(d) for d in ds], lang), lang)))
    if first is not None and first.index_weights in NOTES:
        notes.append(tr(NOTES, first.index_weights, lang))
    notes.append(tr(NOTES, "index", lang))
    if resamples:
        notes.append(tr(TRACKING_NOTES, "change_ci", lang).format(**fmt))
    if permutations:
        notes.append(tr(TRACKING_NOTES, "p_value", lang).format(**fmt))
        if method == "pls":
            notes.append(tr(TRACKING_NOTES, "micom", lang))
    if has_ipma:
        notes.append(tr(TRACKING_NOTES, "improvement", lang).format(**fmt))
    notes.append(tr(TRACKING_NOTES, "multiple", lang))

    return {
        "lang": lang,
        "t": t,
        "alpha": CHANGE_RULE.alpha,
        "title": title or bound.questionnaire.title.get(lang),
        "model_name": model.name.get(lang) or model.id,
        "method": method_text,
        "waves": waves,
        "by_label": by_label,
        "summary": [{"label": k, "value": v} for k, v in summary],
        "cards": cards,
        "executive": executive,
        "trends": {"intro": t["trends_intro"].format(by=by_label, ci=ci_label or "–"),
                   "chart_svg": chart, "constructs": table, "n_rows": n_rows,
                   "ci_label": ci_label},
        "steps": steps,
        "not_compared": not_compared,
        "improvement": {"intro": t["improvement_intro"].format(target=fmt["target"]),
                        "blocks": improvement},
        "failed": failed,
        "quality": quality,
        "warnings": warnings,
        "notes": notes,
        "manifest": dict(manifest) if manifest is not None
        else _default_manifest(tracking, bound),
    }


def render_tracking_report(context: Mapping[str, Any]) -> str:
    """The HTML text of the tracking report for a context from :func:`build_tracking_context`."""
    env = environment()
    env.filters["signed"] = _signed
    return env.get_template("tracking.html.j2").render(**context, css=stylesheet())


def write_tracking_report(tracking: Tracking, bound: BoundModel, path: str | Path, *,
                          lang: str | None = None, title: str | None = None,
                          manifest: Mapping[str, Any] | None = None) -> Path:
    """Build, render and write the tracking report; ``lang`` defaults to the questionnaire's
    main language. Returns the path written."""
    lang = report_language(bound.questionnaire, lang)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    context = build_tracking_context(tracking, bound, lang, title=title, manifest=manifest)
    path.write_text(render_tracking_report(context), encoding="utf-8")
    return path
