"""Response ingestion: read a survey file, validate every answer against the questionnaire.

Formats: CSV (UTF-8, UTF-8 with BOM or GB18030, detected strictly, never latin-1), Excel
(.xlsx/.xls through python-calamine), SPSS .sav (pyreadstat, user-missing codes kept as numbers
so the questionnaire's don't-know codes apply exactly as for CSV) and Parquet.

Rules: a don't-know code becomes missing; an empty cell is missing; a value that is not a number,
lies outside the scale or is not a scale point rejects the whole row (a continuous scale has no
points: any number between its ends is an answer), and every such problem is kept (row, column,
value, reason) in ``ResponseSet.rejects``, never coerced or dropped silently.
Respondents whose screening answers do not qualify are excluded and counted. Only file-level
problems (unreadable file, missing columns) raise :class:`ResponseValidationError`.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first respondent row 2.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import repeat
from pathlib import Path

import numpy as np
import pandas as pd

from survey.errors import Problem, ResponseValidationError
from survey.questionnaire import Question, Questionnaire

FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls",
           ".sav": "sav", ".parquet": "parquet"}
REJECT_COLUMNS = ["row", "column", "value", "reason", "code", "detail", "message"]
#: Why an answer was rejected, as a code (``code`` column; ``detail`` holds the scale range,
#: the allowed options or the expected range, so a report can word it in its language):
#: not_number, out_of_range, not_a_point (a scale's), not_option, not_whole_number, not_number_in
#: (a question's), not_date.
REJECT_CODES = ("not_number", "out_of_range", "not_a_point", "not_option", "not_whole_number",
                "not_number_in", "not_date")
#: Separators of multi-select answers: comma, semicolon, and Wenjuanxing's "┋".
_MULTI_SEP = r"[,;┋]"


@dataclass(frozen=True)
class IngestReport:
    """What happened to every row of the file."""

    source: str
    sha256: str
    format: str
    encoding: str | None
    n_rows: int
    n_accepted: int
    n_rejected: int
    n_screened_out: int
    dont_know: Mapping[str, float]
    blank: Mapping[str, float]


@dataclass(frozen=True)
class ResponseSet:
    """Validated responses: accepted respondents, rejected answers, screened-out rows."""

    questionnaire: Questionnaire
    data: pd.DataFrame
    rejects: pd.DataFrame
    screened_out: pd.DataFrame
    report: IngestReport

    def items(self, ids: Sequence[str]) -> pd.DataFrame:
        """Item columns (float, NaN for missing or don't know) of the accepted respondents."""
        return self.data[list(ids)]


@dataclass(frozen=True)
class RatedColumn:
    """A validated rated column in coded form: ``codes`` maps each row to one of the column's
    distinct cells, and for each cell ``values`` holds its number (NaN unless a scale point),
    ``dont_know`` and ``blank`` its flags."""

    codes: np.ndarray
    values: np.ndarray
    dont_know: np.ndarray
    blank: np.ndarray


@dataclass(frozen=True, eq=False)
class CodedResponses:
    """A validated file before its accepted rows are laid out as a frame
    (:func:`read_coded_responses`): the file as read (``frame``; a column read as codes holds
    a categorical placeholder there and its text in ``text_codes``), every rated column as a
    :class:`RatedColumn`, the spreadsheet row number of each row, which rows are accepted and
    which screened out, the rejects and the report."""

    questionnaire: Questionnaire
    frame: pd.DataFrame
    rated: Mapping[str, RatedColumn]
    text_codes: Mapping[str, tuple[np.ndarray, pd.Series]]
    rows: np.ndarray
    accepted: np.ndarray
    screened: np.ndarray
    rejects: pd.DataFrame
    report: IngestReport

    def accepted_frame(self) -> pd.DataFrame:
        """The accepted rows as the file has them, rated columns as floats (NaN for missing
        or don't know), indexed by row number: :attr:`ResponseSet.data`."""
        kept = np.flatnonzero(self.accepted)
        return _accepted_rows(self.frame, self.rated, kept,
                              pd.Index(self.rows[kept], name="row"))

    def screened_frame(self) -> pd.DataFrame:
        """The screened-out rows as the file has them (text), indexed by row number."""
        positions = np.flatnonzero(self.screened)
        frame = self.frame.iloc[positions]
        if self.text_codes:  # coded columns back to the text the file has
            frame = frame.assign(**{
                name: pd.Series(cells.array.take(codes[positions]), index=frame.index)
                for name, (codes, cells) in self.text_codes.items()})
        frame.index = pd.Index(self.rows[positions], name="row")
        return frame

    def response_set(self) -> ResponseSet:
        return ResponseSet(self.questionnaire, self.accepted_frame(), self.rejects,
                           self.screened_frame(), self.report)


def format_reject(source: str, row: int, column: str, value: object, reason: str) -> str:
    """``wave1.csv:118: column 'sa2': value '11' is outside the 1-10 scale. Recode it ...``"""
    return f"{source}:{row}: column '{column}': {reason}"


# --------------------------------------------------------------------------- reading


def read_responses(path: str | Path, questionnaire: Questionnaire, *,
                   items: Sequence[str] | None = None, sheet: str | int | None = None
                   ) -> ResponseSet:
    """Read and validate a response file. ``items`` are the item columns that must be present
    (default: every item of the questionnaire); the questionnaire's other items and its
    stated-importance ratings are checked on their scale when the file has them (a gauge or
    an expectation item outside the model is then a number, and a file accepts the same
    respondents whatever the model). ``sheet`` picks an Excel sheet."""
    return read_coded_responses(path, questionnaire, items=items, sheet=sheet).response_set()


def read_coded_responses(path: str | Path, questionnaire: Questionnaire, *,
                         items: Sequence[str] | None = None, sheet: str | int | None = None
                         ) -> CodedResponses:
    """:func:`read_responses` up to, not including, laying the accepted rows out as a frame:
    the same validation, rejects and report, with each rated column kept as codes into its
    distinct cells. The study store writes from this (a million respondents' 60 items are
    60 MB of codes here, 480 MB of floats in a frame)."""
    rated = {*(i.id for i in questionnaire.items), *(r.id for r in questionnaire.importance)}
    table, codes = _read(path, sheet=sheet, coded=frozenset(rated))
    return _check(table.frame, questionnaire, source=str(table.path), items=items,
                  fmt=table.format, encoding=table.encoding, sha256=table.sha256, codes=codes)


@dataclass(frozen=True)
class Table:
    """A file read as a table of cells (text for CSV), with what is needed to trace it."""

    path: Path
    frame: pd.DataFrame
    format: str
    encoding: str | None
    sha256: str


#: Columns read as codes: column -> (row -> code, the column's distinct cells as text).
Codes = dict[str, tuple[np.ndarray, pd.Series]]


def read_table(path: str | Path, *, sheet: str | int | None = None) -> Table:
    """Read a CSV (UTF-8, UTF-8 with BOM or GB18030, strictly), Excel, SPSS or Parquet file
    as it is, without any questionnaire: the reader of response files and sampling frames.
    Raises :class:`ResponseValidationError` naming the file when it cannot be read."""
    return _read(path, sheet=sheet)[0]


def _read(path: str | Path, *, sheet: str | int | None = None,
          coded: frozenset[str] = frozenset()) -> tuple[Table, Codes]:
    """:func:`read_table`; CSV columns named in ``coded`` (stripped names) may come back as
    codes instead, with a placeholder in the frame (validation reads only the codes)."""
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ResponseValidationError(Problem(str(path), f"Unknown file type '{path.suffix}'. "
                                              f"Expected one of {sorted(FORMATS)}."))
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ResponseValidationError(Problem(str(path), "File not found.")) from None
    except OSError as exc:
        raise ResponseValidationError(Problem(str(path), f"Cannot read the file ({exc.strerror}).")) from None
    if not raw:
        raise ResponseValidationError(Problem(str(path), "The file is empty (0 bytes)."))
    encoding, codes = None, {}
    if fmt == "csv":
        frame, encoding, codes = _read_csv(raw, path, coded)
    else:
        frame = _read_binary(raw, path, fmt, sheet)
    return Table(path, frame, fmt, encoding, hashlib.sha256(raw).hexdigest()), codes


def response_set_from_frame(frame: pd.DataFrame, questionnaire: Questionnaire, *,
                            source: str = "<frame>", items: Sequence[str] | None = None
                            ) -> ResponseSet:
    """Validate an in-memory frame exactly as a file would be (for simulations and notebooks)."""
    digest = hashlib.sha256(pd.util.hash_pandas_object(frame.astype(str), index=False)
                            .to_numpy().tobytes()).hexdigest()
    _check_columns(list(frame.columns), source)
    return _check(frame.copy(), questionnaire, source=source, items=items, fmt="frame",
                  encoding=None, sha256=digest).response_set()


def _read_csv(raw: bytes, path: Path, coded: frozenset[str] = frozenset()
              ) -> tuple[pd.DataFrame, str, Codes]:
    # Strict decoding: UTF-8 (with or without BOM), then GB18030 (a superset of GBK that also
    # holds rare characters such as 𠮷). latin-1 would never fail and would give mojibake.
    for encoding in ("utf-8-sig", "gb18030"):
        if _decodes(raw, encoding):
            if encoding == "utf-8-sig":
                encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
            break
    else:
        raise ResponseValidationError(Problem(str(path), "The file is neither UTF-8 nor GB18030 "
                                              "text. Save it as UTF-8 CSV and try again."))
    try:
        header = next(csv.reader(io.TextIOWrapper(io.BytesIO(raw), encoding=encoding,
                                                  newline="")), [])
        _check_columns(header, str(path))
        # The fast reader takes UTF-8 bytes: the file's own (without the BOM) or re-encoded.
        utf8 = (raw if encoding == "utf-8" else raw[3:] if encoding == "utf-8-sig"
                else raw.decode(encoding).encode("utf-8"))
        fast = _read_csv_arrow(utf8, header, coded)
        if fast is not None:
            return fast[0], encoding, fast[1]
        frame = pd.read_csv(io.StringIO(raw.decode(encoding)), dtype=str,
                            keep_default_na=False, na_filter=False, skipinitialspace=False)
    except ResponseValidationError:
        raise
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise ResponseValidationError(Problem(str(path), f"The file could not be read as CSV: "
                                              f"{exc}")) from exc
    return frame, encoding, {}


def _decodes(raw: bytes, encoding: str) -> bool:
    """Whether ``raw`` is valid ``encoding`` text, without holding the file twice (as bytes
    and as text) just to find out. UTF-8 (with or without BOM) is checked by pyarrow's
    validator, which accepts exactly what Python's strict decoder accepts (RFC 3629: no
    overlong forms, surrogates or code points past U+10FFFF; a test compares the two) and
    runs at memory speed; other encodings are decoded piece by piece."""
    if encoding in ("utf-8", "utf-8-sig"):
        import pyarrow as pa

        offsets = pa.py_buffer(np.array([0, len(raw)], dtype=np.int64))
        text = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(raw)])
        try:
            text.validate(full=True)
        except pa.ArrowInvalid:
            return False
        return True
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    step = 1 << 24
    try:
        for start in range(0, len(raw), step):
            decoder.decode(raw[start:start + step], final=False)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _read_csv_arrow(data: bytes, header: list[str], coded: frozenset[str]
                    ) -> tuple[pd.DataFrame, Codes] | None:
    """Read UTF-8 CSV bytes with pyarrow's multithreaded parser, every cell as text, or return
    None when that reading might differ from pandas' C parser (the reference reader above).

    On well-formed CSV the two tokenise alike (RFC 4180 quoting, doubled quotes, the lenient
    text after a closing quote, blank lines skipped, CR/LF/CRLF; tests/store/test_fast_ingest.py
    holds each case). Where they part, arrow either raises (a row with too many or too few
    fields, a whitespace-only line) and we fall back, or accepts what pandas refuses: a quote
    left open at the end of the file, caught below. A one-column file (pandas also skips its
    whitespace-only lines) and a header pandas would rename (empty or repeated names) fall back.

    Columns in ``coded`` are parsed straight into codes (a dictionary per column): validation
    works on a column's distinct cells, and an item of a million rows has a dozen. In the
    frame a categorical of the same codes keeps their place.
    """
    import pyarrow as pa
    from pyarrow import csv as pacsv

    if len(header) < 2 or "" in header or len(set(header)) < len(header):
        return None
    text = pa.large_string()  # what pandas' 'str' dtype wraps: no copy on the way
    code = pa.dictionary(pa.int32(), text)
    quoted = b'"' in data
    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            parse_options=pacsv.ParseOptions(newlines_in_values=quoted),
            convert_options=pacsv.ConvertOptions(
                column_types={h: code if h.strip() in coded else text for h in header},
                strings_can_be_null=False, quoted_strings_can_be_null=False))
    except pa.ArrowException:
        return None
    if table.column_names != header:
        return None
    if quoted and table.num_rows:
        # A quote still open at the end of the file: arrow takes the rest of the file as the
        # last field where pandas raises "EOF inside string". The file then ends with an
        # opening quote and that field (its quotes doubled).
        last = table.column(len(header) - 1)[-1]
        last = (last.value if isinstance(last, pa.DictionaryScalar) else last).as_py()
        if data.endswith(b'"' + last.encode("utf-8").replace(b'"', b'""')):
            return None
    as_str = pd.StringDtype("pyarrow", na_value=np.nan)
    codes: Codes = {}
    columns = {}
    for name, column in zip(header, table.columns, strict=True):
        if pa.types.is_dictionary(column.type):
            index, cells = _merge_chunk_codes(column, table.num_rows)
            cells = pd.Series(pd.array(cells, dtype=as_str))
            codes[name.strip()] = (index, cells)
            # a categorical of the same codes holds the column's place (1 byte a cell)
            columns[name] = pd.Categorical.from_codes(
                index, dtype=pd.CategoricalDtype(pd.Index(cells)), validate=False)
        else:
            columns[name] = pd.Series(pd.array(column, dtype=as_str), copy=False)
    frame = pd.DataFrame(columns, copy=False)
    frame.columns = pd.Index(header, dtype=as_str)
    return frame, codes


