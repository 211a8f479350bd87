"""Forms for survey platforms (survey.fielding): XLSForm checked by pyxform (the reference
implementation of the XLSForm specification, which converts it to an ODK XForm) and by ODK
Validate (JavaRosa, the engine of ODK Collect) where Java is installed; LimeSurvey's TSV
parsed back as LimeSurvey's importer reads it (tab-separated, double-quote enclosure);
SurveyJS JSON checked element by element. Beyond the bundled airline questionnaire, on
generated ones: 3 constructs, no brand question, a 5-point scale with another don't-know code,
no screening, one language only.
"""

from __future__ import annotations

import csv
import html
import io
import json
import xml.etree.ElementTree as ET

import openpyxl
import pytest

from survey.errors import SurveyError
from survey.fielding import (
    LIMESURVEY_COLUMNS,
    FieldingError,
    export_form,
    form_plan,
    xlsform_language,
)
from survey.questionnaire import load_questionnaire

XF = "{http://www.w3.org/2002/xforms}"
H = "{http://www.w3.org/1999/xhtml}"


SHAPES = {
    "3 constructs, brand, 5 points": {},
    "no brand, 7 points, dk 99": {"brand": False, "points": (1, 7), "dont_know": 99},
    "no screening, 0-10": {"screening": False, "brand": False, "points": (0, 10)},
    "zh only": {"languages": ("zh",)},
    "en only, no don't-know": {"languages": ("en",), "dont_know": None, "constructs": 4},
}


@pytest.fixture(scope="module")
def airline(root):
    return load_questionnaire(root / "questionnaires/airline.yaml")


def xform_of(q, tmp_path, languages=None):
    """The XForm pyxform makes of the XLSForm export, parsed, and its warnings."""
    path = tmp_path / f"{q.id}.xlsx"
    path.write_bytes(export_form(q, "xlsform", languages))
    from pyxform.xls2xform import convert

    result = convert(xlsform=str(path), validate=False)
    return ET.fromstring(result.xform), result.warnings, result.xform


def choices_of(root, name):
    """The choice names (codes) the XForm offers for question ``name``: its itemset's
    secondary instance (pyxform 4 writes choices there)."""
    select = next(e for tag in ("select1", "select") for e in root.iter(f"{XF}{tag}")
                  if e.get("ref").rsplit("/", 1)[-1] == name)
    nodeset = select.find(f"{XF}itemset").get("nodeset")
    list_name = nodeset.split("'")[1]
    instance = next(i for i in root.iter(f"{XF}instance") if i.get("id") == list_name)
    return [n.text for n in instance.iter(f"{XF}name")]


def binds(root):
    return {b.get("nodeset").rsplit("/", 1)[-1]: b for b in root.iter(f"{XF}bind")}


def test_pyxform_accepts_the_airline_form_with_relevance_on_every_item(airline, tmp_path):
    root, warnings, _ = xform_of(airline, tmp_path)
    assert warnings == []
    b = binds(root)
    qualified = "selected( /data/flown_12m , '1')"
    assert b["flown_12m"].get("relevant") is None
    assert b["airline"].get("relevant") == qualified
    for item in airline.items:
        assert b[item.id].get("relevant") == qualified, item.id
        assert b[item.id].get("required") == "true()"
    for rating in airline.importance:
        assert b[rating.id].get("relevant") == qualified
    # The complaint outcome is asked of those who complained (gauges.complained, yes = 1).
    assert b["complaint_outcome"].get("relevant") == (
        f"{qualified} and selected( /data/complained , '1')")
    assert b["age"].get("constraint") == ". >= 18 and . <= 99"
    # Items sit in their construct's group: the instance path Kobo's headers carry.
    assert root.find(f".//{XF}instance//{XF}crew/{XF}crew_friendly") is not None
    # Both languages, with the scale's choices and the don't-know code 99 as a choice.
    langs = {t.get("lang"): t for t in root.iter(f"{XF}translation")}
    assert set(langs) == {"Chinese (zh)", "English (en)"}
    assert langs["Chinese (zh)"].get("default") == "true()"

    def texts(lang):
        return {t.get("id"): "".join(v.itertext()) for t in langs[lang].iter(f"{XF}text")
                for v in t.iter(f"{XF}value")}

    zh, en = texts("Chinese (zh)"), texts("English (en)")
    item = airline.item("crew_friendly")
    assert zh["/data/crew/crew_friendly:label"] == item.text.get("zh")
    assert en["/data/crew/crew_friendly:label"] == item.text.get("en")
    assert choices_of(root, "crew_friendly") == [*map(str, range(1, 11)), "99"]
    assert choices_of(root, "airline") == ["1", "2", "3", "4", "5"]
    assert en["scale_ten-10"] == "Can't answer" and zh["scale_ten-10"] == "无法回答"
    assert en["scale_ten-0"] == "1 (Very poor)"


