"""Continuous indicators and case-weighted CB-SEM through the real CLI, against lavaan.

Bollen's Political Democracy indicators are not whole numbers (y2 = 3.333333, x1 = 4.442651):
the questionnaire ``tests/reference/data/pd_continuous.yaml`` declares its scales
``continuous: true``, so every row is accepted as it is. The model is PD without its residual
covariances (``pd_continuous_model.yaml``); lavaan 0.6-14's numbers for it, unweighted and
with the case weights of ``pd_weights.csv``, come from
``tests/reference/pd_continuous_lavaan.R``. Tolerances as tests/reference: estimates and
standard errors 1e-4 (1e-3 for ML standard errors from the expected information, as
test_cbsem_reference), chi-square statistics and logL relative 1e-5, fit indices 1e-5.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from survey.cli import cli

REF = Path(__file__).resolve().parents[1] / "reference" / "data"
QUESTIONNAIRE = REF / "pd_continuous.yaml"
MODEL = REF / "pd_continuous_model.yaml"


def estimate(data: Path, out: Path, *args: str) -> tuple[dict, str]:
    r = CliRunner().invoke(cli, ["estimate", "-q", str(QUESTIONNAIRE), "-m", str(MODEL), "-d",
                                 str(data), "--json", str(out), *args], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return json.loads(out.read_text(encoding="utf-8")), r.output


def lavaan(name: str) -> tuple[pd.DataFrame, dict[str, float]]:
    fit = pd.read_csv(REF / f"{name}_lavaan_fit.csv")
    return (pd.read_csv(REF / f"{name}_lavaan_params.csv"),
            dict(zip(fit.measure, fit.value, strict=True)))


def coefficients(doc: dict) -> pd.DataFrame:
    """Paths and loadings of the JSON as lavaan's (lhs, op, rhs) rows, and the variances."""
    rows = [(p["to"], "~", p["from"], p["estimate"], p["se"], p["std_estimate"])
            for p in doc["paths"]]
    rows += [(x["latent"], "=~", x["item"], x["estimate"], x["se"], x["std_estimate"])
             for x in doc["loadings"]]
    for v in doc["variances"]:
        lhs, rhs = v["name"].split(" ~~ ")
        rows.append((lhs, "~~", rhs, v["estimate"], v["se"], None))
    return pd.DataFrame(rows, columns=["lhs", "op", "rhs", "est", "se", "std"])


def compare(doc: dict, name: str, se_tol: float) -> None:
    params, fit = lavaan(name)
    ours = coefficients(doc)
    merged = params.merge(ours, on=["lhs", "op", "rhs"], suffixes=("_lavaan", ""))
    # every path, loading and variance lavaan reports (residual covariances: none here)
    assert len(merged) == len(params), params.merge(ours, how="left", on=["lhs", "op", "rhs"])
    assert (merged["est"] - merged["est_lavaan"]).abs().max() < 1e-4
    free = merged[merged["se_lavaan"] > 0]
    assert (free["se"] - free["se_lavaan"]).abs().max() < se_tol
    std = merged[merged["op"] != "~~"]
    assert (std["std"] - std["std.all"]).abs().max() < 1e-4
    for lavaan_name, key in (("chisq", "chi2"), ("logl", "logl"), ("aic", "aic"),
                             ("bic", "bic"), ("chisq.scaled", "chi2_scaled")):
        if lavaan_name in fit:
            assert doc["fit"][key] == pytest.approx(fit[lavaan_name], rel=1e-5), key
    for lavaan_name, key in (("cfi", "cfi"), ("tli", "tli"), ("rmsea", "rmsea"),
                             ("srmr", "srmr"), ("chisq.scaling.factor", "scaling_factor"),
                             ("cfi.robust", "cfi_robust"), ("tli.robust", "tli_robust"),
                             ("rmsea.robust", "rmsea_robust")):
        if lavaan_name in fit:
            assert doc["fit"][key] == pytest.approx(fit[lavaan_name], abs=1e-5), key
    assert doc["fit"]["df"] == fit["df"] and doc["n"] == fit["ntotal"]


@pytest.fixture(scope="module")
def weighted_csv(tmp_path_factory) -> Path:
    data = pd.read_csv(REF / "pd_data.csv", index_col=0)
    data["w"] = pd.read_csv(REF / "pd_weights.csv")["w"].to_numpy()
    path = tmp_path_factory.mktemp("pd") / "pd_weighted.csv"
    data.to_csv(path, index=False)
    return path


def test_continuous_indicators_are_accepted_and_cbsem_equals_lavaan(tmp_path):
    doc, output = estimate(REF / "pd_data.csv", tmp_path / "pd.json", "--method", "cbsem")
    assert doc["ingest"]["accepted"] == 75 and doc["ingest"]["rejected"] == 0
    assert "75 accepted, 0 rejected" in output
    assert doc["method"] == "cbsem" and doc["settings"]["weights_column"] is None
    compare(doc, "pd_basic", se_tol=1e-3)
    assert all(0 < v < 100 for v in doc["indices"].values())


def test_weighted_cbsem_equals_lavaans_sampling_weights(weighted_csv, tmp_path):
    """``--method cbsem --weights w``: lavaan's MLR. The weighted model has a (slightly)
    negative disturbance variance of dem65 in lavaan too (-0.0066): estimated unbounded,
    flagged by name."""
    html = tmp_path / "w.html"
    doc, output = estimate(weighted_csv, tmp_path / "w.json", "--method", "cbsem",
                           "--weights", "w", "--report", str(html), "--lang", "en")
    assert doc["settings"]["weights_column"] == "w"
    assert (doc["settings"]["standard_errors"], doc["settings"]["test"]) == (
        "robust.huber.white", "yuan.bentler.mplus")
    assert doc["manifest"]["settings"]["weights"] == "w"
    compare(doc, "pd_basic_weighted", se_tol=1e-4)
    assert not doc["admissible"] and "heywood" in [c["code"] for c in doc["warning_codes"]]
    assert "Weighted by 'w' (robust SEs): scaled chi2 = " in output
    report = html.read_text(encoding="utf-8")
    assert "Case weights from column &#39;w&#39;, as lavaan&#39;s sampling.weights" in report
    assert "χ² (Yuan-Bentler scaled)" in report and "CFI (robust)" in report


def test_both_methods_are_weighted(weighted_csv, tmp_path):
    doc, _ = estimate(weighted_csv, tmp_path / "both.json", "--method", "both",
                      "--weights", "w")
    cbsem = doc["alternatives"]["cbsem"]
    assert doc["method"] == "pls" and doc["settings"]["weights_column"] == "w"
    assert cbsem["settings"]["weights_column"] == "w"
    assert cbsem["settings"]["standard_errors"] == "robust.huber.white"
    codes = [c["code"] for e in (doc, cbsem) for c in e["warning_codes"]]
    assert "weights_ignored" not in codes
    compare(cbsem, "pd_basic_weighted", se_tol=1e-4)
