"""Compute the report's context: plain data (strings, numbers, lists, dicts), nothing to draw
or render. Testable on its own; the templates only lay it out.

Every quality judgement of the report (a loading below 0.708, an AVE below 0.50, an HTMT above
0.85 ...) is a verdict of survey.assess (its Criteria and their sources), shown here from the
numbers of the estimate, and travels to the template as a
*cell*: ``{"v": value, "flag": code or None, "level": "bad" | "warn" | "", "note": the flag's
text, "na": footnote mark of a "–" or None, "own": bold (an item's own construct), "sub": a
second cell under the value or None}``. The template only paints what it is given.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import PurePath
from typing import Any

from survey.assess import (
    CRITERIA,
    assess,
    at_least,
    bootstrap_rows,
    f2_size,
    fit_verdict,
    fornell_larcker_violated,
    htmt_upper_verdict,
    htmt_verdict,
    keep_formative_item,
    significant,
    vif_verdict,
)
from survey.estimators.result import Estimate
from survey.estimators.sample_size import SMALL_SAMPLE
from survey.numbers import finite as _num
from survey.report.analyses import analysis_sections
from survey.report.charts import comparison_svg, path_diagram_svg, scorecard_svg
from survey.report.texts import (
    ANALYSIS_UI,
    COLUMN_RULES,
    FIT_NAMES,
    FLAGS,
    INTERVALS,
    MISSING,
    MODES,
    NA_REASONS,
    NOTES,
    REASON_TEXT,
    REASONS,
    REJECT_REASONS,
    SCHEMES,
    UI,
    criterion,
    grammar,
    join,
    labelled,
)
from survey.report.texts import ci_label as ci_text
from survey.report.texts import paren as _paren
from survey.report.texts import tr as _tr
from survey.study import StudyResult

# The thresholds and the significance level are survey.assess.Criteria's (each with its source);
# the verdicts are its functions: the report shows them, it does not decide them.
LOADING_MIN = CRITERIA.loading_min
RELIABILITY_MIN = CRITERIA.reliability_min
AVE_MIN = CRITERIA.ave_min

NAMES = {"pls": "PLS-SEM", "cbsem": "CB-SEM (ML)", "plsc": "PLSc"}
#: The estimators whose numbers are PLS composites' (standardized, no fit test): PLS and
#: consistent PLS.
PLS_FAMILY = ("pls", "plsc")


class _Cells:
    """Makes the flagged cells of one report language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, value: Any, flag: str | None = None, level: str = "bad",
                 na: str | None = None) -> dict[str, Any]:
        v = _num(value)
        if v is None or flag is None:
            return {"v": v, "flag": None, "level": "", "note": "", "na": na if v is None else None,
                    "own": False, "sub": None}
        return {"v": v, "flag": flag, "level": level, "note": _tr(FLAGS, flag, self.lang),
                "na": None, "own": False, "sub": None}

    def below(self, value: Any, threshold: float, flag: str, na: str | None = None):
        return self(value, flag if at_least(value, threshold) == "low" else None, na=na)

    def vif(self, value: Any):
        verdict = vif_verdict(value)
        if verdict == "too_high":
            return self(value, "vif_5", "bad")
        if verdict == "high":
            return self(value, "vif_3", "warn")
        return self(value)

    def htmt(self, value: Any, name: str):
        verdict = htmt_verdict(value)
        if verdict == "above_liberal":
            return self(value, f"{name}_90", "bad")
        if verdict == "above_strict":
            return self(value, f"{name}_85", "warn")
        return self(value)


class _Footnotes:
    """Footnote marks for "–" cells: one mark per reason, each reason explained once."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.marks: dict[str, str] = {}

    def __call__(self, reason: str | None) -> str | None:
        if reason is None:
            return None
        if reason not in self.marks:
            self.marks[reason] = "abcdefghijklmnop"[len(self.marks)]
        return self.marks[reason]

    def items(self) -> list[dict[str, str]]:
        return [{"mark": m, "text": _tr(NA_REASONS, r, self.lang)} for r, m in self.marks.items()]


def _interval(est: Estimate) -> str:
    """The kind of the estimate's intervals: 'percentile', 'bca', 'wald' or '' (none)."""
    if est.bootstrap is not None:
        return str(est.settings.get("interval", "percentile"))
    if est.inference == "wald" or est.method not in PLS_FAMILY:
        return "wald"
    return ""


def _level(est: Estimate) -> float:
    return est.bootstrap.settings.level if est.bootstrap is not None else 0.95


def _ci_label(est: Estimate, lang: str) -> str:
    kind = _interval(est)
    if not kind:
        return ""
    level = f"{_level(est):.0%}"
    name = _tr(INTERVALS, kind, lang)
    return ci_text(level, name, lang)


def warning_texts(est: Estimate, lang: str) -> list[str]:
    """The estimate's warnings in ``lang`` (from their codes; the English sentences of an
    estimate made without codes)."""
    if est.notices:
        return [n.text(lang) for n in est.notices]
    return list(est.warnings)


