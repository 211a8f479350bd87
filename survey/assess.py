"""The assessment of an estimate against published criteria, as data frames with verdicts.

:class:`Criteria` holds every threshold of the measurement and structural assessment and the
significance level, each with its source; :func:`assess` applies them to an estimate and
returns one data frame per check (loadings, reliability, Fornell-Larcker, HTMT,
cross-loadings, collinearity, formative items, paths, global fit) with a ``verdict`` column.
The verdict functions below are the only place a threshold is compared: the HTML report shows
their verdicts, a notebook reads the same frames (``res.assess()``), with other criteria if the
study needs them (``Criteria(loading_min=0.7)``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import pandas as pd

from survey.numbers import finite as _num

if TYPE_CHECKING:
    from survey.estimators.result import Estimate
    from survey.pathmodel import BoundModel

HAIR_2019 = ("Hair, Risher, Sarstedt & Ringle 2019, 'When to use and how to report the results "
             "of PLS-SEM', European Business Review 31(1), table 1")


def _c(value: Any, source: str) -> Any:
    return field(default=value, metadata={"source": source})


@dataclass(frozen=True)
class Criteria:
    """Thresholds of the assessment; ``source(name)`` cites where each comes from."""

    #: An item's standardized loading: the construct explains at least half its variance.
    loading_min: float = _c(0.708, HAIR_2019)
    #: Cronbach's alpha, rho_A, rho_C and omega (internal-consistency reliability).
    reliability_min: float = _c(0.70, HAIR_2019)
    #: Average variance extracted (convergent validity).
    ave_min: float = _c(0.50, "Fornell & Larcker 1981, J. Marketing Research 18(1); "
                              + HAIR_2019)
    #: HTMT for conceptually distinct constructs, and for similar ones.
    htmt_strict: float = _c(0.85, "Henseler, Ringle & Sarstedt 2015, J. Academy of Marketing "
                                  "Science 43, 115-135")
    htmt_liberal: float = _c(0.90, "Henseler, Ringle & Sarstedt 2015")
    #: VIF: "below 3" is the rule, 5 the hard limit.
    vif_warn: float = _c(3.0, HAIR_2019)
    vif_max: float = _c(5.0, HAIR_2019)
    #: A formative item whose weight is not significant is kept while its loading is at least
    #: this.
    formative_loading_min: float = _c(0.50, "Hair, Hult, Ringle & Sarstedt 2017, A Primer on "
                                            "PLS-SEM, 2nd ed., ch. 5")
    #: Significance level of every test the report marks.
    alpha: float = _c(0.05, "Convention (Fisher 1925); Hair et al. 2017 use it throughout")
    #: Cohen's f² effect sizes: large, medium, small (below small: negligible).
    f2_sizes: tuple[tuple[float, str], ...] = _c(
        ((0.35, "large"), (0.15, "medium"), (0.02, "small")),
        "Cohen 1988, Statistical Power Analysis for the Behavioral Sciences, 2nd ed.")
    #: Global fit (CB-SEM): measure -> (good, acceptable, higher is better).
    fit_cutoffs: tuple[tuple[str, float, float, bool], ...] = _c(
        (("cfi", 0.95, 0.90, True), ("tli", 0.95, 0.90, True), ("rmsea", 0.06, 0.08, False),
         ("srmr", 0.08, 0.10, False)),
        "Hu & Bentler 1999, Structural Equation Modeling 6(1), 1-55")

    def source(self, name: str) -> str:
        """Where the criterion ``name`` comes from."""
        for f in fields(self):
            if f.name == name:
                return f.metadata["source"]
        raise KeyError(name)

    def table(self) -> pd.DataFrame:
        """Every criterion with its value and source."""
        return pd.DataFrame([{"criterion": f.name, "value": getattr(self, f.name),
                              "source": f.metadata["source"]} for f in fields(self)])

    def cutoff(self, measure: str) -> tuple[float, float, bool] | None:
        """(good, acceptable, higher is better) of a fit measure; a robust measure is judged
        by the cut-offs of the plain one. None for a measure without cut-offs."""
        base = measure.removesuffix("_robust")
        for name, good, ok, higher in self.fit_cutoffs:
            if name == base:
                return good, ok, higher
        return None


CRITERIA = Criteria()


# --------------------------------------------------------------------------- verdicts


def at_least(value: Any, threshold: float) -> str | None:
    """'ok' or 'low' against a minimum; None when there is no number."""
    v = _num(value)
    return None if v is None else "ok" if v >= threshold else "low"


def vif_verdict(value: Any, c: Criteria = CRITERIA) -> str | None:
    """'ok', 'high' (at least vif_warn) or 'too_high' (at least vif_max)."""
    v = _num(value)
    if v is None:
        return None
    return "too_high" if v >= c.vif_max else "high" if v >= c.vif_warn else "ok"


def htmt_verdict(value: Any, c: Criteria = CRITERIA) -> str | None:
    """'ok', 'above_strict' (at least 0.85) or 'above_liberal' (at least 0.90)."""
    v = _num(value)
    if v is None:
        return None
    return ("above_liberal" if v >= c.htmt_liberal else "above_strict"
            if v >= c.htmt_strict else "ok")


def htmt_upper_verdict(upper: Any, c: Criteria = CRITERIA) -> str | None:
    """The upper bound of HTMT's bootstrap interval: 'ok' below htmt_liberal, else
    'above_liberal' (HTMT not significantly below it); None without an interval."""
    v = _num(upper)
    return None if v is None else "above_liberal" if v >= c.htmt_liberal else "ok"


def fit_verdict(measure: str, value: Any, c: Criteria = CRITERIA) -> str | None:
    """'good', 'acceptable' or 'poor'; None for a measure without cut-offs or no number."""
    cut, v = c.cutoff(measure), _num(value)
    if cut is None or v is None:
        return None
    good, ok, higher = cut
    better = (lambda a, b: a >= b) if higher else (lambda a, b: a <= b)
    return "good" if better(v, good) else "acceptable" if better(v, ok) else "poor"


def significant(p: Any, c: Criteria = CRITERIA) -> bool | None:
    """p below the significance level; None without a p-value."""
    v = _num(p)
    return None if v is None else v < c.alpha


def f2_size(value: Any, c: Criteria = CRITERIA) -> str | None:
    """'large', 'medium', 'small' or 'negligible' (Cohen)."""
    v = _num(value)
    if v is None:
        return None
    return next((name for cut, name in c.f2_sizes if v >= cut), "negligible")


def fornell_larcker_violated(corr: Any, sqrt_ave_a: Any, sqrt_ave_b: Any) -> bool | None:
    """A latent correlation above the smaller square root of the two AVEs."""
    v = _num(corr)
    limits = [s for s in (_num(sqrt_ave_a), _num(sqrt_ave_b)) if s is not None]
    return None if v is None or not limits else abs(v) > min(limits)


def keep_formative_item(p: Any, loading: Any, c: Criteria = CRITERIA) -> bool:
    """A formative item is a candidate for removal only when its weight is not significant
    and its loading is below formative_loading_min."""
    pv, lam = _num(p), _num(loading)
    return not (pv is not None and pv >= c.alpha and lam is not None
                and lam < c.formative_loading_min)


# --------------------------------------------------------------------------- assessment


@dataclass(frozen=True)
class Assessment:
    """One data frame per check, each with a ``verdict`` column (None: not assessable)."""

    criteria: Criteria
    loadings: pd.DataFrame
    reliability: pd.DataFrame
    fornell_larcker: pd.DataFrame
    htmt: pd.DataFrame
    cross_loadings: pd.DataFrame
    collinearity: pd.DataFrame
    formative: pd.DataFrame
    paths: pd.DataFrame
    fit: pd.DataFrame

    def problems(self) -> pd.DataFrame:
        """Every row of every check whose verdict is not a pass, with the check's name."""
        passes = {"ok", "good", "keep", "significant", None}
        out = []
        for name in ("loadings", "reliability", "fornell_larcker", "htmt", "cross_loadings",
                     "collinearity", "formative", "paths", "fit"):
            frame = getattr(self, name)
            if frame.empty:
                continue
            bad = frame[~frame["verdict"].isin(passes) & frame["verdict"].notna()]
            out.append(bad.assign(check=name))
        return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def bootstrap_rows(est: Estimate, kind: str) -> dict[tuple[str, str], dict[str, float | None]]:
    """Bootstrap summaries of one kind of parameter, keyed by (a, b), with the interval of the
    estimate's own interval type as 'low'/'high' (empty without a bootstrap)."""
    if est.bootstrap is None:
        return {}
    table = est.bootstrap.table()
    bca = est.settings.get("interval", "percentile") == "bca"
    lo, hi = ("bca_low", "bca_high") if bca else ("pct_low", "pct_high")
    return {(r.a, r.b): {"se": _num(r.se), "t": _num(r.t), "p": _num(r.p_value),
                         "low": _num(getattr(r, lo)), "high": _num(getattr(r, hi))}
            for r in table[table["kind"] == kind].itertuples(index=False)}


