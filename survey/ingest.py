"""Response ingestion: read a survey file, validate every answer against the questionnaire.

Formats: CSV (UTF-8, UTF-8 with BOM or GB18030, detected strictly, never latin-1), Excel
(.xlsx/.xls through python-calamine), SPSS .sav (pyreadstat, user-missing codes kept as numbers
so the questionnaire's don't-know codes apply exactly as for CSV) and Parquet.

Rules: a don't-know code becomes missing; an empty cell is missing; a value that is not a number,
lies outside the scale or is not a scale point rejects the whole row, and every such problem is
kept (row, column, value, reason) in ``ResponseSet.rejects``, never coerced or dropped silently.
Respondents whose screening answers do not qualify are excluded and counted. Only file-level
problems (unreadable file, missing columns) raise :class:`ResponseValidationError`.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first respondent row 2.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from survey.errors import Problem, ResponseValidationError
from survey.questionnaire import Question, Questionnaire

FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls",
           ".sav": "sav", ".parquet": "parquet"}
REJECT_COLUMNS = ["row", "column", "value", "reason", "message"]
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


def format_reject(source: str, row: int, column: str, value: object, reason: str) -> str:
    """``wave1.csv:118: column 'sa2': value '11' is outside the 1-10 scale. Recode it ...``"""
    return f"{source}:{row}: column '{column}': {reason}"


# --------------------------------------------------------------------------- reading


def read_responses(path: str | Path, questionnaire: Questionnaire, *,
                   items: Sequence[str] | None = None, sheet: str | int | None = None
                   ) -> ResponseSet:
    """Read and validate a response file. ``items`` are the item columns that must be present
    (default: every item of the questionnaire); ``sheet`` picks an Excel sheet."""
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
    encoding = None
    if fmt == "csv":
        frame, encoding = _read_csv(raw, path)
    else:
        frame = _read_binary(raw, path, fmt, sheet)
    return _validate(frame, questionnaire, source=str(path), items=items, fmt=fmt,
                     encoding=encoding, sha256=hashlib.sha256(raw).hexdigest())


def response_set_from_frame(frame: pd.DataFrame, questionnaire: Questionnaire, *,
                            source: str = "<frame>", items: Sequence[str] | None = None
                            ) -> ResponseSet:
    """Validate an in-memory frame exactly as a file would be (for simulations and notebooks)."""
    digest = hashlib.sha256(pd.util.hash_pandas_object(frame.astype(str), index=False)
                            .to_numpy().tobytes()).hexdigest()
    _check_columns(list(frame.columns), source)
    return _validate(frame.copy(), questionnaire, source=source, items=items, fmt="frame",
                     encoding=None, sha256=digest)


def _read_csv(raw: bytes, path: Path) -> tuple[pd.DataFrame, str]:
    # Strict decoding: UTF-8 (with or without BOM), then GB18030 (a superset of GBK that also
    # holds rare characters such as 𠮷). latin-1 would never fail and would give mojibake.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig":
            encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
        break
    else:
        raise ResponseValidationError(Problem(str(path), "The file is neither UTF-8 nor GB18030 "
                                              "text. Save it as UTF-8 CSV and try again."))
    try:
        header = next(csv.reader(io.StringIO(text)), [])
        _check_columns(header, str(path))
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False,
                            skipinitialspace=False)
    except ResponseValidationError:
        raise
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise ResponseValidationError(Problem(str(path), f"The file could not be read as CSV: "
                                              f"{exc}")) from exc
    return frame, encoding


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


def _text(col: pd.Series) -> pd.Series:
    """Cells as stripped text: numbers without a trailing '.0', missing as ''."""
    if col.dtype == object or pd.api.types.is_string_dtype(col):
        return col.map(_cell_text).str.strip()
    return col.map(_cell_text)


def _validate(frame: pd.DataFrame, q: Questionnaire, *, source: str,
              items: Sequence[str] | None, fmt: str, encoding: str | None,
              sha256: str) -> ResponseSet:
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
    problems: list[tuple[int, str, str, str]] = []
    values: dict[str, pd.Series] = {}
    dont_know: dict[str, np.ndarray] = {}
    blank: dict[str, np.ndarray] = {}
    for item_id in items:
        scale = q.scale_of(item_id)
        text = _text(frame[item_id])
        num = pd.to_numeric(text.where(text != ""), errors="coerce")
        is_blank = (text == "").to_numpy()
        not_number = ~is_blank & num.isna().to_numpy()
        is_dk = num.isin(scale.dont_know).to_numpy()
        in_range = num.between(scale.min, scale.max).to_numpy()
        point = in_range & ((num % 1 == 0).to_numpy() if scale.integer else True)
        lo, hi = _fmt(scale.min), _fmt(scale.max)
        for mask, reason in (
            (not_number, "value {v!r} is not a number."),
            (~is_blank & ~not_number & ~is_dk & ~in_range,
             f"value {{v!r}} is outside the {lo}-{hi} scale. Recode it or declare it a missing code."),
            (in_range & ~point, f"value {{v!r}} is not a point of the {lo}-{hi} scale (whole numbers only)."),
        ):
            for k in np.flatnonzero(mask):
                problems.append((int(rows[k]), item_id, text.iat[k], reason.format(v=text.iat[k])))
        values[item_id] = num.where(point).astype(float)
        dont_know[item_id] = is_dk
        blank[item_id] = is_blank
    qualifies = np.ones(len(frame), dtype=bool)
    for question in q.screening:
        ok, bad = _check_question(question, frame[question.id], rows, problems)
        if question.qualify:
            codes = {_fmt(c) for c in question.qualify}
            qualifies &= ok.isin(codes).to_numpy() & ~bad
    for question in q.demographics:
        if question.id in frame.columns:
            _check_question(question, frame[question.id], rows, problems)
    rejects = pd.DataFrame(problems, columns=["row", "column", "value", "reason"])
    rejects["message"] = [format_reject(source, r, c, v, m) for r, c, v, m in problems]
    rejects = rejects.sort_values(["row", "column"], kind="stable").reset_index(drop=True)
    rejected = np.isin(rows, rejects["row"].to_numpy())
    screened = ~rejected & ~qualifies
    accepted = ~rejected & qualifies
    data = frame.copy()
    for item_id, col in values.items():
        data[item_id] = col
    data.index = pd.Index(rows, name="row")
    screened_out = frame.copy()
    screened_out.index = pd.Index(rows, name="row")
    n_acc = int(accepted.sum())
    report = IngestReport(
        source=source, sha256=sha256, format=fmt, encoding=encoding, n_rows=len(frame),
        n_accepted=n_acc, n_rejected=int(rejected.sum()), n_screened_out=int(screened.sum()),
        dont_know={i: float(dont_know[i][accepted].mean()) if n_acc else 0.0 for i in items},
        blank={i: float(blank[i][accepted].mean()) if n_acc else 0.0 for i in items},
    )
    return ResponseSet(q, data[accepted], rejects, screened_out[screened], report)


def _check_question(question: Question, col: pd.Series, rows: np.ndarray,
                    problems: list[tuple[int, str, str, str]]) -> tuple[pd.Series, np.ndarray]:
    """Validate a screening or profile answer; returns the canonical text and the bad mask."""
    text = _text(col)
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
        expected = f"one of the options {', '.join(sorted(codes, key=_sort_key))}"
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
    elif question.type == "date":
        parsed = pd.to_datetime(text.where(text != ""), errors="coerce", format="mixed")
        bad = filled & parsed.isna().to_numpy()
        expected = "a date such as 2026-09-30"
    else:
        return canonical, bad
    for k in np.flatnonzero(bad):
        problems.append((int(rows[k]), question.id, text.iat[k],
                         f"value {text.iat[k]!r} is not {expected}."))
    return canonical, bad


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
