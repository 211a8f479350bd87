"""Every analysis of one estimate, as the JSON blocks of ``survey estimate`` (DESIGN.md: the
contract grows, nothing in it changes meaning).

``ipma`` / ``ipma_items``: importance-performance maps for the target and the latents it
causes; ``methods``: the classic methods side by side with the SEM and where they disagree;
``satisfaction_ratio``: perceived / expected per paired indicator; ``gauges``: loyalty and
satisfaction gauges and the complaint funnel; ``mediation``: every specific indirect effect of
the headline estimate with its inference and type (:mod:`survey.analysis.mediation`);
``prediction``: PLSpredict and CVPAT of the headline PLS estimate by repeated k-fold
cross-validation with the run's seed (:mod:`survey.analysis.prediction`; about 0.15 s of one
core on the bundled example's 10 x 10 folds); ``driver_shares``: the target's drivers by SEM importance, regression, Johnson's relative
weights and Shapley shares of R² with bootstrap intervals, and whether they agree with the
priority rule (:mod:`survey.analysis.triangulation`); ``nps``: the Net Promoter Score of a 0-10
recommend question with its interval, by segment with tests (:mod:`survey.analysis.nps`). The
analyses use the headline estimate's index weights (PLS outer weights when PLS was run).
``analyses_skipped``: the analyses the model cannot have (a measurement model has no drivers),
each with its reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

from survey.analysis.drivers import IpmaPoint, ipma, priorities
from survey.analysis.gauges import Gauges, gauges
from survey.analysis.mediation import Mediation, mediation
from survey.analysis.methods import MethodResult, classic_methods, disagreements
from survey.analysis.nps import NpsResult, nps
from survey.analysis.prediction import (
    Prediction,
    PredictionUnavailable,
    PredictSettings,
    prediction_of,
)
from survey.analysis.ratio import RatioRow, satisfaction_ratios
from survey.analysis.scores import Scores, construct_scores
from survey.analysis.triangulation import DriverTriangulation, driver_triangulation
from survey.errors import SurveyError
from survey.estimators.result import Estimate
from survey.pathmodel import BoundModel

if TYPE_CHECKING:
    from survey.analysis.comparison import SegmentComparison
    from survey.analysis.segments import SegmentResult
    from survey.analysis.tiers import ValueTiers
    from survey.sampling import IndexPrecision

#: The analyses beside the estimate, by name, with the JSON blocks each one writes.
ANALYSES = {
    "ipma": ("ipma", "ipma_items", "ipma_priorities"),
    "methods": ("methods", "methods_comparison"),
    "satisfaction_ratio": ("satisfaction_ratio",),
    "gauges": ("gauges",),
    "precision": ("precision",),
    "mediation": ("mediation",),
    "prediction": ("prediction",),
    "driver_shares": ("driver_shares",),
    "nps": ("nps",),
}


def check_analyses(names: Sequence[str]) -> tuple[str, ...]:
    """``names`` as a tuple, or :class:`SurveyError` naming the unknown ones."""
    unknown = [n for n in names if n not in ANALYSES]
    if unknown:
        raise SurveyError(f"Unknown analysis {', '.join(map(repr, unknown))}. Expected some of "
                          f"{', '.join(ANALYSES)}.")
    return tuple(names)


@dataclass(frozen=True)
class Analyses:
    """The analyses of one estimate as typed results; :meth:`to_json` is their JSON (the blocks
    of ``survey estimate --json``, DESIGN.md), the one serializer of them.

    ``include``: the :data:`ANALYSES` that were run; the fields of the others stay empty and
    the JSON leaves their blocks out (``analyses_off`` names them). ``skipped``: the analyses
    the model cannot have, with their reason. ``value_tiers``, ``segments`` and
    ``segment_tests`` are added by the study when it has segments
    (:mod:`survey.analysis.tiers`, :mod:`survey.analysis.segments`).
    """

    include: tuple[str, ...]
    ipma: tuple[IpmaPoint, ...] = ()
    ipma_items: tuple[IpmaPoint, ...] = ()
    #: Target -> its drivers in the order to improve them (drivers.priorities).
    priorities: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    methods: Mapping[str, MethodResult] = field(default_factory=dict)
    methods_comparison: Mapping[str, Any] = field(default_factory=dict)
    satisfaction_ratio: tuple[RatioRow, ...] = ()
    gauges: Gauges | None = None
    precision: Mapping[str, IndexPrecision | NoPrecision] = field(default_factory=dict)
    #: The headline estimate's specific indirect effects (None when not run).
    mediation: Mediation | None = None
    #: PLSpredict and CVPAT of the headline estimate, or why not (None when not run).
    prediction: Prediction | PredictionUnavailable | None = None
    #: The drivers by four methods and their agreement with the priority rule (None when not
    #: run).
    driver_shares: DriverTriangulation | None = None
    #: The NPS of the 0-10 recommend question, by segment (None when not run).
    nps: NpsResult | None = None
    notes: Mapping[str, Any] = field(default_factory=dict)
    skipped: tuple[Mapping[str, str], ...] = ()
    value_tiers: ValueTiers | None = None
    segments: tuple[SegmentResult, ...] = ()
    segment_tests: tuple[SegmentComparison, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if "ipma" in self.include:
            out["ipma"] = [p.to_json() for p in self.ipma]
            out["ipma_items"] = [p.to_json() for p in self.ipma_items]
            out["ipma_priorities"] = {t: list(v) for t, v in self.priorities.items()}
        if "methods" in self.include:
            out["methods"] = {name: m.to_json() for name, m in self.methods.items()}
            out["methods_comparison"] = self.methods_comparison
        if "satisfaction_ratio" in self.include:
            out["satisfaction_ratio"] = [r.to_json() for r in self.satisfaction_ratio]
        if "gauges" in self.include:
            out["gauges"] = {} if self.gauges is None else self.gauges.to_json()
        if "precision" in self.include:
            out["precision"] = {k: v.to_json() for k, v in self.precision.items()}
        if "mediation" in self.include:
            out["mediation"] = None if self.mediation is None else self.mediation.to_json()
        if "prediction" in self.include:
            out["prediction"] = None if self.prediction is None else self.prediction.to_json()
        if "driver_shares" in self.include:
            out["driver_shares"] = (None if self.driver_shares is None
                                    else self.driver_shares.to_json())
        if "nps" in self.include:
            out["nps"] = None if self.nps is None else self.nps.to_json()
        out["analysis_notes"] = dict(self.notes)
        off = [name for name in ANALYSES if name not in self.include]
        if off:
            out["analyses_off"] = off
        if self.skipped:
            out["analyses_skipped"] = [dict(x) for x in self.skipped]
        if self.value_tiers is not None:
            out["value_tiers"] = self.value_tiers.to_json()
        if self.segments:
            rows, summaries = [], []
            for result in self.segments:
                summary = result.to_json()
                rows.extend(summary.pop("levels"))
                summaries.append(summary)
            out.update(segments=rows, segment_summaries=summaries,
                       segment_tests=[t.to_json() for t in self.segment_tests])
        return out


def run_analyses(bound: BoundModel, data: pd.DataFrame, estimate: Estimate, *,
                 weights: str | None = None, strata: str | None = None, fpc: str | None = None,
                 probability: bool = False, include: Sequence[str] | None = None,
                 prediction: PredictSettings | None = None,
                 segments: Sequence[str] = ()) -> tuple[Analyses, Scores | None]:
    """The analyses of ``estimate`` on the accepted respondents ``data``, and the 0-100 scores
    they were computed from (None when no analysis was asked for). ``strata``, ``fpc`` and ``probability`` describe the sampling
    design for the indices' precision (margin of error only for a probability sample).
    ``include``: the :data:`ANALYSES` to run (default all).
    ``prediction``: the cross-validation settings of 'prediction' (default
    :class:`~survey.analysis.prediction.PredictSettings`).
    ``segments``: the segment columns of ``data`` the NPS is broken down by."""
    include = tuple(ANALYSES) if include is None else check_analyses(include)
    if not include:  # nothing to compute: not even the scores (a pass over every respondent)
        return Analyses(include=(), notes=_notes(bound, estimate),
                        skipped=tuple(skipped_analyses(bound))), None
    scores = construct_scores(bound, estimate, data, weights=weights)
    skipped = skipped_analyses(bound)
    constructs, items, methods = [], [], {}
    if not any(s["analysis"] == "ipma" for s in skipped) and (
            "ipma" in include or "methods" in include or "driver_shares" in include):
        constructs, items = ipma(bound, scores)
        if "methods" in include:
            methods = classic_methods(bound, data, constructs, weights=scores.weights)
    order = {t: tuple(priorities([p for p in constructs if p.target == t], bound))
             for t in dict.fromkeys(p.target for p in constructs)}
    out = Analyses(
        include=include, ipma=tuple(constructs), ipma_items=tuple(items),
        priorities=order,
        methods=methods, methods_comparison=disagreements(methods) if "methods" in include
        else {},
        satisfaction_ratio=tuple(satisfaction_ratios(bound, data, scores))
        if "satisfaction_ratio" in include else (),
        gauges=gauges(bound, data, scores) if "gauges" in include else None,
        precision=precision(bound, data, scores, strata=strata, fpc=fpc,
                            probability=probability) if "precision" in include else {},
        mediation=mediation(bound.model, estimate) if "mediation" in include else None,
        prediction=prediction_of(bound, data, estimate, prediction)
        if "prediction" in include else None,
        driver_shares=_driver_shares(bound, data, scores, estimate, constructs, order)
        if "driver_shares" in include else None,
        nps=_nps(bound, data, scores, segments) if "nps" in include else None,
        notes=_notes(bound, estimate), skipped=tuple(skipped))
    return out, scores


def _driver_shares(bound: BoundModel, data: pd.DataFrame, scores: Scores, estimate: Estimate,
                   constructs: Sequence[IpmaPoint], order: Mapping[str, Sequence[str]]
                   ) -> DriverTriangulation | None:
    """The driver triangulation of the model's target (None for a model without paths: it has
    no drivers, and analyses_skipped says so for IPMA and the methods)."""
    if bound.model.is_cfa or bound.model.target is None:
        return None
    return driver_triangulation(bound, data, scores, estimate, constructs,
                                order.get(bound.model.target, ()))


def _nps(bound: BoundModel, data: pd.DataFrame, scores: Scores, segments: Sequence[str]
         ) -> NpsResult:
    """The NPS of the respondents the scores cover (as the gauges), by segment column."""
    rows = scores.constructs.index
    frame = data.loc[rows]
    split = []
    if segments:
        from survey.analysis.segments import segment_labels

        split = [(c, segment_labels(frame, c)) for c in segments if c in frame.columns]
    return nps(bound, frame, scores.weights, segments=split)


def _notes(bound: BoundModel, estimate: Estimate) -> dict[str, Any]:
    """How the analyses' scores were made (the JSON's analysis_notes)."""
    return {"weights": estimate.index_weights, "method": estimate.method,
            "target": bound.model.target,
            "scores_missing": ("mean replacement" if estimate.missing not in ("listwise",)
                               else "listwise")}


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


@dataclass(frozen=True)
class NoPrecision:
    """An index without a precision, and why (``code`` 'invalid_index': a negative item weight
    puts its respondent scores off the 0-100 scale)."""

    code: str
    reason: str
    available: ClassVar[bool] = False

    def to_json(self) -> dict[str, Any]:
        return {"available": False, "reason": self.reason}


def precision(bound: BoundModel, data: pd.DataFrame, scores: Scores, *, strata: str | None,
              fpc: str | None, probability: bool) -> dict[str, IndexPrecision | NoPrecision]:
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
    out: dict[str, IndexPrecision | NoPrecision] = {}
    for c in scores.constructs.columns:
        if any(w < 0 for w in scores.item_weights[c].values()):
            out[c] = NoPrecision("invalid_index", "The index is invalid (a negative item "
                                                  "weight), so its respondent scores are not on "
                                                  "the 0-100 scale.")
            continue
        out[c] = index_precision(scores.constructs[c].to_numpy(), weights=scores.weights,
                                 strata=strata_values, fpc=fpc_values, probability=probability,
                                 source=c)
    return out
