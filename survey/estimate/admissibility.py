"""Admissibility checks on a CB-SEM solution, as plain-language warnings.

An ML solution can converge and still be unusable: a negative variance (Heywood case), a
standardized coefficient beyond +-1, a latent covariance matrix that is not positive definite,
a singular information matrix or huge standard errors (an empirically under-identified model).
lavaan warns about the first three; semopy about none. Each problem becomes a notice
(survey.estimate.notices) that travels inside the result into the report.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from survey.estimate.notices import Notice, notice
from survey.estimate.result import LoadingEstimate, PathEstimate
from survey.pathmodel import BoundModel

if TYPE_CHECKING:
    from survey.estimate.cbsem import SemFit

#: A standardized coefficient's standard error above this means the data barely inform it.
HUGE_STD_SE = 1.0
#: A free variance below this sits on semopy's zero bound: a Heywood case.
HEYWOOD_FLOOR = 1e-6


def check_admissibility(fit: SemFit, bound: BoundModel, name: Callable[[str], str],
                        paths: Sequence[PathEstimate], loadings: Sequence[LoadingEstimate]
                        ) -> Iterator[Notice]:
    """Yield a notice for every admissibility problem of ``fit``."""
    if not fit.converged:
        yield notice("not_converged", message=fit.message)
    for r in fit.params.itertuples(index=False):
        if r.op == "~~" and r.lhs == r.rhs and r.free and r.est < HEYWOOD_FLOOR:
            # semopy bounds variances at 0 where lavaan lets them go negative: a variance
            # at (or below) zero is the same Heywood case.
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
    cov = fit.inner_cov.loc[latents, latents].to_numpy()
    eig = np.linalg.eigvalsh((cov + cov.T) / 2)
    if eig.min() <= 1e-10 * max(1.0, abs(eig.max())):
        yield notice("latent_cov_not_pd", value=f"{eig.min():.3g}")
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
