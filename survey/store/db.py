"""The study store's DuckDB plumbing: the schema, transactions, definitions, queries and the
small pieces every part of the store uses (labels, digests, atomic writes). The only module
that imports duckdb."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import Problem, SurveyError
from survey.numbers import plain as _num
from survey.questionnaire import Scale

DATABASE = "study.duckdb"
DEFINITIONS = "definitions"
SCHEMA_VERSION = 1
#: Columns the store keeps for itself in ``responses``; a file column may not take these names.
META_COLUMNS = ("ingest_id", "wave", "brand", "source_sha256", "row")
RESERVED = frozenset(m.lower() for m in META_COLUMNS)
#: Seconds a second writer waits for the study's lock before failing.
LOCK_TIMEOUT = 60.0
LABEL_MAX = 100

SCHEMA = """
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE definitions (kind VARCHAR, version INTEGER, sha256 VARCHAR, file VARCHAR,
    name VARCHAR, content VARCHAR, added_at TIMESTAMP, PRIMARY KEY (kind, version));
CREATE TABLE ingests (ingest_id INTEGER PRIMARY KEY, wave VARCHAR, brand VARCHAR,
    file_name VARCHAR, file_path VARCHAR, sha256 VARCHAR, format VARCHAR, encoding VARCHAR,
    n_rows BIGINT, n_accepted BIGINT, n_rejected BIGINT, n_screened_out BIGINT,
    questionnaire_version INTEGER, ingested_at TIMESTAMP, status VARCHAR,
    replaced_at TIMESTAMP);
CREATE TABLE responses (ingest_id INTEGER, wave VARCHAR, brand VARCHAR,
    source_sha256 VARCHAR, "row" BIGINT);
CREATE TABLE rejects (ingest_id INTEGER, wave VARCHAR, brand VARCHAR, source_sha256 VARCHAR,
    "row" BIGINT, "column" VARCHAR, value VARCHAR, reason VARCHAR, message VARCHAR);
CREATE TABLE screened_out (ingest_id INTEGER, wave VARCHAR, brand VARCHAR,
    source_sha256 VARCHAR, "row" BIGINT, answers VARCHAR);
CREATE TABLE runs (run_id VARCHAR PRIMARY KEY, created_at TIMESTAMP, manifest VARCHAR);
CREATE TABLE run_tables (run_id VARCHAR, name VARCHAR, table_name VARCHAR, n_rows BIGINT,
    "index" VARCHAR, PRIMARY KEY (run_id, name));
"""



class StoreError(SurveyError):
    """A study store cannot be created, opened or changed as asked."""


class StoreLockedError(StoreError):
    """Another process holds the study's database and did not let go in time."""



# --------------------------------------------------------------------------- small pieces


def duckdb_module():
    import duckdb

    return duckdb


@contextmanager
def transaction(con: Any, study: Path) -> Iterator[None]:
    """BEGIN ... COMMIT, or ROLLBACK on any error (a disk-full error becomes a StoreError)."""
    duckdb = duckdb_module()
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    try:
        con.execute("COMMIT")
    except duckdb.IOException as exc:
        raise StoreError(Problem(str(study), f"Could not save the change: {exc}")) from exc


def insert_definition(con: Any, kind: str, version: int, raw: bytes, name: str,
                       now: datetime) -> None:
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise StoreError(Problem(name, "Definition files must be UTF-8 text.")) from None
    con.execute("INSERT INTO definitions VALUES (?, ?, ?, ?, ?, ?, ?)",
                [kind, version, sha256(raw), f"{kind}-v{version}.yaml", name, content, now])


def current_definition(con: Any, kind: str) -> tuple[int, str] | None:
    row = con.execute("SELECT version, sha256 FROM definitions WHERE kind = ? "
                      "ORDER BY version DESC LIMIT 1", [kind]).fetchone()
    return (row[0], row[1]) if row else None


def response_columns(con: Any) -> list[tuple[str, str]]:
    """The data columns of ``responses`` (name, DOUBLE | VARCHAR), in table order."""
    rows = con.execute("SELECT name, type FROM pragma_table_info('responses') ORDER BY cid"
                       ).fetchall()
    return [(n, t) for n, t in rows if n not in META_COLUMNS]