def _merge_chunk_codes(column, n: int) -> tuple[np.ndarray, object]:
    """One code array for a column parsed in chunks, each chunk with its own dictionary:
    codes into the column's distinct cells, in the smallest integer type that holds them (a
    10-point item: one byte a cell instead of Arrow's four)."""
    import pyarrow as pa

    merged = pa.Table.from_arrays([column], ["c"]).unify_dictionaries().column(0)
    if merged.num_chunks == 0:
        return np.zeros(n, dtype=np.int8), pa.array([], pa.large_string())
    merged = merged.combine_chunks()
    cells = merged.dictionary
    dtype = np.int8 if len(cells) < 2**7 else np.int16 if len(cells) < 2**15 else np.int32
    return merged.indices.to_numpy(zero_copy_only=False).astype(dtype), cells


def _read_binary(raw: bytes, path: Path, fmt: str, sheet: str | int | None) -> pd.DataFrame:
    try:
        if fmt in ("xlsx", "xls"):
            grid = pd.read_excel(io.BytesIO(raw), sheet_name=0 if sheet is None else sheet,
                                 header=None, dtype=object, engine="calamine")
            if grid.empty:
                raise ResponseValidationError(Problem(str(path), "The sheet has no rows."))
            header = [_cell_text(v) for v in grid.iloc[0]]
            _check_columns(header, str(path))
            frame = grid.iloc[1:].reset_index(drop=True)
            frame.columns = [h.strip() for h in header]
            return frame
        if fmt == "sav":
            import pyreadstat

            tmp = _spill(raw, path)
            try:
                # user_missing=True keeps declared missing codes (98/99) as the numbers they
                # are; the questionnaire's don't-know codes are then applied as for a CSV.
                frame, _meta = pyreadstat.read_sav(str(tmp), user_missing=True)
            finally:
                tmp.unlink(missing_ok=True)
            _check_columns(list(frame.columns), str(path))
            return frame
        if fmt == "parquet":
            frame = pd.read_parquet(io.BytesIO(raw))
            _check_columns(list(frame.columns), str(path))
            return frame
    except ResponseValidationError:
        raise
    except ImportError as exc:
        raise ResponseValidationError(Problem(str(path), f"Reading {fmt} files needs an optional "
                                              f"package: {exc}.")) from exc
    except Exception as exc:  # corrupt or mislabelled files raise many different types
        raise ResponseValidationError(Problem(
            str(path), f"The file could not be read as {fmt.upper()} (is it truncated, corrupt "
                       f"or of another type?): {type(exc).__name__}: {exc}")) from exc
    raise AssertionError(fmt)  # unreachable: FORMATS lists every format handled above


