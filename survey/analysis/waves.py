"""Wave over wave: how the indices moved between two survey waves of one brand, whether the
move is real, whether the comparison is meaningful, and whether last wave's improvement plan
worked (SOURCE.md §3: "confirm that the improvement worked: the next wave must show it").

* Index changes: each wave's own bootstrap (independent samples, so resample k of one wave
  paired with resample k of the other is a resample of the difference) gives the percentile
  interval of the change; the p-value is the permutation test of the difference
  (:func:`survey.analysis.segments.compare_levels` with the wave as the group), which also
  runs MICOM: levels are compared only under (at least partial) measurement invariance.
* Path changes: the permutation test of each path's difference.
* The improvement check: the drivers last wave's IPMA put in "improve first" (important and
  weak), with their performance then and now, the change, its interval, and a verdict:
  improved (interval above 0), no clear change, or worse (interval below 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from survey.estimate.result import Estimate


@dataclass(frozen=True)
class Change:
    """One number in two waves: ``kind`` 'index' (``a`` the latent) or 'path' (a -> b)."""

    kind: str
    a: str
    b: str
    before: float | None
    after: float | None
    change: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    significant: bool | None
    comparable: bool | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _draws(est: Estimate, kind: str, a: str, b: str = "") -> np.ndarray | None:
    boot = est.bootstrap
    if boot is None:
        return None
    for j, label in enumerate(boot.labels):
        if label == (kind, a, b):
            return boot.draws[:, j]
    return None


def _interval(before: Estimate, after: Estimate, kind: str, a: str, b: str,
              level: float) -> tuple[float | None, float | None]:
    x, y = _draws(before, kind, a, b), _draws(after, kind, a, b)
    if x is None or y is None:
        return None, None
    k = min(x.size, y.size)
    diff = y[:k] - x[:k]
    diff = diff[np.isfinite(diff)]
    if diff.size < 2:
        return None, None
    alpha = 1 - level
    lo, hi = np.quantile(diff, [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)


def wave_changes(before: Estimate, after: Estimate, tests: Any | None = None, *,
                 level: float = 0.95, alpha: float = 0.05) -> list[Change]:
    """Index and path changes from wave ``before`` to wave ``after``. ``tests`` is the
    :class:`~survey.analysis.segments.PairComparison` of the two waves (level_1 = before),
    for permutation p-values and MICOM; without it only the intervals are given."""
    lookup = {}
    if tests is not None:
        for t in tests.tests:
            lookup[(t.kind, t.a, t.b)] = t
    out = []
    after_idx = {i.latent: i.value for i in after.indices}
    for i in before.indices:
        if i.latent not in after_idx:
            continue
        t = lookup.get(("index", i.latent, ""))
        out.append(_change("index", i.latent, "", i.value, after_idx[i.latent],
                           _interval(before, after, "index", i.latent, "", level), t, alpha))
    after_paths = {(p.source, p.target): p.estimate for p in after.paths}
    for p in before.paths:
        if (p.source, p.target) not in after_paths:
            continue
        t = lookup.get(("path", p.source, p.target))
        out.append(_change("path", p.source, p.target, p.estimate,
                           after_paths[(p.source, p.target)],
                           _interval(before, after, "path", p.source, p.target, level), t,
                           alpha))
    return out


def _change(kind, a, b, before, after, ci, test, alpha) -> Change:
    change = None if before is None or after is None else after - before
    p = None if test is None else test.p_value
    if p is not None:
        significant = p < alpha
    elif ci[0] is not None:
        significant = ci[0] > 0 or ci[1] < 0
    else:
        significant = None
    comparable = None if test is None else test.comparable
    return Change(kind, a, b, before, after, change, ci[0], ci[1], p, significant, comparable)


@dataclass(frozen=True)
class ImprovementCheck:
    """A driver last wave flagged to improve first, and what happened to it."""

    driver: str
    target: str
    importance_before: float
    performance_before: float
    performance_after: float | None
    change: float | None
    ci_low: float | None
    ci_high: float | None
    verdict: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def improvement_check(ipma_before: Sequence[dict[str, Any]], before: Estimate,
                      after: Estimate, *, target: str, level: float = 0.95
                      ) -> list[ImprovementCheck]:
    """For each driver in the "improve first" quadrant of the earlier wave's IPMA of
    ``target`` (construct or dimension rows of the ``ipma`` JSON block): did its index move?"""
    after_idx = {i.latent: i.value for i in after.indices}
    out = []
    for row in ipma_before:
        if row["target"] != target or row["quadrant"] != "improve_first" or row.get("item"):
            continue
        d = row["latent"]
        now = after_idx.get(d)
        change = None if now is None else now - row["performance"]
        lo, hi = _interval(before, after, "index", d, "", level)
        if lo is None:
            verdict = "no_interval"
        elif lo > 0:
            verdict = "improved"
        elif hi < 0:
            verdict = "worse"
        else:
            verdict = "no_clear_change"
        out.append(ImprovementCheck(d, target, row["importance"], row["performance"], now,
                                    change, lo, hi, verdict))
    return out



def consecutive_pairs(waves: Sequence[str]) -> list[tuple[str, str]]:
    """(earlier, later) for each pair of consecutive waves, in the order given (the order
    the waves were ingested: chronological)."""
    ordered = list(dict.fromkeys(waves))
    return list(zip(ordered, ordered[1:], strict=False))
