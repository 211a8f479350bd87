"""The notebook API: load definitions, estimate, and read the results as data frames.

As with statsmodels or seminr, a study is three calls::

    import survey
    q = survey.load_questionnaire("questionnaires/airline.yaml")
    m = survey.load_model("models/ccsi.yaml")          # or YAML text, or a dict
    res = survey.estimate(q, m, frame_or_path, method="pls", bootstrap=1000, seed=1)
    res.paths; res.indices; res.conf_int(0.90); print(res.summary())

:class:`Results` reads the typed estimate (:class:`~survey.estimators.result.Estimate`) of
one method; ``res.to_json()`` is the JSON of ``survey estimate --json`` and
``res.report(path)`` its HTML report. Nothing here estimates anything the CLI does not: both
call :func:`survey.study.estimate_study`.
"""

from __future__ import annotations

import dataclasses
import html
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from survey.analysis.mediation import mediation as _mediation
from survey.analysis.suite import Analyses
from survey.assess import Assessment, Criteria, assess
from survey.errors import SurveyError
from survey.estimators.result import Estimate
from survey.pathmodel import PathModel
from survey.pathmodel import load_model as _load_model
from survey.quality import QualityFlags
from survey.questionnaire import Questionnaire
from survey.questionnaire import load_questionnaire as _load_questionnaire
from survey.study import SamplingDesign, StudyResult, estimate_study

Source = str | Path | Mapping[str, Any]


def load_questionnaire(source: Questionnaire | Source) -> Questionnaire:
    """A validated questionnaire.

    Parameters
    ----------
    source : str, Path, mapping or Questionnaire
        A YAML file, YAML text (a string with a line break), the same content as a dict, or
        an already loaded questionnaire (returned as it is).

    Returns
    -------
    Questionnaire

    Raises
    ------
    survey.errors.QuestionnaireError
        Every problem of the definition, with its file, line and key.
    """
    return source if isinstance(source, Questionnaire) else _load_questionnaire(source)


def load_model(source: PathModel | Source) -> PathModel:
    """A path model (or a measurement model: no ``paths``).

    Parameters
    ----------
    source : str, Path, mapping or PathModel
        A YAML file, YAML text (a string with a line break), the same content as a dict
        (``{"id": "m", "latents": [...], "paths": ["a -> b"], "target": "b"}``), or an
        already loaded model.

    Returns
    -------
    PathModel

    Raises
    ------
    survey.errors.ModelSpecError
        Every problem of the definition, with its file, line and key.
    """
    return source if isinstance(source, PathModel) else _load_model(source)


