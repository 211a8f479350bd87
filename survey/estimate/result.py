"""The immutable result of an estimation and its JSON serialisation (DESIGN.md contract).

Like a statsmodels results object, an :class:`Estimate` holds every number an estimator
produced; it is created once and never mutated. ``to_json()`` is the one place the JSON field
names live.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from survey.indices import IndexResult


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


@dataclass(frozen=True)
class LoadingEstimate:
    latent: str
    item: str
    estimate: float
    std_estimate: float | None = None
    se: float | None = None
    p_value: float | None = None


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

    def __post_init__(self) -> None:
        for name in ("r2", "fit", "reliability", "missing_detail"):
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
            "paths": [
                {"from": p.source, "to": p.target, "estimate": p.estimate,
                 "std_estimate": p.std_estimate, "se": p.se, "ci_low": p.ci_low,
                 "ci_high": p.ci_high, "p_value": p.p_value}
                for p in self.paths
            ],
            "loadings": [
                {"latent": x.latent, "item": x.item, "estimate": x.estimate,
                 "std_estimate": x.std_estimate, "se": x.se, "p_value": x.p_value}
                for x in self.loadings
            ],
            "weights": [{"latent": w.latent, "item": w.item, "estimate": w.estimate}
                        for w in self.weights],
            "r2": dict(self.r2),
            "effects": [{"from": e.source, "to": e.target, "direct": e.direct,
                         "indirect": e.indirect, "total": e.total} for e in self.effects],
            "indices": {i.latent: i.value for i in self.indices},
            "index_weights": self.index_weights,
            "index_detail": [
                {"latent": i.latent, "index": i.value, "valid": i.valid,
                 "weights": [{"item": item, "weight": w} for item, w in i.weights]}
                for i in self.indices
            ],
            "reliability": {k: dict(v) for k, v in self.reliability.items()},
            "htmt": [{"a": a, "b": b, "value": v} for a, b, v in self.htmt],
            "fit": dict(self.fit),
            "variances": [{"name": n, "estimate": e, "se": s} for n, e, s in self.variances],
        }
        return _clean(out)

    def dumps(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, indent=2)


def _clean(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return x
    if isinstance(x, int):
        return int(x)
    try:
        f = float(x)
    except (TypeError, ValueError):
        return x
    return f if math.isfinite(f) else None
