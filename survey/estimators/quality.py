"""Measurement quality shared by the estimators: reliability, convergent and discriminant
validity.

* Cronbach's alpha from the item covariance matrix (Cronbach 1951).
* Composite reliability rho_C = (sum l)^2 / ((sum l)^2 + sum(1 - l^2)) and average variance
  extracted AVE = mean l^2, from standardized loadings l (Fornell & Larcker 1981).
* HTMT: mean heterotrait-heteromethod correlation over the geometric mean of the two mean
  monotrait-heteromethod correlations (Henseler, Ringle & Sarstedt 2015, eq. 6), on absolute
  correlations; HTMT2 with geometric means (Roemer, Schuberth & Henseler 2021).
* Structural: inner VIF, adjusted R² and f² from the construct correlation matrix.
"""

from __future__ import annotations

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


def correlation(cov: np.ndarray) -> np.ndarray:
    sd = np.sqrt(np.diag(cov))
    return cov / np.outer(sd, sd)


def rho_a(weights: np.ndarray, corr: np.ndarray) -> float | None:
    """Dijkstra-Henseler rho_A (Dijkstra & Henseler 2015, MIS Quarterly 39(2), eq. 13) from a
    block's outer weights ``weights`` (composite of unit variance) and its item correlations:
    (w'w)^2 w'(S - diag S)w / w'(ww' - diag(ww'))w. None for a single item."""
    w = np.asarray(weights, float)
    if w.size < 2:
        return None
    scale = float(w @ corr @ w)
    w = w / math.sqrt(scale)
    ww = np.outer(w, w)
    num = float(w @ (corr - np.diag(np.diag(corr))) @ w)
    den = float(w @ (ww - np.diag(np.diag(ww))) @ w)
    return float((w @ w) ** 2 * num / den) if den != 0 else math.nan


def item_vif(corr: np.ndarray) -> np.ndarray:
    """Variance inflation factor of each item on the other items of its block: diag(R^-1)."""
    if corr.shape[0] < 2:
        return np.ones(corr.shape[0])
    return np.diag(np.linalg.inv(corr))


def measurement_quality(*, constructs: Sequence[str], blocks: Mapping[str, Sequence[int]],
                        item_names: Sequence[str], r: np.ndarray,
                        loadings: Mapping[str, Sequence[float]],
                        weights: Mapping[str, np.ndarray], second_order: Mapping[str, Sequence[str]],
                        construct_corr: np.ndarray, modes: Mapping[str, str],
                        hoc_weights: Mapping[str, np.ndarray] | None = None
                        ) -> tuple[dict[str, dict[str, float | None]], list[tuple[str, str, float]]]:
    """Reliability of every construct (alpha, rho_A, rho_C, AVE) and the item VIFs.

    Composites on standardized items: alpha is the standardized alpha (item correlations, as
    SmartPLS and seminr), rho_A from the outer weights, rho_C and AVE from the loadings. A
    higher-order construct is assessed on its dimensions (Sarstedt et al. 2019): alpha from the
    dimension scores' correlations, rho_C and AVE from its loadings on them, rho_A from its
    stage-2 weights when it has them. Single-item constructs and, for rho_A, formative (mode B)
    ones get None: the measures do not apply.
    """
    pos = {c: k for k, c in enumerate(constructs)}
    out: dict[str, dict[str, float | None]] = {}
    vifs: list[tuple[str, str, float]] = []
    for c in constructs:
        lam = list(loadings.get(c, ()))
        if c in second_order:
            idx = [pos[d] for d in second_order[c]]
            sub = construct_corr[np.ix_(idx, idx)]
            hw = (hoc_weights or {}).get(c)
            rho = rho_a(hw, sub) if hw is not None and modes.get(c) != "B" else None
        else:
            idx = list(blocks[c])
            sub = r[np.ix_(idx, idx)]
            rho = rho_a(weights[c], sub) if modes.get(c) != "B" else None
            for item, v in zip(idx, item_vif(sub), strict=True):
                if len(idx) > 1:
                    vifs.append((c, item_names[item], float(v)))
        out[c] = {"alpha": cronbach_alpha(sub), "rho_a": rho,
                  "rho_c": composite_reliability(lam), "ave": average_variance_extracted(lam)}
    return out, vifs


def htmt_batched(r: np.ndarray, blocks: Mapping[str, Sequence[int]],
                 pairs: Sequence[tuple[str, str]], *, geometric: bool = False) -> np.ndarray:
    """HTMT (B, pairs) of Henseler, Ringle & Sarstedt (2015) on absolute item correlations
    (single-item monotrait correlation 1, as SmartPLS and seminr); with ``geometric`` the HTMT2
    of Roemer, Schuberth & Henseler (2021) (geometric means; NaN unless every correlation
    involved is positive)."""
    def mean(x: np.ndarray) -> np.ndarray:  # over the last axis
        if not geometric:
            return np.abs(x).mean(axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where((x > 0).all(axis=-1), np.exp(np.log(np.abs(x)).mean(axis=-1)),
                            np.nan)

    mono = {}
    for c, idx in blocks.items():
        idx = list(idx)
        if len(idx) < 2:
            mono[c] = np.ones(r.shape[0])
            continue
        iu = np.triu_indices(len(idx), 1)
        sub = r[:, idx][:, :, idx][:, iu[0], iu[1]]
        mono[c] = mean(sub)
    out = np.empty((r.shape[0], len(pairs)))
    for j, (a, b) in enumerate(pairs):
        hetero = mean(r[:, list(blocks[a])][:, :, list(blocks[b])].reshape(r.shape[0], -1))
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, j] = hetero / np.sqrt(mono[a] * mono[b])
    return out


def htmt_pairs(constructs: Sequence[str]) -> list[tuple[str, str]]:
    """Every unordered pair of constructs, in their order."""
    return [(a, b) for i, a in enumerate(constructs) for b in constructs[i + 1:]]


def inner_vif(corr: np.ndarray, predictors: Sequence[int]) -> np.ndarray:
    """VIF of each predictor of one construct: diag of the inverse of their correlations (1
    for a lone predictor)."""
    idx = list(predictors)
    if len(idx) < 2:
        return np.ones(len(idx))
    return np.diag(np.linalg.inv(corr[np.ix_(idx, idx)]))


def r2_from_corr(corr: np.ndarray, predictors: Sequence[int], target: int) -> float:
    """R² of ``target`` regressed on ``predictors`` (0 without predictors)."""
    idx = list(predictors)
    if not idx:
        return 0.0
    coef = np.linalg.solve(corr[np.ix_(idx, idx)], corr[idx, target])
    return float(coef @ corr[idx, target])


def adjusted_r2(r2: float, n: int, k: int) -> float:
    """1 - (1 - R²)(n - 1)/(n - k - 1), k predictors."""
    return 1 - (1 - r2) * (n - 1) / (n - k - 1) if n - k - 1 > 0 else math.nan


def f_squared(r2_with: float, r2_without: float) -> float:
    """Cohen's f² = (R²_included - R²_excluded) / (1 - R²_included)."""
    return (r2_with - r2_without) / (1 - r2_with) if r2_with < 1 else math.nan
