"""The fast ingest gives exactly what the reference paths give.

``survey.ingest`` reads CSV with pyarrow when that is known to tokenise as pandas' C parser
does (falling back otherwise), reads rated columns as codes, and validates each column on its
distinct cells. Each shortcut is compared here with its reference: pandas' reader (the
fallback) and validation cell by cell (every cell its own code).
"""

from __future__ import annotations

import csv
import dataclasses
import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey import ingest
from survey.errors import ResponseValidationError
from survey.questionnaire import Question, Rating, load_questionnaire

from .conftest import DATA

TOKENISING = {
    "plain": b"a,b\n1,2\n3,4\n",
    "crlf_multiline": b'a,b\r\n"x\r\ny, z",2\r\n3,4\r\n',
    "quote_inside_field": b'a,b\nab"c,2\n3,4\n',
    "text_after_closing_quote": b'a,b\n"ab"c,2\n3,4\n',
    "doubled_quotes": b'a,b\n"a""b",2\n',
    "blank_line": b"a,b\n1,2\n\n3,4\n",
    "whitespace_line": b"a,b\n1,2\n  \n3,4\n",
    "short_row": b"a,b,c\n1,2\n3,4,5\n",
    "long_row": b"a,b\n1,2,3\n",
    "no_final_newline": b"a,b\n1,2\n3,4",
    "open_quote_mid_file": b'a,b\nx"y,"2\n3,4\n',
    "open_quote_at_end": b'a,b\n1,"2',
    "bom": b"\xef\xbb\xbfa,b\n1,2\n",
    "empty_header_name": b"a,,c\n1,2,3\n",
    "header_only": b"a,b\n",
    "cr_only": b"a,b\r1,2\r3,4\r",
    "spaces": b"a,b\n 1 ,2 \n",
    "trailing_comma": b"a,b,\n1,2,\n",
    "nul": b"a,b\n1\x00x,2\n",
    "quoted_empty": b'a,b\n"",2\n',
    "cr_in_quotes": b'a,b\n"x\ry",2\n',
    "quoted_header": b'"a","b"\n1,2\n',
    "empty_row": b"a,b\n,\n1,2\n",
    "one_column_whitespace": b"a\n1\n  \n3\n",
    "leading_blank_line": b"\na,b\n1,2\n",
    "trailing_blank_lines": b"a,b\n1,2\n\n\n",
    "trailing_whitespace": b"a,b\n1,2\n  ",
    "space_after_closing_quote": b'a,b\n"a" ,2\n',
    "cr_cr_lf": b"a,b\r\r\n1,2\r\r\n",
    "quote_in_header": b'"a""x",b\n1,2\n',
    "vertical_tab_line": b"a,b\n1,2\n\x0b\n3,4\n",
    "quoted_newline_at_end": b'a,b\n1,"2\n"\n',
    "cjk": "a,b\n很好,𠮷\n".encode(),
    "only_newlines": b"\n\n",
}


def _slow(monkeypatch) -> None:
    """The reference paths: pandas' reader, and every cell its own code."""
    monkeypatch.setattr(ingest, "_read_csv_arrow", lambda *a, **k: None)
    monkeypatch.setattr(ingest, "_factorize",
                        lambda col: (np.arange(len(col)), col.reset_index(drop=True)))


def _outcome(fn):
    try:
        return fn()
    except ResponseValidationError as exc:
        return str(exc)


@pytest.mark.parametrize("case", sorted(TOKENISING))
def test_fast_reader_tokenises_like_pandas(case, tmp_path, monkeypatch):
    path = tmp_path / "f.csv"
    path.write_bytes(TOKENISING[case])
    fast = _outcome(lambda: ingest.read_table(path).frame)
    _slow(monkeypatch)
    slow = _outcome(lambda: ingest.read_table(path).frame)
    if isinstance(slow, str) or isinstance(fast, str):
        assert fast == slow
    else:
        pd.testing.assert_frame_equal(fast, slow)


def test_fast_reader_is_used_for_plain_files(tmp_path, monkeypatch):
    used = []
    real = ingest._read_csv_arrow
    monkeypatch.setattr(ingest, "_read_csv_arrow",
                        lambda *a: used.append(r := real(*a)) or r)
    path = tmp_path / "f.csv"
    path.write_bytes(TOKENISING["crlf_multiline"])
    ingest.read_table(path)
    assert used and used[0] is not None


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=12) | st.lists(
    st.sampled_from([b"a", b"\x80", b"\xbf", b"\xc0", b"\xc2", b"\xe0", b"\xed", b"\xa0",
                     b"\xf0", b"\xf4", b"\x90", b"\x8f", b"\xf5", b"\xff", b"\xef\xbb\xbf"]),
    max_size=8).map(b"".join))
