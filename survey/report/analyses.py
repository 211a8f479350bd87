"""The report's analysis sections as plain data: drivers (IPMA), the classic methods side by
side, the satisfaction ratio, the gauges and the complaint funnel, segments and value tiers,
the precision of the indices, mediation (the specific indirect effects), out-of-sample
prediction (PLSpredict and CVPAT), and the driver triangulation with the NPS.

Each section is built from the typed results of ``StudyResult.analysis`` (survey.analysis.suite) and
is None when the block is absent. Every reading a section states (which drivers to improve
first, where the methods agree, a band of the ratio, a failed invariance) is decided here from
the block's numbers; the template only lays it out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from survey.analysis.comparison import PairComparison, SegmentComparison
from survey.analysis.drivers import QUADRANTS as QUADRANT_ORDER
from survey.analysis.drivers import IpmaPoint, improve_first, priority_items
from survey.analysis.gauges import BOTTOM_BOX, TOP_BOX
from survey.analysis.mediation import Mediation
from survey.analysis.methods import METHODS, MethodResult
from survey.analysis.nps import MIN_N, NpsResult
from survey.analysis.prediction import Prediction, PredictionUnavailable
from survey.analysis.ratio import BANDS, TOLERANCE
from survey.analysis.suite import Analyses
from survey.analysis.triangulation import MAX_SHAPLEY, DriverTriangulation
from survey.analysis.triangulation import METHODS as TRIANGULATION_METHODS
from survey.assess import CRITERIA
from survey.assess import significant as significant_p
from survey.numbers import finite
from survey.report.charts import distribution_svg, ipma_svg, tiers_svg
from survey.report.texts import (
    ANALYSIS_NOTES,
    FUNNEL_GROUPS,
    GAUGES,
    INTERVALS,
    INVARIANCE,
    INVARIANCE_STEPS,
    MEDIATION_TYPE_RULES,
    MEDIATION_TYPES,
    MEDIATION_UI,
    METHOD_MEASURES,
    METHOD_NAMES,
    METHOD_TEXT,
    METHOD_UNAVAILABLE,
    MISSING,
    PARAMETER_KINDS,
    PREDICTION_UI,
    PREDICTIVE_POWER,
    PREDICTIVE_POWER_RULES,
    QUADRANTS,
    RATIO_BANDS,
    SKIPPED_NAMES,
    TIERS,
    TRIANGULATION_UI,
    TRIANGULATION_UNAVAILABLE,
    ci_label,
    grammar,
    join,
    labelled,
    paren,
    tr,
)
from survey.study import StudyResult

#: The significance level of the segment tests the report marks (survey.assess.Criteria).
SIGNIFICANCE = CRITERIA.alpha
#: Items listed in the item-level driver table, per target.
TOP_ITEMS = 10
#: Significant differences between levels listed per segment (the rest are counted).
MAX_TEST_ROWS = 25
#: The method's own measure shown under its rank, and its digits.
MEASURE = {"mean": ("performance", 1), "dual_evaluation": ("importance", 1),
           "improved_dual_evaluation": ("importance", 2), "regression": ("importance", 3),
           "sem": ("importance", 3)}


def _finite(x: Any) -> bool:
    return finite(x) is not None


def _signed(x: float | None, digits: int) -> str:
    """``+2.72`` / ``-0.31``; a value that rounds to zero has no sign."""
    if not _finite(x):
        return "–"
    text = f"{abs(x):.{digits}f}"
    if float(text) == 0:
        return text
    return ("+" if x > 0 else "-") + text


def _pct(x: float | None, digits: int = 1) -> str:
    return "–" if not _finite(x) else f"{100 * x:.{digits}f}%"


class Names:
    """The report language's names of constructs, dimensions, items, questions and levels."""

    def __init__(self, result: StudyResult, lang: str, t: Mapping[str, str]) -> None:
        self.q = result.questionnaire
        self.bound = result.bound
        self.lang = lang
        self.t = t
        self.dims = {d for _, ds in result.bound.second_order for d in ds}

    def latent(self, construct: str) -> str:
        c = self.q.constructs.get(construct)
        return c.label.get(self.lang) if c is not None else construct

    def driver(self, construct: str) -> str:
        """A construct's name, marked when it is a dimension of a higher-order construct."""
        return self.latent(construct) + (self.t["dimension"] if construct in self.dims else "")

    def item(self, item_id: str) -> str:
        try:
            return self.q.item(item_id).short.get(self.lang)
        except KeyError:
            return item_id

    def aspect(self, key: str) -> str:
        """A construct or an item."""
        return self.latent(key) if key in self.q.constructs else self.item(key)

    def question(self, qid: str) -> str | None:
        try:
            return self.q.question(qid).label.get(self.lang)
        except KeyError:
            return None

    def heading(self, qid: str) -> str | None:
        """A question's name in a heading: its short name (``short:``), else its label."""
        try:
            return self.q.question(qid).heading(self.lang)
        except KeyError:
            return None

    def segment(self, column: str) -> str:
        """A segment column: its question's heading, a banded question's, or the value
        tiers."""
        if column == "value_tier":
            return self.t["value_tier"]
        label = self.heading(column)
        if label is not None:
            return label
        base = column.removesuffix("_band")
        if base != column and self.heading(base) is not None:
            return self.t["band_of"].format(label=self.heading(base))
        return column

    def level(self, column: str, level: str) -> str:
        """A level of a segment column: the option's label, the tier's name, or the value."""
        if column == "value_tier" and level in TIERS:
            return tr(TIERS, level, self.lang)
        try:
            options = self.q.question(column).options
        except KeyError:
            return level
        for code, label in options:
            if str(code) == str(level):
                return label.get(self.lang)
        return level


def analysis_sections(result: StudyResult, lang: str, t: Mapping[str, str],
                      index_rows: Sequence[Mapping[str, Any]], headline: str) -> dict[str, Any]:
    """Every analysis section of the report (None where its block is absent), plus the
    analyses' method notes. ``index_rows``: the scorecard's rows (their order and the
    headline indices); ``headline``: the headline estimator's display name."""
    names = Names(result, lang, t)
    # A measurement model may name no target: its first construct heads the tables instead.
    target = result.bound.model.target or (index_rows[0]["id"] if index_rows else None)
    return {
        "drivers": _drivers(result.analysis, names, t, lang, target),
        "methods": _methods(result.analysis, names, t, lang, target),
        "ratio": _ratio(result.analysis, names, t, lang),
        "gauges": _gauges(result, names, t, lang, target),
        "segments": _segments(result, names, t, lang, target, index_rows),
        "precision": _precision(result, names, t, lang, index_rows),
        "mediation": _mediation(result.analysis, names, lang, target),
        "prediction": _prediction(result.analysis, names, lang, target),
        "triangulation": _triangulation(result.analysis, names, lang, target),
        "analysis_notes": _notes(result.analysis, lang, headline),
    }


