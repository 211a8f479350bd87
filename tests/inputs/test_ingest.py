"""Response ingestion: every bad input gets its message, nothing is lost or coerced."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.errors import ResponseValidationError
from survey.ingest import read_responses, response_set_from_frame
from survey.questionnaire import load_questionnaire

HEADER = "flown,age,gender,visited,comment,im1,im2,sa1,sa2"
ROWS = [
    "1,34,1,2026-09-01,good,7,8,9,8",
    "1,45,2,2026-09-02,,99,6,7,",
    "2,50,1,2026-09-03,never flew,,,,",
    "1,29,2,2026-09-04,ok,5,5,6,6",
]


@pytest.fixture(scope="module")
def q():
    return load_questionnaire(Path(__file__).parent / "data" / "mini.yaml")


def csv_file(tmp_path: Path, rows=ROWS, *, header=HEADER, encoding="utf-8", newline="\n",
             name="wave.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(newline.join([header, *rows]).encode(encoding) + newline.encode())
    return path


def test_clean_file(q, tmp_path):
    r = read_responses(csv_file(tmp_path), q)
    rep = r.report
    assert (rep.n_rows, rep.n_accepted, rep.n_rejected, rep.n_screened_out) == (4, 3, 0, 1)
    assert list(r.data.index) == [2, 3, 5]  # spreadsheet rows: header is row 1
    assert r.data.loc[3, "im1"] != r.data.loc[3, "im1"]  # 99 -> NaN
    assert rep.dont_know["im1"] == pytest.approx(1 / 3) and rep.blank["sa2"] == pytest.approx(1 / 3)
    assert r.data["im1"].dtype == float and rep.encoding == "utf-8" and len(rep.sha256) == 64
    assert list(r.screened_out.index) == [4]


def test_out_of_range_rejects_row_with_message(q, tmp_path):
    path = csv_file(tmp_path, [*ROWS, "1,30,1,2026-09-05,x,11,5,5,5"])
    r = read_responses(path, q)
    assert r.report.n_rejected == 1 and 6 not in r.data.index
    row = r.rejects.iloc[0]
    assert (row.row, row.column, row.value) == (6, "im1", "11")
    assert row.message == (f"{path}:6: column 'im1': value '11' is outside the 1-10 scale. "
                           "Recode it or declare it a missing code.")


def test_not_a_number_is_rejected_not_coerced(q, tmp_path):
    r = read_responses(csv_file(tmp_path, [*ROWS, "1,30,1,2026-09-05,x,7分,5,5,5"]), q)
    assert r.rejects.reason.tolist() == ["value '7分' is not a number."]
    assert r.report.n_accepted == 3


def test_non_whole_value_on_integer_scale(q, tmp_path):
    r = read_responses(csv_file(tmp_path, [*ROWS, "1,30,1,2026-09-05,x,7.5,5,5,7.0"]), q)
    assert r.rejects.column.tolist() == ["im1"]
    assert "is not a point of the 1-10 scale" in r.rejects.reason.iloc[0]


def test_every_problem_of_a_row_is_kept(q, tmp_path):
    r = read_responses(csv_file(tmp_path, [*ROWS, "3,17,9,notadate,x,0,5,x,5"]), q)
    assert sorted(r.rejects.column) == ["age", "flown", "gender", "im1", "sa1", "visited"]
    assert r.report.n_rejected == 1 and r.report.n_screened_out == 1


def test_missing_item_column_is_named(q, tmp_path):
    path = csv_file(tmp_path, ["1,34,1,2026-09-01,good,7,8,9"], header="flown,age,gender,visited,comment,im1,im2,sa1")
    with pytest.raises(ResponseValidationError) as exc:
        read_responses(path, q)
    assert str(exc.value) == (f"{path}: Required column 'sa2' is missing. Expected the "
                              "questionnaire's item and screening ids as column names; got 8 columns.")


def test_extra_columns_are_kept(q, tmp_path):
    # (Issue 12: a 'respondent_id' column identifies respondents, so its ids must differ;
    # this test gave every row the id 'A' and now gives each its own.)
    path = csv_file(tmp_path, [r + f",A{k}" for k, r in enumerate(ROWS)],
                    header=HEADER + ",respondent_id")
    assert read_responses(path, q).data["respondent_id"].tolist() == ["A0", "A1", "A3"]


def test_duplicate_column_names(q, tmp_path):
    path = csv_file(tmp_path, [r + ",3" for r in ROWS], header=HEADER + ",im1")
    with pytest.raises(ResponseValidationError, match=r"Duplicate column names \['im1'\]"):
        read_responses(path, q)


@pytest.mark.parametrize("encoding,expected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
                                               ("gb18030", "gb18030")])
def test_encodings(q, tmp_path, encoding, expected):
    rows = [ROWS[0].replace("good", "很好，𠮷野家"), *ROWS[1:]]
    r = read_responses(csv_file(tmp_path, rows, encoding=encoding), q)
    assert r.report.encoding == expected
    assert r.data.loc[2, "comment"] == "很好，𠮷野家"


def test_rare_glyph_is_not_gbk_but_gb18030(tmp_path):
    with pytest.raises(UnicodeEncodeError):
        "𠮷".encode("gbk")
    assert "𠮷".encode("gb18030").decode("gb18030") == "𠮷"


def test_undecodable_file_fails_instead_of_mojibake(q, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes((HEADER + "\n").encode() + b"1,34,1,2026-09-01,\xff\xfe\xff,7,8,9,8\n")
    with pytest.raises(ResponseValidationError, match="is neither UTF-8 nor GB18030"):
        read_responses(path, q)


def test_crlf_and_multiline_quoted_text(q, tmp_path):
    rows = ['1,34,1,2026-09-01,"line one\r\nline two, with comma",7,8,9,8', *ROWS[1:]]
    r = read_responses(csv_file(tmp_path, rows, newline="\r\n"), q)
    assert r.report.n_accepted == 3
    assert r.data.loc[2, "comment"] == "line one\r\nline two, with comma"


def test_markup_in_text_is_kept_verbatim(q, tmp_path):
    rows = [ROWS[0].replace("good", "</script><img src=x onerror=alert(1)>"), *ROWS[1:]]
    r = read_responses(csv_file(tmp_path, rows), q)
    assert r.data.loc[2, "comment"] == "</script><img src=x onerror=alert(1)>"


def test_zero_byte_file(q, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(ResponseValidationError, match=r"empty.csv: The file is empty \(0 bytes\)."):
        read_responses(path, q)


def test_unknown_extension(q, tmp_path):
    path = tmp_path / "wave.json"
    path.write_text("{}")
    with pytest.raises(ResponseValidationError, match=r"wave.json: Unknown file type '.json'"):
        read_responses(path, q)


def test_missing_file(q, tmp_path):
    with pytest.raises(ResponseValidationError, match="nope.csv: File not found."):
        read_responses(tmp_path / "nope.csv", q)


def _frame() -> pd.DataFrame:
    return pd.read_csv(io.StringIO("\n".join([HEADER, *ROWS])), dtype=str, keep_default_na=False)


def test_xlsx_equals_csv(q, tmp_path):
    path = tmp_path / "wave.xlsx"
    frame = _frame()
    for c in ["flown", "age", "gender", "im1", "im2", "sa1", "sa2"]:
        frame[c] = pd.to_numeric(frame[c])
    frame.to_excel(path, index=False)
    x, c = read_responses(path, q), read_responses(csv_file(tmp_path), q)
    pd.testing.assert_frame_equal(x.data[["im1", "im2", "sa1", "sa2"]], c.data[["im1", "im2", "sa1", "sa2"]])
    assert x.report.format == "xlsx" and x.report.n_screened_out == 1


def test_truncated_xlsx(q, tmp_path):
    good = tmp_path / "good.xlsx"
    _frame().to_excel(good, index=False)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(good.read_bytes()[:300])
    with pytest.raises(ResponseValidationError, match="bad.xlsx: The file could not be read as XLSX"):
        read_responses(bad, q)


def test_csv_named_xlsx(q, tmp_path):
    path = tmp_path / "wave.xlsx"
    path.write_bytes(csv_file(tmp_path).read_bytes())
    with pytest.raises(ResponseValidationError, match="wave.xlsx: The file could not be read as XLSX"):
        read_responses(path, q)


def test_sav_with_user_missing_equals_csv(q, tmp_path):
    """99 declared as user-missing in SPSS arrives as the don't-know code, exactly as in CSV:
    a CSV round trip that loses the metadata must not turn 99 into a score either."""
    pyreadstat = pytest.importorskip("pyreadstat")
    frame = _frame()
    for c in ["flown", "age", "gender", "im1", "im2", "sa1", "sa2"]:
        frame[c] = pd.to_numeric(frame[c])
    path = tmp_path / "wave.sav"
    pyreadstat.write_sav(frame, str(path), missing_ranges={c: [99] for c in ["im1", "im2", "sa1", "sa2"]})
    s, c = read_responses(path, q), read_responses(csv_file(tmp_path), q)
    pd.testing.assert_frame_equal(s.data[["im1", "im2", "sa1", "sa2"]], c.data[["im1", "im2", "sa1", "sa2"]])
    assert s.report.dont_know == c.report.dont_know
    assert s.report.dont_know["im1"] > 0


def test_truncated_sav(q, tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    good = tmp_path / "good.sav"
    frame = _frame()
    frame["im1"] = pd.to_numeric(frame["im1"].replace("", np.nan))
    pyreadstat.write_sav(frame, str(good))
    bad = tmp_path / "bad.sav"
    bad.write_bytes(good.read_bytes()[:200])
    with pytest.raises(ResponseValidationError, match="bad.sav: The file could not be read as SAV"):
        read_responses(bad, q)


def test_all_rows_rejected_still_returns_everything(q, tmp_path):
    r = read_responses(csv_file(tmp_path, ["1,34,1,2026-09-01,x,0,0,0,0"]), q)
    assert r.data.empty and len(r.rejects) == 4 and r.report.n_rejected == 1


def test_frame_input_validates_the_same(q):
    r = response_set_from_frame(_frame(), q)
    assert r.report.n_accepted == 3 and r.report.format == "frame"


@settings(max_examples=60, deadline=None)
@given(st.integers(-1000, 1000))
def test_property_scale_membership(q, value):
    frame = _frame().head(1).copy()
    frame["im1"] = str(value)
    r = response_set_from_frame(frame, q)
    if 1 <= value <= 10 or value == 99:
        assert r.report.n_rejected == 0
        assert (r.data["im1"].iloc[0] == value) if value != 99 else np.isnan(r.data["im1"].iloc[0])
    else:
        assert r.report.n_rejected == 1 and r.rejects["column"].tolist() == ["im1"]


def test_importance_ratings_and_other_questions_are_validated(q, tmp_path):
    """Optional columns the questionnaire defines (stated importance on its scale, the other
    questions' options) are checked like items and the profile when the file has them."""
    import dataclasses

    from survey.questionnaire import Question, Rating

    lab = q.title
    extended = dataclasses.replace(
        q, importance=(Rating("imp_im", "image", "ten", lab, lab),),
        questions=(Question("complained", "single", lab, ((1, lab), (2, lab))),))
    rows = [r + f",{imp},{c}" for r, imp, c in
            zip(ROWS, ["9", "99", "", "12"], ["1", "2", "", "3"], strict=True)]
    path = csv_file(tmp_path, rows, header=HEADER + ",imp_im,complained")
    r = read_responses(path, extended)
    assert r.report.n_rejected == 1
    reasons = r.rejects.set_index("column")["reason"]
    assert "outside the 1-10 scale" in reasons["imp_im"]
    assert "not one of the options 1, 2" in reasons["complained"]
    assert r.data.loc[2, "imp_im"] == 9 and np.isnan(r.data.loc[3, "imp_im"])  # 99: don't know
    assert r.report.dont_know["imp_im"] == pytest.approx(1 / 2)


def test_items_outside_the_model_are_validated_when_the_file_has_them(q, tmp_path):
    """Reading for a model that uses only some items (``items``), the questionnaire's other
    items in the file are still checked on their scale: a gauge or an expectation item
    outside the model is read as numbers (99 and blanks missing, not the number 99 or a
    text ''), and the file accepts the same respondents as the study store's ingest."""
    path = csv_file(tmp_path, [*ROWS, "1,30,1,2026-09-05,x,7,7,7,11"])
    r = read_responses(path, q, items=["im1", "im2"])
    assert r.data["sa1"].dtype == float and r.data["sa2"].dtype == float
    assert r.data.loc[3, "sa2"] != r.data.loc[3, "sa2"]  # blank: missing
    assert r.rejects["column"].tolist() == ["sa2"] and r.report.n_rejected == 1
    assert r.report.n_accepted == read_responses(path, q).report.n_accepted == 3


CONTINUOUS = """\
id: pd
title: {zh: 民主, en: Democracy}
scales:
  rating: {min: 0, max: 10, continuous: true, dont_know: -9}
  log: {min: 0.5, max: 8.25, continuous: true}
constructs:
  dem:
    label: {zh: 民主, en: Democracy}
    scale: rating
    items:
      y1: {zh: 一, en: One}
      y2: {zh: 二, en: Two}
  ind:
    label: {zh: 工业化, en: Industrialisation}
    scale: log
    items:
      x1: {zh: 三, en: Three}
"""


def test_continuous_scale_takes_any_number_inside_and_rejects_outside(tmp_path):
    """Non-whole answers within [min, max] are accepted as they are, ends included;
    out-of-range ones reject the row with file, row and column; the don't-know code is
    still missing."""
    (tmp_path / "q.yaml").write_text(CONTINUOUS, encoding="utf-8")
    q = load_questionnaire(tmp_path / "q.yaml")
    path = csv_file(tmp_path, ["2.5,3.333333,4.442651", "0,10,0.5", "-9,7.25,8.25",
                               "10.5,1,2", "1,2,0.25", "1,2,abc"], header="y1,y2,x1")
    r = read_responses(path, q)
    assert list(r.data.index) == [2, 3, 4]
    assert r.data.loc[2, "y2"] == 3.333333 and r.data.loc[2, "x1"] == 4.442651
    assert r.data.loc[3].tolist() == [0.0, 10.0, 0.5]
    assert np.isnan(r.data.loc[4, "y1"]) and r.report.dont_know["y1"] == pytest.approx(1 / 3)
    got = {(x.row, x.column): x.message for x in r.rejects.itertuples()}
    assert got == {
        (5, "y1"): f"{path}:5: column 'y1': value '10.5' is outside the 0-10 scale. Recode it "
                   "or declare it a missing code.",
        (6, "x1"): f"{path}:6: column 'x1': value '0.25' is outside the 0.5-8.25 scale. "
                   "Recode it or declare it a missing code.",
        (7, "x1"): f"{path}:7: column 'x1': value 'abc' is not a number."}
