"""One estimation of a study, end to end: questionnaire + model + responses -> estimates.

The CLI and notebooks call the same functions: :func:`estimate_study` takes file paths,
validates everything at the boundary and returns a :class:`StudyResult` that the report and the
JSON writer consume. ``method`` is 'pls' (the headline: the national indices are PLS), 'cbsem',
'both' (PLS headline, CB-SEM beside it, and where the two disagree), 'plsc' (consistent PLS
alone) or 'all' (PLS headline, PLSc and CB-SEM beside it: the comparison shows all three).
"""

from __future__ import annotations

import hashlib
import platform as python_platform
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from survey._version import __version__
from survey.analysis.prediction import PredictSettings
from survey.analysis.suite import Analyses, run_analyses
from survey.analysis.tiers import value_tiers
from survey.errors import SurveyError
from survey.estimators import MISSING, estimate_model
from survey.estimators.bootstrap import BootstrapSettings, auto_workers
from survey.estimators.compare import compare_estimates
from survey.estimators.result import Estimate
from survey.ingest import ResponseSet, read_responses, response_set_from_frame
from survey.numbers import json_safe
from survey.numbers import plain as _num
from survey.pathmodel import BoundModel, PathModel, bind, load_model
from survey.quality import QualityExclusion, check_quality, check_rules, exclusion_rows
from survey.questionnaire import Questionnaire, load_questionnaire

if TYPE_CHECKING:
    from survey.analysis.comparison import SegmentComparison
    from survey.analysis.model_selection import ModelComparison
    from survey.analysis.segments import SegmentResult

METHODS = ("pls", "cbsem", "both", "plsc", "all")
#: The estimators each ``method`` runs, the headline first.
METHOD_RUNS = {"pls": ("pls",), "cbsem": ("cbsem",), "both": ("pls", "cbsem"),
               "plsc": ("plsc",), "all": ("pls", "plsc", "cbsem")}
#: Names of the estimators in progress lines.
METHOD_LABELS = {"pls": "PLS", "plsc": "PLSc", "cbsem": "CB-SEM"}


@dataclass(frozen=True)
class StudyResult:
    """Everything a report needs: the inputs as validated and the estimates by method."""

    questionnaire: Questionnaire
    bound: BoundModel
    responses: ResponseSet
    estimates: Mapping[str, Estimate]
    manifest: dict[str, Any] = field(default_factory=dict)
    comparison: tuple[dict[str, Any], ...] = ()
    #: The analyses as typed results (survey.analysis.suite.Analyses: IPMA points, methods,
    #: ratios, gauges, precision, value tiers, segments and their tests).
    analysis: Analyses | None = None
    #: Their JSON blocks (``analysis.to_json()``, made once): ipma, methods, gauges, ...
    analyses: Mapping[str, Any] = field(default_factory=dict)
    #: What ``exclude_flagged`` did (survey.quality); None when no respondent was excluded
    #: by quality rules.
    quality: QualityExclusion | None = None
    #: The study's model against the rivals of ``compare_with`` (survey.analysis.
    #: model_selection); None when no rival was given.
    model_comparison: ModelComparison | None = None

    @property
    def estimate(self) -> Estimate:
        """The headline estimate: PLS when it was run, else the only one."""
        return self.estimates.get("pls") or next(iter(self.estimates.values()))

    def to_json(self) -> dict[str, Any]:
        """The DESIGN.md contract of the headline estimate, extended with the other estimate
        (``"alternatives"``), the comparison, the ingest counts and the run manifest."""
        out = self.estimate.to_json()
        others = {m: e.to_json() for m, e in self.estimates.items() if e is not self.estimate}
        if others:
            out["alternatives"] = others
            out["comparison"] = list(self.comparison)
        out.update(self.analyses)
        if self.quality is not None:
            out["quality"] = self.quality.to_json()
        if self.model_comparison is not None:
            # Only when asked for (compare_with): the default JSON is a contract.
            out["model_comparison"] = self.model_comparison.to_json()
        out["ingest"] = self.ingest_json()
        out["manifest"] = self.manifest
        return json_safe(out)

    def write_json(self, path: str | Path) -> Path:
        """Write :meth:`to_json` to ``path`` (UTF-8, indented): the contract other programs
        read."""
        import json

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=2) + "\n",
                        encoding="utf-8")
        return path

    def ingest_json(self) -> dict[str, Any]:
        """What ingestion did: the source, rows read, accepted, rejected, screened out, the
        don't-know answers per item, the wholly empty rows skipped, blank screening answers,
        its notes, and every rejected answer with its row, column, value, reason code and
        detail (the report shows the first ones; none is lost). ``platform``: the platform
        whose export the file was read as; ``columns``: every column of the file with the id
        it was read as (``target``, null: ignored) and the rule (``id``, ``source``,
        ``question text``, ``key``; or why it was ignored); ``missing_columns``: the
        questionnaire's ids no column holds; ``recoded``: answer codes recoded, column ->
        reason -> cells (issue 12)."""
        r = self.responses.report
        rejects = self.responses.rejects
        return {"source": r.source, "sha256": r.sha256, "format": r.format,
                "encoding": r.encoding, "rows": r.n_rows, "accepted": r.n_accepted,
                "rejected": r.n_rejected, "screened_out": r.n_screened_out,
                "dont_know": dict(r.dont_know), "empty_rows": r.empty_rows,
                "screening_blank": dict(r.screening_blank), "notes": list(r.notes),
                "platform": r.platform, "columns": [c.to_json() for c in r.columns],
                "missing_columns": list(r.missing_columns),
                "recoded": {k: dict(v) for k, v in r.recoded.items()},
                "rejects": [{"row": int(x.row), "column": x.column, "value": x.value,
                             "code": x.code, "detail": x.detail, "reason": x.reason}
                            for x in rejects.itertuples(index=False)]}


