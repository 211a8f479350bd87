"""Admissibility checks on a CB-SEM solution, as plain-language warnings.

An ML solution can converge and still be unusable: a negative variance (Heywood case), a
standardized coefficient beyond +-1, a latent covariance matrix that is not positive definite,
a singular information matrix or huge standard errors (an empirically under-identified model).
lavaan warns about the first three; semopy about none. Each problem becomes one sentence that
starts with "Inadmissible solution:" and travels inside the result into the report.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

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
                        ) -> Iterator[str]:
    """Yield a warning for every admissibility problem of ``fit``."""
    if not fit.converged:
        yield ("Inadmissible solution: the optimiser did not converge "
               f"({fit.message}); the estimates are not a maximum of the likelihood.")
    for r in fit.params.itertuples(index=False):
        if r.op == "~~" and r.lhs == r.rhs and r.free and r.est < HEYWOOD_FLOOR:
            # semopy bounds variances at 0 where lavaan lets them go negative: a variance
            # at (or below) zero is the same Heywood case.
            yield (f"Inadmissible solution: the variance of '{r.lhs}' is {r.est:.3g}, zero or "
                   "negative (a Heywood case); the model is misspecified or the sample too "
                   "small.")
    for p in paths:
        if p.std_estimate is not None and abs(p.std_estimate) > 1:
            yield (f"Inadmissible solution: the standardized path {p.source} -> {p.target} is "
                   f"{p.std_estimate:.2f}, beyond +-1; the latents are nearly collinear.")
    for x in loadings:
        if x.std_estimate is not None and abs(x.std_estimate) > 1:
            yield (f"Inadmissible solution: the standardized loading of '{x.item}' on "
                   f"'{x.latent}' is {x.std_estimate:.2f}, beyond +-1.")
    latents = [name(x) for x in bound.constructs]
    cov = fit.inner_cov.loc[latents, latents].to_numpy()
    eig = np.linalg.eigvalsh((cov + cov.T) / 2)
    if eig.min() <= 1e-10 * max(1.0, abs(eig.max())):
        yield ("Inadmissible solution: the covariance matrix of the latents is not positive "
               f"definite (smallest eigenvalue {eig.min():.3g}); some latents are linear "
               "combinations of others.")
    if not fit.information_ok:
        yield ("Inadmissible solution: the information matrix is singular, so the model is not "
               "identified by these data and standard errors are unreliable.")
    huge = []
    for r in fit.params.itertuples(index=False):
        if not r.free or r.op == "~~":
            continue
        if not math.isfinite(r.se):
            huge.append(f"{r.lhs} {r.op} {r.rhs}")
        elif r.est != 0 and math.isfinite(r.std) and abs(r.se * r.std / r.est) > HUGE_STD_SE:
            huge.append(f"{r.lhs} {r.op} {r.rhs}")
    if huge:
        yield ("Inadmissible solution: huge or undefined standard errors for "
               + ", ".join(huge[:5]) + (" and more" if len(huge) > 5 else "")
               + "; the estimates are not pinned down by the data.")
