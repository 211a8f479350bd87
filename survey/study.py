"""One estimation of a study, end to end: questionnaire + model + responses -> estimates.

The CLI and notebooks call the same functions: :func:`estimate_study` takes file paths,
validates everything at the boundary and returns a :class:`StudyResult` that the report and the
JSON writer consume. ``method`` is 'pls' (the headline: the national indices are PLS), 'cbsem',
or 'both' (PLS headline, CB-SEM beside it, and where the two disagree).
"""

from __future__ import annotations

import dataclasses
import hashlib
import platform
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from survey import __version__
from survey.errors import SurveyError
from survey.estimate.bootstrap import BootstrapSettings
from survey.estimate.compare import compare_estimates
from survey.estimate.result import Estimate
from survey.ingest import ResponseSet, read_responses
from survey.pathmodel import BoundModel, bind, load_model
from survey.questionnaire import Questionnaire, load_questionnaire

METHODS = ("pls", "cbsem", "both")
#: Missing-data treatments each estimator offers; the first is its default.
MISSING = {"pls": ("mean", "listwise"), "cbsem": ("fiml", "listwise")}


@dataclass(frozen=True)
class StudyResult:
    """Everything a report needs: the inputs as validated and the estimates by method."""

    questionnaire: Questionnaire
    bound: BoundModel
    responses: ResponseSet
    estimates: Mapping[str, Estimate]
    manifest: dict[str, Any] = field(default_factory=dict)
    comparison: tuple[dict[str, Any], ...] = ()

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
        r = self.responses.report
        out["ingest"] = {"source": r.source, "sha256": r.sha256, "format": r.format,
                         "encoding": r.encoding, "rows": r.n_rows, "accepted": r.n_accepted,
                         "rejected": r.n_rejected, "screened_out": r.n_screened_out,
                         "dont_know": dict(r.dont_know)}
        out["manifest"] = self.manifest
        return out


def estimate_study(questionnaire: str | Path, model: str | Path, data: str | Path, *,
                   method: str = "pls", missing: str | None = None, scheme: str = "path",
                   hoc: str = "repeated", weights: str | None = None,
                   bootstrap: int | Mapping[str, int] | None = None, seed: int = 2026,
                   interval: str = "percentile", workers: int = 1,
                   progress: Callable[[str], Callable[[int, int], None]] | None = None
                   ) -> StudyResult:
    """Load, validate, bind, ingest and estimate. Raises :class:`SurveyError` on bad input.

    ``bootstrap``: resamples for every method run, or a mapping method -> resamples.
    ``progress(label)`` returns a callback ``(done, total)`` advanced by finished fits.
    """
    if method not in METHODS:
        raise SurveyError(f"Unknown method {method!r}. Expected one of {list(METHODS)}.")
    methods = ("pls", "cbsem") if method == "both" else (method,)
    for m in methods:
        if missing is not None and missing not in MISSING[m]:
            raise SurveyError(f"Missing-data treatment {missing!r} is not available for {m}. "
                              f"Expected one of {list(MISSING[m])}.")
    if weights is not None and method == "cbsem":
        raise SurveyError("Case weights are not supported by CB-SEM (semopy has no sampling "
                          "weights). Use --method pls, or both (CB-SEM is then unweighted).")
    started = time.time()
    q = load_questionnaire(questionnaire)
    bound = bind(load_model(model), q)
    responses = read_responses(data, q, items=bound.items)
    if responses.data.empty:
        raise SurveyError(f"{data}: no respondent is left to estimate "
                          f"({responses.report.n_rejected} rejected, "
                          f"{responses.report.n_screened_out} screened out).")
    estimates: dict[str, Estimate] = {}
    resamples: dict[str, int] = {}
    for m in methods:
        b = bootstrap.get(m) if isinstance(bootstrap, Mapping) else bootstrap
        settings = None
        if b:
            resamples[m] = b
            # Every CB-SEM jackknife fit is a full refit: BCa's acceleration comes from a
            # delete-a-group jackknife with 100 groups there (1000 for PLS).
            settings = BootstrapSettings(b, seed=seed, workers=workers,
                                         jackknife_groups=1000 if m == "pls" else 100)
        callback = progress(f"{m} bootstrap") if progress and b else None
        estimates[m] = _estimate(m, bound, responses, missing=missing or MISSING[m][0],
                                 scheme=scheme, hoc=hoc, weights=weights, bootstrap=settings,
                                 interval=interval, progress=callback, source=str(data))
    comparison = ()
    if len(estimates) == 2:
        comparison = tuple(compare_estimates(estimates["pls"], estimates["cbsem"]))
    manifest = {
        "csi_survey": __version__,
        "python": platform.python_version(),
        "method": method,
        "settings": {"missing": missing, "scheme": scheme, "higher_order": hoc,
                     "weights": weights, "bootstrap": resamples, "seed": seed,
                     "interval": interval, "workers": workers},
        "questionnaire": {"path": str(questionnaire), "sha256": _sha256(questionnaire)},
        "model": {"path": str(model), "sha256": _sha256(model)},
        "data": {"path": str(data), "sha256": responses.report.sha256},
        "seconds": round(time.time() - started, 3),
        "versions": _versions(),
    }
    return StudyResult(q, bound, responses, estimates, manifest, comparison)


def _estimate(method: str, bound: BoundModel, responses: ResponseSet, *, missing: str,
              scheme: str, hoc: str, weights: str | None, bootstrap: BootstrapSettings | None,
              interval: str, progress, source: str) -> Estimate:
    data = responses.data
    if method == "pls":
        from survey.estimate.pls import estimate_pls

        return estimate_pls(bound, data, scheme=scheme, missing=missing, weights=weights,
                            hoc=hoc, bootstrap=bootstrap, interval=interval, progress=progress,
                            source=source)
    from survey.estimate.cbsem import estimate_cbsem

    est = estimate_cbsem(bound, data, missing=missing, source=source, bootstrap=bootstrap,
                         interval=interval, progress=progress)
    if weights is not None:
        est = dataclasses.replace(est, warnings=(*est.warnings, (
            f"CB-SEM ignores the case weights in '{weights}' (semopy has no sampling weights); "
            "only the PLS results are weighted.")))
    return est


def _sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for dist in ("numpy", "scipy", "pandas", "semopy", "matplotlib", "jinja2"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    return out
