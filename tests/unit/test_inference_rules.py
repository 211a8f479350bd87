"""Inference the data cannot carry is not printed: the usable-resample rule of the bootstrap,
no more respondents than items, a singular item covariance matrix, and CB-SEM reliabilities
that follow from the model (omega), never rho_A, flagged above 1.

The rule's constants (survey.estimators.bootstrap): fewer than MIN_USABLE usable resamples, or
fewer than MIN_USABLE_SHARE of those asked for, give no bootstrap inference; fewer than
WARN_USABLE_SHARE give inference with a warning. The same verdict reaches the JSON, the
console and the report.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from survey.cli import cli
from survey.errors import EstimationError
from survey.estimators.bootstrap import (
    MIN_USABLE,
    MIN_USABLE_SHARE,
    NEGATIVE_VARIANCE,
    WARN_USABLE_SHARE,
    BootstrapSettings,
)
from survey.estimators.cbsem import estimate_cbsem, reliability_notices
from survey.estimators.cbsem_bootstrap import NOT_CONVERGED
from survey.estimators.pls import estimate_pls
from survey.pathmodel import bind, load_model
from survey.questionnaire import load_questionnaire
from survey.simulate import AIRLINE_CCSI, simulate_responses


@pytest.fixture(scope="module")
def mini(root):
    q = root / "tests/inputs/data/mini.yaml"
    m = root / "tests/cli/mini_model.yaml"
    bound = bind(load_model(m), load_questionnaire(q))
    population = dataclasses.replace(AIRLINE_CCSI, paths={("image", "satisfaction"): 0.6},
                                     dont_know_rate=0.0, screened_out_rate=0.0)
    frame = simulate_responses(bound, population, n=300, seed=4)
    data = frame[list(bound.items)].astype(float)
    return bound, data, q, m, frame


@pytest.fixture(scope="module")
def cbsem_boot(mini):
    """A CB-SEM estimate with a real bootstrap of 1000 resamples, and the same without."""
    bound, data, *_ = mini
    return (estimate_cbsem(bound, data),
            estimate_cbsem(bound, data, bootstrap=BootstrapSettings(1000, seed=1,
                                                                    jackknife_groups=2)))


def _with_usable(result, ok: int, failures: dict[str, int]):
    """``result`` as if only its first ``ok`` resamples had been usable."""
    return dataclasses.replace(result, draws=result.draws[:ok], failures=Counter(failures))


def test_the_rule_at_its_boundaries(cbsem_boot):
    boot = cbsem_boot[1].bootstrap
    assert boot.n_ok == 1000 and boot.usability.level == "ok"
    at = {ok: _with_usable(boot, ok, {NOT_CONVERGED: 1000 - ok}).usability.level
          for ok in (int(WARN_USABLE_SHARE * 1000), int(WARN_USABLE_SHARE * 1000) - 1,
                     int(MIN_USABLE_SHARE * 1000), int(MIN_USABLE_SHARE * 1000) - 1)}
    assert at == {900: "ok", 899: "warn", 500: "warn", 499: "none"}
    # Fewer than MIN_USABLE usable is no inference even when none failed.
    small = dataclasses.replace(boot, draws=boot.draws[:MIN_USABLE - 1], failures={},
                                settings=dataclasses.replace(boot.settings,
                                                             resamples=MIN_USABLE - 1))
    assert small.usability.level == "none"
    assert dataclasses.replace(small, draws=boot.draws[:MIN_USABLE], settings=dataclasses.replace(
        boot.settings, resamples=MIN_USABLE)).usability.level == "ok"


def test_five_usable_of_a_thousand_give_no_inference_and_say_why(cbsem_boot):
    """The case reported on ECSI/mobi: 5 of 1000 usable (932 not converged, 63 negative
    variances). Before, SE, t, p and intervals were printed from those 5."""
    plain, booted = cbsem_boot
    fake = _with_usable(booted.bootstrap, 5, {NOT_CONVERGED: 932, NEGATIVE_VARIANCE: 63})
    est = plain.with_bootstrap(fake)
    assert est.inference == "none"
    assert all(p.se is None and p.ci_low is None and p.p_value is None and p.t_value is None
               for p in est.paths)
    assert all(x.se is None and x.ci_low is None for x in est.loadings)
    assert all(i.se is None and i.ci_low is None for i in est.indices)
    assert all(se is None for _, _, se in est.variances)
    sentence = ("No bootstrap inference: only 5 of 1000 resamples gave a usable solution "
                "(932 not converged, 63 negative variance (Heywood case)); at least 200, and "
                "50% of those asked for, are needed.")
    assert any(w.startswith(sentence) for w in est.warnings)
    out = est.to_json()
    assert out["inference"] == "none" and out["bootstrap"]["parameters"] == []
    assert out["bootstrap"]["usability"]["level"] == "none"
    assert out["bootstrap"]["usability"]["usable"] == 5
    assert "bootstrap_unusable" in [w["code"] for w in out["warning_codes"]]
    # The point estimates are untouched.
    assert [p.estimate for p in est.paths] == [p.estimate for p in plain.paths]


def test_a_run_below_ninety_percent_usable_warns_with_count_and_reasons(cbsem_boot):
    plain, booted = cbsem_boot
    est = plain.with_bootstrap(_with_usable(booted.bootstrap, 850, {NOT_CONVERGED: 150}))
    assert est.inference == "bootstrap"
    assert all(p.se is not None for p in est.paths)
    warning = next(n for n in est.notices if n.code == "bootstrap_few_usable")
    assert warning.text() == ("Only 850 of 1000 bootstrap resamples (85%) gave a usable "
                              "solution (150 not converged); standard errors, p-values and "
                              "intervals rest on those.")
    assert "85%" in warning.text("zh")


def test_pls_too_few_resamples_asked_for(mini):
    bound, data, *_ = mini
    est = estimate_pls(bound, data, bootstrap=BootstrapSettings(100, seed=1))
    assert est.bootstrap.n_ok == 100 and est.inference == "none"
    assert all(p.se is None for p in est.paths)
    text = next(w for w in est.warnings if w.startswith("No bootstrap inference"))
    assert "only 100 of 100 resamples gave a usable solution (none failed)" in text


def test_cli_json_console_and_report_say_the_same(mini, tmp_path):
    """``survey estimate --method cbsem --bootstrap 100``: no inference, in every output."""
    _, _, q, m, frame = mini
    data = tmp_path / "mini.csv"
    frame.to_csv(data, index=False)
    out_json, out_html = tmp_path / "e.json", tmp_path / "e.html"
    r = CliRunner().invoke(cli, ["estimate", "-q", str(q), "-m", str(m), "-d", str(data),
                                 "--method", "cbsem", "--bootstrap", "100", "--json",
                                 str(out_json), "--report", str(out_html), "--lang", "en"])
    assert r.exit_code == 0, r.output
    doc = json.loads(out_json.read_text(encoding="utf-8"))
    assert doc["inference"] == "none" and doc["bootstrap"]["inadmissible"] == "keep"
    sentence = next(w for w in doc["warnings"] if w.startswith("No bootstrap inference"))
    assert all(p["se"] is None and p["ci_low"] is None for p in doc["paths"])
    console = " ".join(r.output.split())
    assert "no bootstrap inference (see below)" in console
    assert " ".join(sentence.split()) in console
    page = BeautifulSoup(out_html.read_text(encoding="utf-8"), "html.parser")
    visible = " ".join(page.get_text(" ").split())
    assert visible.count(sentence) >= 2  # the warnings at the top and the method notes
    # No interval is printed where the bootstrap was withheld.
    assert "95% percentile intervals" not in visible


def test_listwise_with_fewer_complete_rows_than_items_is_refused(mobi_csv, root):
    """lavaan refuses 21 complete rows for 24 items (a singular covariance matrix); CB-SEM
    said converged, chi2 3286, CFI 0.09."""
    q = load_questionnaire(root / "questionnaires/mobi.yaml")
    bound = bind(load_model(root / "models/ecsi.yaml"), q)
    data = pd.read_csv(mobi_csv).astype(float)
    data.loc[21:, "CUSA1"] = np.nan
    with pytest.raises(EstimationError) as err:
        estimate_cbsem(bound, data, missing="listwise", source="mobi.csv")
    message = str(err.value)
    assert ("mobi.csv: Only 21 respondents are usable (listwise treatment of missing answers) "
            "for 24 items") in message
    assert "Use FIML (--missing fiml)" in message
    # FIML keeps everyone and estimates.
    assert estimate_cbsem(bound, data).n == 250


@pytest.mark.parametrize("method", ["pls", "cbsem"])
def test_a_duplicated_item_column_is_named(mini, method):
    bound, data, *_ = mini
    data = data.assign(sa2=data["sa1"])
    estimate = estimate_pls if method == "pls" else estimate_cbsem
    with pytest.raises(EstimationError, match=r"items 'sa\d', 'sa\d' are linearly dependent"):
        estimate(bound, data, source="wave.csv")


def test_cbsem_reliability_is_the_models_omega_not_rho_a(cbsem_boot, mini):
    """omega = (sum l)^2 phi / ((sum l)^2 phi + sum theta) for a congeneric block (McDonald
    1999), from the estimate's own loadings and variances."""
    est = cbsem_boot[0]
    variances = {name.split(" ~~ ")[0]: v for name, v, _ in est.variances}
    b = est.path("image", "satisfaction").estimate
    # The latents' total variances: satisfaction's is b^2 var(image) + its disturbance.
    total = {"image": variances["image"],
             "satisfaction": b ** 2 * variances["image"] + variances["satisfaction"]}
    for construct, items in mini[0].measurement:
        lam = sum(x.estimate for x in est.loadings if x.latent == construct)
        phi = total[construct]
        theta = sum(variances[i] for i in items)
        omega = lam ** 2 * phi / (lam ** 2 * phi + theta)
        values = est.reliability[construct]
        assert values["rho_a"] is None
        assert values["omega"] == pytest.approx(omega, rel=1e-9)
        assert 0 < values["rho_c"] <= 1
    assert not any(n.code == "reliability_above_one" for n in est.notices)


