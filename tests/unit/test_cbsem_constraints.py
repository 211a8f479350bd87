"""Residual covariances, fixed parameters and equalities beyond the lavaan references: the
syntax written for semopy, the bootstrap of covariances, PLS saying what it ignores and the
multi-group model refusing what it cannot compare."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey.errors import EstimationError
from survey.estimators.bootstrap import BootstrapSettings
from survey.estimators.cbsem import estimate_cbsem
from survey.estimators.cbsem_model import model_syntax
from survey.estimators.multigroup import MultiGroupModel, labelled_syntax
from survey.estimators.pls import estimate_pls
from survey.ingest import response_set_from_frame
from survey.pathmodel import bind, load_model
from survey.questionnaire import load_questionnaire
from survey.simulate import AIRLINE_CCSI, simulate_responses

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "reference" / "data"
EXTRA = """\
covariances:
  - crew_friendly ~~ crew_proactive
  - value ~~ expectation
fixed:
  - image -> expectation = 0.5
  - cabin =~ cabin_seat = 1
  - loyalty ~~ loyalty = 0.3
equal:
  - [crew =~ crew_spirit, crew =~ crew_response]
"""


@pytest.fixture(scope="module")
def bound(tmp_path_factory):
    path = tmp_path_factory.mktemp("m") / "ccsi_plus.yaml"
    path.write_text((ROOT / "models" / "ccsi.yaml").read_text(encoding="utf-8") + EXTRA,
                    encoding="utf-8")
    return bind(load_model(path), load_questionnaire(ROOT / "questionnaires" / "airline.yaml"))


def test_syntax_writes_values_labels_and_markers(bound):
    lines = model_syntax(bound)[0].splitlines()
    assert ("crew =~ 1.0*crew_friendly + EQ__1*crew_spirit + crew_proactive + "
            "EQ__1*crew_response") in lines
    # The marker written out: semopy would take cabin_seat (the first fixed) for the marker.
    (cabin,) = [x for x in lines if x.startswith("cabin =~")]
    assert cabin.startswith("cabin =~ 1.0*cabin_air + cabin_temperature")
    assert "+ 1.0*cabin_seat +" in cabin
    assert "expectation ~ 0.5*image" in lines
    assert "crew_friendly ~~ crew_proactive" in lines and "value ~~ expectation" in lines
    assert "loyalty ~~ 0.3*loyalty" in lines
    # Lines without values or labels are as before: the bundled model's syntax is unchanged.
    assert lines[0] == "image =~ img_awareness + img_service + img_logo"


def test_multigroup_keeps_covariances_and_refuses_constraints(bound):
    labelled = labelled_syntax(model_syntax(bound)[0]).splitlines()
    assert "crew_friendly ~~ crew_proactive" in labelled
    assert "expectation ~ 0.5*image" in labelled
    assert any(x.startswith("value ~ B__value__image*image") for x in labelled)
    with pytest.raises(EstimationError, match="Multi-group comparisons do not support fixed "
                                              "parameters or equality constraints yet"):
        MultiGroupModel(bound, [pd.DataFrame(), pd.DataFrame()])


@pytest.fixture(scope="module")
def wave(bound):
    population = dataclasses.replace(AIRLINE_CCSI, dont_know_rate=0.0, dont_know_rates={},
                                     screened_out_rate=0.0)
    frame = simulate_responses(bound, population, n=300, seed=11)
    return response_set_from_frame(frame, bound.questionnaire, items=bound.items).data


def test_pls_says_what_it_ignores_and_estimates_the_rest(bound, wave):
    est = estimate_pls(bound, wave)
    codes = {n.code: n for n in est.notices}
    assert codes["pls_covariances_ignored"].params["covariances"] == (
        "'crew_friendly ~~ crew_proactive', 'value ~~ expectation'")
    assert "'image -> expectation = 0.5'" in codes["pls_constraints_ignored"].text()
    assert "'crew =~ crew_spirit = crew =~ crew_response'" in codes[
        "pls_constraints_ignored"].text()
    assert "PLS 路径建模无法固定参数" in codes["pls_constraints_ignored"].text("zh")
    assert est.path("image", "expectation").estimate != 0.5
    assert est.covariances == () and est.constraints == {}
    assert est.admissible


def test_cbsem_honours_them(bound, wave):
    est = estimate_cbsem(bound, wave)
    assert est.path("image", "expectation").estimate == 0.5
    loading = {(x.latent, x.item): x.estimate for x in est.loadings}
    assert loading[("crew", "crew_spirit")] == loading[("crew", "crew_response")]
    assert loading[("cabin", "cabin_seat")] == loading[("cabin", "cabin_air")] == 1.0
    assert ("loyalty ~~ loyalty", 0.3, None) in est.variances
    kinds = {c.name: c.kind for c in est.covariances}
    assert kinds["crew_friendly ~~ crew_proactive"] == "item"
    assert kinds["expectation ~~ value"] == "construct"  # in the model's order
    assert set(est.constraints) == {"fixed", "equal"}
    assert not any(n.code.startswith("pls_") for n in est.notices)


def test_covariances_are_bootstrapped(tmp_path):
    """A CFA's latent covariances and a residual covariance get labels of their own; their
    bootstrap SEs replace the Wald ones and agree with them roughly (complete, near-normal
    data)."""
    q = tmp_path / "q.yaml"
    q.write_text(textwrap.dedent("""\
        id: hs
        title: {zh: hs, en: hs}
        scales:
          score: {min: 0, max: 10}
        constructs:
          visual:
            label: {zh: visual, en: visual}
            scale: score
            items: {x1: {zh: x1, en: x1}, x2: {zh: x2, en: x2}, x3: {zh: x3, en: x3}}
          textual:
            label: {zh: textual, en: textual}
            scale: score
            items: {x4: {zh: x4, en: x4}, x5: {zh: x5, en: x5}, x6: {zh: x6, en: x6}}
        """), encoding="utf-8")
    m = tmp_path / "m.yaml"
    m.write_text("id: cfa\nlatents: [visual, textual]\ncovariances: [x2 ~~ x3]\n",
                 encoding="utf-8")
    bound = bind(load_model(m), load_questionnaire(q))
    data = pd.read_csv(DATA / "hs1939.csv")
    wald = estimate_cbsem(bound, data)
    boot = estimate_cbsem(bound, data, bootstrap=BootstrapSettings(200, seed=5,
                                                                   jackknife_groups=2))
    table = boot.bootstrap.table().set_index(["kind", "a", "b"])
    for c, w in zip(boot.covariances, wald.covariances, strict=True):
        row = table.loc[("covariance", c.name, "")]
        assert row["estimate"] == pytest.approx(c.estimate, abs=1e-8)
        assert table.loc[("std_covariance", c.name, ""), "estimate"] == pytest.approx(
            c.std_estimate, abs=1e-8)
        assert c.se == pytest.approx(row["se"]) and c.se == pytest.approx(w.se, rel=0.3)
        assert c.ci_low < c.estimate < c.ci_high
    # Named in the model's order (constructs, then items), as lavaan writes them.
    assert [c.name for c in boot.covariances] == ["x2 ~~ x3", "visual ~~ textual"]
    assert np.isfinite(boot.bootstrap.draws).all()
