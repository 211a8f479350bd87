"""Every analysis of one estimate, as the JSON blocks of ``survey estimate`` (DESIGN.md: the
contract grows, nothing in it changes meaning).

``ipma`` / ``ipma_items``: importance-performance maps for the target and the latents it
causes; ``methods``: the classic methods side by side with the SEM and where they disagree;
``satisfaction_ratio``: perceived / expected per paired indicator; ``gauges``: loyalty and
satisfaction gauges and the complaint funnel. The analyses use the headline estimate's index
weights (PLS outer weights when PLS was run). ``analyses_skipped``: the analyses the model
cannot have (a measurement model has no drivers), each with its reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from survey.analysis.drivers import ipma, priorities
from survey.analysis.gauges import gauges
from survey.analysis.methods import classic_methods, disagreements
from survey.analysis.ratio import satisfaction_ratios
from survey.analysis.scores import Scores, construct_scores
from survey.errors import SurveyError
from survey.estimators.result import Estimate
from survey.pathmodel import BoundModel

#: The analyses beside the estimate, by name, with the JSON blocks each one writes.
ANALYSES = {
    "ipma": ("ipma", "ipma_items", "ipma_priorities"),
    "methods": ("methods", "methods_comparison"),
    "satisfaction_ratio": ("satisfaction_ratio",),
    "gauges": ("gauges",),
    "precision": ("precision",),
}


def check_analyses(names: Sequence[str]) -> tuple[str, ...]:
    """``names`` as a tuple, or :class:`SurveyError` naming the unknown ones."""
    unknown = [n for n in names if n not in ANALYSES]
    if unknown:
        raise SurveyError(f"Unknown analysis {', '.join(map(repr, unknown))}. Expected some of "
                          f"{', '.join(ANALYSES)}.")
    return tuple(names)


def run_analyses(bound: BoundModel, data: pd.DataFrame, estimate: Estimate, *,
                 weights: str | None = None, strata: str | None = None, fpc: str | None = None,
                 probability: bool = False, include: Sequence[str] | None = None
                 ) -> tuple[dict[str, Any], Scores]:
    """The analysis blocks for ``estimate`` on the accepted respondents ``data``, and the
    0-100 scores they were computed from. ``strata``, ``fpc`` and ``probability`` describe
    the sampling design for the indices' precision (margin of error only for a probability
    sample). ``include``: the :data:`ANALYSES` to run (default all); the blocks of the others
    are absent and ``analyses_off`` names them."""
    include = tuple(ANALYSES) if include is None else check_analyses(include)
    scores = construct_scores(bound, estimate, data, weights=weights)
    skipped = skipped_analyses(bound)
    constructs, items, methods = [], [], {}
    if not any(s["analysis"] == "ipma" for s in skipped) and (
            "ipma" in include or "methods" in include):
        constructs, items = ipma(bound, scores)
        if "methods" in include:
            methods = classic_methods(bound, data, constructs, weights=scores.weights)
    target = bound.model.target
    blocks = {
        "ipma": lambda: {
            "ipma": [p.to_json() for p in constructs],
            "ipma_items": [p.to_json() for p in items],
            "ipma_priorities": {
                t: priorities([p for p in constructs if p.target == t], bound)
                for t in dict.fromkeys(p.target for p in constructs)}},
        "methods": lambda: {"methods": {name: m.to_json() for name, m in methods.items()},
                            "methods_comparison": disagreements(methods)},
        "satisfaction_ratio": lambda: {"satisfaction_ratio": [
            r.to_json() for r in satisfaction_ratios(bound, data, scores)]},
        "gauges": lambda: {"gauges": gauges(bound, data, scores)},
        "precision": lambda: {"precision": precision(bound, data, scores, strata=strata,
                                                     fpc=fpc, probability=probability)},
    }
    out: dict[str, Any] = {}
    for name in ANALYSES:
        if name in include:
            out.update(blocks[name]())
    out.update({
        "analysis_notes": {
            "weights": estimate.index_weights, "method": estimate.method, "target": target,
            "scores_missing": ("mean replacement" if estimate.missing not in ("listwise",)
                               else "listwise")},
    })
    off = [name for name in ANALYSES if name not in include]
    if off:
        out["analyses_off"] = off
    if skipped:
        out["analyses_skipped"] = skipped
    return out, scores


def skipped_analyses(bound: BoundModel) -> list[dict[str, str]]:
    """The analyses this model cannot have, each with a reason code and sentence: IPMA and
    the classic methods rank the drivers of the target by their effects on it, which a model
    without paths (a measurement model) does not have; the complaint funnel needs an overall
    satisfaction item (gauges.overall, else the target's first item)."""
    model = bound.model
    out = []
    if model.is_cfa:
        why = ("The model has no paths (a measurement model): there are no drivers of a target "
               "and no effects to rank them by.")
        out += [{"analysis": a, "code": "no_paths", "reason": why} for a in ("ipma", "methods")]
    g = bound.questionnaire.gauges
    if model.target is None and g.complained is not None and g.overall is None:
        out.append({"analysis": "complaint_funnel", "code": "no_target",
                    "reason": "The model names no target and the questionnaire no overall "
                              "satisfaction item (gauges.overall) to split the respondents "
                              "by."})
    return out


def precision(bound: BoundModel, data: pd.DataFrame, scores: Scores, *, strata: str | None,
              fpc: str | None, probability: bool) -> dict[str, Any]:
    """Standard error, margin of error (probability samples only), design effect and
    effective sample size of every index under the sampling design."""
    from survey.sampling import index_precision

    rows = scores.constructs.index
    for column in (strata, fpc):
        if column is not None and column not in data.columns:
            raise SurveyError(f"Design column '{column}' is not in the data. Expected one of "
                              "the file's columns (survey sample writes 'stratum' and 'fpc').")
    strata_values = None if strata is None else data.loc[rows, strata].to_numpy()
    fpc_values = None if fpc is None else pd.to_numeric(data.loc[rows, fpc]).to_numpy()
    out: dict[str, Any] = {}
    for c in scores.constructs.columns:
        if any(w < 0 for w in scores.item_weights[c].values()):
            out[c] = {"available": False, "reason": "The index is invalid (a negative item "
                                                    "weight), so its respondent scores are not "
                                                    "on the 0-100 scale."}
            continue
        out[c] = index_precision(scores.constructs[c].to_numpy(), weights=scores.weights,
                                 strata=strata_values, fpc=fpc_values, probability=probability,
                                 source=c)
    return out
