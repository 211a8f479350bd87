"""What a comparison of two respondent groups is: the estimator settings every level and group
shares (:class:`GroupSpec`), and the typed results of the tests (a parameter test, MICOM, the
CB-SEM invariance steps, a pair of levels, every pair of one segment column) with their JSON.
The tests themselves are :mod:`survey.analysis.pls_groups` and :mod:`survey.analysis.
cbsem_groups`; :mod:`survey.analysis.segments` runs them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from survey.assess import CRITERIA
from survey.errors import EstimationError
from survey.estimators import (
    ESTIMATORS,
    MISSING,
    estimate_model,
)
from survey.estimators.bootstrap import BootstrapSettings
from survey.estimators.result import Estimate
from survey.numbers import finite as _num
from survey.numbers import plain
from survey.pathmodel import BoundModel

if TYPE_CHECKING:  # the CB-SEM multigroup engine (semopy) is loaded only when it runs
    from survey.estimators import LatentMean


def level_key(value: Any) -> str | None:
    """A segment value as the level's string; None for a missing value (NaN, None, empty).
    Integral numbers print without decimals (1.0 -> "1"), as questionnaire codes do."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        text = value.strip()
        return text or None
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if not math.isfinite(value):
            return None
        return plain(value)
    return str(value)


#: The estimators segments are estimated and compared with: PLS (permutation tests on the
#: batched kernel) and CB-SEM (multi-group likelihood ratios); not consistent PLS.
SEGMENT_ESTIMATORS = tuple(m for m in ESTIMATORS if m != "plsc")


@dataclass(frozen=True)
class GroupSpec:
    """Estimator settings shared by every level and every group of a comparison."""

    method: str
    missing: str
    scheme: str
    hoc: str
    weights: str | None

    @classmethod
    def make(cls, method: str, missing: str | None, scheme: str, hoc: str,
             weights: str | None) -> GroupSpec:
        if method not in SEGMENT_ESTIMATORS:
            raise EstimationError(f"Unknown method {method!r} for segments. Expected one of "
                                  f"{list(SEGMENT_ESTIMATORS)}.")
        missing = missing or MISSING[method][0]
        if missing not in MISSING[method]:
            raise EstimationError(f"Missing-data treatment {missing!r} is not available for "
                                  f"{method}. Expected one of {list(MISSING[method])}.")
        return cls(method, missing, scheme, hoc, weights)

    def estimate(self, bound: BoundModel, rows: pd.DataFrame, *, source: str,
                 bootstrap: BootstrapSettings | None = None,
                 interval: str = "percentile") -> Estimate:
        return estimate_model(self.method, bound, rows, missing=self.missing,
                              scheme=self.scheme, hoc=self.hoc, weights=self.weights,
                              bootstrap=bootstrap, interval=interval, source=source)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method, "missing": self.missing,
                               "weights_column": self.weights}
        if self.method == "pls":
            out.update(scheme=self.scheme, higher_order=self.hoc)
        return out


#: Why two levels are not compared by weighted CB-SEM (each level is estimated weighted).
CBSEM_WEIGHTED_COMPARISON = (
    "Levels are not compared by CB-SEM with case weights: the invariance and path tests are "
    "likelihood-ratio tests, and under sampling weights lavaan replaces them by the scaled "
    "(Satorra-Bentler 2001) difference of the Yuan-Bentler statistics, which the multi-group "
    "model does not compute yet; the plain difference of weighted likelihoods is not "
    "chi-square distributed. Compare the levels with --method pls (permutation tests), or "
    "without weights.")


