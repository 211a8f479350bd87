"""The questionnaire-bound path model as CB-SEM sees it: the lavaan-style description
semopy parses (higher-order and single-item constructs, residual covariances, fixed and equal
parameters), the constraints as the JSON lists them, and what every CB-SEM solution yields
beyond its parameter table: standardized effects and the factor-score 0-100 indices. One
definition for the estimate (:mod:`survey.estimators.cbsem`), its bootstrap resamples
(:mod:`survey.estimators.cbsem_bootstrap`) and the multi-group fits
(:mod:`survey.estimators.multigroup`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from survey.estimators.effects import total_effects
from survey.estimators.result import (
    EffectEstimate,
    WeightEstimate,
)
from survey.indices import IndexResult, index_from_weights
from survey.pathmodel import BoundModel
from survey.questionnaire import Scale

#: Label prefix of the parameters held equal: semopy estimates parameters that share a name as
#: one, as lavaan does parameters that share a label (``a*y2 ... a*y6``).
EQUAL = "EQ__"


def _value(x: float) -> str:
    """A fixed value as semopy's syntax reads it (no exponent: '1e+20' would split at '+')."""
    return np.format_float_positional(float(x), trim="0")


def model_syntax(bound: BoundModel) -> tuple[str, dict[str, str]]:
    """lavaan/semopy syntax for a bound model, and the map of single-item constructs to the item
    that stands for them (a single-item construct enters the structural model as its item).

    The model's residual covariances are ``~~`` lines; a fixed parameter is written with its
    value (``0.5*x``), the parameters of an equality with one shared label (``EQ__1*x``). The
    marker loading (the first indicator, fixed at 1) is written ``1.0*x`` when another loading
    of the construct carries a value or a label: semopy would otherwise take the first fixed
    loading for the marker and free the first indicator, where lavaan fixes both. Lines
    without values or labels are as they always were."""
    single = {c: items[0] for c, items in bound.measurement if len(items) == 1}
    name = lambda x: single.get(x, x)  # noqa: E731
    model = bound.model
    mult: dict[tuple[str, str, str], str] = {}
    for f in model.fixed:
        mult[f.parameter.key] = f"{_value(f.value)}*"
    for k, e in enumerate(model.equal, start=1):
        for p in e.parameters:
            mult[p.key] = f"{EQUAL}{k}*"

    def measure(construct: str, indicators: Sequence[str]) -> str:
        keys = [("=~", construct, x) for x in indicators]
        terms = [mult.get(k, "") + name(x) for k, x in zip(keys, indicators, strict=True)]
        if keys[0] not in mult and any(k in mult for k in keys[1:]):
            terms[0] = f"1.0*{name(indicators[0])}"
        return f"{construct} =~ " + " + ".join(terms)

    lines = [measure(c, items) for c, items in bound.measurement if len(items) > 1]
    for latent, dims in bound.second_order:
        lines.append(measure(latent, dims))
    for latent in model.latents:
        preds = model.predecessors(latent)
        if preds:
            lines.append(f"{name(latent)} ~ " + " + ".join(
                mult.get(("->", p, latent), "") + name(p) for p in preds))
    covariances = [(p.lhs, p.rhs, p.key) for p in model.covariances]
    declared = {key for _, _, key in covariances}
    # Fixed or equal (residual) variances, and covariances fixed without being freed.
    covariances += [(key[1], key[2], key) for key in mult
                    if key[0] == "~~" and key not in declared]
    for a, b, key in covariances:
        lines.append(f"{name(a)} ~~ {mult.get(key, '')}{name(b)}")
    return "\n".join(lines), single


def constraints_json(bound: BoundModel) -> dict[str, list]:
    """The model's fixed parameters and equalities as the JSON's ``constraints`` block."""
    model = bound.model
    out: dict[str, list] = {}
    if model.fixed:
        out["fixed"] = [{"parameter": str(f.parameter), "value": f.value} for f in model.fixed]
    if model.equal:
        out["equal"] = [[str(p) for p in e.parameters] for e in model.equal]
    return out


def standardized_effects(bound: BoundModel, std_paths: dict[tuple[str, str], float]) -> list[EffectEstimate]:
    """Direct, indirect and total effects between latents from standardized paths:
    :func:`~survey.estimators.effects.total_effects`."""
    latents = list(bound.model.latents)
    k = len(latents)
    b = np.zeros((k, k))  # b[effect, cause]
    for (a, t), v in std_paths.items():
        b[latents.index(t), latents.index(a)] = v
    total = total_effects(b)
    out = []
    for j, cause in enumerate(latents):
        for i, effect in enumerate(latents):
            if abs(total[i, j]) > 1e-12:
                out.append(EffectEstimate(cause, effect, float(b[i, j]),
                                          float(total[i, j] - b[i, j]), float(total[i, j])))
    return out


def index_blocks(bound: BoundModel) -> tuple[tuple[str, tuple[str, ...], dict[str, Scale]], ...]:
    """Each construct's items (for a higher-order latent, the items of its dimensions) and
    their scales: what :func:`factor_score_indices` needs from the questionnaire, looked up once."""
    q = bound.questionnaire
    out = []
    for latent in bound.constructs:
        items = tuple(i.id for i in bound.indicators(latent))
        out.append((latent, items, {i: q.scale_of(i) for i in items}))
    return tuple(out)


def factor_score_indices(blocks: Sequence[tuple[str, tuple[str, ...], dict[str, Scale]]],
             name: Callable[[str], str], observed: Sequence[str], inner: Sequence[str],
             mean: np.ndarray, cov: np.ndarray, implied_cov: np.ndarray, cross_cov: np.ndarray
             ) -> tuple[list[WeightEstimate], list[IndexResult]]:
    """Factor-score regression weights w = Sigma_II^-1 cov(I, latent) on each latent's own
    items I (``blocks``, from :func:`index_blocks`), then the 0-100 index.

    ``mean``/``cov``: the items' ML moments (N denominator; EM under FIML), in ``observed``
    order; ``implied_cov``: the model's Sigma; ``cross_cov``: the model's cov(observed, inner)
    (observed x ``inner``). One function for the estimate and every bootstrap resample.
    """
    obs = list(observed)
    col = {v: j for j, v in enumerate(inner)}
    sd = np.sqrt(np.diag(cov))
    weights, indices = [], []
    for latent, items, scales in blocks:
        idx = [obs.index(i) for i in items]
        sigma_ii = implied_cov[np.ix_(idx, idx)]
        if len(items) == 1:
            raw = np.array([1.0])
        else:
            raw = np.linalg.solve(sigma_ii, cross_cov[idx, col[name(latent)]])
        # Weights of standardized items, scaled so the composite has unit variance (as PLS
        # outer weights are); the index rescales them back to the raw metric.
        std_w = raw * sd[idx]
        std_w = std_w / math.sqrt(float(raw @ sigma_ii @ raw))
        weights.extend(WeightEstimate(latent, i, float(w)) for i, w in zip(items, std_w, strict=True))
        indices.append(index_from_weights(
            latent, dict(zip(items, std_w, strict=True)), dict(zip(items, sd[idx], strict=True)),
            dict(zip(items, mean[idx], strict=True)), scales, kind="factor_score_regression"))
    return weights, indices
