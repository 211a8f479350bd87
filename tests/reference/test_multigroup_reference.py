"""Two-group CB-SEM against lavaan 0.6-14: invariance steps and path equality by likelihood ratio.

Holzinger & Swineford (1939) as shipped with lavaan, grouped by school (lavaan's group 1 is
Pasteur, group 2 Grant-White), with visual, textual and speed measured by three items each and
visual -> textual, visual -> speed, textual -> speed. Numbers made by
``tests/reference/hs_multigroup_lavaan.R`` (``sem(..., group = "school")`` with
``group.equal`` "loadings", c("loadings", "regressions"), c("loadings", "intercepts") and, for
one path, a shared label ``c(b, b)``; ``lavTestLRT``). The user's report behind these tests:
the Wald test on the separately fitted groups gave visual -> speed p = 0.047 where lavaan's
likelihood ratio inside the equal-loadings model gives p = 0.081.

A second case puts the scalar model's choices for higher-order and single-item constructs
(survey.estimators.multigroup) against lavaan: ability over visual and textual, x9 a single-item
construct between ability and speed (x7, x8); lavaan fixes the dimensions' intercepts at 0 in
both groups and frees x9's intercept in each (``group.partial``).

One class per case and data set (complete: ML; about 5 % of the values missing: FIML, lavaan's
``missing = "ml"``), one tolerance per quantity:

* chi2 and logL of every model: 1e-6 relative (both sides minimise to ~1e-9; seen 1e-10);
* df: exact; CFI: 1e-6 absolute;
* chi2 difference of every likelihood-ratio test: 1e-4 absolute (a difference of two logL of
  -3700 each; seen 1e-8) and its p-value 1e-5 absolute;
* latent means of the scalar model: 5e-5 absolute (lavaan stops ~1e-5 short in the
  parameters; seen 9e-6); their standard errors (observed
  information, lavaan ``information = "observed"``; ours a numerical Hessian of the analytic
  gradient) 1e-4 relative;
* a model whose lavaan solution has a negative variance (a Heywood case): the same
  tolerances, both programs estimating variances unbounded.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest

from survey.analysis.segments import compare_levels
from survey.estimators.multigroup import METRIC, SCALAR, Equalities, MultiGroupModel
from survey.pathmodel import PathModel, bind
from survey.questionnaire import Construct, Item, Label, Questionnaire, Scale

DATA = Path(__file__).parent / "data"
GROUPS = ("Pasteur", "Grant-White")
PATHS = (("visual", "textual"), ("visual", "speed"), ("textual", "speed"))
#: The second-order case: ability over visual and textual, x9 a single-item construct
#: (memory) between ability and speed.
DIMENSIONS = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"], "speed": ["x7", "x8"],
              "memory": ["x9"]}


def hs_bound(blocks: dict[str, list[str]], latents: tuple[str, ...],
             paths: tuple[tuple[str, str], ...], second_order: dict[str, tuple[str, ...]]):
    """A questionnaire and path model on the HS scores. The scores are not integers and lie in
    0-10, so the model is bound directly (as tests/conftest.py's make_bound) on a 0-10 scale."""
    lab = Label((("en", "x"),))
    constructs = {c: Construct(c, Label((("en", c),)), "score",
                               tuple(Item(i, c, "score", lab, lab) for i in items))
                  for c, items in blocks.items()}
    for c, dims in second_order.items():
        constructs[c] = Construct(c, Label((("en", c),)), None, (), dims)
    q = Questionnaire("hs1939", lab, ("en",), {"score": Scale("score", 0, 10)}, constructs)
    model = PathModel("hs", Label((("en", "HS"),)), latents, paths, paths[-1][1], ())
    return bind(model, q)


def _lavaan(name: str, case: str, data: str) -> pd.DataFrame:
    frame = pd.read_csv(DATA / name)
    return frame[(frame["case"] == case) & (frame["data"] == data)].reset_index(drop=True)


class _LavaanMultiGroup:
    """Shared checks; a subclass names the case (model) and the data (file, lavaan's label)."""

    case = "paths"
    blocks = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
              "speed": ["x7", "x8", "x9"]}
    latents: tuple[str, ...] = ("visual", "textual", "speed")
    paths: tuple[tuple[str, str], ...] = PATHS
    second_order: dict[str, tuple[str, ...]] = {}
    mean_latents: tuple[str, ...] = ("visual", "textual", "speed")
    csv: str
    data: str

    @classmethod
    def bound(cls):
        return hs_bound(cls.blocks, cls.latents, cls.paths, cls.second_order)

    @pytest.fixture(scope="class")
    @classmethod
    def frame(cls):
        return pd.read_csv(DATA / cls.csv)

    @pytest.fixture(scope="class")
    @classmethod
    def fits(cls, frame):
        """Every model lavaan fitted, ours, by lavaan's name; and the seconds each took."""
        model = MultiGroupModel(cls.bound(), [frame[frame["school"] == g] for g in GROUPS])
        out = {"configural": model.fit()}
        out["metric"] = model.fit(METRIC, out["configural"])
        out["paths_equal"] = model.fit(Equalities(loadings=True, paths=cls.paths),
                                       out["metric"])
        out["scalar"] = model.fit(SCALAR, out["metric"])
        for a, b in cls.paths:
            out[f"path_equal:{a} -> {b}"] = model.fit(
                Equalities(loadings=True, paths=((a, b),)), out["metric"])
        for name, fit in out.items():
            print(f"{cls.case} {cls.data} {name}: {fit.seconds:.3f} s")
        return out

    @pytest.fixture(scope="class")
    @classmethod
    def pair(cls, frame):
        t0 = time.perf_counter()
        out = compare_levels(cls.bound(), frame, "school", *GROUPS, method="cbsem", min_n=100)
        print(f"{cls.case} {cls.data} compare_levels: {time.perf_counter() - t0:.2f} s")
        return out

    def test_models(self, fits):
        ref = _lavaan("hs_multigroup_lavaan_models.csv", self.case, self.data)
        assert set(ref["model"]) == set(fits)
        for row in ref.itertuples(index=False):
            fit = fits[row.model]
            assert fit.converged, row.model
            assert fit.df == row.df and fit.n_free == row.npar, row.model
            assert fit.chi2 == pytest.approx(row.chisq, rel=1e-6), row.model
            assert fit.logl == pytest.approx(row.logl, rel=1e-6), row.model

    def test_likelihood_ratio_tests_through_compare_levels(self, pair):
        ref = _lavaan("hs_multigroup_lavaan_lrt.csv", self.case, self.data).set_index("model")
        inv = pair.cbsem
        ours = {"metric": (inv.chi2_difference, inv.df_difference, inv.p_value),
                "paths_equal": (inv.paths_equal.chi2_difference, inv.paths_equal.df_difference,
                                inv.paths_equal.p_value),
                "scalar": (inv.scalar.chi2_difference, inv.scalar.df_difference,
                           inv.scalar.p_value)}
        for a, b in self.paths:
            t = pair.test("path", a, b)
            assert t.test == "lr"
            ours[f"path_equal:{a} -> {b}"] = (t.chi2, t.df, t.p_value)
        assert set(ours) == set(ref.index)
        for name, (chi2, df, p) in ours.items():
            r = ref.loc[name]
            print(f"{self.case} {self.data} {name}: chi2 {chi2:.6f} (lavaan {r.chisq_diff:.6f}), df {df}, "
                  f"p {p:.6f} (lavaan {r.p_value:.6f})")
            assert df == r.df_diff, name
            assert chi2 == pytest.approx(r.chisq_diff, abs=1e-4), name
            assert p == pytest.approx(r.p_value, abs=1e-5), name

    def test_cfi_of_each_step(self, pair):
        ref = _lavaan("hs_multigroup_lavaan_models.csv", self.case,
                      self.data).set_index("model")["cfi"]
        inv = pair.cbsem
        assert inv.configural.cfi == pytest.approx(ref["configural"], abs=1e-6)
        assert inv.metric.cfi == pytest.approx(ref["metric"], abs=1e-6)
        assert inv.scalar.fit.cfi == pytest.approx(ref["scalar"], abs=1e-6)
        assert inv.scalar.cfi_difference == pytest.approx(ref["scalar"] - ref["metric"],
                                                          abs=1e-6)

    def test_latent_means_of_the_scalar_model(self, pair):
        ref = _lavaan("hs_multigroup_lavaan_means.csv", self.case,
                      self.data).set_index("latent")
        means = pair.to_json()["cbsem"]["scalar"]["latent_means"]
        assert [m["latent"] for m in means] == list(self.mean_latents)
        for m in means:
            r = ref.loc[m["latent"]]
            assert m["mean_2"] == pytest.approx(r.est, abs=5e-5)
            assert m["difference"] == pytest.approx(-r.est, abs=5e-5)
            assert m["se"] == pytest.approx(r.se, rel=1e-4)

    def test_verdicts(self, pair):
        inv = pair.cbsem
        assert inv.metric_holds is True and inv.scalar.holds is False
        assert inv.paths_equal.holds is True
        doc = pair.to_json()["cbsem"]
        assert doc["scalar"]["available"] and doc["scalar"]["holds"] is False
        assert doc["scalar"]["df_difference"] == self.scalar_df


