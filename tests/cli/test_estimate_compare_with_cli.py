"""``survey estimate --compare-with``: the study's model against rival models inside a run.

A generated three-construct study (no brand, 1-10 items with don't-knows, n = 160, drawn with
:func:`survey.simulate.simulate_responses` from quality -> satisfaction -> loyalty) and the
bundled airline example. The checks, against numbers nobody here wrote into the code: the
study model's row is the headline estimate's own R² (1e-12) and every row the closed form of
Sharma et al. (2019) on its R²; the block is the one ``survey compare-models --json`` gives
for the same models (same keys, same numbers); the CB-SEM block's likelihood-ratio test is the
difference of the rows' chi-squares; a rival that cannot be compared (other items under
CB-SEM, a target without predictors, items the file lacks, every rival) is said in the JSON, the console, the HTML
(zh and en, names escaped) and the XLSX sheet; without --compare-with the JSON has no block;
errors are one line, exit 2.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from survey.analysis.model_selection import bic_from_r2, gm_from_r2
from survey.cli import cli
from survey.pathmodel import bind, load_model
from survey.questionnaire import load_questionnaire
from survey.simulate import Population, simulate_responses


def _model(model_id: str, name: str, latents: list[str], paths: list[str], target: str) -> str:
    lines = [f"id: {model_id}", f"name: {{zh: '{name}', en: '{name}'}}",
             f"latents: [{', '.join(latents)}]", "paths:"]
    lines += [f"  - {p}" for p in paths]
    lines.append(f"target: {target}")
    return "\n".join(lines) + "\n"


ALL = ["quality", "satisfaction", "loyalty"]


@pytest.fixture(scope="module")
def study(tmp_path_factory, three_construct_yaml) -> Path:
    folder = tmp_path_factory.mktemp("compare_with")
    (folder / "q.yaml").write_text(three_construct_yaml, encoding="utf-8")
    models = {
        "chain": ("Chain", ALL, ["quality -> satisfaction", "satisfaction -> loyalty"],
                  "loyalty"),
        "direct": ("Direct", ALL, ["quality -> satisfaction", "satisfaction -> loyalty",
                                   "quality -> loyalty"], "loyalty"),
        # A hostile display name: model names are data, never markup.
        "hostile": ("<img src=x onerror=alert(1)>", ALL,
                    ["quality -> loyalty", "satisfaction -> loyalty"], "loyalty"),
        # Loyalty is exogenous here: not comparable on loyalty's equation.
        "reversed": ("Reversed", ALL, ["loyalty -> satisfaction", "satisfaction -> quality"],
                     "quality"),
        # Two constructs: other items (CB-SEM cannot compare it), loyalty still explained.
        "short": ("Short", ["satisfaction", "loyalty"], ["satisfaction -> loyalty"],
                  "loyalty"),
    }
    for model_id, (name, latents, paths, target) in models.items():
        (folder / f"{model_id}.yaml").write_text(_model(model_id, name, latents, paths, target),
                                                 encoding="utf-8")
    q = load_questionnaire(folder / "q.yaml")
    bound = bind(load_model(folder / "chain.yaml"), q)
    population = Population(paths={("quality", "satisfaction"): 0.6,
                                   ("satisfaction", "loyalty"): 0.5},
                            dont_know_rate=0.02, screened_out_rate=0.0)
    frame = simulate_responses(bound, population, n=160, seed=20261202, with_profile=False)
    frame.to_csv(folder / "data.csv", index=False, encoding="utf-8")
    return folder


def run(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def estimate(study: Path, *extra, model: str = "chain.yaml"):
    return run("estimate", "-q", study / "q.yaml", "-m", study / model, "-d",
               study / "data.csv", "--analyses", "none", *extra)


def test_pls_block_is_compare_models_own_and_the_headlines_r2(study):
    out, ref = study / "pls.json", study / "pls_ref.json"
    res = estimate(study, "--compare-with", study / "direct.yaml", "--compare-with",
                   study / "hostile.yaml", "--json", out, "--report", study / "pls.html",
                   "--lang", "en")
    assert res.exit_code == 0, res.output
    console = " ".join(res.output.split())
    assert "Model comparison (PLS on loyalty, 3 models, n = 160): lowest BIC:" in console
    doc = json.loads(out.read_text(encoding="utf-8"))
    mc = doc["model_comparison"]
    rows = {m["id"]: m for m in mc["models"]}
    assert list(rows) == ["chain", "direct", "hostile"] and mc["target"] == "loyalty"
    # The study's row is the headline estimate's own R² of the target (a full estimate).
    assert rows["chain"]["r2"] == pytest.approx(doc["r2"]["loyalty"], abs=1e-12)
    assert rows["chain"]["n"] == doc["n"] == mc["sample"]["n_used"]
    r2_full = mc["full_model"]["r2"]
    for m in rows.values():  # Sharma et al. (2019, table B1) on each row's R²
        assert m["bic"] == pytest.approx(bic_from_r2(m["r2"], m["n"], m["predictors"]),
                                         rel=1e-12)
        assert m["gm"] == pytest.approx(gm_from_r2(m["r2"], m["n"], m["predictors"], r2_full),
                                        rel=1e-12)
    assert math.fsum(m["gm_weight"] for m in rows.values()) == pytest.approx(1.0)
    # The same block as survey compare-models --json on the same models and file.
    res = run("compare-models", study / "q.yaml", study / "data.csv", study / "chain.yaml",
              study / "direct.yaml", study / "hostile.yaml", "--json", ref)
    assert res.exit_code == 0, res.output
    alone = json.loads(ref.read_text(encoding="utf-8"))
    assert set(alone) == set(mc)
    for key in ("models", "selected", "full_model", "tests", "notes", "excluded", "target"):
        assert mc[key] == alone[key], key
    html = (study / "pls.html").read_text(encoding="utf-8")
    assert 'id="model-comparison"' in html and 'href="#model-comparison"' in html
    assert "the study&#39;s model" in html and "R² of Loyalty" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_without_compare_with_there_is_no_block(study):
    out = study / "plain.json"
    res = estimate(study, "--json", out)
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert "model_comparison" not in doc
    assert "compare_with" not in doc["manifest"]["settings"]


def test_rivals_that_cannot_be_compared_are_said_everywhere(study):
    """PLS: 'reversed' leaves loyalty without predictors; CB-SEM: 'short' has other items.
    Each is left out, never silently: JSON, console, HTML, XLSX."""
    out = study / "excluded.json"
    res = estimate(study, "--compare-with", study / "reversed.yaml", "--compare-with",
                   study / "direct.yaml", "--json", out, "--out", study / "deliver",
                   "--format", "html,xlsx", "--lang", "zh")
    assert res.exit_code == 0, res.output
    mc = json.loads(out.read_text(encoding="utf-8"))["model_comparison"]
    assert [m["id"] for m in mc["models"]] == ["chain", "direct"]
    assert mc["excluded"] == [{"id": "reversed", "reason": "target_not_endogenous",
                               "detail": "loyalty"}]
    assert "reversed not compared: The target has no predictor" in " ".join(res.output.split())
    html = (study / "deliver" / "data_report_zh.html").read_text(encoding="utf-8")
    assert "“reversed”未参与比较：目标构念在该模型中没有前因" in html
    book = openpyxl.load_workbook(study / "deliver" / "data_report_zh.xlsx")
    sheet = book["模型比较"]
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert any(isinstance(c, str) and "“reversed”未参与比较" in c for c in cells)
    assert sheet.cell(2, 1).value.startswith("Chain")

    out = study / "cbsem.json"
    res = estimate(study, "--method", "cbsem", "--compare-with", study / "short.yaml",
                   "--compare-with", study / "direct.yaml", "--json", out,
                   "--report", study / "cbsem.html", "--lang", "en")
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    mc = doc["model_comparison"]
    assert mc["method"] == "cbsem" and [x["id"] for x in mc["excluded"]] == ["short"]
    assert mc["excluded"][0]["reason"] == "other_items"
    rows = {m["id"]: m for m in mc["models"]}
    (test,) = mc["tests"]
    assert (test["restricted"], test["general"], test["df_diff"]) == ("chain", "direct", 1)
    assert test["chi2_diff"] == pytest.approx(rows["chain"]["chi2"] - rows["direct"]["chi2"])
    # FIML keeps everyone: the study's own CB-SEM estimate is its row, and every row is what
    # survey compare-models fits afresh on the same file.
    assert rows["chain"]["chi2"] == pytest.approx(doc["fit"]["chi2"], rel=1e-12)
    ref = study / "cbsem_ref.json"
    alone = run("compare-models", study / "q.yaml", study / "data.csv", study / "chain.yaml",
                study / "direct.yaml", "--method", "cbsem", "--json", ref)
    assert alone.exit_code == 0, alone.output
    fresh = {m["id"]: m for m in json.loads(ref.read_text(encoding="utf-8"))["models"]}
    for model_id, m in rows.items():
        for key in ("chi2", "df", "aic", "bic", "n"):
            assert m[key] == pytest.approx(fresh[model_id][key], rel=1e-9), (model_id, key)
    assert "short not compared: Its items differ" in " ".join(res.output.split())
    html = (study / "cbsem.html").read_text(encoding="utf-8")
    assert "“short” was not compared: Its items differ" in html


def test_a_rival_whose_items_the_file_lacks_is_left_out_not_the_study(study):
    # The file has the rival's other items (quality's, not in the study's model): compared.
    out = study / "more_items.json"
    res = run("estimate", "-q", study / "q.yaml", "-m", study / "short.yaml", "-d",
              study / "data.csv", "--analyses", "none", "--compare-with", study / "chain.yaml",
              "--json", out)
    assert res.exit_code == 0, res.output
    mc = json.loads(out.read_text(encoding="utf-8"))["model_comparison"]
    assert [m["id"] for m in mc["models"]] == ["short", "chain"] and mc["excluded"] == []
    # Without them: the rival is left out, the study still runs.
    data = study / "no_quality.csv"
    frame = pd.read_csv(study / "data.csv")
    frame.drop(columns=["qua1", "qua2", "qua3"]).to_csv(data, index=False)
    out = study / "missing.json"
    res = run("estimate", "-q", study / "q.yaml", "-m", study / "short.yaml", "-d", data,
              "--analyses", "none", "--compare-with", study / "chain.yaml", "--json", out)
    assert res.exit_code == 0, res.output
    mc = json.loads(out.read_text(encoding="utf-8"))["model_comparison"]
    assert mc["models"] == [] and mc["excluded"] == [
        {"id": "chain", "reason": "items_missing", "detail": "qua1, qua2, qua3"}]
    assert ("chain not compared: The data has no column for these of its items: (qua1, qua2, "
            "qua3)") in " ".join(res.output.split())


def test_no_comparable_rival_gives_a_block_without_rows(study):
    out = study / "none.json"
    res = estimate(study, "--method", "cbsem", "--compare-with", study / "short.yaml",
                   "--json", out, "--report", study / "none.html", "--lang", "en")
    assert res.exit_code == 0, res.output
    mc = json.loads(out.read_text(encoding="utf-8"))["model_comparison"]
    assert mc["models"] == [] and mc["selected"] == {"aic": None, "bic": None}
    assert mc["notes"] == ["nothing_compared"] and mc["excluded"][0]["id"] == "short"
    assert "no rival could be compared" in res.output
    html = (study / "none.html").read_text(encoding="utf-8")
    assert "No rival could be compared" in html and 'id="model-comparison-table"' not in html


@pytest.mark.parametrize("extra,message", [
    (["--method", "plsc", "--compare-with", "direct.yaml"], "not by PLSc"),
    (["--compare-with", "chain.yaml"], "different ids"),
    (["--compare-with", "missing.yaml"], "missing.yaml"),
])
def test_errors_are_one_line_exit_2(study, extra, message):
    args = [str(study / a) if a.endswith(".yaml") else a for a in extra]
    res = CliRunner().invoke(cli, ["estimate", "-q", str(study / "q.yaml"), "-m",
                                   str(study / "chain.yaml"), "-d", str(study / "data.csv"),
                                   "--analyses", "none", *args])
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output


def test_airline_example_through_the_cli(root, tmp_path):
    """The bundled airline study (higher-order quality, don't-knows): CCSI against CCSI
    without image -> satisfaction and a model without image (other items: fine for PLS)."""
    from survey.estimators import estimate_model
    from survey.ingest import read_responses

    ccsi = (root / "models" / "ccsi.yaml").read_text(encoding="utf-8")
    rival = tmp_path / "rival.yaml"
    rival.write_text(ccsi.replace("id: ccsi", "id: ccsi_lean").replace(
        "  - image -> satisfaction\n", ""), encoding="utf-8")
    out = tmp_path / "airline.json"
    res = run("estimate", "-q", root / "questionnaires" / "airline.yaml", "-m",
              root / "models" / "ccsi.yaml", "-d", root / "examples" / "airline_wave1.csv",
              "--analyses", "none", "--compare-with", rival, "--json", out)
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    rows = {m["id"]: m for m in doc["model_comparison"]["models"]}
    assert rows["ccsi"]["r2"] == pytest.approx(doc["r2"]["satisfaction"], abs=1e-12)
    # The rival's lean row against a full estimate of the rival on the same respondents.
    q = load_questionnaire(root / "questionnaires" / "airline.yaml")
    bound = bind(load_model(rival), q)
    data = read_responses(root / "examples" / "airline_wave1.csv", q, items=bound.items).data
    full = estimate_model("pls", bound, data)
    assert rows["ccsi_lean"]["r2"] == pytest.approx(full.r2["satisfaction"], abs=1e-12)
    assert (rows["ccsi"]["predictors"], rows["ccsi_lean"]["predictors"]) == (4, 3)
    assert doc["model_comparison"]["selected"]["bic"] in rows
