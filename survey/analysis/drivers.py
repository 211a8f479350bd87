"""Driver analysis: the importance-performance map (IPMA; Ringle & Sarstedt 2016, "Gain more
insight from your PLS-SEM results: the importance-performance map analysis", Industrial
Management & Data Systems 116(9), 1865-1886).

Performance is the 0-100 index. Importance is the *unstandardized* total effect on the target
in the 0-100 metric: regress each endogenous construct's 0-100 score on its predecessors'
(weighted OLS), total effects T = (I - B)^-1 - I. An item's importance is its normalised
raw-metric weight times its construct's total effect (the construct score is that weighted
sum of item scores). A dimension of a higher-order construct gets the higher-order
construct's total effect times the share of the higher-order weights on its items. Under
repeated indicators that share grows with a dimension's number of items (the composite is
built that way); the two-stage methods (``--hoc two_stage|disjoint``) weight the dimensions by
their scores instead.

Reading: +1 point of a driver's performance gives ``importance`` points of the target;
``impact`` is the gain for +5 points. Quadrants split at the mean importance and the mean
performance of the drivers shown (Ringle & Sarstedt's convention).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from survey.analysis.scores import Scores
from survey.estimators.effects import total_effects
from survey.pathmodel import BoundModel

#: Points by which a driver is raised to compute its "impact" on the target.
IMPACT_STEP = 5.0
QUADRANTS = ("improve_first", "keep_up", "low_priority", "possible_overkill")


@dataclass(frozen=True)
class IpmaPoint:
    """One driver of one target: ``kind`` 'construct', 'dimension' or 'item'."""

    target: str
    driver: str
    kind: str
    latent: str
    importance: float
    performance: float
    impact: float
    quadrant: str
    #: False for expectation constructs and items: an expectation is not something to fix.
    actionable: bool = True

    @property
    def gain(self) -> float:
        """The potential gain of improving this driver: importance x (100 - performance), the
        target points it would add at full performance (the ranking of :func:`priorities`)."""
        return self.importance * (100 - self.performance)

    @property
    def parent(self) -> str | None:
        """A dimension's higher-order construct (None for other drivers)."""
        return self.latent if self.kind == "dimension" else None

    @classmethod
    def from_json(cls, row: Mapping[str, Any]) -> IpmaPoint:
        """The point of a row written by :meth:`to_json` (a tracking cell keeps its IPMA as
        rows)."""
        common = {k: row[k] for k in ("target", "kind", "importance", "performance", "impact",
                                      "quadrant")}
        if row["kind"] == "item":
            return cls(driver=row["item"], latent=row["latent"],
                       actionable=row.get("actionable", True), **common)
        return cls(driver=row["latent"], latent=row.get("parent") or row["latent"],
                   actionable=row.get("actionable", True), **common)

    def to_json(self) -> dict:
        """Construct rows: ``latent`` is the driver (``parent`` its higher-order construct for
        a dimension); item rows: ``item`` and the ``latent`` it measures."""
        out = {"target": self.target, "importance": self.importance,
               "performance": self.performance, "impact": self.impact,
               "quadrant": self.quadrant, "kind": self.kind, "actionable": self.actionable}
        if self.kind == "item":
            return {"item": self.driver, "latent": self.latent, **out}
        return {"latent": self.driver, "parent": self.latent if self.kind == "dimension" else None,
                **out}


def _weighted_cov(frame: pd.DataFrame, w: np.ndarray | None) -> np.ndarray:
    x = frame.to_numpy(dtype=float)
    w = np.ones(len(x)) if w is None else w
    mean = np.average(x, axis=0, weights=w)
    xc = x - mean
    return (xc * w[:, None]).T @ xc / w.sum()


def unstandardized_total_effects(bound: BoundModel, scores: Scores) -> pd.DataFrame:
    """Total effects among the model's latents in the 0-100 metric, T[cause, effect], from
    weighted OLS of each endogenous construct's score on its predecessors' scores."""
    latents = list(bound.model.latents)
    cov = _weighted_cov(scores.constructs[latents], scores.weights)
    k = len(latents)
    b = np.zeros((k, k))  # b[cause, effect]
    for j, effect in enumerate(latents):
        pred = [latents.index(p) for p in bound.model.predecessors(effect)]
        if pred:
            b[pred, j] = np.linalg.solve(cov[np.ix_(pred, pred)], cov[pred, j])
    total = total_effects(b)
    return pd.DataFrame(total, index=latents, columns=latents)