def build_context(result: StudyResult, lang: str) -> dict[str, Any]:
    """Everything the report shows, as plain data, in ``lang`` ('zh' or 'en').

    The headline estimate (PLS when it was run) fills the scorecard, the structural model and
    the measurement-quality section; every estimate has its admissibility, warnings and method
    notes; with two estimates a side-by-side comparison is added. The analysis sections
    (drivers, methods, ratio, gauges, segments, precision) come from ``result.analysis``
    (:mod:`survey.report.analyses`) and are None where their block is absent.
    """
    q, bound, est, ing = result.questionnaire, result.bound, result.estimate, result.responses.report
    t = {k: _tr(table, k, lang) for table in (UI, ANALYSIS_UI) for k in table}
    model = bound.model
    dims = {d for _, ds in bound.second_order for d in ds}
    parent_of = {d: h for h, ds in bound.second_order for d in ds}
    cell = _Cells(lang)
    methods = list(result.estimates)
    headline = next(m for m, e in result.estimates.items() if e is est)

    def label(construct: str) -> str:
        return q.constructs[construct].label.get(lang)

    def dim_label(construct: str) -> str:
        return label(construct) + (t["dimension"] if construct in dims else "")

    def item_label(item_id: str) -> str:
        return q.item(item_id).short.get(lang)

    single_item = {items[0]: c for c, items in bound.measurement if len(items) == 1}

    def variable_label(name: str) -> str:
        """A variable of the CB-SEM parameter table: a construct, or an item (a single-item
        construct's item stands for the construct)."""
        if name in q.constructs:
            return dim_label(name)
        if name in single_item:
            return dim_label(single_item[name])
        return f"{item_label(name)} ({name})"

    ci_label = _ci_label(est, lang)

    # Scorecard: each higher-order latent followed by its dimensions.
    by_latent = {idx.latent: idx for idx in est.indices}
    ordered = []
    for idx in est.indices:
        if idx.latent in dims:
            continue
        ordered.append(idx)
        ordered += [by_latent[d] for h, ds in bound.second_order if h == idx.latent
                    for d in ds if d in by_latent]
    ordered += [i for i in est.indices if i not in ordered]
    index_rows = []
    for idx in ordered:
        index_rows.append({
            "id": idx.latent, "label": dim_label(idx.latent),
            "value": _num(idx.value), "valid": idx.valid, "level": 2 if idx.latent in dims else 1,
            "se": _num(idx.se), "ci_low": _num(idx.ci_low), "ci_high": _num(idx.ci_high),
            "weights": [{"item": i, "label": item_label(i), "weight": _num(w)} for i, w in idx.weights],
        })
    index_of = {r["id"]: r["value"] for r in index_rows}
    has_index_ci = any(r["ci_low"] is not None for r in index_rows)

    # Path diagram of the headline estimate.
    order = model.causal_order()
    depth = causal_layers(model)
    nodes = [{"id": x, "label": label(x), "layer": depth[x], "index": index_of.get(x),
              "r2": _num(est.r2.get(x)) if x in est.r2 else None} for x in order]
    edges = [{"from": p.source, "to": p.target, "std": _num(p.std_estimate) or 0.0,
              "significant": significant(p.p_value) is True,
              "tested": p.p_value is not None} for p in est.paths]
    second = [{"id": x.item, "label": label(x.item), "parent": x.latent,
               "loading": _num(x.std_estimate), "index": index_of.get(x.item)}
              for x in est.loadings if x.item in dims]

    structural = _structural(est, result, lang, t, cell, label)
    target = model.target  # None: a measurement model that names no headline construct
    target_r2 = _num(est.r2.get(target)) if target is not None else None
    target_idx = by_latent.get(target) if target is not None else None
    alerts = []
    for m, e in result.estimates.items():
        if not e.admissible:
            text = t["inadmissible_of"].format(name=NAMES.get(m, m))
            if e is not est and est.admissible:
                text += grammar("sentence_end", lang)
                text += t["headline_unaffected"].format(name=NAMES.get(headline, headline))
            alerts.append({"method": m, "name": NAMES.get(m, m), "text": text,
                           "warnings": warning_texts(e, lang)})

    rejects = result.responses.rejects
    shown = rejects.head(50)
    quality = [{"item": i, "label": item_label(i), "construct": label(q.item(i).construct),
                "dont_know": ing.dont_know.get(i, 0.0), "blank": ing.blank.get(i, 0.0)}
               for i in bound.items]
    if len(methods) == 1:
        method_label = NAMES.get(headline, headline)
    else:
        method_label = " + ".join(
            _paren(NAMES.get(m, m), t["headline_of"] if m == headline else t["comparison_of"],
                   lang)
            for m in [headline, *[m for m in methods if m != headline]])
    missing_text = "; ".join(
        _paren(f"{NAMES.get(m, m)}: "
               f"{_tr(MISSING, e.missing, lang) if e.missing in MISSING else e.missing}",
               t["incomplete"].format(n=f"{e.missing_detail.get('n_incomplete', 0):,}"), lang)
        for m, e in result.estimates.items())
    inference = "; ".join(
        f"{NAMES.get(m, m)}: " + (
            f"{e.bootstrap.settings.resamples:,} {t['resamples']}, {_ci_label(e, lang)}"
            if e.bootstrap is not None else
            ("Wald" if _interval(e) == "wald" else t["no_bootstrap"]))
        for m, e in result.estimates.items())
    analyses = analysis_sections(result, lang, t, index_rows, NAMES.get(headline, headline))
    small_samples = [{"name": NAMES.get(m, m), "text": n.text(lang)}
                     for m, e in result.estimates.items() for n in e.notices
                     if n.code == SMALL_SAMPLE]
    executive = _executive(result, t, lang, label, target_idx, analyses, alerts, small_samples)
    notes = _notes(result, lang, label)
    if analyses["analysis_notes"]:
        notes.append({"title": t["analysis_notes"], "lines": analyses["analysis_notes"]})
    return {
        "lang": lang,
        "t": t,
        "title": q.title.get(lang),
        "model_name": model.name.get(lang) or model.id,
        "method": method_label,
        "headline": {"key": headline, "name": NAMES.get(headline, headline)},
        "summary": {
            "rows": ing.n_rows, "accepted": ing.n_accepted, "rejected": ing.n_rejected,
            "screened": ing.n_screened_out, "used": est.n, "missing": missing_text,
            "incomplete": est.missing_detail.get("n_incomplete", 0),
            # The file's name; its path (a detail of the machine) is in the appendix.
            "source": PurePath(ing.source).name or ing.source,
            "encoding": ing.encoding or ing.format, "inference": inference,
        },
        "target": {"id": target, "label": label(target) if target is not None else None,
                   "value": index_of.get(target) if target is not None else None,
                   "r2": target_r2,
                   "ci_low": _num(target_idx.ci_low) if target_idx else None,
                   "ci_high": _num(target_idx.ci_high) if target_idx else None},
        "resamples": est.bootstrap.settings.resamples if est.bootstrap is not None else None,
        "indices": index_rows,
        "index_ci": has_index_ci,
        "ci_label": ci_label,
        "index_weights_note": (_tr(NOTES, est.index_weights, lang)
                               if est.index_weights in NOTES else est.index_weights),
        "scorecard_svg": scorecard_svg(
            index_rows, t["index"],
            grammar("error_bars", lang, what=ci_label) if has_index_ci else None),
        # A measurement model has no paths to draw: its latent correlations instead.
        "diagram_svg": path_diagram_svg(nodes, edges, second) if model.paths else "",
        "cfa": (_latent_correlations(est, bound, t, cell, dim_label)
                if model.is_cfa else None),
        "diagram_note": _paren(t["diagram_note"] if any(e["tested"] for e in edges)
                               else t["diagram_note_untested"], NAMES.get(headline, headline),
                               lang),
        **structural,
        "admissible": all(e.admissible for e in result.estimates.values()),
        "alerts": alerts,
        "small_samples": small_samples,
        "executive": executive,
        "fit": [_fit_block(m, e, lang, t, variable_label) for m, e in result.estimates.items()],
        "measurement": _measurement(est, result, lang, t, cell, label, item_label, dims,
                                    parent_of),
        "comparison": (_comparison(result, lang, t, dim_label)
                       if "pls" in methods and "cbsem" in methods else None),
        "data_quality": quality,
        "quality_exclusion": _quality_exclusion(result, lang, label),
        "model_comparison": _model_comparison(result, lang),
        "columns": _columns_read(ing, lang),
        "rejects": [{"row": int(r.row), "column": r.column, "value": r.value,
                     "reason": _reject_reason(r, lang)} for r in shown.itertuples(index=False)],
        "more_rejects": max(0, len(rejects) - len(shown)),
        "notes": notes,
        "manifest": result.manifest,
        **{k: v for k, v in analyses.items() if k != "analysis_notes"},
    }