def test_odk_validate_accepts_the_airline_form(airline, tmp_path):
    # ODK Validate (the JavaRosa engine of ODK Collect) ships with pyxform; it runs here.
    from pyxform.validators.odk_validate import check_xform

    _, _, xform = xform_of(airline, tmp_path)
    path = tmp_path / "airline.xml"
    path.write_text(xform, encoding="utf-8")
    assert check_xform(str(path)) == []


@pytest.mark.parametrize("shape", SHAPES)
def test_pyxform_accepts_generated_questionnaires(study_yaml, shape, tmp_path):
    q = load_questionnaire(study_yaml(**SHAPES[shape]))
    root, warnings, _ = xform_of(q, tmp_path)
    assert warnings == []
    b = binds(root)
    items = [i.id for i in q.items]
    assert len(items) == 3 * len(q.constructs)
    screening = [s.id for s in q.screening if s.qualify]
    for item in items:
        if screening:
            assert b[item].get("relevant") == "selected( /data/user , '1')"
        else:
            assert b[item].get("relevant") is None
    if any(s.id == "brand" for s in q.screening):
        assert b["brand"].get("relevant") == "selected( /data/user , '1')"
    scale = q.scales["pts"]
    expected = [str(p) for p in range(int(scale.min), int(scale.max) + 1)]
    expected += [str(int(c)) for c in scale.dont_know]
    # Each item's choices are the scale's points and don't-know codes, in that order.
    for item in items:
        assert choices_of(root, item) == expected
    assert {t.get("lang") for t in root.iter(f"{XF}translation")} == {
        xlsform_language(lang) for lang in q.languages}


def test_xlsform_sheets_have_the_multilingual_columns(airline):
    book = openpyxl.load_workbook(io.BytesIO(export_form(airline, "xlsform", ["en", "zh"])))
    assert book.sheetnames == ["survey", "choices", "settings"]
    survey = [c.value for c in book["survey"][1]]
    assert {"type", "name", "label::English (en)", "label::Chinese (zh)", "required",
            "relevance"} <= set(survey)
    choices = [c.value for c in book["choices"][1]]
    assert choices[:2] == ["list_name", "name"]
    settings = dict(zip([c.value for c in book["settings"][1]],
                        [c.value for c in book["settings"][2]], strict=True))
    assert settings["default_language"] == "English (en)"
    assert settings["form_id"] == "airline"
    assert settings["form_title"] == airline.title.get("en")


TRICKY = '=HYPERLINK("x") <b>"quoted"</b> a = b\nsecond line & \'apostrophe\''


