"""Total effects of a recursive path model: one definition for every estimator and analysis."""

from __future__ import annotations

import numpy as np


def total_effects(b: np.ndarray) -> np.ndarray:
    """T = (I - B)^-1 - I for path coefficients ``b`` (..., k, k), batched over leading axes.

    The orientation of ``b`` ([cause, effect] or [effect, cause]) carries over to T, since
    ((I - B')^-1)' = (I - B)^-1. Direct plus every indirect effect: T = B + B² + ... For a
    recursive model I - B is unit triangular up to ordering and never singular; a batch entry
    that is (NaN paths of a failed resample) gives NaN.
    """
    b = np.asarray(b, dtype=float)
    eye = np.eye(b.shape[-1])
    with np.errstate(invalid="ignore"):
        try:
            return np.linalg.inv(eye - b) - eye
        except np.linalg.LinAlgError:
            return np.full(b.shape, np.nan)