#: Drivers and items the executive summary names at most.
EXECUTIVE_ITEMS = 3


def _executive(result: StudyResult, t: dict, lang: str, label, target_idx, analyses,
               alerts: list[dict], small_samples: list[dict]) -> dict[str, Any] | None:
    """The executive summary, in plain words: the headline index with its interval, the
    drivers to act on (the report's one priority rule) with the items that would bring the
    most, and the caveats that matter (an inadmissible solution, a sample below what the
    model needs, inference withheld, a failed invariance between segments)."""
    target = result.bound.model.target
    if target is None or target_idx is None:
        return None
    value = _num(target_idx.value)
    lo, hi = _num(target_idx.ci_low), _num(target_idx.ci_high)
    lines = [t["exec_index"].format(target=label(target), value=f"{value:.1f}")
             + (t["exec_interval"].format(low=f"{lo:.1f}", high=f"{hi:.1f}")
                if lo is not None and hi is not None else "")]
    drivers = (analyses.get("drivers") or {}).get("targets") or []
    block = next((d for d in drivers if d["id"] == target), None)
    if block is not None:
        first = block["urgent"]
        lines.append(t["exec_act"].format(names=join(first, lang)) if first
                     else t["exec_act_none"])
        items = block["top_items"][:EXECUTIVE_ITEMS]
        if items:
            lines.append(t["exec_items" if first else "exec_items_all"].format(
                target=label(target), items=join(
                [_paren(x["label"], t["exec_gain"].format(gain=f"{x['gain']:.1f}"), lang)
                 for x in items], lang)))
    cards = {"first": block["urgent"] if block is not None else [],
             "item": (block["top_items"][0] if block is not None and block["top_items"]
                      else None)}
    caveats = [a["text"] for a in alerts] + [s["text"] for s in small_samples]
    if any(e.bootstrap is not None and e.inference != "bootstrap"
           for e in result.estimates.values()):
        caveats.append(t["exec_no_inference"])
    segments = analyses.get("segments") or {}
    for column in segments.get("columns") or []:
        tests = column.get("tests") or {}
        if tests.get("micom_warning"):
            caveats.append(f"{column['name']}: {tests['micom_warning']}")
    return {"lines": lines, "caveats": caveats, "no_caveat": t["exec_no_caveat"], **cards}


def _structural(est: Estimate, result: StudyResult, lang: str, t: dict, cell: _Cells,
                label) -> dict[str, Any]:
    """Path coefficients (with SE, t, p, CI, f², inner VIF), R² and the total effects on the
    target."""
    model = result.bound.model
    f2 = {(a, b): v for a, b, v in est.f2}
    vif = {(a, b): v for a, b, v in est.inner_vif}
    is_pls = est.method in PLS_FAMILY
    paths = []
    for p in est.paths:
        pv = _num(p.p_value)
        stat = _num(p.t_value)
        if stat is None and p.se:
            stat = _num(p.estimate / p.se) if _num(p.se) else None
        size = _num(f2.get((p.source, p.target)))
        size_name = f2_size(size)
        size_label = t[size_name] if size_name else ""
        paths.append({
            "from": label(p.source), "to": label(p.target),
            "std": cell(p.std_estimate), "estimate": _num(p.estimate), "se": _num(p.se),
            "stat": stat, "p": pv, "ci_low": _num(p.ci_low), "ci_high": _num(p.ci_high),
            "significant": significant(pv) is True,
            "ns": significant(pv) is False,
            "f2": size, "f2_size": size_label,
            "vif": cell.vif(vif.get((p.source, p.target))),
        })
    r2_boot = bootstrap_rows(est, "r2")
    r2 = []
    for x in model.latents:
        if x not in est.r2:
            continue
        b = r2_boot.get((x, ""), {})
        r2.append({"id": x, "latent": label(x), "value": _num(est.r2[x]),
                   "adj": _num(est.adj_r2.get(x)), "ci_low": b.get("low"),
                   "ci_high": b.get("high")})
    total_boot = bootstrap_rows(est, "total")
    effects = []
    for e in est.effects:
        if e.target != model.target:
            continue
        b = total_boot.get((e.source, e.target), {})
        effects.append({"from": label(e.source), "direct": _num(e.direct),
                        "indirect": _num(e.indirect), "total": _num(e.total),
                        "p": b.get("p"), "ci_low": b.get("low"), "ci_high": b.get("high")})
    has_ci = any(p["ci_low"] is not None for p in paths)
    return {
        "paths": paths,
        "path_columns": {
            "unstd": not is_pls, "se": any(p["se"] is not None for p in paths),
            "stat": any(p["stat"] is not None for p in paths),
            "stat_name": "t" if is_pls or est.bootstrap is not None else "z",
            "p": any(p["p"] is not None for p in paths), "ci": has_ci,
            "f2": any(p["f2"] is not None for p in paths),
            "vif": any(p["vif"]["v"] is not None for p in paths),
        },
        "path_ci_label": _ci_label(est, lang),
        "path_note": _tr(NOTES, "pls_std" if is_pls else "cbsem_std", lang),
        "r2": r2,
        "r2_columns": {"adj": any(r["adj"] is not None for r in r2),
                       "ci": any(r["ci_low"] is not None for r in r2)},
        "effects": effects,
        "effects_ci": any(e["ci_low"] is not None for e in effects),
    }