def test_respondent_text_survives_every_format_as_text(study_yaml, tmp_path):
    q = load_questionnaire(study_yaml(text=TRICKY))
    # XLSForm: a text cell, not a formula, with no apostrophe added; pyxform's XForm has it
    # escaped as XML text and gives back the same characters.
    book = openpyxl.load_workbook(io.BytesIO(export_form(q, "xlsform")))
    sheet = book["survey"]
    header = [c.value for c in sheet[1]]
    col = header.index("label::English (en)")
    cells = [row[col] for row in sheet.iter_rows(min_row=2)]
    cell = next(c for c in cells if c.value and c.value.startswith("=HYPERLINK"))
    assert cell.value == TRICKY and cell.data_type == "s"
    root, _, xform = xform_of(q, tmp_path)
    assert "<b>" not in xform
    labels = ["".join(v.itertext()) for t in root.iter(f"{XF}text")
              if t.get("id", "").endswith("c0_i0:label") for v in t.iter(f"{XF}value")]
    assert labels and all(label == TRICKY for label in labels)
    # LimeSurvey: read back as LimeSurvey reads it (tab, double-quote enclosure); it prints
    # question text as HTML, so the text is escaped HTML that shows these very characters.
    rows = list(csv.DictReader(io.StringIO(export_form(q, "limesurvey").decode("utf-8")),
                               delimiter="\t", quotechar='"'))
    texts = [r["text"] for r in rows if r["class"] == "Q" and r["name"] == "c0i0"]
    assert len(texts) == 2 and "<b>" not in texts[0] and "&lt;b&gt;" in texts[0]
    assert [html.unescape(t.replace("<br />", "\n")) for t in texts] == [TRICKY] * 2
    # SurveyJS: JSON strings.
    form = json.loads(export_form(q, "surveyjs"))
    element = next(e for p in form["pages"] for e in p["elements"] if e["name"] == "c0_i0")
    assert element["title"] == {"default": TRICKY, "zh-cn": TRICKY, "en": TRICKY}


def limesurvey_rows(q, languages=None):
    text = export_form(q, "limesurvey", languages).decode("utf-8")
    reader = csv.reader(io.StringIO(text), delimiter="\t", quotechar='"')
    head = next(reader)
    assert tuple(head) == LIMESURVEY_COLUMNS
    rows = [dict(zip(head, r, strict=True)) for r in reader]
    assert all(len(r) == len(head) for r in rows)
    return rows


def test_limesurvey_tsv_parses_back_with_its_rows_and_codes(airline):
    rows = limesurvey_rows(airline)
    settings = {r["name"]: r["text"] for r in rows if r["class"] == "S"}
    assert settings["language"] == "zh-Hans" and settings["additional_languages"] == "en"
    questions = [r for r in rows if r["class"] == "Q"]
    ids = [*(s.id for s in airline.screening), *(i.id for i in airline.items),
           *(r.id for r in airline.importance),
           *(x.id for x in (*airline.questions, *airline.demographics))]
    # One Q row per question and language, in the same order in both languages.
    assert len(questions) == 2 * len(ids)
    zh = [r for r in questions if r["language"] == "zh-Hans"]
    en = [r for r in questions if r["language"] == "en"]
    assert [r["name"] for r in zh] == [r["name"] for r in en]
    codes = [r["name"] for r in zh]
    assert codes[:3] == ["flown12m", "airline", "imgawareness"]
    assert len(set(c.casefold() for c in codes)) == len(codes)
    assert all(c.isalnum() and c[0].isalpha() and len(c) <= 20 for c in codes)
    by_code = {r["name"]: r for r in en}
    assert by_code["crewfriendly"]["text"] == airline.item("crew_friendly").text.get("en")
    assert by_code["crewfriendly"]["type/scale"] == "L"
    assert by_code["crewfriendly"]["mandatory"] == "Y"
    assert by_code["crewfriendly"]["relevance"] == '(flown12m.NAOK == "1")'
    assert by_code["flown12m"]["relevance"] == "1"
    assert by_code["complaintoutcome"]["relevance"] == (
        '(flown12m.NAOK == "1") and (complained.NAOK == "1")')
    assert by_code["age"]["type/scale"] == "N"
    assert (by_code["age"]["min_num_value_n"], by_code["age"]["max_num_value_n"]) == ("18", "99")
    assert by_code["interviewdate"]["type/scale"] == "D"
    # The answers follow their question, in its language: the scale's points and 99.
    k = rows.index(by_code["crewfriendly"])
    answers = []
    for r in rows[k + 1:]:
        if r["class"] != "A":
            break
        answers.append((r["name"], r["text"], r["language"]))
    assert [a[0] for a in answers] == [str(p) for p in range(1, 11)] + ["99"]
    assert answers[0][1:] == ("1 (Very poor)", "en") and answers[-1][1] == "Can't answer"
    groups = [r["name"] for r in rows if r["class"] == "G" and r["language"] == "en"]
    assert groups[0] == "Screening" and groups[-1] == "Other questions and profile"
    assert "Cabin-crew service" in groups


