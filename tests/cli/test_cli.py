"""The ``survey`` command end to end, through the installed console script's entry point."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

from survey.cli import cli
from survey.cli.simulate import airline_ccsi
from survey.simulate import AIRLINE_CCSI, simulate_responses

CONTRACT_KEYS = {"method", "n", "n_dropped", "missing", "converged", "admissible", "warnings",
                 "paths", "loadings", "weights", "r2", "effects", "indices", "reliability",
                 "htmt", "fit"}


@pytest.fixture(scope="module")
def wave(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "wave.csv"
    simulate_responses(airline_ccsi(), AIRLINE_CCSI, n=400, seed=5, data_entry_errors=2).to_csv(
        path, index=False)
    return path


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_validate_questionnaire_and_model(root):
    r = run("validate", str(root / "questionnaires/airline.yaml"), str(root / "models/ccsi.yaml"))
    assert r.exit_code == 0, r.output
    assert "model 'ccsi' is valid for this questionnaire: 6 latents, 11 paths" in r.output


def test_model_needing_a_missing_construct_fails_cleanly(root):
    r = run("validate", str(root / "questionnaires/airline.yaml"), str(root / "models/acsi.yaml"))
    assert r.exit_code == 2
    assert "Latent 'complaints' is not a construct of questionnaire 'airline'" in r.output
    assert "Traceback" not in r.output


def test_estimate_out_writes_the_deliverables_and_report_renders_them_again(root, wave,
                                                                           tmp_path):
    """--out: the JSON contract, the saved result and the formats asked for; survey report
    renders the saved result again in another language without estimating; a contract
    without its saved result, a language the questionnaire lacks and an unknown format are
    refused by name."""
    args = ("estimate", "-q", str(root / "questionnaires/airline.yaml"), "-m",
            str(root / "models/ccsi.yaml"), "-d", str(wave), "--analyses", "none")
    r = run(*args, "--out", str(tmp_path / "out"), "--format", "html,pdf")
    assert r.exit_code == 0, r.output
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        "wave.json", "wave.result.gz", "wave_report.html", "wave_report.pdf"]
    zh = (out / "wave_report.html").read_text(encoding="utf-8")
    assert '<html lang="zh' in zh
    r = run("report", str(out), "--lang", "en", "--format", "html")
    assert r.exit_code == 0, r.output
    en = (out / "wave_report_en.html").read_text(encoding="utf-8")
    assert '<html lang="en' in en and "Executive summary" in en
    assert json.loads((out / "wave.json").read_text(encoding="utf-8"))["n"] == 398
    run(*args, "--json", str(tmp_path / "alone.json"))
    r = run("report", str(tmp_path / "alone.json"))
    assert r.exit_code == 2 and "alone.result.gz" in r.output and "--out" in r.output
    r = run(*args, "--out", str(tmp_path / "x"), "--format", "html,docx")
    assert r.exit_code == 2 and "docx" in r.output and not (tmp_path / "x").exists()


def test_estimate_writes_json_contract_and_report(root, wave, tmp_path):
    out_json, out_html = tmp_path / "est.json", tmp_path / "rep.html"
    r = run("estimate", "-q", str(root / "questionnaires/airline.yaml"), "-m",
            str(root / "models/ccsi.yaml"), "-d", str(wave), "--method", "cbsem",
            "--json", str(out_json), "--report", str(out_html), "--lang", "en")
    assert r.exit_code == 0, r.output
    doc = json.loads(out_json.read_text(encoding="utf-8"))
    assert CONTRACT_KEYS <= set(doc)
    assert doc["method"] == "cbsem" and doc["missing"] == "fiml" and doc["n_dropped"] == 0
    assert len(doc["paths"]) == 11
    assert {"from", "to", "estimate", "std_estimate", "se", "ci_low", "ci_high", "p_value"} <= set(doc["paths"][0])
    assert set(doc["indices"]) >= {"image", "expectation", "quality", "value", "satisfaction", "loyalty"}
    assert all(0 <= v <= 100 for v in doc["indices"].values())
    assert {"chi2", "df", "cfi", "tli", "rmsea", "srmr"} <= set(doc["fit"])
    assert "rejected" in r.output and "2 rejected" in r.output
    assert out_html.stat().st_size > 10_000


def test_missing_item_column_names_it(root, wave, tmp_path):
    frame = pd.read_csv(wave, dtype=str, keep_default_na=False).drop(columns=["sat_overall"])
    bad = tmp_path / "bad.csv"
    frame.to_csv(bad, index=False)
    r = run("estimate", "-q", str(root / "questionnaires/airline.yaml"), "-m",
            str(root / "models/ccsi.yaml"), "-d", str(bad))
    assert r.exit_code == 2
    assert "sat_overall" in r.output and str(bad) in r.output
    assert "Traceback" not in r.output


def _estimate_json(root, wave, out, *extra):
    r = run("estimate", "-q", str(root / "questionnaires/airline.yaml"), "-m",
            str(root / "models/ccsi.yaml"), "-d", str(wave), "--json", str(out), *extra)
    assert r.exit_code == 0, r.output
    return json.loads(out.read_text(encoding="utf-8")), r.output


def test_pls_is_the_default_with_bootstrap_intervals(root, wave, tmp_path):
    doc, output = _estimate_json(root, wave, tmp_path / "pls.json", "--bootstrap", "300",
                                 "--seed", "4", "--interval", "bca")
    assert CONTRACT_KEYS <= set(doc)
    assert doc["method"] == "pls" and doc["missing"] == "mean" and doc["fit"] == {}
    assert doc["inference"] == "bootstrap" and doc["settings"]["interval"] == "bca"
    assert doc["bootstrap"]["resamples"] == 300 and doc["bootstrap"]["seed"] == 4
    assert doc["bootstrap"]["ok"] + doc["bootstrap"]["failed"] == 300
    for p in doc["paths"]:
        assert p["ci_low"] < p["estimate"] < p["ci_high"] and p["se"] > 0
    for i in doc["index_detail"]:
        assert i["ci_low"] < i["index"] < i["ci_high"]
    assert doc["manifest"]["settings"]["seed"] == 4 and doc["manifest"]["data"]["sha256"]
    assert "Bootstrap: " in output


def test_same_seed_same_numbers_whatever_the_workers(root, wave, tmp_path):
    one, _ = _estimate_json(root, wave, tmp_path / "a.json", "--bootstrap", "250", "--seed", "9")
    two, _ = _estimate_json(root, wave, tmp_path / "b.json", "--bootstrap", "250", "--seed", "9",
                            "--workers", "2")
    for doc in (one, two):
        doc.pop("manifest")
    assert one == two


def test_both_methods_side_by_side(root, wave, tmp_path):
    doc, output = _estimate_json(root, wave, tmp_path / "both.json", "--method", "both")
    assert doc["method"] == "pls"
    cbsem = doc["alternatives"]["cbsem"]
    assert cbsem["method"] == "cbsem" and cbsem["fit"]["df"] > 0
    kinds = {row["kind"] for row in doc["comparison"]}
    assert kinds == {"path", "index", "r2"}
    assert sum(row["kind"] == "path" for row in doc["comparison"]) == 11


@pytest.mark.parametrize("args,message", [
    (("--missing", "fiml"), "'fiml' is not available for pls"),
    (("--method", "cbsem", "--missing", "mean"), "'mean' is not available for cbsem"),
    (("--weights", "no_such_column"), "Weight column 'no_such_column' is not in the data"),
])
def test_bad_estimation_options_fail_cleanly(root, wave, tmp_path, args, message):
    r = run("estimate", "-q", str(root / "questionnaires/airline.yaml"), "-m",
            str(root / "models/ccsi.yaml"), "-d", str(wave), *args)
    assert r.exit_code == 2
    assert message in r.output and "Traceback" not in r.output


def test_demo_writes_report_and_json(tmp_path):
    """The demo as a user runs it, with the fewest resamples that carry inference and without
    the segment permutation tests (tests/report/test_analyses.py runs those on the same wave;
    the full-size demo is timed in bench/, not here)."""
    r = run("demo", "--out", str(tmp_path / "demo"), "--lang", "en", "--bootstrap", "200",
            "--permutations", "0")
    assert r.exit_code == 0, r.output
    doc = json.loads((tmp_path / "demo" / "airline_ccsi.json").read_text(encoding="utf-8"))
    assert doc["n"] > 500 and doc["admissible"] and doc["method"] == "pls"
    assert doc["bootstrap"]["resamples"] == 200 and doc["inference"] == "bootstrap"
    assert doc["manifest"]["settings"]["permutations"] == 0
    assert doc["segment_tests"] == [] and doc["segments"]
    assert doc["alternatives"]["cbsem"]["missing"] == "fiml"
    # All four deliverables, each opened with its reader.
    out = tmp_path / "demo"
    html = (out / "airline_ccsi_report_en.html").read_text(encoding="utf-8")
    assert "Executive summary" in html
    import openpyxl
    import pptx
    import pypdfium2

    workbook = openpyxl.load_workbook(out / "airline_ccsi_report_en.xlsx")
    assert len(workbook.sheetnames) >= 8
    deck = pptx.Presentation(str(out / "airline_ccsi_report_en.pptx"))
    assert len(deck.slides) >= 5 and any(shape.has_chart for slide in deck.slides
                                         for shape in slide.shapes)
    assert "Executive summary" in " ".join(
        shape.text_frame.text for shape in deck.slides[0].shapes if shape.has_text_frame)
    pdf = pypdfium2.PdfDocument(str(out / "airline_ccsi_report_en.pdf"))
    assert len(pdf) > 10 and "Executive summary" in pdf[0].get_textpage().get_text_range()
    pdf.close()
    # Rendered again from the saved result, without estimating: the same report.
    r = run("report", str(out / "airline_ccsi.json"), "--lang", "en", "--out",
            str(tmp_path / "again"))
    assert r.exit_code == 0, r.output
    assert (tmp_path / "again" / "airline_ccsi_report_en.html").read_text(encoding="utf-8") == html


def test_console_script_exit_code_and_debug(root, tmp_path):
    """Through a real process: one error line and exit 2; --debug shows the traceback."""
    bad = tmp_path / "q.yaml"
    bad.write_text("id: x\ntitle: {zh: a, en: b}\nscales: {ten: {min: 1, max: 10}\n", encoding="utf-8")
    cmd = [sys.executable, "-c", "from survey.cli import main; main()"]
    p = subprocess.run([*cmd, "validate", str(bad)], capture_output=True, text=True)
    assert p.returncode == 2
    assert p.stderr.startswith(f"error: {bad}:") and "YAML syntax error" in p.stderr
    assert "Traceback" not in p.stderr
    p = subprocess.run([*cmd, "--debug", "validate", str(bad)], capture_output=True, text=True)
    assert "Traceback" in p.stderr


def test_tracking_demo_runs_the_bundled_study(tmp_path):
    # In this process (--workers 0): the same numbers as on Dask, which
    # tests/store/test_tracking.py checks cell by cell.
    r = run("demo", "--tracking", "--out", str(tmp_path / "t"), "--lang", "en",
            "--bootstrap", "200", "--permutations", "100", "--workers", "0")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "t" / "tracking_report.html").stat().st_size > 20_000
    assert (tmp_path / "t" / "tracking_report.pdf").read_bytes().startswith(b"%PDF-")
    # Rendered again from the study's saved run, without estimating: the same report.
    r = run("report", str(tmp_path / "t" / "study"), "--lang", "en", "--out",
            str(tmp_path / "again"), "--name", "tracking_report")
    assert r.exit_code == 0, r.output
    assert ((tmp_path / "again" / "tracking_report.html").read_text(encoding="utf-8")
            == (tmp_path / "t" / "tracking_report.html").read_text(encoding="utf-8"))
    # The demo writes every format; the workbook and the deck again from the saved run.
    assert (tmp_path / "t" / "tracking_report.pptx").stat().st_size > 20_000
    r = run("report", str(tmp_path / "t" / "study"), "--format", "xlsx,pptx", "--lang", "en",
            "--out", str(tmp_path / "again"), "--name", "deliverables")
    assert r.exit_code == 0, r.output
    assert not (tmp_path / "again" / "deliverables.html").exists()
    from pptx import Presentation
    from pptx.enum.chart import XL_CHART_TYPE

    deck = Presentation(str(tmp_path / "again" / "deliverables.pptx"))
    assert deck.slides[0].shapes[0].text_frame.text == "Executive summary"
    lines = [s.chart for slide in deck.slides for s in slide.shapes
             if s.has_chart and s.chart.chart_type == XL_CHART_TYPE.LINE_MARKERS]
    assert len(lines) == 1 and {s.name for s in lines[0].plots[0].series} == {"A", "B"}
    import openpyxl

    book = openpyxl.load_workbook(tmp_path / "again" / "deliverables.xlsx")
    assert "Wave over wave" in book.sheetnames and "Indices by wave" in book.sheetnames
    from survey.store import Study

    study = Study.open(tmp_path / "t" / "study")
    assert len(study.waves()) == 4 and len(study.runs()) == 1
    changes = study.run_tables(study.runs().iloc[0]["run_id"])["changes"]
    punctuality = changes[(changes["brand"] == "A") & (changes["a"] == "punctuality")
                          & (changes["kind"] == "index")].iloc[0]
    assert punctuality["change"] > 5 and punctuality["significant"]


def test_a_report_language_the_questionnaire_lacks_is_refused_before_estimating(root, tmp_path):
    """An English-only questionnaire asked for a Chinese report: refused up front, naming the
    languages it has, instead of a report mixing Chinese words with English labels."""
    q = root / "tests/reference/data/corp_rep.yaml"
    m = root / "tests/reference/data/corp_rep_model.yaml"
    data = tmp_path / "never_read.csv"
    r = run("estimate", "-q", str(q), "-m", str(m), "-d", str(data), "--lang", "zh",
            "--report", str(tmp_path / "r.html"))
    assert r.exit_code == 2, r.output
    assert "texts in en only; a 'zh' report would mix languages. Use --lang en" in " ".join(
        r.output.split())
    assert not (tmp_path / "r.html").exists()


def test_write_report_refuses_a_language_without_texts(root, tmp_path):
    import dataclasses

    from survey.errors import SurveyError
    from survey.report import write_report
    from survey.study import estimate_study

    result = estimate_study(root / "questionnaires/airline.yaml", root / "models/ccsi.yaml",
                            root / "examples/airline_wave1.csv", analyses=[])
    english = dataclasses.replace(result, questionnaire=dataclasses.replace(
        result.questionnaire, languages=("en",)))
    with pytest.raises(SurveyError, match="'zh' report would mix languages"):
        write_report(english, tmp_path / "r.html", lang="zh")
    assert write_report(english, tmp_path / "r.html").exists()  # its own language: fine


def test_progress_off_a_terminal_is_a_plain_line_per_step_in_the_users_units(root, wave):
    """Not on a terminal (CliRunner, a log, CI): no live bars, a line when each step starts
    and one when it ends, counting resamples (not the jackknife fits beside them) and segment
    columns."""
    r = run("estimate", "-q", str(root / "questionnaires/airline.yaml"), "-m",
            str(root / "models/ccsi.yaml"), "-d", str(wave), "--bootstrap", "120",
            "--interval", "bca", "--segment", "gender", "--permutations", "20",
            "--analyses", "none")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines.index("PLS bootstrap resamples...") < next(
        k for k, line in enumerate(lines) if line.startswith("PLS bootstrap resamples: 120 done ("))
    assert any(line.startswith("segment columns: 1 done (") for line in lines)
    assert "\x1b[" not in r.output and "━" not in r.output