def _latent_correlations(est: Estimate, bound, t: dict, cell: _Cells, dim_label
                         ) -> dict[str, Any]:
    """A measurement model's latent correlations as a lower-triangular matrix."""
    constructs = list(bound.constructs)
    corr = {}
    for a, b, v in est.latent_correlations:
        corr[(a, b)] = corr[(b, a)] = v
    rows = [{"id": a, "label": dim_label(a),
             "cells": [cell(corr.get((a, b))) for b in constructs[:i]]
             + [{**cell(1.0), "level": "diag"}]} for i, a in enumerate(constructs)]
    return {"note": t["cfa_note"].format(name=NAMES.get(est.method, est.method)),
            "constructs": [dim_label(c) for c in constructs], "rows": rows}


def _covariances(est: Estimate, lang: str, t: dict, variable_label) -> dict[str, Any] | None:
    """The CB-SEM covariance parameters (latent and residual) and the model's fixed
    parameters and equalities, as the estimate carries them."""
    rows = [{"a": variable_label(c.a), "b": variable_label(c.b), "names": c.name,
             "kind": t[f"covariance_kind_{c.kind}"], "estimate": _num(c.estimate),
             "std": _num(c.std_estimate), "se": _num(c.se), "p": _num(c.p_value),
             "ci_low": _num(c.ci_low), "ci_high": _num(c.ci_high), "fixed": c.fixed}
            for c in est.covariances]
    lines = [t["constraint_fixed"].format(value=f"{f['value']:g}", parameter=f["parameter"])
             for f in est.constraints.get("fixed", ())]
    lines += [t["constraint_equal"].format(parameters=" = ".join(group))
              for group in est.constraints.get("equal", ())]
    if not rows and not lines:
        return None
    return {"rows": rows, "constraints": lines, "ci_label": _ci_label(est, lang),
            "has_ci": any(r["ci_low"] is not None for r in rows)}


def _fit_block(method: str, est: Estimate, lang: str, t: dict, variable_label=str
               ) -> dict[str, Any]:
    """Admissibility, convergence, global fit (CB-SEM only), the covariance parameters and
    constraints (CB-SEM) and warnings of one estimate."""
    rows = []
    for key, name in (("chi2", "χ²"), ("df", "df"), ("p_value", "p"),
                      ("chi2_scaled", ""), ("scaling_factor", ""), ("p_value_scaled", ""),
                      ("cfi", "CFI"), ("tli", "TLI"), ("rmsea", "RMSEA"), ("cfi_robust", ""),
                      ("tli_robust", ""), ("rmsea_robust", ""), ("srmr", "SRMR"),
                      ("logl", "logL"), ("aic", "AIC"), ("bic", "BIC")):
        if key not in est.fit:
            continue
        value = _num(est.fit.get(key))
        row = {"name": name or _tr(FIT_NAMES, key, lang), "value": value, "cutoff": "",
               "verdict": ""}
        # A robust CFI, TLI or RMSEA is judged by the cut-offs of the plain one.
        cutoff = CRITERIA.cutoff(key)
        if cutoff is not None and value is not None:
            good, ok, higher = cutoff
            sign = "≥" if higher else "≤"
            row["cutoff"] = (f"{_paren(f'{sign} {good}', t['good'], lang)}, "
                             f"{_paren(f'{sign} {ok}', t['acceptable'], lang)}")
            row["verdict"] = fit_verdict(key, value)
        rows.append(row)
    status = t["converged"] if est.converged else t["not_converged"]
    iterations = est.settings.get("iterations")
    if est.converged and isinstance(iterations, Mapping) and iterations:
        status = t["iterations"].format(n=" + ".join(str(v) for v in iterations.values()))
    return {
        "method": method, "name": NAMES.get(method, method), "admissible": est.admissible,
        "converged": est.converged, "status": status,
        "rows": rows if method not in PLS_FAMILY else None,
        "no_fit_note": _tr(NOTES, "pls_no_fit", lang) if method in PLS_FAMILY else "",
        "covariances": _covariances(est, lang, t, variable_label),
        "warnings": warning_texts(est, lang),
    }


