"""The measurement methods the field still uses (SOURCE.md §2), side by side with the SEM.

Drivers are the constructs that act on the model's target (a higher-order construct replaced
by its dimensions), except expectation constructs (all of whose items carry ``expects``):
they measure what was expected, not what was delivered. The outcome of the classic methods is
the overall-satisfaction item (the questionnaire's ``gauges.overall``, else the target's first
item). Everything is on the 0-100 metric of the items' scales; case weights apply throughout.

1. ``mean`` (simple method): item and construct mean scores (a construct's is the plain mean
   of its items' scores). Priority: the lowest performance first.
2. ``dual_evaluation``: stated importance (the questionnaire's importance ratings, 0-100)
   against performance. Priority: importance x (100 - performance).
3. ``improved_dual_evaluation``: derived importance, the correlation of each driver's score
   with overall satisfaction, against performance. Priority: r x (100 - performance).
4. ``regression``: OLS of overall satisfaction on the drivers' mean scores (statsmodels,
   HC3 heteroskedasticity-robust SEs, VIF), and on all indicators for reference. Priority:
   coefficient x (100 - performance) among significant positive coefficients (p below the significance level),
   the others after them.
5. ``sem``: the IPMA importance (unstandardized total effect) against the 0-100 index.
   Priority: importance x (100 - performance), the potential gain.

Missing answers: a driver's score is the mean of the items a respondent answered; means and
correlations use every available answer (pairwise); the regressions drop respondents missing
the outcome or a whole driver (listwise, n reported; the item-level regression any item); the
SEM uses the estimate's own treatment. Where the methods disagree (a driver's rank differs by
:data:`RANK_GAP` places or more between two methods) it is listed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from survey.analysis.drivers import IpmaPoint, quadrant
from survey.analysis.scores import item_scores
from survey.assess import CRITERIA
from survey.distributions import norm_sf
from survey.pathmodel import BoundModel

RANK_GAP = 3
METHODS = ("mean", "dual_evaluation", "improved_dual_evaluation", "regression", "sem")


@dataclass(frozen=True)
class MethodResult:
    """One method: per-driver rows (importance, performance, priority score), the priority
    order (most urgent first), and details (regression tables, n, notes)."""

    name: str
    available: bool
    rows: tuple[dict[str, Any], ...] = ()
    priorities: tuple[str, ...] = ()
    items: tuple[dict[str, Any], ...] = ()
    detail: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""
    #: Why the method is not available, as a code (the report words it in its language):
    #: 'no_importance_items', 'no_importance_columns', 'no_importance_of_drivers', 'no_pls'.
    reason_code: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"available": self.available, "reason": self.reason or None,
                "reason_code": self.reason_code or None,
                "drivers": list(self.rows), "priorities": list(self.priorities),
                "items": list(self.items), **dict(self.detail)}


def drivers_of_target(bound: BoundModel) -> list[str]:
    """Constructs acting on the target (dimensions instead of higher-order constructs),
    without expectation constructs."""
    model = bound.model
    q = bound.questionnaire
    ancestors, frontier = set(), [model.target]
    while frontier:
        x = frontier.pop()
        for p in model.predecessors(x):
            if p not in ancestors:
                ancestors.add(p)
                frontier.append(p)
    second = dict(bound.second_order)
    out = []
    for latent in model.latents:
        if latent not in ancestors:
            continue
        for c in second.get(latent, (latent,)):
            items = q.indicators(c)
            if items and all(i.expects for i in items):
                continue
            out.append(c)
    return out


def overall_item(bound: BoundModel) -> str:
    q = bound.questionnaire
    return q.gauges.overall or q.indicators(bound.model.target)[0].id


def _wmean(x: pd.Series, w: pd.Series | None) -> float:
    ok = x.notna()
    if w is None:
        return float(x[ok].mean())
    return float(np.average(x[ok], weights=w[ok]))


def _wcorr(a: pd.Series, b: pd.Series, w: pd.Series | None) -> float:
    ok = a.notna() & b.notna()
    ww = np.ones(int(ok.sum())) if w is None else w[ok].to_numpy()
    return float(np.corrcoef(a[ok], b[ok])[0, 1]) if w is None else float(
        np.cov(a[ok], b[ok], aweights=ww)[0, 1]
        / np.sqrt(np.cov(a[ok], aweights=ww) * np.cov(b[ok], aweights=ww)))


def _importance_performance(importance: Mapping[str, float], perf: Mapping[str, float]
                            ) -> tuple[tuple[dict[str, Any], ...], tuple[str, ...]]:
    """Rows and priorities of a dual evaluation: priority importance x (100 - performance),
    quadrants split at the means of the drivers rated."""
    score = {d: importance[d] * (100 - perf[d]) / 100 for d in importance}
    mi, mp = np.mean(list(importance.values())), np.mean([perf[d] for d in importance])
    rows = tuple({"driver": d, "importance": importance[d], "performance": perf[d],
                  "priority_score": score[d],
                  "quadrant": quadrant(importance[d] >= mi, perf[d] >= mp)} for d in importance)
    return rows, _order(score)


def _order(scores: Mapping[str, float]) -> tuple[str, ...]:
    return tuple(sorted(scores, key=lambda k: (-scores[k], k)))


def vif(x: np.ndarray) -> np.ndarray:
    """Variance inflation factors of the columns of ``x`` (complete rows, unweighted): the
    diagonal of the inverse of their correlation matrix, which is 1 / (1 - R²) of each column
    regressed on the others with an intercept (statsmodels' ``variance_inflation_factor``
    with a constant column, in one inversion instead of one regression per column). Columns
    that are exactly collinear give inf (or a huge number from rounding), as there: near such
    a matrix each column is regressed on the others by least squares, as there, instead of
    inverting."""
    corr = np.corrcoef(x, rowvar=False).reshape(x.shape[1], x.shape[1])
    if not np.linalg.cond(corr) > 1e12:
        return np.diag(np.linalg.inv(corr)).copy()
    out = np.empty(x.shape[1])
    for k in range(x.shape[1]):
        others = np.column_stack([np.ones(len(x)), np.delete(x, k, axis=1)])
        fitted = others @ np.linalg.lstsq(others, x[:, k], rcond=None)[0]
        r2 = 1 - float(((x[:, k] - fitted) ** 2).sum()) / float(((x[:, k] - x[:, k].mean())
                                                                 ** 2).sum())
        with np.errstate(divide="ignore"):
            out[k] = np.float64(1) / (1 - r2)
    return out


@dataclass(frozen=True)
class Regression:
    """A (weighted) least-squares fit with HC3 standard errors: what the regression method
    reports (statsmodels' ``WLS(...).fit(cov_type="HC3")``: coefficients, robust SEs, normal
    p-values, R² and adjusted R² with the weighted mean as the centre)."""

    params: pd.Series
    bse: pd.Series
    pvalues: pd.Series
    rsquared: float
    rsquared_adj: float


def wls_hc3(y: pd.Series, x: pd.DataFrame, weights: pd.Series | None = None) -> Regression:
    """Least squares of ``y`` on ``x`` with an intercept ('const'), weighted by ``weights``:
    the rows are scaled by sqrt(w) and ordinary least squares is fitted to them (the minimum-
    norm solution, as statsmodels' pinv); HC3 covariance (MacKinnon & White 1985): the
    sandwich with each squared residual divided by (1 - h_i)², h_i the leverage. p-values are
    from the normal distribution, as statsmodels' robust covariances by default."""
    root = np.ones(len(y)) if weights is None else np.sqrt(weights.to_numpy(dtype=float))
    exog = np.column_stack([np.ones(len(y)), x.to_numpy(dtype=float)]) * root[:, None]
    endog = y.to_numpy(dtype=float) * root
    pinv = np.linalg.pinv(exog)
    beta = pinv @ endog
    resid = endog - exog @ beta
    bread = pinv @ pinv.T  # (X'X)^-1
    leverage = np.einsum("ij,ji->i", exog, pinv)
    meat = (exog * (resid / (1 - leverage))[:, None] ** 2).T @ exog
    cov = bread @ meat @ bread
    se = np.sqrt(np.diag(cov))
    w = root ** 2
    centre = np.average(y.to_numpy(dtype=float), weights=w)
    tss = float((w * (y.to_numpy(dtype=float) - centre) ** 2).sum())
    r2 = 1 - float(resid @ resid) / tss
    df_resid = len(y) - np.linalg.matrix_rank(exog)
    names = ["const", *x.columns]
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * norm_sf(np.abs(beta / se))  # = 2 * stats.norm.sf(|z|)
    return Regression(pd.Series(beta, index=names), pd.Series(se, index=names),
                      pd.Series(p, index=names), r2,
                      1 - (len(y) - 1) / df_resid * (1 - r2))


def kendall_tau(a: Sequence[int], b: Sequence[int]) -> float:
    """Kendall's tau of two rankings without ties (two orders of the same drivers): the
    share of concordant minus discordant pairs (tau-a, equal to scipy's tau-b without
    ties)."""
    n = len(a)
    sign = sum(np.sign(a[i] - a[j]) * np.sign(b[i] - b[j])
               for i in range(n) for j in range(i + 1, n))
    return float(sign) / (n * (n - 1) / 2)


def classic_methods(bound: BoundModel, data: pd.DataFrame, ipma_points: Sequence[IpmaPoint],
                    *, weights: np.ndarray | None = None) -> dict[str, MethodResult]:
    """The five methods for the model's target on the accepted respondents ``data``."""
    q = bound.questionnaire
    drivers = drivers_of_target(bound)
    members = {d: [i.id for i in q.indicators(d)] for d in drivers}
    all_items = [i for d in drivers for i in members[d]]
    outcome = overall_item(bound)
    w = None if weights is None else pd.Series(weights, index=data.index)
    items = item_scores(data, bound, [*all_items, outcome])
    driver_scores = pd.DataFrame({d: items[members[d]].mean(axis=1, skipna=True)
                                  for d in drivers})
    perf = {d: _wmean(driver_scores[d], w) for d in drivers}
    item_perf = {i: _wmean(items[i], w) for i in all_items}
    out: dict[str, MethodResult] = {}

    # 1. Simple method.
    out["mean"] = MethodResult(
        "mean", True,
        rows=tuple({"driver": d, "performance": perf[d], "priority_score": 100 - perf[d]}
                   for d in drivers),
        priorities=_order({d: 100 - perf[d] for d in drivers}),
        items=tuple({"item": i, "latent": _owner(members, i), "performance": item_perf[i]}
                    for i in all_items))

    # 2. Dual evaluation: stated importance.
    stated = {}
    for r in q.importance:
        if r.id in data.columns and r.of in drivers:
            stated[r.of] = _wmean(item_scores(data, bound, [r.id])[r.id], w)
    if stated:
        rows, order = _importance_performance(stated, perf)
        out["dual_evaluation"] = MethodResult(
            "dual_evaluation", True, rows=rows, priorities=order,
            detail={"not_rated": [d for d in drivers if d not in stated]})
    else:
        out["dual_evaluation"] = _no_stated_importance(q.importance, data, drivers)

    # 3. Improved dual evaluation: derived importance.
    derived = {d: _wcorr(driver_scores[d], items[outcome], w) for d in drivers}
    rows, order = _importance_performance(derived, perf)
    out["improved_dual_evaluation"] = MethodResult(
        "improved_dual_evaluation", True, rows=rows, priorities=order,
        items=tuple({"item": i, "latent": _owner(members, i),
                     "importance": _wcorr(items[i], items[outcome], w),
                     "performance": item_perf[i]} for i in all_items))

    # 4. Linear regression of overall satisfaction (raw scale) on the drivers.
    def ols(x: pd.DataFrame) -> tuple[Regression, pd.Series, int]:
        frame = pd.concat([x, data[outcome].astype(float)], axis=1).dropna()
        ww = None if w is None else w.loc[frame.index]
        fit = wls_hc3(frame[outcome], frame[x.columns], ww)
        return fit, pd.Series(vif(frame[x.columns].to_numpy()), index=x.columns), len(frame)

    raw = pd.DataFrame({d: data[members[d]].astype(float).mean(axis=1, skipna=True)
                        for d in drivers})
    fit, driver_vif, n_used = ols(raw)
    coef = {d: float(fit.params[d]) for d in drivers}
    pval = {d: float(fit.pvalues[d]) for d in drivers}
    significant = {d for d in drivers if pval[d] < CRITERIA.alpha and coef[d] > 0}
    score = {d: coef[d] * (100 - perf[d]) / 100 for d in drivers}
    order = _order({d: score[d] for d in significant}) + tuple(
        sorted((d for d in drivers if d not in significant), key=lambda d: pval[d]))
    item_fit, item_vif, item_n = ols(data[all_items].astype(float))
    out["regression"] = MethodResult(
        "regression", True,
        rows=tuple({"driver": d, "importance": coef[d], "se": float(fit.bse[d]),
                    "p_value": pval[d], "vif": float(driver_vif[d]), "performance": perf[d],
                    "priority_score": score[d], "significant": d in significant}
                   for d in drivers),
        priorities=order,
        items=tuple({"item": i, "latent": _owner(members, i),
                     "importance": float(item_fit.params[i]), "se": float(item_fit.bse[i]),
                     "p_value": float(item_fit.pvalues[i]), "vif": float(item_vif[i]),
                     "performance": item_perf[i]} for i in all_items),
        detail={"outcome": outcome, "n": n_used, "r2": float(fit.rsquared),
                "adj_r2": float(fit.rsquared_adj), "cov_type": "HC3",
                "items_n": item_n, "items_r2": float(item_fit.rsquared),
                "max_item_vif": float(item_vif.max()),
                "negative_significant_items": [i for i in all_items
                                               if item_fit.params[i] < 0
                                               and item_fit.pvalues[i] < CRITERIA.alpha]})

    # 5. SEM: the IPMA of the target (dimensions where a driver is higher-order).
    target = bound.model.target
    sem = {p.driver: p for p in ipma_points
           if p.target == target and p.driver in drivers and p.kind in ("construct", "dimension")}
    if sem:
        score = {d: p.importance * (100 - p.performance) / 100 for d, p in sem.items()}
        out["sem"] = MethodResult(
            "sem", True,
            rows=tuple({"driver": d, "importance": p.importance, "performance": p.performance,
                        "priority_score": score[d], "quadrant": p.quadrant}
                       for d, p in sem.items()),
            priorities=_order(score))
    else:
        out["sem"] = MethodResult("sem", False, reason="No PLS estimate (IPMA) is available.",
                                  reason_code="no_pls")
    return out


def _no_stated_importance(ratings: Sequence[Any], data: pd.DataFrame,
                          drivers: Sequence[str]) -> MethodResult:
    """Why the dual evaluation cannot run: no ratings in the questionnaire, none in the data,
    or none of a driver (a higher-order construct's rating is not one of its dimensions')."""
    present = [r for r in ratings if r.id in data.columns]
    if not ratings:
        code, reason = ("no_importance_items", "The questionnaire has no stated-importance "
                                               "ratings of the drivers (section 'importance').")
    elif not present:
        code, reason = ("no_importance_columns", "The data has none of the questionnaire's "
                        f"stated-importance columns ({', '.join(r.id for r in ratings)}).")
    else:
        code, reason = ("no_importance_of_drivers", "The stated-importance ratings are of "
                        f"{', '.join(dict.fromkeys(r.of for r in present))}, none of which is a "
                        f"driver compared here ({', '.join(drivers)}; a higher-order "
                        "construct's dimensions are its drivers).")
    return MethodResult("dual_evaluation", False, reason=reason, reason_code=code,
                        detail={"rated": list(dict.fromkeys(r.of for r in present)),
                                "columns": [r.id for r in ratings]})


def disagreements(results: Mapping[str, MethodResult]) -> dict[str, Any]:
    """Each driver's rank under every method, the drivers whose ranks differ by at least
    RANK_GAP places, the top three of each method, and Kendall's tau between methods."""
    ranks: dict[str, dict[str, int]] = {}
    for name, r in results.items():
        if r.available:
            for k, d in enumerate(r.priorities, start=1):
                ranks.setdefault(d, {})[name] = k
    flagged = [{"driver": d, "ranks": rk, "gap": max(rk.values()) - min(rk.values())}
               for d, rk in ranks.items() if len(rk) > 1 and
               max(rk.values()) - min(rk.values()) >= RANK_GAP]
    tau = []
    names = [n for n, r in results.items() if r.available]
    for a, b in combinations(names, 2):
        common = [d for d in results[a].priorities if d in results[b].priorities]
        if len(common) >= 3:
            t = kendall_tau([results[a].priorities.index(d) for d in common],
                            [results[b].priorities.index(d) for d in common])
            tau.append({"a": a, "b": b, "tau": t, "n": len(common)})
    return {"ranks": ranks, "flagged": sorted(flagged, key=lambda f: -f["gap"]),
            "top3": {n: list(results[n].priorities[:3]) for n in names}, "kendall_tau": tau,
            "rank_gap": RANK_GAP}


def _owner(members: Mapping[str, Sequence[str]], item: str) -> str:
    return next(d for d, its in members.items() if item in its)