@dataclass(frozen=True)
class SamplingDesign:
    """How the respondents were sampled: ``strata`` and ``fpc`` (population size of each
    respondent's stratum) columns, whether it is a ``probability`` sample (only then is a
    margin of error reported), and population ``margins`` (a YAML file) to rake the weights
    to."""

    strata: str | None = None
    fpc: str | None = None
    probability: bool = False
    margins: str | Path | None = None


def estimate_study(questionnaire: Questionnaire | str | Path, model: PathModel | str | Path,
                   data: pd.DataFrame | str | Path, *,
                   method: str = "pls", missing: str | None = None, scheme: str = "path",
                   hoc: str = "repeated", weights: str | None = None,
                   bootstrap: int | Mapping[str, int] | None = None, seed: int = 2026,
                   interval: str = "percentile", workers: int | None = 1,
                   segments: Sequence[str] = (), tiers: str | None = None,
                   permutations: int = 1000, design: SamplingDesign | None = None,
                   inadmissible: str = "keep", analyses: Sequence[str] | None = None,
                   progress: Callable[[str], Callable[[int, int], None]] | None = None,
                   encoding: str | None = None,
                   exclude_flagged: Sequence[str] = (), platform: str = "auto",
                   prediction: Mapping[str, Any] | None = None,
                   compare_with: Sequence[PathModel | str | Path] = ()) -> StudyResult:
    """Load, validate, bind, ingest and estimate. Raises :class:`SurveyError` on bad input.

    ``questionnaire`` and ``model``: loaded definitions or their YAML files; ``data``: a
    response file or a data frame (validated exactly as a file would be).
    ``bootstrap``: resamples for every method run, or a mapping method -> resamples.
    ``segments``: columns to split the respondents by; ``"age=25,35,45,55"`` bands a numeric
    column at those cut points. ``tiers``: a spend or value column for the customer value
    tiers (another segment). Levels are compared by ``permutations`` permutation tests (0:
    none). ``design``: strata, fpc, probability sample, margins to rake to.
    ``workers``: processes for the bootstraps and the segments' permutation tests (the
    numbers are the same for any count); None: chosen by the size of the work
    (:func:`~survey.estimators.bootstrap.auto_workers`: a CB-SEM bootstrap of hundreds of
    resamples goes to a pool, a PLS one of the airline wave stays in this process).
    ``inadmissible``: 'keep' (lavaan's convention, the default) or 'drop' bootstrap resamples
    whose CB-SEM solution is inadmissible (survey.estimators.bootstrap).
    ``analyses``: the analyses to run beside the estimate (:data:`~survey.analysis.suite.
    ANALYSES`; default all of them, ``()`` none).
    ``progress(label)`` returns a callback ``(done, total)`` advanced by finished fits.
    ``encoding``: the response file's encoding when it is known (CSV: cp1252, gb18030,
    utf-16, ...; default: told from the file, see :func:`survey.ingest.read_table`).
    ``exclude_flagged``: response-quality rules (:data:`survey.quality.RULES`) whose flagged
    respondents are left out; the result's ``quality`` records the flags, the rows excluded
    and the headline indices with and without them.
    ``platform``: the survey platform whose export ``data`` is (``auto``: told from its
    columns; ``native``; ``wenjuanxing``, ``qualtrics``, ... see :mod:`survey.importers`).
    ``prediction``: the settings of the analysis 'prediction' (PLSpredict and CVPAT), those of
    :class:`~survey.analysis.prediction.PredictSettings` (folds, repetitions, approach,
    resamples; default 10, 10, 'direct', 2000); its seed is the run's ``seed``.
    ``compare_with``: rival path models (loaded or their YAML files) to compare the study's
    model with on the same respondents by the headline method (PLS: BIC and GM of the target;
    CB-SEM: AIC, BIC and the nested tests; :func:`survey.analysis.model_selection.
    compare_in_study`): the result's ``model_comparison``. A rival that cannot be compared is
    listed there with its reason.
    """
    if method not in METHODS:
        raise SurveyError(f"Unknown method {method!r}. Expected one of {list(METHODS)}.")
    methods = METHOD_RUNS[method]
    if methods == ("plsc",) and (segments or tiers):
        # Segment estimates and their permutation tests run on the headline's estimator, and
        # they exist for PLS and CB-SEM only.
        raise SurveyError("Segments and value tiers are estimated and compared with PLS or "
                          "CB-SEM, not with PLSc. Use --method all (PLS headline, PLSc and "
                          "CB-SEM beside it) to have PLSc and the segments in one run.")
    for m in methods:
        if missing is not None and missing not in MISSING[m]:
            raise SurveyError(f"Missing-data treatment {missing!r} is not available for {m}. "
                              f"Expected one of {list(MISSING[m])}.")
    rules = check_rules(exclude_flagged)
    started = time.time()
    q = (questionnaire if isinstance(questionnaire, Questionnaire)
         else load_questionnaire(questionnaire))
    bound = bind(model if isinstance(model, PathModel) else load_model(model), q)
    if isinstance(compare_with, (str, Path, PathModel)):
        compare_with = [compare_with]
    rivals = _rivals(compare_with, bound, methods[0])
    if "plsc" in methods:
        # Before any estimate: a model PLSc refuses fails now, not after PLS and CB-SEM ran.
        from survey.estimators import check_plsc_model

        check_plsc_model(bound)
    if isinstance(data, pd.DataFrame):
        responses = response_set_from_frame(data, q, items=bound.items)
        data = "<data frame>"
    else:
        responses = read_responses(data, q, items=bound.items, encoding=encoding,
                                   platform=platform)
    if responses.data.empty:
        raise SurveyError(f"{data}: no respondent is left to estimate "
                          f"({responses.report.n_rejected} rejected, "
                          f"{responses.report.n_screened_out} screened out).")
    frame = responses.data
    excluded = np.empty(0, dtype="int64")
    flags = None
    if rules:
        flags = check_quality(responses, q, source=str(data))
        excluded = exclusion_rows(flags, rules, str(data))
        frame = frame.drop(index=excluded)
        if frame.empty:
            raise SurveyError(f"{data}: no respondent is left to estimate: the "
                              f"{len(excluded)} accepted respondents are all flagged by "
                              f"{', '.join(rules)}.")
    design = design or SamplingDesign()
    case_weights_column = weights
    if design.margins is not None:
        frame, weights = _raked(frame, weights, design.margins)
    frame, split_by = segment_columns(frame, segments, str(data))
    estimates: dict[str, Estimate] = {}
    resamples: dict[str, int] = {}
    for m in methods:
        b = bootstrap.get(m) if isinstance(bootstrap, Mapping) else bootstrap
        settings = None
        if b:
            resamples[m] = b
            settings = BootstrapSettings(
                b, seed=seed, inadmissible=inadmissible,
                workers=workers if workers is not None else
                auto_workers(m, len(frame), len(bound.items), b))
        callback = (progress(f"{METHOD_LABELS[m]} bootstrap resamples")
                    if progress and b else None)
        estimates[m] = estimate_model(m, bound, frame, missing=missing, scheme=scheme, hoc=hoc,
                                      weights=weights, bootstrap=settings, interval=interval,
                                      progress=callback, source=str(data))
    comparison = ()
    if "pls" in estimates and "cbsem" in estimates:
        comparison = tuple(compare_estimates(estimates["pls"], estimates["cbsem"],
                                             beside=estimates.get("plsc")))
    headline = estimates.get("pls") or next(iter(estimates.values()))
    quality = None
    if flags is not None:
        quality = _exclusion_effect(bound, responses.data, headline, rules, flags, excluded,
                                    missing=missing, scheme=scheme, hoc=hoc,
                                    weights=case_weights_column, design=design,
                                    source=str(data))
    predict = prediction_settings(prediction, seed)
    analysis, _ = run_analyses(bound, frame, headline, weights=weights,
                               strata=design.strata, fpc=design.fpc,
                               probability=design.probability, include=analyses,
                               prediction=predict, segments=tuple(split_by))
    if tiers is not None:
        value = value_tiers(frame, tiers, source=str(data))
        frame = frame.assign(value_tier=value.labels)
        split_by.append("value_tier")
        analysis = replace(analysis, value_tiers=value)
    if split_by:
        boot = resamples.get(headline.method)
        # By the size of the work unless told: each column's levels (about three) refit per
        # resample, and each pair of them (about three) three times per permutation.
        split_workers = workers if workers is not None else auto_workers(
            headline.method, len(frame), len(bound.items),
            len(split_by) * 3 * ((boot or 0) + 3 * permutations))
        found, tests = _segments(
            bound, frame, split_by, method=headline.method, missing=headline.missing,
            scheme=scheme, hoc=hoc, weights=weights,
            bootstrap=BootstrapSettings(boot, seed=seed, workers=split_workers,
                                        inadmissible=inadmissible) if boot else None,
            interval=interval, permutations=permutations, seed=seed, source=str(data),
            progress=progress("segment columns") if progress else None,
            workers=split_workers)
        analysis = replace(analysis, segments=found, segment_tests=tests)
    model_comparison = None
    if rivals:
        model_comparison = _model_comparison(bound, rivals, frame, headline, weights=weights,
                                             scheme=scheme, hoc=hoc, source=str(data),
                                             progress=progress)
    manifest = {
        "csi_survey": __version__,
        "python": python_platform.python_version(),
        "method": method,
        "settings": {"missing": missing, "scheme": scheme, "higher_order": hoc,
                     "weights": weights, "bootstrap": resamples, "seed": seed,
                     "inadmissible": inadmissible,
                     "interval": interval, "workers": "auto" if workers is None else workers,
                     "segments": list(segments),
                     "tiers": tiers, "permutations": permutations,
                     "design": {"strata": design.strata, "fpc": design.fpc,
                                "probability": design.probability,
                                "margins": None if design.margins is None else {
                                    "path": str(design.margins),
                                    "sha256": _sha256(design.margins)}},
                     # Only when used: the default manifest is part of the JSON contract.
                     **({"exclude_flagged": list(rules)} if rules else {}),
                     **({"compare_with": [_definition(m, r.model.id)
                                          for m, r in zip(compare_with, rivals, strict=True)]}
                        if rivals else {})},
        "questionnaire": _definition(questionnaire, q.id),
        "model": _definition(model, bound.model.id),
        "data": {"path": str(data), "sha256": responses.report.sha256},
        "seconds": round(time.time() - started, 3),
        "versions": package_versions(),
    }
    return StudyResult(q, bound, responses, estimates, manifest, comparison, analysis,
                       analysis.to_json(), quality, model_comparison)


