"""The immutable result of an estimation and its JSON serialisation (DESIGN.md contract).

Like a statsmodels results object, an :class:`Estimate` holds every number an estimator
produced; it is created once and never mutated. ``to_json()`` is the one place the JSON field
names live.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from survey.estimators.bootstrap import BootstrapResult
from survey.estimators.notices import Notice, notice
from survey.indices import IndexResult
from survey.numbers import finite, json_safe


@dataclass(frozen=True)
class PathEstimate:
    source: str
    target: str
    estimate: float
    std_estimate: float | None = None
    se: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    t_value: float | None = None


@dataclass(frozen=True)
class LoadingEstimate:
    latent: str
    item: str
    estimate: float
    std_estimate: float | None = None
    se: float | None = None
    p_value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None


@dataclass(frozen=True)
class CovarianceEstimate:
    """A covariance of the CB-SEM solution: of two items' residuals (``kind`` 'item') or of
    two constructs (``kind`` 'construct': exogenous constructs' covariance, endogenous ones'
    disturbance covariance). ``std_estimate`` is the (residual) correlation, lavaan's std.all.
    ``a``/``b`` are the variables' names in the parameter table (a single-item construct's is
    its item), as in ``Estimate.variances``; ``fixed`` when the model fixed its value."""

    a: str
    b: str
    kind: str
    estimate: float
    std_estimate: float | None = None
    se: float | None = None
    p_value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    fixed: bool = False

    @property
    def name(self) -> str:
        return f"{self.a} ~~ {self.b}"


@dataclass(frozen=True)
class WeightEstimate:
    latent: str
    item: str
    estimate: float


@dataclass(frozen=True)
class EffectEstimate:
    source: str
    target: str
    direct: float
    indirect: float
    total: float


@dataclass(frozen=True)
class Estimate:
    """Everything one estimation produced. Fields mirror the JSON contract of DESIGN.md."""

    method: str
    model_id: str
    n: int
    n_dropped: int
    missing: str
    converged: bool
    admissible: bool
    warnings: tuple[str, ...]
    paths: tuple[PathEstimate, ...]
    loadings: tuple[LoadingEstimate, ...]
    weights: tuple[WeightEstimate, ...]
    r2: Mapping[str, float]
    effects: tuple[EffectEstimate, ...]
    indices: tuple[IndexResult, ...]
    fit: Mapping[str, float | None] = field(default_factory=dict)
    reliability: Mapping[str, Mapping[str, float | None]] = field(default_factory=dict)
    htmt: tuple[tuple[str, str, float], ...] = ()
    missing_detail: Mapping[str, Any] = field(default_factory=dict)
    variances: tuple[tuple[str, float, float | None], ...] = ()
    index_weights: str = ""
    #: Adjusted R² per endogenous construct.
    adj_r2: Mapping[str, float] = field(default_factory=dict)
    #: Cohen's f² of each structural path: (from, to, value).
    f2: tuple[tuple[str, str, float], ...] = ()
    #: Inner (antecedent) VIF of each structural path: (from, to, value).
    inner_vif: tuple[tuple[str, str, float], ...] = ()
    #: HTMT2 (geometric-mean HTMT, Roemer et al. 2021): (a, b, value).
    htmt2: tuple[tuple[str, str, float], ...] = ()
    #: Correlations between construct scores: (a, b, value), a before b.
    latent_correlations: tuple[tuple[str, str, float], ...] = ()
    #: Item-construct correlations: (item, construct, value).
    cross_loadings: tuple[tuple[str, str, float], ...] = ()
    #: Estimator settings as used (scheme, tolerance, iterations, ...).
    settings: Mapping[str, Any] = field(default_factory=dict)
    #: "wald" (ML standard errors), "bootstrap" or "none".
    inference: str = "none"
    bootstrap: BootstrapResult | None = field(default=None, compare=False)
    #: The warnings as codes with parameters (``warnings`` holds their English sentences).
    notices: tuple[Notice, ...] = ()
    #: CB-SEM: the covariances of the solution that are parameters (free, or fixed by the
    #: model): latent covariances (a CFA's factor covariances among them) and residual ones.
    covariances: tuple[CovarianceEstimate, ...] = ()
    #: The model's fixed parameters and equalities as the estimator honoured them:
    #: {"fixed": [{"parameter": "a -> b", "value": 0.5}], "equal": [["f =~ x", "g =~ y"]]};
    #: empty when there were none or the estimator could not honour them (PLS: a notice).
    constraints: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("r2", "fit", "reliability", "missing_detail", "adj_r2", "settings",
                     "constraints"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    def index(self, latent: str) -> float | None:
        for idx in self.indices:
            if idx.latent == latent:
                return idx.value
        raise KeyError(latent)

    def path(self, source: str, target: str) -> PathEstimate:
        for p in self.paths:
            if p.source == source and p.target == target:
                return p
        raise KeyError((source, target))

    def to_json(self) -> dict[str, Any]:
        """The DESIGN.md JSON contract as a dict of plain numbers (NaN and inf become null)."""
        out: dict[str, Any] = {
            "method": self.method,
            "model": self.model_id,
            "n": self.n,
            "n_dropped": self.n_dropped,
            "missing": self.missing,
            "missing_detail": dict(self.missing_detail),
            "converged": self.converged,
            "admissible": self.admissible,
            "warnings": list(self.warnings),
            "warning_codes": [n.to_json() for n in self.notices],
            "paths": [
                {"from": p.source, "to": p.target, "estimate": p.estimate,
                 "std_estimate": p.std_estimate, "se": p.se, "ci_low": p.ci_low,
                 "ci_high": p.ci_high, "p_value": p.p_value, "t_value": p.t_value}
                for p in self.paths
            ],
            "loadings": [
                {"latent": x.latent, "item": x.item, "estimate": x.estimate,
                 "std_estimate": x.std_estimate, "se": x.se, "p_value": x.p_value,
                 "ci_low": x.ci_low, "ci_high": x.ci_high}
                for x in self.loadings
            ],
            "weights": [{"latent": w.latent, "item": w.item, "estimate": w.estimate}
                        for w in self.weights],
            "r2": dict(self.r2),
            "adj_r2": dict(self.adj_r2),
            "f2": [{"from": a, "to": b, "value": v} for a, b, v in self.f2],
            "inner_vif": [{"from": a, "to": b, "value": v} for a, b, v in self.inner_vif],
            "effects": [{"from": e.source, "to": e.target, "direct": e.direct,
                         "indirect": e.indirect, "total": e.total} for e in self.effects],
            "indices": {i.latent: i.value for i in self.indices},
            "index_weights": self.index_weights,
            "index_detail": [
                {"latent": i.latent, "index": i.value, "valid": i.valid, "se": i.se,
                 "ci_low": i.ci_low, "ci_high": i.ci_high,
                 "weights": [{"item": item, "weight": w} for item, w in i.weights]}
                for i in self.indices
            ],
            "reliability": {k: dict(v) for k, v in self.reliability.items()},
            "htmt": [{"a": a, "b": b, "value": v} for a, b, v in self.htmt],
            "htmt2": [{"a": a, "b": b, "value": v} for a, b, v in self.htmt2],
            "latent_correlations": [{"a": a, "b": b, "value": v}
                                    for a, b, v in self.latent_correlations],
            "cross_loadings": [{"item": i, "latent": c, "value": v}
                               for i, c, v in self.cross_loadings],
            "fit": dict(self.fit),
            "variances": [{"name": n, "estimate": e, "se": s} for n, e, s in self.variances],
            "covariances": [
                {"a": c.a, "b": c.b, "kind": c.kind, "estimate": c.estimate,
                 "std_estimate": c.std_estimate, "se": c.se, "p_value": c.p_value,
                 "ci_low": c.ci_low, "ci_high": c.ci_high, "fixed": c.fixed}
                for c in self.covariances],
            "constraints": {k: list(v) for k, v in self.constraints.items()},
            "settings": dict(self.settings),
            "inference": self.inference,
            "bootstrap": None,
        }
        if self.bootstrap is not None:
            # Without inference (the usable-resample rule) the per-parameter numbers are not
            # given either: they would be the inference the run cannot carry.
            table = self.bootstrap.table() if self.inference == "bootstrap" else None
            out["bootstrap"] = {**self.bootstrap.summary(),
                                "parameters": [] if table is None
                                else table.to_dict(orient="records")}
        return json_safe(out)

    def with_bootstrap(self, result: BootstrapResult, interval: str = "percentile") -> Estimate:
        """A new estimate whose SEs, t, p and intervals come from ``result`` (``interval``
        'percentile' or 'bca'). Parameters are matched by label: ("path", from, to) for a
        path's ``estimate``, ("loading", latent, item), ("index", latent, ""), ("variance",
        "x ~~ x", ""), ("covariance", "a ~~ b", "").

        The usable-resample rule (:meth:`BootstrapResult.usability`) decides whether the run
        carries inference: when it does not, every SE, t, p and interval is None (the Wald
        ones of CB-SEM too: the user asked for the bootstrap) and ``inference`` is "none";
        either way its notices say what happened."""
        if interval not in ("percentile", "bca"):
            raise ValueError(f"Unknown interval {interval!r}.")
        notices = bootstrap_notices(result)
        settings = {**self.settings, "interval": interval}
        if not result.usability.inference:
            return replace(
                self, paths=tuple(replace(p, se=None, ci_low=None, ci_high=None, p_value=None,
                                          t_value=None) for p in self.paths),
                loadings=tuple(replace(x, se=None, p_value=None, ci_low=None, ci_high=None)
                               for x in self.loadings),
                indices=tuple(replace(i, se=None, ci_low=None, ci_high=None)
                              for i in self.indices),
                variances=tuple((name, v, None) for name, v, _ in self.variances),
                covariances=tuple(replace(c, se=None, p_value=None, ci_low=None, ci_high=None)
                                  for c in self.covariances),
                bootstrap=result, inference="none", settings=settings,
                warnings=(*self.warnings, *(n.text() for n in notices)),
                notices=(*self.notices, *notices))
        table = result.table()
        lo, hi = ("pct_low", "pct_high") if interval == "percentile" else ("bca_low", "bca_high")
        rows = {(r.kind, r.a, r.b): r for r in table.itertuples(index=False)}

        paths = []
        for p in self.paths:
            r = rows.get(("path", p.source, p.target))
            paths.append(p if r is None else replace(
                p, se=finite(r.se), ci_low=finite(getattr(r, lo)), ci_high=finite(getattr(r, hi)),
                p_value=finite(r.p_value), t_value=finite(r.t)))
        loadings = []
        for x in self.loadings:
            r = rows.get(("loading", x.latent, x.item))
            loadings.append(x if r is None else replace(
                x, se=finite(r.se), p_value=finite(r.p_value), ci_low=finite(getattr(r, lo)),
                ci_high=finite(getattr(r, hi))))
        indices = []
        for i in self.indices:
            r = rows.get(("index", i.latent, ""))
            indices.append(i if r is None else replace(
                i, se=finite(r.se), ci_low=finite(getattr(r, lo)), ci_high=finite(getattr(r, hi))))
        variances = tuple(v if (r := rows.get(("variance", v[0], ""))) is None
                          else (v[0], v[1], finite(r.se)) for v in self.variances)
        covariances = tuple(
            c if (r := rows.get(("covariance", c.name, ""))) is None else replace(
                c, se=finite(r.se), p_value=finite(r.p_value), ci_low=finite(getattr(r, lo)),
                ci_high=finite(getattr(r, hi)))
            for c in self.covariances)
        return replace(self, paths=tuple(paths), loadings=tuple(loadings),
                       indices=tuple(indices), variances=variances, covariances=covariances,
                       bootstrap=result,
                       inference="bootstrap",
                       settings=settings, warnings=(*self.warnings, *(n.text() for n in notices)),
                       notices=(*self.notices, *notices))

    def dumps(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, indent=2)




def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{n} {reason}" for reason, n in sorted(counts.items(),
                                                              key=lambda kv: -kv[1]))


def bootstrap_notices(result: BootstrapResult) -> tuple[Notice, ...]:
    """What the reader must know about a bootstrap run: too few usable resamples (no
    inference, or inference with a warning) and inadmissible resamples kept."""
    use = result.usability
    out = []
    asked = result.settings.resamples
    if use.level == "none":
        out.append(notice("bootstrap_unusable", ok=use.ok, resamples=asked,
                          reasons=_counts(result.failures) or "none failed",
                          min_usable=use.min_usable, min_share=f"{use.min_share:.0%}"))
    elif use.level == "warn":
        out.append(notice("bootstrap_few_usable", ok=use.ok, resamples=asked,
                          share=f"{use.share:.0%}", reasons=_counts(result.failures)))
    if result.kept:
        out.append(notice("bootstrap_inadmissible_kept", kept=sum(result.kept.values()),
                          resamples=asked, reasons=_counts(result.kept)))
    return tuple(out)


def with_notice(estimate: Estimate, extra: Notice) -> Estimate:
    """``estimate`` with one more notice (and its English warning)."""
    return replace(estimate, warnings=(*estimate.warnings, extra.text()),
                   notices=(*estimate.notices, extra))