def test_reliability_above_one_is_flagged():
    notices = reliability_notices({"image": {"rho_c": 1.12, "omega": 0.9},
                                   "value": {"rho_c": 0.8, "omega": math.nan}})
    assert [(n.code, n.params["construct"], n.params["measure"]) for n in notices] == [
        ("reliability_above_one", "image", "rho_c")]
    assert "1.12, above 1" in notices[0].text()


def test_fiml_on_too_few_answers_for_the_items_is_refused():
    """60 airline respondents (17 complete) for 40 items: the saturated (EM) covariance is
    singular; this ended in a LinAlgError traceback in the fit measures."""
    from survey.cli.simulate import airline_ccsi
    from survey.ingest import response_set_from_frame

    bound = airline_ccsi()
    frame = simulate_responses(bound, AIRLINE_CCSI, n=60, seed=2)
    data = response_set_from_frame(frame, bound.questionnaire, items=bound.items).data
    with pytest.raises(EstimationError) as err:
        estimate_cbsem(bound, data, source="w60.csv")
    assert ("w60.csv: The item covariance matrix cannot be estimated from these answers: 60 "
            "respondents, 17 of them complete, for 40 items (the EM estimate is singular"
            in str(err.value))
    assert "Collect more responses or drop items from the model." in str(err.value)


