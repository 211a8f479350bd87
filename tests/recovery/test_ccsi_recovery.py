"""Parameter recovery: simulate the airline CCSI population, estimate, compare.

The population (survey.simulate.AIRLINE_CCSI) has standardized structural paths; items are
10-point ratings (rounded and clipped), so recovery also checks that the discretisation of a
real questionnaire does not bias the structural model beyond the tolerance.
"""

from __future__ import annotations

import dataclasses

import pytest

from survey.estimators.cbsem import estimate_cbsem
from survey.ingest import response_set_from_frame
from survey.pathmodel import bind, load_model
from survey.questionnaire import load_questionnaire
from survey.simulate import AIRLINE_CCSI, simulate_responses


@pytest.fixture(scope="module")
def bound(root):
    q = load_questionnaire(root / "questionnaires" / "airline.yaml")
    return bind(load_model(root / "models" / "ccsi.yaml"), q)


@pytest.fixture(scope="module")
def large_estimate(bound):
    population = dataclasses.replace(AIRLINE_CCSI, dont_know_rate=0.0, dont_know_rates={},
                                     screened_out_rate=0.0)
    frame = simulate_responses(bound, population, n=5000, seed=11)
    responses = response_set_from_frame(frame, bound.questionnaire, items=bound.items)
    return estimate_cbsem(bound, responses.data)


def test_structural_paths_recovered_within_005(large_estimate):
    errors = {}
    for (a, b), true in AIRLINE_CCSI.paths.items():
        errors[f"{a}->{b}"] = large_estimate.path(a, b).std_estimate - true
    print("recovery errors (n = 5000):", {k: round(v, 4) for k, v in errors.items()})
    assert max(abs(e) for e in errors.values()) < 0.05, errors


def test_second_order_loadings_recovered(large_estimate):
    std = {x.item: x.std_estimate for x in large_estimate.loadings if x.latent == "quality"}
    for dim, true in AIRLINE_CCSI.dimension_loadings.items():
        assert std[dim] == pytest.approx(true, abs=0.05), dim


def test_correct_model_fits(large_estimate):
    assert large_estimate.admissible and large_estimate.converged
    assert large_estimate.fit["cfi"] > 0.95 and large_estimate.fit["rmsea"] < 0.05


def test_fiml_with_dont_know_answers_recovers_paths(bound):
    """Don't-know answers (1.5-12 % per item) are missing at random here: FIML keeps every
    respondent and still recovers the paths (looser tolerance for n = 1500)."""
    frame = simulate_responses(bound, AIRLINE_CCSI, n=1500, seed=12, with_profile=True)
    responses = response_set_from_frame(frame, bound.questionnaire, items=bound.items)
    est = estimate_cbsem(bound, responses.data)
    assert est.missing == "fiml" and est.n == responses.report.n_accepted and est.n_dropped == 0
    assert est.missing_detail["n_incomplete"] > 0.3 * est.n
    worst = max(abs(est.path(a, b).std_estimate - v) for (a, b), v in AIRLINE_CCSI.paths.items())
    assert worst < 0.1
