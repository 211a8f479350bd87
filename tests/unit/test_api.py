"""The notebook API (survey.api): the README's snippet runs, and the API gives the numbers the
CLI path gives."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import survey
from survey.errors import ModelSpecError, SurveyError
from survey.study import estimate_study
from survey.yamlsource import MAPPING, TEXT


def readme_snippet(root) -> str:
    text = (root / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Python API"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.fixture(scope="module")
def readme_namespace(tmp_path_factory, root):
    """The README's snippet, run as written in a folder that has the project's definitions
    and example (the report it writes lands there)."""
    work = tmp_path_factory.mktemp("readme")
    for folder in ("questionnaires", "models", "examples"):
        (work / folder).symlink_to(root / folder)
    import os

    cwd = os.getcwd()
    os.chdir(work)
    try:
        namespace: dict = {}
        exec(compile(readme_snippet(root), "README.md", "exec"), namespace)
    finally:
        os.chdir(cwd)
    return work, namespace


def test_readme_snippet_runs_and_gives_what_it_says(readme_namespace):
    work, ns = readme_namespace
    res, cb = ns["res"], ns["cb"]
    assert isinstance(res, survey.Results) and res.method == "pls"
    assert list(res.paths[["from", "to"]].itertuples(index=False, name=None)) == [
        ("expectation", "quality"), ("expectation", "satisfaction"), ("quality", "satisfaction")]
    assert res.paths["se"].gt(0).all() and res.paths["p_value"].between(0, 1).all()
    assert res.indices["index"].between(0, 100).all()
    assert {"alpha", "rho_c", "ave"} <= set(res.reliability.columns)
    htmt = res.htmt
    assert list(htmt.index) == list(htmt.columns) and {"expectation", "satisfaction"} <= set(
        htmt.index) <= set(res.study.bound.constructs)
    assert np.allclose(htmt, htmt.T, equal_nan=True) and htmt.stack().dropna().gt(0).all()
    assert not res.ipma.empty and set(res.ipma["target"]) == {"satisfaction"}
    assert res.priorities["satisfaction"][0] in set(res.ipma["latent"]) | set(
        res.study.bound.constructs)
    assert res.analysis.ipma[0].target == "satisfaction"
    # One chain: expectation -> quality -> satisfaction, beside the direct path.
    assert len(res.mediation) == 1 and res.mediation.iloc[0].to_dict()["ci_low"] is not None
    # PLSpredict of quality's and satisfaction's indicators; CVPAT against the benchmarks.
    assert set(res.prediction["latent"]) == {"quality", "satisfaction"}
    assert res.prediction.attrs["folds"] == 10 and res.prediction.attrs["headline"] in (
        "none", "low", "medium", "high")
    assert set(res.cvpat()["b"]) == {"ia", "lm"}
    # Triangulation: the target's drivers (quality by its dimensions, not expectation).
    shares = res.driver_shares
    assert "expectation" not in set(shares["driver"]) and len(shares) > 1
    assert shares["shapley"].sum() == pytest.approx(shares.attrs["r2"], abs=1e-12)
    assert res.nps["available"] is False  # the airline's recommend question is on 1-10
    assert {"=~", "~", "~~"} <= set(cb.parameters["op"])
    assert cb.fit["df"] > 0 and 0 <= cb.fit["cfi"] <= 1
    assert res.to_json()["paths"][0]["from"] == "expectation"
    assert "quality_drivers" in (work / "quality_drivers.html").read_text(encoding="utf-8")
    assert "Paths" in res.summary() and "<table" in res._repr_html_()


def test_conf_int_at_another_level_is_the_bootstrap_quantile(readme_namespace):
    _, ns = readme_namespace
    res = ns["res"]
    at95 = res.conf_int(0.95).set_index(["kind", "a", "b"])
    at90 = res.conf_int(0.90).set_index(["kind", "a", "b"])
    for p in res.estimate.paths:
        row = at95.loc[("path", p.source, p.target)]
        assert row["lower"] == pytest.approx(p.ci_low) and row["upper"] == pytest.approx(p.ci_high)
        narrow = at90.loc[("path", p.source, p.target)]
        assert row["lower"] <= narrow["lower"] < narrow["upper"] <= row["upper"]
    draws = res.estimate.bootstrap
    j = draws.labels.index(("path", "quality", "satisfaction"))
    assert at90.loc[("path", "quality", "satisfaction"), "lower"] == pytest.approx(
        np.quantile(draws.draws[:, j], 0.05))


def test_wald_intervals_of_cbsem_and_no_interval_without_inference(readme_namespace, root):
    _, ns = readme_namespace
    cb = ns["cb"]
    ci = cb.conf_int(0.95)
    paths = ci[ci["kind"] == "path"].set_index(["a", "b"])
    for p in cb.estimate.paths:
        assert paths.loc[(p.target, p.source), "lower"] == pytest.approx(p.ci_low)
    wide = cb.conf_int(0.99)
    assert (wide["upper"] - wide["lower"]).dropna().gt(
        (ci["upper"] - ci["lower"]).dropna()).all()
    plain = survey.estimate(ns["q"], ns["m"], ns["data"], analyses=[])
    with pytest.raises(SurveyError, match="not bootstrapped"):
        plain.conf_int()
    with pytest.raises(SurveyError, match="was not run"):
        plain.ipma  # noqa: B018
    with pytest.raises(SurveyError, match="was not run"):
        plain.methods  # noqa: B018
    assert plain.to_json()["analyses_off"] == ["ipma", "methods", "satisfaction_ratio",
                                               "gauges", "precision", "mediation",
                                               "prediction", "driver_shares", "nps"]
    with pytest.raises(SurveyError, match="'mediation' was not run"):
        plain.mediation  # noqa: B018
    with pytest.raises(SurveyError, match="'driver_shares' was not run"):
        plain.driver_shares  # noqa: B018
    with pytest.raises(SurveyError, match="'nps' was not run"):
        plain.nps  # noqa: B018


def test_mediation_frame_is_the_typed_result_of_each_estimate(readme_namespace):
    """``Results.mediation``: one row per chain, the numbers of the typed analysis (bootstrap
    for the PLS headline, the delta method for CB-SEM without a bootstrap), and the rule in
    the frame's attrs."""
    from survey.analysis.mediation import chains, links, mediation

    _, ns = readme_namespace
    bare = survey.estimate(ns["q"], ns["m"], ns["data"], method="pls", analyses=[])
    with pytest.raises(SurveyError, match="'mediation' was not run"):
        bare.mediation  # noqa: B018
    both = survey.estimate(ns["q"], ns["m"], ns["data"], method="both", bootstrap={"pls": 200},
                           seed=1, analyses=["mediation"])
    frame = both.mediation
    typed = both.analysis.mediation
    assert frame.attrs["inference"] == typed.inference == "bootstrap"
    assert frame.attrs["rule"] == typed.rule and frame.attrs["interval"] == "percentile"
    assert frame["chain"].tolist() == ["expectation -> quality -> satisfaction"]
    assert frame["mediators"].tolist() == ["quality"]
    row = frame.iloc[0]
    x = typed.effects[0]
    for column in ("estimate", "std_estimate", "se", "p_value", "ci_low", "ci_high",
                   "pct_low", "pct_high", "direct", "direct_ci_low", "direct_ci_high"):
        assert row[column] == getattr(x, column), column
    assert np.isnan(row["bca_low"]) and row["type"] == x.type and row["direct_path"]
    assert row["estimate"] == pytest.approx(both.paths.set_index(["from", "to"]).loc[
        [("expectation", "quality"), ("quality", "satisfaction")], "estimate"].prod(), abs=1e-15)
    # The other estimate of the run: the same analysis of CB-SEM (Wald SEs: delta method).
    cb = both.alternative("cbsem").mediation
    assert cb.attrs["inference"] == "delta" and "Sobel" in cb.attrs["rule"]
    expected = mediation(both.study.bound.model, both.study.estimates["cbsem"]).effects[0]
    assert cb.iloc[0]["se"] == expected.se and cb.iloc[0]["type"] == expected.type
    # A CB-SEM run with every analysis (the README's ``cb``): every chain of CCSI.
    ccsi = ns["cb"]
    frame = ccsi.mediation
    model = ccsi.study.bound.model
    assert len(frame) == len(chains(model)) == 31
    paths = {(p.source, p.target): p.estimate for p in ccsi.estimate.paths}
    for chain, value in zip(chains(model), frame["estimate"], strict=True):
        assert value == pytest.approx(np.prod([paths[link] for link in links(chain)]),
                                      abs=1e-15)
    assert frame["type"].isin(["indirect_only_by_design", "no_effect_by_design"]).sum() == 15