def test_utf8_check_agrees_with_python(raw):
    try:
        raw.decode("utf-8")
        python = True
    except UnicodeDecodeError:
        python = False
    assert ingest._decodes(raw, "utf-8") is python
    assert ingest._decodes(raw, "utf-8-sig") is python


# --------------------------------------------------------------------------- validation

ITEM = ["", " ", "1", "10", "99", "0", "11", "7.0", "7.5", "07", "+7", "-2", " 7 ", "7分", "nan",
        "inf", "1e1", "0x10", "１", "٣", "\u3000 5", "\x1c5", "1_0", "7.", ".5", "1e400",
        "12345678901234567890", "7,5", '"7"', "True", "\xa05", "2.0000000000000001"]
SCREEN = ["1", "2", "1.0", "", "3", "x", " 1", "01", "1e0"]
AGE = ["34", "17", "34.5", "", "abc", "99", "100", " 50", "50.0"]
DATE = ["2026-09-01", "notadate", "", "09/01/2026", "2026-13-01", "1 Sep 2026"]
MULTI = ["1", "1,2", "1;3", "1┋2", "4", "", "1,,2", " 2 ", "x"]
TEXT = ["good", "", 'say "hi"', "a,b", "line\nbreak", "很好，𠮷野家", "</script>", " pad "]
COLUMNS = ["flown", "age", "gender", "visited", "comment", "im1", "im2", "sa1", "sa2", "imp_im",
           "complained", "ch"]


@pytest.fixture(scope="module")
def q():
    base = load_questionnaire(DATA / "mini.yaml")
    lab = base.title
    return dataclasses.replace(
        base, importance=(Rating("imp_im", "image", "ten", lab, lab),),
        questions=(Question("complained", "single", lab, ((1, lab), (2, lab))),
                   Question("ch", "multiple", lab, ((1, lab), (2, lab), (3, lab)))))


def _cell(draw, column):
    pool = {"flown": SCREEN, "gender": SCREEN, "complained": SCREEN, "age": AGE,
            "visited": DATE, "comment": TEXT, "ch": MULTI}.get(column, ITEM)
    if column in ("flown", "age") and draw(st.booleans()):
        return {"flown": "1", "age": "34"}[column]
    if pool is ITEM and draw(st.booleans()):
        return str(draw(st.integers(1, 10)))
    return draw(st.sampled_from(pool))


@st.composite
def csv_files(draw):
    columns = draw(st.permutations(COLUMNS))
    rows = [[_cell(draw, c) for c in columns] for _ in range(draw(st.integers(0, 25)))]
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator=draw(st.sampled_from(["\n", "\r\n"])),
                        quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])))
    writer.writerow(columns)
    writer.writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
    try:
        raw = buf.getvalue().encode(encoding)
    except UnicodeEncodeError:
        raw = buf.getvalue().encode("utf-8")
    tail = draw(st.sampled_from([b"", b"", b'1,"2', b"\n\n", b"\n  \n"]))
    return raw + tail


def _same(a, b) -> None:
    if isinstance(a, str) or isinstance(b, str):
        assert a == b
        return
    pd.testing.assert_frame_equal(a.data, b.data)
    pd.testing.assert_frame_equal(a.rejects, b.rejects)
    pd.testing.assert_frame_equal(a.screened_out, b.screened_out)
    assert a.report == b.report


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=csv_files())
def test_fast_validation_equals_cell_by_cell(q, raw, tmp_path, monkeypatch):
    path = tmp_path / "wave.csv"
    path.write_bytes(raw)
    fast = _outcome(lambda: ingest.read_responses(path, q))
    with monkeypatch.context() as m:
        _slow(m)
        slow = _outcome(lambda: ingest.read_responses(path, q))
    _same(fast, slow)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=csv_files(), numeric=st.booleans(),
       odd=st.lists(st.sampled_from([1, 1.0, 2.5, None, np.nan, "7", True, 99, 11, -0.0]),
                    min_size=25, max_size=25))
def test_frames_of_any_dtype_validate_alike(q, raw, numeric, odd, monkeypatch):
    try:
        frame = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False,
                            encoding="gb18030" if b"\xef\xbb\xbf" not in raw[:3] else "utf-8-sig")
    except Exception:  # not a readable file: nothing to compare
        return
    if numeric:
        for c in ["im1", "im2", "sa1", "sa2", "imp_im", "flown", "age"]:
            frame[c] = pd.to_numeric(frame[c], errors="coerce")
    else:
        frame = frame.astype(object)
        frame["im1"] = odd[:len(frame)]
    fast = _outcome(lambda: ingest.response_set_from_frame(frame, q))
    with monkeypatch.context() as m:
        _slow(m)
        slow = _outcome(lambda: ingest.response_set_from_frame(frame, q))
    _same(fast, slow)
