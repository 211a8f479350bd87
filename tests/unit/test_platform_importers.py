"""Round trips through the platforms: the answers of a simulated wave (survey.simulate), as the
platform's response export writes them for the form ``survey export`` made (its headers,
meta columns, separators, codes for the questions a screened-out respondent was not asked),
read back by the platform's importer with no mapping written by hand, must validate to the
same respondents and the same values as the native CSV of the same answers, and give the same
satisfaction index (to 1e-12). Fixtures are simulated, never a real person's answers.

The export layouts follow the platforms' documentation: KoboToolbox "Downloading data"
(CSV ``;``-separated by default, XML values and headers, groups in headers, meta columns);
LimeSurvey "Export responses" (question-code headings, answer codes or full answers, N/A for
NULL, numerical answers with ten decimals); SurveyJS "Store survey results" (``survey.data``
objects) and SurveyJS Dashboard's table download (question titles, display values).
"""

from __future__ import annotations

import csv
import json

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.cli.simulate import airline_ccsi
from survey.errors import ResponseValidationError
from survey.estimators import estimate_model
from survey.fielding import form_plan, limesurvey_codes, text_of
from survey.importers import IMPORTERS, importers, kobo, limesurvey, surveyjs
from survey.importers.layout import as_text
from survey.ingest import read_responses, read_table, response_set_from_frame
from survey.pathmodel import bind, load_model
from survey.questionnaire import load_questionnaire
from survey.simulate import AIRLINE_CCSI, Population, simulate_responses


def as_asked(frame: pd.DataFrame, q) -> pd.DataFrame:
    """The answers a platform holds for the form: text cells, and nothing for a question
    whose relevance was false (a screened-out respondent is asked no further question)."""
    out = frame.astype(object).map(lambda v: "" if v is None or v is pd.NA
                                   or (isinstance(v, float) and np.isnan(v)) else str(v))
    for f in form_plan(q).fields:
        asked = np.ones(len(out), bool)
        for qid, codes in f.asked_if:
            asked &= out[qid].isin([str(c) for c in codes]).to_numpy()
        out.loc[~asked, f.id] = ""
    return out[[f.id for f in form_plan(q).fields]]


class Wave:
    """Simulated answers as the form asks them, and the native CSV's validation and index
    (computed once: every round trip compares with them)."""

    def __init__(self, bound, answers, folder):
        self.bound, self.answers = bound, answers
        path = folder / "native.csv"
        answers.to_csv(path, index=False)
        self.path = path
        self.reference = read_responses(path, bound.questionnaire)
        self.index = satisfaction_index(bound, self.reference)

    def __iter__(self):  # bound, answers = wave
        return iter((self.bound, self.answers))


def satisfaction_index(bound, rs) -> float:
    est = estimate_model("pls", bound, rs.data)
    return next(i.value for i in est.indices if i.latent == bound.model.target)


@pytest.fixture(scope="module")
def airline_wave(tmp_path_factory):
    bound = airline_ccsi()
    answers = as_asked(simulate_responses(bound, AIRLINE_CCSI, n=200, seed=41),
                       bound.questionnaire)
    return Wave(bound, answers, tmp_path_factory.mktemp("airline"))


@pytest.fixture(scope="module")
def generated_wave(tmp_path_factory, study_yaml):
    """3 constructs, no brand question, a 5-point scale with don't-know 98, and a multiple
    choice in the profile (some respondents tick two options)."""
    text = study_yaml(brand=False).replace(
        "demographics:\n", "demographics:\n  - id: channels\n    type: multiple\n"
        "    label: {zh: 渠道, en: Channels}\n"
        "    options: {1: {zh: 网上, en: Online}, 2: {zh: 门店, en: Store}, 3: {zh: 电话, en: Phone}}\n")
    q = load_questionnaire(text)
    model = load_model("id: m\nname: {zh: m, en: m}\nlatents: [c0, c1, c2]\n"
                       "paths: [c0 -> c1, c1 -> c2, c0 -> c2]\ntarget: c2\n")
    bound = bind(model, q)
    population = Population(paths={("c0", "c1"): 0.5, ("c1", "c2"): 0.4, ("c0", "c2"): 0.3},
                            item_mean=3.4, item_sd=0.9, dont_know_rate=0.03,
                            screened_out_rate=0.1)
    native = simulate_responses(bound, population, n=150, seed=3)
    native["channels"] = native["channels"].astype(str).where(native.index % 4 != 0, "1,3")
    return Wave(bound, as_asked(native, q), tmp_path_factory.mktemp("generated"))