class TestPathsComplete(_LavaanMultiGroup):
    """ML on the complete data; here visual -> speed is the user's case (p = 0.081)."""

    csv = "hs1939.csv"
    data = "complete"
    scalar_df = 6   # 9 intercepts equal, 3 latent means free

    def test_the_reported_path(self, pair):
        t = pair.test("path", "visual", "speed")
        assert t.p_value == pytest.approx(0.0808829, abs=1e-6)
        assert t.comparable is True


class TestPathsMissing(_LavaanMultiGroup):
    """FIML with about 5 % of the item values missing (lavaan ``missing = "ml"``)."""

    csv = "hs1939_missing.csv"
    data = "missing"
    scalar_df = 6


class _SecondOrder(_LavaanMultiGroup):
    """A second-order construct and a single-item one: the scalar model's choices
    (survey.estimators.multigroup) reproduced in lavaan by fixing the dimensions' intercepts at
    0 in both groups and freeing x9's intercept in each (``group.partial = "x9~1"``)."""

    case = "second_order"
    blocks = DIMENSIONS
    latents = ("ability", "memory", "speed")
    paths = (("ability", "memory"), ("ability", "speed"), ("memory", "speed"))
    second_order = {"ability": ("visual", "textual")}
    mean_latents = ("ability", "speed")
    scalar_df = 6   # x1-x8 intercepts equal, the means of ability and speed free


class TestSecondOrderComplete(_SecondOrder):
    csv = "hs1939.csv"
    data = "complete"


class TestSecondOrderMissing(_SecondOrder):
    """With every path equal, and with ability -> memory equal, lavaan's estimate of visual's
    disturbance variance in Grant-White is negative (-0.006 and -0.012, SE 0.14): a Heywood
    case, which ours reproduces (variances unbounded, as estimate_cbsem's)."""

    csv = "hs1939_missing.csv"
    data = "missing"
