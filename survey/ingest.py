"""Response ingestion: read a survey file, validate every answer against the questionnaire.

Formats: CSV, Excel (.xlsx/.xls through python-calamine), SPSS .sav (pyreadstat, user-missing
codes kept as numbers so the questionnaire's don't-know codes apply exactly as for CSV, and
every value the file declares user-missing taken as don't know) and Parquet. A CSV is read as
UTF-8 (with or without BOM), else as GB18030 when the text reads as Chinese, else refused
naming the line and byte (never latin-1, which never fails and gives mojibake); ``encoding``
names the encoding of a file whose user knows it.

Rules: wholly empty rows (Excel's formatted empty rows) are skipped and counted apart. The
screening questions come first, in order: a respondent is screened out by a valid answer that
does not qualify, and nothing asked after it is validated (a platform fills unasked questions
with codes such as -3). For everyone else, a don't-know code, an empty cell and R's ``NA``
in a numeric column are missing; a value that is not a number, lies outside the scale or is
not a scale point rejects the whole row (a continuous scale has no points: any number between
its ends is an answer). A row is rejected too when the file ends inside it (a truncated
download), when it repeats an earlier row, or repeats an earlier respondent id with other
answers. Every such problem is kept (row, column, value, reason, code) in
``ResponseSet.rejects``, never coerced or dropped silently. Only file-level problems
(unreadable file, missing columns) raise :class:`ResponseValidationError`.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first respondent row 2.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from itertools import islice, repeat
from pathlib import Path

import numpy as np
import pandas as pd

from survey.errors import Problem, ResponseValidationError
from survey.importers import CHOICES, ColumnUse
from survey.questionnaire import Question, Questionnaire

FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls",
           ".sav": "sav", ".parquet": "parquet"}
REJECT_COLUMNS = ["row", "column", "value", "reason", "code", "detail", "message"]
#: Why an answer or a row was rejected, as a code (``code`` column; ``detail`` holds the scale
#: range, the allowed options, the expected range or the row referred to, so a report can word
#: it in its language): not_number, out_of_range, not_a_point (a scale's), not_option,
#: not_whole_number, not_number_in (a question's), not_date; and for a whole row: truncated
#: (the file ends inside it; detail: fields found/expected), duplicate (the same cells as the
#: row in detail), duplicate_id (the respondent id of the row in detail, other answers),
#: screening_missing (a blank screening answer and no item answered).
REJECT_CODES = ("not_number", "out_of_range", "not_a_point", "not_option", "not_whole_number",
                "not_number_in", "not_date", "truncated", "duplicate", "duplicate_id",
                "screening_missing")
#: Separators of multi-select answers: comma, semicolon, and Wenjuanxing's "┋".
_MULTI_SEP = r"[,;┋]"
#: The file column taken as the respondent id when the questionnaire declares none.
RESPONDENT_ID = "respondent_id"
#: R's write.csv marks a missing value with the bare text NA: missing in a numeric column.
_R_NA = "NA"


@dataclass(frozen=True)
class IngestReport:
    """What happened to every row of the file. ``n_rows`` counts the respondent rows (accepted,
    rejected or screened out); ``empty_rows`` the wholly empty rows skipped besides them.
    ``screening_blank``: accepted respondents who left a screening question blank, by
    question; ``notes``: such facts in a sentence each, for people."""

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
    empty_rows: int = 0
    screening_blank: Mapping[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    #: The platform the file was read as (``native``, ``wenjuanxing``, ``qualtrics``, ...),
    #: what was done with each of its columns (:class:`survey.importers.ColumnUse`: the id it
    #: was read as and by which rule, or why it was ignored), the questionnaire's ids that no
    #: column holds, and the answer codes recoded: column -> reason (skipped, not_applicable,
    #: dont_know, or "recoded to X") -> how many cells.
    platform: str = "native"
    columns: tuple[ColumnUse, ...] = ()
    missing_columns: tuple[str, ...] = ()
    recoded: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


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
    which screened out, the rejects and the report. ``last_fields``: how many fields the last
    row of a CSV has (None for other formats), for the study store's check of a cut file."""

    questionnaire: Questionnaire
    frame: pd.DataFrame
    rated: Mapping[str, RatedColumn]
    text_codes: Mapping[str, tuple[np.ndarray, pd.Series]]
    rows: np.ndarray
    accepted: np.ndarray
    screened: np.ndarray
    rejects: pd.DataFrame
    report: IngestReport
    last_fields: int | None = None

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


def columns_summary(report: IngestReport) -> list[str]:
    """Sentences for the console on how the file's columns were read, when anything but
    plain native ids was involved (a platform export, a ``source:``, a header key, recoded
    codes): how many columns were used (by rule), ignored (by reason), the ids without a
    column, the recoded cells by reason. Empty for a native file read by its ids."""
    plain = {"id", "respondent id", "not in the questionnaire"}
    if (report.platform == "native" and not report.recoded
            and all(c.rule in plain for c in report.columns)):
        return []

    def counted(rules: Sequence[str]) -> str:
        tally: dict[str, int] = {}
        for rule in rules:
            tally[rule] = tally.get(rule, 0) + 1
        return ", ".join(f"{n} {rule}" for rule, n in tally.items())

    used = [c.rule for c in report.columns if c.target is not None]
    ignored = [c.rule for c in report.columns if c.target is None]
    out = [f"Columns ({report.platform}): {len(used)} used ({counted(used)})"
           + (f", {len(ignored)} ignored ({counted(ignored)})" if ignored else "")
           + (f"; no column for {', '.join(report.missing_columns)}"
              if report.missing_columns else "") + "."]
    reasons: dict[str, int] = {}
    for by_reason in report.recoded.values():
        for reason, n in by_reason.items():
            reasons[reason] = reasons.get(reason, 0) + n
    if reasons:
        out.append("Answer codes recoded as missing or to another code: "
                   + ", ".join(f"{n} {reason.replace('_', ' ')}"
                               for reason, n in reasons.items()) + ".")
    return out


def format_reject(source: str, row: int, column: str, value: object, reason: str) -> str:
    """``wave1.csv:118: column 'sa2': value '11' is outside the 1-10 scale. Recode it ...``;
    a reason about the whole row (no column) follows the row: ``wave1.csv:40: ...``."""
    if not column:
        return f"{source}:{row}: {reason[:1].upper()}{reason[1:]}"
    return f"{source}:{row}: column '{column}': {reason}"


# --------------------------------------------------------------------------- reading


def read_responses(path: str | Path, questionnaire: Questionnaire, *,
                   items: Sequence[str] | None = None, sheet: str | int | None = None,
                   encoding: str | None = None, platform: str = "auto") -> ResponseSet:
    """Read and validate a response file. ``items`` are the item columns that must be present
    (default: every item of the questionnaire); the questionnaire's other items and its
    stated-importance ratings are checked on their scale when the file has them (a gauge or
    an expectation item outside the model is then a number, and a file accepts the same
    respondents whatever the model). ``sheet`` picks an Excel sheet; ``encoding`` is the
    encoding of a CSV (cp1252, gb18030, utf-16, ...; default: told from the file, see
    :func:`read_table`) or of an old SPSS file without one. ``platform``: the survey platform
    whose export the file is (:data:`survey.importers.CHOICES`; ``auto`` tells it from the
    file's columns, ``native`` reads it as the questionnaire's own layout), see
    :mod:`survey.importers`."""
    return read_coded_responses(path, questionnaire, items=items, sheet=sheet,
                                encoding=encoding, platform=platform).response_set()


def read_coded_responses(path: str | Path, questionnaire: Questionnaire, *,
                         items: Sequence[str] | None = None, sheet: str | int | None = None,
                         encoding: str | None = None, platform: str = "auto"
                         ) -> CodedResponses:
    """:func:`read_responses` up to, not including, laying the accepted rows out as a frame:
    the same validation, rejects and report, with each rated column kept as codes into its
    distinct cells. The study store writes from this (a million respondents' 60 items are
    60 MB of codes here, 480 MB of floats in a frame)."""
    if platform not in CHOICES:
        raise ResponseValidationError(Problem(str(path), f"Unknown platform {platform!r}. "
                                              f"Expected one of {list(CHOICES)}."))
    rated = {*(i.id for i in questionnaire.items), *(r.id for r in questionnaire.importance)}
    table, codes = _read(path, sheet=sheet, coded=frozenset(rated), encoding=encoding)
    p = _adapt(table, codes, questionnaire, items, platform)
    return _check(p.frame, questionnaire, source=str(table.path), items=items,
                  fmt=table.format, encoding=table.encoding, sha256=table.sha256,
                  codes=p.codes, declared_missing=p.declared, last_fields=p.last_fields,
                  final_newline=table.final_newline, rows=p.rows,
                  read_notes=(*table.notes, *p.notes), platform=p.platform, columns=p.columns,
                  recoded=p.recoded)


@dataclass(frozen=True)
class _Prepared:
    """A file in the native layout, ready for :func:`_check` (see :func:`_adapt`)."""

    frame: pd.DataFrame
    codes: Codes
    rows: np.ndarray
    declared: Mapping[str, tuple[tuple[object, object], ...]]
    last_fields: int | None
    platform: str
    columns: tuple[ColumnUse, ...]
    recoded: Mapping[str, Mapping[str, int]]
    notes: tuple[str, ...]