# --------------------------------------------------------------------------- drivers (IPMA)


def _drivers(a: Analyses | None, names: Names, t: Mapping[str, str], lang: str,
             model_target: str) -> dict[str, Any] | None:
    if a is None or "ipma" not in a.include or not a.ipma:
        return None
    quadrant_names = {q: tr(QUADRANTS, q, lang) for q in QUADRANT_ORDER}
    targets = list(dict.fromkeys(p.target for p in a.ipma))
    targets.sort(key=lambda x: x != model_target)  # the model's target first
    blocks = [_driver_target(a, tg, names, t, lang, quadrant_names) for tg in targets]
    return {"targets": blocks,
            "intro": t["drivers_intro"].format(targets=join([b["label"] for b in blocks], lang)),
            "legend": [{"code": q, "name": quadrant_names[q]} for q in QUADRANT_ORDER]}


def _driver_target(a: Analyses, target: str, names: Names, t: Mapping[str, str],
                   lang: str, quadrant_names: Mapping[str, str]) -> dict[str, Any]:
    """The map, the driver table and the top items of one target."""
    mine = [p for p in a.ipma if p.target == target]
    target_label = names.latent(target)
    priorities = list(a.priorities.get(target, ()))
    panels = []
    for kind in ("construct", "dimension"):
        group = [p for p in mine if p.kind == kind]
        if not group:
            continue
        parents = list(dict.fromkeys(p.parent for p in group if p.parent))
        title = (t["constructs_panel"] if kind == "construct" else
                 t["dimensions_panel"].format(parents=join(map(names.latent, parents), lang)))
        # The block split these drivers' quadrants at their own means (drivers.py).
        panels.append({
            "title": title,
            "mean_importance": sum(p.importance for p in group) / len(group),
            "mean_performance": sum(p.performance for p in group) / len(group),
            "points": [{"label": names.latent(p.driver), "importance": p.importance,
                        "performance": p.performance, "quadrant": p.quadrant,
                        "kind": kind} for p in group]})

    def impact(value: float) -> str:
        return t["impact_cell"].format(target=target_label, value=_signed(value, 2))

    def row(p: IpmaPoint) -> dict[str, Any]:
        return {"id": p.driver, "kind": p.kind, "parent": p.parent,
                "label": names.driver(p.driver), "importance": p.importance,
                "performance": p.performance, "impact": p.impact,
                "impact_text": impact(p.impact), "quadrant": p.quadrant,
                "quadrant_name": quadrant_names[p.quadrant],
                "priority": (priorities.index(p.driver) + 1
                             if p.driver in priorities else None)}

    # Each construct followed by its dimensions (as the scorecard).
    constructs = {p.driver for p in mine if p.kind == "construct"}
    table = []
    for p in mine:
        if p.kind == "construct":
            table.append(row(p))
            table += [row(d) for d in mine if d.kind == "dimension" and d.parent == p.driver]
    table += [row(d) for d in mine if d.kind == "dimension" and d.parent not in constructs]
    # One rule for the call-out, the priority order and the top items (drivers.priority_key).
    urgent = [names.driver(d) for d in improve_first(mine)]
    items = priority_items([p for p in a.ipma_items if p.target == target], mine,
                           names.bound)
    return {
        "id": target, "label": target_label,
        "title": t["drivers_of"].format(target=target_label),
        "chart_svg": ipma_svg(panels, t["importance_axis"].format(target=target_label),
                              t["performance_axis"], quadrant_names),
        "rows": table,
        "conclusion": (t["improve_first_list"].format(names=join(urgent, lang)) if urgent
                       else t["improve_first_none"]),
        "urgent": urgent,
        "priorities": [names.driver(d) for d in priorities],
        "rule": t["priority_rule"],
        "top_items": [{"item": p.driver, "label": names.item(p.driver),
                       "latent": names.driver(p.latent), "importance": p.importance,
                       "performance": p.performance, "gain": p.gain,
                       "impact_text": impact(p.impact), "quadrant": p.quadrant,
                       "quadrant_name": quadrant_names[p.quadrant]}
                      for p in items[:TOP_ITEMS]],
        "items_title": t["top_items"].format(n=min(TOP_ITEMS, len(items))),
        "gain_note": t["potential_gain_note"].format(target=target_label),
    }


# --------------------------------------------------------------------------- classic methods


def _methods(a: Analyses | None, names: Names, t: Mapping[str, str], lang: str,
             target: str) -> dict[str, Any] | None:
    if a is None or "methods" not in a.include:
        return None
    m, cmp = a.methods, a.methods_comparison
    if not m or not cmp:
        return None
    order = [k for k in METHODS if k in m]
    available = [k for k in order if m[k].available]
    ranks: Mapping[str, Mapping[str, int]] = cmp.get("ranks") or {}
    flagged = {f["driver"]: f for f in cmp.get("flagged") or []}
    measures = {k: {r["driver"]: r for r in m[k].rows} for k in order}
    drivers = sorted(ranks, key=lambda d: (sum(ranks[d].values()) / len(ranks[d]), d))
    rows = []
    for d in drivers:
        rk = ranks[d]
        low, high = min(rk.values()), max(rk.values())
        cells = []
        for k in order:
            r = measures[k].get(d)
            field, digits = MEASURE[k]
            extreme = None
            if d in flagged and k in rk:
                extreme = "best" if rk[k] == low else "worst" if rk[k] == high else None
            cells.append({"method": k, "rank": rk.get(k),
                          "measure": r.get(field) if r else None, "digits": digits,
                          "star": bool(r and r.get("significant")), "extreme": extreme})
        rows.append({"id": d, "label": names.driver(d), "cells": cells, "flagged": d in flagged,
                     "gap": high - low})
    top3 = cmp.get("top3") or {}
    tau = {(x["a"], x["b"]): x for x in cmp.get("kendall_tau") or []}
    matrix = []
    for i, x in enumerate(available):
        cells = []
        for y in available[:i]:
            pair = tau.get((y, x)) or tau.get((x, y))
            cells.append({"tau": pair["tau"] if pair else None, "n": pair["n"] if pair else None})
        matrix.append({"method": x, "name": tr(METHOD_NAMES, x, lang), "cells": cells})
    outcome = names.item(m["regression"].detail.get("outcome") or "" if "regression" in m else "")
    explanations = [_method_text(k, m[k], names, lang, target, outcome, drivers)
                    for k in order]
    return {
        "intro": t["methods_intro"].format(gap=cmp.get("rank_gap", "")),
        "methods": [{"key": k, "name": tr(METHOD_NAMES, k, lang),
                     "measure": tr(METHOD_MEASURES, k, lang), "available": k in available}
                    for k in order],
        "rows": rows,
        "flagged": [f["driver"] for f in cmp.get("flagged") or []],
        "top3": [{"method": k, "name": tr(METHOD_NAMES, k, lang),
                  "drivers": [names.driver(d) for d in top3.get(k, ())]} for k in available],
        "kendall": matrix[1:],
        "kendall_methods": [tr(METHOD_NAMES, k, lang) for k in available[:-1]],
        "explanations": explanations,
        "conclusion": _methods_conclusion(top3, available, ranks, flagged, names, t, lang,
                                          a, target),
    }