def _measurement(est: Estimate, result: StudyResult, lang: str, t: dict, cell: _Cells, label,
                 item_label, dims: set[str], parent_of: Mapping[str, str]) -> dict[str, Any]:
    """The measurement-quality assessment of ``est``: loadings, formative weights, reliability,
    Fornell-Larcker, HTMT, cross-loadings and collinearity, each flagged from the numbers."""
    bound = result.bound
    q = result.questionnaire
    constructs = list(bound.constructs)
    modes = dict(est.settings.get("modes") or {})
    mode = {c: modes.get(c, "A") for c in constructs}
    n_items = {c: len(items) for c, items in bound.measurement}
    hoc = {h for h, _ in bound.second_order}
    is_pls = est.method in PLS_FAMILY
    notes = _Footnotes(lang)
    outer_vif = {(r["latent"], r["item"]): r["vif"] for r in est.settings.get("outer_vif", ())}
    loading_boot = bootstrap_rows(est, "loading")

    def own_label(latent: str, item: str) -> str:
        return label(item) + t["dimension"] if item in dims else item_label(item)

    # Loadings of reflective constructs, grouped by construct.
    groups: dict[str, list[dict]] = {}
    for x in est.loadings:
        if mode.get(x.latent) == "B":
            continue
        b = loading_boot.get((x.latent, x.item), {})
        groups.setdefault(x.latent, []).append({
            "item": x.item, "label": own_label(x.latent, x.item),
            "std": cell.below(x.std_estimate, LOADING_MIN, "loading"),
            "estimate": _num(x.estimate), "se": _num(x.se), "p": _num(x.p_value),
            "ci_low": _num(x.ci_low) if x.ci_low is not None else b.get("low"),
            "ci_high": _num(x.ci_high) if x.ci_high is not None else b.get("high"),
            "vif": cell.vif(outer_vif.get((x.latent, x.item))),
        })
    loadings = [{"id": c, "label": label(c) + (t["dimension"] if c in dims else ""),
                 "rows": groups[c]} for c in constructs if c in groups]
    all_loading_rows = [r for g in loadings for r in g["rows"]]

    # Formative (mode B) constructs: outer weights with bootstrap inference and outer VIF.
    weight_boot = bootstrap_rows(est, "weight")
    std_loading = {(x.latent, x.item): x.std_estimate for x in est.loadings}
    formative = []
    for c in constructs:
        if mode.get(c) != "B":
            continue
        rows = []
        for w in est.weights:
            if w.latent != c:
                continue
            b = weight_boot.get((c, w.item), {})
            lam = _num(std_loading.get((c, w.item)))
            p = b.get("p")
            drop = not keep_formative_item(p, lam)
            rows.append({"item": w.item, "label": item_label(w.item),
                         "weight": cell(w.estimate, "weight_ns" if drop else None),
                         "se": b.get("se"), "p": p, "ci_low": b.get("low"),
                         "ci_high": b.get("high"), "loading": lam,
                         "vif": cell.vif(outer_vif.get((c, w.item)))})
        formative.append({"id": c, "label": label(c), "rows": rows})

    # Reliability and convergent validity; "–" with one footnote per reason.
    def na_reason(c: str, measure: str) -> str | None:
        if mode.get(c) == "B":
            return "formative"
        if n_items.get(c, 2) < 2 and c not in hoc:
            return "single"
        if measure == "rho_a" and not is_pls:
            return "cbsem_rho_a"
        if c in hoc:
            return "hoc_rho_a" if measure == "rho_a" else "higher_order"
        return "not_computed"

    reliability = []
    sqrt_ave: dict[str, float | None] = {}
    for c in constructs:
        values = est.reliability.get(c, {})
        row = {"id": c, "label": label(c) + (t["dimension"] if c in dims else ""),
               "mode": mode.get(c, "A")}
        for measure, threshold in (("alpha", RELIABILITY_MIN), ("rho_a", RELIABILITY_MIN),
                                   ("rho_c", RELIABILITY_MIN), ("omega", RELIABILITY_MIN),
                                   ("ave", AVE_MIN)):
            v = None if mode.get(c) == "B" else _num(values.get(measure))
            if v is not None and v > 1 and measure in ("rho_c", "omega"):
                # Not a reliability at all (the estimator's notice says why).
                row[measure] = cell(v, "above_one")
                continue
            row[measure] = cell.below(v, threshold, measure,
                                      na=notes(na_reason(c, measure)) if v is None else None)
        reliability.append(row)
        ave = row["ave"]["v"]
        sqrt_ave[c] = math.sqrt(ave) if ave is not None and ave >= 0 else None

    # Fornell-Larcker: √AVE on the diagonal against the latent correlations below it.
    corr = {}
    for a, b, v in est.latent_correlations:
        corr[(a, b)] = corr[(b, a)] = _num(v)
    fl = None
    if corr:
        fl_constructs = [c for c in constructs if any((c, d) in corr for d in constructs)]
        fl_rows = []
        for i, a in enumerate(fl_constructs):
            cells = []
            for b in fl_constructs[:i]:
                v = corr.get((a, b))
                if parent_of.get(a) == b or parent_of.get(b) == a:
                    cells.append({**cell(v), "level": "na", "na": notes("hoc_pair")})
                    continue
                bad = fornell_larcker_violated(v, sqrt_ave.get(a), sqrt_ave.get(b))
                cells.append(cell(v, "fornell_larcker" if bad else None))
            cells.append({**cell(sqrt_ave.get(a)), "level": "diag"})
            fl_rows.append({"id": a, "label": label(a), "cells": cells})
        fl = {"constructs": [label(c) for c in fl_constructs], "rows": fl_rows}

    # HTMT and HTMT2, with the upper bound of the bootstrap interval when there is one: a
    # matrix with HTMT (and its bound) below the diagonal and HTMT2 above it.
    htmt2 = {(a, b): v for a, b, v in est.htmt2}
    htmt_boot = bootstrap_rows(est, "htmt")
    htmt_rows = []
    pair_cells: dict[tuple[str, str], dict] = {}
    for a, b, v in est.htmt:
        if mode.get(a) == "B" or mode.get(b) == "B":
            continue  # HTMT assumes reflective measurement (Henseler et al. 2015)
        upper = htmt_boot.get((a, b), {}).get("high")
        row = {"a": label(a), "b": label(b), "htmt": cell.htmt(v, "htmt"),
               "htmt2": cell.htmt(htmt2.get((a, b)), "htmt2"),
               "upper": cell(upper, "htmt_upper" if htmt_upper_verdict(upper) == "above_liberal"
                             else None)}
        htmt_rows.append(row)
        lower = {**row["htmt"], "sub": row["upper"] if upper is not None else None}
        pair_cells[(a, b)] = pair_cells[(b, a)] = lower
        pair_cells[("h2", a, b)] = pair_cells[("h2", b, a)] = row["htmt2"]
    htmt_constructs = [c for c in constructs if any((c, d) in pair_cells for d in constructs)]
    matrix = []
    for i, a in enumerate(htmt_constructs):
        cells = []
        for j, b in enumerate(htmt_constructs):
            if j < i:
                cells.append(pair_cells.get((a, b)) or cell(None))
            elif j == i:
                cells.append({**cell(None), "level": "diag"})
            elif not htmt2:
                cells.append({**cell(None), "level": "blank"})
            else:
                c = pair_cells.get(("h2", a, b))
                cells.append({**c, "level": f"{c['level']} upper".strip()} if c
                             else cell(None))
        matrix.append({"id": a, "label": label(a), "cells": cells})
    htmt = {"rows": htmt_rows, "has_htmt2": bool(htmt2), "has_upper": bool(htmt_boot),
            "constructs": [label(c) for c in htmt_constructs], "matrix": matrix,
            "note": (t["htmt_matrix_note"] if htmt_boot and htmt2 else
                     t["htmt_matrix_note_plain"] if htmt2 else ""),
            "upper_label": _ci_label(est, lang)}

    # Cross-loadings: each item's correlation with every construct.
    cross = None
    if est.cross_loadings:
        values = {(i, c): _num(v) for i, c, v in est.cross_loadings}
        cl_constructs = [c for c in constructs if any(k[1] == c for k in values)]
        verdicts = assess(est, bound).cross_loadings
        higher_on = dict(zip(verdicts["item"], verdicts["higher_on"], strict=True))
        cl_rows = []
        for item in bound.items:
            own = q.item(item).construct
            if (item, own) not in values:
                continue
            parents = {parent_of[own]} if own in parent_of else set()
            higher = higher_on.get(item, ())
            cells = []
            for c in cl_constructs:
                v = values.get((item, c))
                if c == own:
                    cells.append({**cell(v, "cross_loading" if higher else None), "own": True})
                elif c in parents:
                    cells.append({**cell(v), "level": "na", "own": False})
                else:
                    cells.append({**cell(v, "cross_loading" if c in higher else None),
                                  "own": False})
            cl_rows.append({"item": item, "label": item_label(item), "construct": label(own),
                            "flagged": bool(higher), "cells": cells})
        cross = {"constructs": [label(c) for c in cl_constructs], "rows": cl_rows,
                 "flagged": sum(r["flagged"] for r in cl_rows)}

    # Collinearity: inner VIF of the structural paths, outer VIF of the items.
    model_paths = set(bound.model.paths)
    inner = [{"name": f"{label(a)} → {label(b)}", "vif": cell.vif(v)}
             for a, b, v in est.inner_vif if (a, b) in model_paths]
    outer = [{"name": f"{label(r['latent'])} · {item_label(r['item'])}", "vif": cell.vif(r["vif"])}
             for r in est.settings.get("outer_vif", ())]
    collinearity = None
    if inner or outer:
        collinearity = {"inner": _vif_summary(inner), "outer": _vif_summary(outer)}

    checklist = _checklist(lang, t, all_loading_rows, reliability, fl, htmt_rows, cross,
                           inner + outer, formative)
    return {
        "estimator": NAMES.get(est.method, est.method),
        "intro": t["measurement_of"].format(name=NAMES.get(est.method, est.method)),
        "checklist": checklist,
        "loadings": loadings,
        "loading_columns": {
            "unstd": not is_pls, "se": any(r["se"] is not None for r in all_loading_rows),
            "p": any(r["p"] is not None for r in all_loading_rows),
            "ci": any(r["ci_low"] is not None for r in all_loading_rows),
            "vif": any(r["vif"]["v"] is not None for r in all_loading_rows)},
        "loading_ci_label": _ci_label(est, lang),
        "formative": formative,
        "reliability": reliability,
        # omega: the model's reliability of a sum score, CB-SEM only.
        "has_omega": not is_pls,
        "footnotes": notes.items(),
        "fornell_larcker": fl,
        "htmt": htmt,
        "cross_loadings": cross,
        "collinearity": collinearity,
        "flag_legend": [{"level": lv, "text": _tr(FLAGS, f, lang)} for f, lv in (
            ("loading", "bad"), ("ave", "bad"), ("htmt_85", "warn"), ("htmt_90", "bad"),
            ("vif_3", "warn"), ("vif_5", "bad"))],
    }


