"""Deterministic simulation of a survey wave from a known population path model.

The airline CCSI population below is the one place its parameters live; the demo, the bundled
example wave and the recovery tests all draw from it. Latents are standardized; each endogenous
latent's disturbance variance is set so its total variance is 1, so the path coefficients *are*
the population's standardized paths (what a CB-SEM fit should recover). Items are
``mean + sd * (loading * latent + sqrt(1 - loading^2) * error)``, rounded to the scale and
clipped to its ends, the way respondents answer a 10-point question.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from survey.pathmodel import BoundModel


@dataclass(frozen=True)
class Population:
    """A population path model: standardized paths, second-order and item loadings, item
    distributions on the raw scale, don't-know rates, and the share screened out."""

    paths: Mapping[tuple[str, str], float]
    dimension_loadings: Mapping[str, float] = field(default_factory=dict)
    item_loading: float = 0.82
    item_loadings: Mapping[str, float] = field(default_factory=dict)
    item_mean: float = 7.0
    item_means: Mapping[str, float] = field(default_factory=dict)
    item_sd: float = 1.6
    dont_know_rate: float = 0.01
    dont_know_rates: Mapping[str, float] = field(default_factory=dict)
    screened_out_rate: float = 0.05

    def __post_init__(self) -> None:
        for name in ("paths", "dimension_loadings", "item_loadings", "item_means",
                     "dont_know_rates"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))


#: The airline study's population (CCSI). Paths are standardized; satisfaction is driven most by
#: perceived quality, then value and image; expectation matters little (as in published CCSI
#: and ACSI airline studies). Entertainment items (magazines, TV) get high don't-know rates:
#: many passengers never use them.
AIRLINE_CCSI = Population(
    paths={
        ("image", "expectation"): 0.55,
        ("image", "quality"): 0.40,
        ("image", "value"): 0.15,
        ("image", "satisfaction"): 0.20,
        ("expectation", "quality"): 0.30,
        ("expectation", "value"): 0.10,
        ("expectation", "satisfaction"): 0.05,
        ("quality", "value"): 0.45,
        ("quality", "satisfaction"): 0.45,
        ("value", "satisfaction"): 0.25,
        ("satisfaction", "loyalty"): 0.70,
    },
    dimension_loadings={"crew": 0.85, "cabin": 0.80, "catering": 0.70,
                        "entertainment": 0.60, "safety": 0.75, "punctuality": 0.70},
    item_loading=0.82,
    item_means={"img_awareness": 7.8, "pun_ontime": 6.2, "pun_delay_info": 5.9,
                "pun_delay_care": 5.7, "val_fare": 6.1, "val_promotion": 6.0,
                "cat_taste": 6.4, "ent_magazine": 6.3, "ent_newspaper": 6.0},
    item_mean=7.0,
    item_sd=1.6,
    dont_know_rate=0.015,
    dont_know_rates={"ent_tv": 0.08, "ent_tv_quality": 0.10, "ent_magazine": 0.07,
                     "ent_magazine_quality": 0.09, "ent_newspaper": 0.12,
                     "pun_delay_info": 0.06, "pun_delay_care": 0.08, "cat_choice": 0.04},
    screened_out_rate=0.05,
)


def latent_scores(model: BoundModel, population: Population, n: int,
                  rng: np.random.Generator) -> pd.DataFrame:
    """Standardized scores of every construct (latents and dimensions of higher-order ones)."""
    order = model.model.causal_order()
    scores: dict[str, np.ndarray] = {}
    # Implied correlations among latents already drawn, to size each disturbance.
    corr: dict[tuple[str, str], float] = {}
    for latent in order:
        preds = model.model.predecessors(latent)
        b = np.array([population.paths.get((p, latent), 0.0) for p in preds])
        r = np.array([[1.0 if a == c else corr[(a, c)] for c in preds] for a in preds]) \
            if preds else np.zeros((0, 0))
        explained = float(b @ r @ b) if preds else 0.0
        if explained >= 1:
            raise ValueError(f"Population paths into '{latent}' explain {explained:.2f} >= 1 "
                             "of its variance.")
        scores[latent] = sum((bi * scores[p] for bi, p in zip(b, preds, strict=True)),
                             np.zeros(n)) + np.sqrt(1 - explained) * rng.standard_normal(n)
        for other in scores:
            if other == latent:
                continue
            # corr(latent, other) = sum_j b_j corr(pred_j, other); disturbance is independent.
            c = sum(bi * (1.0 if p == other else corr[(p, other)])
                    for bi, p in zip(b, preds, strict=True))
            corr[(latent, other)] = corr[(other, latent)] = float(c)
    for latent, dims in model.second_order:
        for d in dims:
            g = population.dimension_loadings.get(d, 0.8)
            scores[d] = g * scores[latent] + np.sqrt(1 - g * g) * rng.standard_normal(n)
    return pd.DataFrame(scores)