def selection(waves: Sequence[str] | None, brands: Sequence[str] | None
               ) -> tuple[str, list[str]]:
    clauses, params = [], []
    for column, values in (("wave", waves), ("brand", brands)):
        if values is not None:
            values = [values] if isinstance(values, str) else list(values)
            if not values:
                clauses.append("FALSE")
                continue
            clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
            params += [str(v) for v in values]
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


def frame(con: Any, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
    """A query's result as pandas: text as pandas' 'str' dtype, NULL numbers as NaN."""
    import pyarrow as pa

    table = con.sql(sql, params=list(params) if params else None).to_arrow_table()
    text = pd.StringDtype("pyarrow", na_value=np.nan)
    return table.to_pandas(types_mapper={pa.string(): text, pa.large_string(): text,
                                         pa.string_view(): text}.get)


def storable(table: pd.DataFrame, name: str) -> tuple[pd.DataFrame, list[str]]:
    """A result table ready for DuckDB: the index as columns (unless it is the default
    0..n-1); object columns of flags or numbers with gaps as nullable flags or numbers, and
    the other object columns (mixed values, or no value at all: DuckDB would give those the
    type NULL, which no later run's values fit) as text."""
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"Run table '{name}' must be a pandas DataFrame, got "
                        f"{type(table).__name__}.")
    index: list[str] = []
    frame = table
    if not (isinstance(table.index, pd.RangeIndex) and table.index.start == 0
            and table.index.step == 1 and table.index.name is None):
        names = [n if n is not None else f"level_{k}" if table.index.nlevels > 1 else "index"
                 for k, n in enumerate(table.index.names)]
        frame = table.copy()
        frame.index = frame.index.set_names(names)
        frame = frame.reset_index()
        index = [str(n) for n in names]
    frame = frame.copy(deep=False)
    frame.columns = [str(c) for c in frame.columns]
    lowered = [c.lower() for c in frame.columns]
    if len(set(lowered)) < len(lowered):
        raise StoreError(Problem(name, "Run table columns must differ in more than case."))
    for c in frame.columns:
        col = frame[c]
        if col.dtype != object:
            continue
        kind = pd.api.types.infer_dtype(col, skipna=True)
        # Flags and numbers with gaps (None beside them keeps pandas at 'object') keep their
        # type: a flag stored as the text 'False' would read back as true.
        if kind == "boolean":
            frame[c] = col.astype("boolean")
        elif kind == "integer":
            frame[c] = col.astype("Int64")
        elif kind in ("floating", "mixed-integer-float"):
            frame[c] = col.astype("Float64")
        elif kind != "string":
            frame[c] = pd.array([None if missing(v) else str(v) for v in col], dtype="str")
    return frame, index


def label(value: object, what: str, *, allow_empty: bool) -> str:
    """A wave, brand, run or table label: text of at most 100 printable characters without
    surrounding spaces. Labels are never used as file names."""
    if not isinstance(value, str):
        raise StoreError(f"The {what} must be text. Got {type(value).__name__} instead.")
    if not value and allow_empty:
        return value
    if not value or value != value.strip() or len(value) > LABEL_MAX or not value.isprintable():
        raise StoreError(f"The {what} {value!r} is not a valid label: 1 to {LABEL_MAX} printable "
                         "characters without leading or trailing spaces.")
    return value


def wave_text(wave: str, brand: str) -> str:
    return f"wave '{wave}'" + (f" brand '{brand}'" if brand else "")


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def scale(scale: Scale) -> str:
    """'1-10', or '0-10 continuous'."""
    return f"{_num(scale.min)}-{_num(scale.max)}{' continuous' if scale.continuous else ''}"


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, streamed; a missing or unreadable file fails as the ingest would."""
    from survey.errors import ResponseValidationError

    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 22):
                digest.update(chunk)
    except FileNotFoundError:
        raise ResponseValidationError(Problem(str(path), "File not found.")) from None
    except OSError as exc:
        raise ResponseValidationError(Problem(str(path), f"Cannot read the file "
                                                         f"({exc.strerror}).")) from None
    return digest.hexdigest()


def write_atomic(path: Path, raw: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_bytes(raw)
    os.replace(tmp, path)


def package_version() -> str:
    from survey._version import __version__

    return __version__



def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists, arrays: not a missing scalar
        return False
