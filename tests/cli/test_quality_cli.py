"""``survey quality`` and ``--exclude-flagged`` end to end through the real CLI, on the
generated study with planted rows (tests/conftest.py ``planted_quality``) and on a study
store (the flags stored beside each wave's responses)."""

from __future__ import annotations

import json

import pandas as pd
from click.testing import CliRunner

from survey.cli import cli


def run(*args: object, expect: int = 0) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == expect, result.output
    return result.output


def test_quality_prints_the_table_and_writes_the_flags(planted_quality, tmp_path):
    s = planted_quality
    out = run("quality", s.data, "-q", s.questionnaire, "-o", tmp_path / "flags.csv")
    for rule, n in (("speeder", 3), ("straightliner", 4), ("duplicate", 2), ("attention", 3)):
        line = next(x for x in out.splitlines() if f" {rule} " in x)
        assert f" {n} " in line
    assert "92: same answers and profile as row 12" in out
    # the planted rows, and row 182 (2 of 12 don't-knows by the simulation's own rate)
    assert len(set().union(*s.planted.values()) | {182}) == 15
    assert "15 respondents flagged by at least one rule." in out
    flags = pd.read_csv(tmp_path / "flags.csv", encoding="utf-8-sig")
    assert list(flags.columns) == ["row", "respondent", "rule", "value", "reason"]
    for rule, rows in s.planted.items():
        assert rows <= set(flags.loc[flags["rule"] == rule, "row"])
    assert flags.loc[flags["row"] == 7, "respondent"].item() == "R0005"


def test_flag_files_neutralise_formula_cells(planted_quality, tmp_path):
    """A respondent id that a spreadsheet would run (=HYPERLINK(...)) is written as text."""
    from openpyxl import load_workbook

    s = planted_quality
    frame = s.frame.copy()
    frame.loc[5, "respondent_id"] = '=HYPERLINK("http://x","y")'
    data = tmp_path / "w.csv"
    frame.to_csv(data, index=False)
    run("quality", data, "-q", s.questionnaire, "-o", tmp_path / "flags.xlsx")
    sheet = load_workbook(tmp_path / "flags.xlsx").active
    cells = [c.value for row in sheet.iter_rows() for c in row]
    assert "'=HYPERLINK(\"http://x\",\"y\")" in cells
    assert not any(isinstance(c, str) and c.startswith("=") for c in cells)


def test_estimate_excludes_the_flagged_rules(planted_quality, tmp_path):
    s = planted_quality
    out = run("estimate", "-q", s.questionnaire, "-m", s.model, "-d", s.data,
              "--exclude-flagged", "speeder,straightliner", "--analyses", "none",
              "--json", tmp_path / "o.json")
    assert "Quality: 7 of 200 accepted respondents excluded (speeder 3, straightliner 4); " \
           "193 used." in " ".join(out.split())
    doc = json.loads((tmp_path / "o.json").read_text(encoding="utf-8"))
    assert doc["n"] == 193 and doc["quality"]["n_excluded"] == 7
    assert doc["manifest"]["settings"]["exclude_flagged"] == ["speeder", "straightliner"]


def test_unknown_rule_and_bad_duration_fail_with_a_message(planted_quality, tmp_path):
    s = planted_quality
    out = run("estimate", "-q", s.questionnaire, "-m", s.model, "-d", s.data,
              "--exclude-flagged", "speeders", expect=2)
    assert "Unknown quality rule 'speeders'. Expected one of ['speeder'" in out
    frame = s.frame.copy()
    frame.loc[0, "所用时间"] = "about ten minutes"
    bad = tmp_path / "bad.csv"
    frame.to_csv(bad, index=False)
    out = run("quality", bad, "-q", s.questionnaire, expect=2)
    assert f"{bad}:2: column '所用时间': value 'about ten minutes' is not a duration" in out
    out = run("quality", s.data, expect=2)
    assert "give --questionnaire" in out


def test_quality_of_a_study_stores_the_flags_beside_each_wave(planted_quality, tmp_path):
    from survey.store import Study

    s = planted_quality
    study = tmp_path / "st"
    run("init", study, "--questionnaire", s.questionnaire, "--model", s.model)
    half = tmp_path / "w2.csv"
    s.frame.iloc[:100].to_csv(half, index=False)
    run("ingest", study, s.data, "--wave", "W1")
    run("ingest", study, half, "--wave", "W2")
    out = run("quality", study, "-o", tmp_path / "flags.csv")
    assert "W1 (qc_wave.csv): 200 accepted respondents" in " ".join(out.split())
    stored = Study.open(study).quality_flags()
    w1 = stored[stored["wave"] == "W1"]
    for rule, rows in s.planted.items():
        assert rows <= set(w1.loc[w1["rule"] == rule, "row"].astype(int))
    # W2 is the first 100 respondents (rows 2-101): the planted rows among them only; row
    # 142 (row 22's IP) is not in W2
    w2 = stored[stored["wave"] == "W2"]
    assert set(w2.loc[w2["rule"] == "speeder", "row"].astype(int)) == {7, 19, 62}
    assert set(w2.loc[w2["rule"] == "duplicate", "row"].astype(int)) == {92}
    # Checking again replaces the flags, never doubles them.
    run("quality", study, "--waves", "W2")
    again = Study.open(study).quality_flags(["W2"])
    assert len(again) == len(w2)
    written = pd.read_csv(tmp_path / "flags.csv", encoding="utf-8-sig")
    assert set(written["wave"]) == {"W1", "W2"}


def test_run_excludes_the_flagged_rules_per_wave(planted_quality, tmp_path):
    """survey run --exclude-flagged: each wave's cell is estimated on its accepted
    respondents less the flagged ones (n down by exactly those), recorded in the manifest."""
    from survey.store import Study

    s = planted_quality
    study = tmp_path / "st"
    run("init", study, "--questionnaire", s.questionnaire, "--model", s.model)
    half = tmp_path / "w2.csv"
    s.frame.iloc[:100].to_csv(half, index=False)
    run("ingest", study, s.data, "--wave", "W1")
    run("ingest", study, half, "--wave", "W2")
    out = run("run", study, "--bootstrap", "0", "--permutations", "0", "--workers", "0",
              "--exclude-flagged", "speeder,attention", "--out", tmp_path / "rep")
    text = " ".join(out.split())
    assert "Quality: W1: 6 of 200 excluded (speeder 3, attention 3)." in text
    # W2 holds rows 2-101: speeders 7, 19, 62 and attention failures 27, 72, 101
    assert "Quality: W2: 6 of 100 excluded (speeder 3, attention 3)." in text
    runs = Study.open(study).runs()
    manifest = runs["manifest"].iloc[-1]
    assert manifest["exclude_flagged"]["rules"] == ["speeder", "attention"]
    doc = json.loads((tmp_path / "rep" / "tracking.json").read_text(encoding="utf-8"))
    ns = sorted(c["n"] for c in doc["cells"])
    assert ns == [94, 194]
    out = run("run", study, "--exclude-flagged", "speed", expect=2)
    assert "Unknown quality rule 'speed'" in out
