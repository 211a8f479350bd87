"""One estimation of a study, end to end: questionnaire + model + responses -> estimate.

The CLI and notebooks call the same functions: :func:`estimate_study` takes file paths,
validates everything at the boundary and returns a :class:`StudyResult` that the report and the
JSON writer consume.
"""

from __future__ import annotations

import hashlib
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from survey import __version__
from survey.errors import SurveyError
from survey.estimate.cbsem import estimate_cbsem
from survey.estimate.result import Estimate
from survey.ingest import ResponseSet, read_responses
from survey.pathmodel import BoundModel, bind, load_model
from survey.questionnaire import Questionnaire, load_questionnaire

METHODS = ("cbsem",)


@dataclass(frozen=True)
class StudyResult:
    """Everything a report needs: the inputs as validated and the estimate."""

    questionnaire: Questionnaire
    bound: BoundModel
    responses: ResponseSet
    estimate: Estimate
    manifest: dict[str, Any] = field(default_factory=dict)


def estimate_study(questionnaire: str | Path, model: str | Path, data: str | Path, *,
                   method: str = "cbsem", missing: str = "fiml") -> StudyResult:
    """Load, validate, bind, ingest and estimate. Raises :class:`SurveyError` on bad input."""
    if method not in METHODS:
        raise SurveyError(f"Unknown method {method!r}. Expected one of {list(METHODS)}.")
    started = time.time()
    q = load_questionnaire(questionnaire)
    bound = bind(load_model(model), q)
    responses = read_responses(data, q, items=bound.items)
    if responses.data.empty:
        raise SurveyError(f"{data}: no respondent is left to estimate "
                          f"({responses.report.n_rejected} rejected, "
                          f"{responses.report.n_screened_out} screened out).")
    estimate = estimate_cbsem(bound, responses.data, missing=missing, source=str(data))
    manifest = {
        "csi_survey": __version__,
        "python": platform.python_version(),
        "method": method,
        "questionnaire": {"path": str(questionnaire), "sha256": _sha256(questionnaire)},
        "model": {"path": str(model), "sha256": _sha256(model)},
        "data": {"path": str(data), "sha256": responses.report.sha256},
        "seconds": round(time.time() - started, 3),
        "versions": _versions(),
    }
    return StudyResult(q, bound, responses, estimate, manifest)


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
