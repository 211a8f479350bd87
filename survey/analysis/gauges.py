"""Loyalty and satisfaction gauges (SOURCE.md §3): the distribution of the recommend,
repurchase and overall-satisfaction answers, their link to the satisfaction index, and the
complaint funnel.

"Top box" is the upper 30 % of a scale's range (8-10 on a 1-10 scale, 6-7 on 1-7): the share
that would recommend or buy again. The link to satisfaction is the mean 0-100 satisfaction
score of the respondents in each answer band (top / middle / bottom box, bottom = the lower
30 %) and the correlation between the answer and the score.

Complaint funnel: every respondent -> dissatisfied (overall satisfaction below the scale's
midpoint: 1-5 on a 1-10 scale) ->
complained -> how the complaint was handled; for each group (complaint resolved quickly,
resolved, not resolved; dissatisfied without complaining; the rest) the share who would buy
again. The source material quotes a consumer survey (82 %, 54 %, 19 %, 9 %) as a benchmark.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from survey.analysis.scores import Scores
from survey.pathmodel import BoundModel

TOP_BOX = 0.7      # answers at or above min + 0.7 (max - min)
BOTTOM_BOX = 0.3   # answers at or below min + 0.3 (max - min)
#: Buy-again rates by complaint outcome: TARP's (Technical Assistance Research Programs)
#: consumer-complaint research for the U.S. Office of Consumer Affairs, problems that could cost
#: the customer over US$100 (J. Goodman, "Basic facts on customer complaint behavior").
BENCHMARK = {"resolved_quickly": 0.82, "resolved": 0.54, "not_resolved": 0.19,
             "dissatisfied_silent": 0.09}


def _boxes(values: pd.Series, lo: float, hi: float) -> pd.Series:
    """'top', 'middle' or 'bottom' per answer; NaN where there is no answer."""
    top = lo + TOP_BOX * (hi - lo)
    bottom = lo + BOTTOM_BOX * (hi - lo)
    box = pd.Series(np.where(values >= top, "top", np.where(values <= bottom, "bottom",
                                                            "middle")), index=values.index)
    return box.where(values.notna())


def _flag(boxes: pd.Series, name: str) -> pd.Series:
    """1.0 in the box, 0.0 elsewhere, NaN without an answer."""
    return (boxes == name).astype(float).where(boxes.notna())


def _share(flags: pd.Series, w: pd.Series) -> float | None:
    """Weighted share of 1.0 among the answered (non-NaN) flags."""
    ok = flags.notna()
    total = w[ok].sum()
    return float((flags[ok] * w[ok]).sum() / total) if total > 0 else None


@dataclass(frozen=True)
class Gauge:
    """One gauge question (``role`` 'overall', 'recommend' or 'repurchase'): its answers'
    distribution over the scale points (none on a continuous scale), mean, top and bottom box
    shares, don't-know share, and (not for the overall item) the mean satisfaction score per
    box and the answers' correlation with it."""

    role: str
    item: str
    n: int
    mean: float
    distribution: Mapping[str, float]
    dont_know: float
    top_box: float | None
    bottom_box: float | None
    satisfaction_by_box: Mapping[str, float | None] | None = None
    correlation_with_satisfaction: float | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"item": self.item, "n": self.n, "mean": self.mean,
                               "distribution": dict(self.distribution),
                               "dont_know": self.dont_know, "top_box": self.top_box,
                               "bottom_box": self.bottom_box}
        if self.satisfaction_by_box is not None:
            out["satisfaction_by_box"] = dict(self.satisfaction_by_box)
            out["correlation_with_satisfaction"] = self.correlation_with_satisfaction
        return out


@dataclass(frozen=True)
class FunnelGroup:
    """A group of the complaint funnel: its size, share, buy-again rate and the benchmark."""

    group: str
    n: int
    share: float
    buy_again: float | None
    benchmark: float | None

    def to_json(self) -> dict[str, Any]:
        return {"group": self.group, "n": self.n, "share": self.share,
                "buy_again": self.buy_again, "benchmark": self.benchmark}


@dataclass(frozen=True)
class ComplaintFunnel:
    """Every respondent -> dissatisfied -> complained -> the complaint's outcome."""

    n: int
    dissatisfied: float
    complained: float
    complained_among_dissatisfied: float | None
    groups: tuple[FunnelGroup, ...]

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "dissatisfied": self.dissatisfied, "complained": self.complained,
                "complained_among_dissatisfied": self.complained_among_dissatisfied,
                "groups": [g.to_json() for g in self.groups]}