def _method_text(key: str, method: MethodResult, names: Names, lang: str, target: str,
                 outcome: str, drivers: Sequence[str]) -> dict[str, Any]:
    name = tr(METHOD_NAMES, key, lang)
    block = method.detail
    if not method.available:
        code = method.reason_code
        text = (tr(METHOD_UNAVAILABLE, code, lang).format(
                    rated=join([names.driver(d) for d in block.get("rated") or ()], lang),
                    drivers=join([names.driver(d) for d in drivers], lang),
                    columns=join(block.get("columns") or (), lang))
                if code in METHOD_UNAVAILABLE else method.reason)
        return {"key": key, "name": name, "text": text, "available": False}
    fields: dict[str, Any] = {"target": names.latent(target), "outcome": outcome}
    if key == "dual_evaluation":
        stated = [r["importance"] for r in method.rows if _finite(r.get("importance"))]
        fields.update(low=f"{min(stated):.1f}" if stated else "–",
                      high=f"{max(stated):.1f}" if stated else "–")
    if key == "regression":
        fields.update(n=f"{block.get('n', 0):,}", r2=f"{block.get('r2') or 0:.3f}")
    text = tr(METHOD_TEXT, key, lang).format(**fields)
    negative = block.get("negative_significant_items") or []
    if key == "regression" and negative:
        vif = block.get("max_item_vif")
        text += grammar("sentence_gap", lang) + tr(METHOD_TEXT, "regression_negative", lang).format(
            items=join([f"“{names.item(i)}”" for i in negative], lang),
            vif=f"{vif:.2f}" if _finite(vif) else "–")
    return {"key": key, "name": name, "text": text, "available": True}


def _methods_conclusion(top3: Mapping[str, Sequence[str]], available: Sequence[str],
                        ranks: Mapping[str, Mapping[str, int]], flagged: Mapping[str, Any],
                        names: Names, t: Mapping[str, str], lang: str, a: Analyses,
                        target: str) -> list[str]:
    """The report's priority (the rule of the driver section) first; then where the classic
    methods agree (drivers in every method's top three, else in most) and, plainly, which of
    those the rule does not put first; the most contested drivers."""
    k = len(available)
    if not k:
        return []
    mine = [p for p in a.ipma if p.target == target]
    quadrant_of = {p.driver: p.quadrant for p in mine}
    first = improve_first(mine)
    # A dimension of an improve-first construct is in line with the rule.
    in_line = set(first) | {p.driver for p in mine if p.parent in first}
    lines = [t["methods_rule"].format(names=join(map(names.driver, first), lang)) if first
             else t["methods_rule_none"]]
    counts = Counter(d for x in available for d in top3.get(x, ()))
    best = max(counts.values(), default=0)
    # Name the drivers in the order of their mean rank.
    def ordered(ds):
        return sorted(ds, key=lambda d: (sum(ranks[d].values()) / len(ranks[d]), d))
    agreed: list[str] = []
    if best == k:
        agreed = ordered([d for d, c in counts.items() if c == k])
        lines.append(t["agree_all"].format(k=k, names=join(map(names.driver, agreed), lang)))
    elif best >= 2 and best > k / 2:
        agreed = ordered([d for d, c in counts.items() if c == best])
        lines.append(t["agree_most"].format(m=best, k=k,
                                            names=join(map(names.driver, agreed), lang)))
    else:
        lines.append(t["agree_none"])
    differ = [d for d in agreed if d in quadrant_of and d not in in_line]
    if differ:
        lines.append(t["methods_differ"].format(names=join(
            [labelled(names.driver(d), tr(QUADRANTS, quadrant_of[d], lang), lang) for d in differ],
            lang)))
    if flagged:
        gaps = sorted(flagged.values(), key=lambda f: (-f["gap"], f["driver"]))
        widest = [f for f in gaps if f["gap"] == gaps[0]["gap"]][:3]
        items = [t["ranks_range"].format(name=names.driver(f["driver"]),
                                         low=min(f["ranks"].values()), high=max(f["ranks"].values()))
                 for f in widest]
        lines.append(t["contested"].format(items=join(items, lang)))
    return lines


# --------------------------------------------------------------------------- satisfaction ratio


def _ratio(a: Analyses | None, names: Names, t: Mapping[str, str], lang: str
           ) -> dict[str, Any] | None:
    if a is None or "satisfaction_ratio" not in a.include or not a.satisfaction_ratio:
        return None
    out = []
    for r in a.satisfaction_ratio:
        out.append({"expectation": r.expectation, "expectation_label": names.item(r.expectation),
                    "perceived": r.perceived, "perceived_label": names.aspect(r.perceived),
                    "expected_mean": r.expected_mean, "perceived_mean": r.perceived_mean,
                    "ratio": r.ratio, "band": r.band,
                    "band_text": tr(RATIO_BANDS, r.band, lang) if r.band in RATIO_BANDS
                    else r.band, "n": r.n,
                    "shares": [r.shares.get(b) for b in BANDS]})
    short = [r for r in out if r["band"] in ("not_met", "unmet")]
    return {
        "intro": t["ratio_intro"].format(tol=f"{TOLERANCE:.2f}"),
        "bands": [{"code": b, "range": {"exceeded": "C > 1", "met": "C ≈ 1", "not_met": "C < 1",
                                        "unmet": "C = 0"}[b],
                   "name": tr(RATIO_BANDS, b, lang)} for b in BANDS],
        "rows": out,
        "conclusion": (t["ratio_not_met"].format(items=join(
            [paren(r["perceived_label"], f"C = {r['ratio']:.3f}", lang) for r in short], lang))
            if short else t["ratio_all_met"]),
    }