def test_a_frame_a_dict_and_yaml_text_give_the_files_numbers(root):
    import yaml

    files = estimate_study(root / "questionnaires" / "airline.yaml", root / "models" / "ccsi.yaml",
                           root / "examples" / "airline_wave1.csv", analyses=["ipma"])
    model = yaml.safe_load((root / "models" / "ccsi.yaml").read_text(encoding="utf-8"))
    res = survey.estimate((root / "questionnaires" / "airline.yaml").read_text(encoding="utf-8"),
                          model, pd.read_csv(root / "examples" / "airline_wave1.csv"),
                          analyses=["ipma"])
    assert res.n == files.estimate.n
    assert res.paths["estimate"].tolist() == [p.estimate for p in files.estimate.paths]
    assert res.indices["index"].tolist() == [i.value for i in files.estimate.indices]
    assert res.study.manifest["model"] == {"path": None, "sha256": None, "id": "ccsi"}
    assert res.ingest["accepted"] == files.responses.report.n_accepted


def test_definitions_in_code_are_checked_like_files():
    with pytest.raises(ModelSpecError, match=re.escape(MAPPING)):
        survey.load_model({"id": "m", "latents": ["a"], "paths": ["a => b"], "target": "b"})
    with pytest.raises(ModelSpecError, match=re.escape(f"{TEXT}:5: foo")):
        survey.load_model("id: m\nlatents: [a, b]\npaths: [a -> b]\ntarget: c\nfoo: 1\n")
    with pytest.raises(ModelSpecError, match="File not found"):
        survey.load_model("no/such/model.yaml")


def test_import_survey_is_light():
    code = ("import sys, survey; heavy = [m for m in ('survey.api', 'pandas', 'matplotlib', "
            "'semopy') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