def test_limesurvey_refuses_codes_it_cannot_take(study_yaml, root):
    text = study_yaml().replace("c1_i0:", "c1i0:").replace("c1_i1:", "C1I0:")
    q = load_questionnaire(text)
    with pytest.raises(FieldingError) as caught:
        export_form(q, "limesurvey")
    message = str(caught.value)
    assert ("questionnaire 'gen': Items ['c1i0', 'C1I0'] share the LimeSurvey code 'c1i0'"
            in message)
    long = load_questionnaire(study_yaml().replace("c2_i2:", "c2_item_with_a_much_longer_name:"))
    with pytest.raises(FieldingError, match="Item 'c2_item_with_a_much_longer_name' gives the "
                                            "LimeSurvey code 'c2itemwithamuchlongername'.*longer"):
        export_form(long, "limesurvey")
    reserved = load_questionnaire(study_yaml().replace("c2_i2:", "seed:"))
    with pytest.raises(FieldingError, match="Item 'seed'.*response export has already"):
        export_form(reserved, "limesurvey")
    negative = load_questionnaire(study_yaml(dont_know=-9))
    with pytest.raises(FieldingError, match="the code '-9' cannot be a LimeSurvey answer"):
        export_form(negative, "limesurvey")
    # The same questionnaires go to XLSForm and SurveyJS, which take ids as they are.
    for q in (long, reserved, negative):
        export_form(q, "xlsform")
        export_form(q, "surveyjs")


def test_surveyjs_structure(airline):
    form = json.loads(export_form(airline, "surveyjs"))
    assert form["locale"] == "zh-cn"
    assert form["title"] == {"default": airline.title.get("zh"), "zh-cn": airline.title.get("zh"),
                             "en": airline.title.get("en")}
    pages = {p["name"]: p for p in form["pages"]}
    assert list(pages)[0] == "screening" and list(pages)[-1] == "other"
    elements = {e["name"]: e for p in form["pages"] for e in p["elements"]}
    assert list(elements)[:2] == ["flown_12m", "airline"]
    assert "visibleIf" not in elements["flown_12m"]
    assert elements["airline"]["visibleIf"] == "{flown_12m} = 1"
    for item in airline.items:
        e = elements[item.id]
        assert e["type"] == "radiogroup" and e["isRequired"] is True
        assert e["visibleIf"] == "{flown_12m} = 1"
        assert [c["value"] for c in e["choices"]] == [*range(1, 11), 99]
        assert e["title"]["en"] == item.text.get("en")
        assert e["title"]["default"] == e["title"]["zh-cn"] == item.text.get("zh")
    assert elements["crew_friendly"]["choices"][-1]["text"] == {
        "default": "无法回答", "zh-cn": "无法回答", "en": "Can't answer"}
    assert [e["name"] for e in pages["crew"]["elements"]] == [
        i.id for i in airline.constructs["crew"].items]
    assert elements["complaint_outcome"]["visibleIf"] == "{flown_12m} = 1 and {complained} = 1"
    assert elements["age"]["validators"] == [{"type": "numeric", "minValue": 18,
                                              "maxValue": 99}]
    assert set(elements) == {f.id for f in form_plan(airline).fields}


def test_one_language_only(airline):
    form = json.loads(export_form(airline, "surveyjs", ["en"]))
    assert form["locale"] == "en"
    e = next(e for p in form["pages"] for e in p["elements"] if e["name"] == "img_logo")
    assert e["title"] == {"default": airline.item("img_logo").text.get("en"),
                          "en": airline.item("img_logo").text.get("en")}
    rows = limesurvey_rows(airline, ["en"])
    assert {r["language"] for r in rows if r["class"] in ("Q", "A", "G")} == {"en"}