def assess(est: Estimate, bound: BoundModel, criteria: Criteria | None = None) -> Assessment:
    """Apply ``criteria`` (default :data:`CRITERIA`) to the estimate ``est`` of ``bound``."""
    c = criteria or CRITERIA
    constructs = list(bound.constructs)
    modes = dict(est.settings.get("modes") or {})
    mode = {x: modes.get(x, "A") for x in constructs}
    parent_of = {d: h for h, dims in bound.second_order for d in dims}
    own = {i.id: i.construct for i in bound.questionnaire.items}

    loadings = pd.DataFrame(
        [{"latent": x.latent, "item": x.item, "std_estimate": _num(x.std_estimate),
          "verdict": at_least(x.std_estimate, c.loading_min)}
         for x in est.loadings if mode.get(x.latent) != "B"],
        columns=["latent", "item", "std_estimate", "verdict"])

    rel_rows = []
    for x in constructs:
        values = est.reliability.get(x, {})
        row: dict[str, Any] = {"construct": x, "mode": mode.get(x, "A")}
        verdicts = []
        for measure in ("alpha", "rho_a", "rho_c", "omega", "ave"):
            v = None if mode.get(x) == "B" else _num(values.get(measure))
            row[measure] = v
            if v is not None and v > 1 and measure in ("rho_c", "omega"):
                row[f"{measure}_verdict"] = "above_one"
            else:
                row[f"{measure}_verdict"] = at_least(
                    v, c.ave_min if measure == "ave" else c.reliability_min)
            verdicts.append(row[f"{measure}_verdict"])
        known = [v for v in verdicts if v is not None]
        row["verdict"] = None if not known else "ok" if set(known) == {"ok"} else (
            "above_one" if "above_one" in known else "low")
        rel_rows.append(row)
    reliability = pd.DataFrame(rel_rows)

    sqrt_ave = {r["construct"]: math.sqrt(r["ave"]) if r["ave"] is not None and r["ave"] >= 0
                else None for r in rel_rows}
    fl_rows = []
    for a, b, v in est.latent_correlations:
        hoc_pair = parent_of.get(a) == b or parent_of.get(b) == a
        bad = fornell_larcker_violated(v, sqrt_ave.get(a), sqrt_ave.get(b))
        fl_rows.append({"a": a, "b": b, "correlation": _num(v), "sqrt_ave_a": sqrt_ave.get(a),
                        "sqrt_ave_b": sqrt_ave.get(b),
                        "verdict": "not_applicable" if hoc_pair else None if bad is None
                        else "violated" if bad else "ok"})
    fornell_larcker = pd.DataFrame(fl_rows, columns=["a", "b", "correlation", "sqrt_ave_a",
                                                     "sqrt_ave_b", "verdict"])

    htmt2 = {(a, b): v for a, b, v in est.htmt2}
    boot = bootstrap_rows(est, "htmt")
    htmt = pd.DataFrame(
        [{"a": a, "b": b, "htmt": _num(v), "htmt2": _num(htmt2.get((a, b))),
          "upper": boot.get((a, b), {}).get("high"),
          "upper_verdict": htmt_upper_verdict(boot.get((a, b), {}).get("high"), c),
          "verdict": htmt_verdict(v, c)}
         # HTMT assumes reflective measurement (Henseler et al. 2015).
         for a, b, v in est.htmt if mode.get(a) != "B" and mode.get(b) != "B"],
        columns=["a", "b", "htmt", "htmt2", "upper", "upper_verdict", "verdict"])

    values = {(i, x): _num(v) for i, x, v in est.cross_loadings}
    cl_rows = []
    for item in bound.items:
        home = own.get(item)
        if (item, home) not in values:
            continue
        mine = values[(item, home)]
        rivals = {x: v for (i, x), v in values.items() if i == item and x != home
                  and x != parent_of.get(home) and v is not None}
        higher = [x for x, v in rivals.items()
                  if mode.get(home) != "B" and mine is not None and abs(v) > abs(mine)]
        top = max(rivals, key=lambda x: abs(rivals[x]), default=None)
        cl_rows.append({"item": item, "construct": home, "own": mine, "highest_other": top,
                        "other": None if top is None else rivals[top],
                        "higher_on": tuple(higher),
                        "verdict": "higher_elsewhere" if higher else "ok"})
    cross = pd.DataFrame(cl_rows, columns=["item", "construct", "own", "highest_other", "other",
                                           "higher_on", "verdict"])

    model_paths = set(bound.model.paths)
    vif_rows = [{"kind": "inner", "a": a, "b": b, "vif": _num(v), "verdict": vif_verdict(v, c)}
                for a, b, v in est.inner_vif if (a, b) in model_paths]
    vif_rows += [{"kind": "outer", "a": r["latent"], "b": r["item"], "vif": _num(r["vif"]),
                  "verdict": vif_verdict(r["vif"], c)} for r in est.settings.get("outer_vif", ())]
    collinearity = pd.DataFrame(vif_rows, columns=["kind", "a", "b", "vif", "verdict"])

    weight_boot = bootstrap_rows(est, "weight")
    std_loading = {(x.latent, x.item): x.std_estimate for x in est.loadings}
    formative = pd.DataFrame(
        [{"construct": w.latent, "item": w.item, "weight": w.estimate,
          "p_value": weight_boot.get((w.latent, w.item), {}).get("p"),
          "loading": _num(std_loading.get((w.latent, w.item))),
          "verdict": "keep" if keep_formative_item(
              weight_boot.get((w.latent, w.item), {}).get("p"),
              std_loading.get((w.latent, w.item)), c) else "consider_removing"}
         for w in est.weights if mode.get(w.latent) == "B"],
        columns=["construct", "item", "weight", "p_value", "loading", "verdict"])

    f2 = {(a, b): v for a, b, v in est.f2}
    paths = pd.DataFrame(
        [{"from": p.source, "to": p.target, "estimate": p.estimate, "p_value": _num(p.p_value),
          "f2": _num(f2.get((p.source, p.target))),
          "f2_size": f2_size(f2.get((p.source, p.target)), c),
          "verdict": None if significant(p.p_value, c) is None
          else "significant" if significant(p.p_value, c) else "not_significant"}
         for p in est.paths],
        columns=["from", "to", "estimate", "p_value", "f2", "f2_size", "verdict"])

    fit = pd.DataFrame(
        [{"measure": k, "value": _num(v),
          "good": (c.cutoff(k) or (None,))[0], "acceptable": (c.cutoff(k) or (None, None))[1],
          "verdict": fit_verdict(k, v, c)} for k, v in est.fit.items() if c.cutoff(k)],
        columns=["measure", "value", "good", "acceptable", "verdict"])
    return Assessment(c, loadings, reliability, fornell_larcker, htmt, cross, collinearity,
                      formative, paths, fit)
