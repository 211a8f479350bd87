"""A measurement model (CFA) with a residual covariance and an equality constraint through the
real CLI: ``survey validate``, ``survey estimate --method cbsem --json --report``, and the
one-line refusal of PLS."""

from __future__ import annotations

import json
import textwrap

import pytest
from click.testing import CliRunner

from survey.cli import cli
from survey.cli.simulate import airline_ccsi
from survey.simulate import AIRLINE_CCSI, simulate_responses

CFA = """\
id: airline_cfa
name: {zh: 服务测量模型, en: Service measurement model}
latents: [crew, catering, safety, satisfaction]
covariances:
  - crew_friendly ~~ crew_proactive
equal:
  - [catering =~ cat_amount, catering =~ cat_choice]
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cfa")
    wave = folder / "wave.csv"
    simulate_responses(airline_ccsi(), AIRLINE_CCSI, n=300, seed=7).to_csv(wave, index=False)
    model = folder / "cfa.yaml"
    model.write_text(textwrap.dedent(CFA), encoding="utf-8")
    return wave, model


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_validate_describes_the_measurement_model(root, files):
    _, model = files
    r = run("validate", str(root / "questionnaires/airline.yaml"), str(model))
    assert r.exit_code == 0, r.output
    assert (f"{model}: model 'airline_cfa' is valid for this questionnaire: 4 latents, no paths "
            "(a measurement model: the latents covary), 1 residual covariances, 1 equality "
            "constraints, 13 items used.") in r.output


@pytest.fixture(scope="module")
def estimated(root, files, tmp_path_factory):
    wave, model = files
    out = tmp_path_factory.mktemp("out")
    r = run("estimate", "-q", str(root / "questionnaires/airline.yaml"), "-m", str(model),
            "-d", str(wave), "--method", "cbsem", "--json", str(out / "est.json"),
            "--report", str(out / "rep.html"), "--lang", "en")
    assert r.exit_code == 0, r.output
    return (json.loads((out / "est.json").read_text(encoding="utf-8")),
            (out / "rep.html").read_text(encoding="utf-8"))


def test_json_has_no_paths_and_the_covariances_and_constraints(estimated):
    doc, _ = estimated
    assert doc["method"] == "cbsem" and doc["paths"] == [] and doc["r2"] == {}
    assert doc["admissible"] and doc["fit"]["df"] > 0
    kinds = {(c["a"], c["b"]): c["kind"] for c in doc["covariances"]}
    assert kinds[("crew_friendly", "crew_proactive")] == "item"
    # Four latents covary freely: six covariances, each with a standard error.
    latent = [c for c in doc["covariances"] if c["kind"] == "construct"]
    assert len(latent) == 6 and all(c["se"] > 0 for c in latent)
    assert doc["constraints"] == {"equal": [["catering =~ cat_amount", "catering =~ cat_choice"]]}
    loading = {(x["latent"], x["item"]): x["estimate"] for x in doc["loadings"]}
    assert loading[("catering", "cat_amount")] == loading[("catering", "cat_choice")]
    assert set(doc["indices"]) == {"crew", "catering", "safety", "satisfaction"}


def test_analyses_needing_a_target_are_skipped_with_a_reason(estimated):
    doc, _ = estimated
    assert doc["ipma"] == [] and doc["methods"] == {}
    skipped = {s["analysis"]: s for s in doc["analyses_skipped"]}
    assert set(skipped) == {"ipma", "methods"}
    assert skipped["ipma"]["code"] == "no_paths"
    assert "no paths" in skipped["ipma"]["reason"]
    assert doc["analysis_notes"]["target"] is None
    assert doc["gauges"]["overall"]["item"] == "sat_overall"


def test_report_shows_latent_correlations_and_no_path_table(estimated):
    _, html = estimated
    assert 'id="latent-correlations"' in html and 'id="path-table"' not in html
    assert 'id="diagram"' not in html and 'id="drivers"' not in html
    assert "This is a measurement model (confirmatory factor analysis)" in html
    assert 'data-covariance="crew_friendly ~~ crew_proactive"' in html
    assert "Estimated as one parameter: catering =~ cat_amount = catering =~ cat_choice" in html
    assert "Not run: the drivers&#39; importance-performance map (IPMA), the classic methods" in html


@pytest.mark.parametrize("method", ["pls", "both"])
def test_pls_refuses_a_measurement_model_in_one_line(root, files, method):
    wave, model = files
    r = CliRunner().invoke(cli, ["estimate", "-q", str(root / "questionnaires/airline.yaml"),
                                 "-m", str(model), "-d", str(wave), "--method", method])
    assert r.exit_code == 2
    assert "Traceback" not in r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1
    assert ("Model 'airline_cfa' has no paths between its latents (a measurement model, CFA); "
            "PLS path modelling estimates its weights through the paths of an inner model, so "
            "it cannot estimate it. Use --method cbsem.") in lines[0]


def test_a_tracking_study_with_a_measurement_model(root, files, tmp_path):
    """init, two waves, ``survey run``: PLS refuses before estimating any cell; CB-SEM tracks
    every construct's index, with no headline cards (there is no target) and no traceback."""
    wave, model = files
    study = tmp_path / "study"
    assert run("init", str(study), "--questionnaire", str(root / "questionnaires/airline.yaml"),
               "--model", str(model)).exit_code == 0
    for name, seed in (("2025Q1", 1), ("2025Q2", 2)):
        path = tmp_path / f"{name}.csv"
        simulate_responses(airline_ccsi(), AIRLINE_CCSI, n=250, seed=seed).to_csv(path,
                                                                                  index=False)
        assert run("ingest", str(study), str(path), "--wave", name).exit_code == 0
    refused = CliRunner().invoke(cli, ["run", str(study), "--workers", "0", "--bootstrap", "0",
                                       "--out", str(tmp_path / "pls")])
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert refused.output.strip().splitlines()[-1].endswith("Use --method cbsem.")
    assert "cells could be estimated" not in refused.output
    out = tmp_path / "cbsem"
    r = run("run", str(study), "--method", "cbsem", "--workers", "0", "--bootstrap", "0",
            "--permutations", "0", "--out", str(out), "--lang", "en")
    assert r.exit_code == 0, r.output
    doc = json.loads((out / "tracking.json").read_text(encoding="utf-8"))
    assert len(doc["cells"]) == 2 and doc["failures"] == []
    html = (out / "tracking_report.html").read_text(encoding="utf-8")
    for label in ("Cabin-crew service", "Catering", "Safety perception", "Satisfaction"):
        assert label in html