def _rivals(compare_with: Sequence[PathModel | str | Path], bound: BoundModel, headline: str
            ) -> list[BoundModel]:
    """The rival models of ``compare_with`` bound to the study's questionnaire, before
    anything is estimated: a headline method that has no comparison (PLSc alone), a rival
    that cannot be loaded or bound, or two models with one id are refused now."""
    from survey.analysis.model_selection import check_study_comparison

    if not compare_with:
        return []
    if headline not in ("pls", "cbsem"):
        raise SurveyError("Models are compared by PLS (BIC and GM) or CB-SEM (AIC, BIC, "
                          "likelihood-ratio tests), not by PLSc. Use --method pls, both or all "
                          "(PLS headline) or cbsem to compare models in one run.")
    rivals = [bind(m if isinstance(m, PathModel) else load_model(m), bound.questionnaire)
              for m in compare_with]
    check_study_comparison(bound, rivals, headline)
    return rivals


def _model_comparison(bound: BoundModel, rivals: Sequence[BoundModel], frame: pd.DataFrame,
                      headline: Estimate, *, weights: str | None, scheme: str, hoc: str,
                      source: str,
                      progress: Callable[[str], Callable[[int, int], None]] | None
                      ) -> ModelComparison:
    """The study's model against ``rivals`` by the headline's method and missing-data
    treatment, on the respondents the headline was estimated on (after any quality
    exclusion, with the same weights)."""
    from survey.analysis.model_selection import compare_in_study

    advance = progress(f"Comparing the model with {len(rivals)} rival(s)") if progress else None
    result = compare_in_study(bound, rivals, frame, method=headline.method,
                              missing=headline.missing, weights=weights, scheme=scheme,
                              hoc=hoc, source=source, estimate=headline)
    if advance:
        advance(1, 1)
    return result