# --------------------------------------------------------------------------- comparisons: shared


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjustment (Holm 1979, Scand. J. Statistics 6, 65-70); None stays None."""
    idx = [i for i, p in enumerate(p_values) if p is not None and math.isfinite(p)]
    out: list[float | None] = [None] * len(p_values)
    m = len(idx)
    running = 0.0
    for rank, i in enumerate(sorted(idx, key=lambda i: p_values[i])):
        running = max(running, min(1.0, (m - rank) * float(p_values[i])))
        out[i] = running
    return out


@dataclass(frozen=True)
class ParameterTest:
    """The difference of one path or index between two levels and its test.

    ``kind`` 'path' (``a`` -> ``b``), 'index' (``a`` the latent), or 'loading' (CB-SEM's
    heuristic per-loading comparison, ``a`` the latent, ``b`` the item). ``test``:
    'permutation' (PLS), 'lr' (CB-SEM paths: likelihood ratio of the two-group equal-loadings
    model against it with the parameter held equal; ``chi2`` and ``df`` the chi2 difference
    and its df), 'wald' (CB-SEM loadings, independent samples) or 'none'. ``p_holm``:
    Holm-adjusted over the pairs of levels compared for this parameter. ``comparable``:
    whether the measurement invariance the comparison needs was established (None: not
    assessed).
    """

    kind: str
    a: str
    b: str
    value_1: float | None
    value_2: float | None
    difference: float | None
    p_value: float | None
    test: str
    p_holm: float | None = None
    interval: tuple[float | None, float | None] = (None, None)
    comparable: bool | None = None
    note: str = ""
    chi2: float | None = None
    df: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.kind == "path":
            out.update({"from": self.a, "to": self.b})
        elif self.kind == "index":
            out["latent"] = self.a
        else:
            out.update({"latent": self.a, "item": self.b})
        out.update({"value_1": _num(self.value_1), "value_2": _num(self.value_2),
                    "difference": _num(self.difference), "p_value": _num(self.p_value),
                    "p_holm": _num(self.p_holm), "test": self.test,
                    "null_interval": [_num(self.interval[0]), _num(self.interval[1])],
                    "comparable": self.comparable, "note": self.note})
        if self.test == "lr":
            out.update({"chi2_difference": _num(self.chi2), "df_difference": self.df})
        return out


@dataclass(frozen=True)
class MicomConstruct:
    """MICOM steps 2 and 3 for one construct (Henseler et al. 2016, Table 2).

    ``c``: correlation of the composite built with group 1's weights and with group 2's, on the
    pooled data; ``c_quantile`` the alpha quantile of its permutation distribution and ``c_p``
    the share of permutations with a c at most as large. Step 3 on the pooled-weights
    composite, standardized on the pooled data: mean difference (group 1 - group 2) and log
    variance ratio log(var_1 / var_2) with their permutation intervals and p-values. The
    decisions (``compositional``, ``equal_mean``, ``equal_variance``) use the Holm-adjusted
    p-values over the constructs (``*_p_holm``), so the familywise error of each step is alpha.
    """

    latent: str
    c: float
    c_quantile: float
    c_p: float
    compositional: bool
    mean_difference: float
    mean_interval: tuple[float, float]
    mean_p: float
    equal_mean: bool
    log_variance_ratio: float
    variance_interval: tuple[float, float]
    variance_p: float
    equal_variance: bool
    c_p_holm: float | None = None
    mean_p_holm: float | None = None
    variance_p_holm: float | None = None

    @property
    def invariance(self) -> str:
        """'full' (composition, means and variances), 'partial' (composition) or 'none'."""
        if not self.compositional:
            return "none"
        return "full" if self.equal_mean and self.equal_variance else "partial"

    def to_json(self) -> dict[str, Any]:
        return {"latent": self.latent, "c": _num(self.c), "c_quantile": _num(self.c_quantile),
                "c_p_value": _num(self.c_p), "compositional_invariance": self.compositional,
                "mean_difference": _num(self.mean_difference),
                "mean_interval": [_num(x) for x in self.mean_interval],
                "mean_p_value": _num(self.mean_p), "equal_mean": self.equal_mean,
                "log_variance_ratio": _num(self.log_variance_ratio),
                "variance_interval": [_num(x) for x in self.variance_interval],
                "variance_p_value": _num(self.variance_p), "equal_variance": self.equal_variance,
                "c_p_holm": _num(self.c_p_holm), "mean_p_holm": _num(self.mean_p_holm),
                "variance_p_holm": _num(self.variance_p_holm),
                "invariance": self.invariance}


#: MICOM step 1, as this module establishes it.
CONFIGURAL = ("Configural invariance holds by construction: both groups are estimated with the "
              "same model (constructs, items, paths, modes), the same PLS settings (scheme, "
              "higher-order method, tolerance, sign rule) and the same data treatment, each "
              "group's missing answers replaced by that group's own item means (mean "
              "replacement) or its incomplete respondents dropped (listwise), exactly as when "
              "the group is estimated alone.")


@dataclass(frozen=True)
class Micom:
    """MICOM for one pair of groups: step 1 (stated), steps 2-3 per construct, the verdict."""

    constructs: tuple[MicomConstruct, ...]
    alpha: float
    configural: str = CONFIGURAL

    @property
    def verdict(self) -> str:
        """'full', 'partial' or 'no' measurement invariance (Henseler et al. 2016, Fig. 3)."""
        kinds = {x.invariance for x in self.constructs}
        if "none" in kinds:
            return "no"
        return "full" if kinds == {"full"} else "partial"

    def construct(self, latent: str) -> MicomConstruct:
        for x in self.constructs:
            if x.latent == latent:
                return x
        raise KeyError(latent)

    def note(self) -> str:
        failed = [x.latent for x in self.constructs if not x.compositional]
        text = {"full": "Full measurement invariance: the groups' composites are built alike "
                        "and have equal means and variances; path and index comparisons are "
                        "meaningful (and the groups could be pooled).",
                "partial": "Partial measurement invariance: the composites are built alike, "
                           "so paths and index levels can be compared; their means or "
                           "variances differ between the groups.",
                "no": f"No measurement invariance: the composites of {failed} are built "
                      "differently in the two groups (MICOM step 2), so their indices and the "
                      "paths into and out of them are not comparable between the groups."}
        return text[self.verdict]

    def to_json(self) -> dict[str, Any]:
        return {"configural": self.configural, "alpha": self.alpha,
                "constructs": [x.to_json() for x in self.constructs],
                "verdict": self.verdict, "note": self.note(),
                "meaning": "Comparing index levels or paths between groups is meaningful only "
                           "under (at least partial) measurement invariance."}


@dataclass(frozen=True)
class CbsemGroupFit:
    """Fit of one CB-SEM model (a group, or the multi-group total)."""

    chi2: float | None
    df: int | None
    cfi: float | None
    tli: float | None
    rmsea: float | None
    n: int

    def to_json(self) -> dict[str, Any]:
        return {"chi2": _num(self.chi2), "df": self.df, "cfi": _num(self.cfi),
                "tli": _num(self.tli), "rmsea": _num(self.rmsea), "n": self.n}


#: What the scalar model holds equal and frees (survey.estimators.multigroup explains why).
SCALAR_CONSTRAINTS = (
    "Loadings and item intercepts equal in both groups; latent means 0 in the first group and "
    "free in the second (lavaan's group.equal = c(\"loadings\", \"intercepts\")). A "
    "single-item construct's intercept stays free in each group, as a structural intercept (one "
    "item cannot separate an intercept from a latent mean). A second-order construct: its dimensions' item intercepts "
    "equal, the dimensions' own intercepts 0 in both groups, the second-order mean free in "
    "the second group (Chen, Sousa & West 2005).")


@dataclass(frozen=True)
class InvarianceStep:
    """A two-group model restricting the metric (equal-loadings) model, tested against it by
    likelihood ratio: ``scalar`` (equal item intercepts, with the second group's latent means)
    or ``paths_equal`` (every structural path equal: the omnibus test of the path
    differences)."""

    name: str
    against: str
    fit: CbsemGroupFit | None
    chi2_difference: float | None = None
    df_difference: int | None = None
    p_value: float | None = None
    cfi_difference: float | None = None
    reason: str = ""
    latent_means: tuple[LatentMean, ...] = ()

    @property
    def holds(self) -> bool | None:
        """The restriction not rejected by the likelihood-ratio test at the significance level
        (None: not run)."""
        return None if self.p_value is None else self.p_value >= CRITERIA.alpha

    def to_json(self) -> dict[str, Any]:
        if self.fit is None:
            return {"available": False, "reason": self.reason}
        out: dict[str, Any] = {
            "available": True, "against": self.against, "fit": self.fit.to_json(),
            "chi2_difference": _num(self.chi2_difference), "df_difference": self.df_difference,
            "p_value": _num(self.p_value), "cfi_difference": _num(self.cfi_difference),
            "holds": self.holds}
        if self.name == "scalar":
            out.update(
                constraints=SCALAR_CONSTRAINTS,
                latent_means=[{"latent": m.latent, "mean_1": 0.0, "mean_2": _num(m.estimate),
                               "difference": _num(-m.estimate), "se": _num(m.se),
                               "p_value": _num(m.p_value)} for m in self.latent_means],
                note="Equal intercepts are rejected when the likelihood-ratio test against the "
                     f"metric model has p < {CRITERIA.alpha:g} (with large samples also look at the CFI "
                     "difference, Cheung & Rensvold 2002). Latent means: the first group's are "
                     "0; mean_2 is the second group's in the unit of the construct's marker "
                     "item, difference = level_1 - level_2, standard errors from the observed "
                     "information; comparable only when scalar invariance holds.")
        else:
            out["note"] = ("Omnibus test of the path differences: every structural path held "
                           "equal in the equal-loadings model; the paths' own tests are the "
                           "'lr' rows of the pair's tests.")
        return out


@dataclass(frozen=True)
class CbsemInvariance:
    """Configural, metric and scalar invariance of a CB-SEM model across two groups, and the
    omnibus test of equal paths."""

    groups: Mapping[str, CbsemGroupFit]
    configural: CbsemGroupFit
    metric: CbsemGroupFit | None
    metric_reason: str
    chi2_difference: float | None
    df_difference: int | None
    p_value: float | None
    cfi_difference: float | None
    method: str
    scalar: InvarianceStep | None = None
    paths_equal: InvarianceStep | None = None

    @property
    def metric_holds(self) -> bool | None:
        """Equal loadings not rejected by the likelihood-ratio test at the significance level
        (None: not run)."""
        return None if self.p_value is None else self.p_value >= CRITERIA.alpha

    def to_json(self) -> dict[str, Any]:
        metric: dict[str, Any]
        if self.metric is None:
            metric = {"available": False, "reason": self.metric_reason}
        else:
            metric = {"available": True, "fit": self.metric.to_json(),
                      "chi2_difference": _num(self.chi2_difference),
                      "df_difference": self.df_difference, "p_value": _num(self.p_value),
                      "cfi_difference": _num(self.cfi_difference),
                      "holds": self.metric_holds, "method": self.method,
                      "note": "Equal loadings are rejected when the likelihood-ratio test has "
                              f"p < {CRITERIA.alpha:g}; with large samples also look at the CFI difference "
                              "(a drop of more than 0.01 signals non-invariance; Cheung & "
                              "Rensvold 2002, SEM 9(2))."}
        return {"configural": {"groups": {k: v.to_json() for k, v in self.groups.items()},
                               "total": self.configural.to_json(),
                               "note": "Each group fitted separately with the same model; the "
                                       "total is the sum of the groups' chi2 and df (the "
                                       "multi-group configural model), RMSEA with the "
                                       "multi-group correction sqrt(G) (as lavaan)."},
                "metric": metric,
                "scalar": None if self.scalar is None else self.scalar.to_json(),
                "paths_equal": None if self.paths_equal is None else self.paths_equal.to_json()}


@dataclass(frozen=True)
class PairComparison:
    """Two levels of a segment compared: every test, MICOM (PLS) or the invariance steps
    (CB-SEM), the permutation run's bookkeeping, and the group estimates behind them."""

    segment: str
    level_1: str
    level_2: str
    n_1: int
    n_2: int
    method: str
    tests: tuple[ParameterTest, ...]
    micom: Micom | None = None
    cbsem: CbsemInvariance | None = None
    permutations: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""
    #: The groups' own estimates (the numbers the differences are taken from).
    estimates: tuple[Estimate | None, Estimate | None] = field(default=(None, None),
                                                               compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "permutations", MappingProxyType(dict(self.permutations)))

    def test(self, kind: str, a: str, b: str = "") -> ParameterTest:
        for t in self.tests:
            if (t.kind, t.a, t.b) == (kind, a, b):
                return t
        raise KeyError((kind, a, b))

    def table(self) -> pd.DataFrame:
        """One row per test: kind, a, b, value_1, value_2, difference, p_value, p_holm, ..."""
        return pd.DataFrame([{"kind": t.kind, "a": t.a, "b": t.b, "value_1": t.value_1,
                              "value_2": t.value_2, "difference": t.difference,
                              "p_value": t.p_value, "p_holm": t.p_holm, "test": t.test,
                              "chi2": t.chi2, "df": t.df, "comparable": t.comparable}
                             for t in self.tests])

    def to_json(self) -> dict[str, Any]:
        return {"segment": str(self.segment), "level_1": self.level_1, "level_2": self.level_2,
                "n": {self.level_1: self.n_1, self.level_2: self.n_2}, "method": self.method,
                "difference": "level_1 - level_2",
                "tests": [t.to_json() for t in self.tests],
                "micom": None if self.micom is None else self.micom.to_json(),
                "cbsem": None if self.cbsem is None else self.cbsem.to_json(),
                "permutations": dict(self.permutations), "note": self.note}


@dataclass(frozen=True)
class SegmentComparison:
    """Every pair of levels of one segment compared."""

    segment: str
    levels: tuple[str, ...]
    pairs: tuple[PairComparison, ...]
    note: str = ""

    def pair(self, level_1: Any, level_2: Any) -> PairComparison:
        a, b = level_key(level_1), level_key(level_2)
        for p in self.pairs:
            if (p.level_1, p.level_2) in ((a, b), (b, a)):
                return p
        raise KeyError((level_1, level_2))

    def to_json(self) -> dict[str, Any]:
        return {"segment": str(self.segment), "levels": list(self.levels), "note": self.note,
                "p_adjust": "holm, over the pairs of levels for each parameter",
                "pairs": [p.to_json() for p in self.pairs]}
