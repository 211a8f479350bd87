"""PLS-PM against closed forms and invariances nobody here chose.

* Two blocks, mode A both: Wold's PLS converges to Tucker's inter-battery factors, the first
  singular vectors of the between-block correlation matrix R12.
* Two blocks, mode B both: canonical correlation analysis; the path is the first canonical
  correlation.
* Integer case weights are frequency weights: the estimate equals the one on replicated rows.
* Mean replacement equals filling the gaps by hand.
* The sign rule: every construct correlates positively with most of its own items.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from survey.errors import EstimationError
from survey.estimators.pls import compile_design, estimate_pls, fit_pls, run_stage
from survey.estimators.prepare import prepare_items
from survey.pathmodel import bind


def _two_block_data(n=400, seed=3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.standard_normal(n)
    g = 0.6 * f + 0.8 * rng.standard_normal(n)
    cols = {}
    for k, lam in enumerate((0.8, 0.6, 0.7)):
        cols[f"x{k}"] = np.clip(np.rint(4 + 1.2 * (lam * f + np.sqrt(1 - lam ** 2)
                                                   * rng.standard_normal(n))), 1, 7)
    for k, lam in enumerate((0.9, 0.5)):
        cols[f"y{k}"] = np.clip(np.rint(4 + 1.2 * (lam * g + np.sqrt(1 - lam ** 2)
                                                   * rng.standard_normal(n))), 1, 7)
    return pd.DataFrame(cols)


BLOCKS = {"x": ["x0", "x1", "x2"], "y": ["y0", "y1"]}


@pytest.mark.parametrize("scheme", ["path", "centroid", "factorial"])
def test_mode_a_two_blocks_is_tucker_inter_battery(scheme, make_bound):
    data = _two_block_data()
    est = estimate_pls(make_bound(BLOCKS, [("x", "y")]), data, scheme=scheme)
    r = np.corrcoef(data.to_numpy(), rowvar=False)
    u, s, vt = np.linalg.svd(r[:3, 3:])
    wx = {w.item: w.estimate for w in est.weights if w.latent == "x"}
    ours = np.array([wx[f"x{k}"] for k in range(3)])
    expected = u[:, 0] * np.sign(u[:, 0].sum())
    expected /= np.sqrt(expected @ r[:3, :3] @ expected)
    assert ours == pytest.approx(expected, abs=1e-6)
    wy = np.array([w.estimate for w in est.weights if w.latent == "y"])
    ey = vt[0] * np.sign(vt[0].sum())
    ey /= np.sqrt(ey @ r[3:, 3:] @ ey)
    assert wy == pytest.approx(ey, abs=1e-6)
    assert est.path("x", "y").estimate == pytest.approx(float(ours @ r[:3, 3:] @ wy), abs=1e-9)


def test_mode_b_two_blocks_is_canonical_correlation(make_bound):
    data = _two_block_data()
    est = estimate_pls(make_bound(BLOCKS, [("x", "y")], (("x", "B"), ("y", "B"))), data)
    r = np.corrcoef(data.to_numpy(), rowvar=False)
    rxx, ryy, rxy = r[:3, :3], r[3:, 3:], r[:3, 3:]
    m = np.linalg.solve(rxx, rxy) @ np.linalg.solve(ryy, rxy.T)
    first = np.sqrt(np.max(np.linalg.eigvals(m).real))
    assert est.path("x", "y").estimate == pytest.approx(first, abs=1e-6)
    assert est.r2["y"] == pytest.approx(first ** 2, abs=1e-6)


def test_integer_case_weights_equal_replicated_rows(make_bound):
    data = _two_block_data(n=150, seed=8)
    rng = np.random.default_rng(1)
    data["w"] = rng.integers(1, 4, len(data)).astype(float)
    bound = make_bound(BLOCKS, [("x", "y")])
    weighted = estimate_pls(bound, data, weights="w")
    replicated = data.loc[data.index.repeat(data["w"].astype(int))].reset_index(drop=True)
    plain = estimate_pls(bound, replicated)
    assert weighted.path("x", "y").estimate == pytest.approx(plain.path("x", "y").estimate,
                                                             abs=1e-10)
    for a, b in zip(weighted.weights, plain.weights, strict=True):
        assert a.estimate == pytest.approx(b.estimate, abs=1e-10)
    for a, b in zip(weighted.indices, plain.indices, strict=True):
        assert a.value == pytest.approx(b.value, abs=1e-9)
    assert weighted.settings["weights_column"] == "w"


def test_bad_case_weights_are_rejected_with_rows(make_bound):
    data = _two_block_data(n=50)
    data["w"] = 1.0
    data.loc[[3, 7], "w"] = -1.0
    with pytest.raises(EstimationError, match=r"'w'.*rows 3, 7"):
        estimate_pls(make_bound(BLOCKS, [("x", "y")]), data, weights="w")


def test_mean_replacement_equals_filling_by_hand(make_bound):
    data = _two_block_data(n=200, seed=5)
    holes = data.copy()
    holes.loc[[1, 5, 9], "x1"] = np.nan
    holes.loc[[2, 5], "y0"] = np.nan
    filled = holes.fillna(holes.mean())
    bound = make_bound(BLOCKS, [("x", "y")])
    a, b = estimate_pls(bound, holes), estimate_pls(bound, filled)
    assert a.path("x", "y").estimate == pytest.approx(b.path("x", "y").estimate, abs=1e-12)
    assert a.missing == "mean" and a.missing_detail["n_values_replaced"] == 5
    assert a.missing_detail["n_incomplete"] == 4 and a.n == 200
    listwise = estimate_pls(bound, holes, missing="listwise")
    assert listwise.n == 196 and listwise.n_dropped == 4


def test_sign_rule_makes_constructs_agree_with_most_items(make_bound):
    # a1 is reverse-keyed: it carries the link to y, a2 and a3 correlate negatively with it.
    # Unfixed, the weights' fixed point points the composite along a1 (two of three own
    # loadings negative); the rule turns it round.
    r = np.array([
        [1.0, -0.3, -0.3, 0.5, 0.45],
        [-0.3, 1.0, 0.2, -0.1, -0.1],
        [-0.3, 0.2, 1.0, -0.1, -0.1],
        [0.5, -0.1, -0.1, 1.0, 0.6],
        [0.45, -0.1, -0.1, 0.6, 1.0],
    ])
    assert np.linalg.eigvalsh(r).min() > 0
    bound = make_bound({"a": ["a1", "a2", "a3"], "b": ["b1", "b2"]}, [("a", "b")])
    design = compile_design(bound)

    class Fail:
        reason = np.array([""], dtype=object)
        ok = np.array([True])

        def mark(self, where, reason):
            pass

    stage = run_stage(r[None], design.stage1, "path", 1e-10, 300, Fail())
    w = stage.weights[0]
    loadings = r @ w
    own_a = loadings[:3, 0]
    assert (own_a > 0).sum() >= 2
    assert own_a[0] < 0  # the reverse-keyed item loads negatively after the flip


def test_counts_of_ones_reproduce_the_full_sample(root, mobi_csv):
    from survey.estimators.pls import PlsStatistic, _assemble, _layout, _scale_bounds
    from survey.pathmodel import load_model
    from survey.questionnaire import load_questionnaire

    q = load_questionnaire(root / "questionnaires" / "mobi.yaml")
    bound = bind(load_model(root / "models" / "ecsi.yaml"), q)
    data = pd.read_csv(mobi_csv).astype(float)
    prepared = prepare_items(bound.items, data, missing="mean", weights=None, where="mobi")
    fit = fit_pls(compile_design(bound), prepared)
    est = _assemble(fit, None)
    layout = _layout(fit, est)
    lo, hi = _scale_bounds(fit.design)
    values, reasons = PlsStatistic(fit, layout, lo, hi)(np.ones((2, fit.n), dtype=int))
    assert reasons == ["", ""]
    expected = {("path", p.source, p.target): p.estimate for p in est.paths}
    expected |= {("index", i.latent, ""): i.value for i in est.indices}
    expected |= {("loading", x.latent, x.item): x.estimate for x in est.loadings}
    got = dict(zip(layout.labels, values[0], strict=True))
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=1e-9), key


def test_single_item_and_formative_reliability_is_not_applicable(make_bound):
    data = _two_block_data()
    blocks = {"x": ["x0", "x1", "x2"], "y": ["y0"]}
    est = estimate_pls(make_bound(blocks, [("x", "y")], (("x", "B"),)), data)
    assert est.reliability["y"] == {"alpha": None, "rho_a": None, "rho_c": None, "ave": None}
    assert est.reliability["x"]["rho_a"] is None and est.reliability["x"]["alpha"] is not None


def test_unknown_scheme_and_hoc_method(make_bound):
    bound = make_bound(BLOCKS, [("x", "y")])
    with pytest.raises(EstimationError, match="scheme"):
        estimate_pls(bound, _two_block_data(), scheme="magic")
    with pytest.raises(EstimationError, match="higher-order"):
        estimate_pls(bound, _two_block_data(), hoc="magic")


@pytest.fixture(scope="module")
def airline(root):
    from survey.ingest import read_responses
    from survey.pathmodel import load_model
    from survey.questionnaire import load_questionnaire

    q = load_questionnaire(root / "questionnaires" / "airline.yaml")
    bound = bind(load_model(root / "models" / "ccsi.yaml"), q)
    return bound, read_responses(root / "examples" / "airline_wave1.csv", q,
                                 items=bound.items).data


@pytest.mark.parametrize("hoc", ["repeated", "two_stage", "disjoint"])
def test_second_order_quality_index_is_a_mix_of_its_dimensions(airline, hoc):
    bound, data = airline
    est = estimate_pls(bound, data, hoc=hoc)
    dims = dict(bound.second_order)["quality"]
    values = [est.index(d) for d in dims]
    assert min(values) <= est.index("quality") <= max(values)
    detail = {i.latent: i for i in est.indices}["quality"]
    assert {item for item, _ in detail.weights} == {
        i for d in dims for i in dict(bound.measurement)[d]}
    loadings = {x.item: x.estimate for x in est.loadings if x.latent == "quality"}
    assert set(loadings) == set(dims) and all(0.5 < v < 1 for v in loadings.values())
    assert est.settings["higher_order"] == hoc


def test_hoc_methods_agree_roughly(airline):
    bound, data = airline
    paths = {h: estimate_pls(bound, data, hoc=h) for h in ("repeated", "two_stage")}
    for p in paths["repeated"].paths:
        assert p.estimate == pytest.approx(paths["two_stage"].path(p.source, p.target).estimate,
                                           abs=0.1)


def test_estimate_is_immutable_and_serialises(airline):
    bound, data = airline
    est = estimate_pls(bound, data)
    with pytest.raises(dataclasses.FrozenInstanceError):
        est.n = 3  # type: ignore[misc]
    out = est.to_json()
    assert out["method"] == "pls" and out["fit"] == {} and out["bootstrap"] is None
    assert set(out["indices"]) == set(bound.constructs)
    assert {"alpha", "rho_a", "rho_c", "ave"} <= set(out["reliability"]["satisfaction"])