def _exclusion_effect(bound: BoundModel, everyone: pd.DataFrame, headline: Estimate,
                      rules: Sequence[str], flags, excluded: np.ndarray, *,
                      missing: str | None, scheme: str, hoc: str, weights: str | None,
                      design: SamplingDesign, source: str) -> QualityExclusion:
    """The headline indices with the exclusion (``headline``) and without it: the headline
    method estimated again, without bootstrap (milliseconds for PLS), on every accepted
    respondent with the same settings."""
    frame = everyone
    if design.margins is not None:
        frame, weights = _raked(frame, weights, design.margins)
    try:
        whole = estimate_model(headline.method, bound, frame, missing=missing, scheme=scheme,
                               hoc=hoc, weights=weights, source=source)
        without = {i.latent: (i.value if i.valid else None) for i in whole.indices}
    except SurveyError:
        # The comparison is not the result: an estimate that fails on everyone (say, an
        # inadmissible CB-SEM solution raising) leaves the "without" column empty.
        without = {}
    indices = tuple((i.latent, i.value if i.valid else None, without.get(i.latent))
                    for i in headline.indices)
    return QualityExclusion(tuple(rules), flags, tuple(int(r) for r in excluded),
                            headline.method, indices, bound.model.target)


def prediction_settings(prediction: Mapping[str, Any] | None, seed: int) -> PredictSettings:
    """The prediction's settings from a mapping (folds, repetitions, approach, resamples) and
    the run's seed; :class:`SurveyError` for an unknown setting."""
    try:
        return PredictSettings(**{**dict(prediction or {}), "seed": seed})
    except TypeError as exc:
        raise SurveyError(f"Unknown prediction setting: {exc}. Expected folds, repetitions, "
                          "approach or resamples.") from None


