"""``survey compare-models`` end to end on a generated three-construct study (no brand).

The study: quality -> satisfaction -> loyalty, 1-10 items with don't-knows, drawn with
:func:`survey.simulate.simulate_responses` from a population without a quality -> loyalty
path. The models: the chain, the chain plus quality -> loyalty ("direct"), and a detour
quality -> loyalty -> satisfaction with as many parameters as the chain but other ones
(not nested in either). The checks: exit codes, the JSON block against the sample and the
closed forms, the p-value of the nested pair and none for the detour, the HTML section in
both languages (respondent-facing text escaped), and the errors (one line, exit 2).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from survey.analysis.model_selection import bic_from_r2, gm_from_r2
from survey.cli import cli
from survey.pathmodel import bind, load_model
from survey.questionnaire import load_questionnaire
from survey.simulate import Population, simulate_responses


def _model(model_id: str, name: str, paths: list[str], target: str) -> str:
    lines = [f"id: {model_id}", f"name: {{zh: {name}, en: '{name}'}}",
             "latents: [quality, satisfaction, loyalty]", "paths:"]
    lines += [f"  - {p}" for p in paths]
    lines.append(f"target: {target}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def study(tmp_path_factory, three_construct_yaml) -> Path:
    folder = tmp_path_factory.mktemp("three")
    (folder / "q.yaml").write_text(three_construct_yaml, encoding="utf-8")
    (folder / "chain.yaml").write_text(_model(
        "chain", "Chain", ["quality -> satisfaction", "satisfaction -> loyalty"], "loyalty"),
        encoding="utf-8")
    (folder / "direct.yaml").write_text(_model(
        "direct", "Direct", ["quality -> satisfaction", "satisfaction -> loyalty",
                             "quality -> loyalty"], "loyalty"), encoding="utf-8")
    # A hostile display name: respondent-facing text is data, never markup.
    (folder / "detour.yaml").write_text(_model(
        "detour", "<script>alert(1)</script>", ["quality -> loyalty", "loyalty -> satisfaction"],
        "satisfaction"), encoding="utf-8")
    q = load_questionnaire(folder / "q.yaml")
    bound = bind(load_model(folder / "chain.yaml"), q)
    population = Population(paths={("quality", "satisfaction"): 0.6,
                                   ("satisfaction", "loyalty"): 0.5},
                            dont_know_rate=0.02, screened_out_rate=0.0)
    frame = simulate_responses(bound, population, n=180, seed=20261201, with_profile=False)
    frame.to_csv(folder / "data.csv", index=False, encoding="utf-8")
    return folder


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_pls_comparison_json_and_report(study):
    out = study / "pls.json"
    res = run("compare-models", str(study / "q.yaml"), str(study / "data.csv"),
              str(study / "chain.yaml"), str(study / "direct.yaml"), "--target", "loyalty",
              "--json", str(out), "--report", str(study / "pls.html"), "--lang", "en")
    assert res.exit_code == 0, res.output
    assert "Lowest BIC" in res.output and "Lowest GM" in res.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    data = pd.read_csv(study / "data.csv")
    assert doc["method"] == "pls" and doc["target"] == "loyalty"
    # Mean replacement keeps everyone: the sample is the whole file.
    assert (doc["sample"]["n_total"], doc["sample"]["n_used"]) == (len(data), len(data))
    rows = {m["id"]: m for m in doc["models"]}
    assert (rows["chain"]["predictors"], rows["direct"]["predictors"]) == (1, 2)
    r2_full = doc["full_model"]["r2"]
    assert r2_full == pytest.approx(rows["direct"]["r2"], abs=1e-12)  # direct is the full model
    for m in rows.values():
        assert m["bic"] == pytest.approx(bic_from_r2(m["r2"], m["n"], m["predictors"]))
        assert m["gm"] == pytest.approx(gm_from_r2(m["r2"], m["n"], m["predictors"], r2_full))
    assert math.fsum(m["bic_weight"] for m in rows.values()) == pytest.approx(1.0)
    assert doc["selected"]["bic"] == min(rows.values(), key=lambda m: m["bic"])["id"]
    html = (study / "pls.html").read_text(encoding="utf-8")
    assert 'id="model-comparison"' in html and "Model comparison" in html
    assert "R² of Loyalty" in html and "Geweke-Meese" in html


def test_cbsem_comparison_nested_and_not(study):
    out = study / "cbsem.json"
    res = run("compare-models", str(study / "q.yaml"), str(study / "data.csv"),
              str(study / "chain.yaml"), str(study / "direct.yaml"), str(study / "detour.yaml"),
              "--method", "cbsem", "--missing", "listwise", "--json", str(out),
              "--report", str(study / "cbsem.html"))
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    data = pd.read_csv(study / "data.csv")
    items = [c for c in data.columns if c[:3] in ("qua", "sat", "loy")]
    complete = int((data[items] != 99).all(axis=1).sum())
    assert doc["sample"]["rule"] == "listwise_union"
    assert (doc["sample"]["n_used"], doc["sample"]["n_dropped"]) == (complete,
                                                                     len(data) - complete)
    assert [m["id"] for m in doc["models"]][0] == "direct"  # fewest df first
    tests = {t["restricted"]: t for t in doc["tests"]}
    assert tests["chain"]["general"] == "direct" and tests["chain"]["nested"]
    assert tests["chain"]["df_diff"] == 1 and 0 <= tests["chain"]["p_value"] <= 1
    rows = {m["id"]: m for m in doc["models"]}
    assert tests["chain"]["chi2_diff"] == pytest.approx(rows["chain"]["chi2"]
                                                        - rows["direct"]["chi2"])
    # The detour has the chain's df but other parameters: no test, no p-value.
    assert not tests["detour"]["nested"] and tests["detour"]["p_value"] is None
    assert tests["detour"]["reason"] == "frees_fixed"
    assert all(m["aic"] is not None and m["bic"] is not None for m in rows.values())
    assert "no test" in res.output
    html = (study / "cbsem.html").read_text(encoding="utf-8")
    # Chinese (the questionnaire's first language), the hostile name escaped.
    assert "模型比较" in html and "不能证明嵌套" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # Self-contained: nothing fetched from the network (the report's rule).
    assert "http://" not in html and "https://" not in html
    # Strict JSON: no NaN or Infinity anywhere.
    json.loads(out.read_text(encoding="utf-8"),
               parse_constant=lambda c: pytest.fail(f"non-finite number {c} in the JSON"))


@pytest.mark.parametrize("args,message", [
    (["chain.yaml"], "two models or more"),
    (["chain.yaml", "direct.yaml", "--target", "quality"], "'quality' has no predictor"),
])
def test_errors_are_one_line_exit_2(study, args, message):
    paths = [str(study / a) if a.endswith(".yaml") else a for a in args]
    res = CliRunner().invoke(cli, ["compare-models", str(study / "q.yaml"),
                                   str(study / "data.csv"), *paths])
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output


def test_the_api_gives_the_clis_numbers(study):
    """``survey.compare_models`` on a data frame (validated as the file is) returns the typed
    comparison whose JSON is the CLI's."""
    import survey

    out = study / "api_vs_cli.json"
    res = run("compare-models", str(study / "q.yaml"), str(study / "data.csv"),
              str(study / "chain.yaml"), str(study / "direct.yaml"), "--target", "loyalty",
              "--json", str(out))
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(study / "data.csv")
    result = survey.compare_models(study / "q.yaml", frame,
                                   [study / "chain.yaml", study / "direct.yaml"],
                                   target="loyalty")
    cli_doc = json.loads(out.read_text(encoding="utf-8"))
    api_doc = result.to_json()
    assert api_doc["models"] == cli_doc["models"]
    assert api_doc["selected"] == cli_doc["selected"]
    table = result.table()
    assert list(table.index) == ["chain", "direct"]
    assert table.loc["chain", "bic"] == pytest.approx(cli_doc["models"][0]["bic"])
