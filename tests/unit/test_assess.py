"""survey.assess: the criteria with their sources, each verdict at its boundary, and an
assessment that follows the criteria it is given."""

from __future__ import annotations

import dataclasses
import math

import pytest

from survey.assess import (
    CRITERIA,
    Criteria,
    at_least,
    f2_size,
    fit_verdict,
    fornell_larcker_violated,
    htmt_verdict,
    keep_formative_item,
    significant,
    vif_verdict,
)


def test_every_criterion_has_a_source_and_the_table_lists_them():
    table = CRITERIA.table()
    assert list(table["criterion"]) == [f.name for f in dataclasses.fields(Criteria)]
    assert table["source"].str.len().gt(10).all()
    assert "Henseler" in CRITERIA.source("htmt_strict")
    assert "Hu & Bentler" in CRITERIA.source("fit_cutoffs")
    with pytest.raises(KeyError):
        CRITERIA.source("nothing")


@pytest.mark.parametrize(("value", "verdict"), [
    (0.708, "ok"), (0.7079, "low"), (1.2, "ok"), (None, None), (math.nan, None)])
def test_a_minimum_is_met_at_the_threshold(value, verdict):
    assert at_least(value, CRITERIA.loading_min) == verdict


@pytest.mark.parametrize(("value", "verdict"), [
    (2.999, "ok"), (3.0, "high"), (4.999, "high"), (5.0, "too_high"), (math.inf, None)])
def test_vif_verdicts(value, verdict):
    assert vif_verdict(value) == verdict


@pytest.mark.parametrize(("value", "verdict"), [
    (0.849, "ok"), (0.85, "above_strict"), (0.899, "above_strict"), (0.90, "above_liberal")])
def test_htmt_verdicts(value, verdict):
    assert htmt_verdict(value) == verdict


@pytest.mark.parametrize(("measure", "value", "verdict"), [
    ("cfi", 0.95, "good"), ("cfi", 0.949, "acceptable"), ("cfi", 0.899, "poor"),
    ("tli_robust", 0.93, "acceptable"), ("rmsea", 0.06, "good"), ("rmsea", 0.0801, "poor"),
    ("srmr", 0.10, "acceptable"), ("chi2", 12.0, None), ("cfi", None, None)])
def test_fit_verdicts_with_hu_and_bentler_cutoffs(measure, value, verdict):
    assert fit_verdict(measure, value) == verdict


def test_significance_effect_size_fornell_larcker_and_formative_items():
    assert significant(0.0499) is True and significant(0.05) is False
    assert significant(None) is None
    assert significant(0.07, Criteria(alpha=0.10)) is True
    assert [f2_size(v) for v in (0.35, 0.349, 0.15, 0.02, 0.0199)] == [
        "large", "medium", "medium", "small", "negligible"]
    assert fornell_larcker_violated(0.81, 0.8, 0.9) is True
    assert fornell_larcker_violated(-0.79, 0.8, 0.9) is False
    assert fornell_larcker_violated(0.5, None, None) is None
    assert keep_formative_item(0.2, 0.49) is False
    assert keep_formative_item(0.2, 0.5) is True and keep_formative_item(0.01, 0.1) is True


def test_an_assessment_follows_the_criteria_it_is_given(make_bound):
    import numpy as np
    import pandas as pd

    from survey.api import Results
    from survey.study import estimate_study

    bound = make_bound({"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"]}, [("A", "B")])
    rng = np.random.default_rng(3)
    n = 300
    f = rng.normal(size=n)
    g = 0.6 * f + 0.8 * rng.normal(size=n)
    cols = {}
    for name, factor in (("a", f), ("b", g)):
        for j, lam in enumerate((0.9, 0.8, 0.35), start=1):
            x = lam * factor + math.sqrt(1 - lam ** 2) * rng.normal(size=n)
            cols[f"{name}{j}"] = np.clip(np.round(4 + 1.2 * x), 1, 7)
    res = Results(estimate_study(bound.questionnaire, bound.model, pd.DataFrame(cols),
                                 analyses=[]))
    default = res.assess()
    low = default.loadings[default.loadings["verdict"] == "low"]
    assert set(low["item"]) == {x.item for x in res.estimate.loadings if x.std_estimate < 0.708}
    assert {"a3", "b3"} <= set(low["item"])
    strict = res.assess(Criteria(loading_min=0.99, reliability_min=0.99))
    assert (strict.loadings["verdict"] == "low").all()
    assert (strict.reliability["verdict"] == "low").all()
    problems = strict.problems()
    assert {"loadings", "reliability"} <= set(problems["check"])
    assert len(problems[problems["check"] == "loadings"]) == 6
    assert default.paths.loc[0, "verdict"] is None  # no bootstrap: no p-value, no verdict


def test_htmt_upper_bound_verdict():
    from survey.assess import htmt_upper_verdict

    assert [htmt_upper_verdict(v) for v in (0.8999, 0.90, None, math.nan)] == [
        "ok", "above_liberal", None, None]
