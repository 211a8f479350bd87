"""Two groups compared by CB-SEM: configural, metric and scalar invariance by likelihood ratio
in a two-group ML model (the public multi-group fit, :class:`survey.estimators.
MultiGroupModel`), and path differences by likelihood ratio inside the metric
(equal-loadings) model: each path held equal (1 df) and all paths together.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pandas as pd
from scipy import stats

from survey.analysis.comparison import (
    CbsemGroupFit,
    CbsemInvariance,
    GroupSpec,
    InvarianceStep,
    PairComparison,
    ParameterTest,
)
from survey.errors import EstimationError
from survey.estimators import (
    METRIC,
    SCALAR,
    Equalities,
    LikelihoodRatio,
    MultiGroupFit,
    MultiGroupModel,
    lr_test,
)
from survey.estimators.result import Estimate
from survey.pathmodel import BoundModel

#: The value pyramid of SOURCE.md §3: tier and its share of customers, from the top.
# --------------------------------------------------------------------------- CB-SEM


def _mg_fit(chi2: float, df: int, chi2_base: float, df_base: int, n: int,
            groups: int) -> CbsemGroupFit:
    """Multi-group CFI, TLI and RMSEA from summed chi2 and df (lavaan's definitions; RMSEA
    multiplied by sqrt(groups), Steiger 1998)."""
    num = max(chi2 - df, 0.0)
    den = max(chi2 - df, chi2_base - df_base, 0.0)
    cfi = 1.0 - num / den if den > 0 else 1.0
    tli = ((chi2_base / df_base - chi2 / df) / (chi2_base / df_base - 1.0)
           if df > 0 and df_base > 0 and chi2_base / df_base != 1 else None)
    rmsea = math.sqrt(num / (df * n)) * math.sqrt(groups) if df > 0 else None
    return CbsemGroupFit(chi2, df, cfi, tli, rmsea, n)


class _Fits:
    """The two-group models of one CB-SEM pair (``model``, None when it could not be built,
    with the reason), each fitted once, a restricted model from the estimates of the model
    it restricts; a model that cannot be fitted or does not converge is None with the
    reason."""

    #: The general models: equalities and the model each restricts.
    GENERAL: dict[str, tuple[Equalities, str | None]] = {
        "configural": (Equalities(), None), "metric": (METRIC, "configural")}
    NAMES = {"configural": "configural", "metric": "equal-loadings",
             "scalar": "equal-intercepts", "paths_equal": "equal-paths"}

    def __init__(self, model: MultiGroupModel | None, reason: str) -> None:
        self.model = model
        self.failed = reason
        self.fits: dict[str, MultiGroupFit | None] = {}
        self.reasons: dict[str, str] = {}

    def fit(self, name: str, equal: Equalities, general: str | None) -> MultiGroupFit | None:
        if name in self.fits:
            return self.fits[name]
        start = None if general is None else self.fit(general, *self.GENERAL[general])
        out = None
        what = self.NAMES.get(name, f"'{name}'")
        if self.model is None:
            self.reasons[name] = self.failed
        elif general is not None and start is None:
            self.reasons[name] = self.reasons[general]
        else:
            try:
                out = self.model.fit(equal, start)
            except EstimationError as exc:
                self.reasons[name] = f"The {what} model could not be fitted: {exc}"
            else:
                if not out.converged:
                    self.reasons[name] = f"The {what} model did not converge."
                    out = None
        self.fits[name] = out
        return out

    def test(self, name: str, equal: Equalities, general: str
             ) -> tuple[MultiGroupFit | None, LikelihoodRatio | None, str]:
        """Fit ``name`` and test it against ``general`` by likelihood ratio."""
        restricted = self.fit(name, equal, general)
        base = self.fits[general]
        if restricted is None or base is None:
            return None, None, self.reasons[name]
        return restricted, lr_test(base, restricted), ""


def compare_cbsem(bound: BoundModel, spec: GroupSpec, column: str, levels: tuple[str, str],
                   rows: tuple[pd.DataFrame, pd.DataFrame], where: tuple[str, str],
                   estimate: Callable[[Any, pd.DataFrame, str], Estimate]) -> PairComparison:
    """Configural: each group fitted alone (as estimate_cbsem); the multi-group configural
    model (:mod:`survey.estimators.multigroup`) reproduces the sum of these fits and is the
    base of the tests. Metric: equal loadings, likelihood ratio against the configural model.
    Scalar: equal loadings and item intercepts (structured means), likelihood ratio against
    the metric model. Paths: inside the metric model (equal loadings, so the paths of the two
    groups are on one scale), each path held equal by a 1-df likelihood ratio and all paths
    together (omnibus); a Wald test on the separately fitted groups ignores that their
    loadings, hence the latent scales, differ (Holzinger-Swineford by school: visual -> speed
    Wald p = 0.047, lavaan's likelihood ratio p = 0.081)."""
    items = list(bound.items)
    if spec.missing == "listwise":
        rows = tuple(r[r[items].notna().all(axis=1)] for r in rows)  # type: ignore[assignment]
    ests = tuple(estimate(x, r, w) for x, r, w in zip(levels, rows, where, strict=True))
    groups = {}
    for level, est in zip(levels, ests, strict=True):
        f = est.fit
        groups[level] = CbsemGroupFit(f.get("chi2"), f.get("df"), f.get("cfi"), f.get("tli"),
                                      f.get("rmsea"), est.n)
    fits = [e.fit for e in ests]
    n_total = sum(e.n for e in ests)
    chi2_c = float(sum(f["chi2"] for f in fits))
    df_c = int(sum(f["df"] for f in fits))
    base_chi2 = float(sum(f["baseline_chi2"] for f in fits))
    base_df = int(sum(f["baseline_df"] for f in fits))
    configural = _mg_fit(chi2_c, df_c, base_chi2, base_df, n_total, 2)

    def overall(fit: MultiGroupFit) -> CbsemGroupFit:
        return _mg_fit(fit.chi2, fit.df, base_chi2, base_df, n_total, 2)

    try:
        model, failed = MultiGroupModel(bound, rows, missing=spec.missing, where=where), ""
    except EstimationError as exc:
        model, failed = None, f"The multi-group model could not be built: {exc}"
    runs = _Fits(model, failed)
    metric = None
    reason = ""
    chi2_d = df_d = p = cfi_d = None
    metric_fit, lr, reason = runs.test("metric", METRIC, "configural")
    if metric_fit is not None and lr is not None:
        metric = overall(metric_fit)
        chi2_d, df_d, p = lr.chi2, lr.df, lr.p_value
        cfi_d = (metric.cfi or 0.0) - (configural.cfi or 0.0)
    scalar = _step(runs, "scalar", SCALAR, overall, metric)
    all_paths = Equalities(loadings=True, paths=tuple(bound.model.paths))
    paths_equal = _step(runs, "paths_equal", all_paths, overall, metric)
    invariance = CbsemInvariance(
        groups, configural, metric, reason, chi2_d, df_d, p, cfi_d,
        method="two-group ML (FIML with missing answers), item means free in each group, "
               "loadings held equal; likelihood-ratio test against the configural model",
        scalar=scalar, paths_equal=paths_equal)
    holds = invariance.metric_holds
    tests = []
    for p1 in ests[0].paths:
        p2 = ests[1].path(p1.source, p1.target)
        equal = Equalities(loadings=True, paths=((p1.source, p1.target),))
        _, lr, why = runs.test(f"path {p1.source} -> {p1.target}", equal, "metric")
        tests.append(ParameterTest(
            "path", p1.source, p1.target, p1.estimate, p2.estimate,
            p1.estimate - p2.estimate, None if lr is None else lr.p_value, "lr",
            comparable=holds, chi2=None if lr is None else lr.chi2,
            df=None if lr is None else lr.df,
            note=("unstandardized paths of the separately fitted groups; p: likelihood ratio "
                  "of the equal-loadings model against it with this path held equal" if lr
                  else why)))
    for x1 in ests[0].loadings:
        x2 = next(x for x in ests[1].loadings if (x.latent, x.item) == (x1.latent, x1.item))
        if x1.se is None or x2.se is None:
            continue  # a marker loading, fixed at 1 in both groups
        tests.append(_wald("loading", x1.latent, x1.item, x1.estimate, x1.se, x2.estimate,
                           x2.se, None, "heuristic: per-loading Wald comparison of the "
                                        "separately fitted groups (depends on the marker "
                                        "item); use it to locate, not to establish, "
                                        "non-invariance"))
    for i1 in ests[0].indices:
        v2 = ests[1].index(i1.latent)
        diff = None if i1.value is None or v2 is None else i1.value - v2
        tests.append(ParameterTest("index", i1.latent, "", i1.value, v2, diff, None, "none",
                                   comparable=holds,
                                   note="no test: CB-SEM indices have no standard error "
                                        "without a bootstrap; use PLS permutation tests"))
    note = ("Metric invariance holds: loadings can be taken as equal; path differences are "
            "interpretable." if holds else
            "Metric invariance is rejected: the items do not measure the constructs alike in "
            "the two groups; compare paths and indices with caution." if holds is False else
            "Metric invariance could not be assessed: " + reason)
    if holds and scalar.holds is not None:
        note += (" Scalar invariance holds: the item intercepts can be taken as equal, so the "
                 "groups' latent means can be compared." if scalar.holds else
                 " Scalar invariance is rejected: the item intercepts differ, so differences "
                 "in the item means are not only differences in the latent means.")
    return PairComparison(column, levels[0], levels[1], len(rows[0]), len(rows[1]), "cbsem",
                          tuple(replace(t, p_holm=t.p_value) for t in tests), cbsem=invariance,
                          note=note, estimates=ests)


def _step(runs: _Fits, name: str, equal: Equalities, overall, metric: CbsemGroupFit | None
          ) -> InvarianceStep:
    """A model restricting the metric model, tested against it."""
    fit, lr, reason = runs.test(name, equal, "metric")
    if fit is None or lr is None or metric is None:
        return InvarianceStep(name, "metric", None, reason=reason)
    total = overall(fit)
    return InvarianceStep(name, "metric", total, lr.chi2, lr.df, lr.p_value,
                          (total.cfi or 0.0) - (metric.cfi or 0.0),
                          latent_means=fit.latent_means)


def _wald(kind: str, a: str, b: str, v1: float, se1: float | None, v2: float,
          se2: float | None, comparable: bool | None, note: str) -> ParameterTest:
    d = float(v1 - v2)
    p = None
    if se1 is not None and se2 is not None and se1 > 0 and se2 > 0:
        z = d / math.sqrt(se1 ** 2 + se2 ** 2)
        p = float(2 * stats.norm.sf(abs(z)))
    return ParameterTest(kind, a, b, float(v1), float(v2), d, p, "wald", comparable=comparable,
                         note=note)