def assert_same(adapted, wave):
    """Same accepted and screened-out respondents, same values, same index as the native
    CSV of the same answers."""
    bound, reference = wave.bound, wave.reference
    q = bound.questionnaire
    rs = response_set_from_frame(adapted.frame, q, source="export")
    ids = [f.id for f in form_plan(q).fields]
    assert rs.report.n_rows == reference.report.n_rows
    assert rs.report.n_accepted == reference.report.n_accepted > 0
    assert rs.report.n_screened_out == reference.report.n_screened_out
    assert rs.report.n_rejected == reference.report.n_rejected == 0
    assert list(rs.data.index) == list(reference.data.index)
    assert list(rs.screened_out.index) == list(reference.screened_out.index)
    items = [*(i.id for i in q.items), *(r.id for r in q.importance)]
    pd.testing.assert_frame_equal(rs.data[items], reference.data[items])
    others = [i for i in ids if i not in items]
    assert rs.data[others].astype(str).equals(reference.data[others].astype(str))
    assert 0 < wave.index < 100
    assert abs(satisfaction_index(bound, rs) - wave.index) <= 1e-12
    return rs


# --------------------------------------------------------------------------- writers


def kobo_export(answers, q, path, *, unasked="", fmt="csv", labels=None):
    """A KoboToolbox export: meta columns first and last, group paths in the headers,
    select_multiple as space-separated names plus one 0/1 column per option. ``labels``:
    Kobo's "Labels" export in that language (group and question texts as headers, choice
    texts as answers)."""
    plan = form_plan(q)
    n = len(answers)
    cols: dict[str, list] = {
        "start": [f"2026-09-01T09:{k % 60:02d}:00.000+08:00" for k in range(n)],
        "end": [f"2026-09-01T10:{k % 60:02d}:00.000+08:00" for k in range(n)],
        "today": ["2026-09-01"] * n,
        "deviceid": [f"collect:{k:012d}" for k in range(n)],
    }
    for f in plan.fields:
        name = f"{f.group}/{f.id}" if f.group else f.id
        cells = answers[f.id]
        if labels:
            name = text_of(f.text, labels)
            if f.group:
                name = f"{text_of(plan.groups[f.group].label, labels)}/{name}"
            texts = {str(c.code): text_of(c.text, labels) for c in f.choices}
            if f.kind == "single":
                cells = [texts[c] if c else c for c in cells]
        if f.kind == "multiple":
            cols[name] = [" ".join(c.split(",")) or unasked for c in cells]
            for choice in f.choices:
                cols[f"{name}/{choice.code}"] = [
                    "" if not c else str(int(str(choice.code) in c.split(","))) for c in cells]
        else:
            cols[name] = [c or unasked for c in cells]
    cols.update({
        "_id": [str(4000 + k) for k in range(n)],
        "_uuid": [f"{k:08x}-51c8-4a5e-9d0e-{k:012x}" for k in range(n)],
        "_submission_time": ["2026-09-01T02:00:00"] * n, "_validation_status": [""] * n,
        "_notes": [""] * n, "_status": ["submitted_via_web"] * n, "_submitted_by": [""] * n,
        "__version__": ["vGx5HTCDnpA7WNu6a5vQtZ"] * n, "_tags": [""] * n,
        "_index": [str(k + 1) for k in range(n)],
    })
    frame = pd.DataFrame(cols)
    if fmt == "csv":
        frame.to_csv(path, sep=";", index=False, quoting=csv.QUOTE_ALL)
    else:
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            # Kobo's XLSX holds numbers as numbers.
            sheet.append([int(c) if c.lstrip("-").isdigit() else c for c in row])
        book.save(path)
    return path