def simulate_responses(model: BoundModel, population: Population, n: int, seed: int,
                       *, with_profile: bool = True, data_entry_errors: int = 0) -> pd.DataFrame:
    """Draw ``n`` respondents as a response file would hold them (codes, don't-knows, screening,
    profile). Screened-out respondents are added on top of ``n``; ``data_entry_errors`` rows get
    one invalid item value each (out of range or not a number) for the ingest report to catch.
    """
    rng = np.random.default_rng(seed)
    q = model.questionnaire
    eta = latent_scores(model, population, n, rng)
    out: dict[str, object] = {}
    for construct, items in model.measurement:
        for item_id in items:
            scale = q.scale_of(item_id)
            lam = population.item_loadings.get(item_id, population.item_loading)
            z = lam * eta[construct].to_numpy() + np.sqrt(1 - lam * lam) * rng.standard_normal(n)
            mean = population.item_means.get(item_id, population.item_mean)
            raw = np.clip(np.rint(mean + population.item_sd * z), scale.min, scale.max)
            values = raw.astype(int).astype(object)
            if scale.dont_know:
                rate = population.dont_know_rates.get(item_id, population.dont_know_rate)
                values[rng.random(n) < rate] = int(scale.dont_know[0])
            out[item_id] = values
    frame = pd.DataFrame(out)
    if with_profile:
        frame = pd.concat([_profile(q, n, rng), frame], axis=1)
    n_out = int(round(n * population.screened_out_rate / (1 - population.screened_out_rate)))
    if n_out and q.screening:
        screened = _profile(q, n_out, rng).assign(**{c: "" for c in frame.columns
                                                    if c not in _profile_columns(q)})
        for question in q.screening:
            if question.qualify:
                codes = [c for c, _ in question.options if c not in question.qualify]
                screened[question.id] = rng.choice(codes, n_out)
        frame = pd.concat([frame, screened[frame.columns]], ignore_index=True)
        frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    if data_entry_errors:
        items = [i for _, ids in model.measurement for i in ids]
        rows = rng.choice(len(frame), size=data_entry_errors, replace=False)
        bad = ["11", "0", "7分", "x", "-3", "100"]
        for k, row in enumerate(rows):
            frame.loc[row, items[rng.integers(len(items))]] = bad[k % len(bad)]
    return frame


def _profile_columns(q) -> list[str]:
    return [x.id for x in (*q.screening, *q.demographics)]


def _profile(q, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Screening answers that qualify, and a plausible respondent profile."""
    cols: dict[str, object] = {}
    for question in q.screening:
        codes = list(question.qualify) or [c for c, _ in question.options]
        cols[question.id] = rng.choice(codes, n)
    start = np.datetime64("2026-09-01")
    for question in q.demographics:
        if question.type == "date":
            days = rng.integers(0, 30, n)
            cols[question.id] = [str(start + int(d)) for d in days]
        elif question.type in ("single", "multiple"):
            codes = [c for c, _ in question.options]
            cols[question.id] = rng.choice(codes, n)
        elif question.type in ("integer", "number"):
            lo = question.min if question.min is not None else 0
            hi = question.max if question.max is not None else lo + 100
            if question.id == "age":
                vals = np.clip(rng.normal(40, 12, n).round(), lo, min(hi, 80))
            else:
                vals = np.clip(rng.poisson(6, n), lo, hi)
            cols[question.id] = vals.astype(int)
        else:
            cols[question.id] = [""] * n
    return pd.DataFrame(cols)