def estimate(questionnaire: Questionnaire | Source, model: PathModel | Source,
             data: pd.DataFrame | str | Path, *, method: str = "pls",
             bootstrap: int | Mapping[str, int] | None = None, seed: int = 2026,
             missing: str | None = None, weights: str | None = None, scheme: str = "path",
             hoc: str = "repeated", interval: str = "percentile",
             analyses: Sequence[str] | None = None, segments: Sequence[str] = (),
             tiers: str | None = None, permutations: int = 1000,
             design: SamplingDesign | None = None, inadmissible: str = "keep",
             workers: int = 1,
             progress: Callable[[str], Callable[[int, int], None]] | None = None,
             exclude_flagged: Sequence[str] = (),
             platform: str = "auto",
             prediction: Mapping[str, Any] | None = None,
             compare_with: Sequence[PathModel | Source] = ()) -> Results:
    """Estimate a path model on survey responses.

    Parameters
    ----------
    questionnaire, model
        Loaded definitions, or what :func:`load_questionnaire` / :func:`load_model` take.
    data : DataFrame, str or Path
        The responses: a data frame whose columns are the item ids, or a response file (CSV,
        Excel, SPSS). Either way every row is validated against the questionnaire; rejected
        rows are counted in ``res.ingest`` and kept with their reasons.
    method : {'pls', 'cbsem', 'both', 'plsc', 'all'}
        PLS path modelling (the headline), covariance-based SEM (ML; FIML for missing
        answers), both (PLS headline, CB-SEM beside it: ``res.alternative('cbsem')``),
        consistent PLS alone (PLSc, Dijkstra & Henseler 2015: paths and loadings corrected
        for measurement error, indices from the PLS weights; first-order models only), or
        all (PLS headline, ``res.alternative('plsc')`` and ``res.alternative('cbsem')``, and
        ``res.comparison`` with the three side by side).
    bootstrap : int or dict, optional
        Bootstrap resamples (for every method run, or ``{"pls": 1000}``).
    seed : int
        Seed of the bootstrap and the permutation tests (results are reproducible).
    missing, weights, scheme, hoc, interval, inadmissible
        As the options of ``survey estimate``: missing-data treatment, a case-weight column,
        the PLS inner scheme and higher-order approach, 'percentile' or 'bca' intervals, and
        whether CB-SEM resamples with an inadmissible solution are kept.
    analyses : sequence of str, optional
        The analyses to run beside the estimate (``survey.analysis.suite.ANALYSES``: ipma,
        methods, satisfaction_ratio, gauges, precision, mediation, prediction,
        driver_shares, nps); default all, ``[]`` none.
    segments, tiers, permutations, design, workers, progress
        Segment columns (``"age=30,45"`` bands a number), a value-tier column, permutations
        of the segment comparisons, the sampling design, bootstrap workers, and a progress
        callback factory ``progress(label) -> callback(done, total)``.
    exclude_flagged : sequence of str
        Response-quality rules (``survey.quality.RULES``: speeder, straightliner, duplicate,
        attention, dont_know) whose flagged respondents are left out; ``res.quality`` says
        per rule how many were flagged and excluded, with the indices with and without.
    platform : str
        The survey platform whose export ``data`` is: 'auto' (told from its columns),
        'native', 'wenjuanxing', 'qualtrics', 'surveymonkey' (``survey.importers``).
    prediction : dict, optional
        Settings of the out-of-sample prediction (PLSpredict and CVPAT: ``res.prediction``,
        ``res.cvpat()``): ``folds`` (10), ``repetitions`` (10), ``approach`` ('direct' or
        'earliest'), ``resamples`` (CVPAT's bootstrap, 2000). The shuffles are seeded by
        ``seed``.
    compare_with : sequence of models
        Rival path models (loaded, or what :func:`load_model` takes) to compare the study's
        model with on the same respondents by the headline method (PLS: BIC and GM of the
        target, Sharma et al. 2019; CB-SEM: AIC, BIC and likelihood-ratio tests):
        ``res.model_comparison``. A rival that cannot be compared is listed with its reason.

    Returns
    -------
    Results

    Raises
    ------
    survey.errors.SurveyError
        Bad definitions or data, or an estimate the data cannot carry (too few respondents,
        a singular matrix ...), with what happened and what to do.
    """
    if isinstance(compare_with, (str, Path, PathModel, Mapping)):
        compare_with = [compare_with]  # one rival
    study = estimate_study(load_questionnaire(questionnaire), load_model(model), data,
                           method=method, missing=missing, scheme=scheme, hoc=hoc,
                           weights=weights, bootstrap=bootstrap, seed=seed, interval=interval,
                           workers=workers, segments=segments, tiers=tiers,
                           permutations=permutations, design=design, inadmissible=inadmissible,
                           analyses=analyses, progress=progress,
                           exclude_flagged=exclude_flagged, platform=platform,
                           prediction=prediction,
                           compare_with=[m if isinstance(m, (PathModel, str, Path))
                                         else load_model(m) for m in compare_with])
    return Results(study)


def quality_flags(questionnaire: Questionnaire | Source, data: pd.DataFrame | str | Path,
                  lang: str = "en") -> QualityFlags:
    """Response-quality flags of every accepted respondent (survey.quality): speeders,
    straight-liners, near-duplicates, failed attention checks, too many don't-knows, each
    with its reason; nothing is excluded.

    Parameters
    ----------
    questionnaire
        A loaded questionnaire or what :func:`load_questionnaire` takes; its ``quality:``
        block sets the columns and thresholds.
    data : DataFrame, str or Path
        The responses, validated as :func:`estimate` validates them.
    lang : {'en', 'zh'}
        The language of the reasons and the rules' notes (survey.quality.REASONS).

    Returns
    -------
    survey.quality.QualityFlags
        ``.flags`` (row, rule, value, reason), ``.summary()`` (per rule), ``.rows(rules)``.
    """
    from survey.ingest import read_responses, response_set_from_frame
    from survey.quality import check_quality

    q = load_questionnaire(questionnaire)
    responses = (response_set_from_frame(data, q) if isinstance(data, pd.DataFrame)
                 else read_responses(data, q))
    return check_quality(responses, q, lang=lang)


def _frame(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(columns))


def _square(pairs: Sequence[tuple[str, str, float]], names: Sequence[str],
            diagonal: float) -> pd.DataFrame:
    """A symmetric matrix from (a, b, value) pairs, ``diagonal`` on the diagonal."""
    out = pd.DataFrame(math.nan, index=list(names), columns=list(names))
    for a, b, v in pairs:
        out.loc[a, b] = out.loc[b, a] = v
    for n in names:
        out.loc[n, n] = diagonal
    return out