def _spill(raw: bytes, path: Path) -> Path:
    """pyreadstat reads from a path: copy the bytes already read (and hashed) to a temp file."""
    import tempfile

    fd, name = tempfile.mkstemp(suffix=path.suffix)
    with open(fd, "wb") as fh:
        fh.write(raw)
    return Path(name)


def _check_columns(header: Sequence[object], source: str) -> None:
    names = [str(h).strip() for h in header]
    dups = sorted({n for n in names if names.count(n) > 1})
    if dups:
        raise ResponseValidationError(Problem(source, f"Duplicate column names {dups}; every "
                                              "column must have its own name."))


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --------------------------------------------------------------------------- validation
#
# Every rule below is a function of one cell. Each column is therefore validated on its
# distinct cells (a 10-point item has a dozen, whatever the number of respondents) and the
# results are spread back to the rows through the column's codes: the same answers and the
# same messages as cell by cell, without a Python call per cell.

#: inferred kinds of object columns whose equal cells (in Python's ==) have equal text, so
#: they can be grouped: not booleans (True == 1) nor decimals (Decimal('1') == Decimal('1.0')).
_GROUPABLE = frozenset({"string", "integer", "floating", "mixed-integer-float", "empty"})


def _text(col: pd.Series) -> pd.Series:
    """Cells as stripped text: numbers without a trailing '.0', missing as ''."""
    if col.dtype == object or pd.api.types.is_string_dtype(col):
        return col.map(_cell_text).str.strip()
    return col.map(_cell_text)