def test_bad_requests_are_refused_clearly(airline):
    with pytest.raises(FieldingError, match=r"Unknown platform 'qualtrics'. Expected one of "
                                            r"\['limesurvey', 'surveyjs', 'xlsform'\]"):
        export_form(airline, "qualtrics")
    with pytest.raises(FieldingError, match=r"questionnaire 'airline': The questionnaire has "
                                            r"no text in 'fr'. Expected languages among "
                                            r"\['zh', 'en'\]"):
        export_form(airline, "xlsform", ["fr"])
    with pytest.raises(SurveyError, match="takes each language once"):
        export_form(airline, "surveyjs", ["en", "en"])


def test_a_continuous_scale_is_a_bounded_number_that_also_takes_its_dont_know(study_yaml,
                                                                               tmp_path):
    q = load_questionnaire(study_yaml(points=(0, 100), dont_know=999).replace(
        "pts: {min: 0, max: 100,", "pts: {continuous: true, min: 0, max: 100,"))
    assert q.scales["pts"].continuous
    root, warnings, _ = xform_of(q, tmp_path)
    assert warnings == []
    bind = binds(root)["c0_i0"]
    assert bind.get("type") == "decimal"
    assert bind.get("constraint") == "(. >= 0 and . <= 100) or . = 999"
    form = json.loads(export_form(q, "surveyjs"))
    element = next(e for p in form["pages"] for e in p["elements"] if e["name"] == "c0_i0")
    assert element["inputType"] == "number"
    assert element["validators"] == [{"type": "expression", "expression":
                                      "({c0_i0} >= 0 and {c0_i0} <= 100) or {c0_i0} = 999"}]
    rows = [r for r in limesurvey_rows(q) if r["class"] == "Q" and r["name"] == "c0i0"]
    assert {r["type/scale"] for r in rows} == {"N"}
    assert {r["min_num_value_n"] for r in rows} == {""}  # 999 must stay possible


def test_skip_logic_of_a_multiple_choice_and_several_qualifying_codes(study_yaml, tmp_path):
    text = study_yaml().replace("  - id: user\n    type: single", "  - id: user\n    type: multiple")
    text = text.replace('"C en"}}\n', '"C en"}}\n    qualify: [1, 3]\n')
    q = load_questionnaire(text)
    assert q.question("user").type == "multiple" and q.question("brand").qualify == (1, 3)
    root, warnings, _ = xform_of(q, tmp_path)
    assert warnings == []
    assert binds(root)["c0_i0"].get("relevant") == (
        "selected( /data/user , '1') and (selected( /data/brand , '1') or "
        "selected( /data/brand , '3'))")
    form = json.loads(export_form(q, "surveyjs"))
    elements = {e["name"]: e for p in form["pages"] for e in p["elements"]}
    assert elements["brand"]["visibleIf"] == "{user} anyof [1]"
    assert elements["c0_i0"]["visibleIf"] == "{user} anyof [1] and ({brand} = 1 or {brand} = 3)"
    rows = {r["name"]: r for r in limesurvey_rows(q) if r["class"] == "Q"}
    assert rows["c0i0"]["relevance"] == (
        '(user_SQ1.NAOK == "Y") and (brand.NAOK == "1" or brand.NAOK == "3")')
    assert rows["user"]["type/scale"] == "M"


def test_xlsform_refuses_a_text_it_would_read_as_a_reference(study_yaml):
    q = load_questionnaire(study_yaml(text="Costs ${price} or more?"))
    with pytest.raises(FieldingError) as caught:
        export_form(q, "xlsform")
    assert str(caught.value).startswith(
        "2 problems found:\n<yaml text>: questionnaire 'gen': The text of question 'c0_i0' in "
        "'zh' holds '${', which XLSForm reads as a reference to another question")
    # The other platforms take it as text.
    form = json.loads(export_form(q, "surveyjs"))
    assert form["pages"][1]["elements"][0]["title"]["en"] == "Costs ${price} or more?"
