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
    #: Mean stated importance (raw scale) of each aspect a rating asks about; SD in common.
    importance_means: Mapping[str, float] = field(default_factory=dict)
    importance_sd: float = 1.3
    #: Complaint block: logit of complaining = intercept + slope * standardized satisfaction;
    #: outcome shares (best to worst handling) among complainants.
    complaint_logit: tuple[float, float] = (-2.0, -0.9)
    complaint_outcomes: tuple[float, ...] = (0.35, 0.40, 0.25)
    complaint_loyalty_effect: float = 1.2
    #: Spend: scale * (Pareto(shape) + 1) * exp(loyalty_effect * standardized loyalty); a
    #: Pareto shape of 1.16 gives the 80/20 pattern of the value tiers.
    spend_scale: float = 800.0
    spend_shape: float = 1.16
    spend_loyalty_effect: float = 0.25

    def __post_init__(self) -> None:
        for name in ("paths", "dimension_loadings", "item_loadings", "item_means",
                     "dont_know_rates", "importance_means"):
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
    # Stated importance is high for almost everything and barely tracks derived importance
    # (safety first, entertainment last): the classic disagreement of the dual evaluation.
    importance_means={"safety": 9.1, "punctuality": 8.7, "value": 8.3, "crew": 8.0,
                      "cabin": 7.7, "catering": 6.6, "image": 6.2, "entertainment": 5.4},
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
        # Drawn from a generator of their own, so the items and profile above do not change
        # when these columns are added or changed.
        extras = _extras(model, population, eta, np.random.default_rng([seed, 7]))
        frame = pd.concat([_profile(q, n, rng), frame, extras], axis=1)
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


def _extras(model: BoundModel, population: Population, eta: pd.DataFrame,
            rng: np.random.Generator) -> pd.DataFrame:
    """Stated-importance ratings, the complaint block and the spend column, where the
    questionnaire defines them."""
    q = model.questionnaire
    n = len(eta)
    cols: dict[str, object] = {}
    for r in q.importance:
        scale = q.scales[r.scale]
        mean = population.importance_means.get(r.of, population.item_mean)
        raw = np.clip(np.rint(rng.normal(mean, population.importance_sd, n)), scale.min,
                      scale.max).astype(int).astype(object)
        if scale.dont_know:
            raw[rng.random(n) < population.dont_know_rate] = int(scale.dont_know[0])
        cols[r.id] = raw
    g = q.gauges
    target = model.model.target
    if g.complained:
        sat = eta[target].to_numpy() if target in eta else np.zeros(n)
        a, b = population.complaint_logit
        complained = rng.random(n) < 1 / (1 + np.exp(-(a + b * sat)))
        question = q.question(g.complained)
        no = [c for c, _ in question.options if c not in g.complained_yes]
        cols[g.complained] = np.where(complained, g.complained_yes[0], no[0] if no else "")
        if g.complaint_outcome:
            # Loyal customers' complaints end better (or they forgive more): the outcome's
            # log-odds shift with loyalty, best outcome up, worst down.
            codes = [c for c, _ in q.question(g.complaint_outcome).options]
            base = np.log(np.asarray(population.complaint_outcomes[:len(codes)], float))
            loyalty = eta["loyalty"].to_numpy() if "loyalty" in eta else np.zeros(n)
            tilt = np.linspace(1.0, -1.0, len(codes))
            logits = base[None, :] + population.complaint_loyalty_effect * np.outer(loyalty, tilt)
            prob = np.exp(logits - logits.max(axis=1, keepdims=True))
            prob /= prob.sum(axis=1, keepdims=True)
            pick = (prob.cumsum(axis=1) < rng.random(n)[:, None]).sum(axis=1)
            outcome = np.array(codes, dtype=object)[np.minimum(pick, len(codes) - 1)]
            outcome[~complained] = ""
            cols[g.complaint_outcome] = outcome
    if g.value:
        loyalty = eta["loyalty"].to_numpy() if "loyalty" in eta else np.zeros(n)
        spend = (population.spend_scale * (rng.pareto(population.spend_shape, n) + 1)
                 * np.exp(population.spend_loyalty_effect * loyalty))
        cols[g.value] = np.rint(spend).astype(int)
    return pd.DataFrame(cols, index=eta.index)


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


def _shifted(population: Population, shifts: Mapping[str, float], **changes) -> Population:
    """``population`` with item means moved by ``shifts`` (item id -> points) and other
    fields replaced."""
    from dataclasses import replace

    means = dict(population.item_means)
    for item, delta in shifts.items():
        means[item] = means.get(item, population.item_mean) + delta
    return replace(population, item_means=means, **changes)


_PUNCTUALITY = ("pun_ontime", "pun_delay_info", "pun_delay_care")
_CABIN = ("cabin_air", "cabin_temperature", "cabin_clean", "cabin_equipment", "cabin_toilet",
          "cabin_seat", "cabin_pitch", "cabin_controls")

#: The bundled tracking study (examples/study): two quarterly waves of two airlines. Brand A
#: fixed punctuality between the waves (its items up 0.8 points). Brand B started with a weak
#: cabin, which its first-wave IPMA puts in "improve first"; it fixed the cabin (items back up
#: 0.6: the improvement the tracking report must confirm) while its price perception slipped.
TRACKING_STUDY: Mapping[tuple[str, str], Population] = MappingProxyType({
    ("2026Q1", "A"): AIRLINE_CCSI,
    ("2026Q2", "A"): _shifted(AIRLINE_CCSI, dict.fromkeys(_PUNCTUALITY, 0.8)),
    ("2026Q1", "B"): _shifted(AIRLINE_CCSI, dict.fromkeys(_CABIN, -0.6)),
    ("2026Q2", "B"): _shifted(AIRLINE_CCSI, {"val_fare": -0.4, "val_promotion": -0.4}),
})

#: Respondents per cell of the bundled tracking study, the first cell's seed (the others
#: follow in TRACKING_STUDY's order) and the rows given a data-entry error per file.
TRACKING_N, TRACKING_SEED, TRACKING_ERRORS = 600, 300, 2


def tracking_study_waves(model: BoundModel) -> dict[tuple[str, str], pd.DataFrame]:
    """The response files of the bundled tracking study, (wave, brand) -> frame."""
    return {key: simulate_responses(model, population, n=TRACKING_N, seed=TRACKING_SEED + k,
                                    data_entry_errors=TRACKING_ERRORS)
            for k, (key, population) in enumerate(TRACKING_STUDY.items())}
