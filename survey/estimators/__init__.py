"""The estimators (PLS path modelling, consistent PLS and CB-SEM) and the one place that picks
between them.

:func:`estimate_model` is what the study, the segment analyses and the batch cells call;
the estimators themselves are imported when first needed (CB-SEM brings semopy).

Outside this package, code uses only what is named here (``PUBLIC``: the estimate, the batched
PLS kernel, the multi-group CB-SEM fit, the data preparation every estimator shares) and the
contract modules (result, notices, bootstrap, compare, effects, sample_size); the root
pyproject.toml's ruff configuration bans imports of the other modules elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from survey.estimators.bootstrap import BootstrapSettings
    from survey.estimators.result import Estimate
    from survey.pathmodel import BoundModel

#: The public capabilities beyond :func:`estimate_model`, by the module that holds them
#: (imported on first use, so that ``import survey.estimators`` stays light).
PUBLIC = {
    "BatchedPls": "pls", "BatchEstimates": "pls", "check_pls_model": "pls",
    "SharedMoments": "pls", "R2Fit": "pls",
    "check_plsc_model": "plsc",
    "MultiGroupModel": "multigroup", "MultiGroupFit": "multigroup", "Equalities": "multigroup",
    "LatentMean": "multigroup", "LikelihoodRatio": "multigroup", "lr_test": "multigroup",
    "METRIC": "multigroup", "SCALAR": "multigroup",
    "case_weights": "prepare", "check_items": "prepare", "prepare_items": "prepare",
    "correlation_from_cov": "prepare",
    "ParameterSpace": "nesting", "parameter_space": "nesting", "nested_in": "nesting",
}
__all__ = ["ESTIMATORS", "MISSING", "estimate_model", *PUBLIC]


def __getattr__(name: str):
    if name in PUBLIC:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{PUBLIC[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Missing-data treatments each estimator offers; the first is its default.
MISSING = {"pls": ("mean", "listwise"), "cbsem": ("fiml", "listwise"),
           "plsc": ("mean", "listwise")}
ESTIMATORS = tuple(MISSING)


def estimate_model(method: str, bound: BoundModel, data: pd.DataFrame, *,
                   missing: str | None = None, scheme: str = "path", hoc: str = "repeated",
                   weights: str | None = None, bootstrap: BootstrapSettings | None = None,
                   interval: str = "percentile",
                   progress: Callable[[int, int], None] | None = None,
                   source: str = "data") -> Estimate:
    """Estimate ``bound`` on ``data`` with ``method`` ('pls', 'plsc' or 'cbsem') and its default
    missing-data treatment unless ``missing`` says otherwise, weighted by the case-weight
    column ``weights`` when given (weighted PLS; CB-SEM as lavaan's ``sampling.weights``).
    An estimate on fewer respondents than :func:`~survey.estimators.sample_size.minimum_n`
    says so in a notice."""
    from survey.estimators.result import with_notice
    from survey.estimators.sample_size import small_sample_notice

    missing = missing or MISSING[method][0]
    if method == "pls":
        from survey.estimators.pls import estimate_pls

        est = estimate_pls(bound, data, scheme=scheme, missing=missing, weights=weights,
                           hoc=hoc, bootstrap=bootstrap, interval=interval, progress=progress,
                           source=source)
    elif method == "plsc":
        # Consistent PLS: the PLS estimate corrected for measurement error (Dijkstra &
        # Henseler 2015); first-order models only (it refuses higher-order constructs).
        from survey.estimators.plsc import estimate_plsc

        est = estimate_plsc(bound, data, scheme=scheme, missing=missing, weights=weights,
                            bootstrap=bootstrap, interval=interval, progress=progress,
                            source=source)
    else:
        from survey.estimators.cbsem import estimate_cbsem

        est = estimate_cbsem(bound, data, missing=missing, source=source, bootstrap=bootstrap,
                             interval=interval, progress=progress, weights=weights)
    # Here, not in each estimator: one rule for every caller (study, segments, tracking cells).
    small = small_sample_notice(bound, method, est.n)
    if small is not None:
        est = with_notice(est, small)
    return est
