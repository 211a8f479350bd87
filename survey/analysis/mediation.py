"""Mediation: every specific indirect effect of the path model, its inference and its type.

A *specific indirect effect* of a cause X on an effect Y is the product of the path
coefficients along one chain X -> M1 -> ... -> Y through one or more mediators (Bollen 1987,
"Total, direct, and indirect effects in structural equation models", Sociological Methodology
17, 37-69; Preacher & Hayes 2008, "Asymptotic and resampling strategies for assessing and
comparing indirect effects in multiple mediator models", Behavior Research Methods 40(3)).
Summed over every chain from X to Y they are the indirect effect T - B of
:func:`survey.estimators.effects.total_effects`.

Inference, from what the estimate carries (``Estimate.inference``):

- ``bootstrap``: in every usable resample the product of that resample's path draws (the same
  row of ``BootstrapResult.draws``), so the indirect effect's bootstrap distribution comes from
  the estimate's own resamples without refitting; the jackknife values BCa needs are the
  products of the jackknife's paths. Standard error, t, p and the percentile and BCa bounds are
  :meth:`BootstrapResult.table`'s, the same definitions as every other bootstrapped parameter
  (p: two-sided, Student t with n - 1 df).
- ``delta`` (CB-SEM without a bootstrap, Wald standard errors): the first-order delta method
  (Sobel 1982, "Asymptotic confidence intervals for indirect effects in structural equation
  models", Sociological Methodology 13; extended to longer chains by the same Taylor series),
  with the path estimates treated as uncorrelated: Var(a1 ... ak) = sum_i (prod_{j != i} aj)²
  SE_i²; normal interval and p. It is flagged: an indirect effect's sampling distribution is
  skewed, which a bootstrap interval follows and a symmetric one does not.
- ``none``: point estimates only; the reason is given (``withheld``), never an interval the
  data cannot carry.

"Significant" means the interval excludes 0: the estimate's own bootstrap interval
(percentile, or BCa when the estimate's interval is BCa), or the delta/Wald interval. The
direct effect is judged by the same rule, from its path's interval in the estimate.

Types by Zhao, Lynch & Chen (2010, "Reconsidering Baron and Kenny: myths and truths about
mediation analysis", Journal of Consumer Research 37(2), 197-206, figure 2), each specific
indirect effect against the direct path of its cause on its effect: ``full`` (indirect-only:
indirect significant, direct not), ``complementary`` (partial: both significant, same sign),
``competitive`` (partial: both significant, opposite signs), ``direct_only`` and ``no_effect``
(no mediation). Where the model has no direct path from the cause to the effect, the direct
effect was never tested: ``indirect_only_by_design`` (indirect significant) or
``no_effect_by_design`` (not). ``untested`` when the inference is withheld.

For CB-SEM ``estimate`` is the product of the unstandardized paths (the metric of the
bootstrap's and the Wald inference) and ``std_estimate`` that of the standardized ones (the
metric of ``Estimate.effects``); for PLS the two are the same.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from survey.distributions import norm_ppf, norm_sf
from survey.estimators.bootstrap import BootstrapResult
from survey.estimators.result import Estimate, PathEstimate
from survey.numbers import finite
from survey.pathmodel import PathModel

#: The mediation types (Zhao, Lynch & Chen 2010), then the two for a cause without a direct
#: path in the model, then the one when no inference is carried.
TYPES = ("full", "complementary", "competitive", "direct_only", "no_effect",
         "indirect_only_by_design", "no_effect_by_design", "untested")
#: Why inference was withheld.
WITHHELD = ("no_bootstrap", "bootstrap_unusable", "no_inference")

_WITHHELD_TEXT = {
    "no_bootstrap": "The estimate was not bootstrapped: point estimates only, no standard "
                    "errors, intervals, p-values or mediation types (estimate with a "
                    "bootstrap, e.g. --bootstrap 1000).",
    "bootstrap_unusable": "The bootstrap has too few usable resamples to carry inference (see "
                          "the estimate's warnings): point estimates only.",
    "no_inference": "The estimate carries no standard errors (see its warnings): point "
                    "estimates only.",
}


@dataclass(frozen=True)
class IndirectEffect:
    """One specific indirect effect: the ``chain`` cause, mediators ..., effect.

    ``ci_low``/``ci_high`` are the interval the significance rule reads (the estimate's
    bootstrap interval, or the delta one); ``pct_*`` are the percentile bounds and ``bca_*``
    the BCa ones (only when the estimate's interval is BCa). ``direct``: the cause's direct
    path on the effect (None when the model has none), with its interval, p and verdict.
    """

    chain: tuple[str, ...]
    estimate: float
    std_estimate: float | None
    se: float | None
    t_value: float | None
    p_value: float | None
    ci_low: float | None
    ci_high: float | None
    pct_low: float | None
    pct_high: float | None
    bca_low: float | None
    bca_high: float | None
    significant: bool | None
    direct: float | None
    direct_ci_low: float | None
    direct_ci_high: float | None
    direct_p_value: float | None
    direct_significant: bool | None
    type: str

    @property
    def cause(self) -> str:
        return self.chain[0]

    @property
    def effect(self) -> str:
        return self.chain[-1]

    @property
    def mediators(self) -> tuple[str, ...]:
        return self.chain[1:-1]

    @property
    def has_direct_path(self) -> bool:
        return self.direct is not None

    def to_json(self) -> dict[str, Any]:
        return {"from": self.cause, "to": self.effect, "mediators": list(self.mediators),
                "chain": list(self.chain), "estimate": self.estimate,
                "std_estimate": self.std_estimate, "se": self.se, "t_value": self.t_value,
                "p_value": self.p_value, "ci_low": self.ci_low, "ci_high": self.ci_high,
                "pct_low": self.pct_low, "pct_high": self.pct_high, "bca_low": self.bca_low,
                "bca_high": self.bca_high, "significant": self.significant,
                "direct_path": self.has_direct_path, "direct": self.direct,
                "direct_ci_low": self.direct_ci_low, "direct_ci_high": self.direct_ci_high,
                "direct_p_value": self.direct_p_value,
                "direct_significant": self.direct_significant, "type": self.type}


@dataclass(frozen=True)
class Mediation:
    """Every specific indirect effect of one estimate (``effects``, in the order of
    :func:`chains`) and how they were judged.

    ``inference``: 'bootstrap', 'delta' or 'none'; ``interval``: the interval the rule reads
    ('percentile', 'bca', 'delta', or None without inference) at ``level``; ``withheld``: a
    :data:`WITHHELD` code when the inference is 'none'; ``p_df``: the Student t's degrees of
    freedom of the bootstrap p-values (None for the delta method's normal p-values)."""

    method: str
    inference: str
    interval: str | None
    level: float
    effects: tuple[IndirectEffect, ...]
    resamples: int | None = None
    p_df: int | None = None
    withheld: str | None = None

    @property
    def rule(self) -> str:
        """The significance rule, in words."""
        if self.interval is None:
            return "not tested"
        name = {"percentile": "percentile bootstrap", "bca": "BCa bootstrap",
                "delta": "delta-method (Sobel) normal"}[self.interval]
        return f"significant when the {self.level:.0%} {name} interval excludes 0"

    @property
    def p_value_rule(self) -> str | None:
        if self.inference == "bootstrap":
            return f"two-sided, Student t with {self.p_df} df (estimate / bootstrap SE)"
        if self.inference == "delta":
            return "two-sided, standard normal (estimate / delta-method SE: Sobel's z)"
        return None

    @property
    def reason(self) -> str:
        """Why the inference was withheld (empty when it was not)."""
        return _WITHHELD_TEXT[self.withheld] if self.withheld else ""

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "inference": self.inference,
                "interval": self.interval, "level": self.level, "resamples": self.resamples,
                "significance": {"rule": "interval_excludes_zero", "interval": self.interval,
                                 "level": self.level, "text": self.rule},
                "p_value": self.p_value_rule, "withheld": self.withheld, "reason": self.reason,
                "delta_method": self.inference == "delta",
                "effects": [x.to_json() for x in self.effects]}


def chains(model: PathModel) -> list[tuple[str, ...]]:
    """Every chain of two or more paths of ``model``: ordered by effect, then cause (both in
    causal order), then mediators (depth first, successors in causal order)."""
    order = model.causal_order()
    rank = {x: k for k, x in enumerate(order)}
    successors: dict[str, list[str]] = {x: [] for x in model.latents}
    for a, b in model.paths:
        successors[a].append(b)
    for x in successors:
        successors[x].sort(key=rank.__getitem__)
    found: list[tuple[str, ...]] = []

    def walk(chain: tuple[str, ...]) -> None:
        for nxt in successors[chain[-1]]:
            longer = (*chain, nxt)
            if len(longer) > 2:
                found.append(longer)
            walk(longer)

    for cause in order:
        walk((cause,))
    # A stable sort keeps the depth-first order among the chains of one cause and effect.
    return sorted(found, key=lambda c: (rank[c[-1]], rank[c[0]]))


def links(chain: Sequence[str]) -> list[tuple[str, str]]:
    """The paths (cause, effect) of a chain."""
    return list(zip(chain[:-1], chain[1:], strict=True))


def _product(values: Sequence[float | None]) -> float | None:
    if any(v is None for v in values):
        return None
    return math.prod(values)  # type: ignore[arg-type]


def _excludes_zero(low: float | None, high: float | None) -> bool | None:
    if low is None or high is None:
        return None
    return low > 0 or high < 0


def mediation_type(indirect_significant: bool | None, direct_significant: bool | None,
                   indirect: float, direct: float | None) -> str:
    """Zhao, Lynch & Chen's (2010) type of one specific indirect effect (see the module's
    docstring); ``direct`` None: the model has no direct path."""
    if indirect_significant is None:
        return "untested"
    if direct is None:
        return "indirect_only_by_design" if indirect_significant else "no_effect_by_design"
    if direct_significant is None:
        return "untested"
    if indirect_significant and direct_significant:
        return "complementary" if indirect * direct > 0 else "competitive"
    if indirect_significant:
        return "full"
    return "direct_only" if direct_significant else "no_effect"


def indirect_bootstrap(boot: BootstrapResult, estimate: Estimate,
                       found: Sequence[tuple[str, ...]]) -> BootstrapResult:
    """The bootstrap of the specific indirect effects of ``found``: per resample (and per
    jackknife group) the product of that resample's path draws, as a
    :class:`BootstrapResult` labelled ("indirect", "a->m->b", "") whose ``table()`` gives SE,
    t, p, percentile and BCa bounds.

    A path without draws (CB-SEM bootstraps free parameters only) is constant when the model
    fixed it; any other missing path makes its chains' draws NaN (no inference for them)."""
    column = {label: k for k, label in enumerate(boot.labels)}
    fixed = {f["parameter"] for f in estimate.constraints.get("fixed", ())}
    point = {(p.source, p.target): p.estimate for p in estimate.paths}

    def factor(values: np.ndarray | None, a: str, b: str) -> np.ndarray | float:
        k = column.get(("path", a, b))
        if k is not None and values is not None:
            return values[:, k]
        return point[(a, b)] if f"{a} -> {b}" in fixed else math.nan

    def products(values: np.ndarray | None) -> np.ndarray | None:
        if values is None:
            return None
        out = np.ones((values.shape[0], len(found)))
        for j, chain in enumerate(found):
            for a, b in links(chain):
                out[:, j] = out[:, j] * factor(values, a, b)
        return out

    estimates = np.array([math.prod(point[link] for link in links(c)) for c in found], float)
    return BootstrapResult(
        labels=tuple(("indirect", "->".join(c), "") for c in found), estimate=estimates,
        draws=products(boot.draws), jackknife=products(boot.jackknife), n=boot.n,
        settings=boot.settings, failures=boot.failures, method=boot.method, kept=boot.kept)


def _delta(paths: Sequence[PathEstimate], fixed: set[str]) -> float | None:
    """First-order delta-method SE of the product of ``paths`` (uncorrelated estimates): the
    square root of sum_i (prod_{j != i} a_j)² SE_i²; a fixed path has SE 0."""
    variance = 0.0
    for i, p in enumerate(paths):
        se = 0.0 if f"{p.source} -> {p.target}" in fixed else p.se
        if se is None:
            return None
        others = math.prod(q.estimate for j, q in enumerate(paths) if j != i)
        variance += (others * se) ** 2
    return math.sqrt(variance)


def mediation(model: PathModel, estimate: Estimate) -> Mediation:
    """Every specific indirect effect of ``estimate`` (of ``model``) with its inference and
    type. See the module's docstring for the definitions and references."""
    found = chains(model)
    paths = {(p.source, p.target): p for p in estimate.paths}
    boot = estimate.bootstrap
    interval_kind = str(estimate.settings.get("interval", "percentile"))
    if estimate.inference == "bootstrap" and boot is not None:
        inference, interval, level = "bootstrap", interval_kind, boot.settings.level
        withheld = None
    elif estimate.inference == "wald":
        # The Wald intervals of CB-SEM are 95 % (survey.estimators.cbsem).
        inference, interval, level, withheld = "delta", "delta", 0.95, None
    else:
        inference, interval, level = "none", None, (boot.settings.level if boot else 0.95)
        withheld = ("bootstrap_unusable" if boot is not None
                    else "no_bootstrap" if estimate.method in ("pls", "plsc")
                    else "no_inference")
    table = None
    if inference == "bootstrap" and found:
        table = indirect_bootstrap(boot, estimate, found).table()  # type: ignore[arg-type]
    fixed = {f["parameter"] for f in estimate.constraints.get("fixed", ())}
    z = float(norm_ppf(0.5 + level / 2))
    out = []
    for j, chain in enumerate(found):
        steps = [paths[link] for link in links(chain)]
        value = math.prod(p.estimate for p in steps)
        std = _product([p.std_estimate for p in steps])
        cells: dict[str, float | None] = dict.fromkeys(
            ("se", "t", "p", "low", "high", "pct_low", "pct_high", "bca_low", "bca_high"))
        if table is not None:
            row = table.iloc[j]
            cells.update(se=finite(row.se), t=finite(row.t), p=finite(row.p_value),
                         pct_low=finite(row.pct_low), pct_high=finite(row.pct_high))
            if interval == "bca":
                cells.update(bca_low=finite(row.bca_low), bca_high=finite(row.bca_high))
            cells.update(low=cells["bca_low" if interval == "bca" else "pct_low"],
                         high=cells["bca_high" if interval == "bca" else "pct_high"])
        elif inference == "delta":
            se = _delta(steps, fixed)
            if se is not None and se > 0:
                t = value / se
                cells.update(se=se, t=t, p=float(2 * norm_sf(abs(t))),
                             low=value - z * se, high=value + z * se)
        direct = paths.get((chain[0], chain[-1]))
        significant = _excludes_zero(cells["low"], cells["high"])
        direct_significant = (None if direct is None or inference == "none"
                              else _excludes_zero(direct.ci_low, direct.ci_high))
        out.append(IndirectEffect(
            chain=chain, estimate=value, std_estimate=std, se=cells["se"], t_value=cells["t"],
            p_value=cells["p"], ci_low=cells["low"], ci_high=cells["high"],
            pct_low=cells["pct_low"], pct_high=cells["pct_high"], bca_low=cells["bca_low"],
            bca_high=cells["bca_high"], significant=significant,
            direct=None if direct is None else direct.estimate,
            direct_ci_low=None if direct is None else direct.ci_low,
            direct_ci_high=None if direct is None else direct.ci_high,
            direct_p_value=None if direct is None else direct.p_value,
            direct_significant=direct_significant,
            type=mediation_type(significant, direct_significant, value,
                                None if direct is None else direct.estimate)))
    return Mediation(method=estimate.method, inference=inference, interval=interval,
                     level=level, effects=tuple(out),
                     resamples=boot.settings.resamples if boot is not None else None,
                     p_df=boot.p_value_df if inference == "bootstrap" else None,
                     withheld=withheld)