def test_a_standardized_path_above_one_in_a_clean_solution_is_a_note(make_bound):
    """Predictors correlated 0.92 and a standardized path of 1.04 in the population: the
    solution is admissible (lavaan gives the same value and no warning); the reader gets a
    note, not an inadmissible verdict."""
    rng = np.random.default_rng(7)
    n = 600
    a = rng.standard_normal(n)
    b = 0.92 * a + np.sqrt(1 - 0.92 ** 2) * rng.standard_normal(n)
    explained = 1.04 ** 2 + 0.2 ** 2 - 2 * 1.04 * 0.2 * 0.92
    c = 1.04 * a - 0.2 * b + np.sqrt(1 - explained) * rng.standard_normal(n)
    cols = {f"{name}{k}": 4 + (0.85 * eta + np.sqrt(1 - 0.85 ** 2) * rng.standard_normal(n))
            for name, eta in (("a", a), ("b", b), ("c", c)) for k in (1, 2, 3)}
    bound = make_bound({x: [f"{x}{k}" for k in (1, 2, 3)] for x in "abc"},
                       [("a", "c"), ("b", "c")])
    est = estimate_cbsem(bound, pd.DataFrame(cols))
    assert est.path("a", "c").std_estimate > 1
    assert est.admissible
    note = next(n for n in est.notices if n.code == "std_path_beyond_one")
    assert not note.inadmissible and note.params["source"] == "a"
    assert note.text().startswith("Note: the standardized path a -> c is")


def test_too_few_complete_respondents_name_no_treatment_when_nothing_was_missing():
    """12 respondents, none with a missing answer, for 24 items: the refusal does not blame a
    missing-data treatment that removed nobody."""
    from survey.errors import EstimationError
    from survey.estimators.sem import fit_sem

    rng = np.random.default_rng(0)
    data = pd.DataFrame(rng.normal(size=(12, 4)), columns=["a1", "a2", "b1", "b2"])
    with pytest.raises(EstimationError) as exc:
        fit_sem("A =~ a1 + a2\nB =~ b1 + b2\nB ~ A", data.iloc[:4], source="w.csv")
    text = str(exc.value)
    assert "Only 4 respondents are usable for 4 items" in text and "treatment" not in text
