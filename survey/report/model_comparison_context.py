"""The model-comparison section's context: a :class:`~survey.analysis.model_selection.
ModelComparison` as plain data (testable), in the report's language.

Used by the page of ``survey compare-models --report`` (:mod:`survey.report.model_comparison`)
and by the main report of a run with ``--compare-with`` (:mod:`survey.report.context`); kept
apart from the rendering so that the report context needs no renderer. Every word comes from
:data:`~survey.report.texts.MODEL_COMPARISON_UI`; the winner and every withheld value are the
comparison's own (this module only words them).
"""

from __future__ import annotations

from typing import Any

from survey.analysis.model_selection import ModelComparison
from survey.questionnaire import Questionnaire
from survey.report.texts import MODEL_COMPARISON_REASONS, MODEL_COMPARISON_UI, UI, join, tr

_COLUMNS = {
    "pls": (("n", 0), ("r2", 3), ("predictors", 0), ("bic", 2), ("gm", 2), ("bic_weight", 3),
            ("gm_weight", 3)),
    "cbsem": (("n", 0), ("chi2", 2), ("df", 0), ("aic", 2), ("bic", 2), ("aic_weight", 3),
              ("bic_weight", 3), ("chi2_diff", 2), ("df_diff", 0), ("p", None)),
}


def comparison_context(mc: ModelComparison, questionnaire: Questionnaire, lang: str, *,
                       study_model: str | None = None) -> dict[str, Any]:
    """The section's context: title, introduction, the readings (the winner per criterion),
    the sample sentence, the header and rows of the table, the reasons of every withheld
    value, every model left out (``excluded``) and the method notes. ``study_model``: the id
    of a study run's own model, marked in the table (the main report's section)."""
    w = {k: tr(MODEL_COMPARISON_UI, k, lang) for k in MODEL_COMPARISON_UI}

    def latent(x: str | None) -> str:
        c = questionnaire.constructs.get(x) if x else None
        return c.label.get(lang) if c is not None else (x or "")

    target = latent(mc.target)
    names = {r.id: (r.name.get(lang) or r.name.get("en") or r.id) if r.name else r.id
             for r in mc.rows}
    if len(set(names.values())) < len(names):  # two models with one display name: add ids
        names = {k: f"{v} ({k})" for k, v in names.items()}
    if study_model in names:
        names[study_model] = f"{names[study_model]} ({w['study_model']})"
    header = [{"text": w["model"], "cls": ""}]
    for key, _ in _COLUMNS[mc.method]:
        header.append({"text": w[key].format(target=target), "cls": "num"})
    has_against = mc.method == "cbsem"
    if has_against:
        header.append({"text": w["against"], "cls": ""})
    best: dict[str, list[str]] = {}
    for criterion, model in mc.selected.items():
        if model is not None:
            best.setdefault(model, []).append(w[criterion])
    rows, reasons = [], []
    for r in mc.rows:
        t = r.test
        values = {"n": r.n, "r2": r.r2, "predictors": r.predictors, "bic": r.bic, "gm": r.gm,
                  "bic_weight": r.bic_weight, "gm_weight": r.gm_weight, "chi2": r.chi2,
                  "df": r.df, "aic": r.aic, "aic_weight": r.aic_weight,
                  "chi2_diff": t.chi2 if t is not None and t.nested else None,
                  "df_diff": t.df if t is not None and t.nested else None,
                  "p": None if t is None else t.p_value}
        cells = [{"v": values[k], "digits": d or 0, "p": d is None}
                 for k, d in _COLUMNS[mc.method]]
        rows.append({"id": r.id, "name": names[r.id], "cells": cells,
                     "best": best.get(r.id, []),
                     "best_text": join(best.get(r.id, []), lang),
                     "against": names.get(t.general, t.general) if t is not None else ""})
        if r.withheld:
            reasons.append(f"{names[r.id]}{tr(UI, 'colon', lang)}"
                           f"{tr(MODEL_COMPARISON_REASONS, r.withheld, lang)}")
        if t is not None and t.reason:
            reasons.append(f"{names[r.id]} / {names.get(t.general, t.general)}"
                           f"{tr(UI, 'colon', lang)}"
                           f"{tr(MODEL_COMPARISON_REASONS, t.reason, lang)}")
    for x in mc.excluded:
        # A rival of a study run left out: said with its reason (and the estimator's words).
        reason = tr(MODEL_COMPARISON_REASONS, x.reason, lang)
        if x.reason in ("not_estimated", "items_missing") and x.detail:
            reason = f"{reason} {x.detail}"
        reasons.append(w["excluded"].format(model=x.id, reason=reason))
    reasons += [tr(MODEL_COMPARISON_REASONS, n, lang) for n in mc.notes]
    readings = [w["selected"].format(criterion=w[c], model=names[m]) if m is not None
                else w["no_winner"].format(criterion=w[c]) for c, m in mc.selected.items()
                if mc.rows]
    s = mc.sample
    sample = ""
    if mc.rows:
        dropped = (w["dropped"].format(n=s["n_dropped"]) if s.get("n_dropped") else "")
        sample = w["sample"].format(n_total=s.get("n_total", s.get("n_used")),
                                    n_used=s.get("n_used"),
                                    rule=w.get(f"rule_{s.get('rule')}", s.get("rule", "")),
                                    dropped=dropped)
    notes = []
    if not mc.rows:
        pass  # nothing compared: no formula to explain
    elif mc.method == "pls":
        r2_full = (mc.full_model or {}).get("r2")
        notes.append(w["formula_pls"].format(
            target=target, r2_full="–" if r2_full is None else f"{r2_full:.3f}"))
    else:
        notes.append(w["formula_cbsem"])
        if mc.weighted:
            notes.append(w["scaled"])
    if mc.rows:
        notes.append(w["weights_note"])
    for r in mc.rows:
        # A model whose solution is not usable as it stands says so beside the table, with
        # the estimator's own warnings.
        if r.converged and not r.admissible:
            notes.append(w["inadmissible"].format(model=names[r.id]))
        if not r.converged or not r.admissible:
            notes.extend(w["not_converged_warning"].format(model=names[r.id], text=x)
                         for x in r.warnings)
    return {"method": mc.method, "method_name": "PLS" if mc.method == "pls" else "CB-SEM",
            "title": w["title"],
            "intro": w[f"intro_{mc.method}"].format(target=target), "readings": readings,
            "sample": sample, "header": header, "rows": rows, "has_against": has_against,
            "reasons": reasons, "notes": notes, "words": w, "colon": tr(UI, "colon", lang)}