def central_export(answers, q, path):
    """An ODK Central CSV: its meta columns, '-' between group and field, comma-separated."""
    plan = form_plan(q)
    n = len(answers)
    cols: dict[str, list] = {"SubmissionDate": ["2026-09-01T02:00:00.000Z"] * n,
                             "start": ["2026-09-01T09:00:00.000+08:00"] * n}
    for f in plan.fields:
        cols[f"{f.group}-{f.id}" if f.group else f.id] = [
            " ".join(c.split(",")) for c in answers[f.id]]
    cols.update({"meta-instanceID": [f"uuid:{k:08x}" for k in range(n)],
                 "KEY": [f"uuid:{k:08x}" for k in range(n)], "SubmitterID": ["5"] * n,
                 "SubmitterName": ["enumerator"] * n, "AttachmentsPresent": ["0"] * n,
                 "AttachmentsExpected": ["0"] * n, "Status": [""] * n,
                 "ReviewState": [""] * n, "DeviceID": [""] * n, "Edits": ["0"] * n,
                 "FormVersion": ["2026090101"] * n})
    pd.DataFrame(cols).to_csv(path, index=False)
    return path


def limesurvey_export(answers, q, path, *, sep=",", unasked="N/A", full_answers=None,
                      headings="code"):
    """A LimeSurvey response export: meta columns, question codes, ``code[SQx]`` option
    columns of a multiple choice, numbers with ten decimals, dates with a time, ``N/A`` for
    NULL; with ``full_answers`` (a language) the answer texts instead of codes; headings
    ``code``, ``code text`` ("Question code & question text", English) or ``text``."""
    plan = form_plan(q)
    codes = limesurvey_codes(q)
    n = len(answers)
    cols: dict[str, list] = {
        "id": [str(k + 1) for k in range(n)],
        "submitdate": ["2026-09-02 11:00:00"] * n, "lastpage": ["4"] * n,
        "startlanguage": ["zh-Hans"] * n, "seed": [str(10_000 + 7 * k) for k in range(n)],
        "startdate": ["2026-09-02 10:50:00"] * n, "datestamp": ["2026-09-02 11:00:00"] * n,
    }
    for f in plan.fields:
        cells = answers[f.id]
        code = codes[f.id]
        if f.kind == "multiple":
            for choice in f.choices:
                cols[f"{code}[SQ{choice.code}]"] = [
                    unasked if not c else ("Y" if str(choice.code) in c.split(",") else "")
                    for c in cells]
            continue
        out = []
        for c in cells:
            if not c:
                out.append(unasked)
            elif f.kind in ("integer", "number"):
                out.append(f"{float(c):.10f}")
            elif f.kind == "date":
                out.append(f"{c} 00:00:00")
            elif f.kind == "single" and full_answers:
                choice = next(x for x in f.choices if str(x.code) == c)
                out.append(text_of(choice.text, full_answers))
            else:
                out.append(c)
        heading = {"code": code, "code text": f"{code}. {text_of(f.text, 'en')}",
                   "text": text_of(f.text, "zh")}[headings]
        cols[heading] = out
    cols["interviewtime"] = ["312.5"] * n
    pd.DataFrame(cols).to_csv(path, sep=sep, index=False, quoting=csv.QUOTE_ALL)
    return path


def surveyjs_results(answers, q, path):
    """SurveyJS results: one object per respondent, only the questions shown, numbers as
    JSON numbers, a checkbox as an array."""
    plan = form_plan(q)
    results = []
    for _, row in answers.iterrows():
        result = {}
        for f in plan.fields:
            c = row[f.id]
            if not c:
                continue
            if f.kind == "multiple":
                result[f.id] = [int(x) for x in c.split(",")]
            elif c.lstrip("-").isdigit() and f.kind != "text":
                result[f.id] = int(c)
            else:
                result[f.id] = c
        results.append(result)
    path.write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
    return path


def dashboard_csv(answers, q, path, lang="en"):
    """SurveyJS Dashboard's table download: question titles, display texts of the choices
    (a checkbox's joined with ', ')."""
    plan = form_plan(q)
    cols = {}
    for f in plan.fields:
        texts = {str(c.code): text_of(c.text, lang) for c in f.choices}
        cols[text_of(f.text, lang)] = [
            ", ".join(texts[x] for x in c.split(",")) if c and f.choices else c
            for c in answers[f.id]]
    pd.DataFrame(cols).to_csv(path, index=False)
    return path


# --------------------------------------------------------------------------- round trips