#: The column that holds raked weights.
RAKED = "raked_weight"


def _raked(frame: pd.DataFrame, weights: str | None, margins: str | Path
           ) -> tuple[pd.DataFrame, str]:
    """Rake the (design or case) weights to the population margins of a YAML file."""
    from survey.estimators import case_weights
    from survey.sampling import load_margins, rake

    base = case_weights(frame, weights, str(margins))
    raked = rake(frame, load_margins(margins), base_weights=base, source=str(margins))
    return frame.assign(**{RAKED: raked}), RAKED


def segment_columns(frame: pd.DataFrame, segments: Sequence[str], source: str
                     ) -> tuple[pd.DataFrame, list[str]]:
    """Segment columns, banding numeric ones given as ``column=cut,cut,...`` into
    ``column_band`` (levels like '25-34', '55+'; the first band starts at the lowest value)."""
    columns = []
    for spec in segments:
        column, _, cuts = spec.partition("=")
        column = column.strip()
        if column not in frame.columns:
            raise SurveyError(f"{source}: segment column '{column}' is not in the data. "
                              f"Expected one of the file's columns.")
        if not cuts:
            columns.append(column)
            continue
        try:
            edges = sorted(float(c) for c in cuts.split(",") if c.strip())
        except ValueError:
            raise SurveyError(f"Segment '{spec}': expected numeric cut points like "
                              "'age=25,35,45,55'.") from None
        values = pd.to_numeric(frame[column], errors="coerce")
        bins = [-np.inf, *edges, np.inf]
        labels = [f"<{_num(edges[0])}"] + [
            f"{_num(a)}-{_num(b - 1)}" if float(a).is_integer() and float(b).is_integer()
            else f"{_num(a)}-{_num(b)}" for a, b in zip(edges, edges[1:], strict=False)
        ] + [f"{_num(edges[-1])}+"]
        band = pd.cut(values, bins=bins, labels=labels, right=False)
        name = f"{column}_band"
        frame = frame.assign(**{name: band})
        columns.append(name)
    return frame, columns


