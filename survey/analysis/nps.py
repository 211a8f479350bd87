"""Net Promoter Score of the questionnaire's 0-10 recommend question (``gauges.recommend``):
its standard error, interval, and tests between segments and between waves.

NPS = 100 (p_promoters - p_detractors), promoters answering 9-10, detractors 0-6 (Reichheld
2003, "The one number you need to grow", Harvard Business Review 81(12)). Each respondent
contributes 100, 0 or -100, so the NPS is a (weighted) mean and the multinomial variance of
p_P - p_D is

    Var = [p_P + p_D - (p_P - p_D)²] / n        (e.g. Rocks 2016, "Interval estimation for the
                                                  'net promoter score'", The American
                                                  Statistician 70(4), 365-372, eq. 1)

with weighted shares and, under case weights, Kish's effective n = (sum w)² / sum w² in place of
n (the weighting effect n / n_eff is the design effect :mod:`survey.sampling` reports as
``deff_kish``). The interval is the Wald interval NPS ± z SE at the level of
``survey.assess.CRITERIA``, clipped to [-100, 100]. Inference is withheld below
:data:`MIN_N` effective answers or when every answer falls in one group (the variance is 0, and
so would be the interval: the data cannot tell how far the share could be off).

Two NPS from independent samples (two segment levels, two waves): the difference, its SE
sqrt(SE1² + SE2²), the Wald interval and the two-sided normal p-value; segment pairs are
Holm-adjusted within a segment column (:func:`survey.analysis.comparison.holm`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from survey.assess import CRITERIA
from survey.pathmodel import BoundModel

PROMOTER = 9      # 9-10
DETRACTOR = 6     # 0-6
#: Fewest effective answers for an NPS interval (a share near 0 or 1 in fewer answers makes
#: the Wald interval too narrow; Rocks 2016 measured its coverage falling below 90 % there).
MIN_N = 30


@dataclass(frozen=True)
class Nps:
    """The NPS of one group of respondents: answers, effective n, the three shares (0-1), the
    score (-100..100) and, when the data carry it, its SE and interval (``withheld`` says why
    not: 'too_few_answers', 'one_group')."""

    item: str
    n: int
    n_effective: float
    promoters: float
    passives: float
    detractors: float
    score: float
    se: float | None
    ci_low: float | None
    ci_high: float | None
    level: float
    withheld: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"item": self.item, "n": self.n, "n_effective": self.n_effective,
                "promoters": self.promoters, "passives": self.passives,
                "detractors": self.detractors, "score": self.score, "se": self.se,
                "ci_low": self.ci_low, "ci_high": self.ci_high, "level": self.level,
                "withheld": self.withheld}


def net_promoter(values: Sequence[float] | np.ndarray, weights: Sequence[float] | None = None,
                 *, item: str = "", level: float | None = None) -> Nps | None:
    """The NPS of the 0-10 answers ``values`` (NaN: no answer, left out) with case weights;
    None without any answer."""
    v = np.asarray(values, float)
    w = np.ones(v.size) if weights is None else np.asarray(weights, float)
    ok = np.isfinite(v) & (w > 0)
    v, w = v[ok], w[ok]
    level = 1 - CRITERIA.alpha if level is None else level
    if v.size == 0:
        return None
    total = w.sum()
    promoters = float(w[v >= PROMOTER].sum() / total)
    detractors = float(w[v <= DETRACTOR].sum() / total)
    passives = max(0.0, 1.0 - promoters - detractors)
    score = 100 * (promoters - detractors)
    n_eff = float(total ** 2 / (w ** 2).sum())
    variance = promoters + detractors - (promoters - detractors) ** 2
    withheld = None
    if n_eff < MIN_N:
        withheld = "too_few_answers"
    elif max(promoters, passives, detractors) > 1 - 1e-12:
        withheld = "one_group"
    se = lo = hi = None
    if withheld is None:
        se = 100 * math.sqrt(max(variance, 0.0) / n_eff)
        z = NormalDist().inv_cdf(1 - (1 - level) / 2)
        lo, hi = max(-100.0, score - z * se), min(100.0, score + z * se)
    return Nps(item, int(v.size), n_eff, promoters, passives, detractors, score, se, lo, hi,
               level, withheld)


@dataclass(frozen=True)
class NpsDifference:
    """``b`` minus ``a`` of two independent NPS, with SE, interval, z and p (None when either
    NPS has no SE); ``p_adjusted`` is Holm's within its family (segments only)."""

    a: str
    b: str
    difference: float
    se: float | None
    ci_low: float | None
    ci_high: float | None
    z: float | None
    p_value: float | None
    p_adjusted: float | None = None

    @property
    def significant(self) -> bool | None:
        p = self.p_adjusted if self.p_adjusted is not None else self.p_value
        return None if p is None else p < CRITERIA.alpha

    def to_json(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "difference": self.difference, "se": self.se,
                "ci_low": self.ci_low, "ci_high": self.ci_high, "z": self.z,
                "p_value": self.p_value, "p_adjusted": self.p_adjusted,
                "significant": self.significant}


