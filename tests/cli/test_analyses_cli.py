"""The analyses through ``survey estimate``: segments and value tiers, the sampling design
(sample -> estimate with its weights, strata and fpc), raking to margins, and the analysis
blocks of the JSON."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from survey.cli import cli
from survey.cli.simulate import airline_ccsi
from survey.simulate import AIRLINE_CCSI, simulate_responses


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def wave(tmp_path_factory):
    path = tmp_path_factory.mktemp("analyses") / "wave.csv"
    simulate_responses(airline_ccsi(), AIRLINE_CCSI, n=900, seed=21).to_csv(path, index=False)
    return path


def estimate(root, data, out, *extra):
    r = run("estimate", "-q", str(root / "questionnaires/airline.yaml"), "-m",
            str(root / "models/ccsi.yaml"), "-d", str(data), "--json", str(out), *extra)
    assert r.exit_code == 0, r.output
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def segmented(root, wave, tmp_path_factory):
    out = tmp_path_factory.mktemp("seg") / "seg.json"
    return estimate(root, wave, out, "--segment", "gender", "--segment", "age=35,50",
                    "--tiers", "spend_12m", "--permutations", "99", "--bootstrap", "100")


def test_analysis_blocks_are_in_the_json(segmented):
    for key in ("ipma", "ipma_items", "methods", "methods_comparison", "satisfaction_ratio",
                "gauges", "precision", "segments", "segment_tests", "value_tiers"):
        assert key in segmented, key
    assert set(segmented["methods"]) == {"mean", "dual_evaluation", "improved_dual_evaluation",
                                         "regression", "sem"}
    for row in segmented["ipma"]:
        assert {"latent", "target", "importance", "performance"} <= set(row)
    assert {r["target"] for r in segmented["ipma"]} == {"satisfaction", "loyalty"}


def test_a_segment_level_equals_estimating_its_rows_alone(root, wave, segmented, tmp_path):
    frame = pd.read_csv(wave, dtype=str, keep_default_na=False)
    women = frame[frame["gender"] == "2"]
    women.to_csv(tmp_path / "women.csv", index=False)
    alone = estimate(root, tmp_path / "women.csv", tmp_path / "women.json",
                     "--bootstrap", "100")
    level = next(r for r in segmented["segments"]
                 if r["segment"] == "gender" and r["level"] == "2")
    assert level["n"] == alone["n"]
    for latent, value in alone["indices"].items():
        assert level["indices"][latent] == pytest.approx(value, abs=1e-9)


def test_age_bands_and_value_tiers(segmented):
    bands = [r["level"] for r in segmented["segments"] if r["segment"] == "age_band"]
    assert bands == ["<35", "35-49", "50+"]
    tiers = segmented["value_tiers"]["tiers"]
    assert [t["tier"] for t in tiers] == ["platinum", "gold", "iron", "lead"]
    assert sum(t["customer_share"] for t in tiers) == pytest.approx(1.0)
    assert sum(t["value_share"] for t in tiers) == pytest.approx(1.0)
    # The simulated spend follows the 80/20 pattern: the top 20 % hold most of the value.
    assert sum(t["value_share"] for t in tiers[:3]) > 0.6
    tested = {t["segment"] for t in segmented["segment_tests"]}
    assert {"gender", "age_band", "value_tier"} <= tested


def test_sample_then_estimate_with_the_design(root, tmp_path):
    population = simulate_responses(airline_ccsi(), AIRLINE_CCSI, n=4000, seed=5)
    population = population[population["flown_12m"].astype(str) == "1"]
    population.to_csv(tmp_path / "frame.csv", index=False)
    r = run("sample", str(tmp_path / "frame.csv"), "--design", "stratified", "--strata",
            "airline", "--n", "600", "--seed", "3", "--out", str(tmp_path / "sample.csv"))
    assert r.exit_code == 0, r.output
    doc = estimate(root, tmp_path / "sample.csv", tmp_path / "s.json", "--weights",
                   "design_weight", "--strata", "stratum", "--fpc", "fpc",
                   "--probability-sample")
    sat = doc["precision"]["satisfaction"]
    assert sat["moe"] == pytest.approx(1.959964 * sat["se"], rel=1e-5)
    assert sat["population"] == len(population)
    assert 0.5 < sat["deff"] < 1.5 and sat["n"] == doc["n"]
    assert doc["settings"]["weights_column"] == "design_weight"
    plain = estimate(root, tmp_path / "sample.csv", tmp_path / "p.json")
    assert plain["precision"]["satisfaction"]["moe"] is None
    assert "AAPOR" in plain["precision"]["satisfaction"]["moe_note"]


def test_raking_to_margins_weights_the_pls_estimate(root, wave, tmp_path):
    (tmp_path / "margins.yaml").write_text("gender: {1: 0.7, 2: 0.3}\n", encoding="utf-8")
    doc = estimate(root, wave, tmp_path / "r.json", "--margins", str(tmp_path / "margins.yaml"))
    assert doc["settings"]["weights_column"] == "raked_weight"
    assert doc["manifest"]["settings"]["design"]["margins"]["sha256"]
    unweighted = estimate(root, wave, tmp_path / "u.json")
    assert doc["indices"]["satisfaction"] != pytest.approx(
        unweighted["indices"]["satisfaction"], abs=1e-9)
    kish = doc["precision"]["satisfaction"]["deff_kish"]
    assert kish > 1.05  # unequal weights cost precision


@pytest.mark.parametrize("args,message", [
    (("--segment", "no_such"), "segment column 'no_such' is not in the data"),
    (("--segment", "age=a,b"), "expected numeric cut points"),
    (("--tiers", "age", "--strata", "nowhere"), "Design column 'nowhere' is not in the data"),
])
def test_bad_analysis_options(root, wave, tmp_path, args, message):
    r = run("estimate", "-q", str(root / "questionnaires/airline.yaml"), "-m",
            str(root / "models/ccsi.yaml"), "-d", str(wave), *args)
    assert r.exit_code == 2, r.output
    assert message in r.output and "Traceback" not in r.output