def test_registry_and_detection(airline_wave, tmp_path):
    bound, answers = airline_wave
    q = bound.questionnaire
    assert set(importers()) >= {"kobo", "limesurvey", "surveyjs"} and IMPORTERS["kobo"] is kobo
    frames = {
        "kobo": read_table(kobo_export(answers, q, tmp_path / "k.csv")).frame,
        "limesurvey": read_table(limesurvey_export(answers, q, tmp_path / "l.csv")).frame,
        "surveyjs": surveyjs.read_results(surveyjs_results(answers, q, tmp_path / "s.json")),
        None: read_table(airline_wave.path).frame,
    }
    for name, frame in frames.items():
        found = [m.NAME for m in (kobo, limesurvey, surveyjs) if m.detect(frame)]
        assert found == ([name] if name else []), name


@pytest.mark.parametrize("fmt,unasked", [("csv", ""), ("csv", "n/a"), ("xlsx", "n/a")])
def test_kobo_round_trip_airline(airline_wave, tmp_path, fmt, unasked):
    bound, answers = airline_wave
    q = bound.questionnaire
    path = kobo_export(answers, q, tmp_path / f"kobo.{fmt}", unasked=unasked, fmt=fmt)
    frame = read_table(path).frame
    assert "crew/crew_friendly" in frame.columns  # Kobo's ';' file read with its own separator
    adapted = kobo.adapt(frame, q, str(path))
    uses = {u.column: u for u in adapted.columns}
    assert uses["crew/crew_friendly"].target == "crew_friendly"
    assert uses["crew/crew_friendly"].rule == "platform"
    assert uses["flown_12m"].rule == "id"
    assert uses["_uuid"].rule == uses["start"].rule == "metadata"
    assert adapted.rows[0] == 2 and len(adapted.rows) == len(answers)
    if unasked:
        assert adapted.translated["crew_friendly"] == {"n/a": ""}
    assert_same(adapted, airline_wave)


def test_kobo_labels_export_round_trip(airline_wave, tmp_path):
    bound, answers = airline_wave
    q = bound.questionnaire
    path = kobo_export(answers, q, tmp_path / "kobo.xlsx", fmt="xlsx", labels="zh")
    frame = read_table(path).frame
    assert kobo.detect(frame)
    adapted = kobo.adapt(frame, q, str(path))
    uses = {u.target: u for u in adapted.columns if u.target}
    assert uses["crew_friendly"].column == (
        f"{q.constructs['crew'].label.get('zh')}/{q.item('crew_friendly').text.get('zh')}")
    assert uses["crew_friendly"].rule == uses["flown_12m"].rule == "question text"
    assert adapted.translated["airline"]["中国国际航空"] == "1"
    assert adapted.translated["crew_friendly"]["无法回答"] == "99"
    assert adapted.translated["crew_friendly"]["10 (很好)"] == "10"
    assert len(uses) == len(form_plan(q).fields)
    assert_same(adapted, airline_wave)


def test_odk_central_round_trip(generated_wave, tmp_path):
    bound, answers = generated_wave
    q = bound.questionnaire
    path = central_export(answers, q, tmp_path / "central.csv")
    frame = read_table(path).frame
    assert kobo.detect(frame) and not limesurvey.detect(frame)
    adapted = kobo.adapt(frame, q, str(path))
    uses = {u.column: u for u in adapted.columns}
    assert uses["c1-c1_i2"].target == "c1_i2" and uses["c1-c1_i2"].rule == "platform"
    assert uses["meta-instanceID"].rule == uses["KEY"].rule == "metadata"
    assert_same(adapted, generated_wave)


def test_kobo_round_trip_generated_with_a_multiple_choice(generated_wave, tmp_path):
    bound, answers = generated_wave
    q = bound.questionnaire
    path = kobo_export(answers, q, tmp_path / "kobo.csv")
    adapted = kobo.adapt(read_table(path).frame, q, str(path))
    assert {u.column: u.rule for u in adapted.columns}["channels/1"] == (
        "option column of 'channels'")
    assert adapted.translated["channels"]["1 3"] == "1,3"
    rs = assert_same(adapted, generated_wave)
    assert (rs.data["channels"] == "1,3").sum() > 10


@pytest.mark.parametrize("sep,unasked,full", [(",", "N/A", None), ("\t", "", None),
                                              (",", "N/A", "en")])