# --------------------------------------------------------------------------- gauges


def _box_range(scale, share: float, top: bool) -> str:
    """The scale points of the top (or bottom) box, e.g. "8-10"; on a continuous scale the
    interval, e.g. "7-10" for answers from 7 up."""
    lo, hi = int(scale.min), int(scale.max)
    cut = scale.min + share * (scale.max - scale.min)
    if not scale.integer:
        ends = (cut, scale.max) if top else (scale.min, cut)
        return "-".join(f"{x:g}" for x in ends)
    points = [p for p in range(lo, hi + 1) if (p >= cut if top else p <= cut)]
    if not points:
        return "–"
    return str(points[0]) if len(points) == 1 else f"{points[0]}-{points[-1]}"


def _gauges(result: StudyResult, names: Names, t: Mapping[str, str], lang: str,
            target: str) -> dict[str, Any] | None:
    a = result.analysis
    g = a.gauges if a is not None and "gauges" in a.include else None
    if g is None or (not g.gauges and g.funnel is None):
        return None
    funnel = g.funnel
    q = result.questionnaire
    target_label = names.latent(target)
    rows = []
    for x in g.gauges:
        scale = q.scale_of(x.item)
        by_box = x.satisfaction_by_box
        rows.append({"role": x.role, "name": tr(GAUGES, x.role, lang), "item": x.item,
                     "item_label": names.item(x.item), "n": x.n, "mean": x.mean,
                     "top_box": x.top_box, "bottom_box": x.bottom_box,
                     "top_range": _box_range(scale, TOP_BOX, True),
                     "bottom_range": _box_range(scale, BOTTOM_BOX, False),
                     "dont_know": x.dont_know,
                     "by_box": [by_box.get(b) for b in ("top", "middle", "bottom")] if by_box
                     else None,
                     "correlation": x.correlation_with_satisfaction,
                     "distribution": dict(x.distribution)})
    chart = ""
    points = sorted({p for r in rows for p in r["distribution"]}, key=float)
    if points:  # continuous scales have no points to chart
        chart = distribution_svg([{"label": r["name"], "shares": r["distribution"]}
                                  for r in rows], points, t["share_axis"])
    out: dict[str, Any] = {
        "rows": rows, "chart_svg": chart,
        "sat_by_box": t["sat_by_box"].format(target=target_label),
        "correlation": t["correlation"].format(target=target_label),
        "has_by_box": any(r["by_box"] for r in rows),
        "note": (t["gauges_note"].format(top=rows[0]["top_range"], bottom=rows[0]["bottom_range"],
                                         target=target_label) if rows else ""),
        "funnel": None,
    }
    if funnel is not None:
        repurchase = q.gauges.repurchase
        top = _box_range(q.scale_of(repurchase), TOP_BOX, True) if repurchase else "–"
        groups = []
        for grp in funnel.groups:
            if not grp.n and grp.benchmark is None:
                continue  # an empty group the benchmark says nothing about
            again, bench = grp.buy_again, grp.benchmark
            diff = again - bench if _finite(again) and _finite(bench) else None
            groups.append({"group": grp.group, "n": grp.n, "share": grp.share,
                           "name": (tr(FUNNEL_GROUPS, grp.group, lang)
                                    if grp.group in FUNNEL_GROUPS else grp.group),
                           "buy_again": again, "benchmark": bench,
                           "difference": (t["points"].format(value=_signed(100 * diff, 1))
                                          if diff is not None else None),
                           "below": diff is not None and diff < 0})
        among = funnel.complained_among_dissatisfied
        summary = t["funnel_summary"].format(dissatisfied=_pct(funnel.dissatisfied),
                                             complained=_pct(funnel.complained),
                                             among=_pct(among))
        if _finite(among) and among < 0.5:
            summary += grammar("sentence_gap", lang) + t["funnel_silent"]
        out["funnel"] = {"n": funnel.n, "summary": summary, "groups": groups,
                         "note": t["funnel_note"].format(top=top)}
    return out


# --------------------------------------------------------------------------- segments