def _segments(bound: BoundModel, frame: pd.DataFrame, columns: Sequence[str], *,
              method: str, missing: str, scheme: str, hoc: str, weights: str | None,
              bootstrap: BootstrapSettings | None, interval: str, permutations: int,
              seed: int, source: str, progress: Callable[[int, int], None] | None = None,
              workers: int = 1
              ) -> tuple[tuple[SegmentResult, ...], tuple[SegmentComparison, ...]]:
    """The segment levels' estimates of each column and, with permutations, the comparisons
    of its levels. ``progress(done, total)`` advances per segment column (estimated and
    compared), the unit the user asked for."""
    from survey.analysis.segments import compare_segments, estimate_segments

    found, tests = [], []
    for column in columns:
        result = estimate_segments(bound, frame, column, method=method, missing=missing,
                                   scheme=scheme, hoc=hoc, weights=weights,
                                   bootstrap=bootstrap, interval=interval, source=source)
        found.append(result)
        estimated = [lv.level for lv in result.levels if lv.estimate is not None]
        if permutations and len(estimated) >= 2:
            tests.append(compare_segments(bound, frame, column, levels=estimated,
                                          method=method, missing=missing, scheme=scheme,
                                          hoc=hoc, weights=weights, permutations=permutations,
                                          seed=seed, source=source, workers=workers))
        if progress:
            progress(1, len(columns))
    return tuple(found), tuple(tests)


def _definition(source: object, ident: str) -> dict[str, Any]:
    """The manifest entry of a questionnaire or model: its file and digest, or (given as an
    object, as in a notebook) its id."""
    if isinstance(source, (str, Path)):
        return {"path": str(source), "sha256": _sha256(source)}
    return {"path": None, "sha256": None, "id": ident}


def _sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


#: The libraries whose versions a run manifest records.
MANIFEST_PACKAGES = ("numpy", "scipy", "pandas", "semopy", "svy", "duckdb", "dask",
                     "distributed", "matplotlib", "jinja2")


def package_versions(dists=MANIFEST_PACKAGES) -> dict[str, str]:
    """Installed versions of ``dists`` ('not installed' where absent), for run manifests."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for dist in dists:
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    return out