class Results:
    """The results of :func:`estimate` for one method (the headline unless chosen).

    Every accessor returns a new pandas object built from the immutable estimate; numbers that
    are undefined are NaN. ``study`` is the whole :class:`~survey.study.StudyResult` (inputs
    as validated, every method's estimate, the analyses, the run manifest).
    """

    def __init__(self, study: StudyResult, method: str | None = None) -> None:
        self.study = study
        self.estimate: Estimate = (study.estimate if method is None
                                   else study.estimates[method])

    # -- identity
    @property
    def method(self) -> str:
        """'pls', 'plsc' or 'cbsem'."""
        return self.estimate.method

    @property
    def n(self) -> int:
        """Respondents the estimate used."""
        return self.estimate.n

    def alternative(self, method: str) -> Results:
        """The results of another method of a ``method='both'`` or ``'all'`` run."""
        if method not in self.study.estimates:
            raise SurveyError(f"No {method!r} estimate in this run. Expected one of "
                              f"{list(self.study.estimates)}.")
        return Results(self.study, method)

    # -- the structural and measurement model
    @property
    def paths(self) -> pd.DataFrame:
        """One row per structural path: from, to, estimate, std_estimate, se, t_value,
        p_value, ci_low, ci_high (se and beyond: bootstrap or Wald, see ``inference``)."""
        return _frame(({"from": p.source, "to": p.target, "estimate": p.estimate,
                        "std_estimate": p.std_estimate, "se": p.se, "t_value": p.t_value,
                        "p_value": p.p_value, "ci_low": p.ci_low, "ci_high": p.ci_high}
                       for p in self.estimate.paths),
                      ["from", "to", "estimate", "std_estimate", "se", "t_value", "p_value",
                       "ci_low", "ci_high"]).astype({"estimate": float}).fillna(math.nan)

    @property
    def loadings(self) -> pd.DataFrame:
        """One row per (construct, item): estimate, std_estimate, se, p_value, interval."""
        return _frame(({"latent": x.latent, "item": x.item, "estimate": x.estimate,
                        "std_estimate": x.std_estimate, "se": x.se, "p_value": x.p_value,
                        "ci_low": x.ci_low, "ci_high": x.ci_high}
                       for x in self.estimate.loadings),
                      ["latent", "item", "estimate", "std_estimate", "se", "p_value", "ci_low",
                       "ci_high"]).fillna(math.nan)

    @property
    def weights(self) -> pd.DataFrame:
        """Outer (PLS) or factor-score regression (CB-SEM) weights of the standardized items."""
        return _frame(({"latent": w.latent, "item": w.item, "estimate": w.estimate}
                       for w in self.estimate.weights), ["latent", "item", "estimate"])

    @property
    def r2(self) -> pd.DataFrame:
        """R² and adjusted R² of each endogenous construct."""
        e = self.estimate
        return pd.DataFrame({"r2": pd.Series(dict(e.r2), dtype=float),
                             "adj_r2": pd.Series(dict(e.adj_r2), dtype=float)})

    @property
    def effects(self) -> pd.DataFrame:
        """Direct, indirect and total effects between constructs (standardized)."""
        return _frame(({"from": x.source, "to": x.target, "direct": x.direct,
                        "indirect": x.indirect, "total": x.total} for x in self.estimate.effects),
                      ["from", "to", "direct", "indirect", "total"])

    @property
    def indices(self) -> pd.DataFrame:
        """The 0-100 index of each construct with its standard error and interval; ``valid``
        is False where a negative item weight makes the index meaningless."""
        return _frame(({"latent": i.latent, "index": i.value, "se": i.se, "ci_low": i.ci_low,
                        "ci_high": i.ci_high, "valid": i.valid} for i in self.estimate.indices),
                      ["latent", "index", "se", "ci_low", "ci_high", "valid"]
                      ).set_index("latent").fillna({"se": math.nan, "ci_low": math.nan,
                                                    "ci_high": math.nan})

    @property
    def reliability(self) -> pd.DataFrame:
        """Cronbach's alpha, rho_A, composite reliability rho_c and AVE per construct."""
        return pd.DataFrame.from_dict({k: dict(v) for k, v in
                                       self.estimate.reliability.items()},
                                      orient="index").astype(float)

    @property
    def htmt(self) -> pd.DataFrame:
        """Heterotrait-monotrait ratios as a symmetric construct x construct matrix."""
        return _square(self.estimate.htmt, self._constructs(self.estimate.htmt), math.nan)

    @property
    def htmt2(self) -> pd.DataFrame:
        """HTMT2 (geometric means; Roemer et al. 2021) as a matrix."""
        return _square(self.estimate.htmt2, self._constructs(self.estimate.htmt2), math.nan)

    @property
    def latent_correlations(self) -> pd.DataFrame:
        """Correlations of the construct scores as a matrix (1 on the diagonal)."""
        pairs = self.estimate.latent_correlations
        return _square(pairs, self._constructs(pairs), 1.0)

    @property
    def cross_loadings(self) -> pd.DataFrame:
        """Item x construct correlations."""
        rows = self.estimate.cross_loadings
        if not rows:
            return pd.DataFrame()
        long = pd.DataFrame(rows, columns=["item", "latent", "value"])
        return long.pivot(index="item", columns="latent", values="value").reindex(
            index=list(dict.fromkeys(r[0] for r in rows)),
            columns=list(dict.fromkeys(r[1] for r in rows)))

    @property
    def f2(self) -> pd.DataFrame:
        """Cohen's f² of each structural path."""
        return _frame(({"from": a, "to": b, "f2": v} for a, b, v in self.estimate.f2),
                      ["from", "to", "f2"])

    @property
    def inner_vif(self) -> pd.DataFrame:
        """Variance inflation of each path's cause among the effect's predictors."""
        return _frame(({"from": a, "to": b, "vif": v} for a, b, v in self.estimate.inner_vif),
                      ["from", "to", "vif"])

    @property
    def fit(self) -> pd.Series:
        """Global fit measures (CB-SEM: chi², df, CFI, TLI, RMSEA, SRMR ...; PLS: SRMR)."""
        return pd.Series(dict(self.estimate.fit), dtype=float)

    @property
    def notices(self) -> pd.DataFrame:
        """What the estimate says about itself: code, whether it makes the solution
        inadmissible, and the sentence."""
        return _frame(({"code": n.code, "inadmissible": n.inadmissible, "text": n.text()}
                       for n in self.estimate.notices), ["code", "inadmissible", "text"])

    @property
    def parameters(self) -> pd.DataFrame:
        """Every parameter in lavaan's ``parameterEstimates`` layout: lhs, op, rhs, est, se,
        z, pvalue, ci.lower, ci.upper, std.all (``~`` regressions as effect ~ cause, ``=~``
        loadings, ``~~`` (residual) variances and covariances)."""
        e = self.estimate
        rows = [{"lhs": x.latent, "op": "=~", "rhs": x.item, "est": x.estimate, "se": x.se,
                 "pvalue": x.p_value, "ci.lower": x.ci_low, "ci.upper": x.ci_high,
                 "std.all": x.std_estimate} for x in e.loadings]
        rows += [{"lhs": p.target, "op": "~", "rhs": p.source, "est": p.estimate, "se": p.se,
                  "pvalue": p.p_value, "ci.lower": p.ci_low, "ci.upper": p.ci_high,
                  "std.all": p.std_estimate} for p in e.paths]
        rows += [{"lhs": name.split(" ~~ ")[0], "op": "~~", "rhs": name.split(" ~~ ")[-1],
                  "est": est, "se": se} for name, est, se in e.variances]
        rows += [{"lhs": c.a, "op": "~~", "rhs": c.b, "est": c.estimate, "se": c.se,
                  "pvalue": c.p_value, "ci.lower": c.ci_low, "ci.upper": c.ci_high,
                  "std.all": c.std_estimate} for c in e.covariances]
        out = _frame(rows, ["lhs", "op", "rhs", "est", "se", "pvalue", "ci.lower", "ci.upper",
                            "std.all"]).astype({"est": float})
        out = out.fillna(math.nan)
        out.insert(4, "z", out["est"] / out["se"].astype(float))
        return out

    # -- analyses
    @property
    def analysis(self) -> Analyses:
        """Every analysis beside the estimate as typed results (IPMA points, classic methods,
        satisfaction ratios, gauges, precision, mediation, driver triangulation, NPS, value
        tiers, segments and their
        tests)."""
        return self.study.analysis

    @property
    def ipma(self) -> pd.DataFrame:
        """The importance-performance map of the target's drivers (constructs)."""
        return pd.DataFrame([p.to_json() for p in self._ran("ipma").ipma])

    @property
    def ipma_items(self) -> pd.DataFrame:
        """The importance-performance map of the drivers' items."""
        return pd.DataFrame([p.to_json() for p in self._ran("ipma").ipma_items])

    @property
    def priorities(self) -> dict[str, list[str]]:
        """Each target's drivers in the order to improve them (largest potential gain
        importance x (100 - performance) first)."""
        return {t: list(v) for t, v in self._ran("ipma").priorities.items()}

    @property
    def methods(self) -> dict[str, pd.DataFrame]:
        """The classic driver methods (mean score, importance x performance, regression, dual
        evaluation, SEM): one frame of drivers per available method."""
        return {name: pd.DataFrame(list(m.rows))
                for name, m in self._ran("methods").methods.items() if m.available}

    @property
    def satisfaction_ratio(self) -> pd.DataFrame:
        """Perceived / expected per paired indicator, with its band."""
        return pd.DataFrame([dataclasses.asdict(r) for r in
                             self._ran("satisfaction_ratio").satisfaction_ratio])

    @property
    def mediation(self) -> pd.DataFrame:
        """Every specific indirect effect (one row per chain cause -> mediators -> effect):
        estimate (the product of the chain's paths), std_estimate, se, t_value, p_value, the
        interval the significance rule reads (ci_low, ci_high), the percentile and BCa
        bounds, whether it is significant, the direct path (direct, its interval, p and
        verdict; NaN without one) and the mediation type of Zhao, Lynch & Chen (2010). The
        frame's ``attrs`` say how: inference ('bootstrap', 'delta' or 'none'), interval, level,
        rule and, without inference, why (survey.analysis.mediation).

        For the other estimate of a ``method='both'`` run (``res.alternative('cbsem')``) the
        same analysis is made of that estimate."""
        a = self._ran("mediation")
        result = (a.mediation if self.estimate is self.study.estimate and a.mediation is not None
                  else _mediation(self.study.bound.model, self.estimate))
        columns = ["from", "to", "chain", "mediators", "estimate", "std_estimate", "se",
                   "t_value", "p_value", "ci_low", "ci_high", "pct_low", "pct_high", "bca_low",
                   "bca_high", "significant", "direct_path", "direct", "direct_ci_low",
                   "direct_ci_high", "direct_p_value", "direct_significant", "type"]
        rows = [{**x.to_json(), "chain": " -> ".join(x.chain),
                 "mediators": " -> ".join(x.mediators)} for x in result.effects]
        out = _frame(rows, columns)
        numbers = [c for c in columns if c not in ("from", "to", "chain", "mediators",
                                                   "significant", "direct_path",
                                                   "direct_significant", "type")]
        out[numbers] = out[numbers].astype(float)
        out.attrs.update(method=result.method, inference=result.inference,
                         interval=result.interval, level=result.level, rule=result.rule,
                         withheld=result.withheld, reason=result.reason)
        return out

    @property
    def quality(self) -> pd.DataFrame:
        """What ``exclude_flagged`` did, one row per quality rule: available, threshold,
        flagged, share (of the accepted respondents), excluded. ``attrs``: the rules applied,
        respondents checked, excluded and used, and the headline indices with and without the
        exclusion (``indices``: latent -> (with, without))."""
        x = self.study.quality
        if x is None:
            raise SurveyError("No quality rule was applied: estimate with "
                              "exclude_flagged=[...] (survey.quality.RULES).")
        out = pd.DataFrame(x.to_json()["rules"]).drop(columns=["note"])
        out.attrs.update(rules=list(x.rules), n_checked=x.n_checked,
                         n_excluded=len(x.excluded), n_used=x.n_used,
                         indices={latent: (w, wo) for latent, w, wo in x.indices})
        return out

    @property
    def model_comparison(self) -> pd.DataFrame:
        """The study's model against the rivals of ``estimate(..., compare_with=[...])``, one
        row per model (:meth:`survey.analysis.model_selection.ModelComparison.table`: PLS n,
        R² of the target, predictors, BIC, GM and their weights; CB-SEM chi², df, AIC, BIC,
        weights and the nested test), ``withheld`` saying why a value is missing. ``attrs``:
        method, target, selected (criterion -> model id, None without a single winner),
        sample, notes, excluded (rivals left out: id, reason, detail) and tests. The typed
        result is ``res.study.model_comparison``.

        Raises
        ------
        survey.errors.SurveyError
            When no rival was given."""
        mc = self.study.model_comparison
        if mc is None:
            raise SurveyError("No model comparison in this run: estimate with "
                              "compare_with=[rival model, ...] (survey estimate "
                              "--compare-with MODEL.yaml).")
        out = mc.table()
        out.attrs.update(method=mc.method, target=mc.target, selected=dict(mc.selected),
                         sample=dict(mc.sample), notes=list(mc.notes),
                         excluded=[x.to_json() for x in mc.excluded],
                         tests=[t.to_json() for t in mc.tests])
        return out

    @property
    def comparison(self) -> pd.DataFrame:
        """PLS next to CB-SEM (a ``method='both'`` or ``'all'`` run; empty otherwise): one
        row per path, index and R² (kind, a, b), the values under each method's name (plsc
        too when it was run), their difference (PLS - CB-SEM), the paths' significance per
        method and ``reasons`` why PLS and CB-SEM disagree (survey.estimators.compare)."""
        rows = [dict(r) for r in self.study.comparison]
        methods = [m for m in ("pls", "cbsem", "plsc") if any(m in r for r in rows)]
        columns = ["kind", "a", "b", *methods, "difference",
                   *[f"significant_{m}" for m in methods], "reasons"]
        out = _frame(rows, columns)
        out[[*methods, "difference"]] = out[[*methods, "difference"]].astype(float)
        return out

    @property
    def plsc(self) -> pd.DataFrame:
        """The PLSc correction of a PLSc estimate: one row per construct with its rho_A and
        whether it was corrected (single-item and mode-B constructs are not: rho_A = 1);
        ``attrs`` the smallest eigenvalue of the corrected construct correlations and whether
        the solution is admissible. Raises for another method's estimate."""
        detail = self.estimate.settings.get("plsc")
        if detail is None:
            raise SurveyError(f"This is the {self.method!r} estimate, not a PLSc one. Use "
                              "estimate(..., method='plsc' or 'all') and, with 'all', "
                              "res.alternative('plsc').")
        out = _frame(({"latent": c, "rho_a": v, "corrected": c not in detail["uncorrected"]}
                      for c, v in detail["rho_a"].items()), ["latent", "rho_a", "corrected"])
        out.attrs.update(min_eigenvalue=detail["min_eigenvalue"],
                         admissible=self.estimate.admissible)
        return out

    @property
    def prediction(self) -> pd.DataFrame:
        """PLSpredict of the headline PLS estimate (settings: ``estimate(..., prediction=)``):
        one row per indicator of an endogenous latent with latent, item, q2_predict, pls_rmse,
        pls_mae, lm_rmse, lm_mae, lm_q2_predict, pls_beats_lm_rmse, pls_beats_lm_mae, n and
        n_unscored. The frame's ``attrs``: ``power`` (each endogenous latent's reading: none,
        low, medium or high predictive power, Hair et al. 2019), ``headline`` (the target's),
        and the settings (folds, repetitions, seed, approach). survey.analysis.prediction.

        Raises
        ------
        survey.errors.SurveyError
            When it was not run, or the data could not carry it (too few respondents for the
            folds, case weights, failed fits), with the reason.
        """
        p = self._prediction()
        columns = ["latent", "item", "q2_predict", "pls_rmse", "pls_mae", "lm_rmse", "lm_mae",
                   "lm_q2_predict", "pls_beats_lm_rmse", "pls_beats_lm_mae", "n", "n_unscored"]
        out = _frame([x.to_json() for x in p.indicators], columns)
        doc = p.to_json()
        out.attrs.update(power={x.latent: x.power for x in p.power},
                         headline=None if p.headline is None else p.headline.power,
                         **{k: doc[k] for k in ("folds", "repetitions", "seed", "approach",
                                                "repetitions_used", "benchmark")})
        return out

    def cvpat(self, alternative: PathModel | Source | None = None) -> pd.DataFrame:
        """CVPAT (Liengaard et al. 2021; Sharma et al. 2023): one row per endogenous latent and
        ``overall`` with a, b, loss_a, loss_b, difference (loss of b minus loss of a: > 0 when
        a predicts better), t_value, df, p_value (paired t), boot_se, boot_t_value,
        boot_p_value (bootstrap), alternative, n.

        Without ``alternative``: the run's PLS against the indicator-average (b = 'ia') and
        linear-model (b = 'lm') benchmarks, one-sided. With ``alternative`` (a path model, or
        what :func:`load_model` takes) on the same questionnaire: the run's model (a) against
        it (b), two-sided, over the same folds and bootstrap draws, with the estimate's
        missing-data policy, scheme and the run's prediction settings (both models must
        predict the same indicators). Needs the prediction to have been run."""
        from survey.analysis.prediction import PredictionError, cvpat_compare
        from survey.pathmodel import bind

        p = self._prediction()
        if alternative is None:
            rows = [t.to_json() for c in (p.cvpat_ia, p.cvpat_lm) for t in c.tests]
        else:
            e = self.study.estimate
            hoc = str(e.settings.get("higher_order", "repeated"))
            other = bind(load_model(alternative), self.study.questionnaire)
            try:
                result = cvpat_compare(self.study.bound, other, self.study.responses.data,
                                       missing=e.missing,
                                       hoc="repeated" if hoc == "none" else hoc,
                                       scheme=str(e.settings.get("scheme", "path")),
                                       settings=p.settings,
                                       tol=float(e.settings.get("tolerance", 1e-7)))
            except PredictionError as exc:
                raise SurveyError(str(exc)) from None
            rows = [t.to_json() for t in result.tests]
        columns = ["latent", "a", "b", "loss_a", "loss_b", "difference", "t_value", "df",
                   "p_value", "boot_se", "boot_t_value", "boot_p_value", "alternative", "n"]
        out = _frame(rows, columns)
        numbers = ["loss_a", "loss_b", "difference", "t_value", "p_value", "boot_se",
                   "boot_t_value", "boot_p_value"]
        out[numbers] = out[numbers].astype(float)
        return out

    def _prediction(self):
        a = self._ran("prediction")
        p = a.prediction
        if self.estimate is not self.study.estimate:
            raise SurveyError("The prediction is made of the headline PLS estimate only.")
        if p is None or not p.available:
            raise SurveyError("The out-of-sample prediction is not available: "
                              + (p.reason if p is not None else "it was not run."))
        return p

    @property
    def driver_shares(self) -> pd.DataFrame:
        """The target's drivers by four methods (survey.analysis.triangulation), one row per
        driver: sem_importance (IPMA), regression (standardized beta), relative_weight
        (Johnson 2000) and shapley (LMG share of R²), each with its percentile interval
        (NaN without bootstrap inference). The frame's ``attrs``: outcome, n, r2 and its
        interval, inference, withheld, shapley_withheld, the agreement with the priority rule
        (rule_top, and per method the rule's drivers it agrees and differs on), and, when
        the triangulation could not be made, available False and the reason."""
        t = self._ran("driver_shares").driver_shares
        columns = ["driver", "sem_importance", "regression", "regression_ci_low",
                   "regression_ci_high", "relative_weight", "relative_weight_ci_low",
                   "relative_weight_ci_high", "shapley", "shapley_ci_low", "shapley_ci_high"]
        if t is None:
            raise SurveyError("The model has no target with drivers: there is no driver "
                              "triangulation.")
        out = _frame([d.to_json() for d in t.drivers], columns)
        out[columns[1:]] = out[columns[1:]].astype(float)
        block = t.to_json()
        out.attrs.update({k: block[k] for k in ("available", "reason", "outcome",
                                                 "outcome_kind", "n", "r2", "r2_ci_low",
                                                 "r2_ci_high", "inference", "withheld",
                                                 "level", "shapley_withheld", "agreement")})
        return out

    @property
    def nps(self) -> dict[str, Any]:
        """The Net Promoter Score of the 0-10 recommend question (survey.analysis.nps): the
        ``overall`` NPS (score, shares, se, ci_low, ci_high, n_effective, withheld) and per
        segment column its levels and Holm-adjusted pairwise tests; ``available`` False with
        the reason when the questionnaire has no 0-10 recommend question."""
        result = self._ran("nps").nps
        if result is None:
            raise SurveyError("The analysis 'nps' was not run.")
        return result.to_json()

    @property
    def ingest(self) -> dict[str, Any]:
        """What ingestion did: rows read, accepted, rejected, screened out, don't-knows, the
        platform the file was read as and what was done with each of its columns."""
        return self.study.ingest_json()

    def _ran(self, name: str) -> Analyses:
        a = self.study.analysis
        if a is None or name not in a.include:
            raise SurveyError(f"The analysis {name!r} was not run (estimate(..., analyses=...) "
                              "left it out).")
        skipped = [x for x in a.skipped if x["analysis"] == name]
        if skipped:
            raise SurveyError(f"The analysis {name!r} is not available: {skipped[0]['reason']}")
        return a

    def _constructs(self, pairs: Sequence[tuple[str, str, float]]) -> list[str]:
        order = [c for c in self.study.bound.constructs]
        named = {x for a, b, _ in pairs for x in (a, b)}
        return [c for c in order if c in named] + sorted(named - set(order))

    # -- judgement
    def assess(self, criteria: Criteria | None = None) -> Assessment:
        """The estimate judged against ``criteria`` (default: the published thresholds of
        :class:`~survey.assess.Criteria`, each with its source): one data frame per check with
        a ``verdict`` column; ``.problems()`` lists what failed. The report shows the same
        verdicts."""
        return assess(self.estimate, self.study.bound, criteria)

    # -- inference
    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals of the paths, loadings, indices (and with CB-SEM variances and
        covariances) at ``level``: bootstrap intervals (the run's percentile or BCa) when the
        estimate was bootstrapped, Wald intervals from the ML standard errors otherwise.

        Raises
        ------
        survey.errors.SurveyError
            When the estimate carries no inference: PLS without a bootstrap, or a bootstrap
            with too few usable resamples (the notices say how many).
        """
        if not 0 < level < 1:
            raise SurveyError(f"The level must lie between 0 and 1. Got {level!r} instead.")
        e = self.estimate
        if e.inference == "bootstrap" and e.bootstrap is not None:
            boot = replace(e.bootstrap, settings=replace(e.bootstrap.settings, level=level))
            table = boot.table()
            lo, hi = (("bca_low", "bca_high") if e.settings.get("interval") == "bca"
                      else ("pct_low", "pct_high"))
            out = table[["kind", "a", "b", "estimate", lo, hi]].rename(
                columns={lo: "lower", hi: "upper"})
            return out.assign(interval=e.settings.get("interval", "percentile"), level=level)
        if e.inference == "wald":
            from scipy.stats import norm

            z = float(norm.ppf(0.5 + level / 2))
            p = self.parameters
            se = p["se"].astype(float)
            return pd.DataFrame({"kind": p["op"].map({"~": "path", "=~": "loading",
                                                      "~~": "covariance"}),
                                 "a": p["lhs"], "b": p["rhs"], "estimate": p["est"],
                                 "lower": p["est"] - z * se, "upper": p["est"] + z * se,
                                 "interval": "wald", "level": level})
        why = [n.text() for n in e.notices if n.code.startswith("bootstrap")]
        raise SurveyError("This estimate carries no inference: "
                          + (" ".join(why) if why else
                             f"{e.method} was not bootstrapped (estimate(..., bootstrap=1000)).")
                          )

    # -- outputs
    def to_json(self) -> dict[str, Any]:
        """The JSON document of ``survey estimate --json`` (the DESIGN.md contract)."""
        return self.study.to_json()

    def report(self, path: str | Path, lang: str | None = None) -> Path:
        """Write the self-contained HTML report (``lang`` 'zh' or 'en'; default the
        questionnaire's first language) and return its path."""
        from survey.report import write_report

        return write_report(self.study, path, lang=lang)

    def summary(self) -> str:
        """A plain-text summary: the run, the paths, R², the indices and the notices."""
        e = self.estimate
        head = [f"csi-survey {e.method.upper()} estimate of model '{e.model_id}'",
                f"respondents: {e.n} (dropped {e.n_dropped}); missing answers: {e.missing}",
                f"converged: {e.converged}; admissible: {e.admissible}; "
                f"inference: {e.inference}"]
        fit = {k: v for k, v in e.fit.items() if v is not None}
        parts = ["\n".join(head)]
        if fit:
            parts.append("fit: " + ", ".join(f"{k} {v:.4g}" for k, v in fit.items()))
        for title, frame in (("Paths", self.paths), ("R²", self.r2),
                             ("Indices (0-100)", self.indices)):
            if not frame.empty:
                parts.append(f"{title}\n{frame.to_string(float_format=_fmt)}")
        if e.notices:
            parts.append("Notices\n" + "\n".join(f"- {n.text()}" for n in e.notices))
        return "\n\n".join(parts)

    def __repr__(self) -> str:
        e = self.estimate
        return (f"<survey.Results {e.method} model={e.model_id!r} n={e.n} "
                f"inference={e.inference!r}>")

    def _repr_html_(self) -> str:
        e = self.estimate
        head = (f"<p><b>{html.escape(e.method.upper())}</b> estimate of model "
                f"<code>{html.escape(e.model_id)}</code>: {e.n} respondents, "
                f"inference {html.escape(e.inference)}, admissible {e.admissible}.</p>")
        tables = "".join(f"<h4>{title}</h4>{frame.to_html(float_format=_fmt, escape=True)}"
                         for title, frame in (("Paths", self.paths), ("R²", self.r2),
                                              ("Indices (0-100)", self.indices))
                         if not frame.empty)
        notes = "".join(f"<li>{html.escape(n.text())}</li>" for n in e.notices)
        return head + tables + (f"<h4>Notices</h4><ul>{notes}</ul>" if notes else "")


def _fmt(x: float) -> str:
    return f"{x:.4f}"


# --------------------------------------------------------------------------- model comparison


def compare_models(questionnaire: Questionnaire | Source, data: pd.DataFrame | str | Path,
                   models: Sequence[PathModel | Source], *, method: str = "pls",
                   target: str | None = None, missing: str | None = None,
                   weights: str | None = None, scheme: str = "path",
                   encoding: str | None = None):
    """Compare competing path models on the same respondents (``survey compare-models``).

    Parameters
    ----------
    questionnaire, models
        Loaded definitions, or what :func:`load_questionnaire` / :func:`load_model` take;
        two models or more, each with its own ``id``.
    data : DataFrame, str or Path
        The responses, validated as for :func:`estimate`. Every model is estimated on the
        respondents all of them can use (listwise: complete on the union of their items).
    method : {'pls', 'cbsem'}
        PLS: BIC and Geweke-Meese (GM) of the ``target`` construct's equation (Sharma et al.
        2019), with BIC and GM weights. CB-SEM: chi-square, df, AIC and BIC (lavaan's
        convention), and the likelihood-ratio test of each nested pair (Satorra-Bentler's
        scaled difference under ``weights``).
    target : str, optional
        PLS: the endogenous construct the models are compared on (default: the first model's
        target).
    missing, weights, scheme, encoding
        As for :func:`estimate`.

    Returns
    -------
    survey.analysis.model_selection.ModelComparison
        ``.table()`` a DataFrame (one row per model), ``.to_json()`` the JSON of
        ``survey compare-models --json``, ``.selected`` the winner per criterion.

    Raises
    ------
    survey.errors.SurveyError
        Bad definitions or data; models on different items (CB-SEM); a target that is not
        endogenous in every model.
    """
    from survey.analysis.model_selection import compare_model_files

    return compare_model_files(questionnaire, data, models, method=method, target=target,
                               missing=missing, weights=weights, scheme=scheme,
                               encoding=encoding)


# --------------------------------------------------------------------------- fielding


def export_form(questionnaire: Questionnaire | Source, to: str, *,
                languages: Sequence[str] | None = None,
                out: str | Path | None = None) -> bytes:
    """The questionnaire as a form to field on a survey platform (``survey export``).

    Parameters
    ----------
    questionnaire
        A loaded questionnaire, or what :func:`load_questionnaire` takes.
    to : {'xlsform', 'limesurvey', 'surveyjs'}
        XLSForm (KoboToolbox, ODK; an XLSX), LimeSurvey's tab-separated survey structure, or
        SurveyJS JSON. The screening questions become skip logic, the don't-know code an
        explicit choice (survey.fielding).
    languages : sequence of str, optional
        The languages to write (default: all of the questionnaire's).
    out : str or Path, optional
        Also write the file here (its extension must be the platform's).

    Returns
    -------
    bytes
        The file's content. The platform's response export ingests back with no mapping
        written by hand (:func:`estimate` with ``platform='auto'``).
    """
    from survey.fielding import export_form as _export
    from survey.fielding import write_form

    q = questionnaire if isinstance(questionnaire, Questionnaire) else _load_questionnaire(
        questionnaire)
    if out is not None:
        return write_form(q, to, out, languages).read_bytes()
    return _export(q, to, languages)
