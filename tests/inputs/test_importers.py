"""Platform exports and awkward files read as the native file they hold (issue 12).

Every fixture is made here from a questionnaire written for these tests (a shop survey in
Chinese and English, three constructs, a screening question, a yes/no question coded
``true``/``false``) and respondents drawn by :func:`survey.simulate.simulate_responses` from a
known population: no real person's data. Each export is the native file rewritten as the
platform writes it (问卷星's question-text headers, meta columns and -2/-3 codes; Qualtrics'
three header rows and -99; SurveyMonkey's two header rows; SPSS user-missing values and value
labels; Excel's UTF-16 "Unicode text"; a European semicolon CSV with decimal commas; a title
row; an empty first sheet; trailing empty columns). The round trip requires the same accepted
respondents with the same answers as the native CSV, and the same PLS indices to 1e-12.
The bad variants require the file, row, column and what was expected in the message.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.cli import cli
from survey.errors import QuestionnaireError, ResponseValidationError
from survey.ingest import read_responses
from survey.pathmodel import bind, load_model
from survey.questionnaire import load_questionnaire
from survey.simulate import Population, simulate_responses
from survey.study import estimate_study

N = 150
LOYALTY_SOURCES = {"l_return": {"wenjuanxing": "Q7", "qualtrics": "/Q7(_1)?/"},
                   "l_recommend": {"wenjuanxing": "Q8", "qualtrics": "Q8"}}


def _item(zh: str, en: str, short_zh: str, short_en: str) -> dict:
    return {"text": {"zh": zh, "en": en}, "short": {"zh": short_zh, "en": short_en}}


QUESTIONNAIRE = {
    "id": "shop",
    "title": {"zh": "门店调查", "en": "Shop survey"},
    "scales": {"ten": {"min": 1, "max": 10, "dont_know": 99}},
    "screening": [{"id": "visited", "type": "single",
                   "label": {"zh": "您最近三个月去过本店吗", "en": "Have you visited the shop "
                                                            "in the last three months"},
                   "options": {1: {"zh": "是", "en": "Yes"}, 2: {"zh": "否", "en": "No"}},
                   "qualify": [1]}],
    "demographics": [
        {"id": "member", "type": "single", "label": {"zh": "您是会员吗", "en": "Are you a member"},
         "options": {True: {"zh": "是", "en": "Yes"}, False: {"zh": "否", "en": "No"}}},
        {"id": "age", "type": "integer", "min": 18, "max": 99,
         "label": {"zh": "您的年龄", "en": "Your age"}},
    ],
    "questions": [{"id": "spend", "type": "number", "min": 0, "max": 100000,
                   "label": {"zh": "本次消费金额", "en": "Amount spent"}}],
    "constructs": {
        "quality": {"label": {"zh": "感知质量", "en": "Perceived quality"}, "scale": "ten",
                    "items": {
                        "q_staff": _item("您对店员的服务态度满意吗", "How satisfied are you "
                                         "with the staff", "店员服务", "Staff"),
                        "q_goods": _item("您对商品质量满意吗", "How satisfied are you with the "
                                         "goods", "商品质量", "Goods"),
                        "q_clean": _item("您对店内整洁满意吗", "How satisfied are you with the "
                                         "cleanliness", "整洁程度", "Cleanliness")}},
        "satisfaction": {"label": {"zh": "满意度", "en": "Satisfaction"}, "scale": "ten",
                         "items": {
                             "s_overall": _item("总体而言您对本店满意吗", "Overall how "
                                                "satisfied are you with the shop", "总体满意",
                                                "Overall"),
                             "s_ideal": _item("与理想的门店相比本店如何", "Compared with an "
                                              "ideal shop how is this one", "与理想相比",
                                              "Versus ideal")}},
        "loyalty": {"label": {"zh": "忠诚度", "en": "Loyalty"}, "scale": "ten",
                    "items": {
                        "l_return": {**_item("您会再来本店吗", "Will you come back", "再次光顾",
                                             "Come back"),
                                     "source": LOYALTY_SOURCES["l_return"]},
                        "l_recommend": {**_item("您会向朋友推荐本店吗", "Will you recommend us",
                                                "推荐", "Recommend"),
                                        "source": LOYALTY_SOURCES["l_recommend"]}}},
    },
}
MODEL = {"id": "shop", "name": {"zh": "门店模型", "en": "Shop model"},
         "latents": ["quality", "satisfaction", "loyalty"],
         "paths": ["quality -> satisfaction", "satisfaction -> loyalty"],
         "target": "satisfaction"}
POPULATION = Population(paths={("quality", "satisfaction"): 0.6,
                               ("satisfaction", "loyalty"): 0.7},
                        dont_know_rate=0.02, screened_out_rate=0.08)
ITEMS = ["q_staff", "q_goods", "q_clean", "s_overall", "s_ideal", "l_return", "l_recommend"]
PROFILE = ["visited", "member", "age", "spend"]
META_WJX = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]


def loaded(spec: dict):
    """A questionnaire from its content, through YAML (its codes are numbers and booleans)."""
    return load_questionnaire(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False))


@pytest.fixture(scope="module")
def q():
    return loaded(QUESTIONNAIRE)


@pytest.fixture(scope="module")
def model(q):
    return bind(load_model(MODEL), q)


@pytest.fixture(scope="module")
def native(model):
    """The responses as the native layout holds them (text cells): the simulator's draws,
    a few answers left blank, a spend with cents, member coded TRUE/FALSE as Excel writes."""
    frame = simulate_responses(model, POPULATION, N, seed=12).astype(object)
    rng = np.random.default_rng(12)
    frame = frame[PROFILE[:3] + ITEMS].astype(str)
    frame["member"] = frame["member"].map({"True": "TRUE", "False": "FALSE"}).fillna("")
    answered = (frame["visited"] == "1").to_numpy()
    for item in ITEMS:
        blank = answered & (rng.random(len(frame)) < 0.03)
        frame.loc[blank, item] = ""
    spend = np.round(rng.gamma(2.0, 60.0, len(frame)), 2)
    frame["spend"] = np.where(answered, [f"{x:.2f}" for x in spend], "")
    return frame.reset_index(drop=True)


@pytest.fixture(scope="module")
def native_csv(native, tmp_path_factory):
    path = tmp_path_factory.mktemp("native") / "shop.csv"
    native.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def reference(native_csv, q):
    return read_responses(native_csv, q)


def same_respondents(got, reference) -> None:
    """The same accepted respondents, screened out and rejected counts, and the same answers
    (items as numbers, the profile as its text), row numbers aside."""
    assert got.report.n_accepted == reference.report.n_accepted > 100
    assert got.report.n_screened_out == reference.report.n_screened_out > 0
    assert got.report.n_rejected == reference.report.n_rejected == 0
    pd.testing.assert_frame_equal(got.data[ITEMS].reset_index(drop=True),
                                  reference.data[ITEMS].reset_index(drop=True))
    for column in ("visited", "member", "age"):
        assert answers(got.data[column]) == answers(reference.data[column])


def answers(cells: pd.Series) -> list[str]:
    """A profile column's answers as comparable text: numbers without a trailing '.0'
    (SPSS holds numbers), TRUE/true/True alike."""
    cells = cells.map(lambda c: str(c).upper() if str(c).upper() in ("TRUE", "FALSE") else c)
    number = pd.to_numeric(cells, errors="coerce")
    return [f"{x:g}" if not np.isnan(x) else str(c).upper() for x, c in zip(number, cells,
                                                                           strict=True)]


def same_index(path: Path, native_csv: Path, platform: str = "auto") -> dict:
    """The PLS indices of ``path`` and of the native CSV agree to 1e-12; returns the JSON."""
    q, model = loaded(QUESTIONNAIRE), load_model(MODEL)
    got = estimate_study(q, model, path, analyses=(), platform=platform)
    ref = estimate_study(q, model, native_csv, analyses=())
    a = {x.latent: x.value for x in got.estimate.indices}
    b = {x.latent: x.value for x in ref.estimate.indices}
    assert a.keys() == b.keys() == {"quality", "satisfaction", "loyalty"}
    for latent in a:
        assert abs(a[latent] - b[latent]) <= 1e-12
    return got.ingest_json()


# --------------------------------------------------------------------------- 问卷星


def wenjuanxing_export(native: pd.DataFrame) -> pd.DataFrame:
    """The native responses as 问卷星 writes them: its meta columns, numbered question-text
    headers, a matrix question's rows as "4(店员服务)", bare numbers "Q7"; a skipped answer
    -2, a question not shown (after a failed screen) -3."""
    out = pd.DataFrame({
        "序号": [str(k + 1) for k in range(len(native))],
        "提交答卷时间": [f"2026/9/{1 + k % 28} 10:{k % 60:02d}:00" for k in range(len(native))],
        "所用时间": [f"{60 + k % 200}秒" for k in range(len(native))],
        "来源": "微信", "来源详情": "N/A", "来自IP": "127.0.0.1(本地)"})
    headers = {"visited": "1.您最近三个月去过本店吗？", "member": "2.您是会员吗？",
               "age": "3.您的年龄：", "q_staff": "4(店员服务)", "q_goods": "4(商品质量)",
               "q_clean": "4(整洁程度)", "s_overall": "5.总体而言您对本店满意吗？",
               "s_ideal": "6.与理想的门店相比本店如何？", "l_return": "Q7", "l_recommend": "Q8",
               "spend": "9.本次消费金额"}
    screened = native["visited"] != "1"
    for column, header in headers.items():
        cells = native[column].copy()
        cells[(cells == "") & ~screened] = "-2"
        cells[(cells == "") & screened] = "-3"
        out[header] = cells
    return out


def test_wenjuanxing_gb18030_csv_reads_as_the_native_file(native, native_csv, reference, q,
                                                          tmp_path):
    path = tmp_path / "问卷星.csv"
    path.write_bytes(wenjuanxing_export(native).to_csv(index=False).encode("gb18030"))
    got = read_responses(path, q)
    assert got.report.platform == "wenjuanxing" and got.report.encoding == "gb18030"
    same_respondents(got, reference)
    uses = {c.column: (c.target, c.rule) for c in got.report.columns}
    assert uses["4(店员服务)"] == ("q_staff", "question text")
    assert uses["5.总体而言您对本店满意吗？"] == ("s_overall", "question text")
    assert uses["Q7"] == ("l_return", "source")
    assert uses["序号"] == (None, "metadata")
    assert got.report.missing_columns == ()
    # -2 skipped, -3 not applicable: missing, each counted by its reason.
    skipped = sum(n for r in got.report.recoded.values() for k, n in r.items() if k == "skipped")
    assert skipped == sum(((native[i] == "") & (native["visited"] == "1")).sum() for i in ITEMS
                          ) + ((native["spend"] == "") & (native["visited"] == "1")).sum()
    assert got.report.recoded["q_staff"]["not_applicable"] == (native["visited"] != "1").sum()
    assert same_index(path, native_csv)["platform"] == "wenjuanxing"


def test_wenjuanxing_xlsx_with_bare_question_numbers(native, reference, q, tmp_path):
    export = wenjuanxing_export(native)
    export.columns = [c if c in META_WJX else "Q" + c.split("(")[0].split(".")[0].lstrip("Q")
                      + (f"({c.split('(')[1]}" if "(" in c else "") for c in export.columns]
    # 问卷星's "按序号" headers carry no text: the questionnaire names each column by number.
    mapped = copy.deepcopy(QUESTIONNAIRE)
    numbers = {"visited": "Q1", "member": "Q2", "age": "Q3", "s_overall": "Q5",
               "s_ideal": "Q6", "spend": "Q9"}
    for section in ("screening", "demographics", "questions"):
        for question in mapped[section]:
            question["source"] = {"wenjuanxing": numbers[question["id"]]}
    for construct in mapped["constructs"].values():
        for item, spec in construct["items"].items():
            if item in numbers:
                spec["source"] = {"wenjuanxing": numbers[item]}
    path = tmp_path / "wjx.xlsx"
    export.to_excel(path, index=False)
    got = read_responses(path, loaded(mapped), platform="wenjuanxing")
    same_respondents(got, reference)
    assert {c.column: c.rule for c in got.report.columns}["Q5"] == "source"


def test_a_wenjuanxing_header_matching_two_items_names_file_row_and_column(native, tmp_path):
    twin = copy.deepcopy(QUESTIONNAIRE)
    twin["constructs"]["quality"]["items"]["q_goods"]["short"]["zh"] = "店员服务"
    path = tmp_path / "wjx.csv"
    wenjuanxing_export(native).to_csv(path, index=False)
    with pytest.raises(ResponseValidationError) as err:
        read_responses(path, loaded(twin))
    message = str(err.value)
    assert f"{path}:1: Column 10 ('4(店员服务)') matches 2 items or questions by its text: " \
           "'q_goods', 'q_staff'" in message


def test_an_unknown_wenjuanxing_code_is_still_rejected_with_row_and_column(native, q,
                                                                          tmp_path):
    export = wenjuanxing_export(native)
    row = int(np.flatnonzero((native["visited"] == "1").to_numpy())[0])
    export.loc[row, "5.总体而言您对本店满意吗？"] = "-4"
    path = tmp_path / "wjx.csv"
    export.to_csv(path, index=False)
    got = read_responses(path, q)
    reject = got.rejects.iloc[0]
    assert (reject["row"], reject["column"], reject["value"]) == (row + 2, "s_overall", "-4")
    assert reject["message"].startswith(f"{path}:{row + 2}: column 's_overall': value '-4' is "
                                        "outside the 1-10 scale")


# --------------------------------------------------------------------------- Qualtrics


QUALTRICS_META = ["StartDate", "EndDate", "Status", "IPAddress", "Progress",
                  "Duration (in seconds)", "Finished", "RecordedDate", "ResponseId"]


def qualtrics_export(native: pd.DataFrame) -> pd.DataFrame:
    """The three header rows of a Qualtrics CSV (export tags, question text, ImportId), its
    meta columns, numeric values; a blank answer is -99 ("seen but unanswered") or empty."""
    tags = {"visited": ("Q1", "Have you visited the shop in the last three months?"),
            "member": ("Q2", "Are you a member?"), "age": ("Q3", "Your age"),
            "q_staff": ("Q4_1", "Please rate the shop - Staff"),
            "q_goods": ("Q4_2", "Please rate the shop - Goods"),
            "q_clean": ("Q4_3", "Please rate the shop - Cleanliness"),
            "s_overall": ("Q5", "Overall, how satisfied are you with the shop?"),
            "s_ideal": ("Q6", "Compared with an ideal shop, how is this one?"),
            "l_return": ("Q7_1", "Will you come back? - Come back"),
            "l_recommend": ("Q8", "Will you recommend us?"), "spend": ("Q9", "Amount spent")}
    columns = {m: [m, m, json.dumps({"ImportId": m.replace(" (in seconds)", "").lower()})]
               for m in QUALTRICS_META}
    n = len(native)
    data = {m: [f"2026-09-01 10:{k % 60:02d}:00" for k in range(n)] for m in QUALTRICS_META}
    data["ResponseId"] = [f"R_{k:06d}" for k in range(n)]
    header = {m: (m, m, json.dumps({"ImportId": f"_{m.lower()}"})) for m in QUALTRICS_META}
    del columns
    answered = (native["visited"] == "1").to_numpy()
    for k, (column, (tag, text)) in enumerate(tags.items()):
        cells = native[column].copy()
        if column in ITEMS:  # every other blank answer as -99
            blank = np.flatnonzero(((cells == "") & answered).to_numpy())
            cells.iloc[blank[::2]] = "-99"
        data[tag] = cells.tolist()
        header[tag] = (tag, text, json.dumps({"ImportId": f"QID{k + 1}"}))
    frame = pd.DataFrame(data)
    head = pd.DataFrame([[header[c][1] for c in frame.columns],
                         [header[c][2] for c in frame.columns]], columns=frame.columns)
    return pd.concat([head, frame], ignore_index=True)


def test_qualtrics_csv_reads_as_the_native_file(native, native_csv, reference, q, tmp_path):
    path = tmp_path / "qualtrics.csv"
    qualtrics_export(native).to_csv(path, index=False)
    got = read_responses(path, q)
    assert got.report.platform == "qualtrics"
    same_respondents(got, reference)
    uses = {c.column: (c.target, c.rule) for c in got.report.columns}
    assert uses["Q4_1"] == ("q_staff", "question text")  # the matrix row's label
    assert uses["Q7_1"] == ("l_return", "source")  # the /regex/
    assert uses["ResponseId"] == (None, "metadata")
    assert got.data.index[0] == 4  # the respondents start on row 4
    assert sum(r.get("skipped", 0) for r in got.report.recoded.values()) > 0
    same_index(path, native_csv, platform="qualtrics")


def test_a_qualtrics_csv_without_its_importid_row_is_refused_naming_row_3(native, q,
                                                                         tmp_path):
    export = qualtrics_export(native).drop(index=1)
    path = tmp_path / "qualtrics.csv"
    export.to_csv(path, index=False)
    with pytest.raises(ResponseValidationError,
                       match=rf"^{path}:3: column 'StartDate': expected Qualtrics' ImportId row "
                             r"\(cells such as .*Got '2026-09-01 10:00:00' instead"):
        read_responses(path, q)


def test_qualtrics_sav_with_user_missing_values_and_value_labels(native, reference, q,
                                                                 tmp_path):
    import pyreadstat

    export = qualtrics_export(native).iloc[2:].reset_index(drop=True)
    frame = pd.DataFrame({"ResponseId": export["ResponseId"], "StartDate": export["StartDate"]})
    for tag in ("Q1", "Q3", "Q4_1", "Q4_2", "Q4_3", "Q5", "Q6", "Q7_1", "Q8", "Q9"):
        # SPSS has no empty number: a blank or -99 answer is the user-missing 98 here.
        cells = export[tag].replace({"": "98", "-99": "98"}) if tag.startswith(("Q4", "Q5",
                                                                                "Q6", "Q7",
                                                                                "Q8")) \
            else export[tag]
        frame[tag] = pd.to_numeric(cells, errors="coerce")
    frame["Q2"] = export["Q2"]
    path = tmp_path / "qualtrics.sav"
    rated = ["Q4_1", "Q4_2", "Q4_3", "Q5", "Q6", "Q7_1", "Q8"]
    pyreadstat.write_sav(frame, str(path), missing_ranges={t: [98] for t in rated},
                         variable_value_labels={t: {1: "Very dissatisfied", 10: "Very satisfied",
                                                    98: "Seen, not answered", 99: "Don't know"}
                                                for t in rated})
    mapped = copy.deepcopy(QUESTIONNAIRE)
    tags = dict(zip(ITEMS[:5], rated[:5], strict=True))
    tags.update({"visited": "Q1", "member": "Q2", "age": "Q3", "spend": "Q9"})
    for section in ("screening", "demographics", "questions"):
        for question in mapped[section]:
            question["source"] = {"qualtrics": tags[question["id"]]}
    for construct in mapped["constructs"].values():
        for item, spec in construct["items"].items():
            if item in tags:
                spec["source"] = {"qualtrics": tags[item]}
    got = read_responses(path, loaded(mapped))
    assert got.report.platform == "qualtrics"
    same_respondents(got, reference)


# --------------------------------------------------------------------------- SurveyMonkey


SURVEYMONKEY_META = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address",
                     "Email Address", "First Name", "Last Name", "Custom Data 1"]


def surveymonkey_rows(native: pd.DataFrame, matrix_last: bool = False) -> list[list[str]]:
    """SurveyMonkey's two header rows (question, then sub-question or "Response") and its
    meta columns, as the grid of a CSV; ``matrix_last``: the matrix question at the right
    end (its further columns without a header, like trailing empty columns)."""
    questions = [("visited", "Have you visited the shop in the last three months?", "Response"),
                 ("member", "Are you a member?", "Response"),
                 ("age", "Your age", "Open-Ended Response"),
                 ("q_staff", "Please rate the shop", "Staff"),
                 ("q_goods", "", "Goods"), ("q_clean", "", "Cleanliness"),
                 ("s_overall", "Overall, how satisfied are you with the shop?", "Response"),
                 ("s_ideal", "Compared with an ideal shop, how is this one?", "Response"),
                 ("l_return", "Will you come back?", "Response"),
                 ("l_recommend", "Will you recommend us?", "Response"),
                 ("spend", "Amount spent", "Open-Ended Response")]
    if matrix_last:
        questions = questions[:3] + questions[6:] + questions[3:6]
    top = SURVEYMONKEY_META + [t for _, t, _ in questions]
    sub = [""] * len(SURVEYMONKEY_META) + [s for _, _, s in questions]
    rows = [top, sub]
    for k in range(len(native)):
        meta = [str(10_000_000 + k), "400123", "09/01/2026 10:00:00 AM",
                "09/01/2026 10:05:00 AM", "127.0.0.1", "", "", "", ""]
        rows.append(meta + [native.loc[k, c] for c, _, _ in questions])
    return rows


def test_surveymonkey_two_header_rows_read_as_the_native_file(native, native_csv, reference,
                                                              q, tmp_path):
    path = tmp_path / "monkey.xlsx"
    grid = pd.DataFrame(surveymonkey_rows(native))
    grid.to_excel(path, index=False, header=False)
    got = read_responses(path, q)
    assert got.report.platform == "surveymonkey"
    same_respondents(got, reference)
    uses = {c.column: (c.target, c.rule) for c in got.report.columns}
    assert uses["Please rate the shop / Goods"] == ("q_goods", "question text")
    assert uses["Respondent ID"] == (None, "metadata")
    csv_path = tmp_path / "monkey.csv"
    grid.to_csv(csv_path, index=False, header=False)
    assert same_index(csv_path, native_csv)["platform"] == "surveymonkey"
    last = tmp_path / "matrix_last.csv"
    pd.DataFrame(surveymonkey_rows(native, matrix_last=True)).to_csv(last, index=False,
                                                                     header=False)
    got = read_responses(last, q)
    same_respondents(got, reference)
    assert got.report.columns[-1].column == "Please rate the shop / Cleanliness"


def test_a_mapped_column_that_is_absent_names_the_source(native, q, tmp_path):
    export = wenjuanxing_export(native).drop(columns=["Q8"])
    path = tmp_path / "wjx.csv"
    export.to_csv(path, index=False)
    with pytest.raises(ResponseValidationError,
                       match=rf"^{path}:1: No column matches the source 'Q8' of 'l_recommend' "
                             r"\(the questionnaire's source:\)\. Expected a header"):
        read_responses(path, q)


def test_bad_source_and_recode_are_refused_with_their_yaml_path():
    bad = copy.deepcopy(QUESTIONNAIRE)
    bad["constructs"]["quality"]["items"]["q_staff"]["source"] = "/Q4_(/"
    bad["recode"] = [{"codes": {-2: "skiped"}, "platform": "wenjuanxing"}]
    with pytest.raises(QuestionnaireError) as err:
        loaded(bad)
    text = str(err.value)
    assert "constructs.quality.items.q_staff.source: The regular expression '/Q4_(/' is not " \
           "valid" in text
    assert "recode.0.codes.-2: Expected one of ['skipped', 'not_applicable', 'dont_know'] or " \
           "a code. Got 'skiped' instead." in text


def test_recode_rules_of_the_questionnaire_apply_to_a_native_file(native, reference, tmp_path):
    """A native file whose blanks are written 98 (a don't-know kept apart) reads as the
    native file once ``recode:`` says 98 is 'skipped' on the ten-point scale."""
    coded = native.copy()
    for item in ITEMS:
        coded.loc[(coded[item] == "") & (coded["visited"] == "1"), item] = "98"
    path = tmp_path / "coded.csv"
    coded.to_csv(path, index=False)
    plain = loaded(QUESTIONNAIRE)
    assert read_responses(path, plain).report.n_rejected > 0  # 98 is off the scale
    rules = copy.deepcopy(QUESTIONNAIRE)
    rules["recode"] = [{"codes": {98: "skipped"}, "scale": "ten"}]
    got = read_responses(path, loaded(rules))
    same_respondents(got, reference)
    assert sum(r["skipped"] for r in got.report.recoded.values()) == (coded[ITEMS] == "98"
                                                                      ).to_numpy().sum()


# --------------------------------------------------------------------------- files refused before


def test_excel_unicode_text_utf16_tab_separated(native, reference, q, tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes(native.to_csv(index=False, sep="\t").encode("utf-16"))
    got = read_responses(path, q)
    assert got.report.encoding == "utf-16"
    same_respondents(got, reference)


def test_semicolon_csv_with_decimal_commas(native, reference, q, tmp_path):
    european = native.assign(spend=native["spend"].str.replace(".", ",", regex=False))
    path = tmp_path / "europe.csv"
    path.write_bytes(european.to_csv(index=False, sep=";").encode("utf-8-sig"))
    got = read_responses(path, q)
    same_respondents(got, reference)
    pd.testing.assert_series_equal(got.data["spend"].astype(float).reset_index(drop=True),
                                   reference.data["spend"].astype(float).reset_index(drop=True))
    assert any("separated by semicolons" in n for n in got.report.notes)
    assert any("decimal comma" in n for n in got.report.notes)


def test_a_title_row_above_the_header_csv_and_xlsx(native, reference, q, tmp_path):
    path = tmp_path / "titled.csv"
    path.write_text("门店调查 2026 年 9 月" + "," * (native.shape[1] - 1) + "\n"
                    + native.to_csv(index=False), encoding="utf-8")
    got = read_responses(path, q)
    same_respondents(got, reference)
    assert got.data.index[0] == 3  # row 1 the title, row 2 the header
    assert "the header is row 2" in got.report.notes[0]
    book = tmp_path / "titled.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame([["门店调查 2026 年 9 月"]]).to_excel(writer, index=False, header=False)
        native.to_excel(writer, index=False, startrow=2)  # a title, a blank row, the header
    got = read_responses(book, q)
    same_respondents(got, reference)
    assert got.data.index[0] == 4


def test_an_empty_first_sheet_and_trailing_empty_columns(native, reference, q, tmp_path):
    book = tmp_path / "sheets.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame().to_excel(writer, sheet_name="封面", index=False)
        native.to_excel(writer, sheet_name="数据", index=False)
    got = read_responses(book, q)
    same_respondents(got, reference)
    assert "Sheet '封面' is empty; read sheet '数据'." in got.report.notes
    path = tmp_path / "trailing.csv"
    lines = native.to_csv(index=False).splitlines()
    path.write_text("\n".join(line + ",," for line in lines) + "\n", encoding="utf-8")
    got = read_responses(path, q)
    same_respondents(got, reference)
    assert any("2 empty columns without a header" in n for n in got.report.notes)


def test_a_headerless_column_with_answers_is_kept_and_listed_as_ignored(native, reference, q,
                                                                       tmp_path):
    path = tmp_path / "trailing.csv"
    lines = native.to_csv(index=False).splitlines()
    lines = [lines[0] + ",,"] + [line + (",," if k != 4 else ",7,") for k, line in
                                 enumerate(lines[1:])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = read_responses(path, q)
    same_respondents(got, reference)
    column = f"Unnamed: {native.shape[1]}"
    assert got.report.columns[-1].to_json() == {"column": column, "target": None,
                                                "rule": "no header"}
    assert got.data[column].tolist()[4] == "7"  # kept with the row, not used
    assert any("1 empty column without a header" in n for n in got.report.notes)


def test_yaml_boolean_codes_match_excel_true_false(native, reference, q, tmp_path):
    assert {c for c, _ in q.question("member").options} == {True, False}
    book = tmp_path / "bool.xlsx"
    excel = native.copy().astype(object)
    excel["member"] = excel["member"].map({"TRUE": True, "FALSE": False, "": None})
    excel.to_excel(book, index=False)  # real Excel booleans
    for path in (book, tmp_path / "bool.csv"):
        if path.suffix == ".csv":
            native.assign(member=native["member"].str.lower()).to_csv(path, index=False)
        got = read_responses(path, q)
        same_respondents(got, reference)
    # A value that is not one of the codes is still rejected.
    bad = tmp_path / "bad.csv"
    row = int(np.flatnonzero((native["visited"] == "1").to_numpy())[0])
    native.assign(member=native["member"].where(native.index != row, "YES")).to_csv(
        bad, index=False)
    got = read_responses(bad, q)
    assert got.rejects.iloc[0]["column"] == "member" and got.rejects.iloc[0]["value"] == "YES"


# --------------------------------------------------------------------------- matching rules


def test_header_key_matches_an_item_named_otherwise(native, reference, q, tmp_path):
    renamed = native.rename(columns={"q_staff": "QStaff", "s_overall": "satisfaction/s_overall",
                                     "l_return": "lreturn"})
    path = tmp_path / "keys.csv"
    renamed.to_csv(path, index=False)
    got = read_responses(path, q)
    same_respondents(got, reference)
    uses = {c.column: (c.target, c.rule) for c in got.report.columns}
    assert uses["QStaff"] == ("q_staff", "key") and uses["lreturn"] == ("l_return", "key")
    assert uses["satisfaction/s_overall"] == ("s_overall", "key")


def test_the_cli_reads_a_wenjuanxing_export_and_reports_its_columns(native, q, tmp_path):
    (tmp_path / "q.yaml").write_text(yaml.safe_dump(QUESTIONNAIRE, allow_unicode=True),
                                     encoding="utf-8")
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(MODEL, allow_unicode=True),
                                     encoding="utf-8")
    data = tmp_path / "问卷星.csv"
    data.write_bytes(wenjuanxing_export(native).to_csv(index=False).encode("gb18030"))
    out = tmp_path / "out.json"
    result = CliRunner().invoke(cli, ["estimate", "-q", str(tmp_path / "q.yaml"), "-m",
                                      str(tmp_path / "m.yaml"), "-d", str(data), "--platform",
                                      "wenjuanxing", "--analyses", "none", "--json", str(out)])
    assert result.exit_code == 0, result.output
    ingest = json.loads(out.read_text(encoding="utf-8"))["ingest"]
    assert ingest["platform"] == "wenjuanxing" and ingest["missing_columns"] == []
    assert {"column": "Q8", "target": "l_recommend", "rule": "source"} in ingest["columns"]
    assert ingest["recoded"]["q_staff"]["not_applicable"] == int((native["visited"] != "1").sum())
    wrong = CliRunner().invoke(cli, ["estimate", "-q", str(tmp_path / "q.yaml"), "-m",
                                     str(tmp_path / "m.yaml"), "-d", str(data), "--platform",
                                     "qualtrics", "--analyses", "none"])
    assert wrong.exit_code == 2 and "Traceback" not in wrong.output
    assert "expected Qualtrics' ImportId row" in wrong.output


def test_survey_ingest_stores_a_wenjuanxing_wave_like_the_native_one(native, native_csv,
                                                                     tmp_path):
    from survey.store import Study

    (tmp_path / "q.yaml").write_text(yaml.safe_dump(QUESTIONNAIRE, allow_unicode=True),
                                     encoding="utf-8")
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(MODEL, allow_unicode=True),
                                     encoding="utf-8")
    study = tmp_path / "study"
    runner = CliRunner()
    made = runner.invoke(cli, ["init", str(study), "--questionnaire", str(tmp_path / "q.yaml"),
                               "--model", str(tmp_path / "m.yaml")])
    assert made.exit_code == 0, made.output
    data = tmp_path / "问卷星.csv"
    data.write_bytes(wenjuanxing_export(native).to_csv(index=False).encode("gb18030"))
    done = runner.invoke(cli, ["ingest", str(study), str(data), "--wave", "w1"])
    assert done.exit_code == 0, done.output
    assert "note: Read as a 问卷星 (Wenjuanxing) export" in done.output
    assert "note: Columns (wenjuanxing): 11 used (" in done.output
    assert ", 6 ignored (6 metadata)." in done.output
    assert runner.invoke(cli, ["ingest", str(study), str(native_csv), "--wave", "w2",
                               "--platform", "native"]).exit_code == 0
    waves = Study.open(study).waves()
    assert waves["n_accepted"].tolist()[0] == waves["n_accepted"].tolist()[1] > 100


def test_the_report_lists_the_columns_and_escapes_their_headers(native, native_csv, tmp_path):
    from survey.report import build_context, render_report

    export = wenjuanxing_export(native).rename(columns={"来源详情": "<b>来源详情</b>"})
    path = tmp_path / "wjx.csv"
    export.to_csv(path, index=False)
    result = estimate_study(loaded(QUESTIONNAIRE), load_model(MODEL), path, analyses=())
    html = render_report(build_context(result, "zh"))
    assert "读作 问卷星 (Wenjuanxing) 导出文件：11 列已使用，6 列未使用" in html
    assert "<td>4(店员服务)</td><td><code>q_staff</code></td><td>题目文字相同</td>" in html
    assert "&lt;b&gt;来源详情&lt;/b&gt;" in html and "<b>来源详情</b>" not in html
    assert "<td>q_staff</td><td>不适用（缺失）</td>" in html
    native = estimate_study(loaded(QUESTIONNAIRE), load_model(MODEL), native_csv, analyses=())
    summary = build_context(native, "en")["columns"]["summary"]
    assert summary == ("Read in the questionnaire's own layout: 11 columns used, 0 ignored, 0 "
                       "of the questionnaire's ids have no column.")


def test_a_misspelt_platform_in_the_questionnaire_is_refused(native_csv):
    typo = copy.deepcopy(QUESTIONNAIRE)
    typo["recode"] = [{"codes": {-2: "skipped"}, "platform": "wenjuanxin"}]
    with pytest.raises(QuestionnaireError, match=r"names the platform 'wenjuanxin'\. Expected "
                                                 r"one of \['native', 'wenjuanxing', "):
        read_responses(native_csv, loaded(typo))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.data())
def test_any_grid_reads_back_whatever_its_separator_and_encoding(data):
    """Cells (commas, semicolons, tabs, quotes, hanzi, spaces inside) written by Python's csv
    module with a comma, a semicolon or a tab, in UTF-8 or UTF-16, read back as written."""
    import csv
    import io
    import tempfile

    from survey.ingest import read_table

    width = data.draw(st.integers(2, 5))
    header = [f"c{k}" for k in range(width)]
    cell = st.text(alphabet="ab1,;\t\" 中.", max_size=6)
    rows = data.draw(st.lists(st.lists(cell, min_size=width, max_size=width), min_size=1,
                              max_size=6))
    delimiter = data.draw(st.sampled_from([",", ";", "\t"]))
    encoding = data.draw(st.sampled_from(["utf-8", "utf-16"]))
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\n").writerows([header, *rows])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "grid.csv"
        path.write_bytes(text.getvalue().encode(encoding))
        frame = read_table(path).frame
    assert list(frame.columns) == header
    assert frame.astype(str).to_numpy().tolist() == rows


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_a_row_with_more_cells_than_the_header_is_refused_naming_it(tmp_path, sep):
    """pandas would make a row's surplus cells an index and shift the row's answers into the
    next columns (a=2, b=3 for '1,2,3' under 'a,b'); the file is refused naming the row."""
    from survey.ingest import read_table

    path = tmp_path / "wide.csv"
    path.write_text(sep.join(["a", "b"]) + "\n" + sep.join("123") + "\n"
                    + sep.join("45") + "\n", encoding="utf-8")
    with pytest.raises(ResponseValidationError, match=r"wide.csv:2: The row has 3 cells where "
                                                      r"the header has 2"):
        read_table(path)


def test_excel_text_that_pandas_would_call_missing_is_kept(tmp_path):
    """'NA', 'n/a', 'None' in a workbook are text (a CSV keeps them); pandas' Excel reader
    made them blanks by default."""
    import openpyxl

    from survey.ingest import read_table

    wb = openpyxl.Workbook()
    wb.active.append(["id", "comment", "city"])
    wb.active.append([1, "NA", "None"])
    wb.active.append([2, None, "n/a"])
    path = tmp_path / "text.xlsx"
    wb.save(path)
    frame = read_table(path).frame
    assert frame["comment"].tolist() == ["NA", ""]
    assert frame["city"].tolist() == ["None", "n/a"]


def test_wenjuanxing_xls_the_format_it_downloads_by_default(native, reference, q, tmp_path):
    """问卷星's default download is an Excel 97-2003 .xls (BIFF): read by calamine, its
    numbers as the cells' floats; written here with xlwt, as old Excel writes it."""
    import xlwt

    export = wenjuanxing_export(native)
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    for j, name in enumerate(export.columns):
        sheet.write(0, j, name)
    for i, row in enumerate(export.itertuples(index=False), start=1):
        for j, cell in enumerate(row):
            # Answer codes are numbers in the .xls (-2, -3 and 1-10 alike), text stays text.
            sheet.write(i, j, int(cell) if str(cell).lstrip("-").isdigit() else cell)
    path = tmp_path / "问卷星.xls"
    book.save(str(path))
    got = read_responses(path, q)
    assert got.report.platform == "wenjuanxing"
    same_respondents(got, reference)
    assert got.report.recoded["q_staff"]["not_applicable"] == (native["visited"] != "1").sum()
