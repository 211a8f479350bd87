"""Measurement quality shared by the estimators: reliability, convergent and discriminant
validity.

* Cronbach's alpha from the item covariance matrix (Cronbach 1951).
* Composite reliability rho_C = (sum l)^2 / ((sum l)^2 + sum(1 - l^2)) and average variance
  extracted AVE = mean l^2, from standardized loadings l (Fornell & Larcker 1981).
* HTMT: mean heterotrait-heteromethod correlation over the geometric mean of the two mean
  monotrait-heteromethod correlations (Henseler, Ringle & Sarstedt 2015, eq. 6).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import numpy as np


def cronbach_alpha(cov: np.ndarray) -> float | None:
    """Cronbach's alpha of the items whose covariance matrix is ``cov`` (None for one item)."""
    k = cov.shape[0]
    if k < 2:
        return None
    total = float(cov.sum())
    return k / (k - 1) * (1 - float(np.trace(cov)) / total) if total > 0 else math.nan


def composite_reliability(std_loadings: Sequence[float]) -> float | None:
    """rho_C from standardized loadings (None for a single indicator)."""
    lam = np.asarray(std_loadings, float)
    if lam.size < 2:
        return None
    s = lam.sum() ** 2
    return float(s / (s + np.sum(1 - lam ** 2)))


def average_variance_extracted(std_loadings: Sequence[float]) -> float | None:
    lam = np.asarray(std_loadings, float)
    return float(np.mean(lam ** 2)) if lam.size >= 2 else None


def htmt(corr: np.ndarray, blocks: Mapping[str, Sequence[int]]) -> list[tuple[str, str, float]]:
    """HTMT for every pair of constructs with at least two items each.

    ``corr`` is the item correlation matrix; ``blocks`` maps a construct to the indices of its
    items in ``corr``.
    """
    def mono(idx: Sequence[int]) -> float:
        pairs = list(itertools.combinations(idx, 2))
        return float(np.mean([corr[i, j] for i, j in pairs]))

    out = []
    names = [c for c, idx in blocks.items() if len(idx) >= 2]
    for a, b in itertools.combinations(names, 2):
        hetero = float(np.mean(corr[np.ix_(blocks[a], blocks[b])]))
        den = mono(blocks[a]) * mono(blocks[b])
        out.append((a, b, hetero / math.sqrt(den) if den > 0 else math.nan))
    return out


def correlation(cov: np.ndarray) -> np.ndarray:
    sd = np.sqrt(np.diag(cov))
    return cov / np.outer(sd, sd)