def _columns_read(ing, lang: str) -> dict[str, Any]:
    """The ingest report's columns for the data-quality section: each column with the id it
    was read as and how (or why it was ignored), the ids without a column, the recoded
    answer codes by reason."""
    from survey.importers import importers

    labels = {name: m.LABEL for name, m in importers().items()}
    platform = labels.get(ing.platform, ing.platform)
    rows = [{"column": c.column, "target": c.target or "–",
             "rule": _tr(COLUMN_RULES, c.rule, lang) if c.rule in COLUMN_RULES else c.rule,
             "used": c.target is not None} for c in ing.columns]
    used = sum(r["used"] for r in rows)
    recoded = [{"column": col, "reason": _tr(COLUMN_RULES, why, lang)
                if why in COLUMN_RULES else why, "n": n}
               for col, reasons in ing.recoded.items() for why, n in reasons.items()]
    return {"rows": rows, "missing": list(ing.missing_columns), "recoded": recoded,
            "summary": _tr(UI, "columns_summary_native" if ing.platform == "native"
                           else "columns_summary", lang).format(
                platform=platform, used=used, ignored=len(rows) - used,
                missing=len(ing.missing_columns))}


def _reject_reason(reject, lang: str) -> str:
    """A rejected answer's reason in the report's language, from its code (the English
    sentence of a reject made without one)."""
    code = getattr(reject, "code", None)
    if code not in REJECT_REASONS:
        return reject.reason
    detail = reject.detail or ""
    if code == "not_option":
        detail = join(detail.split(", "), lang)
    return _tr(REJECT_REASONS, code, lang).format(value=reject.value, detail=detail)


def causal_layers(model) -> dict[str, int]:
    """Each latent's column in the path diagram: 0 for exogenous latents, else one more than
    its deepest cause."""
    depth: dict[str, int] = {}
    for x in model.causal_order():
        preds = model.predecessors(x)
        depth[x] = 1 + max(depth[p] for p in preds) if preds else 0
    return depth


def _vif_summary(rows: list[dict]) -> dict[str, Any]:
    known = [r for r in rows if r["vif"]["v"] is not None]
    top = max(known, key=lambda r: r["vif"]["v"], default=None)
    return {"rows": rows, "flagged": [r for r in rows if r["vif"]["flag"]],
            "max": top}


def _checklist(lang: str, t: dict, loadings: list[dict], reliability: list[dict], fl,
               htmt_rows: list[dict], cross, vifs: list[dict], formative: list[dict]):
    """One line per criterion: what was checked and what failed, by name."""
    out = []

    def line(criterion: str, failed: Iterable[str], total: int, ok_text: str,
             level: str = "bad") -> None:
        failed = list(dict.fromkeys(failed))
        if not total:
            return
        if failed:
            shown = join(failed[:8], lang) + (" …" if len(failed) > 8 else "")
            text = grammar("failed_of", lang, failed=len(failed), total=total, shown=shown)
        else:
            text = ok_text
        out.append({"criterion": criterion, "text": text, "level": level if failed else "ok"})

    ok = grammar("all_pass", lang)
    line(f"{t['loading']} ≥ {criterion('loading_min')}", [r["label"] for r in loadings if r["std"]["flag"]],
         len(loadings), ok)
    for measure, name in (("alpha", t["alpha"]), ("rho_a", "ρA"), ("rho_c", "ρC"),
                          ("omega", "ω")):
        rows = [r for r in reliability if r[measure]["v"] is not None]
        line(f"{name} ≥ {criterion('reliability_min')}", [r["label"] for r in rows if r[measure]["flag"]], len(rows), ok)
    rows = [r for r in reliability if r["ave"]["v"] is not None]
    line(f"AVE ≥ {criterion('ave_min')}", [r["label"] for r in rows if r["ave"]["flag"]], len(rows), ok)
    if fl is not None:
        bad = [r["label"] for r in fl["rows"] if any(c["flag"] for c in r["cells"])]
        line("Fornell-Larcker", bad, len(fl["rows"]), ok)
    if htmt_rows:
        strict = [f"{r['a']}–{r['b']}" for r in htmt_rows
                  if r["htmt"]["flag"] in ("htmt_85", "htmt_90")]
        line(f"HTMT < {criterion('htmt_strict')}", strict, len(htmt_rows), ok, "warn")
        liberal = [f"{r['a']}–{r['b']}" for r in htmt_rows if r["htmt"]["flag"] == "htmt_90"]
        line(f"HTMT < {criterion('htmt_liberal')}", liberal, len(htmt_rows), ok)
    if cross is not None:
        line(t["cross_loadings"], [r["label"] for r in cross["rows"] if r["flagged"]],
             len(cross["rows"]), ok)
    if vifs:
        line(f"VIF < {criterion('vif_warn')}", [r["name"] for r in vifs if r["vif"]["flag"]], len(vifs), ok, "warn")
    weights = [r for f in formative for r in f["rows"]]
    if weights:
        line(t["weight"], [r["label"] for r in weights if r["weight"]["flag"]], len(weights), ok,
             "warn")
    return out


