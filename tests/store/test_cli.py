"""``survey init``, ``survey ingest`` and ``survey waves`` end to end through the CLI."""

from __future__ import annotations

from click.testing import CliRunner

from survey.cli import cli

from .conftest import ROWS, write_csv


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_init_ingest_waves(tmp_path, questionnaire, model):
    study = tmp_path / "airline-2026"
    r = run("init", study, "--questionnaire", questionnaire, "--model", model)
    assert r.exit_code == 0, r.output
    assert "study created with questionnaire 'mini' (4 items)" in r.output
    r = run("init", study, "--questionnaire", questionnaire, "--model", model)
    assert r.exit_code == 2 and "A study already exists here. Use --force" in r.output

    wave = write_csv(tmp_path / "wave1.csv")
    r = run("ingest", study, wave, "--wave", "2026Q1", "--brand", "国航")
    assert r.exit_code == 0, r.output
    assert "rejected: " in r.output and "column 'im1': value '11' is outside" in r.output
    assert ("wave1.csv: stored as wave '2026Q1' brand '国航' in " in r.output
            and "3 accepted, 1 rejected, 1 screened out of 5 rows" in r.output)

    r = run("ingest", study, wave, "--wave", "2026Q1", "--brand", "国航")
    assert r.exit_code == 0 and "Already stored as wave '2026Q1' brand '国航'" in r.output
    assert "nothing to do" in r.output

    other = write_csv(tmp_path / "wave1b.csv", ROWS[:2])
    r = run("ingest", study, other, "--wave", "2026Q1", "--brand", "国航")
    assert r.exit_code == 2 and "Use --replace to replace it with wave1b.csv" in r.output
    r = run("ingest", study, other, "--wave", "2026Q1", "--brand", "国航", "--replace")
    assert r.exit_code == 0 and "replaced wave1.csv as wave '2026Q1'" in r.output

    r = run("ingest", study, write_csv(tmp_path / "wave2.csv", ROWS[:4]), "--wave", "2026Q2")
    assert r.exit_code == 0, r.output
    r = run("waves", study)
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0].split() == ["wave", "brand", "accepted", "rejected", "screened", "out",
                                "file", "questionnaire", "ingested", "(UTC)"]
    assert lines[1].split()[:7] == ["2026Q1", "国航", "2", "0", "0", "wave1b.csv", "v1"]
    assert lines[2].split()[:7] == ["2026Q2", "-", "3", "0", "1", "wave2.csv", "v1"]
    assert lines[-1].endswith("2 waves and brands, 5 accepted respondents.")
    r = run("waves", study, "--history")
    assert r.exit_code == 0 and "replaced" in r.output


def test_errors_are_one_line(tmp_path, questionnaire, model):
    r = run("waves", tmp_path / "nope")
    assert r.exit_code == 2 and "Not a study folder" in r.output
    study = tmp_path / "s"
    run("init", study, "--questionnaire", questionnaire, "--model", model)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    r = run("ingest", study, empty, "--wave", "w")
    assert r.exit_code == 2 and "empty.csv: The file is empty (0 bytes)." in r.output
    assert "Traceback" not in r.output
    r = run("waves", study)
    assert r.exit_code == 0 and "no waves yet" in r.output