@dataclass(frozen=True)
class Gauges:
    """The gauges the questionnaire defines (in role order) and the complaint funnel."""

    gauges: tuple[Gauge, ...] = ()
    funnel: ComplaintFunnel | None = None

    def __getitem__(self, role: str) -> Gauge:
        for g in self.gauges:
            if g.role == role:
                return g
        raise KeyError(role)

    def __contains__(self, role: object) -> bool:
        return any(g.role == role for g in self.gauges)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {g.role: g.to_json() for g in self.gauges}
        if self.funnel is not None:
            out["complaint_funnel"] = self.funnel.to_json()
        return out


def gauges(bound: BoundModel, data: pd.DataFrame, scores: Scores) -> Gauges:
    """The gauges the questionnaire defines; absent ones are left out."""
    q = bound.questionnaire
    g = q.gauges
    rows = scores.constructs.index
    w = pd.Series(np.ones(len(rows)) if scores.weights is None else scores.weights, index=rows)
    target = bound.model.target
    sat = scores.constructs[target] if target in scores.constructs else None
    out: list[Gauge] = []
    for role in ("overall", "recommend", "repurchase"):
        item = getattr(g, role)
        if item is None or item not in data.columns:
            continue
        scale = q.scale_of(item)
        values = data.loc[rows, item].astype(float)
        answered = values.notna()
        dist = {}
        # A continuous scale has no points to count answers on (its boxes still apply).
        points = range(int(scale.min), int(scale.max) + 1) if scale.integer else ()
        for point in points:
            dist[str(point)] = float(w[values == point].sum() / w[answered].sum())
        boxes = _boxes(values, scale.min, scale.max)
        by_box = correlation = None
        if sat is not None and role != "overall":
            by_box = {box: (float(np.average(sat[boxes == box], weights=w[boxes == box]))
                            if (boxes == box).any() else None)
                      for box in ("top", "middle", "bottom")}
            correlation = float(np.corrcoef(values[answered], sat[answered])[0, 1])
        out.append(Gauge(role, item, int(answered.sum()),
                         float(np.average(values[answered], weights=w[answered])), dist,
                         float(1 - answered.mean()), _share(_flag(boxes, "top"), w),
                         _share(_flag(boxes, "bottom"), w), by_box, correlation))
    return Gauges(tuple(out), complaint_funnel(bound, data, scores))


def complaint_funnel(bound: BoundModel, data: pd.DataFrame, scores: Scores
                     ) -> ComplaintFunnel | None:
    """The funnel and buy-again rates by complaint outcome (None without a complaint block)."""
    q = bound.questionnaire
    g = q.gauges
    if g.complained is None or g.complained not in data.columns:
        return None
    rows = scores.constructs.index
    w = pd.Series(np.ones(len(rows)) if scores.weights is None else scores.weights, index=rows)
    yes = {str(c) for c in g.complained_yes}
    complained = data.loc[rows, g.complained].astype(str).str.strip().isin(yes)
    target = bound.model.target
    overall = g.overall or (q.indicators(target)[0].id if target is not None else None)
    if overall is None:
        return None  # no item to split the respondents by (survey.analysis.suite says so)
    scale = q.scale_of(overall)
    dissatisfied = data.loc[rows, overall].astype(float) < (scale.min + scale.max) / 2
    again = None
    if g.repurchase and g.repurchase in data.columns:
        rs = q.scale_of(g.repurchase)
        again = _flag(_boxes(data.loc[rows, g.repurchase].astype(float), rs.min, rs.max), "top")
    groups: dict[str, pd.Series] = {}
    if g.complaint_outcome and g.complaint_outcome in data.columns:
        codes = [str(c) for c, _ in q.question(g.complaint_outcome).options]
        outcome = data.loc[rows, g.complaint_outcome].astype(str).str.strip()
        names = ["resolved_quickly", "resolved", "not_resolved"][:len(codes)]
        for name, code in zip(names, codes, strict=False):
            groups[name] = complained & (outcome == code)
        groups["complained_no_outcome"] = complained & ~outcome.isin(codes)
    else:
        groups["complained"] = complained
    groups["dissatisfied_silent"] = dissatisfied & ~complained
    groups["satisfied_silent"] = ~dissatisfied & ~complained
    total = w.sum()
    return ComplaintFunnel(
        len(rows), float(w[dissatisfied].sum() / total), float(w[complained].sum() / total),
        (float(w[complained & dissatisfied].sum() / w[dissatisfied].sum())
         if w[dissatisfied].sum() > 0 else None),
        tuple(FunnelGroup(name, int(mask.sum()), float(w[mask].sum() / total),
                          None if again is None else _share(again.where(mask), w),
                          BENCHMARK.get(name)) for name, mask in groups.items()))
