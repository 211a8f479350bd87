"""Wave over wave: how the indices moved between two survey waves of one brand, whether the
move is real, whether the comparison is meaningful, and whether last wave's improvement plan
worked (SOURCE.md §3: "confirm that the improvement worked: the next wave must show it").

* Index changes: each wave's own bootstrap (independent samples, so resample k of one wave
  paired with resample k of the other is a resample of the difference) gives the percentile
  interval of the change; the p-value is the permutation test of the difference
  (:func:`survey.analysis.segments.compare_levels` with the wave as the group), which also
  runs MICOM: levels are compared only under (at least partial) measurement invariance.
* Path changes: the same, with the paths' bootstrap draws and permutation test.
* Whether a change is real: one rule, :class:`SignificanceRule` (:data:`CHANGE_RULE`), for
  every index and path change and for the improvement check; the JSON records it
  (``settings.significance_rule``) and each change's ``significance`` and ``verdict``, which
  the console, the JSON and the tracking report show as they are.
* The improvement check: the drivers last wave's IPMA put in "improve first" (important and
  weak), with their performance then and now, the change, its interval, p-value, and a
  verdict from the same rule: improved, worse, no clear change, or not conclusive.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

import numpy as np

from survey.assess import CRITERIA
from survey.estimators.result import Estimate

#: What the rule says about a change (``Change.significance``).
SIGNIFICANT, NOT_SIGNIFICANT, INCONCLUSIVE, UNTESTED = (
    "significant", "not_significant", "inconclusive", "untested")


@dataclass(frozen=True)
class SignificanceRule:
    """When a wave-over-wave change is significant, from the permutation p-value of the
    difference and the bootstrap percentile interval of the difference at ``level``; the
    p-value is read at ``alpha = 1 - level``, so both answer the same question.

    * Both given: significant when p < alpha and the interval excludes 0; not significant
      when p >= alpha and the interval includes 0; otherwise not conclusive, and both are
      shown. The two can disagree near the boundary: the permutation test asks whether the
      waves are exchangeable, the interval where the difference lies, and each carries the
      Monte Carlo error of a few hundred resamples. A change called significant must pass
      both, so that no report prints "significant" beside an interval that holds 0.
    * Only one given (no permutations, or no bootstrap): that one decides.
    * Neither: untested.
    """

    code: ClassVar[str] = "p_and_interval"
    level: float = round(1 - CRITERIA.alpha, 12)

    @property
    def alpha(self) -> float:
        return round(1 - self.level, 12)

    def decide(self, p_value: float | None, ci_low: float | None,
               ci_high: float | None) -> str:
        """:data:`SIGNIFICANT`, :data:`NOT_SIGNIFICANT`, :data:`INCONCLUSIVE` or
        :data:`UNTESTED`."""
        votes = []
        if p_value is not None and math.isfinite(p_value):
            votes.append(p_value < self.alpha)
        if ci_low is not None and ci_high is not None:
            votes.append(ci_low > 0 or ci_high < 0)
        if not votes:
            return UNTESTED
        if all(votes):
            return SIGNIFICANT
        return INCONCLUSIVE if any(votes) else NOT_SIGNIFICANT

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "alpha": self.alpha, "level": self.level}


#: The rule of every wave comparison (one place for alpha and the level).
CHANGE_RULE = SignificanceRule()


@dataclass(frozen=True)
class Change:
    """One number in two waves: ``kind`` 'index' (``a`` the latent) or 'path' (a -> b).

    ``significance`` is the rule's word (:meth:`SignificanceRule.decide`); ``verdict`` the
    reading a reader gets: 'rise' or 'fall' (significant), 'no_change', 'inconclusive',
    'untested', or 'not_comparable' (MICOM found no measurement invariance: whatever the
    tests say, the two numbers do not measure the same thing)."""

    kind: str
    a: str
    b: str
    before: float | None
    after: float | None
    change: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    significance: str
    comparable: bool | None
    #: What the JSON (and the stored tables) carry beside the fields: name -> column dtype.
    derived: ClassVar[dict[str, str]] = {"significant": "boolean", "verdict": "str"}

    @property
    def significant(self) -> bool | None:
        """Called significant by the rule (None: untested)."""
        return None if self.significance == UNTESTED else self.significance == SIGNIFICANT

    @property
    def verdict(self) -> str:
        if self.comparable is False:
            return "not_comparable"
        if self.significance == SIGNIFICANT:
            if not self.change:  # undefined or exactly 0: no direction to report
                return INCONCLUSIVE
            return "rise" if self.change > 0 else "fall"
        return {NOT_SIGNIFICANT: "no_change"}.get(self.significance, self.significance)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), **{name: getattr(self, name) for name in self.derived}}


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
                 rule: SignificanceRule = CHANGE_RULE) -> list[Change]:
    """Index and path changes from wave ``before`` to wave ``after``, each judged by
    ``rule``. ``tests`` is the :class:`~survey.analysis.comparison.PairComparison` of the two
    waves (level_1 = before), for permutation p-values and MICOM; without it only the
    intervals are given."""
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
                           _interval(before, after, "index", i.latent, "", rule.level), t,
                           rule))
    after_paths = {(p.source, p.target): p.estimate for p in after.paths}
    for p in before.paths:
        if (p.source, p.target) not in after_paths:
            continue
        t = lookup.get(("path", p.source, p.target))
        out.append(_change("path", p.source, p.target, p.estimate,
                           after_paths[(p.source, p.target)],
                           _interval(before, after, "path", p.source, p.target, rule.level),
                           t, rule))
    return out


def _change(kind, a, b, before, after, ci, test, rule: SignificanceRule) -> Change:
    change = None if before is None or after is None else after - before
    p = None if test is None else test.p_value
    significance = rule.decide(p, ci[0], ci[1])
    comparable = None if test is None else test.comparable
    return Change(kind, a, b, before, after, change, ci[0], ci[1], p, significance, comparable)


@dataclass(frozen=True)
class ImprovementCheck:
    """A driver last wave flagged to improve first, and what happened to it: ``verdict``
    'improved', 'worse', 'no_clear_change', 'inconclusive' (from the driver's index
    :class:`Change`, by the same rule) or 'no_interval' (not tested)."""

    driver: str
    target: str
    importance_before: float
    performance_before: float
    performance_after: float | None
    change: float | None
    ci_low: float | None
    ci_high: float | None
    verdict: str
    p_value: float | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


#: The improvement check's word for the significance of the driver's index change.
_IMPROVEMENT = {NOT_SIGNIFICANT: "no_clear_change", INCONCLUSIVE: "inconclusive",
                UNTESTED: "no_interval"}


def improvement_check(ipma_before: Sequence[dict[str, Any]], changes: Sequence[Change], *,
                      target: str) -> list[ImprovementCheck]:
    """For each driver in the "improve first" quadrant of the earlier wave's IPMA of
    ``target`` (construct or dimension rows of the ``ipma`` JSON block): did its index move?
    ``changes`` are the step's :func:`wave_changes`; a driver's verdict is its index change's
    significance (performance is the 0-100 index, so the change is the same number)."""
    index_change = {c.a: c for c in changes if c.kind == "index"}
    out = []
    for row in ipma_before:
        if row["target"] != target or row["quadrant"] != "improve_first" or row.get("item"):
            continue
        d = row["latent"]
        c = index_change.get(d)
        if c is None:
            out.append(ImprovementCheck(d, target, row["importance"], row["performance"], None,
                                        None, None, None, "no_interval"))
            continue
        if c.significance == SIGNIFICANT and c.change:
            verdict = "improved" if c.change > 0 else "worse"
        else:
            verdict = _IMPROVEMENT.get(c.significance, INCONCLUSIVE)
        out.append(ImprovementCheck(d, target, row["importance"], row["performance"], c.after,
                                    c.change, c.ci_low, c.ci_high, verdict, c.p_value))
    return out


def consecutive_pairs(waves: Sequence[str]) -> list[tuple[str, str]]:
    """(earlier, later) for each pair of consecutive waves, in the order given (the order
    the waves were ingested: chronological)."""
    ordered = list(dict.fromkeys(waves))
    return list(zip(ordered, ordered[1:], strict=False))