#: A decimal comma: "7,5" in a file whose fields are separated otherwise (European Excel).
_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+,\d+\s*$")


def _adapt(table: Table, codes: Codes, q: Questionnaire, items: Sequence[str] | None,
           platform: str) -> _Prepared:
    """The file in the native layout: a platform's export through its importer (detected
    when ``platform`` is ``auto``), a native file's columns matched by id, ``source:`` or
    header key (:mod:`survey.importers.matching`); then the answer codes recoded (each cell
    counted by reason) and decimal commas read as points in numeric columns of a file
    separated by semicolons or tabs."""
    from survey import importers
    from survey.importers import matching

    source = str(table.path)
    _check_platform_names(q)
    frame = table.frame
    frame.columns = [str(c).strip() for c in frame.columns]
    name = platform if platform != "auto" else (importers.detect_platform(frame) or "native")
    required = [s.id for s in q.screening] + (list(items) if items is not None
                                              else [i.id for i in q.items])
    header_row = table.first_row - 1
    notes: tuple[str, ...] = ()
    last_fields = table.last_fields
    if name == "native":
        headers = [matching.Header(c, k + 1, (c,)) for k, c in enumerate(frame.columns)]
        mapping, uses = matching.match(headers, q, "native", source, header_row=header_row)
        if any(c != t for c, t in mapping.items()):  # a source: or a key renames a column
            kept = {u.column for u in uses if u.rule != "replaced by source"}
            frame, uses = matching.renamed(frame, mapping, uses)
            codes = {mapping.get(c, c): v for c, v in codes.items() if c in kept}
        rows = np.arange(table.first_row, table.first_row + len(frame))
        recodes = matching.platform_codes(q, "native", {}, [u.target for u in uses if u.target])
        uses = tuple(uses)
    else:
        if table.last_fields is not None and not table.final_newline and len(frame) \
                and table.last_fields < len(frame.columns):
            raise ResponseValidationError(Problem(
                f"{source}:{table.first_row + len(frame) - 1}",
                f"The file ends inside its last row ({table.last_fields} of "
                f"{len(frame.columns)} fields, no line break after it): it looks truncated "
                "(an interrupted download or copy?). Get the complete export."))
        if codes:  # an importer reads plain cells: the coded columns back to their text
            frame = frame.assign(**{c: frame[c].astype(object) for c in codes})
            codes = {}
        adapted = importers.importers()[name].adapt(frame, q, source)
        frame = adapted.frame
        rows = np.asarray(adapted.rows, dtype=np.int64) + (table.first_row - 2)
        uses, recodes, notes = adapted.columns, adapted.recoded, adapted.notes
        last_fields = None
    present = set(frame.columns)
    problems = matching.unmatched_sources(q, name, present, required, source, header_row)
    if problems:
        raise ResponseValidationError(problems)
    targets = {u.column: u.target for u in uses if u.target}
    declared = {targets.get(c, c): v for c, v in table.declared_missing.items()}
    counts: dict[str, dict[str, int]] = {}
    for column, rules in recodes.items():
        if column in present:
            done = _recode(frame, codes, column, rules, q)
            if done:
                counts[column] = done
    if table.delimiter != ",":
        numeric = [c for c in frame.columns
                   if c in {*(i.id for i in q.items), *(r.id for r in q.importance)}
                   or (c in {x.id for x in (*q.screening, *q.demographics, *q.questions)
                             if x.type in ("integer", "number")})]
        changed = 0
        for column in numeric:
            text = _text(frame[column])
            comma = text.str.match(_DECIMAL_COMMA).to_numpy()
            if comma.any():
                frame[column] = text.where(~comma, text.str.replace(",", ".", regex=False))
                changed += int(comma.sum())
        if changed:
            notes = (*notes, f"{changed} number{'s' if changed > 1 else ''} written with a "
                             "decimal comma (European Excel) read with a decimal point.")
    return _Prepared(frame, codes, rows, declared, last_fields, name, tuple(uses), counts,
                     notes)


def _check_platform_names(q: Questionnaire) -> None:
    """The platforms a questionnaire's ``source:`` and ``recode:`` name must be ones ingestion
    knows (:data:`survey.importers.CHOICES`): a misspelt one would never apply, silently.
    Checked here, not when the questionnaire loads: the questionnaire knows no importer."""
    from survey.errors import QuestionnaireError

    known = [c for c in CHOICES if c != "auto"]
    named = {s.platform for sources in q.sources.values() for s in sources}
    named |= {r.platform for r in q.recode}
    unknown = sorted(p for p in named if p is not None and p not in known)
    if unknown:
        where = str(q.source) if q.source is not None else q.id
        raise QuestionnaireError(Problem(where, f"source: or recode: names the platform"
                                                f"{'s' if len(unknown) > 1 else ''} "
                                                f"{', '.join(repr(p) for p in unknown)}. "
                                                f"Expected one of {known}."))


def _recode(frame: pd.DataFrame, codes: Codes, column: str, rules: Mapping[str, object],
            q: Questionnaire) -> dict[str, int]:
    """Recode ``column``'s cells equal to a code of ``rules`` (code text -> reason or code),
    in place (in ``codes`` for a coded column), and count them by reason. A reason is a
    missing answer: blank, or for ``dont_know`` on a scale with don't-know codes its first
    one (counted as don't know, as the native file's code would be)."""
    try:
        dont_know = q.scale_of(column).dont_know
    except KeyError:
        dont_know = ()
    coded = column in codes
    index, cells = codes[column] if coded else (None, frame[column])
    text = _text(cells)
    out = text.copy()
    counts: dict[str, int] = {}
    for code, to in rules.items():
        hit = (text == code).to_numpy()
        if not hit.any():
            continue
        if to == "dont_know" and dont_know:
            value, reason = _fmt(dont_know[0]), "dont_know"
        elif isinstance(to, str):
            value, reason = "", to
        else:
            value = _fmt(to)
            reason = f"recoded to {value}"
        out[hit] = value
        n = int(np.isin(index, np.flatnonzero(hit)).sum()) if coded else int(hit.sum())
        counts[reason] = counts.get(reason, 0) + n
    if counts:
        if coded:
            codes[column] = (index, pd.Series(out.to_numpy(dtype=object), dtype=cells.dtype))
        else:
            frame[column] = out.to_numpy(dtype=object)
    return counts


@dataclass(frozen=True)
class Table:
    """A file read as a table of cells (text for CSV), with what is needed to trace it.
    ``declared_missing``: the values a column declares missing (an SPSS file's user-missing
    values and ranges), as (low, high) ranges; ``last_fields`` and ``final_newline``: how many
    fields a CSV's last row has and whether a line break ends the file (a cut download ends
    inside a row)."""

    path: Path
    frame: pd.DataFrame
    format: str
    encoding: str | None
    sha256: str
    declared_missing: Mapping[str, tuple[tuple[object, object], ...]] = field(
        default_factory=dict)
    last_fields: int | None = None
    final_newline: bool = True
    #: The file's row number of the first row of ``frame`` (2 unless title rows stand above
    #: the header); ``delimiter``: a CSV's field separator; ``notes``: what the reader did
    #: to lay the file out (a title row skipped, trailing empty columns dropped, ...).
    first_row: int = 2
    delimiter: str = ","
    notes: tuple[str, ...] = ()


#: Columns read as codes: column -> (row -> code, the column's distinct cells as text).
Codes = dict[str, tuple[np.ndarray, pd.Series]]


def read_table(path: str | Path, *, sheet: str | int | None = None,
               encoding: str | None = None) -> Table:
    """Read a CSV, Excel, SPSS or Parquet file as it is, without any questionnaire: the
    reader of response files and sampling frames. A CSV is read in ``encoding`` when given,
    else as UTF-8 (with or without BOM), else as GB18030 when its text reads as Chinese; any
    other file is refused naming the first line and byte that are not UTF-8.
    Raises :class:`ResponseValidationError` naming the file when it cannot be read."""
    return _read(path, sheet=sheet, encoding=encoding)[0]


def _read(path: str | Path, *, sheet: str | int | None = None,
          coded: frozenset[str] = frozenset(), encoding: str | None = None
          ) -> tuple[Table, Codes]:
    """:func:`read_table`; CSV columns named in ``coded`` (stripped names) may come back as
    codes instead, with a placeholder in the frame (validation reads only the codes)."""
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ResponseValidationError(Problem(str(path), f"Unknown file type '{path.suffix}'. "
                                              f"Expected one of {sorted(FORMATS)}."))
    if encoding is not None and fmt not in ("csv", "sav"):
        raise ResponseValidationError(Problem(str(path), f"An encoding ('{encoding}') applies "
                                              f"to CSV and SPSS files; a {fmt.upper()} file "
                                              "records its own. Leave the encoding out."))
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ResponseValidationError(Problem(str(path), "File not found.")) from None
    except OSError as exc:
        raise ResponseValidationError(Problem(str(path), f"Cannot read the file ({exc.strerror}).")) from None
    if not raw:
        raise ResponseValidationError(Problem(str(path), "The file is empty (0 bytes)."))
    sha = hashlib.sha256(raw).hexdigest()
    if fmt == "csv":
        csv_read = _read_csv(raw, path, coded, encoding)
        last_fields, final_newline = csv_read.tail
        return Table(path, csv_read.frame, fmt, csv_read.encoding, sha, last_fields=last_fields,
                     final_newline=final_newline, first_row=csv_read.layout.first_row,
                     delimiter=csv_read.delimiter, notes=csv_read.layout.notes), csv_read.codes
    frame, declared, layout = _read_binary(raw, path, fmt, sheet, encoding)
    return Table(path, frame, fmt, None, sha, declared_missing=declared,
                 first_row=layout.first_row, notes=layout.notes), {}


