"""``survey quality`` and ``--exclude-flagged`` end to end through the real CLI, on the
generated study with planted rows (tests/conftest.py ``planted_quality``) and on a study
store (the flags stored beside each wave's responses)."""

from __future__ import annotations

import json
import re

import pandas as pd
from click.testing import CliRunner

from survey.cli import cli


def run(*args: object, expect: int = 0) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == expect, result.output
    return result.output


def test_quality_prints_the_table_and_writes_the_flags(planted_quality, tmp_path):
    s = planted_quality
    out = run("quality", s.data, "-q", s.questionnaire, "-o", tmp_path / "flags.csv",
              "--lang", "en")
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


def two_waves(s, tmp_path):
    """A study of the planted file: wave W1 all of it, W2 its first 100 respondents."""
    study = tmp_path / "st"
    run("init", study, "--questionnaire", s.questionnaire, "--model", s.model)
    half = tmp_path / "w2.csv"
    s.frame.iloc[:100].to_csv(half, index=False)
    run("ingest", study, s.data, "--wave", "W1")
    run("ingest", study, half, "--wave", "W2")
    return study


def test_quality_of_a_study_stores_the_flags_beside_each_wave(planted_quality, tmp_path):
    from survey.store import Study

    s = planted_quality
    study = two_waves(s, tmp_path)
    out = run("quality", study, "-o", tmp_path / "flags.csv", "--lang", "en")
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
    study = two_waves(s, tmp_path)
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


def test_reasons_and_headers_in_the_questionnaires_first_language(planted_quality, tmp_path):
    """The questionnaire's first language is zh: without --lang the table, the reasons and
    the file's headers are Chinese; each reason says the same numbers as its English twin."""
    s = planted_quality
    out = run("quality", s.data, "-q", s.questionnaire, "-o", tmp_path / "zh.csv")
    run("quality", s.data, "-q", s.questionnaire, "-o", tmp_path / "en.csv", "--lang", "en")
    text = " ".join(out.split())
    assert "qc_wave.csv：200 位有效受访者" in text
    assert "15 位受访者至少被一条规则标记。" in text
    assert "92: 作答与背景资料与第 12 行完全相同" in text
    zh = pd.read_csv(tmp_path / "zh.csv", encoding="utf-8-sig")
    en = pd.read_csv(tmp_path / "en.csv", encoding="utf-8-sig")
    assert list(zh.columns) == ["行号", "受访者编号", "规则", "测量值", "原因"]
    assert len(zh) == len(en) == 3 + 4 + 2 + 3 + 3  # per rule, as planted (+ row 182)
    assert zh["规则"].tolist() == en["rule"].tolist()  # the rule codes --exclude-flagged takes
    number = re.compile(r"\d+(?:\.\d+)?")
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for a, b in zip(zh["原因"], en["reason"], strict=True):
        assert cjk.search(a) and not cjk.search(b.replace("来自IP", ""))
        assert sorted(number.findall(a)) == sorted(number.findall(b)), (a, b)
    speeder = zh.loc[(zh["行号"] == 7) & (zh["规则"] == "speeder"), "原因"].item()
    assert speeder.startswith("用时 ") and "不足中位数" in speeder and "30%" in speeder
    attention = zh.loc[(zh["行号"] == 101) & (zh["规则"] == "attention"), "原因"].item()
    assert "check：未答，应为 3" in attention


def test_a_study_stores_the_reasons_in_the_language_asked(planted_quality, tmp_path):
    from survey.store import Study

    s = planted_quality
    study = tmp_path / "st"
    run("init", study, "--questionnaire", s.questionnaire, "--model", s.model)
    run("ingest", study, s.data, "--wave", "W1")
    out = run("quality", study, "-o", tmp_path / "flags.xlsx")
    assert "标记已保存在" in out
    stored = Study.open(study).quality_flags()
    assert stored.loc[stored["row"] == 92, "reason"].tolist() == ["作答与背景资料与第 12 行完全相同"]
    written = pd.read_excel(tmp_path / "flags.xlsx", engine="openpyxl")
    assert list(written.columns) == ["行号", "受访者编号", "规则", "测量值", "原因", "轮次", "品牌"]
    run("quality", study, "--lang", "en")
    stored = Study.open(study).quality_flags()
    assert stored.loc[stored["row"] == 92, "reason"].tolist() == [
        "same answers and profile as row 12"]
