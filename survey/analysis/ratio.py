"""The satisfaction ratio C = b / a (SOURCE.md §2): b the perceived score, a the expected one,
both on the raw scale of the questions, for every expectation item paired (``expects``) with
a construct or an item.

Bands (the source's reading): C > 1 very satisfied (expectations exceeded), C ≈ 1 satisfied
(met), C < 1 dissatisfied (not met), C = 0 expectations wholly unmet. "≈ 1" is taken as
|C - 1| <= :data:`TOLERANCE`. A construct's perceived score is its index weights' weighted raw
mean (its index mapped back onto the scale), an item's its raw answer. The ratio of the means
is reported, and for each respondent with both answers their own ratio, so the shares of
respondents in each band are shown too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from survey.analysis.scores import Scores
from survey.pathmodel import BoundModel

TOLERANCE = 0.05
BANDS = ("exceeded", "met", "not_met", "unmet")


def band(c: float) -> str:
    """The band of a satisfaction ratio."""
    if c == 0:
        return "unmet"
    if abs(c - 1) <= TOLERANCE + 1e-12:  # the tolerance itself counts as "met"
        return "met"
    return "exceeded" if c > 1 else "not_met"


@dataclass(frozen=True)
class RatioRow:
    expectation: str
    perceived: str
    expected_mean: float
    perceived_mean: float
    ratio: float
    band: str
    n: int
    shares: dict[str, float]

    def to_json(self) -> dict:
        return asdict(self)


def satisfaction_ratios(bound: BoundModel, data: pd.DataFrame, scores: Scores) -> list[RatioRow]:
    """One row per expectation pair whose both sides are in the data."""
    q = bound.questionnaire
    w_all = scores.weights
    out = []
    for exp_item, target in q.expectation_pairs:
        if exp_item not in data.columns:
            continue
        if target in scores.constructs.columns:
            ref = q.scale_of(q.indicators(target)[0].id)
            perceived = ref.min + scores.constructs[target] / 100 * (ref.max - ref.min)
        elif target in data.columns:
            perceived = data.loc[scores.constructs.index, target].astype(float)
        else:
            continue
        expected = data.loc[scores.constructs.index, exp_item].astype(float)
        ok = (expected.notna() & perceived.notna()).to_numpy()
        w = np.ones(len(ok)) if w_all is None else w_all
        b = float(np.average(perceived[ok], weights=w[ok]))
        a = float(np.average(expected[ok], weights=w[ok]))
        per = (perceived[ok] / expected[ok]).to_numpy()
        bands = np.array([band(c) for c in per])
        shares = {k: float(w[ok][bands == k].sum() / w[ok].sum()) for k in BANDS}
        c = b / a if a else float("nan")
        out.append(RatioRow(exp_item, target, a, b, c, band(c), int(ok.sum()), shares))
    return out
