"""Admissibility checks on a CB-SEM solution, as plain-language warnings.

An ML solution can converge and still be unusable: a negative variance (Heywood case), a
standardized loading beyond +-1, a latent covariance matrix that is not positive definite, a
singular information matrix or huge standard errors (an empirically under-identified model).
lavaan warns about the first three; semopy about none. Each problem becomes a notice
(survey.estimators.notices) that travels inside the result into the report.

The verdict follows lavaan's ``lav_object_post_check``: negative (residual) variances of
observed or latent variables, a covariance matrix of the latents or of the residuals that is
not positive definite. A standardized *structural* path beyond +-1 is not by itself inadmissible: with correlated
predictors a standardized regression weight may exceed 1 (Deegan 1978, "On the occurrence of
standardized regression coefficients greater than one", Educational and Psychological
Measurement 38, 873-888; lavaan gives no warning). Nor are huge standard errors (the data
barely pin some estimates down: empirical under-identification, e.g. nearly collinear
latents); both are notes, not verdicts. A singular information matrix leaves the estimates
without standard errors: that is reported and the standard errors are not given.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from survey.estimators.notices import Notice, notice
from survey.estimators.result import LoadingEstimate, PathEstimate
from survey.pathmodel import BoundModel

if TYPE_CHECKING:
    from survey.estimators.sem import SemFit

#: A standardized coefficient's standard error above this means the data barely inform it.
HUGE_STD_SE = 1.0
#: An eigenvalue below -PD_TOLERANCE (relative to the largest) makes a covariance matrix
#: not positive definite: lavaan's threshold (``-.Machine$double.eps^(3/4)``), so that a
#: matrix on the boundary (singular) is not called inadmissible.
PD_TOLERANCE = float(np.finfo(float).eps ** 0.75)


def not_positive_definite(matrix: np.ndarray) -> float | None:
    """The smallest eigenvalue of a symmetric matrix when it is negative beyond
    :data:`PD_TOLERANCE`, else None (positive semi-definite within rounding). Shared by the
    solution's check and the bootstrap's resample check."""
    if matrix.size == 0:
        return None
    eig = np.linalg.eigvalsh((matrix + matrix.T) / 2)
    return float(eig[0]) if eig[0] < -PD_TOLERANCE * max(1.0, abs(float(eig[-1]))) else None


def check_admissibility(fit: SemFit, bound: BoundModel, name: Callable[[str], str],
                        paths: Sequence[PathEstimate], loadings: Sequence[LoadingEstimate]
                        ) -> Iterator[Notice]:
    """Yield a notice for every admissibility problem of ``fit``."""
    if not fit.converged:
        yield notice("not_converged", message=fit.message)
    for r in fit.params.itertuples(index=False):
        if r.op == "~~" and r.lhs == r.rhs and r.free and r.est < 0:
            # Estimated unbounded, as lavaan does (survey.estimators.cbsem).
            yield notice("heywood", variable=r.lhs, value=f"{r.est:.3g}")
    for p in paths:
        if p.std_estimate is not None and abs(p.std_estimate) > 1:
            yield notice("std_path_beyond_one", source=p.source, target=p.target,
                         value=f"{p.std_estimate:.2f}")
    for x in loadings:
        if x.std_estimate is not None and abs(x.std_estimate) > 1:
            yield notice("std_loading_beyond_one", item=x.item, latent=x.latent,
                         value=f"{x.std_estimate:.2f}")
    latents = [name(x) for x in bound.constructs]
    smallest = not_positive_definite(fit.inner_cov.loc[latents, latents].to_numpy())
    if smallest is not None:
        yield notice("latent_cov_not_pd", value=f"{smallest:.3g}")
    if fit.residual_cov is not None:
        smallest = not_positive_definite(fit.residual_cov)
        if smallest is not None and not any(
                r.op == "~~" and r.lhs == r.rhs and r.free and r.est < 0
                for r in fit.params.itertuples(index=False)):
            yield notice("residual_cov_not_pd", value=f"{smallest:.3g}")
    if not fit.information_ok:
        yield notice("information_singular")
    huge = []
    for r in fit.params.itertuples(index=False):
        if not r.free or r.op == "~~":
            continue
        if not math.isfinite(r.se):
            huge.append(f"{r.lhs} {r.op} {r.rhs}")
        elif r.est != 0 and math.isfinite(r.std) and abs(r.se * r.std / r.est) > HUGE_STD_SE:
            huge.append(f"{r.lhs} {r.op} {r.rhs}")
    if huge:
        yield notice("huge_se", parameters=", ".join(huge[:5]) + (" ..." if len(huge) > 5 else ""))