def _segments(result: StudyResult, names: Names, t: Mapping[str, str], lang: str,
              target: str, index_rows: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    a = result.analysis
    found = a.segments if a is not None else ()
    tiers = _tiers(a, names, t, lang)
    if not found and tiers is None:
        return None
    headline = {r["id"]: r for r in index_rows}
    latents = [target] + [r["id"] for r in index_rows if r["id"] != target]
    tests = {s.segment: s for s in (a.segment_tests if a is not None else ())}
    has_ci = False
    target_row = headline.get(target, {})
    blocks = []
    for segment in found:
        column = segment.segment
        table, warnings = [], []
        for lv in segment.levels:
            label = names.level(column, lv.level)
            est = lv.estimate
            index = {i.latent: i for i in est.indices} if est is not None else {}
            own = index.get(target)
            lo, hi = (finite(own.ci_low), finite(own.ci_high)) if own else (None, None)
            if lo is None or hi is None:
                lo = hi = None
            table.append({"level": lv.level, "label": label, "n": lv.n,
                          "estimated": est is not None,
                          "target": finite(own.value) if own else None,
                          "ci_low": lo, "ci_high": hi,
                          "values": [finite(index[x].value) if x in index else None
                                     for x in latents[1:]],
                          "note": "" if est is not None else _not_estimated(lv, t)})
            if est is not None:
                texts_ = ([n.text(lang) for n in est.notices] if est.notices
                          else list(est.warnings))
                warnings += [{"level": label, "text": w} for w in texts_]
            has_ci = has_ci or lo is not None
        unassigned = segment.n_unassigned
        blocks.append({
            "column": column, "name": names.segment(column),
            "title": t["segment_by"].format(name=names.segment(column)),
            "all": {"n": segment.n_total, "target": target_row.get("value"),
                    "ci_low": target_row.get("ci_low"), "ci_high": target_row.get("ci_high"),
                    "values": [headline.get(x, {}).get("value") for x in latents[1:]]},
            "rows": table, "warnings": warnings,
            "warnings_title": t["level_warnings"].format(n=len(warnings)),
            "unassigned": (t["unassigned"].format(n=f"{unassigned:,}", column=names.segment(column))
                           if unassigned else ""),
            "tests": _segment_tests(tests.get(column), column, names, t, lang)})
    return {
        "intro": t["segments_intro" if has_ci else "segments_intro_plain"].format(
            target=names.latent(target), ci=t["ci"]),
        "has_ci": has_ci,
        "latents": [{"id": x, "label": names.driver(x)} for x in latents],
        "header": _segment_header(latents, names, t, lang, result),
        "columns": blocks, "tiers": tiers,
        "tests_note": _tests_note(tuple(tests.values()), t),
    }


def _tests_note(blocks: Sequence[SegmentComparison], t: Mapping[str, str]) -> str:
    """What the invariance verdicts mean: MICOM's (PLS) or the likelihood-ratio steps'
    (CB-SEM); empty without tests."""
    pairs = [p for b in blocks for p in b.pairs]
    if not pairs:
        return ""
    return t["invariance_lr_note" if any(p.method == "cbsem" for p in pairs)
             else "micom_note"]


def _segment_header(latents: Sequence[str], names: Names, t: Mapping[str, str], lang: str,
                    result: StudyResult) -> list[list[dict[str, Any]]]:
    """The two header rows of a segment table: the target and the constructs span both rows;
    the dimensions of a higher-order construct sit under one "Dimensions of ..." cell."""
    parent_of = {d: h for h, ds in result.bound.second_order for d in ds}
    top: list[dict[str, Any]] = []
    bottom: list[dict[str, Any]] = []
    for k, x in enumerate(latents):
        parent = parent_of.get(x)
        if parent is None:
            top.append({"label": names.latent(x), "rows": 2, "span": 1, "ci": k == 0})
            continue
        if not top or top[-1].get("parent") != parent:
            top.append({"label": t["dimensions_panel"].format(parents=names.latent(parent)),
                        "rows": 1, "span": 0, "ci": False, "parent": parent})
        top[-1]["span"] += 1
        bottom.append({"label": names.latent(x)})
    return [top, bottom]


def _not_estimated(level: Any, t: Mapping[str, str]) -> str:
    """Why a level (survey.analysis.segments.LevelEstimate) was not estimated, in the report's
    language where the reason is known."""
    if level is None:
        return ""
    if level.reason == "too_few":
        return t["not_estimated_n"].format(n=f"{level.n:,}", min_n=f"{level.min_n:,}")
    return t["not_estimated"].format(reason=level.error)


def _segment_tests(block: SegmentComparison | None, column: str, names: Names,
                   t: Mapping[str, str], lang: str) -> dict[str, Any] | None:
    """The permutation tests of one segment column: counts, the significant differences, and
    the measurement invariance of every pair."""
    if block is None or not block.pairs:
        return None
    pairs = block.pairs
    significant, n_tests, n_defined, permutations = [], 0, 0, 0
    micom = []
    for p in pairs:
        pair = f"{names.level(column, p.level_1)} vs {names.level(column, p.level_2)}"
        permutations = max(permutations, p.permutations.get("requested") or 0)
        for x in p.tests:
            n_tests += 1
            if finite(x.p_value) is None:
                continue
            n_defined += 1
            if significant_p(x.p_value):
                significant.append((pair, x))
        micom.append(_invariance(p, pair, names, lang))
    significant.sort(key=lambda s: (finite(s[1].p_holm) if finite(s[1].p_holm) is not None
                                    else 1.0, s[1].p_value))
    shown = []
    for pair, x in significant[:MAX_TEST_ROWS]:
        kind = x.kind
        if kind == "path":
            parameter = f"{names.driver(x.a)} → {names.driver(x.b)}"
        elif kind == "index":
            parameter = t["index_of"].format(name=names.driver(x.a))
        else:
            parameter = f"{names.driver(x.a)} · {names.item(x.b)}"
        shown.append({"pair": pair, "kind": kind,
                      "kind_name": tr(PARAMETER_KINDS, kind, lang) if kind in PARAMETER_KINDS
                      else kind,
                      "parameter": parameter, "value_1": finite(x.value_1),
                      "value_2": finite(x.value_2), "difference": finite(x.difference),
                      "digits": 1 if kind == "index" else 3, "p": x.p_value,
                      "p_holm": finite(x.p_holm),
                      "holm_significant": significant_p(x.p_holm) is True,
                      "comparable": x.comparable, "note": x.note})
    n_holm = sum(1 for _, x in significant if significant_p(x.p_holm) is True)
    failing = [m for m in micom if m["verdict"] in ("no", "metric_fails")]
    # CB-SEM pairs test by likelihood ratio, PLS pairs by permutation.
    lr = any(p.method == "cbsem" for p in pairs)
    return {
        "title": t["segment_tests_lr" if lr else "segment_tests"],
        "invariance_title": t["invariance_lr" if lr else "micom"],
        "detail_header": t["lr_tests" if lr else "composition_differs"],
        "summary": t["tests_summary_lr" if lr else "tests_summary"].format(
            pairs=len(pairs), tests=f"{n_tests:,}", permutations=f"{permutations:,}",
            sig=len(significant), expected=f"{SIGNIFICANCE * n_defined:.0f}", holm=n_holm),
        "rows": shown, "n_significant": len(significant),
        "more": (t["more_tests"].format(n=len(significant) - len(shown))
                 if len(significant) > len(shown) else ""),
        "micom": micom,
        "micom_warning": (t["micom_warning"].format(n=len(failing), total=len(micom))
                          if failing else ""),
    }


def _invariance(pair: PairComparison, label: str, names: Names, lang: str) -> dict[str, Any]:
    """MICOM's verdict for a PLS pair and what failed; for a CB-SEM pair the verdict of the
    metric and scalar steps and their likelihood-ratio tests (``steps``)."""
    out: dict[str, Any] = {"pair": label, "n_1": pair.n_1, "n_2": pair.n_2, "failed": [],
                           "steps": []}
    cb = pair.cbsem
    if pair.micom is not None:
        verdict = pair.micom.verdict
        out["failed"] = [names.driver(c.latent) for c in pair.micom.constructs
                         if not c.compositional]
    elif cb is not None and cb.metric is not None:
        holds = cb.metric_holds
        verdict = "untested" if holds is None else "metric_holds" if holds else "metric_fails"
        if holds and cb.scalar is not None and cb.scalar.fit is not None \
                and cb.scalar.holds is not None:
            verdict = "scalar_holds" if cb.scalar.holds else "scalar_fails"
        out["steps"].append({"name": tr(INVARIANCE_STEPS, "metric", lang),
                             "chi2": finite(cb.chi2_difference), "df": cb.df_difference,
                             "p": finite(cb.p_value)})
        for step in ("scalar", "paths_equal"):
            x = getattr(cb, step)
            if x is not None and x.fit is not None:
                out["steps"].append({"name": tr(INVARIANCE_STEPS, step, lang),
                                     "chi2": finite(x.chi2_difference), "df": x.df_difference,
                                     "p": finite(x.p_value)})
    else:
        verdict = "untested"
    out.update(verdict=verdict, verdict_text=tr(INVARIANCE, verdict, lang),
               level="bad" if verdict in ("no", "metric_fails") else
               "ok" if verdict in ("full", "metric_holds", "scalar_holds") else "")
    return out


def _tiers(a: Analyses | None, names: Names, t: Mapping[str, str], lang: str
           ) -> dict[str, Any] | None:
    v = a.value_tiers if a is not None else None
    if v is None or not v.tiers:
        return None
    tiers = v.tiers
    column = names.question(v.column) or v.column
    rows = [{"tier": x.tier, "name": tr(TIERS, x.tier, lang) if x.tier in TIERS else x.tier,
             "nominal_share": x.nominal_share, "n": x.n, "customer_share": x.customer_share,
             "value": x.value, "value_share": x.value_share, "min_value": x.min_value,
             "max_value": x.max_value} for x in tiers]
    top = ""
    if [x.tier for x in tiers] == list(TIERS):
        upper = tiers[:-1]  # platinum, gold and iron: the top 20 %
        top = t["tiers_top"].format(
            customers=_pct(sum(x.customer_share for x in upper)),
            value=_pct(sum(x.value_share or 0.0 for x in upper)))
    chart = tiers_svg([{"label": t["customers_bar"],
                        "shares": {x.tier: x.customer_share for x in tiers}},
                       {"label": t["value_bar"],
                        "shares": {x.tier: x.value_share or 0.0 for x in tiers}}],
                      [(r["tier"], r["name"]) for r in rows], t["share"])
    return {"intro": t["tiers_intro"].format(column=column, n=f"{v.n_ranked:,}"),
            "missing": (t["tiers_missing"].format(n=f"{v.n_missing:,}") if v.n_missing else ""),
            "rows": rows, "total_value": v.total_value, "n_ranked": v.n_ranked,
            "conclusion": top, "chart_svg": chart}


# --------------------------------------------------------------------------- precision


def _precision(result: StudyResult, names: Names, t: Mapping[str, str], lang: str,
               index_rows: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    a = result.analysis
    block = a.precision if a is not None and "precision" in a.include else {}
    if not block:
        return None
    order = [r["id"] for r in index_rows if r["id"] in block]
    order += [k for k in block if k not in order]
    rows, probability, confidence, methods = [], False, 0.95, set()
    for k in order:
        x = block[k]
        row = {"id": k, "label": names.driver(k), "dimension": k in names.dims}
        if not x.available:
            row.update(available=False, reason=(t["precision_unavailable"]
                                                if x.code == "invalid_index" else x.reason))
            rows.append(row)
            continue
        probability = probability or x.probability
        confidence = x.confidence
        methods.add(x.variance_method)
        row.update(available=True, estimate=x.estimate, se=x.se, n=x.n, moe=x.moe, deff=x.deff,
                   n_effective=x.n_effective, deff_kish=x.deff_kish,
                   n_effective_kish=x.n_effective_kish)
        rows.append(row)
    level = f"{confidence:.0%}"
    method = ("precision_taylor_stratified" if "taylor_stratified" in methods
              else "precision_taylor" if methods else "")
    method = tr(ANALYSIS_NOTES, method, lang) if method else ""
    return {"rows": rows, "probability": probability,
            "moe_header": t["moe"].format(level=level),
            "moe_note": (t["moe_probability"].format(level=level) if probability
                         else t["moe_not_probability"]),
            "variance_method": t["variance_method"].format(method=method) if method else ""}


# --------------------------------------------------------------------------- mediation


def _mediation(a: Analyses | None, names: Names, lang: str,
               target: str | None) -> dict[str, Any] | None:
    """The specific indirect effects as the typed block has them (chain, estimate, interval,
    p, direct effect, type) with the rule they were judged by and a one-line reading: how many
    are significant, and the largest significant one on the target."""
    m: Mediation | None = a.mediation if a is not None and "mediation" in a.include else None
    if m is None or not m.effects:
        return None
    w = {k: tr(MEDIATION_UI, k, lang) for k in MEDIATION_UI}
    types = {k: tr(MEDIATION_TYPES, k, lang) for k in MEDIATION_TYPES}

    def chain(links: Sequence[str]) -> str:
        return " → ".join(names.latent(x) for x in links)

    rows = [{"id": "->".join(x.chain), "chain": chain(x.chain), "from": x.cause, "to": x.effect,
             "estimate": x.estimate, "std_estimate": x.std_estimate, "ci_low": x.ci_low,
             "ci_high": x.ci_high, "p": x.p_value, "significant": x.significant,
             "direct": x.direct, "direct_path": x.has_direct_path,
             "direct_significant": x.direct_significant, "type": x.type,
             "type_text": types[x.type]} for x in m.effects]
    ci = ""
    if m.interval is not None:
        name = w["delta"] if m.interval == "delta" else tr(INTERVALS, m.interval, lang)
        ci = ci_label(f"{m.level:.0%}", name, lang)
    lines: list[str] = []
    if m.withheld is not None:
        reading = w[f"withheld_{m.withheld}"]
    else:
        significant = [x for x in m.effects if x.significant]
        n = len(m.effects)
        if not significant:
            reading = w["reading_none"].format(n=n)
        else:
            reading = w["reading"].format(sig=len(significant), n=n)
            own = [x for x in significant if x.effect == target]
            if own:
                top = max(own, key=lambda x: abs(x.estimate))
                reading += grammar("sentence_gap", lang) + w["reading_largest"].format(
                    target=names.latent(top.effect), chain=chain(top.chain),
                    value=_signed(top.estimate, 3), type=types[top.type])
        lines.append(w["rule"].format(ci=ci))
        lines.append(w["p_bootstrap"].format(df=m.p_df) if m.inference == "bootstrap"
                     else w["p_delta"])
    if m.inference == "delta":
        lines.append(w["delta_note"])
    cbsem = m.method == "cbsem"
    if cbsem:
        lines.append(w["cbsem_metric"])
    return {"title": w["title"], "intro": w["intro"], "reading": reading, "rows": rows,
            "has_ci": m.inference != "none", "has_std": cbsem, "ci_header": ci or w["indirect"],
            "inference": m.inference, "interval": m.interval, "notes": lines,
            "legend": [{"type": k, "name": types[k], "text": tr(MEDIATION_TYPE_RULES, k, lang)}
                       for k in MEDIATION_TYPES if any(x.type == k for x in m.effects)],
            "words": w}


# --------------------------------------------------------------------------- prediction


def _prediction(a: Analyses | None, names: Names, lang: str,
                target: str | None) -> dict[str, Any] | None:
    """PLSpredict per target indicator (Q²_predict, RMSE and MAE of PLS and LM) with the
    reading of every endogenous construct (the target's first), and CVPAT of PLS against the
    IA and LM benchmarks; or, when the data could not carry it, why (the block's reason)."""
    p: Prediction | PredictionUnavailable | None = (
        a.prediction if a is not None and "prediction" in a.include else None)
    if p is None:
        return None
    w = {k: tr(PREDICTION_UI, k, lang) for k in PREDICTION_UI}
    if not p.available:
        return {"title": w["title"], "available": False,
                "reason": w["unavailable"] + p.reason, "words": w}
    s = p.settings
    intro = w["intro"].format(folds=s.folds, repetitions=s.repetitions, seed=s.seed,
                              approach=w[f"approach_{s.approach}"],
                              benchmark=w[f"benchmark_{s.approach}"])
    power = sorted(p.power, key=lambda x: x.latent != target)

    def verdict(x) -> dict[str, Any]:
        return {"latent": x.latent, "power": x.power, "code": x.code,
                "text": w["verdict"].format(target=names.latent(x.latent),
                                            power=tr(PREDICTIVE_POWER, x.power, lang),
                                            beats=x.beats_rmse, n=x.n_items, q2=x.q2_positive),
                "rule": tr(PREDICTIVE_POWER_RULES, x.code, lang)}

    order = {x.latent: k for k, x in enumerate(power)}
    rows = [{"latent": x.latent, "construct": names.latent(x.latent), "item": x.item,
             "label": names.item(x.item), "q2": x.q2_predict, "pls_rmse": x.pls_rmse,
             "lm_rmse": x.lm_rmse, "pls_mae": x.pls_mae, "lm_mae": x.lm_mae,
             "beats": x.pls_beats_lm_rmse}
            for x in sorted(p.indicators, key=lambda x: order[x.latent])]

    def word(cvpat) -> str:
        significant = cvpat.significant
        return (w["untested"] if significant is None
                else w["lower"] if significant and cvpat.overall.difference > 0
                else w["not_lower"])

    cvpat = []
    for key, c in (("ia", p.cvpat_ia), ("lm", p.cvpat_lm)):
        for x in c.tests:
            cvpat.append({"benchmark": w[key], "key": key,
                          "latent": w["overall"] if x.latent == "overall"
                          else names.latent(x.latent), "overall": x.latent == "overall",
                          "loss_pls": x.loss_a, "loss_b": x.loss_b,
                          "difference": x.difference, "t": x.t_value, "p": x.p_value,
                          "p_boot": x.boot_p_value})
    notes = [w["missing"].format(
        missing=w["missing_training" if p.missing == "mean" else "missing_listwise"],
        n=sum(x.n_unscored for x in p.indicators))]
    if p.failed_fits:
        total = s.repetitions
        notes.append(w["failed"].format(n=len(p.failed_fits),
                                        reasons=join(sorted(set(p.failed_fits)), lang),
                                        used=p.repetitions_used, total=total))
    if p.higher_order:
        notes.append(w["higher_order"].format(
            names=join([names.latent(h) for h in p.higher_order], lang)))
    return {"title": w["title"], "available": True, "intro": intro,
            "verdicts": [verdict(x) for x in power], "rows": rows, "cvpat": cvpat,
            "cvpat_intro": w["cvpat_intro"].format(resamples=s.resamples),
            "cvpat_reading": w["cvpat_reading"].format(ia=word(p.cvpat_ia),
                                                       lm=word(p.cvpat_lm)),
            "has_boot": s.resamples > 1, "notes": notes, "words": w}


# --------------------------------------------------------------------------- triangulation


#: Digits of each triangulation method's measure.
TRIANGULATION_DIGITS = {"sem": 3, "regression": 3, "relative_weights": 3, "shapley": 3}


def _triangulation(a: Analyses | None, names: Names, lang: str,
                   target: str | None) -> dict[str, Any] | None:
    """The drivers by four methods with their intervals, the one line on whether the other
    methods agree with the priority rule's top drivers (decided in
    survey.analysis.triangulation), and the NPS with its interval and segment tests."""
    tri: DriverTriangulation | None = (a.driver_shares if a is not None
                                       and "driver_shares" in a.include else None)
    score: NpsResult | None = a.nps if a is not None and "nps" in a.include else None
    if tri is None and score is None:
        return None
    w = {k: tr(TRIANGULATION_UI, k, lang) for k in TRIANGULATION_UI}
    gap = grammar("sentence_gap", lang)
    out: dict[str, Any] = {"title": w["title"], "words": w, "drivers": None, "nps": None}
    if tri is not None and not tri.available:
        reason = (tr(TRIANGULATION_UNAVAILABLE, tri.reason_code, lang).format(n=tri.n)
                  if tri.reason_code in TRIANGULATION_UNAVAILABLE else tri.reason)
        out["drivers"] = {"unavailable": w["unavailable"].format(reason=reason)}
    elif tri is not None:
        out["drivers"] = _triangulation_drivers(tri, names, lang, target, w, gap)
    if score is not None:
        out["nps"] = _nps_block(score, names, lang, w)
    return out


def _triangulation_drivers(tri: DriverTriangulation, names: Names, lang: str,
                           target: str | None, w: Mapping[str, str], gap: str
                           ) -> dict[str, Any]:
    methods = [m for m in TRIANGULATION_METHODS
               if not (m == "shapley" and tri.shapley_withheld == "too_many_drivers")
               and not (m == "sem" and all(d.sem is None for d in tri.drivers))]
    intervals = {"regression": "regression_ci", "relative_weights": "relative_weight_ci",
                 "shapley": "shapley_ci"}
    rows = []
    for d in tri.drivers:
        cells = []
        for m in methods:
            ci = getattr(d, intervals[m]) if m in intervals else None
            cells.append({"method": m, "value": d.importance(m),
                          "low": ci[0] if ci else None, "high": ci[1] if ci else None,
                          "digits": TRIANGULATION_DIGITS[m]})
        rows.append({"id": d.driver, "label": names.driver(d.driver), "cells": cells})
    target_label = names.latent(target) if target else ""
    outcome = (w["outcome_item"].format(item=names.item(tri.outcome)) if tri.outcome_kind == "item"
               else w["outcome_score"].format(target=names.latent(tri.outcome)))
    notes = []
    boot = tri.bootstrap or {}
    if tri.inference == "bootstrap":
        notes.append(w["ci_note"].format(
            ci=ci_label(f"{tri.level:.0%}", tr(INTERVALS, "percentile", lang), lang),
            ok=boot.get("ok"), resamples=boot.get("resamples")))
    elif tri.withheld is not None:
        notes.append(w[f"withheld_{tri.withheld}"].format(ok=boot.get("ok"),
                                                          resamples=boot.get("resamples")))
    if tri.shapley_withheld is not None:
        notes.append(w[f"shapley_{tri.shapley_withheld}"].format(
            k=len(tri.drivers), max=MAX_SHAPLEY))
    return {"unavailable": None,
            "intro": w["intro"].format(target=target_label, outcome=outcome),
            "methods": [{"key": m, "name": w[m]} for m in methods], "rows": rows,
            "r2": tri.r2, "r2_low": tri.r2_ci[0] if tri.r2_ci else None,
            "r2_high": tri.r2_ci[1] if tri.r2_ci else None,
            "r2_label": w["r2"].format(n=f"{tri.n:,}"),
            "r2_methods": [m in ("relative_weights", "shapley") for m in methods],
            "agreement": _agreement_line(tri, names, lang, w, gap),
            "notes": notes + [w["peers_note"]]}


def _agreement_line(tri: DriverTriangulation, names: Names, lang: str, w: Mapping[str, str],
                    gap: str) -> str:
    """One line: the rule's top drivers, then, for each set of methods that judge them alike,
    which they agree on and which they rate below their peers' average (the verdicts are the
    analysis's; this only words them)."""
    ag = tri.agreement
    if ag is None:
        return w["no_agreement"]
    top = join([names.driver(d) for d in ag.rule_top], lang)
    line = w["rule_first" if ag.rule_basis == "improve_first" else "rule_first_top"].format(
        names=top)
    if ag.all_agree:
        text = w["agree_all"].format(methods=join([w[f"m_{m}"] for m in ag.methods], lang))
        return line + gap + text[:1].upper() + text[1:]
    groups: dict[tuple, list[str]] = {}
    for m, v in ag.methods.items():
        groups.setdefault((tuple(v["agree"]), tuple(v["differ"]), v["top"]), []).append(
            w[f"m_{m}"])
    parts = []
    for (agree, differ, best), methods in groups.items():
        fields = {"methods": join(methods, lang),
                  "agree": join([names.driver(d) for d in agree], lang),
                  "differ": join([names.driver(d) for d in differ], lang),
                  "top": names.driver(best)}
        key = "agree_only" if not differ else "differ_some" if agree else "differ_all"
        parts.append(w[key].format(**fields))
    text = w["clause_sep"].join(parts)
    return line + gap + text[:1].upper() + text[1:] + w["full_stop"]  # a new sentence


def _nps_block(score: NpsResult, names: Names, lang: str, w: Mapping[str, str]
               ) -> dict[str, Any]:
    if not score.available:
        code = f"nps_unavailable_{score.reason_code}"
        return {"line": w[code].format(item=names.item(score.item or "")) if code in w
                else score.reason, "notes": [], "segments": []}

    def ci(x) -> str:
        if x.ci_low is None:
            return ""
        return w["nps_ci"].format(level=f"{x.level:.0%}", low=f"{x.ci_low:.1f}",
                                  high=f"{x.ci_high:.1f}")

    x = score.overall
    line = w["nps_line"].format(item=names.item(score.item), p=_pct(x.promoters),
                                m=_pct(x.passives), d=_pct(x.detractors),
                                score=_signed(x.score, 1), ci=ci(x), n=f"{x.n:,}")
    notes = [w["nps_se_note"].format(neff=f"{x.n_effective:,.1f}")]
    if x.withheld is not None:
        notes.append(w[f"nps_withheld_{x.withheld}"].format(min=MIN_N))
    segments = []
    for seg in score.segments:
        label = {lv: names.level(seg.column, lv) for lv, _ in seg.levels}
        segments.append({
            "title": w["nps_segment"].format(segment=names.segment(seg.column)),
            "levels": [{"label": label[lv], "n": v.n, "score": v.score, "low": v.ci_low,
                        "high": v.ci_high, "withheld": v.withheld} for lv, v in seg.levels],
            "pairs": [{"label": f"{label.get(p.b, p.b)} − {label.get(p.a, p.a)}",
                       "difference": p.difference, "low": p.ci_low, "high": p.ci_high,
                       "p": p.p_adjusted, "significant": p.significant} for p in seg.pairs]})
    if segments:
        notes.append(w["nps_test_note"])
    return {"line": line, "notes": notes, "segments": segments}


# --------------------------------------------------------------------------- notes


def _notes(a: Analyses | None, lang: str, headline: str) -> list[str]:
    """Method notes of the analyses: the scores they share, IPMA, segment comparisons."""
    if a is None or not a.notes:
        return []
    missing = a.notes.get("scores_missing", "")
    key = {"mean replacement": "mean", "listwise": "listwise"}.get(missing)
    lines = [tr(ANALYSIS_NOTES, "scores", lang).format(
        name=headline, missing=tr(MISSING, key, lang) if key else missing)]
    if "ipma" in a.include and a.ipma:
        lines.append(tr(ANALYSIS_NOTES, "ipma", lang))
    if a.segment_tests:
        lr = any(p.method == "cbsem" for s in a.segment_tests for p in s.pairs)
        lines.append(tr(ANALYSIS_NOTES, "segments_cbsem" if lr else "segments", lang))
    skipped: dict[str, list[str]] = {}
    for s in a.skipped:
        skipped.setdefault(s["code"], []).append(tr(SKIPPED_NAMES, s["analysis"], lang))
    for code, analyses in skipped.items():
        lines.append(tr(ANALYSIS_NOTES, f"skipped_{code}", lang).format(
            analyses=join(analyses, lang)))
    return lines

