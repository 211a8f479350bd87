"""The 0-100 satisfaction index (ACSI convention; DESIGN.md).

For a latent with items on scales [a, b]: rescale standardized weights to the raw metric
(divide by the item's standard deviation), normalise them to sum to 1, then
``index = 100 * sum_i w_i (mean_i - a_i) / (b_i - a_i)``. All items at a give 0, at b give 100.
A negative rescaled weight makes the index invalid; it is reported, never hidden
(Fornell et al. 1996, "The American Customer Satisfaction Index", J. Marketing 60(4)).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from survey.questionnaire import Scale


@dataclass(frozen=True)
class IndexResult:
    """A latent's 0-100 index, the raw-metric item weights behind it and whether it is valid."""

    latent: str
    value: float | None
    weights: tuple[tuple[str, float], ...]
    valid: bool
    weights_kind: str
    se: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None


def index_from_weights(latent: str, std_weights: Mapping[str, float], item_sd: Mapping[str, float],
                       item_mean: Mapping[str, float], scales: Mapping[str, Scale], *,
                       kind: str) -> IndexResult:
    """0-100 index of ``latent`` from standardized weights, item SDs, item means and scales.

    Returns an :class:`IndexResult` with the normalised raw-metric weights; ``valid`` is False
    (and ``value`` still computed) when any rescaled weight is negative; ``value`` is None when
    the weights sum to zero or an item has no spread.
    """
    items = list(std_weights)
    raw = {}
    for i in items:
        sd = item_sd[i]
        raw[i] = std_weights[i] / sd if sd > 0 else math.nan
    total = sum(raw.values())
    if not math.isfinite(total) or abs(total) < 1e-15:
        return IndexResult(latent, None, tuple((i, math.nan) for i in items), False, kind)
    w = {i: raw[i] / total for i in items}
    value = 100.0 * sum(
        w[i] * (item_mean[i] - scales[i].min) / (scales[i].max - scales[i].min) for i in items)
    valid = all(v >= 0 for v in w.values())
    return IndexResult(latent, float(value), tuple((i, float(w[i])) for i in items), valid, kind)


def index_values(std_weights: np.ndarray, item_mean: np.ndarray, item_sd: np.ndarray,
                 lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The same formula for a stack of samples at once (bootstrap resamples, permuted
    groups): indices (B, K) from standardized item weights (B, q, K) of K constructs (0 for
    items not theirs), item means and SDs (B, q) and scale ends (q,). NaN where undefined;
    :func:`index_from_weights` is the reference, with the validity of each index."""
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = std_weights / item_sd[:, :, None]
        share = raw / raw.sum(axis=1)[:, None, :]
        position = (item_mean - lo) / (hi - lo)
        return 100 * (share * position[:, :, None]).sum(axis=1)