def test_limesurvey_round_trip_airline(airline_wave, tmp_path, sep, unasked, full):
    bound, answers = airline_wave
    q = bound.questionnaire
    path = limesurvey_export(answers, q, tmp_path / "ls.txt", sep=sep, unasked=unasked,
                             full_answers=full)
    adapted = limesurvey.adapt(read_table(path).frame, q, str(path))
    uses = {u.column: u for u in adapted.columns}
    assert uses["crewfriendly"].target == "crew_friendly"
    assert uses["submitdate"].rule == uses["interviewtime"].rule == "metadata"
    assert adapted.translated["age"]["35.0000000000"] == "35"
    if full:
        assert adapted.translated["airline"]["Air China"] == "1"
        assert adapted.translated["crew_friendly"]["Can't answer"] == "99"
    assert_same(adapted, airline_wave)


@pytest.mark.parametrize("headings", ["code text", "text"])
def test_limesurvey_headings_with_question_text(airline_wave, tmp_path, headings):
    bound, answers = airline_wave
    q = bound.questionnaire
    path = limesurvey_export(answers, q, tmp_path / "ls.csv", headings=headings)
    adapted = limesurvey.adapt(read_table(path).frame, q, str(path))
    uses = {u.target: u for u in adapted.columns if u.target}
    assert len(uses) == len(form_plan(q).fields)
    assert uses["crew_friendly"].rule == ("platform" if headings == "code text"
                                          else "question text")
    assert_same(adapted, airline_wave)


def test_limesurvey_round_trip_generated_with_a_multiple_choice(generated_wave, tmp_path):
    bound, answers = generated_wave
    q = bound.questionnaire
    path = limesurvey_export(answers, q, tmp_path / "ls.csv")
    adapted = limesurvey.adapt(read_table(path).frame, q, str(path))
    assert {u.column: u.target for u in adapted.columns}["channels[SQ2]"] == "channels"
    assert_same(adapted, generated_wave)


def test_surveyjs_round_trip_json(airline_wave, generated_wave, tmp_path):
    for wave in (airline_wave, generated_wave):
        bound, answers = wave
        q = bound.questionnaire
        path = surveyjs_results(answers, q, tmp_path / f"{q.id}.json")
        frame = surveyjs.read_results(path)
        adapted = surveyjs.adapt(frame, q, str(path))
        assert all(u.rule == "id" for u in adapted.columns)
        assert_same(adapted, wave)


def test_surveyjs_round_trip_dashboard_csv(airline_wave, tmp_path, lang="zh"):
    # (English texts are read back in the LimeSurvey "full answers" round trip.)
    bound, answers = airline_wave
    q = bound.questionnaire
    path = dashboard_csv(answers, q, tmp_path / "dashboard.csv", lang)
    adapted = surveyjs.adapt(read_table(path).frame, q, str(path))
    uses = {u.target: u for u in adapted.columns}
    assert uses["crew_friendly"].column == q.item("crew_friendly").text.get(lang)
    assert uses["crew_friendly"].rule == "question text"
    assert adapted.translated["crew_friendly"][text_of(
        next(c.text for f in form_plan(q).fields if f.id == "crew_friendly"
             for c in f.choices if c.code == 99), lang)] == "99"
    assert_same(adapted, airline_wave)


def test_a_semicolon_file_with_a_comma_in_a_cell_is_read_whole(airline_wave, tmp_path):
    bound, answers = airline_wave
    q = bound.questionnaire
    path = kobo_export(answers, q, tmp_path / "kobo.csv")
    text = path.read_text(encoding="utf-8").replace('"submitted_via_web"',
                                                    '"submitted, via web"', 1)
    path.write_text(text, encoding="utf-8")
    frame = read_table(path).frame
    assert "submitted, via web" in frame.to_numpy().ravel().tolist()
    adapted = kobo.adapt(frame, q, str(path))
    assert len(adapted.frame) == len(answers)

def test_two_columns_for_one_question_are_refused(airline_wave, tmp_path):
    bound, answers = airline_wave
    q = bound.questionnaire
    frame = read_table(kobo_export(answers, q, tmp_path / "k.xlsx", fmt="xlsx")).frame
    frame["other/crew_friendly"] = frame["crew/crew_friendly"]
    with pytest.raises(ResponseValidationError, match="Columns 'crew/crew_friendly' and "
                                                      "'other/crew_friendly' both answer"):
        kobo.adapt(frame, q, "k.xlsx")


