"""``survey export`` end to end: each platform's form written by the command (in a real
process once), read back by the platform's reader (pyxform for XLSForm, LimeSurvey's
tab-separated reading, JSON), and bad requests refused with one clear line and exit 2.
Then the field: answers exported as Kobo would for that form, read back by the Kobo
importer and validated (the whole loop from questionnaire to accepted respondents)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

from survey.cli import cli
from survey.importers import kobo
from survey.ingest import read_table, response_set_from_frame
from survey.questionnaire import load_questionnaire


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_export_every_platform(root, tmp_path):
    q = root / "questionnaires/airline.yaml"
    r = run("export", str(q), "--to", "xlsform", "--lang", "en,zh", "--out",
            str(tmp_path / "form.xlsx"))
    assert r.exit_code == 0, r.output
    assert "xlsform form of questionnaire 'airline': 60 questions, languages en, zh" in r.output
    from pyxform.xls2xform import convert

    result = convert(xlsform=str(tmp_path / "form.xlsx"), validate=False)
    assert result.warnings == [] and 'lang="English (en)" default="true()"' in result.xform

    r = run("export", str(q), "--to", "limesurvey", "--out", str(tmp_path / "ls" / "form.txt"))
    assert r.exit_code == 0, r.output
    with open(tmp_path / "ls" / "form.txt", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quotechar='"'))
    assert {r["class"] for r in rows} == {"S", "SL", "G", "Q", "A"}
    assert sum(r["class"] == "Q" for r in rows) == 2 * 60

    r = run("export", str(q), "--to", "surveyjs", "--lang", "en", "--out",
            str(tmp_path / "form.json"))
    assert r.exit_code == 0, r.output
    form = json.loads((tmp_path / "form.json").read_text(encoding="utf-8"))
    assert sum(len(p["elements"]) for p in form["pages"]) == 60 and form["locale"] == "en"


def test_bad_requests_fail_with_one_clear_line(root, tmp_path):
    """Through a real process (the console script's entry point)."""
    cmd = [sys.executable, "-c", "from survey.cli import main; main()", "export",
           str(root / "questionnaires/airline.yaml"), "--out", str(tmp_path / "f")]
    p = subprocess.run([*cmd, "--to", "qualtrics"], capture_output=True, text=True)
    assert p.returncode == 2
    assert "Invalid value for '--to': 'qualtrics' is not one of 'limesurvey', 'surveyjs', " \
           "'xlsform'" in p.stderr
    p = subprocess.run([*cmd, "--to", "xlsform", "--lang", "zh,ja"], capture_output=True,
                       text=True)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.strip() == (f"error: {root / 'questionnaires/airline.yaml'}: questionnaire "
                                "'airline': The questionnaire has no text in 'ja'. Expected "
                                "languages among ['zh', 'en']. Got ['zh', 'ja'] instead.")
    assert not (tmp_path / "f").exists()
    p = subprocess.run([*cmd[:-1], str(tmp_path / "form.txt"), "--to", "xlsform"],
                       capture_output=True, text=True)
    assert p.returncode == 2 and p.stderr.strip() == (
        f"error: {tmp_path / 'form.txt'}: An XLSForm is a .xlsx file. Got '.txt' "
        "instead: name it 'form.xlsx'.")


def test_limesurvey_export_of_a_clashing_questionnaire_names_the_items(study_yaml, tmp_path):
    path = tmp_path / "q.yaml"
    path.write_text(study_yaml().replace("c1_i0:", "c1i0:").replace("c1_i1:", "c1I0:"),
                    encoding="utf-8")
    r = CliRunner().invoke(cli, ["export", str(path), "--to", "limesurvey", "--out",
                                 str(tmp_path / "f.txt")])
    assert r.exit_code == 2
    assert (f"{path}: questionnaire 'gen': Items ['c1i0', 'c1I0'] share the LimeSurvey code "
            "'c1i0'" in r.output)


def test_the_field_loop_questionnaire_to_form_to_export_to_respondents(root, tmp_path):
    """The exported XLSForm's field names are the Kobo export's headers (with the group
    paths pyxform's instance gives them): read back with no mapping written by hand."""
    q = load_questionnaire(root / "questionnaires/airline.yaml")
    run("export", str(root / "questionnaires/airline.yaml"), "--to", "xlsform", "--out",
        str(tmp_path / "form.xlsx"))
    from pyxform.xls2xform import convert

    xform = convert(xlsform=str(tmp_path / "form.xlsx"), validate=False).xform
    import xml.etree.ElementTree as ET

    ns = "{http://www.w3.org/2002/xforms}"
    data = ET.fromstring(xform).find(f".//{ns}instance/{ns}data")

    def paths(node, prefix=""):
        for child in node:
            name = child.tag.replace(ns, "")
            if name == "meta":
                continue
            if len(child):
                yield from paths(child, f"{prefix}{name}/")
            else:
                yield f"{prefix}{name}"

    headers = list(paths(data))
    assert "crew/crew_friendly" in headers and "flown_12m" in headers
    # Two respondents as Kobo exports them: one qualified, one screened out (n/a after).
    answer = {h: "8" for h in headers}
    answer.update({"flown_12m": "1", "airline": "2", "interview_date": "2026-09-03",
                   "age": "41", "gender": "2", "occupation": "4", "education": "4",
                   "income": "3", "flights_12m": "6", "complained": "2",
                   "complaint_outcome": "n/a", "spend_12m": "1800"})
    out = {h: "n/a" for h in headers} | {"flown_12m": "2"}
    frame = pd.DataFrame([answer, out]).assign(_id=["1", "2"], _uuid=["a", "b"],
                                               _submission_time=["2026-09-03T10:00:00"] * 2)
    path = tmp_path / "kobo.csv"
    frame.to_csv(path, sep=";", index=False)
    table = read_table(path).frame
    assert kobo.detect(table)
    rs = response_set_from_frame(kobo.adapt(table, q, str(path)).frame, q, source=str(path))
    assert rs.report.n_accepted == 1 and rs.report.n_screened_out == 1
    assert rs.data["crew_friendly"].tolist() == [8.0]


@pytest.mark.parametrize("to", ["xlsform", "limesurvey", "surveyjs"])
def test_help_names_the_platforms(to):
    r = run("export", "--help")
    assert r.exit_code == 0 and to in r.output


def test_export_is_a_light_command(root, tmp_path):
    """Writing a form loads no estimator, chart, cluster or data-frame library."""
    code = ("import sys, json\nfrom survey.cli import cli\n"
            "try:\n    cli(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "print(json.dumps([m for m in ('semopy', 'dask', 'matplotlib', 'statsmodels', "
            "'scipy', 'pandas') if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code, "export",
                          str(root / "questionnaires/airline.yaml"), "--to", "surveyjs",
                          "--out", str(tmp_path / "f.json")],
                         capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
    assert (tmp_path / "f.json").exists()


def test_the_api_gives_the_cli_s_file(tmp_path):
    """survey.export_form (the notebook API) writes what `survey export` writes."""
    import survey
    from survey.resources import bundled

    airline = bundled("questionnaires") / "airline.yaml"
    out = tmp_path / "cli.json"
    result = CliRunner().invoke(cli, ["export", str(airline), "--to", "surveyjs",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = survey.export_form(str(airline), "surveyjs", out=tmp_path / "api.json")
    assert data == out.read_bytes() == (tmp_path / "api.json").read_bytes()
    assert json.loads(data)["pages"]
