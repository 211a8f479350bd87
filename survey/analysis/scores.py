"""Respondent-level scores on the 0-100 metric: the common ground of the analyses.

An item's 0-100 score is ``100 (x - min) / (max - min)`` on its scale; a construct's is the
weighted sum of its items' 0-100 scores with the index weights of an estimate (raw-metric
weights normalised to sum to 1; DESIGN.md). Their (weighted) mean is the construct's index, so
every analysis built on these scores agrees with the index scorecard by construction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from survey.estimators import case_weights, prepare_items
from survey.estimators.result import Estimate
from survey.pathmodel import BoundModel


@dataclass(frozen=True)
class Scores:
    """0-100 scores of the respondents an estimate used.

    ``items`` (n, q) and ``constructs`` (n, K) are DataFrames indexed like the data rows;
    ``weights`` are the case weights (None: all 1); ``item_weights`` maps each construct to its
    normalised raw-metric item weights.
    """

    items: pd.DataFrame
    constructs: pd.DataFrame
    weights: np.ndarray | None
    item_weights: dict[str, dict[str, float]]

    def mean(self, column: str) -> float:
        frame = self.constructs if column in self.constructs else self.items
        return float(np.average(frame[column].to_numpy(), weights=self.weights))


def item_scores(frame: pd.DataFrame, bound: BoundModel, items: Sequence[str]) -> pd.DataFrame:
    """0-100 scores of ``items`` (NaN stays NaN)."""
    q = bound.questionnaire
    out = {}
    for i in items:
        scale = q.scale_of(i)
        out[i] = 100 * (frame[i].astype(float) - scale.min) / (scale.max - scale.min)
    return pd.DataFrame(out, index=frame.index)


def construct_scores(bound: BoundModel, estimate: Estimate, data: pd.DataFrame, *,
                     weights: str | None = None) -> Scores:
    """Scores of the respondents ``estimate`` used, with its missing-data treatment ('mean'
    replacement or 'listwise'; FIML estimates use mean replacement for the scores, said in the
    analyses' notes) and the index weights of each construct."""
    items = list(bound.items)
    w = case_weights(data, weights, "data")
    missing = estimate.missing if estimate.missing in ("mean", "listwise") else "mean"
    prepared = prepare_items(items, data, missing=missing, weights=w, where="data")
    rows = data.index
    if missing == "listwise":
        rows = data.index[~data[items].isna().any(axis=1).to_numpy()]
    frame = pd.DataFrame(prepared.x, columns=items, index=rows)
    per_item = item_scores(frame, bound, items)
    item_weights = {i.latent: dict(i.weights) for i in estimate.indices if i.value is not None}
    constructs = pd.DataFrame(
        {c: per_item[list(ws)].to_numpy() @ np.array(list(ws.values())) for c, ws in
         item_weights.items()}, index=rows)
    return Scores(per_item, constructs, prepared.weights, item_weights)