def nps_difference(a: Nps, b: Nps, *, names: tuple[str, str] = ("a", "b"),
                   level: float | None = None) -> NpsDifference:
    """The change from ``a`` to ``b`` (independent samples): b - a, SE sqrt(SE_a² + SE_b²),
    Wald interval, two-sided normal p-value."""
    level = 1 - CRITERIA.alpha if level is None else level
    diff = b.score - a.score
    if a.se is None or b.se is None:
        return NpsDifference(names[0], names[1], diff, None, None, None, None, None)
    se = math.sqrt(a.se ** 2 + b.se ** 2)
    z_level = NormalDist().inv_cdf(1 - (1 - level) / 2)
    z = diff / se if se > 0 else None
    p = None if z is None else 2 * (1 - NormalDist().cdf(abs(z)))
    return NpsDifference(names[0], names[1], diff, se, diff - z_level * se,
                         diff + z_level * se, z, p)


@dataclass(frozen=True)
class NpsSegment:
    """The NPS of each level of one segment column and every pair of levels compared."""

    column: str
    levels: tuple[tuple[str, Nps], ...]
    pairs: tuple[NpsDifference, ...]

    def to_json(self) -> dict[str, Any]:
        return {"column": self.column,
                "levels": [{"level": lv, **x.to_json()} for lv, x in self.levels],
                "pairs": [p.to_json() for p in self.pairs]}


@dataclass(frozen=True)
class NpsResult:
    """The NPS block: the whole sample's NPS and, per segment column, its levels and tests;
    ``available`` False with ``reason_code`` 'no_recommend' (no ``gauges.recommend`` in the
    data) or 'not_0_10' (the recommend question is not on a 0-10 scale)."""

    available: bool
    item: str | None
    overall: Nps | None = None
    segments: tuple[NpsSegment, ...] = ()
    reason_code: str = ""
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"available": self.available, "item": self.item,
                "reason_code": self.reason_code or None, "reason": self.reason or None,
                "promoters": f"{PROMOTER}-10", "detractors": f"0-{DETRACTOR}",
                "min_n": MIN_N,
                "overall": None if self.overall is None else self.overall.to_json(),
                "segments": [s.to_json() for s in self.segments]}


def recommend_item(bound: BoundModel, data: pd.DataFrame) -> tuple[str | None, str, str]:
    """The 0-10 recommend item with an empty code, or a reason code and sentence why there is
    no NPS (the item, or None when there is none)."""
    q = bound.questionnaire
    item = q.gauges.recommend
    if item is None or item not in data.columns:
        return None, "no_recommend", ("The questionnaire names no recommend question "
                                      "(gauges.recommend) that the data has.")
    scale = q.scale_of(item)
    if not (scale.integer and scale.min == 0 and scale.max == 10):
        return item, "not_0_10", (f"The recommend question '{item}' is on a {scale.min:g}-"
                                  f"{scale.max:g} scale; the NPS needs a 0-10 scale.")
    return item, "", ""


def nps(bound: BoundModel, data: pd.DataFrame, weights: np.ndarray | None = None, *,
        segments: Sequence[tuple[str, pd.Series]] = ()) -> NpsResult:
    """The NPS of the accepted respondents ``data`` (case ``weights`` aligned with its rows)
    and of each level of the ``segments`` (column name, each row's level label; NaN rows are in
    no level)."""
    from survey.analysis.comparison import holm

    item, code, reason = recommend_item(bound, data)
    if code:
        return NpsResult(False, item, reason_code=code, reason=reason)
    values = data[item].astype(float).to_numpy()
    w = np.ones(len(data)) if weights is None else np.asarray(weights, float)
    overall = net_promoter(values, w, item=item)
    out = []
    for column, labels in segments:
        labels = labels.reindex(data.index)
        levels = [(str(lv), net_promoter(values[(labels == lv).to_numpy()],
                                         w[(labels == lv).to_numpy()], item=item))
                  for lv in dict.fromkeys(labels.dropna())]
        levels = [(lv, x) for lv, x in levels if x is not None]
        pairs = [nps_difference(a, b, names=(la, lb))
                 for (la, a), (lb, b) in combinations(levels, 2)]
        adjusted = holm([p.p_value for p in pairs])
        pairs = [NpsDifference(p.a, p.b, p.difference, p.se, p.ci_low, p.ci_high, p.z,
                               p.p_value, adj) for p, adj in zip(pairs, adjusted, strict=True)]
        out.append(NpsSegment(column, tuple(levels), tuple(pairs)))
    return NpsResult(True, item, overall, tuple(out))