def response_set_from_frame(frame: pd.DataFrame, questionnaire: Questionnaire, *,
                            source: str = "<frame>", items: Sequence[str] | None = None
                            ) -> ResponseSet:
    """Validate an in-memory frame exactly as a file would be (for simulations and notebooks)."""
    digest = hashlib.sha256(pd.util.hash_pandas_object(frame.astype(str), index=False)
                            .to_numpy().tobytes()).hexdigest()
    _check_columns(list(frame.columns), source)
    return _check(frame.copy(), questionnaire, source=source, items=items, fmt="frame",
                  encoding=None, sha256=digest).response_set()


@dataclass(frozen=True)
class _Layout:
    """Where a file's table starts: the file row of its first data row (the header is the row
    above) and sentences saying what was skipped or dropped to find it."""

    first_row: int = 2
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _CsvRead:
    frame: pd.DataFrame
    encoding: str
    codes: Codes
    tail: tuple[int | None, bool]
    delimiter: str
    layout: _Layout


#: Field separators a CSV may use: Excel writes ',' in English locales, ';' where the comma is
#: the decimal mark (most of Europe), and a tab in its "Unicode text" (UTF-16) files.
_DELIMITERS = (",", ";", "\t")
#: Lines looked at to tell the separator and to find a header below title rows.
_SNIFF_LINES = 20


def _records(text: str, delimiter: str) -> list[list[str]]:
    """The first :data:`_SNIFF_LINES` records of ``text`` read as CSV with ``delimiter`` (a
    quoted cell may hold line breaks, '\\r' alone included: records, not lines)."""
    try:
        return list(islice(csv.reader(io.StringIO(text, newline=""),
                                                delimiter=delimiter), _SNIFF_LINES))
    except csv.Error:
        return []