def _comparison(result: StudyResult, lang: str, t: dict, dim_label) -> dict[str, Any]:
    """PLS next to CB-SEM: paths, indices and R², the rows that disagree and why; PLSc's
    numbers in a third column when it was run."""
    a, b = "pls", "cbsem"
    names = (NAMES[a], NAMES[b])
    sections: dict[str, list[dict]] = {"path": [], "index": [], "r2": []}
    for row in result.comparison:
        kind = row["kind"]
        reasons = []
        for code in row["reasons"]:
            key = f"size_{kind}" if code == "size" else code
            reasons.append({"code": code, "short": _tr(REASONS, code, lang),
                            "text": _tr(REASON_TEXT, key, lang)})
        name = (f"{dim_label(row['a'])} → {dim_label(row['b'])}" if kind == "path"
                else dim_label(row["a"]))
        sections.setdefault(kind, []).append({
            "key": f"{kind}:{row['a']}:{row['b']}", "kind": kind, "label": name,
            "a": _num(row.get(a)), "b": _num(row.get(b)), "difference": _num(row["difference"]),
            "sig_a": row.get(f"significant_{a}"), "sig_b": row.get(f"significant_{b}"),
            "c": _num(row.get("plsc")), "sig_c": row.get("significant_plsc"),
            "flagged": bool(reasons), "reasons": reasons,
        })
    paths = sections["path"]
    chart = comparison_svg([{"label": r["label"], "a": r["a"] or 0.0, "b": r["b"] or 0.0,
                             "flagged": r["flagged"]} for r in paths],
                           names, t["std_paths"]) if paths else ""
    flagged = [r for rows in sections.values() for r in rows if r["flagged"]]
    legend = [{"short": _tr(REASONS, c, lang), "text": _tr(REASON_TEXT, k, lang)}
              for c, k in (("sign", "sign"), ("significance", "significance"),
                           ("size", "size_path"), ("size", "size_index"), ("size", "size_r2"))]
    plsc = "plsc" in result.estimates
    return {
        "names": names,
        # Consistent PLS beside them when it was run (reference only: the flags compare PLS
        # and CB-SEM).
        "third": NAMES["plsc"] if plsc else None,
        "third_note": _tr(NOTES, "comparison_plsc", lang) if plsc else "",
        "paths": paths, "indices": sections["index"], "r2": sections["r2"],
        "flagged": len(flagged),
        "flagged_text": (t["flagged_rows"].format(n=len(flagged)) if flagged
                         else t["no_flagged_rows"]),
        "legend": legend,
        "chart_svg": chart,
        "note": _tr(NOTES, "composite_vs_factor", lang),
        "inadmissible_note": ("" if result.estimates[b].admissible
                              else _tr(NOTES, "comparison_inadmissible", lang)),
    }


def _plsc_notes(est: Estimate, lang: str, label) -> list[str]:
    """What consistent PLS did: the correction, the rho_A it used per construct (and which
    constructs it left uncorrected), the admissibility check, and that the indices are still
    the PLS composites' (Dijkstra & Henseler 2015)."""
    detail = est.settings.get("plsc") or {}
    rho = detail.get("rho_a", {})
    uncorrected = set(detail.get("uncorrected", ()))
    lines = [_tr(NOTES, "plsc_estimator", lang)]
    shown = [f"{label(c)} {v:.3f}" for c, v in rho.items() if c not in uncorrected]
    if shown:
        lines.append(_tr(NOTES, "plsc_rho_a", lang).format(values=join(shown, lang)))
    if uncorrected:
        lines.append(_tr(NOTES, "plsc_uncorrected", lang).format(
            constructs=join([label(c) for c in rho if c in uncorrected], lang)))
    lines.append(_tr(NOTES, "plsc_admissible" if est.admissible else "plsc_inadmissible",
                     lang).format(value=f"{detail.get('min_eigenvalue', float('nan')):.4f}"))
    lines.append(_tr(NOTES, "plsc_indices", lang))
    return lines


