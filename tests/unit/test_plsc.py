"""Consistent PLS: closed forms of the correction, what it refuses, and the API.

* Two items of equal weight: rho_A is the Spearman-Brown reliability 2r / (1 + r), and the
  consistent loadings are sqrt(r) each (the one-factor solution of two items correlated r).
* One predictor: the PLSc path is the composites' correlation over sqrt(rho_A,x rho_A,y)
  (Dijkstra & Henseler 2015), computed here by hand from the PLS estimate.
* A block whose items correlate negatively with each other while both load positively on the
  composite has rho_A < 0: the correction is undefined, and the estimate says so and stops.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import survey
from survey.errors import EstimationError, SurveyError
from survey.estimators import estimate_model
from survey.estimators.bootstrap import BootstrapSettings


def two_item_data(n: int, r_x: float, seed: int) -> pd.DataFrame:
    """x1, x2 with correlation about r_x (equal loadings), y1, y2 likewise, corr(x, y) 0.5."""
    rng = np.random.default_rng(seed)
    fx = rng.standard_normal(n)
    fy = 0.5 * fx + math.sqrt(0.75) * rng.standard_normal(n)
    lam = math.sqrt(r_x)
    e = math.sqrt(1 - r_x)
    return pd.DataFrame({"x1": 4 + lam * fx + e * rng.standard_normal(n),
                         "x2": 4 + lam * fx + e * rng.standard_normal(n),
                         "y1": 4 + 0.8 * fy + 0.6 * rng.standard_normal(n),
                         "y2": 4 + 0.8 * fy + 0.6 * rng.standard_normal(n)})


@pytest.fixture(scope="module")
def simple(make_bound):
    return make_bound({"x": ["x1", "x2"], "y": ["y1", "y2"]}, [("x", "y")])


def exchangeable(data: pd.DataFrame) -> pd.DataFrame:
    """The rows four times, x1/x2 and y1/y2 swapped: the two items of a block are then
    exchangeable in the sample (equal correlations with everything), so their weights are
    exactly equal."""
    swap_x = data.rename(columns={"x1": "x2", "x2": "x1"})
    both = pd.concat([data, swap_x], ignore_index=True)
    return pd.concat([both, both.rename(columns={"y1": "y2", "y2": "y1"})], ignore_index=True)


def test_two_items_spearman_brown_and_one_predictor_closed_form(simple):
    data = exchangeable(two_item_data(500, 0.49, seed=1))
    pls = estimate_model("pls", simple, data)
    plsc = estimate_model("plsc", simple, data)
    rho = plsc.settings["plsc"]["rho_a"]
    for c, (a, b) in (("x", ("x1", "x2")), ("y", ("y1", "y2"))):
        r = float(np.corrcoef(data[a], data[b])[0, 1])
        w = {x.item: x.estimate for x in plsc.weights if x.latent == c}
        assert w[a] == pytest.approx(w[b], abs=1e-12)
        assert rho[c] == pytest.approx(2 * r / (1 + r), abs=1e-10)  # Spearman-Brown
        lam = {x.item: x.estimate for x in plsc.loadings if x.latent == c}
        assert lam[a] == pytest.approx(math.sqrt(r), abs=1e-10)
        assert lam[b] == pytest.approx(math.sqrt(r), abs=1e-10)
        # PLS's loading is the item-composite correlation, sqrt((1 + r) / 2): inflated.
        plain = {x.item: x.estimate for x in pls.loadings if x.latent == c}
        assert plain[a] == pytest.approx(math.sqrt((1 + r) / 2), abs=1e-10)
    corr = dict(((a, b), v) for a, b, v in pls.latent_correlations)[("x", "y")]
    assert plsc.path("x", "y").estimate == pytest.approx(
        corr / math.sqrt(rho["x"] * rho["y"]), abs=1e-12)
    assert plsc.r2["y"] == pytest.approx(plsc.path("x", "y").estimate ** 2, abs=1e-12)
    assert pls.path("x", "y").estimate == pytest.approx(corr, abs=1e-12)


def test_single_item_construct_is_not_corrected(make_bound):
    bound = make_bound({"x": ["x1"], "y": ["y1", "y2"]}, [("x", "y")])
    data = two_item_data(400, 0.5, seed=2)
    plsc = estimate_model("plsc", bound, data)
    assert plsc.settings["plsc"]["rho_a"]["x"] == 1.0
    assert plsc.settings["plsc"]["uncorrected"] == ["x"]
    assert [x.estimate for x in plsc.loadings if x.latent == "x"] == [pytest.approx(1.0)]


def test_rho_a_not_positive_stops_with_the_construct_named(make_bound):
    # x1 = u + v, x2 = u - v with var(v) > var(u): x1 and x2 correlate negatively, yet both
    # correlate positively with y (= u + noise), so both weights are positive: rho_A < 0.
    rng = np.random.default_rng(3)
    n = 400
    u, v = rng.standard_normal(n), 1.5 * rng.standard_normal(n)
    y = u + 0.5 * rng.standard_normal(n)
    data = pd.DataFrame({"x1": 4 + u + v, "x2": 4 + u - v,
                         "y1": 4 + y + 0.3 * rng.standard_normal(n),
                         "y2": 4 + y + 0.3 * rng.standard_normal(n)})
    bound = make_bound({"x": ["x1", "x2"], "y": ["y1", "y2"]}, [("x", "y")])
    with pytest.raises(EstimationError, match=r"rho_A of 'x' \(-\d\.\d{3}\) is\s+not positive"):
        estimate_model("plsc", bound, data, source="shape.csv")
    # PLS itself still estimates it (its composites need no reliability).
    assert estimate_model("pls", bound, data).path("x", "y").estimate > 0


def test_api_comparison_and_plsc_accessors(make_bound, tmp_path):
    bound = make_bound({"x": ["x1", "x2"], "y": ["y1", "y2"]}, [("x", "y")])
    # Answers as a response file holds them: whole points on the 1-7 scale.
    data = two_item_data(300, 0.5, seed=4).round().clip(1, 7).astype(int)
    study_q, model = bound.questionnaire, bound.model
    res = survey.estimate(study_q, model, data, method="all", analyses=[])
    assert res.method == "pls"
    cmp = res.comparison
    assert {"pls", "cbsem", "plsc", "significant_plsc"} <= set(cmp.columns)
    plsc = res.alternative("plsc")
    assert plsc.method == "plsc"
    row = cmp[(cmp["kind"] == "path")].iloc[0]
    assert row["plsc"] == pytest.approx(plsc.paths["std_estimate"].iloc[0])
    table = plsc.plsc
    assert list(table["latent"]) == ["x", "y"] and table["corrected"].all()
    assert table.attrs["admissible"] and table.attrs["min_eigenvalue"] > 0
    with pytest.raises(SurveyError, match="not a PLSc one"):
        _ = res.plsc
    # The workbook's comparison sheet has the PLSc column too, with the PLSc path.
    import openpyxl

    from survey.report.workbook import write_workbook

    path = write_workbook(res.study, tmp_path / "all.xlsx", "en")
    sheet = openpyxl.load_workbook(path)["PLS and CB-SEM side by side"[:31]]
    header = [c.value for c in sheet[1]]
    assert "PLSc" in header
    first = [c.value for c in sheet[2]]
    assert first[header.index("PLSc")] == pytest.approx(plsc.paths["std_estimate"].iloc[0])
    alone = survey.estimate(study_q, model, data, method="plsc", analyses=[])
    assert alone.method == "plsc" and alone.comparison.empty


def test_rho_a_above_one_is_flagged_inadmissible_in_every_output(simple):
    # 40 respondents, two weak items per block: y's unequal weights give rho_A > 1.
    est = estimate_model("plsc", simple, two_item_data(40, 0.3, seed=1))
    rho = est.settings["plsc"]["rho_a"]
    assert rho["y"] > 1 and 0 < rho["x"] <= 1
    assert not est.admissible
    codes = [n.code for n in est.notices if n.inadmissible]
    assert [n.params.get("construct") for n in est.notices
            if n.code == "plsc_rho_above_one"] == ["y"]
    assert codes[0] == "plsc_rho_above_one"
    doc = est.to_json()
    assert doc["admissible"] is False
    assert any("rho_A of 'y'" in w and "above 1" in w for w in doc["warnings"])
    assert any(n.text("zh").startswith("解不可接受：PLSc") for n in est.notices if n.inadmissible)


@pytest.mark.parametrize(("seed", "level"), [(6, "warn"), (7, "none")])
def test_bootstrap_of_plsc_counts_inadmissible_resamples_as_failed(simple, seed, level):
    # 40 respondents, weak blocks: resamples with rho_A above 1, not positive, or a corrected
    # matrix not positive definite. Each fails with its reason, and the usable-resample rule
    # (at least 200, and 50 % of those asked, for inference; 90 % without a warning) decides.
    est = estimate_model("plsc", simple, two_item_data(40, 0.3, seed=seed),
                         bootstrap=BootstrapSettings(400, seed=1))
    b = est.bootstrap
    assert b.n_ok + b.n_failed == 400 and b.n_failed > 40
    assert {"PLSc: rho_A not positive", "PLSc: rho_A above 1",
            "PLSc: corrected construct correlations not positive definite"} == set(b.failures)
    assert not b.kept  # never kept as "inadmissible" draws, whatever the CB-SEM policy
    assert b.usability.level == level
    codes = [n.code for n in est.notices]
    if level == "none":
        assert est.inference == "none" and est.path("x", "y").se is None
        assert "bootstrap_unusable" in codes and est.to_json()["bootstrap"]["parameters"] == []
    else:
        assert est.inference == "bootstrap" and est.path("x", "y").se is not None
        assert "bootstrap_few_usable" in codes


def test_segments_refuse_plsc():
    from survey.analysis.comparison import GroupSpec

    with pytest.raises(EstimationError, match="for segments. Expected one of"):
        GroupSpec.make("plsc", None, "path", "repeated", None)
    assert GroupSpec.make("pls", None, "path", "repeated", None).missing == "mean"