def _sniff_delimiter(text: str) -> str:
    """The separator that splits the first records most consistently: the largest share of
    them (of those not empty) into the same number of fields, at least two, then the most
    fields; a comma on a tie (the CSV default). Consistency, not the widest record: a
    semicolon file's free text and decimal commas split some records into more fields at
    commas, never all alike, and its header (no decimals) not at all. The share counts every
    record, so a separator that only splits the cells of quoted text (a comma inside a
    ';'-file's cells) loses to the one that splits the header too."""
    def score(delimiter: str) -> tuple[float, int]:
        records = [r for r in _records(text, delimiter) if any(c.strip() for c in r)]
        widths = [len(r) for r in records if len(r) > 1]
        if not widths:
            return 0.0, 0
        modal = max(set(widths), key=lambda w: (widths.count(w), w))
        return widths.count(modal) / len(records), modal

    scores = {d: score(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: (*scores[d], d == ","))
    return best if scores[best][1] > 1 else ","

def _title_rows(rows: Sequence[Sequence[object]]) -> int:
    """How many rows above the header are titles: leading rows with at most one filled cell
    ("Customer survey 2026", a blank line) when a later row has more. A header names at
    least two columns, so a one-cell row above a wider row is never the header."""
    filled = [sum(1 for v in r if _cell_text(v).strip()) for r in rows[:_SNIFF_LINES]]
    k = 0
    while k < len(filled) and filled[k] <= 1:
        k += 1
    return k if 0 < k < len(filled) and filled[k] > 1 else 0


def _trailing_empty(header: Sequence[str]) -> int:
    """How many columns at the right end have no header (Excel exports formatted columns)."""
    k = 0
    while k < len(header) and not str(header[len(header) - 1 - k]).strip():
        k += 1
    return k


def _title_note(skipped: int, header_row: int, title: str) -> str:
    said = f" ({_excerpt(title)!r})" if title else ""
    return (f"Row{'s' if skipped > 1 else ''} 1{f'-{skipped}' if skipped > 1 else ''} above "
            f"the header {'are titles' if skipped > 1 else 'is a title'}{said}, not "
            f"respondents; the header is row {header_row}.")


def _drop_trailing(frame: pd.DataFrame, header: Sequence[str]
                   ) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """``frame`` (columns positional, as ``header``) without the columns at its right end that
    have neither a header nor a cell (Excel's formatted empty columns), its columns named by
    the header; a column without a header that holds a cell is kept, named by its place
    ("Unnamed: 5", as pandas names it: listed as ignored in the ingest report, or read by an
    importer: SurveyMonkey leaves a question's further columns without a header)."""
    keep = len(header)
    while keep and not str(header[keep - 1]).strip() and not (
            _text(frame.iloc[:, keep - 1]) != "").any():
        keep -= 1
    k = len(header) - keep
    frame = frame.iloc[:, :keep]
    frame.columns = [str(h).strip() or f"Unnamed: {j}" for j, h in enumerate(header[:keep])]
    return frame, ((f"{k} empty column{'s' if k > 1 else ''} without a header at the right "
                    f"end dropped.",) if k else ())


def _read_csv(raw: bytes, path: Path, coded: frozenset[str] = frozenset(),
              given: str | None = None) -> _CsvRead:
    """The frame, the encoding used, the coded columns, (fields of the last row, whether
    a line break ends the file), the separator and where the table starts. The separator
    (comma, semicolon, tab) is told from the first lines; title rows above the header and
    empty columns without a header at the right end are left out (and said in notes)."""
    encoding, text = _decide_encoding(raw, path, given)
    try:
        # The fast reader takes UTF-8 bytes: the file's own (without the BOM) or re-encoded.
        utf8 = (raw if encoding == "utf-8" else raw[3:] if encoding == "utf-8-sig"
                else text.encode("utf-8"))
        head = utf8[:1 << 16].decode("utf-8", errors="ignore")
        delimiter = _sniff_delimiter(head)
        top = _records(head, delimiter)
        skip = _title_rows(top)
        header = top[skip] if skip < len(top) else []
        trailing = _trailing_empty(header)
        _check_columns(header[:len(header) - trailing], str(path))
        tail = _last_row(utf8, delimiter)
        layout = _Layout(skip + 2, (_title_note(skip, skip + 1, " ".join(
            c for r in top[:skip] for c in r if c.strip())),) if skip else ())
        if delimiter == "," and not skip and not trailing:
            fast = _read_csv_arrow(utf8, header, coded)
            if fast is not None:
                return _CsvRead(fast[0], encoding, fast[1], tail, delimiter, layout)
        # header=None: the header row sets the width, and a row with more cells is an error
        # (inferred, pandas would take a row's surplus cells as an index and shift its
        # answers into the wrong columns; index_col=False drops them).
        frame = pd.read_csv(io.StringIO(text if text is not None else utf8.decode("utf-8")),
                            dtype=str, keep_default_na=False, na_filter=False,
                            skipinitialspace=False, sep=delimiter, skiprows=skip, header=None)
        frame, dropped = _drop_trailing(frame.iloc[1:].reset_index(drop=True),
                                        [str(v) for v in frame.iloc[0]] if len(frame) else header)
        layout = _Layout(layout.first_row, (*layout.notes, *dropped))
    except ResponseValidationError:
        raise
    except pd.errors.ParserError as exc:
        wide = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if wide is None:
            raise ResponseValidationError(Problem(str(path), f"The file could not be read as "
                                                  f"CSV: {exc}")) from exc
        width, row, found = (int(g) for g in wide.groups())
        raise ResponseValidationError(Problem(
            f"{path}:{row}", f"The row has {found} cells where the header has {width}: its "
                             "answers cannot be told apart from the next column's (a separator "
                             "inside an unquoted cell?). Fix the row or export the file "
                             "again.")) from exc
    except (pd.errors.EmptyDataError, csv.Error) as exc:
        raise ResponseValidationError(Problem(str(path), f"The file could not be read as CSV: "
                                              f"{exc}")) from exc
    if delimiter != ",":
        name = {";": "semicolons", "\t": "tabs"}[delimiter]
        layout = _Layout(layout.first_row, (f"Fields separated by {name}, not commas (read as "
                                            "such).", *layout.notes))
    return _CsvRead(frame, encoding, {}, tail, delimiter, layout)


def _last_row(data: bytes, delimiter: str = ",") -> tuple[int | None, bool]:
    """(How many fields the file's last row has, whether a line break ends the file) for
    UTF-8 CSV bytes. A download or copy cut short ends inside a row, without a line break;
    pandas would pad that row with empty cells, the lost answers turning into missing ones.
    Trailing blank lines are not rows (the readers skip them); a last line inside a quoted
    multi-line cell is found by reading the file with the csv module (an odd number of
    quotes before it)."""
    end = len(data)
    while end and data[end - 1] in b"\r\n":
        end -= 1
    final_newline = end < len(data)
    if not end:
        return None, final_newline
    start = max(data.rfind(b"\n", 0, end), data.rfind(b"\r", 0, end)) + 1
    if start == 0:  # the header is the only line
        return None, final_newline
    if data.count(b'"', 0, start) % 2 == 0:
        last = data[start:end].decode("utf-8")
        if not last.strip():  # a whitespace line: an empty row, not a cut one
            return None, final_newline
        fields = next(csv.reader([last], delimiter=delimiter), [])
    else:
        records = deque(csv.reader(io.StringIO(data[:end].decode("utf-8"), newline=""),
                                   delimiter=delimiter), maxlen=1)
        fields = records[0] if records else []
    return len(fields), final_newline


# --------------------------------------------------------------------------- encodings
#
# A CSV carries no encoding. UTF-8 is checked first (exactly: valid UTF-8 is almost never
# another encoding by chance); a file that is not UTF-8 may be GB18030 (a superset of GBK:
# Chinese Excel's "ANSI" CSV, Wenjuanxing), but GB18030 decodes most bytes of any other
# 8-bit encoding without an error, into rare characters: Windows-1252's "Zürich" is "Z黵ich".
# So GB18030 is taken only when every line with non-ASCII text reads as Chinese: at least half
# of its non-ASCII characters common ones (the GB2312 set of everyday hanzi, CJK and general
# punctuation, full-width forms, Latin-1 letters), and no line reads better as UTF-8 (a UTF-8
# file with a few lines pasted in GBK: either reading garbles some lines). Anything else is
# refused naming the first line and byte that are not UTF-8; whoever knows the file's
# encoding passes it (``encoding``), and it is used as given.

_BOM = b"\xef\xbb\xbf"
#: A line reads as Chinese when at most this share of its non-ASCII characters is uncommon.
_UNCOMMON_SHARE = 0.5
_ENCODING_HELP = ("Re-save the file as UTF-8 (in Excel: Save As \"CSV UTF-8\"), or give its "
                  "encoding with --encoding (encoding= in Python): cp1252 for Western European "
                  "Windows files, gb18030 for Chinese ones, utf-16 for Excel's \"Unicode "
                  "text\".")


def _decide_encoding(raw: bytes, path: Path, given: str | None) -> tuple[str, str | None]:
    """The CSV's encoding and its text (None for UTF-8, which is read as bytes)."""
    if given is not None:
        return _given_encoding(raw, path, given)
    if _decodes(raw, "utf-8"):
        return ("utf-8-sig" if raw.startswith(_BOM) else "utf-8"), None
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        # Excel's "Unicode text": UTF-16 with its byte order mark (the mark says which of the
        # two byte orders; no other text starts with these two bytes), tab-separated.
        return _given_encoding(raw, path, "utf-16")
    first = _first_undecodable(raw, "utf-8")
    line, column = _position(raw, first, "utf-8")
    byte = f"byte 0x{raw[first]:02X} at column {column}"
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    lines = _LineReadings(raw, text)
    utf8 = lines.first_utf8()
    if utf8 is not None or raw.startswith(_BOM):
        said = (f"line {_position(raw, utf8[0], 'utf-8')[0]} is UTF-8 text "
                f"({_excerpt(utf8[1])!r})" if utf8 is not None else
                "it starts with the UTF-8 byte order mark")
        raise ResponseValidationError(Problem(
            f"{path}:{line}", f"The file mixes encodings: {said} but line {line} is not "
                              f"({byte}); read as one encoding, the lines in the other would "
                              f"be garbled, so nothing was read. {_MIXED_HELP}"))
    if text is None:
        gb_first = _first_undecodable(raw, "gb18030")
        gb_line, gb_column = _position(raw, gb_first, "gb18030")
        said = (f"line {line} is neither ({byte})" if gb_first == first else
                f"line {line} is not UTF-8 ({byte}) and line {gb_line} is not GB18030 (byte "
                f"0x{raw[gb_first]:02X} at column {gb_column})")
        raise ResponseValidationError(Problem(
            f"{path}:{line}", f"The file is neither UTF-8 nor GB18030 text: {said}. "
                              f"{_ENCODING_HELP}"))
    uncommon = lines.first_uncommon()
    if uncommon is not None:
        (start, end), reading = uncommon
        first = start + _first_undecodable(raw[start:end], "utf-8")
        line, column = _position(raw, first, "utf-8")
        raise ResponseValidationError(Problem(
            f"{path}:{line}", f"The file is not UTF-8 (byte 0x{raw[first]:02X} at line {line}, "
                              f"column {column}), and read as GB18030 (Chinese) line {line} is "
                              f"{_excerpt(reading)!r}: characters that Chinese text does not "
                              f"use. Its encoding cannot be told safely, so nothing was read. "
                              f"{_ENCODING_HELP}"))
    return "gb18030", text


_MIXED_HELP = ("Re-type or re-save the lines in the other encoding as UTF-8 (the first one is "
               "named here), or, if the whole file is in one encoding, give it with --encoding "
               "(encoding= in Python).")


def _given_encoding(raw: bytes, path: Path, given: str) -> tuple[str, str | None]:
    """Decode ``raw`` strictly in the encoding the user named."""
    try:
        name = codecs.lookup(given).name
    except LookupError:
        raise ResponseValidationError(Problem(str(path), f"Unknown encoding '{given}'. Expected "
                                              "a name such as utf-8, gb18030, gbk, cp1252 or "
                                              "utf-16.")) from None
    if name == "utf-8" and raw.startswith(_BOM):
        name = "utf-8-sig"
    if name in ("utf-8", "utf-8-sig") and _decodes(raw, "utf-8"):
        return name, None
    try:
        text = raw.decode(name)
    except UnicodeDecodeError as exc:
        line, column = _position(raw, exc.start, name)
        raise ResponseValidationError(Problem(
            f"{path}:{line}", f"The file is not {given} text: byte 0x{raw[exc.start]:02X} "
                              f"(line {line}, column {column}) cannot be read as {given}. "
                              "Check the encoding given, or re-save the file as UTF-8.")
                                      ) from None
    return name, text.removeprefix("\ufeff")


def _first_undecodable(raw: bytes, encoding: str) -> int:
    try:
        raw.decode(encoding)
    except UnicodeDecodeError as exc:
        return exc.start
    return len(raw)


def _position(raw: bytes, offset: int, encoding: str) -> tuple[int, int]:
    """(line, column) of byte ``offset``, as an editor shows them (1-based; lines end at LF,
    CRLF or CR; columns count characters)."""
    before = raw[:offset].decode(encoding, errors="replace")
    breaks = list(re.finditer(r"\r\n|\r|\n", before))
    line_start = breaks[-1].end() if breaks else 0
    return len(breaks) + 1, len(before) - line_start + 1


def _excerpt(text: str, width: int = 40) -> str:
    text = text.strip()
    return text if len(text) <= width else text[:width - 1] + "…"


@cache
def _common_characters() -> np.ndarray:
    """Code points of everyday text: the GB2312 set (6,763 hanzi, CJK punctuation, full-width
    forms, pinyin, kana, Greek and Cyrillic), the letters of the alphabets UTF-8 writes in
    two bytes (Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic) and of Thai, Devanagari,
    Hangul and Vietnamese, general punctuation, currency signs. Not the other hanzi of the
    CJK block: that is where another encoding read as GB18030 lands."""
    common = np.zeros(0x110000, dtype=bool)
    for lead in range(0xA1, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                common[ord(bytes((lead, trail)).decode("gb2312"))] = True
            except UnicodeDecodeError:
                pass
    for lo, hi in ((0xA0, 0x24F), (0x370, 0x6FF), (0x900, 0x97F), (0xE00, 0xE7F),
                   (0x1E00, 0x1EFF), (0x2010, 0x205E), (0x20A0, 0x20BF), (0x3000, 0x30FF),
                   (0xAC00, 0xD7A3), (0xFF01, 0xFF60), (0xFFE0, 0xFFE6)):
        common[lo:hi + 1] = True
    # Beyond the BMP (rare hanzi such as 𠮷, emoji): four bytes in GB18030, byte-digit-byte-
    # digit, a pattern no 8-bit Western text makes.
    common[0x10000:] = True
    return common


def _line_starts(codes: np.ndarray) -> np.ndarray:
    """Where each line of ``codes`` (bytes or code points) starts, lines ending at LF and at a
    CR not followed by LF (bytes.splitlines' rule); a line's break belongs to it."""
    lf = codes == 10
    end = lf
    cr = codes == 13
    if cr.any():
        end = lf.copy()
        end[:-1] |= cr[:-1] & ~lf[1:]
        end[-1:] |= cr[-1:]
    starts = np.flatnonzero(end) + 1
    return np.concatenate([[0], starts[starts < len(codes)]])


def _per_line(mask: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """How many elements of ``mask`` are true on each line (lines are never empty)."""
    return np.add.reduceat(mask, starts, dtype=np.int64) if len(mask) else np.zeros(0, np.int64)


class _LineReadings:
    """The lines of a file that is not UTF-8, each read as GB18030 and, when it is valid
    UTF-8, as UTF-8: which read as Chinese, which read better as UTF-8. Counted for all
    lines at once on bytes and code points (numpy): a million lines take a second."""

    def __init__(self, raw: bytes, text: str | None) -> None:
        self.raw = raw
        data = np.frombuffer(raw, dtype=np.uint8)
        self.starts = _line_starts(data)
        n_lines = len(self.starts)
        self.ends = np.append(self.starts[1:], len(data))
        high = data >= 0x80
        self.non_ascii = _per_line(high, self.starts) > 0
        # Lines that may be UTF-8 at all: no byte UTF-8 never uses, every lead byte followed
        # by a continuation byte and every continuation byte after a non-ASCII one (checked
        # exactly below, on these lines only).
        lead, cont = data >= 0xC2, high & (data < 0xC0)
        broken = (data == 0xC0) | (data == 0xC1) | (data >= 0xF5)
        broken[:-1] |= lead[:-1] & ~cont[1:]
        broken[-1:] |= lead[-1:]
        broken[1:] |= cont[1:] & ~high[:-1]
        broken[:1] |= cont[:1]
        maybe = self.non_ascii & (_per_line(broken, self.starts) == 0)
        del lead, cont, broken, high
        # The GB18030 reading (lossy if the file is not GB18030: only to compare with UTF-8).
        gb_text = text if text is not None else raw.decode("gb18030", errors="replace")
        self.gb_non, self.gb_uncommon, _ = _reading_counts(gb_text)
        if len(self.gb_non) != n_lines:  # a lossy reading that moved a line break
            self.gb_non = self.gb_uncommon = np.zeros(n_lines, dtype=np.int64)
        self.utf8_lines: list[int] = []
        self.utf8_texts: list[str] = []
        for i in np.flatnonzero(maybe).tolist():
            try:
                self.utf8_texts.append(raw[self.starts[i]:self.ends[i]].decode("utf-8"))
            except UnicodeDecodeError:
                continue
            self.utf8_lines.append(i)

    def first_utf8(self) -> tuple[int, str] | None:
        """(Byte offset, UTF-8 reading) of the first line that is valid UTF-8 and reads
        better so than as GB18030: not Chinese in GB18030, or more of its non-ASCII characters
        common in UTF-8, or as many and a Latin letter inside a word (GBK text that happens to
        be valid UTF-8 reads as Latin-1 signs and letters for a few dozen hanzi, such as 路 as
        '·' or 没 as 'û', never inside words)."""
        if not self.utf8_lines:
            return None
        lines = np.array(self.utf8_lines)
        u_non, u_uncommon, latin_word = _reading_counts("".join(self.utf8_texts))
        if len(u_non) != len(lines):  # cannot happen: each text ends with its line break
            return int(self.starts[lines[0]]), self.utf8_texts[0]
        g_non = self.gb_non[lines]
        g_common = g_non - self.gb_uncommon[lines]
        left, right = (u_non - u_uncommon) * g_non, g_common * u_non
        not_chinese = self.gb_uncommon[lines] > _UNCOMMON_SHARE * g_non
        better = (g_non == 0) | not_chinese | (left > right) | ((left == right) & latin_word)
        if not better.any():
            return None
        k = int(np.argmax(better))
        return int(self.starts[lines[k]]), self.utf8_texts[k]

    def first_uncommon(self) -> tuple[tuple[int, int], str] | None:
        """(Byte span, GB18030 reading) of the first line that is not UTF-8 and whose
        non-ASCII characters are mostly uncommon ones in GB18030: not Chinese text either."""
        bad = self.non_ascii & (self.gb_uncommon > _UNCOMMON_SHARE * self.gb_non)
        bad[self.utf8_lines] = False
        if not bad.any():
            return None
        i = int(np.argmax(bad))
        a, b = int(self.starts[i]), int(self.ends[i])
        return (a, b), self.raw[a:b].decode("gb18030", errors="replace")


def _reading_counts(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each line of ``text``: its non-ASCII characters, how many of them are uncommon,
    and whether a Latin-1 letter stands next to an ASCII letter (inside a word)."""
    cp = np.frombuffer(text.encode("utf-32-le", errors="surrogatepass"), dtype="<u4")
    if not len(cp):
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, bool)
    starts = _line_starts(cp)
    high = cp >= 0x80
    uncommon = high & ~_common_characters()[np.minimum(cp, 0x10FFFF)]
    non_ascii, n_uncommon = _per_line(high, starts), _per_line(uncommon, starts)
    del uncommon
    folded = cp | 0x20
    letter = (folded >= ord("a")) & (folded <= ord("z"))
    del folded
    latin = (cp >= 0xC0) & (cp <= 0xFF) & (cp != 0xD7) & (cp != 0xF7)
    beside = np.zeros(len(cp), dtype=bool)
    beside[1:] |= letter[:-1]
    beside[:-1] |= letter[1:]
    return non_ascii, n_uncommon, _per_line(latin & beside, starts) > 0


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
            # 4 MB blocks, not arrow's 1 MB: a million respondents (140 MB) parsed in 1.0 s
            # instead of 1.2-1.7 s on two cores, and fewer chunks' dictionaries to unify.
            read_options=pacsv.ReadOptions(block_size=4 << 20),
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


def _read_binary(raw: bytes, path: Path, fmt: str, sheet: str | int | None,
                 encoding: str | None = None
                 ) -> tuple[pd.DataFrame, dict[str, tuple[tuple[object, object], ...]], _Layout]:
    """An Excel, SPSS or Parquet file's frame, the values its columns declare missing and
    where its table starts. A workbook read without a named sheet is read from its first
    sheet that has a cell (an empty first sheet is said in a note); title rows above an
    Excel header and empty columns without a header at its right end are left out."""
    try:
        if fmt in ("xlsx", "xls"):
            notes: list[str] = []
            if sheet is None:
                # keep_default_na=False: a cell's text is data ('NA', 'n/a', 'None' are not
                # blanks unless the questionnaire says so), as in a CSV.
                sheets = pd.read_excel(io.BytesIO(raw), sheet_name=None, header=None,
                                       dtype=object, engine="calamine", keep_default_na=False)
                names = list(sheets)
                filled = [n for n in names
                          if (sheets[n].map(_cell_text).map(str.strip) != "").to_numpy().any()]
                name = filled[0] if filled else names[0]
                grid = sheets[name]
                if filled and name != names[0]:
                    skipped = names[:names.index(name)]
                    notes.append(f"Sheet{'s' if len(skipped) > 1 else ''} "
                                 f"{', '.join(repr(str(n)) for n in skipped)} "
                                 f"{'are' if len(skipped) > 1 else 'is'} empty; read sheet "
                                 f"{str(name)!r}.")
            else:
                grid = pd.read_excel(io.BytesIO(raw), sheet_name=sheet, header=None,
                                     dtype=object, engine="calamine", keep_default_na=False)
            if grid.empty:
                raise ResponseValidationError(Problem(str(path), "The sheet has no rows."))
            skip = _title_rows(grid.iloc[:_SNIFF_LINES].to_numpy().tolist())
            if skip:
                title = " ".join(t for v in grid.iloc[:skip].to_numpy().ravel()
                                 if (t := _cell_text(v).strip()))
                notes.append(_title_note(skip, skip + 1, title))
            header = [_cell_text(v) for v in grid.iloc[skip]]
            trailing = _trailing_empty(header)
            _check_columns(header[:len(header) - trailing], str(path))
            frame = grid.iloc[skip + 1:].reset_index(drop=True)
            frame, dropped = _drop_trailing(frame, header)
            return frame, {}, _Layout(skip + 2, (*notes, *dropped))
        if fmt == "sav":
            import pyreadstat

            tmp = _spill(raw, path)
            try:
                # user_missing=True keeps declared missing codes (98/99) as the numbers they
                # are; the questionnaire's don't-know codes are then applied as for a CSV,
                # and every value the file declares missing is taken as missing too.
                frame, meta = pyreadstat.read_sav(str(tmp), user_missing=True,
                                                  encoding=encoding)
            finally:
                tmp.unlink(missing_ok=True)
            _check_columns(list(frame.columns), str(path))
            return frame, _declared_missing(meta), _Layout()
        if fmt == "parquet":
            frame = pd.read_parquet(io.BytesIO(raw))
            _check_columns(list(frame.columns), str(path))
            return frame, {}, _Layout()
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


def _declared_missing(meta: object) -> dict[str, tuple[tuple[object, object], ...]]:
    """The user-missing values an SPSS file declares, per column (stripped name), as
    (low, high) ranges: SPSS's discrete missing values (pyreadstat's ``missing_ranges`` with
    low = high) and ranges, and the discrete values of ``missing_user_values`` (SAS and Stata
    style metadata)."""
    out: dict[str, list[tuple[object, object]]] = {}
    for column, ranges in (getattr(meta, "missing_ranges", None) or {}).items():
        for r in ranges:
            out.setdefault(str(column).strip(), []).append((r["lo"], r["hi"]))
    for column, values in (getattr(meta, "missing_user_values", None) or {}).items():
        for v in values:
            out.setdefault(str(column).strip(), []).append((v, v))
    return {c: tuple(r) for c, r in out.items()}


def _spill(raw: bytes, path: Path) -> Path:
    """pyreadstat reads from a path: copy the bytes already read (and hashed) to a temp file."""
    import tempfile

    fd, name = tempfile.mkstemp(suffix=path.suffix)
    with open(fd, "wb") as fh:
        fh.write(raw)
    return Path(name)


def _check_columns(header: Sequence[object], source: str) -> None:
    # Columns without a header are not duplicates of one another: they are named by their
    # place ("Unnamed: 5", as pandas does), listed as ignored, or taken by an importer
    # (SurveyMonkey leaves the header of a question's further columns empty).
    names = [str(h).strip() for h in header if str(h).strip()]
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
        if isinstance(chunks, pa.ChunkedArray):
            if chunks.num_chunks == 0:
                return np.zeros(0, dtype=np.intp), pd.Series([], dtype=dtype)
            # One array, then one encoding: unifying the dictionaries of a hundred chunks took
            # 18 s for a million distinct respondent ids (0.15 s this way).
            chunks = chunks.combine_chunks()
        combined = pc.dictionary_encode(chunks, null_encoding="encode")
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
          detail: str, where: np.ndarray | None = None) -> None:
    """Add a problem for every row (of those in ``where``) whose cell's code is ``bad``, in
    row order: row, column, value, the English reason, its code (:data:`REJECT_CODES`) and
    detail."""
    if not bad.any():
        return
    hit = bad[index]
    if where is not None:
        hit &= where
    hits = np.flatnonzero(hit)
    if not hits.size:
        return
    cells = text.to_numpy(dtype=object)
    reasons = np.empty(len(cells), dtype=object)
    for k in np.flatnonzero(bad):
        reasons[k] = reason(cells[k])
    codes = index[hits]
    problems.extend(zip(rows[hits].tolist(), repeat(column), cells[codes], reasons[codes],
                        repeat(code), repeat(detail), strict=False))


@dataclass(frozen=True)
class _Rated:
    """A rated column classified on its distinct cells (each array is per cell code)."""

    column: RatedColumn
    text: pd.Series
    empty: np.ndarray
    masks: tuple[tuple[np.ndarray, str, str], ...]  # (bad cells, reason template, code)
    detail: str


def _rate_columns(q: Questionnaire, coded: Mapping[str, tuple[np.ndarray, pd.Series]],
                  declared: Mapping[str, Sequence[tuple[object, object]]]
                  ) -> dict[str, _Rated]:
    """Every rated column (``coded``: its row -> code and its distinct cells) classified on its
    scale. The distinct cells of all the columns are classified together, each against its own
    column's scale: a dozen array operations in all rather than a dozen per column."""
    names = list(coded)
    texts = [_text(coded[c][1]) for c in names]
    bounds = np.cumsum([0, *(len(t) for t in texts)])
    text = np.concatenate([t.to_numpy(dtype=object) for t in texts]) if names else \
        np.zeros(0, dtype=object)
    scales = [q.scale_of(c) for c in names]
    lo = np.repeat([sc.min for sc in scales], np.diff(bounds)).astype(float)
    hi = np.repeat([sc.max for sc in scales], np.diff(bounds)).astype(float)
    whole = np.repeat([sc.integer for sc in scales], np.diff(bounds)).astype(bool)
    empty = text == ""
    # R's write.csv writes a missing value as the bare text NA: no rating is ever "NA".
    is_blank = empty | (text == _R_NA)
    num = pd.to_numeric(pd.Series(np.where(is_blank, None, text), dtype=object),
                        errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    not_number = ~is_blank & np.isnan(num)
    is_dk = np.zeros(len(text), dtype=bool)
    for k, (c, sc) in enumerate(zip(names, scales, strict=True)):
        cut = slice(bounds[k], bounds[k + 1])
        if sc.dont_know:
            is_dk[cut] = np.isin(num[cut], sc.dont_know)
        if declared.get(c):
            is_dk[cut] |= _declared(text[cut], num[cut], declared[c])
    with np.errstate(invalid="ignore"):
        in_range = (num >= lo) & (num <= hi)
        point = in_range & np.where(whole, np.mod(num, 1) == 0, True)
    values = np.where(point & ~is_dk, num, np.nan)
    out = {}
    for k, (c, sc) in enumerate(zip(names, scales, strict=True)):
        cut = slice(bounds[k], bounds[k + 1])
        low, high = _fmt(sc.min), _fmt(sc.max)
        blank, number, dk, inside = is_blank[cut], not_number[cut], is_dk[cut], in_range[cut]
        masks = (
            (number, "value {v!r} is not a number.", "not_number"),
            (~blank & ~number & ~dk & ~inside,
             f"value {{v!r}} is outside the {low}-{high} scale. Recode it or declare it a "
             "missing code.", "out_of_range"),
            (inside & ~point[cut] & ~dk,
             f"value {{v!r}} is not a point of the {low}-{high} scale (whole numbers only; "
             "declare the scale 'continuous: true' if answers may lie between its points).",
             "not_a_point"),
        )
        out[c] = _Rated(RatedColumn(coded[c][0], values[cut], dk, blank), texts[k],
                        empty[cut], masks, f"{low}-{high}")
    return out


def _declared(text: np.ndarray, num: np.ndarray, declared: Sequence[tuple[object, object]]
              ) -> np.ndarray:
    """Cells holding a value the file declares missing (an SPSS user-missing value or range)."""
    out = np.zeros(len(text), dtype=bool)
    for lo, hi in declared:
        if isinstance(lo, int | float) and isinstance(hi, int | float):
            with np.errstate(invalid="ignore"):
                out |= (num >= lo) & (num <= hi)
        else:
            out |= text == str(lo).strip()
    return out


def _check(frame: pd.DataFrame, q: Questionnaire, *, source: str,
           items: Sequence[str] | None, fmt: str, encoding: str | None,
           sha256: str, codes: Codes | None = None,
           declared_missing: Mapping[str, Sequence[tuple[object, object]]] | None = None,
           last_fields: int | None = None, final_newline: bool = True,
           rows: np.ndarray | None = None, read_notes: Sequence[str] = (),
           platform: str = "native", columns: Sequence[ColumnUse] | None = None,
           recoded: Mapping[str, Mapping[str, int]] | None = None) -> CodedResponses:
    """Validate a file's cells (``codes``: columns the reader already coded) against the
    questionnaire: empty rows, screening, every problem as a reject, duplicates, counts and
    shares. ``rows``: each row's number in the file (default: 2, 3, ...); ``read_notes``,
    ``platform``, ``columns`` and ``recoded``: what reading and adapting the file did, for
    the report (``columns`` default: each column read by its id, or ignored)."""
    codes = codes or {}
    declared = declared_missing or {}
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
    if q.respondent_id is not None and q.respondent_id not in frame.columns:
        raise ResponseValidationError(Problem(
            source, f"The respondent id column '{q.respondent_id}' (the questionnaire's "
                    f"respondent_id) is missing; got {len(frame.columns)} columns. Add it, or "
                    "leave respondent_id out of the questionnaire."))
    id_column = q.respondent_id or (RESPONDENT_ID if RESPONDENT_ID in frame.columns else None)
    n = len(frame)
    rows = np.arange(2, n + 2) if rows is None else np.asarray(rows, dtype=np.int64)
    known_ids = {*(i.id for i in q.items), *(r.id for r in q.importance),
                 *(x.id for x in (*q.screening, *q.demographics, *q.questions))}
    if columns is None:
        columns = tuple(ColumnUse(c, c, "id") if c in known_ids else
                        ColumnUse(c, None, "respondent id" if c == id_column else
                                  "not in the questionnaire") for c in frame.columns)
    missing_columns = tuple(x for x in known_ids_in_order(q) if x not in frame.columns)
    problems: list[tuple] = []
    # The questionnaire's other items and its stated-importance ratings are optional columns,
    # validated on their scale like the required items: the analyses read some of them (the
    # gauges, the expectation pairs), which must not see 99 as a rating or '' as text.
    optional = [i.id for i in q.items] + [r.id for r in q.importance]
    rated = items + [c for c in dict.fromkeys(optional)
                     if c in frame.columns and c not in items]
    coded = {c: codes[c] if c in codes else _factorize(frame[c]) for c in rated}
    ratings = _rate_columns(q, coded, declared)
    asked = [x for x in (*q.demographics, *q.questions) if x.id in frame.columns]
    answers = {x.id: _classify(x, frame[x.id], declared.get(x.id, ()))
               for x in (*q.screening, *asked)}
    for name in declared.keys() & answers.keys():
        # A value the file declares missing (SPSS's 999 for age) is no answer: the accepted
        # rows hold it as missing, as a blank cell of a CSV.
        a = answers[name]
        frame[name] = frame[name].mask((a.blank & ~a.empty)[a.index])
    # Wholly empty rows (Excel keeps formatted empty rows as ",,,,") are no respondents.
    empty = _empty_rows(frame, {**{c: (r.column.codes, r.empty) for c, r in ratings.items()},
                                **{c: (a.index, a.empty) for c, a in answers.items()}})
    truncated = (last_fields is not None and not final_newline and n > 0
                 and last_fields < len(frame.columns))
    if truncated:
        empty[-1] = False
    # Screening first, in the questionnaire's order, as the interview asks it: a valid answer
    # that does not qualify ends the interview, and nothing asked after it is validated (a
    # platform fills what it did not ask with codes such as -3). A blank answer is missing,
    # not a failed screen; an invalid one rejects the row, which is then validated in full.
    open_ = ~empty
    invalid = np.zeros(n, dtype=bool)
    screened = np.zeros(n, dtype=bool)
    blank_at: dict[str, np.ndarray] = {}
    for question in q.screening:
        a = answers[question.id]
        a.flag(problems, rows, question.id, open_)
        bad = a.bad[a.index]
        invalid |= open_ & bad
        if question.qualify:
            allowed = {_fmt(c) for c in question.qualify}
            ok = a.canonical.isin(allowed).to_numpy()[a.index]
            blank = a.blank[a.index]
            fails = open_ & ~invalid & ~blank & ~ok
            screened |= fails
            open_ &= ~fails
            blank_at[question.id] = open_ & blank
    rated_codes: dict[str, RatedColumn] = {}
    for item_id, r in ratings.items():
        for mask, reason, code in r.masks:
            _flag(problems, mask, r.column.codes, rows, item_id, r.text,
                  partial(_format_reason, reason), code, r.detail, open_)
        rated_codes[item_id] = r.column
    for question in asked:
        answers[question.id].flag(problems, rows, question.id, open_)
    if truncated:
        problems.append((int(rows[-1]), str(frame.columns[last_fields]), "",
                         f"the file ends inside this row: it has {last_fields} of "
                         f"{len(frame.columns)} fields and no line break after it, so the file "
                         f"looks truncated at row {rows[-1]} (an interrupted download or "
                         "copy?). The row is not used; get the complete file.",
                         "truncated", f"{last_fields}/{len(frame.columns)}"))
    # A blank screening answer of a respondent who answered items: a survey platform shows
    # the items only to those who passed its screen, so the answers are evidence that the
    # respondent qualified and the blank a cell lost on the way (an export or merge). Such
    # respondents are accepted and counted in a note; screening them out would report
    # eligible people as ineligible, rejecting them would drop answers they gave. With no
    # item answered there is neither evidence nor anything to use: the row is rejected.
    answered = np.zeros(n, dtype=bool)  # rows with at least one item answered
    for item_id in items:
        c = rated_codes[item_id]
        answered |= ~c.blank[c.codes]
    unsure = open_ & ~invalid & np.any([b for b in blank_at.values()] or [np.zeros(n, bool)],
                                       axis=0)
    if unsure.any():
        for k in np.flatnonzero(unsure & ~answered):
            qid = next(qid for qid, b in blank_at.items() if b[k])
            problems.append((int(rows[k]), qid, "", "the screening answer is blank and no item "
                             "is answered: whether this respondent qualifies is unknown, and "
                             "there is nothing to use.", "screening_missing", ""))
    # Without a respondent id, identical rows are the same submission only when they share
    # something no other respondent has: answers to closed questions coincide by chance (6
    # items on a 7-point scale: 16 of 300 simulated respondents share all their answers with
    # another), and so does a comment such as "good"; a timestamp, an IP address or a
    # submission number found in those rows only does not. So rows that answered items
    # (screened-out respondents hold only their screening answers) are compared, and a group
    # of identical rows is a duplicate when one of its free cells (a text or number question,
    # a column the questionnaire does not define) is found in no other row.
    closed = {*ratings, *(x.id for x in (*q.screening, *asked)
                          if x.type in ("single", "multiple", "integer", "date"))}
    if id_column is None:
        compared, free = open_ & answered, [c for c in frame.columns if c not in closed]
    else:
        compared, free = ~empty, None
    _flag_duplicates(problems, frame, rows, compared, ~empty, id_column,
                     {**{c: r.column.codes for c, r in ratings.items()},
                      **{c: a.index for c, a in answers.items()}},
                     {**{c: coded[c][1] for c in ratings},
                      **{c: a.cells for c, a in answers.items()}}, free)
    rejects = pd.DataFrame(problems, columns=REJECT_COLUMNS[:-1])
    rejects["message"] = [format_reject(source, p[0], p[1], p[2], p[3]) for p in problems]
    rejects = rejects.sort_values(["row", "column"], kind="stable").reset_index(drop=True)
    rejected = np.isin(rows, rejects["row"].to_numpy())
    screened &= ~rejected
    accepted = open_ & ~rejected
    kept = np.flatnonzero(accepted)
    n_acc = len(kept)
    # Shares among accepted respondents; counting per code is exact (integer counts / n).
    per_code = {i: np.bincount(c.codes[kept], minlength=len(c.values))
                for i, c in rated_codes.items()}
    screening_blank = {qid: int((b & accepted).sum()) for qid, b in blank_at.items()}
    report = IngestReport(
        source=source, sha256=sha256, format=fmt, encoding=encoding,
        n_rows=n - int(empty.sum()), n_accepted=n_acc, n_rejected=int(rejected.sum()),
        n_screened_out=int(screened.sum()),
        dont_know={i: float(per_code[i] @ rated_codes[i].dont_know) / n_acc if n_acc else 0.0
                   for i in rated},
        blank={i: float(per_code[i] @ rated_codes[i].blank) / n_acc if n_acc else 0.0
               for i in rated},
        empty_rows=int(empty.sum()),
        screening_blank={k: v for k, v in screening_blank.items() if v},
        notes=(*read_notes, *_notes(rows, empty, blank_at, accepted)),
        platform=platform, columns=tuple(columns), missing_columns=missing_columns,
        recoded={k: dict(v) for k, v in (recoded or {}).items()},
    )
    return CodedResponses(q, frame, rated_codes, codes, rows, accepted, screened, rejects,
                          report, last_fields)


def known_ids_in_order(q: Questionnaire) -> list[str]:
    """Every id a column may hold, in questionnaire order: screening, profile, other
    questions, items, importance ratings."""
    return [*(x.id for x in (*q.screening, *q.demographics, *q.questions)),
            *(i.id for i in q.items), *(r.id for r in q.importance)]


def _rows_text(rows: np.ndarray, limit: int = 10) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    return f"{shown} and {len(rows) - limit} more" if len(rows) > limit else shown


def _notes(rows: np.ndarray, empty: np.ndarray, blank_at: Mapping[str, np.ndarray],
           accepted: np.ndarray) -> tuple[str, ...]:
    notes = []
    if empty.any():
        k = int(empty.sum())
        notes.append(f"{k} wholly empty row{'s' if k > 1 else ''} (every cell blank, e.g. "
                     f"Excel's formatted empty rows) skipped, not counted as respondents: "
                     f"row{'s' if k > 1 else ''} {_rows_text(rows[empty])}.")
    for qid, blank in blank_at.items():
        taken = blank & accepted
        if taken.any():
            k = int(taken.sum())
            notes.append(f"{k} accepted respondent{'s' if k > 1 else ''} left the screening "
                         f"question '{qid}' blank; they answered the items, so they were taken "
                         f"as qualified (row{'s' if k > 1 else ''} {_rows_text(rows[taken])}). "
                         "Check them if this question decides who belongs to the survey.")
    return tuple(notes)


def _empty_rows(frame: pd.DataFrame, known: Mapping[str, tuple[np.ndarray, np.ndarray]]
                ) -> np.ndarray:
    """Rows whose every cell is blank. ``known``: columns already coded, as (row -> code,
    whether each code's cell is blank); the other columns are read only on the rows still
    blank (after the first answered column, hardly any)."""
    empty = np.ones(len(frame), dtype=bool)
    candidates = np.arange(len(frame))
    for index, blank in known.values():
        candidates = candidates[blank[index[candidates]]]
        if not candidates.size:
            break
    for name in frame.columns:
        if not candidates.size:
            break
        if name in known:
            continue
        text = _text(frame[name].iloc[candidates])
        candidates = candidates[(text == "").to_numpy()]
    empty[:] = False
    empty[candidates] = True
    return empty


def _cell_hashes(cells: pd.Series) -> np.ndarray:
    """A 64-bit hash of each distinct cell, equal for equal cells as the file has them."""
    if isinstance(cells.dtype, np.dtype) and cells.dtype.kind in "biuf":
        return pd.util.hash_array(cells.to_numpy(), categorize=False)
    if isinstance(cells.dtype, pd.StringDtype):
        values = cells.to_numpy(dtype=object, na_value="")
    else:
        values = np.array([_cell_text(v) for v in cells], dtype=object)
    return pd.util.hash_array(values, categorize=False)


#: Rows per block of the duplicate search's row hashes.
_HASH_BLOCK = 65_536


def _repeated_rows(problems: list[tuple], frame: pd.DataFrame, rows: np.ndarray,
                   considered: np.ndarray, present: np.ndarray,
                   column: Callable[[str], tuple[np.ndarray, pd.Series]],
                   free: Sequence[str] | None) -> np.ndarray:
    """The rows (of those ``considered``) that repeat an earlier row cell for cell, each with
    its problem added (see :func:`_flag_duplicates`)."""
    positions = np.flatnonzero(considered)
    per_column = {name: (index, _cell_hashes(cells))
                  for name in frame.columns for index, cells in [column(name)]}
    # Every row's hash, block by block: a block's hashes stay in the cache while each column
    # is folded in (a million rows of 60 columns: 0.1 s, against 0.23 s column by column).
    row_hash = np.zeros(len(frame), dtype=np.uint64)
    step = np.uint64(0x100000001B3)
    cell = np.empty(min(len(frame), _HASH_BLOCK), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for start in range(0, len(frame), _HASH_BLOCK):
            block = row_hash[start:start + _HASH_BLOCK]
            here = cell[:len(block)]
            for index, hashes in per_column.values():
                np.take(hashes, index[start:start + _HASH_BLOCK], out=here, mode="clip")
                block *= step
                block ^= here
    row_hash = row_hash[positions]
    meet = pd.Series(row_hash).duplicated(keep=False).to_numpy()
    groups: dict[bytes, list[int]] = {}
    if meet.any():
        at = positions[meet]
        matrix = np.column_stack([hashes[index[at]] for index, hashes in per_column.values()])
        for k, pos in enumerate(at.tolist()):
            groups.setdefault(matrix[k].tobytes(), []).append(pos)
    if free is not None and groups:
        # How often each free cell occurs among the rows present.
        counts = {name: pd.Series(per_column[name][1][per_column[name][0][present]])
                  .value_counts() for name in free}
    duplicate = np.zeros(len(frame), dtype=bool)
    for group in groups.values():
        if len(group) < 2:
            continue
        if free is not None:
            first = group[0]
            unique = False
            for name in free:
                index, hashes = per_column[name]
                if (_cell_text(column(name)[1].iloc[index[first]]).strip()
                        and counts[name].get(hashes[index[first]], 0) == len(group)):
                    unique = True
                    break
            if not unique:  # alike by chance: nothing but common answers in common
                continue
        for pos in group[1:]:
            duplicate[pos] = True
            problems.append((int(rows[pos]), "", "",
                             f"the row repeats row {rows[group[0]]} cell for cell (a duplicate "
                             f"submission or a doubled export?); only row {rows[group[0]]} is "
                             "used.", "duplicate", str(rows[group[0]])))
    return duplicate


def _flag_duplicates(problems: list[tuple], frame: pd.DataFrame, rows: np.ndarray,
                     considered: np.ndarray, present: np.ndarray, id_column: str | None,
                     known_codes: Mapping[str, np.ndarray],
                     known_cells: Mapping[str, pd.Series],
                     free: Sequence[str] | None = None) -> None:
    """Reject every row (of those ``considered``) that repeats an earlier row cell for cell
    ('duplicate': a double submission, a doubled export) and, when the file has a respondent
    id column, every later row of an id already used with other answers ('duplicate_id');
    the first row is kept. With ``free`` columns, a group of identical rows counts only when
    one of its cells in those columns is found in no other row (of those ``present``).
    Rows are compared by a 64-bit hash of their cells, then cell by cell (each cell's hash)
    on the rows whose hashes meet."""
    coded: dict[str, tuple[np.ndarray, pd.Series]] = {}

    def column(name: str) -> tuple[np.ndarray, pd.Series]:
        if name in known_codes:
            return known_codes[name], known_cells[name]
        if name not in coded:
            coded[name] = _factorize(frame[name])
        return coded[name]

    n = len(frame)

    def distinct(name: str) -> bool:
        """Every row holds a cell of its own in ``name`` (a respondent id, a timestamp). Text
        and number columns only: their codes are exact, where an object column may give each
        cell its own code (see _factorize)."""
        dtype = frame[name].dtype
        exact = isinstance(dtype, pd.StringDtype) or (isinstance(dtype, np.dtype)
                                                      and dtype.kind in "biuf")
        return exact and len(column(name)[1]) == n

    # With such a column no row can repeat another cell for cell: nothing to hash.
    if n and any(distinct(name) for name in frame.columns):
        duplicate = np.zeros(n, dtype=bool)
    else:
        duplicate = _repeated_rows(problems, frame, rows, considered, present, column, free)
    if id_column is None or distinct(id_column):  # no id, or none used twice
        return
    index, cells = column(id_column)
    text = _text(cells)
    ids = pd.util.hash_array(text.to_numpy(dtype=object), categorize=False)[index]
    has_id = considered & ~duplicate & (text != "").to_numpy()[index]
    at = np.flatnonzero(has_id)
    if len(at) < 2:
        return
    _, first_of, inverse = np.unique(ids[at], return_index=True, return_inverse=True)
    firsts = at[first_of[inverse]]
    value = text.to_numpy(dtype=object)
    for pos, first in zip(at[firsts != at], firsts[firsts != at], strict=True):
        problems.append((int(rows[pos]), id_column, value[index[pos]],
                         f"respondent id {value[index[pos]]!r} is already used by row "
                         f"{rows[first]}, with other answers; only row {rows[first]} is used. "
                         "Check which of the two is right.", "duplicate_id", str(rows[first])))


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


@dataclass(frozen=True)
class _Answers:
    """A screening or profile question's column classified on its distinct cells: row ->
    code (``index``), each code's cell as the file has it, stripped (``text``) and as an option
    code (``canonical``), whether it is empty text (``empty``), no answer (``blank``: empty,
    R's NA in a numeric or numerically coded question, a value the file declares missing)
    or a bad answer (``bad``, with the reason template, code and detail)."""

    index: np.ndarray
    cells: pd.Series
    text: pd.Series
    canonical: pd.Series
    empty: np.ndarray
    blank: np.ndarray
    bad: np.ndarray
    expected: str = ""
    code: str = ""
    detail: str = ""

    def flag(self, problems: list[tuple], rows: np.ndarray, column: str,
             where: np.ndarray | None = None) -> None:
        if self.code:
            _flag(problems, self.bad, self.index, rows, column, self.text,
                  partial(_format_reason, f"value {{v!r}} is not {self.expected}."),
                  self.code, self.detail, where)


def _classify(question: Question, col: pd.Series,
              declared: Sequence[tuple[object, object]] = ()) -> _Answers:
    """Classify a screening or profile question's answers (see :class:`_Answers`)."""
    index, cells = _factorize(col)
    text = _text(cells)
    empty = (text == "").to_numpy()
    blank = empty.copy()
    if question.type in ("integer", "number", "date") or (
            question.type in ("single", "multiple")
            and _R_NA not in {_fmt(c) for c, _ in question.options}):
        blank |= (text == _R_NA).to_numpy()  # R's NA: no number, date or option code
    if declared:
        num = pd.to_numeric(text.where(~blank), errors="coerce")
        blank |= _declared(text.to_numpy(dtype=object),
                           num.to_numpy(dtype=float, na_value=np.nan), declared)
    filled = ~blank
    bad = np.zeros(len(text), dtype=bool)
    canonical = text
    if question.type in ("single", "multiple"):
        codes = {_fmt(c) for c, _ in question.options}
        num = pd.to_numeric(text.where(filled), errors="coerce")
        canonical = num.map(_fmt).where(num.notna(), text)
        booleans = any(isinstance(c, bool) for c, _ in question.options)
        if booleans:
            # YAML reads the codes true/false as booleans; Excel writes TRUE/FALSE, a CSV
            # may say true or True: one answer, whatever its case.
            canonical = canonical.map(_bool_text)
        if question.type == "single":
            bad = filled & ~canonical.isin(codes).to_numpy()
        else:
            parts = text.str.split(_MULTI_SEP, regex=True)
            part = (lambda p: _bool_text(_fmt_text(p))) if booleans else _fmt_text
            bad = filled & ~parts.map(
                lambda ps: all(part(p) in codes for p in ps)).to_numpy()
        detail = ", ".join(sorted(codes, key=_sort_key))
        expected, code = f"one of the options {detail}", "not_option"
    elif question.type in ("integer", "number"):
        num = pd.to_numeric(text.where(filled), errors="coerce")
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
        parsed = pd.to_datetime(text.where(filled), errors="coerce", format="mixed")
        bad = filled & parsed.isna().to_numpy()
        expected, code, detail = "a date such as 2026-09-30", "not_date", ""
    else:
        return _Answers(index, cells, text, canonical, empty, blank, bad)
    return _Answers(index, cells, text, canonical, empty, blank, bad, expected, code, detail)


def _fmt(x: object) -> str:
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def _bool_text(s: object) -> object:
    """'TRUE', 'true', 'True' -> 'True' (and so for false): a YAML boolean code's text."""
    if isinstance(s, str) and s.casefold() in ("true", "false"):
        return s.casefold().capitalize()
    return s


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