def ipma(bound: BoundModel, scores: Scores, targets: Sequence[str] | None = None
         ) -> tuple[list[IpmaPoint], list[IpmaPoint]]:
    """Construct-level (with dimensions of higher-order drivers) and item-level IPMA points
    for each target (default: the model's target and the latents it causes)."""
    model = bound.model
    if targets is None:
        targets = [model.target] + [b for a, b in model.paths if a == model.target]
    total = unstandardized_total_effects(bound, scores)
    second = dict(bound.second_order)
    constructs, items = [], []
    for target in targets:
        drivers = [x for x in model.latents if x != target and abs(total.loc[x, target]) > 1e-12]
        rows = []
        for d in drivers:
            t = float(total.loc[d, target])
            rows.append(("construct", d, d, t, scores.mean(d)))
            weights = scores.item_weights[d]
            for dim in second.get(d, ()):
                share = sum(weights[i] for i in scores.item_weights[dim])
                rows.append(("dimension", dim, d, share * t, scores.mean(dim)))
            for item, w in weights.items():
                items.append((target, item, d, w * t, scores.mean(item)))
        constructs += _quadrants(target, rows)
    item_points = []
    for target in targets:
        rows = [("item", i, lat, imp, perf) for t, i, lat, imp, perf in items if t == target]
        item_points += _quadrants(target, rows)
    q = bound.questionnaire
    expected = {i.id for i in q.items if i.expects}
    passive = {c for c in q.constructs if q.indicators(c) and
               all(i.id in expected for i in q.indicators(c))}
    mark = lambda p: replace(p, actionable=p.driver not in expected | passive)  # noqa: E731
    return [mark(p) for p in constructs], [mark(p) for p in item_points]


def _quadrants(target: str, rows: list[tuple]) -> list[IpmaPoint]:
    """Quadrant of each point among the points of the same kind, split at their means."""
    out = []
    for kind in ("construct", "dimension", "item"):
        group = [r for r in rows if r[0] == kind]
        if not group:
            continue
        mi = float(np.mean([r[3] for r in group]))
        mp = float(np.mean([r[4] for r in group]))
        for _, driver, latent, imp, perf in group:
            out.append(IpmaPoint(target, driver, kind, latent, float(imp), float(perf),
                                 IMPACT_STEP * float(imp), quadrant(imp >= mi, perf >= mp)))
    return out


def quadrant(high_importance: bool, high_performance: bool) -> str:
    """The importance-performance quadrant: improve first (important, weak), keep up the good
    work (important, strong), low priority (unimportant, weak), possible overkill
    (unimportant, strong)."""
    if high_importance:
        return "keep_up" if high_performance else "improve_first"
    return "possible_overkill" if high_performance else "low_priority"


def priority_key(point: IpmaPoint) -> tuple[bool, float]:
    """The one priority rule of every report section: the IPMA's "improve first" drivers
    (importance above and performance below the average of their kind) come first, the largest
    potential gain (importance x (100 - performance)) first within each group."""
    return (point.quadrant != "improve_first", -point.gain)


def priorities(points: Sequence[IpmaPoint], bound: BoundModel | None = None) -> list[str]:
    """Actionable drivers in the order to improve them (:func:`priority_key`). With ``bound``,
    the constructs are ordered and a higher-order construct is replaced, in its place, by its
    dimensions (what can actually be worked on) in the same order among themselves."""
    chosen = [p for p in points if p.actionable]
    if bound is None:
        return [p.driver for p in sorted(chosen, key=priority_key)]
    second = dict(bound.second_order)
    by_driver = {p.driver: p for p in chosen}
    out: list[str] = []
    for p in sorted((p for p in chosen if p.kind == "construct"), key=priority_key):
        if p.driver in second:
            dims = [by_driver[d] for d in second[p.driver] if d in by_driver]
            out += [d.driver for d in sorted(dims, key=priority_key)]
        else:
            out.append(p.driver)
    return out


def improve_first(points: Sequence[IpmaPoint], bound: BoundModel | None = None) -> list[str]:
    """The drivers the rule puts first: actionable constructs in the improve-first quadrant (a
    higher-order one stands for its dimensions), in :func:`priority_key` order."""
    return [p.driver for p in sorted(points, key=priority_key)
            if p.actionable and p.kind == "construct" and p.quadrant == "improve_first"]


def priority_items(items: Sequence[IpmaPoint], constructs: Sequence[IpmaPoint],
                   bound: BoundModel | None = None) -> list[IpmaPoint]:
    """Actionable items in the order to improve them, by the same rule: the items of the
    improve-first constructs (through their dimensions for a higher-order one) first, the
    largest potential gain first within each group."""
    first = set(improve_first(constructs))
    if bound is not None:
        first |= {d for h, dims in bound.second_order if h in first for d in dims}
    return sorted((p for p in items if p.actionable),
                  key=lambda p: (p.latent not in first, -p.gain))
