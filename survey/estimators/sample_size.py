"""How many respondents an estimate needs: one rule for the whole package.

``minimum_n = max(floor, 10 x the largest number of predictors of one construct, items + 1)``

* floor: PLS 30; CB-SEM 100 (Kline 2016, "Principles and practice of structural equation
  modeling", 4th ed., ch. 1: below 100 is small for any model). PLS gets by with fewer, but
  below 30 even its bootstrap intervals rest on a handful of distinct resamples.
* predictors: the "10 times rule" (Barclay, Higgins & Thompson 1995; Hair et al. 2017, "A
  primer on PLS-SEM", 2nd ed., ch. 1): ten times the largest number of structural paths into
  one construct (a higher-order construct's paths into its dimensions included) or of
  formative indicators of one construct.
* items: more respondents than the model has items; with no more, the item covariance
  (correlation) matrix is singular and no estimator runs (survey.estimators.prepare.
  check_sample_size refuses it, as lavaan does).

What follows from it, everywhere:

* An estimate that uses fewer respondents (its ``n``, after the missing-data treatment)
  carries the notice ``small_sample``: it is shown, with the warning. The notice is added by
  :func:`survey.estimators.estimate_model`, which the study, the segments and the tracking cells
  all call.
* A part of the data the package splits off by itself (a segment level, a tracking cell) with
  fewer respondents than the minimum is not estimated; it is listed with its n and the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from survey.pathmodel import BoundModel

MIN_N_PLS = 30
MIN_N_CBSEM = 100
#: Respondents per predictor of the most-predicted construct (the "10 times rule").
PER_PREDICTOR = 10
#: The code of the notice an estimate below the minimum carries (survey.estimators.notices).
SMALL_SAMPLE = "small_sample"


def floor_n(method: str) -> int:
    """The estimator's own floor, whatever the model: :data:`MIN_N_PLS` or
    :data:`MIN_N_CBSEM`."""
    return MIN_N_PLS if method in ("pls", "plsc") else MIN_N_CBSEM


def most_predictors(bound: BoundModel) -> int:
    """The largest number of predictors of one construct: structural paths in (including a
    higher-order construct's paths into its dimensions) or formative items."""
    preds = [len(bound.model.predecessors(x)) for x in bound.model.latents]
    preds += [1 for _, dims in bound.second_order for _ in dims]
    measured = dict(bound.measurement)
    for latent in bound.model.latents:
        if bound.model.mode(latent) == "B":
            items = measured.get(latent) or [i for d in dict(bound.second_order)[latent]
                                             for i in measured[d]]
            preds.append(len(items))
    return max(preds, default=0)


def minimum_n(bound: BoundModel, method: str = "pls") -> int:
    """The fewest respondents an estimate of ``bound`` by ``method`` ('pls' or 'cbsem') is
    trusted on: the largest of :func:`floor_n`, ten times :func:`most_predictors` and one more
    than the number of items."""
    return max(floor_n(method), PER_PREDICTOR * most_predictors(bound), len(bound.items) + 1)


def small_sample_notice(bound: BoundModel, method: str, n: int):
    """The notice (:data:`SMALL_SAMPLE`) of an estimate of ``bound`` by ``method`` on ``n``
    respondents when n is below :func:`minimum_n`; None otherwise. One rule for every caller
    (survey.estimators.estimate_model, the lean comparison fits)."""
    from survey.estimators.notices import notice

    minimum = minimum_n(bound, method)
    if n >= minimum:
        return None
    return notice(SMALL_SAMPLE, n=n, minimum=minimum, floor=floor_n(method),
                  predictors=most_predictors(bound), items=len(bound.items))