def _notes(result: StudyResult, lang: str, label) -> list[dict[str, Any]]:
    """Method notes: one block per estimator, one per bootstrap, one for the indices."""
    blocks = []
    bound = result.bound
    for method, est in result.estimates.items():
        items = []
        detail = {"n_incomplete": 0, "n_dropped": 0, "n_values_replaced": 0, "n_used": est.n,
                  **dict(est.missing_detail)}
        if method in PLS_FAMILY:
            s = est.settings
            iterations = s.get("iterations") or {}
            iter_text = ", ".join(
                grammar("stage_iterations", lang, stage=grammar(k, lang), n=v)
                for k, v in iterations.items())
            scheme = s.get("scheme", "path")
            items.append(_tr(NOTES, "pls_estimator", lang).format(
                scheme=_tr(SCHEMES, scheme, lang) if scheme in SCHEMES else scheme,
                tolerance=float(s.get("tolerance", 1e-7)), max_iter=s.get("max_iter", "?"),
                iterations=iter_text or "–"))
            by_mode: dict[str, list[str]] = {}
            for c, m in (s.get("modes") or {}).items():
                by_mode.setdefault(m, []).append(label(c))
            if by_mode:
                modes = "; ".join(labelled(_tr(MODES, m, lang) if m in MODES else m,
                                           join(cs, lang), lang)
                                  for m, cs in sorted(by_mode.items()))
                items.append(_tr(NOTES, "pls_modes", lang).format(modes=modes))
            hoc_method = s.get("higher_order", "none")
            for h, ds in bound.second_order:
                hoc = f"{label(h)} ({', '.join(label(d) for d in ds)})"
                key = f"pls_hoc_{hoc_method}"
                if key in NOTES:
                    items.append(_tr(NOTES, key, lang).format(hoc=hoc))
                else:
                    items.append(_tr(NOTES, "pls_hoc_other", lang).format(hoc=hoc,
                                                                          method=hoc_method))
            if est.missing in NOTES:
                items.append(_tr(NOTES, est.missing, lang).format(**detail))
            column = s.get("weights_column")
            items.append(_tr(NOTES, "pls_weights", lang).format(column=column) if column
                         else _tr(NOTES, "pls_no_weights", lang))
            items.append(_tr(NOTES, "pls_sign", lang))
            items.append(_tr(NOTES, "pls_no_fit", lang))
            if method == "plsc":
                items += _plsc_notes(est, lang, label)
        else:
            items.append(_tr(NOTES, "cbsem_estimator", lang))
            if est.missing in NOTES:
                items.append(_tr(NOTES, est.missing, lang).format(**detail))
            column = est.settings.get("weights_column")
            items.append(_tr(NOTES, "cbsem_weights", lang).format(column=column) if column
                         else _tr(NOTES, "cbsem_no_weights", lang))
            items.append(_tr(NOTES, "fit", lang))
            items.append(_tr(NOTES, "cbsem_std", lang))
        if est.index_weights in NOTES:
            items.append(_tr(NOTES, est.index_weights, lang))
        blocks.append({"title": NAMES.get(method, method), "lines": items})
        if est.bootstrap is not None:
            s = est.bootstrap.summary()
            failures = ""
            if s.get("failures"):
                joined = "; ".join(f"{reason}: {count}" for reason, count in s["failures"].items())
                failures = _paren("", joined, lang)
            boot = [_tr(NOTES, "bootstrap", lang).format(
                resamples=f"{s['resamples']:,}", seed=s["seed"], ok=f"{s['ok']:,}",
                failed=f"{s['failed']:,}", failures=failures,
                p_value=_tr(NOTES, "p_value_student_t", lang).format(
                    df=est.bootstrap.p_value_df))]
            if method == "cbsem":
                kept = sum(s.get("inadmissible_kept", {}).values())
                boot.append(_tr(NOTES, f"inadmissible_{s['inadmissible']}", lang).format(
                    kept=f"{kept:,}"))
            interval = _interval(est)
            if est.inference != "bootstrap":
                # The usable-resample rule withheld the inference: its notice says why.
                boot += [n.text(lang) for n in est.notices if n.code == "bootstrap_unusable"]
            elif interval == "bca":
                boot.append(_tr(NOTES, "interval_bca", lang).format(
                    level=s.get("level", 0.95), groups=s.get("jackknife_groups") or "–"))
            else:
                boot.append(_tr(NOTES, "interval_percentile", lang).format(
                    level=s.get("level", 0.95)))
            blocks.append({"title": f"Bootstrap · {NAMES.get(method, method)}", "lines": boot})
        elif method in PLS_FAMILY:
            blocks[-1]["lines"].append(_tr(NOTES, "no_bootstrap", lang))
    blocks.append({"title": _tr(UI, "index_notes", lang), "lines": [_tr(NOTES, "index", lang)]})
    return blocks


def _quality_exclusion(result: StudyResult, lang: str, label) -> dict[str, Any] | None:
    """The data-quality section's table of respondents excluded by quality rules (survey.
    quality): per rule its criterion, flagged count and share, how many were excluded; the
    headline index with and without the exclusion. None when no rule was applied."""
    from survey.report.texts import QUALITY_CRITERIA, QUALITY_RULES, QUALITY_UI, join

    x = getattr(result, "quality", None)
    if x is None:
        return None
    t = {k: _tr(QUALITY_UI, k, lang) for k in QUALITY_UI}
    rows = []
    for r in x.flags.rules:
        threshold = "" if r.threshold is None else f"{r.threshold:.0%}"
        rows.append({"rule": r.rule, "name": _tr(QUALITY_RULES, r.rule, lang),
                     "criterion": _tr(QUALITY_CRITERIA, r.rule, lang).format(v=threshold),
                     "available": r.available, "flagged": r.flagged,
                     "share": r.flagged / x.n_checked if x.n_checked else None,
                     "applied": r.rule in x.rules, "excluded": x.excluded_by(r.rule)})
    rules = join([_tr(QUALITY_RULES, r, lang) for r in x.rules], lang)
    indices = [{"latent": latent, "label": label(latent), "with": w, "without": wo,
                "difference": None if w is None or wo is None else w - wo}
               for latent, w, wo in x.indices]
    for i in indices:  # signed: which way the exclusion moved the index
        i["change"] = "–" if i["difference"] is None else f"{i['difference']:+.1f}"
    headline = None
    target = next((i for i in indices if i["latent"] == x.target), None)
    if target is not None and target["with"] is not None:
        fields = {"name": target["label"], "with_": f"{target['with']:.1f}"}
        headline = (t["headline"].format(**fields, without=f"{target['without']:.1f}",
                                         diff=f"{target['difference']:+.1f}")
                    if target["without"] is not None else t["headline_na"].format(**fields))
    return {"t": t, "intro": t["intro"].format(rules=rules, checked=f"{x.n_checked:,}",
                                               excluded=f"{len(x.excluded):,}",
                                               used=f"{x.n_used:,}"),
            "rows": rows, "indices": indices, "headline": headline,
            "n_excluded": len(x.excluded)}


def _model_comparison(result: StudyResult, lang: str) -> dict[str, Any] | None:
    """The model-comparison section of a run with --compare-with (survey.report.
    model_comparison words it, as for survey compare-models; the study's own model is marked);
    None when no rival was given."""
    mc = getattr(result, "model_comparison", None)
    if mc is None:
        return None
    from survey.report.model_comparison_context import comparison_context

    return comparison_context(mc, result.questionnaire, lang,
                              study_model=result.bound.model.id)
