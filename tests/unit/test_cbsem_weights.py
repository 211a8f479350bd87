"""Case weights through the CB-SEM estimate: weighted indices, the settings the JSON reports,
the bootstrap (a resample's counts times the weights), segments and the refusal of weighted
multi-group comparisons. The numbers themselves are checked against lavaan in
tests/reference/test_weights_reference.py."""

from __future__ import annotations

import numpy as np
import pytest

from survey.analysis.comparison import CBSEM_WEIGHTED_COMPARISON
from survey.analysis.segments import compare_levels, compare_segments, estimate_segments
from survey.errors import EstimationError
from survey.estimators import estimate_model
from survey.estimators.bootstrap import BootstrapSettings
from survey.estimators.cbsem import estimate_cbsem
from survey.estimators.cbsem_bootstrap import bootstrap_cbsem, cbsem_statistic
from survey.simulate import Population, simulate_responses

BLOCKS = {"x1": ["a1", "a2", "a3"], "x2": ["b1", "b2", "b3"], "y": ["c1", "c2", "c3"]}
PATHS = [("x1", "y"), ("x2", "y")]
POP = Population(paths={("x1", "y"): 0.5, ("x2", "y"): 0.3}, item_loading=0.8,
                 item_mean=4.5, item_sd=1.2, dont_know_rate=0.0, screened_out_rate=0.0)
ITEMS = [i for its in BLOCKS.values() for i in its]


@pytest.fixture(scope="module")
def bound(make_bound):
    return make_bound(BLOCKS, PATHS)


@pytest.fixture(scope="module")
def data(bound):
    frame = simulate_responses(bound, POP, 240, 7, with_profile=False).astype(float)
    # Weights that favour high answers on x1's items, so that weighting moves the index.
    score = frame[BLOCKS["x1"]].mean(axis=1)
    return frame.assign(w=np.where(score > score.median(), 2.0, 0.5),
                        grp=np.where(np.arange(len(frame)) % 2, "A", "B"))


@pytest.fixture(scope="module")
def weighted(bound, data):
    return estimate_cbsem(bound, data, weights="w")


def test_indices_use_the_weighted_item_means(bound, data, weighted):
    plain = estimate_cbsem(bound, data)
    w = data["w"].to_numpy()
    for idx in weighted.indices:
        by_hand = 100 * sum(v * (np.average(data[item], weights=w) - 1) / 6
                            for item, v in idx.weights)
        assert idx.value == pytest.approx(by_hand, abs=1e-9)
    assert weighted.index("x1") > plain.index("x1") + 1


def test_settings_say_which_weights_and_which_inference(bound, data, weighted):
    doc = weighted.to_json()
    assert doc["settings"]["weights_column"] == "w"
    assert doc["settings"]["standard_errors"] == "robust.huber.white"
    assert doc["settings"]["test"] == "yuan.bentler.mplus"
    assert doc["fit"]["chi2_scaled"] > 0 and 0 < doc["fit"]["cfi_robust"] <= 1
    plain = estimate_cbsem(bound, data).to_json()
    assert plain["settings"]["weights_column"] is None
    assert plain["settings"]["standard_errors"] == "expected"
    assert "chi2_scaled" not in plain["fit"]


def test_estimate_model_weights_cbsem_without_a_notice(bound, data, weighted):
    est = estimate_model("cbsem", bound, data, weights="w")
    assert [p.estimate for p in est.paths] == [p.estimate for p in weighted.paths]
    assert "weights" not in " ".join(n.code for n in est.notices)


def test_a_resample_weighs_its_counts_times_the_case_weights(bound, data, weighted):
    stat = cbsem_statistic(bound, data, weighted, weights="w")
    counts = np.random.default_rng(3).multinomial(stat.n, np.full(stat.n, 1 / stat.n))
    values, reasons = stat(np.vstack([np.ones(stat.n, np.int64), counts]))
    assert reasons == ["", ""]
    ones = dict(zip(stat.labels, values[0], strict=True))
    drawn = dict(zip(stat.labels, values[1], strict=True))
    refit = estimate_cbsem(bound, data.assign(w=data["w"] * counts), weights="w")
    for p, q in zip(weighted.paths, refit.paths, strict=True):
        assert ones[("path", p.source, p.target)] == pytest.approx(p.estimate, abs=1e-6)
        assert drawn[("path", q.source, q.target)] == pytest.approx(q.estimate, abs=1e-5)
    for i, j in zip(weighted.indices, refit.indices, strict=True):
        assert ones[("index", i.latent, "")] == pytest.approx(i.value, abs=1e-6)
        assert drawn[("index", j.latent, "")] == pytest.approx(j.value, abs=1e-5)


def test_bootstrap_standard_errors_agree_with_the_robust_ones(bound, data, weighted):
    result = bootstrap_cbsem(bound, data, weighted, BootstrapSettings(300, seed=4,
                                                                      jackknife_groups=2),
                             weights="w")
    table = result.table().set_index(["kind", "a", "b"])
    for p in weighted.paths:
        assert table.loc[("path", p.source, p.target), "se"] == pytest.approx(p.se, rel=0.25)


def test_segments_estimate_each_level_weighted_and_refuse_weighted_comparisons(bound, data):
    result = estimate_segments(bound, data, "grp", method="cbsem", weights="w", min_n=50)
    alone = estimate_cbsem(bound, data[data["grp"] == "A"], weights="w")
    got = result.level("A").estimate
    assert [i.value for i in got.indices] == [i.value for i in alone.indices]
    assert result.to_json()["settings"]["weights_column"] == "w"
    with pytest.raises(EstimationError, match="Satorra-Bentler 2001"):
        compare_levels(bound, data, "grp", "A", "B", method="cbsem", weights="w", min_n=50)
    pair = compare_segments(bound, data, "grp", method="cbsem", weights="w", min_n=50).pairs[0]
    assert pair.tests == () and CBSEM_WEIGHTED_COMPARISON in pair.note


def test_bad_weights_name_the_rows(bound, data):
    with pytest.raises(EstimationError, match="Weight column 'w' must hold a non-negative"):
        estimate_cbsem(bound, data.assign(w=-1.0), weights="w")
    with pytest.raises(EstimationError, match="Weight column 'nope' is not in the data"):
        estimate_cbsem(bound, data, weights="nope")


def test_listwise_weights_follow_their_rows(bound, data):
    gaps = data.copy()
    gaps.loc[gaps.index[:30], "a1"] = np.nan
    est = estimate_cbsem(bound, gaps, missing="listwise", weights="w")
    kept = gaps.dropna(subset=ITEMS)
    again = estimate_cbsem(bound, kept.reset_index(drop=True), weights="w")
    assert est.n == len(kept) == again.n
    assert [p.estimate for p in est.paths] == pytest.approx([p.estimate for p in again.paths],
                                                           abs=1e-6)