def test_surveyjs_results_that_are_not_an_array_are_refused(tmp_path):
    path = tmp_path / "r.json"
    path.write_text('{"a": 1}', encoding="utf-8")
    with pytest.raises(ResponseValidationError, match="r.json: Expected a JSON array of "
                                                      "SurveyJS result objects"):
        surveyjs.read_results(path)
    path.write_text("[1, 2", encoding="utf-8")
    with pytest.raises(ResponseValidationError, match="not UTF-8 JSON"):
        surveyjs.read_results(path)


def test_limesurvey_full_answers_come_back_through_the_escaped_html(study_yaml):
    # LimeSurvey shows (and a "full answers" export gives) the answer text the form wrote:
    # escaped HTML (survey.fielding.limesurvey_html).
    q = load_questionnaire(study_yaml().replace('"A en"', '"A & <B> en"'))
    frame = pd.DataFrame({"id": ["1", "2"], "submitdate": ["2026-09-02 11:00:00"] * 2,
                          "lastpage": ["3"] * 2, "startlanguage": ["en"] * 2,
                          "user": ["Yes en", "1"], "brand": ["A &amp; &lt;B&gt; en", "B en"]})
    assert limesurvey.detect(frame)
    adapted = limesurvey.adapt(frame, q, "ls.csv")
    assert adapted.frame["brand"].tolist() == ["1", "2"]
    assert adapted.frame["user"].tolist() == ["1", "1"]
    assert adapted.translated["brand"] == {"A &amp; &lt;B&gt; en": "1", "B en": "2"}


_CELL = st.text(alphabet=st.sampled_from(list('ab;",中 \n\'\t\r')), max_size=8)


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.lists(_CELL, min_size=3, max_size=3), min_size=1, max_size=4),
       sep=st.sampled_from([";", "\t"]), quoting=st.sampled_from([csv.QUOTE_ALL,
                                                                   csv.QUOTE_MINIMAL]))
def test_a_separated_file_comes_back_exact_or_refused(rows, sep, quoting):
    """Whatever the cells (separators, quotes, commas, line breaks), a ';'- or tab-separated
    export is read by survey.ingest.read_table with its own separator to exactly its cells,
    or refused with the file's name: never silently wrong."""
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "export.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, delimiter=sep, quoting=quoting)
        writer.writerow(["start", "x", "y"])
        writer.writerows(rows)
    try:
        out = as_text(read_table(path).frame)
    except ResponseValidationError as exc:
        assert str(path) in str(exc)
        return
    assert list(out.columns) == ["start", "x", "y"]
    # (A row of blanks only may be skipped as an empty line: it holds no answer.)
    expected = [[c.strip() for c in r] for r in rows]
    assert [r for r in out.to_numpy().tolist() if any(r)] == [r for r in expected if any(r)]


@pytest.mark.parametrize("platform", ["auto", "kobo"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_kobo_export_ingests_through_read_responses(airline_wave, tmp_path, platform, fmt):
    """The whole path a user takes (`survey estimate --data kobo.csv`): the reader, the
    detection, the importer and the validation, with nothing mapped by hand; the answers the
    importer read as codes are not recoded a second time."""
    from survey.ingest import read_responses

    bound, answers = airline_wave
    q = bound.questionnaire
    path = kobo_export(answers, q, tmp_path / f"kobo.{fmt}", unasked="n/a", fmt=fmt)
    rs = read_responses(path, q, platform=platform)
    reference = airline_wave.reference
    assert rs.report.platform == "kobo"
    assert rs.report.n_accepted == reference.report.n_accepted > 0
    assert rs.report.n_screened_out == reference.report.n_screened_out
    assert rs.report.n_rejected == 0
    items = [*(i.id for i in q.items), *(r.id for r in q.importance)]
    pd.testing.assert_frame_equal(rs.data[items].reset_index(drop=True),
                                  reference.data[items].reset_index(drop=True))
    assert abs(satisfaction_index(bound, rs) - airline_wave.index) <= 1e-12


def test_a_limesurvey_export_ingests_through_read_responses(airline_wave, tmp_path):
    from survey.ingest import read_responses

    bound, answers = airline_wave
    q = bound.questionnaire
    path = limesurvey_export(answers, q, tmp_path / "results.csv")
    rs = read_responses(path, q)
    assert rs.report.platform == "limesurvey"
    assert rs.report.n_accepted == airline_wave.reference.report.n_accepted > 0
    assert rs.report.n_rejected == 0
    assert abs(satisfaction_index(bound, rs) - airline_wave.index) <= 1e-12