def _factorize(col: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """A column as (row -> code, the distinct cells), or each cell its own code when equal
    cells could have different text (booleans, decimals, mixed objects)."""
    dtype = col.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        # pyarrow's hash encoding, straight on the column's buffers (no Python objects);
        # a missing cell is a code of its own, as in pandas' factorize(use_na_sentinel=False)
        import pyarrow as pa
        import pyarrow.compute as pc

        chunks = pa.array(col.array)  # the column's own buffers, chunked as it was read
        if isinstance(chunks, pa.Array):
            chunks = pa.chunked_array([chunks])
        encoded = pc.dictionary_encode(chunks, null_encoding="encode")
        encoded = pa.Table.from_arrays([encoded], ["c"]).unify_dictionaries().column(0)
        if encoded.num_chunks == 0:
            return np.zeros(0, dtype=np.intp), pd.Series([], dtype=dtype)
        combined = encoded.combine_chunks()
        cells = pd.Series(pd.array(combined.dictionary, dtype=dtype))
        return combined.indices.to_numpy(zero_copy_only=False), cells
    if (isinstance(dtype, pd.StringDtype)
            or (isinstance(dtype, np.dtype) and dtype.kind in "biuf")
            or (isinstance(dtype, np.dtype) and dtype.kind == "O"
                and pd.api.types.infer_dtype(col, skipna=False) in _GROUPABLE)):
        index, cells = pd.factorize(col, use_na_sentinel=False)
        return index, pd.Series(cells, dtype=dtype)
    return np.arange(len(col)), col.reset_index(drop=True)


def _flag(problems: list[tuple], bad: np.ndarray, index: np.ndarray, rows: np.ndarray,
          column: str, text: pd.Series, reason: Callable[[str], str], code: str,
          detail: str) -> None:
    """Add a problem for every row whose cell's code is ``bad``, in row order: row, column,
    value, the English reason, its code (:data:`REJECT_CODES`) and detail."""
    if not bad.any():
        return
    hits = np.flatnonzero(bad[index])
    cells = text.to_numpy(dtype=object)
    reasons = np.empty(len(cells), dtype=object)
    for k in np.flatnonzero(bad):
        reasons[k] = reason(cells[k])
    codes = index[hits]
    problems.extend(zip(rows[hits].tolist(), repeat(column), cells[codes], reasons[codes],
                        repeat(code), repeat(detail), strict=False))


def _check(frame: pd.DataFrame, q: Questionnaire, *, source: str,
           items: Sequence[str] | None, fmt: str, encoding: str | None,
           sha256: str, codes: Codes | None = None) -> CodedResponses:
    """Validate a file's cells (``codes``: columns the reader already coded) against the
    questionnaire: every problem as a reject, screening, counts and shares."""
    codes = codes or {}
    frame.columns = [str(c).strip() for c in frame.columns]
    items = list(items) if items is not None else [i.id for i in q.items]
    required = [s.id for s in q.screening] + items
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ResponseValidationError(Problem(
            source, f"Required column{'s' if len(missing) > 1 else ''} "
                    f"{', '.join(repr(c) for c in missing)} "
                    f"{'are' if len(missing) > 1 else 'is'} missing. Expected the questionnaire's "
                    f"item and screening ids as column names; got {len(frame.columns)} columns."))
    rows = np.arange(2, len(frame) + 2)
    problems: list[tuple] = []
    rated_codes: dict[str, RatedColumn] = {}
    # The questionnaire's other items and its stated-importance ratings are optional columns,
    # validated on their scale like the required items: the analyses read some of them (the
    # gauges, the expectation pairs), which must not see 99 as a rating or '' as text.
    optional = [i.id for i in q.items] + [r.id for r in q.importance]
    rated = items + [c for c in dict.fromkeys(optional)
                     if c in frame.columns and c not in items]
    coded = {c: codes[c] if c in codes else _factorize(frame[c]) for c in rated}
    for item_id in rated:
        scale = q.scale_of(item_id)
        index, cells = coded[item_id]
        text = _text(cells)
        num = pd.to_numeric(text.where(text != ""), errors="coerce")
        is_blank = (text == "").to_numpy()
        not_number = ~is_blank & num.isna().to_numpy()
        is_dk = num.isin(scale.dont_know).to_numpy()
        in_range = num.between(scale.min, scale.max).to_numpy()
        point = in_range & ((num % 1 == 0).to_numpy() if scale.integer else True)
        lo, hi = _fmt(scale.min), _fmt(scale.max)
        for mask, reason, code in (
            (not_number, "value {v!r} is not a number.", "not_number"),
            (~is_blank & ~not_number & ~is_dk & ~in_range,
             f"value {{v!r}} is outside the {lo}-{hi} scale. Recode it or declare it a missing code.",
             "out_of_range"),
            (in_range & ~point, f"value {{v!r}} is not a point of the {lo}-{hi} scale (whole "
                                "numbers only; declare the scale 'continuous: true' if answers "
                                "may lie between its points).", "not_a_point"),
        ):
            _flag(problems, mask, index, rows, item_id, text, partial(_format_reason, reason),
                  code, f"{lo}-{hi}")
        values = num.where(point).astype(float).to_numpy()
        rated_codes[item_id] = RatedColumn(index, values, is_dk, is_blank)
    qualifies = np.ones(len(frame), dtype=bool)
    for question in q.screening:
        index, ok, bad = _check_question(question, frame[question.id], rows, problems)
        if question.qualify:
            allowed = {_fmt(c) for c in question.qualify}
            qualifies &= ok.isin(allowed).to_numpy()[index] & ~bad
    for question in (*q.demographics, *q.questions):
        if question.id in frame.columns:
            _check_question(question, frame[question.id], rows, problems)
    rejects = pd.DataFrame(problems, columns=REJECT_COLUMNS[:-1])
    rejects["message"] = [format_reject(source, p[0], p[1], p[2], p[3]) for p in problems]
    rejects = rejects.sort_values(["row", "column"], kind="stable").reset_index(drop=True)
    rejected = np.isin(rows, rejects["row"].to_numpy())
    screened = ~rejected & ~qualifies
    accepted = ~rejected & qualifies
    kept = np.flatnonzero(accepted)
    n_acc = len(kept)
    # Shares among accepted respondents; counting per code is exact (integer counts / n).
    per_code = {i: np.bincount(c.codes[kept], minlength=len(c.values))
                for i, c in rated_codes.items()}
    report = IngestReport(
        source=source, sha256=sha256, format=fmt, encoding=encoding, n_rows=len(frame),
        n_accepted=n_acc, n_rejected=int(rejected.sum()), n_screened_out=int(screened.sum()),
        dont_know={i: float(per_code[i] @ rated_codes[i].dont_know) / n_acc if n_acc else 0.0
                   for i in rated},
        blank={i: float(per_code[i] @ rated_codes[i].blank) / n_acc if n_acc else 0.0
               for i in rated},
    )
    return CodedResponses(q, frame, rated_codes, codes, rows, accepted, screened, rejects,
                          report)


def _accepted_rows(frame: pd.DataFrame, rated: Mapping[str, RatedColumn], kept: np.ndarray,
                   at: pd.Index) -> pd.DataFrame:
    """The rows ``kept`` as the file has them, rated columns as numbers, in the file's column
    order. The numbers are written once into one float block that the frame adopts, and the
    other columns slotted in around it (pandas would otherwise copy it twice: 480 MB for a
    million respondents and 60 items)."""
    numeric = [c for c in frame.columns if c in rated]
    block = np.empty((len(numeric), len(kept)))
    for j, name in enumerate(numeric):
        codes = rated[name].codes
        # mode='clip': the codes are valid, and mode='raise' would buffer the output
        np.take(rated[name].values, codes if len(kept) == len(codes) else codes[kept],
                out=block[j], mode="clip")
    others = [(k, c) for k, c in enumerate(frame.columns) if c not in rated]
    taken = {c: pd.Series(frame[c].array.take(kept), index=at, dtype=frame[c].dtype, copy=False)
             for _, c in others}
    if len(others) > 50:  # one block per text column: past ~100 blocks pandas warns, so copy
        data = pd.DataFrame({c: taken[c] if c in taken else
                             pd.Series(block[numeric.index(c)], index=at, copy=False)
                             for c in frame.columns}, index=at)
    else:
        data = pd.DataFrame(block.T, index=at, columns=numeric, copy=False)
        for k, c in others:  # ascending positions: each lands where the file has it
            data.insert(k, c, taken[c])
    data.columns = frame.columns
    return data


def _format_reason(template: str, value: str) -> str:
    return template.format(v=value)


def _check_question(question: Question, col: pd.Series, rows: np.ndarray,
                    problems: list[tuple]
                    ) -> tuple[np.ndarray, pd.Series, np.ndarray]:
    """Validate a screening or profile answer. Returns the row -> code map, the canonical text
    of each code and the rows whose answer is bad."""
    index, cells = _factorize(col)
    text = _text(cells)
    filled = (text != "").to_numpy()
    bad = np.zeros(len(text), dtype=bool)
    canonical = text
    if question.type in ("single", "multiple"):
        codes = {_fmt(c) for c, _ in question.options}
        num = pd.to_numeric(text.where(text != ""), errors="coerce")
        canonical = num.map(_fmt).where(num.notna(), text)
        if question.type == "single":
            bad = filled & ~canonical.isin(codes).to_numpy()
        else:
            parts = text.str.split(_MULTI_SEP, regex=True)
            bad = filled & ~parts.map(
                lambda ps: all(_fmt_text(p) in codes for p in ps)).to_numpy()
        detail = ", ".join(sorted(codes, key=_sort_key))
        expected, code = f"one of the options {detail}", "not_option"
    elif question.type in ("integer", "number"):
        num = pd.to_numeric(text.where(text != ""), errors="coerce")
        lo = -np.inf if question.min is None else question.min
        hi = np.inf if question.max is None else question.max
        ok = num.between(lo, hi)
        if question.type == "integer":
            ok &= num % 1 == 0
        bad = filled & ~ok.to_numpy()
        rng = (f" between {_fmt(question.min)} and {_fmt(question.max)}"
               if question.min is not None and question.max is not None else "")
        expected = f"{'a whole number' if question.type == 'integer' else 'a number'}{rng}"
        code = "not_whole_number" if question.type == "integer" else "not_number_in"
        detail = (f"{_fmt(question.min)}-{_fmt(question.max)}" if rng else "")
    elif question.type == "date":
        parsed = pd.to_datetime(text.where(text != ""), errors="coerce", format="mixed")
        bad = filled & parsed.isna().to_numpy()
        expected, code, detail = "a date such as 2026-09-30", "not_date", ""
    else:
        return index, canonical, bad[index]
    _flag(problems, bad, index, rows, question.id, text,
          partial(_format_reason, f"value {{v!r}} is not {expected}."), code, detail)
    return index, canonical, bad[index]


def _fmt(x: object) -> str:
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def _fmt_text(s: str) -> str:
    s = s.strip()
    try:
        return _fmt(float(s))
    except ValueError:
        return s


def _sort_key(code: str):
    try:
        return (0, float(code), code)
    except ValueError:
        return (1, 0.0, code)
