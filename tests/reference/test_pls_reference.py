"""PLS-PM against the peer seminr 0.2.1 (numbers in tests/reference/data/seminr_*.csv, made by
tests/reference/seminr_reference.py). One class per data set, one tolerance per quantity.

Conventions where we differ from seminr on purpose (not compared): single-item constructs get
None for alpha, rho_A, rho_C and AVE (seminr: 1), formative constructs None for rho_A (seminr: 1),
and a construct with one antecedent has inner VIF 1 (seminr: NaN).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from survey.estimators.pls import estimate_pls
from survey.ingest import response_set_from_frame
from survey.pathmodel import bind, load_model
from survey.questionnaire import Construct, Label, load_questionnaire

DATA = Path(__file__).parent / "data"
TOL = 1e-4


def ref(prefix: str, what: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"seminr_{prefix}_{what}.csv")


def worst(pairs) -> float:
    pairs = list(pairs)
    assert pairs, "nothing compared"
    return max(abs(a - b) for a, b in pairs)


class PeerChecks:
    """The shared battery: every quantity seminr reports, compared at 1e-4."""

    prefix = ""

    def test_paths(self, est):
        table = ref(self.prefix, "paths")
        assert len(table) == len(est.paths)
        gap = worst((est.path(r["from"], r["to"]).estimate, r.estimate)
                    for _, r in table.iterrows())
        print(f"{self.prefix}: max |path - seminr| = {gap:.1e}")
        assert gap < TOL

    def test_loadings(self, est):
        ours = {(x.latent, x.item): x.estimate for x in est.loadings}
        assert worst((ours[(r.latent, r["item"])], r.estimate)
                     for _, r in ref(self.prefix, "loadings").iterrows()) < TOL

    def test_outer_weights(self, est):
        ours = {(x.latent, x.item): x.estimate for x in est.weights}
        assert worst((ours[(r.latent, r["item"])], r.estimate)
                     for _, r in ref(self.prefix, "weights").iterrows()) < TOL

    def test_r2_and_adjusted(self, est):
        table = ref(self.prefix, "r2")
        assert worst((est.r2[r.latent], r.r2) for _, r in table.iterrows()) < TOL
        assert worst((est.adj_r2[r.latent], r.adj_r2) for _, r in table.iterrows()) < TOL

    @pytest.mark.parametrize("measure", ["alpha", "rho_a", "rho_c", "ave"])
    def test_reliability(self, est, measure):
        pairs = [(est.reliability[r.latent][measure], r[measure])
                 for _, r in ref(self.prefix, "reliability").iterrows()
                 if est.reliability[r.latent][measure] is not None]
        assert worst(pairs) < TOL

    def test_htmt(self, est):
        ours = {frozenset((a, b)): v for a, b, v in est.htmt}
        table = ref(self.prefix, "htmt")
        pairs = [(ours[frozenset((r.a, r.b))], r.value) for _, r in table.iterrows()
                 if frozenset((r.a, r.b)) in ours]
        assert worst(pairs) < TOL

    def test_cross_loadings(self, est):
        ours = {(i, c): v for i, c, v in est.cross_loadings}
        table = ref(self.prefix, "cross_loadings")
        assert worst((ours[(r["item"], r.latent)], r.value) for _, r in table.iterrows()
                     if (r["item"], r.latent) in ours) < TOL

    def test_total_effects(self, est):
        ours = {(e.source, e.target): e.total for e in est.effects}
        table = ref(self.prefix, "total_effects")
        assert worst((ours.get((r["from"], r["to"]), 0.0), r.value)
                     for _, r in table.iterrows()) < TOL

    def test_f_squared(self, est):
        ours = {(a, b): v for a, b, v in est.f2}
        assert worst((ours[(r["from"], r["to"])], r.value)
                     for _, r in ref(self.prefix, "fsquare").iterrows()) < TOL

    def test_inner_vif(self, est):
        ours = {(a, b): v for a, b, v in est.inner_vif}
        table = ref(self.prefix, "vif").dropna()
        assert worst((ours[(r["from"], r["to"])], r.value) for _, r in table.iterrows()) < TOL

    def test_fornell_larcker(self, est):
        corr = {frozenset((a, b)): v for a, b, v in est.latent_correlations}
        pairs = []
        for _, r in ref(self.prefix, "fornell_larcker").iterrows():
            if r.a == r.b:
                ave = est.reliability[r.a]["ave"]
                if ave is not None:
                    pairs.append((ave ** 0.5, r.value))
            else:
                pairs.append((corr[frozenset((r.a, r.b))], r.value))
        assert worst(pairs) < TOL

    def test_item_vif(self, est):
        # Multi-item blocks only: seminr gives single items a VIF of 1, we list none.
        ours = {(x["latent"], x["item"]): x["vif"] for x in est.settings["outer_vif"]}
        table = ref(self.prefix, "item_vif")
        assert worst((ours[(r.latent, r["item"])], r.value) for _, r in table.iterrows()
                     if (r.latent, r["item"]) in ours) < TOL

    def test_converged(self, est):
        assert est.converged and est.method == "pls"


@pytest.fixture(scope="module")
def mobi(root, mobi_csv):
    q = load_questionnaire(root / "questionnaires" / "mobi.yaml")
    return q, pd.read_csv(mobi_csv).astype(float)


class TestMobiECSI(PeerChecks):
    """ECSI on the mobile-phone data, mode A, path weighting."""

    prefix = "mobi_ecsi"
    scheme = "path"

    @pytest.fixture(scope="class")
    @classmethod
    def est(cls, root, mobi):
        q, data = mobi
        return estimate_pls(bind(load_model(root / "models" / "ecsi.yaml"), q), data,
                            scheme=cls.scheme)


class TestMobiECSIFactorial(TestMobiECSI):
    """The same model with the factorial inner weighting scheme."""

    prefix = "mobi_ecsi_factorial"
    scheme = "factorial"


class TestCorporateReputationModeB(PeerChecks):
    """Four formative (mode B) constructs; the rows with the -99 code removed (listwise)."""

    prefix = "corp_rep"

    @pytest.fixture(scope="class")
    @classmethod
    def est(cls, mobi_csv):
        q = load_questionnaire(DATA / "corp_rep.yaml")
        bound = bind(load_model(DATA / "corp_rep_model.yaml"), q)
        raw = pd.read_csv(mobi_csv.parent / "corp_rep_data.csv")
        responses = response_set_from_frame(raw, q, items=bound.items)
        return estimate_pls(bound, responses.data, missing="listwise")

    def test_rows_dropped_like_seminr(self, est):
        dropped = pd.read_csv(DATA / "seminr_corp_rep_dropped_rows.csv")
        assert est.n == 336 and est.n_dropped == len(dropped) == 8


class TestMobiSecondOrderDisjoint(PeerChecks):
    """A second-order composite 'experience' over quality and value, disjoint two-stage (the
    variant seminr implements): stage 1 links the dimensions directly to experience's
    neighbours; stage 2 measures experience by the stage-1 dimension scores."""

    prefix = "mobi_hoc"

    @pytest.fixture(scope="class")
    @classmethod
    def est(cls, root, mobi):
        q, data = mobi
        constructs = dict(q.constructs)
        constructs["experience"] = Construct(
            "experience", Label((("zh", "体验"), ("en", "Experience"))), None,
            dimensions=("quality", "value"))
        q = dataclasses.replace(q, constructs=constructs)
        ecsi = load_model(root / "models" / "ecsi.yaml")
        model = dataclasses.replace(
            ecsi, latents=("image", "expectation", "experience", "satisfaction", "complaints",
                           "loyalty"),
            paths=(("image", "expectation"), ("image", "satisfaction"), ("image", "loyalty"),
                   ("expectation", "experience"), ("expectation", "satisfaction"),
                   ("experience", "satisfaction"), ("satisfaction", "complaints"),
                   ("satisfaction", "loyalty"), ("complaints", "loyalty")))
        return estimate_pls(bind(model, q), data, hoc="disjoint")

    def test_cross_loadings(self, est):
        # seminr lists the dimension scores as experience's "items"; ours are the real items.
        ours = {(i, c): v for i, c, v in est.cross_loadings}
        table = ref(self.prefix, "cross_loadings")
        table = table[~table["item"].isin(["quality", "value"])]
        assert worst((ours[(r["item"], r.latent)], r.value) for _, r in table.iterrows()) < TOL
