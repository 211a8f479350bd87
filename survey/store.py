"""The study store: one folder per study, its waves of validated responses in one DuckDB file.

A study folder holds ``study.duckdb`` and ``definitions/`` (a copy of every questionnaire and
path-model version, ``questionnaire-v1.yaml``, ``model-v1.yaml``, ...). The database is the
record; the YAML copies are for people and are rewritten from it if missing or edited.

Tables (every name below is a column; ``responses`` grows a column per new file column):

* ``definitions``: kind ('questionnaire' | 'model'), version, sha256, file, name (the file it
  came from), content (the YAML text), added_at.
* ``ingests``: ingest_id, wave, brand, file_name, file_path, sha256, format, encoding, n_rows,
  n_accepted, n_rejected, n_screened_out, questionnaire_version, ingested_at, status
  ('current' | 'replaced'), replaced_at. Replaced ingests stay as history.
* ``responses``: ingest_id, wave, brand, source_sha256, row (the file's row number, header =
  1), then one column per column of the files: the questionnaire's rated items (and stated
  importance ratings) as DOUBLE, NULL for missing or don't know; everything else as text.
  Columns are never dropped: an item a later questionnaire no longer asks keeps its column
  for the waves that have it, and a new item is NULL for the waves before it.
* ``rejects``: ingest_id, wave, brand, source_sha256, row, column, value, reason, message.
* ``screened_out``: ingest_id, wave, brand, source_sha256, row, answers (JSON of the
  screening answers). Rows rather than counts: who was screened out, and on which answer, can
  be checked later (an incidence rate by answer, a changed qualification rule), at the cost of
  a few short rows; the counts are in ``ingests``.
* ``runs`` (run_id, created_at, manifest JSON) and ``run_tables`` (run_id, name, table_name,
  n_rows, index): result tables of estimation runs, each stored as its own table (a table
  without rows keeps its columns; one without columns has table_name NULL).

Times are UTC. Wave, brand and run labels are values in the database, never file names, so a
label such as ``../x`` or ``CON`` cannot write outside the study folder.

Reliability: every change is one DuckDB transaction (an ingest with its rejects, screened-out
rows, a new questionnaire version and, with ``replace``, the removal of the wave it replaces):
a process killed midway leaves the store as it was. DuckDB admits one writing process; another
one waits for the lock up to ``lock_timeout`` seconds and then fails naming the study. The
slow part of an ingest (reading and validating the file) runs before the lock is taken.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import Problem, QuestionnaireError, SurveyError
from survey.ingest import CodedResponses, read_coded_responses
from survey.numbers import plain as _num
from survey.pathmodel import PathModel, bind, load_model
from survey.questionnaire import Questionnaire, Scale, load_questionnaire

DATABASE = "study.duckdb"
DEFINITIONS = "definitions"
SCHEMA_VERSION = 1
#: Columns the store keeps for itself in ``responses``; a file column may not take these names.
META_COLUMNS = ("ingest_id", "wave", "brand", "source_sha256", "row")
_RESERVED = frozenset(m.lower() for m in META_COLUMNS)
#: Seconds a second writer waits for the study's lock before failing.
LOCK_TIMEOUT = 60.0
_LABEL_MAX = 100

_SCHEMA = """
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


@dataclass(frozen=True, eq=False)
class IngestResult:
    """What an ingest did: ``status`` is 'ingested', 'replaced' (the wave and brand held
    another file, now replaced) or 'unchanged' (this very file is already stored there)."""

    status: str
    study: Path
    wave: str
    brand: str
    file: str
    sha256: str
    ingest_id: int
    n_rows: int
    n_accepted: int
    n_rejected: int
    n_screened_out: int
    questionnaire_version: int
    ingested_at: datetime
    replaced_file: str | None = None
    notes: tuple[str, ...] = ()
    #: Every rejected answer (row, column, value, reason, message); empty when unchanged.
    rejects: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def message(self) -> str:
        """One line for people."""
        where = _wave_text(self.wave, self.brand)
        if self.status == "unchanged":
            return (f"{self.file}: Already stored as {where} (same SHA-256 {self.sha256[:12]}, "
                    f"ingested {self.ingested_at:%Y-%m-%d %H:%M:%S} UTC); nothing to do.")
        verb = (f"replaced {self.replaced_file} as" if self.status == "replaced"
                else "stored as")
        return (f"{self.file}: {verb} {where} in {self.study}: {self.n_accepted} accepted, "
                f"{self.n_rejected} rejected, {self.n_screened_out} screened out of "
                f"{self.n_rows} rows (questionnaire version {self.questionnaire_version}).")


# --------------------------------------------------------------------------- the study


class Study:
    """A study folder: its questionnaire and model versions and every ingested wave.

    Construction only stores the path; :meth:`open` checks that it is a study and
    :meth:`create` makes one. Each method opens the database for its own work and closes it,
    so a notebook holding a ``Study`` never blocks a ``survey ingest`` of the same study.
    """

    def __init__(self, path: str | Path, *, lock_timeout: float = LOCK_TIMEOUT) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout

    def __repr__(self) -> str:
        return f"Study({str(self.path)!r})"

    @property
    def database(self) -> Path:
        return self.path / DATABASE

    # -- creating and opening

    @classmethod
    def create(cls, path: str | Path, *, questionnaire: str | Path, model: str | Path,
               force: bool = False, lock_timeout: float = LOCK_TIMEOUT) -> Study:
        """Create the study folder ``path`` with its database and version 1 of the
        questionnaire and model (both validated, the model bound to the questionnaire).

        An existing study is refused unless ``force``, which replaces it whole; a folder that
        is not a study (other files in it) is never replaced. The new study is built beside
        the target and renamed into place, so an interrupted ``create`` leaves nothing half
        made."""
        target = Path(path)
        q = load_questionnaire(questionnaire)
        m = load_model(model)
        bind(m, q)
        existing = target.exists() or target.is_symlink()
        if existing:
            if not target.is_dir():
                raise StoreError(Problem(str(target), "A file (not a study folder) is in the "
                                                      "way. Choose another study path."))
            is_study = (target / DATABASE).exists()
            if not is_study and any(target.iterdir()):
                raise StoreError(Problem(str(target), "This folder is not empty and is not a "
                                                      "study; refusing to use it, even with "
                                                      "--force. Choose another study path."))
            if is_study and not force:
                raise StoreError(Problem(str(target), "A study already exists here. Use "
                                                      "--force to replace it (its waves are "
                                                      "deleted)."))
            if is_study:
                with cls(target, lock_timeout=lock_timeout)._connect(write=True):
                    pass  # refuse to replace a study another process is writing to
        parent = target.absolute().parent
        parent.mkdir(parents=True, exist_ok=True)
        staging = parent / f".{target.name}.creating-{uuid.uuid4().hex[:8]}"
        staging.mkdir()
        try:
            study = cls(staging, lock_timeout=lock_timeout)
            now = _now()
            with study._connect(write=True, create=True) as con:
                con.execute("BEGIN TRANSACTION")
                con.execute(_SCHEMA)
                con.executemany("INSERT INTO meta VALUES (?, ?)", [
                    ("schema_version", str(SCHEMA_VERSION)), ("created_at", now.isoformat()),
                    ("csi_survey_version", _package_version())])
                for kind, source in (("questionnaire", questionnaire), ("model", model)):
                    _insert_definition(con, kind, 1, Path(source).read_bytes(),
                                       Path(source).name, now)
                con.execute("COMMIT")
            study._write_definition_files()
            if existing:
                retired = parent / f".{target.name}.replaced-{uuid.uuid4().hex[:8]}"
                target.rename(retired)
                staging.rename(target)
                shutil.rmtree(retired, ignore_errors=True)
            else:
                staging.rename(target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return cls(target, lock_timeout=lock_timeout)

    @classmethod
    def open(cls, path: str | Path, *, lock_timeout: float = LOCK_TIMEOUT) -> Study:
        """The study at ``path``; raises :class:`StoreError` if it is not one."""
        study = cls(path, lock_timeout=lock_timeout)
        if not study.database.is_file():
            raise StoreError(Problem(str(study.path), f"Not a study folder (no {DATABASE}). "
                                                      "Create one with 'survey init'."))
        with study._connect() as con:
            try:
                row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'"
                                  ).fetchone()
            except _duckdb().CatalogException:
                row = None
        if row is None:
            raise StoreError(Problem(str(study.database), "This DuckDB file is not a study "
                                                          "database (no schema version)."))
        if int(row[0]) != SCHEMA_VERSION:
            raise StoreError(Problem(str(study.database), f"Study schema version {row[0]} "
                                                          f"is not the supported version "
                                                          f"{SCHEMA_VERSION}."))
        return study

    # -- definitions

    def definitions(self) -> pd.DataFrame:
        """Every stored questionnaire and model version (kind, version, sha256, file, name,
        added_at)."""
        with self._connect() as con:
            return _frame(con, "SELECT kind, version, sha256, file, name, added_at "
                               "FROM definitions ORDER BY kind DESC, version")

    def questionnaire(self, version: int | None = None) -> Questionnaire:
        """The questionnaire of ``version`` (default: the current, latest one)."""
        return load_questionnaire(self._definition_path("questionnaire", version))

    def model(self, version: int | None = None) -> PathModel:
        """The path model of ``version`` (default: the current, latest one); bind it to a
        questionnaire with :func:`survey.pathmodel.bind`."""
        return load_model(self._definition_path("model", version))

    def add_model(self, path: str | Path) -> int:
        """Store a new model version (checked against the current questionnaire) and return
        its number; the same file as the current version adds nothing."""
        bind(load_model(path), self.questionnaire())
        raw = Path(path).read_bytes()
        with self._connect(write=True) as con, _transaction(con, self.path):
            current = _current_definition(con, "model")
            if current is not None and current[1] == _sha256(raw):
                return current[0]
            version = (current[0] if current else 0) + 1
            _insert_definition(con, "model", version, raw, Path(path).name, _now())
        self._write_definition_files()
        return version

    # -- ingesting

    def ingest(self, data: str | Path, *, wave: str, brand: str = "", replace: bool = False,
               questionnaire: str | Path | None = None, sheet: str | int | None = None
               ) -> IngestResult:
        """Validate the response file ``data`` exactly as :func:`survey.ingest.read_responses`
        does, with the study's current questionnaire (or ``questionnaire``, stored as its next
        version), and append it as ``wave`` (and ``brand``) in one transaction.

        The same file (same SHA-256) already stored as this wave and brand is a no-op
        (status 'unchanged'); stored as another wave or brand, it is refused. A wave and brand
        already holding another file is refused unless ``replace``. A new questionnaire
        version may add items (NULL for earlier waves) and drop items (their columns stay);
        an item whose scale changed is refused."""
        wave = _label(wave, "wave", allow_empty=False)
        brand = _label(brand, "brand", allow_empty=True)
        path = Path(data)
        sha = _file_sha256(path)
        with self._connect() as con:
            _check_target(con, self.path, path, sha, wave, brand, replace)
            if (done := _unchanged(con, self.path, path, sha, wave, brand)) is not None:
                if questionnaire is not None:
                    done = dataclasses.replace(done, notes=(
                        f"{questionnaire} was not stored: there was nothing to ingest.",))
                return done
            current = _current_definition(con, "questionnaire")
            versions = [v for (v,) in con.execute(
                "SELECT version FROM definitions WHERE kind = 'questionnaire' ORDER BY version"
            ).fetchall()]
            columns = _response_columns(con)
        assert current is not None  # create() stores version 1
        new_raw = None
        if questionnaire is not None:
            new_raw = Path(questionnaire).read_bytes()
            if _sha256(new_raw) == current[1]:
                new_raw = None
        notes: list[str] = []
        if new_raw is not None:
            q = load_questionnaire(questionnaire)
            _check_compatible(q, [(v, self.questionnaire(v)) for v in versions])
            q_version = current[0] + 1
            notes += _version_notes(q, self.questionnaire(current[0]), q_version, current[0])
            notes += self._model_fit_note(q)
        else:
            q = self.questionnaire(current[0])
            q_version = current[0]
        coded = read_coded_responses(path, q, sheet=sheet)
        _check_last_row(path, coded)
        sha = coded.report.sha256  # the bytes validated are the bytes recorded
        names = [str(c) for c in coded.frame.columns]
        _plan_columns(names, coded.rated.keys(), columns, path)  # fail before waiting
        arrays = _incoming_arrays(coded)
        rejects = _rejects_table(coded)
        screened = _screened_table(coded)
        now = _now()
        with self._connect(write=True) as con, _transaction(con, self.path):
            # Checked again under the lock: another process may have written meanwhile.
            if _current_definition(con, "questionnaire") != current:
                raise StoreError(Problem(str(self.path), "The study's questionnaire changed "
                                                         "while this file was being validated. "
                                                         "Run the command again."))
            plan, skipped = _plan_columns(names, coded.rated.keys(), _response_columns(con),
                                          path)
            incoming = _arrow_table(arrays, ["row", *(n for n in names if n not in skipped
                                                      and n.lower() not in _RESERVED)])
            notes += [f"Column '{c}' was a rated item of an earlier questionnaire version and "
                      f"is not one of version {q_version}: its values in {path.name} were not "
                      "stored." for c in skipped]
            _check_target(con, self.path, path, sha, wave, brand, replace)
            if (done := _unchanged(con, self.path, path, sha, wave, brand)) is not None:
                return done
            if new_raw is not None:
                _insert_definition(con, "questionnaire", q_version, new_raw,
                                   Path(questionnaire).name, now)
            old = con.execute("SELECT ingest_id, file_name FROM ingests WHERE wave = ? AND "
                              "brand = ? AND status = 'current'", [wave, brand]).fetchone()
            if old is not None:  # only with replace: _check_target refused otherwise
                for table in ("responses", "rejects", "screened_out"):
                    con.execute(f"DELETE FROM {table} WHERE ingest_id = ?", [old[0]])
                con.execute("UPDATE ingests SET status = 'replaced', replaced_at = ? "
                            "WHERE ingest_id = ?", [now, old[0]])
            ingest_id = con.execute("SELECT COALESCE(MAX(ingest_id), 0) + 1 FROM ingests"
                                    ).fetchone()[0]
            r = coded.report
            con.execute("INSERT INTO ingests VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                        "'current', NULL)",
                        [ingest_id, wave, brand, path.name, str(path.absolute()), sha,
                         r.format, r.encoding, r.n_rows, r.n_accepted, r.n_rejected,
                         r.n_screened_out, q_version, now])
            for name, sql_type in plan:
                con.execute(f"ALTER TABLE responses ADD COLUMN {_q(name)} {sql_type}")
            for table, frame in (("responses", incoming), ("rejects", rejects),
                                 ("screened_out", screened)):
                con.register("_incoming", frame)
                con.execute(f"INSERT INTO {table} BY NAME SELECT ?::INTEGER AS ingest_id, "
                            "?::VARCHAR AS wave, ?::VARCHAR AS brand, "
                            "?::VARCHAR AS source_sha256, * FROM _incoming",
                            [ingest_id, wave, brand, sha])
                con.unregister("_incoming")
        if new_raw is not None:
            self._write_definition_files()
        return IngestResult(
            status="replaced" if old is not None else "ingested", study=self.path, wave=wave,
            brand=brand, file=str(path), sha256=sha, ingest_id=ingest_id, n_rows=r.n_rows,
            n_accepted=r.n_accepted, n_rejected=r.n_rejected, n_screened_out=r.n_screened_out,
            questionnaire_version=q_version, ingested_at=now,
            replaced_file=old[1] if old is not None else None, notes=tuple(notes),
            rejects=coded.rejects)

    # -- reading

    def waves(self, *, history: bool = False) -> pd.DataFrame:
        """One row per stored wave and brand, in ingest order: wave, brand, file_name, sha256,
        n_rows, n_accepted, n_rejected, n_screened_out, questionnaire_version, ingested_at,
        ingest_id (and status, replaced_at with ``history``: replaced files too)."""
        extra = ", status, replaced_at" if history else ""
        where = "" if history else "WHERE status = 'current'"
        with self._connect() as con:
            return _frame(con, "SELECT wave, brand, file_name, sha256, n_rows, n_accepted, "
                               "n_rejected, n_screened_out, questionnaire_version, ingested_at, "
                               f"ingest_id{extra} FROM ingests {where} ORDER BY ingest_id")

    def responses(self, waves: Sequence[str] | None = None,
                  brands: Sequence[str] | None = None) -> pd.DataFrame:
        """Accepted respondents of the chosen waves and brands (default: all) in the shape of
        :attr:`survey.ingest.ResponseSet.data`: rated items as floats (NaN for missing, don't
        know, or an item its wave did not have), other columns as text, the index the row
        number in the file; plus ``wave`` and ``brand`` columns first. Rows come in ingest
        order, then row order; the columns are every column any wave has."""
        with self._connect() as con:
            columns = [c for c, _ in _response_columns(con)]
            where, params = _selection(waves, brands)
            selected = ", ".join(["wave", "brand", '"row"', *map(_q, columns)])
            frame = _frame(con, f"SELECT {selected} FROM responses {where} "
                                'ORDER BY ingest_id, "row"', params)
        frame = frame.set_index("row")
        frame.index = frame.index.astype("int64")
        return frame

    def rejects(self, waves: Sequence[str] | None = None,
                brands: Sequence[str] | None = None) -> pd.DataFrame:
        """Every rejected answer of the chosen waves and brands: wave, brand, source_sha256,
        row, column, value, reason, message."""
        where, params = _selection(waves, brands)
        with self._connect() as con:
            return _frame(con, "SELECT wave, brand, source_sha256, \"row\", \"column\", value, "
                               f"reason, message FROM rejects {where} "
                               "ORDER BY ingest_id, \"row\", \"column\"", params)

    def screened_out(self, waves: Sequence[str] | None = None,
                     brands: Sequence[str] | None = None) -> pd.DataFrame:
        """Screened-out respondents: wave, brand, source_sha256, row, answers (a dict of
        their screening answers)."""
        where, params = _selection(waves, brands)
        with self._connect() as con:
            frame = _frame(con, "SELECT wave, brand, source_sha256, \"row\", answers "
                                f"FROM screened_out {where} ORDER BY ingest_id, \"row\"", params)
        frame["answers"] = [json.loads(a) for a in frame["answers"]]
        return frame

    # -- runs

    def save_run(self, run_id: str, manifest: Mapping[str, Any],
                 tables: Mapping[str, pd.DataFrame]) -> None:
        """Store an estimation run: its manifest (JSON) and its result tables, each as a table
        of the database (a non-default index is stored as columns and restored on reading).
        A run id is used once."""
        run_id = _label(run_id, "run id", allow_empty=False)
        manifest_json = json.dumps(manifest, ensure_ascii=False, sort_keys=True)
        prepared = {}
        for name, table in tables.items():
            _label(name, "table name", allow_empty=False)
            prepared[name] = _storable(table, name)
        with self._connect(write=True) as con, _transaction(con, self.path):
            if con.execute("SELECT 1 FROM runs WHERE run_id = ?", [run_id]).fetchone():
                raise StoreError(Problem(str(self.path), f"Run '{run_id}' already exists. "
                                                         "Choose another run id."))
            con.execute("INSERT INTO runs VALUES (?, ?, ?)", [run_id, _now(), manifest_json])
            number = con.execute("SELECT COUNT(*) FROM run_tables").fetchone()[0]
            for name, (frame, index) in prepared.items():
                table_name = None
                # DuckDB has no table without columns: such a frame is only an entry in
                # run_tables (table_name NULL) with its row count, and is restored from it.
                if len(frame.columns):
                    number += 1
                    table_name = f"run_table_{number}"
                    while con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = ?",
                                      [table_name]).fetchone():
                        number += 1
                        table_name = f"run_table_{number}"
                    con.register("_run_table", frame)
                    con.execute(f"CREATE TABLE {table_name} AS SELECT * FROM _run_table")
                    con.unregister("_run_table")
                con.execute("INSERT INTO run_tables VALUES (?, ?, ?, ?, ?)",
                            [run_id, name, table_name, len(frame), json.dumps(index)])

    def runs(self) -> pd.DataFrame:
        """Stored runs: run_id, created_at, manifest (a dict), tables (their names)."""
        with self._connect() as con:
            runs = _frame(con, "SELECT run_id, created_at, manifest FROM runs "
                               "ORDER BY created_at, run_id")
            names = con.execute("SELECT run_id, name FROM run_tables ORDER BY name").fetchall()
        runs["manifest"] = [json.loads(m) for m in runs["manifest"]]
        runs["tables"] = [[n for r, n in names if r == run] for run in runs["run_id"]]
        return runs

    def run_tables(self, run_id: str) -> dict[str, pd.DataFrame]:
        """The result tables of a run, by name, as they were saved."""
        with self._connect() as con:
            entries = con.execute("SELECT name, table_name, \"index\", n_rows FROM run_tables "
                                  "WHERE run_id = ? ORDER BY name", [run_id]).fetchall()
            if not entries and not con.execute("SELECT 1 FROM runs WHERE run_id = ?",
                                               [run_id]).fetchone():
                raise StoreError(Problem(str(self.path), f"No run '{run_id}' in this study."))
            out = {}
            for name, table_name, index, n_rows in entries:
                if table_name is None:  # saved without columns
                    out[name] = pd.DataFrame(index=pd.RangeIndex(n_rows))
                    continue
                frame = _frame(con, f"SELECT * FROM {table_name}")
                index = json.loads(index)
                out[name] = frame.set_index(index) if index else frame
        return out

    # -- internals

    @contextmanager
    def _connect(self, *, write: bool = False, create: bool = False) -> Iterator[Any]:
        """A connection to the study's database, waiting up to ``lock_timeout`` seconds for
        another process's lock; closed (and so checkpointed) on leaving."""
        duckdb = _duckdb()
        if not create and not self.database.is_file():
            raise StoreError(Problem(str(self.path), f"Not a study folder (no {DATABASE})."))
        deadline = time.monotonic() + self.lock_timeout
        pause = 0.05
        while True:
            try:
                con = duckdb.connect(str(self.database), read_only=not write)
                break
            except duckdb.IOException as exc:
                text = str(exc)
                if "lock" not in text.lower():
                    raise StoreError(Problem(str(self.database), f"Cannot open the study's "
                                                                 f"database: {text}")) from exc
                if time.monotonic() + pause > deadline:
                    holder = re.search(r"\(PID (\d+)\)", text)
                    who = f" (PID {holder.group(1)})" if holder else ""
                    raise StoreLockedError(Problem(
                        str(self.path), f"The study is in use by another process{who} and was "
                                        f"still locked after {self.lock_timeout:g} s. Try again "
                                        "when it has finished, or wait longer (--wait)."),
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, 1.0)
        try:
            yield con
        finally:
            con.close()

    def _definition_path(self, kind: str, version: int | None) -> Path:
        """The YAML copy of a definition, rewritten from the database if missing or edited."""
        with self._connect() as con:
            if version is None:
                row = _current_definition(con, kind)
                version = row[0] if row else None
            found = con.execute("SELECT file, sha256, content FROM definitions WHERE kind = ? "
                                "AND version = ?", [kind, version]).fetchone()
        if found is None:
            raise StoreError(Problem(str(self.path), f"No {kind} version {version} in this "
                                                     "study."))
        file, sha, content = found
        path = self.path / DEFINITIONS / file
        try:
            if not path.is_file() or _sha256(path.read_bytes()) != sha:
                _write_atomic(path, content.encode("utf-8"))
        except OSError:  # a read-only study: load from a private copy instead
            import tempfile

            path = Path(tempfile.mkdtemp()) / file
            path.write_bytes(content.encode("utf-8"))
        return path

    def _write_definition_files(self) -> None:
        with self._connect() as con:
            rows = con.execute("SELECT file, sha256, content FROM definitions").fetchall()
        for file, sha, content in rows:
            path = self.path / DEFINITIONS / file
            if not path.is_file() or _sha256(path.read_bytes()) != sha:
                _write_atomic(path, content.encode("utf-8"))

    def _model_fit_note(self, q: Questionnaire) -> list[str]:
        try:
            bind(self.model(), q)
        except SurveyError as exc:
            return [f"The current path model does not fit this questionnaire version "
                    f"({exc}); add a model version (Study.add_model) before estimating."]
        return []


# --------------------------------------------------------------------------- ingest pieces


def _check_target(con: Any, study: Path, path: Path, sha: str, wave: str, brand: str,
                  replace: bool) -> None:
    """Refuse a file stored as another wave, or a wave that holds another file (unless
    ``replace``)."""
    same = con.execute("SELECT wave, brand FROM ingests WHERE sha256 = ? AND status = 'current' "
                       "AND NOT (wave = ? AND brand = ?)", [sha, wave, brand]).fetchone()
    if same is not None:
        raise StoreError(Problem(str(path), f"This file (SHA-256 {sha[:12]}) is already stored "
                                            f"as {_wave_text(*same)} in {study}; the same "
                                            "respondents cannot be another wave or brand."))
    held = con.execute("SELECT file_name, sha256, ingested_at FROM ingests WHERE wave = ? AND "
                       "brand = ? AND status = 'current'", [wave, brand]).fetchone()
    if held is not None and held[1] != sha and not replace:
        raise StoreError(Problem(str(study), f"{_capital(_wave_text(wave, brand))} already "
                                             f"holds {held[0]} (SHA-256 {held[1][:12]}, "
                                             f"ingested {held[2]:%Y-%m-%d %H:%M:%S} UTC). Use "
                                             f"--replace to replace it with {path.name}."))


def _unchanged(con: Any, study: Path, path: Path, sha: str, wave: str, brand: str
               ) -> IngestResult | None:
    row = con.execute("SELECT ingest_id, n_rows, n_accepted, n_rejected, n_screened_out, "
                      "questionnaire_version, ingested_at FROM ingests WHERE sha256 = ? AND "
                      "wave = ? AND brand = ? AND status = 'current'", [sha, wave, brand]
                      ).fetchone()
    if row is None:
        return None
    return IngestResult(status="unchanged", study=study, wave=wave, brand=brand, file=str(path),
                        sha256=sha, ingest_id=row[0], n_rows=row[1], n_accepted=row[2],
                        n_rejected=row[3], n_screened_out=row[4], questionnaire_version=row[5],
                        ingested_at=row[6])


def _check_last_row(path: Path, coded: CodedResponses) -> None:
    """Refuse a CSV whose last row has fewer fields than its header: a copy or download cut
    short. The reader (pandas' rule) pads such a row with empty cells, which would store the
    lost answers as missing ones. A last line inside a multi-line quoted cell (an odd number
    of quotes) cannot be judged alone and is let through."""
    if coded.report.format != "csv":
        return
    start = max(0, path.stat().st_size - (1 << 16))
    with path.open("rb") as fh:
        fh.seek(start)
        tail = fh.read()
    # Commas, quotes and line breaks are single bytes in UTF-8 and GB18030 alike.
    lines = re.split(rb"\r\n|\r|\n", tail.rstrip(b"\r\n"))
    last = lines[-1]
    if (len(lines) == 1 and start > 0) or not last.strip() or last.count(b'"') % 2:
        return
    fields = next(csv.reader([last.decode(coded.report.encoding or "utf-8", errors="replace")]))
    expected = len(coded.frame.columns)
    if len(fields) < expected:
        raise StoreError(Problem(str(path), f"The last row has {len(fields)} of {expected} "
                                            "fields: the file looks cut short (an interrupted "
                                            "copy or download?). Nothing was stored."))


def _rated_ids(q: Questionnaire) -> set[str]:
    return {i.id for i in q.items} | {r.id for r in q.importance}


def _plan_columns(names: Sequence[str], rated: Iterable[str], stored: list[tuple[str, str]],
                  path: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """Which of a file's columns ``responses`` must gain (name, DOUBLE | VARCHAR) and which
    are skipped (stored as DOUBLE, an item of an earlier questionnaire version, and not rated
    now). Refuses names the store keeps for itself, names that differ only in case (DuckDB
    does not tell them apart) and a text column turning into a rated item."""
    rated = set(rated)
    problems = []
    seen: dict[str, str] = {}
    for name in names:
        key = name.lower()
        if key in _RESERVED:
            problems.append(Problem(str(path), f"Column '{name}' has the name of a column the "
                                               f"study keeps for itself ({', '.join(META_COLUMNS)})"
                                               ". Rename it in the file."))
        elif key in seen:
            problems.append(Problem(str(path), f"Columns '{seen[key]}' and '{name}' differ only "
                                               "in case; the study's database does not tell "
                                               "them apart. Rename one of them."))
        seen.setdefault(key, name)
    types = {n.lower(): (n, t) for n, t in stored}
    plan, skipped = [], []
    for name in names:
        if name.lower() in _RESERVED:
            continue
        want = "DOUBLE" if name in rated else "VARCHAR"
        have = types.get(name.lower())
        if have is None:
            plan.append((name, want))
        elif have[0] != name:
            problems.append(Problem(str(path), f"Column '{name}' differs only in case from the "
                                               f"stored column '{have[0]}'; the study's "
                                               "database does not tell them apart. Rename it "
                                               "as stored."))
        elif have[1] != want:
            if have[1] == "DOUBLE":
                skipped.append(name)
            else:
                problems.append(Problem(str(path), f"Column '{name}' is stored as text for "
                                                   "earlier waves (it was not a rated item then) "
                                                   "and cannot become a rated item. Give the "
                                                   "item a new id."))
    if problems:
        raise StoreError(problems)
    return plan, skipped


def _incoming_arrays(coded: CodedResponses) -> dict[str, Any]:
    """The accepted rows as Arrow arrays by column: ``row``, rated items as float64 with
    nulls, every other column as text.

    A rated column goes to DuckDB as its codes and the value of each code (an Arrow
    dictionary array): DuckDB expands it as it stores, so the floats are never laid out in
    memory here (480 MB for a million respondents and 60 items)."""
    import pyarrow as pa

    kept = np.flatnonzero(coded.accepted)
    arrays = {"row": pa.array(coded.rows[kept].astype(np.int64))}
    for name in coded.frame.columns:
        rated = coded.rated.get(name)
        if rated is not None:
            arrays[str(name)] = pa.DictionaryArray.from_arrays(
                pa.array(rated.codes[kept]), pa.array(rated.values, from_pandas=True))
        elif str(name).lower() not in _RESERVED:
            arrays[str(name)] = _text_array(coded.frame[name].iloc[kept])
    return arrays


def _arrow_table(arrays: Mapping[str, Any], names: Sequence[str]):
    import pyarrow as pa

    return pa.Table.from_arrays([arrays[n] for n in names], list(names))


def _text_array(column: pd.Series):
    """A column as Arrow text: strings as they are (no copy for pandas' 'str' dtype), other
    values as the ingest reads them (34.0 -> '34'), missing as NULL."""
    import pyarrow as pa

    from survey.ingest import _cell_text

    if isinstance(column.dtype, pd.StringDtype):
        return pa.array(column.array, type=pa.large_string(), from_pandas=True)
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "biuf":
        index, cells = pd.factorize(column)  # NaN -> -1, the last entry below
        texts = [_cell_text(v) for v in cells] + [None]
        return pa.array(np.array(texts, dtype=object)[index], type=pa.large_string())
    return pa.array([None if _missing(v) else _cell_text(v) for v in column],
                    type=pa.large_string())


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists, arrays: not a missing scalar
        return False


def _rejects_table(coded: CodedResponses):
    import pyarrow as pa

    r = coded.rejects
    return pa.table({
        "row": pa.array(r["row"].to_numpy(np.int64)),
        **{c: pa.array([str(v) for v in r[c]], pa.large_string())
           for c in ("column", "value", "reason", "message")}})


def _screened_table(coded: CodedResponses):
    """Screened-out rows with their screening answers as JSON text."""
    import pyarrow as pa

    from survey.ingest import _cell_text

    frame = coded.screened_frame()
    ids = [s.id for s in coded.questionnaire.screening if s.id in frame.columns]
    answers = [json.dumps({i: None if _missing(v) else _cell_text(v)
                           for i, v in zip(ids, row, strict=True)}, ensure_ascii=False)
               for row in frame[ids].itertuples(index=False, name=None)]
    return pa.table({"row": pa.array(frame.index.to_numpy(np.int64)),
                     "answers": pa.array(answers, pa.large_string())})


def _check_compatible(new: Questionnaire, versions: list[tuple[int, Questionnaire]]) -> None:
    """Refuse a questionnaire version whose items would not fit the stored columns: an item
    whose scale (min-max) changed or stopped being continuous (its stored answers need not be
    scale points), a rated item turned into a question, or the reverse."""
    problems = []
    where = str(new.source or new.id)
    new_rated = {i: new.scale_of(i) for i in _rated_ids(new)}
    new_questions = {x.id for x in (*new.screening, *new.demographics, *new.questions)}
    for version, old in versions:
        old_rated = {i: old.scale_of(i) for i in _rated_ids(old)}
        old_questions = {x.id for x in (*old.screening, *old.demographics, *old.questions)}
        for item in sorted(new_rated.keys() & old_rated.keys()):
            a, b = old_rated[item], new_rated[item]
            if (a.min, a.max) != (b.min, b.max) or (a.continuous and not b.continuous):
                problems.append(Problem(where, f"Item '{item}' is on the {_scale(b)} scale "
                                               f"here but on the {_scale(a)} scale in "
                                               f"questionnaire version {version}. An item whose "
                                               "scale changed cannot share a column with its "
                                               "earlier answers: give it a new id."))
        for item in sorted(new_questions & old_rated.keys()):
            problems.append(Problem(where, f"'{item}' is a rated item in questionnaire version "
                                           f"{version} and a question here; give the question "
                                           "a new id."))
        for item in sorted(new_rated.keys() & old_questions):
            problems.append(Problem(where, f"'{item}' is a question in questionnaire version "
                                           f"{version} and a rated item here; give the item a "
                                           "new id."))
    if problems:
        raise QuestionnaireError(list(dict.fromkeys(problems)))


def _version_notes(new: Questionnaire, old: Questionnaire, version: int, previous: int
                   ) -> list[str]:
    added = sorted(_rated_ids(new) - _rated_ids(old))
    dropped = sorted(_rated_ids(old) - _rated_ids(new))
    text = f"Questionnaire version {version} stored"
    if added:
        text += f"; new items (empty for earlier waves): {', '.join(added)}"
    if dropped:
        text += (f"; items of version {previous} no longer asked (kept for earlier waves): "
                 f"{', '.join(dropped)}")
    return [text + "."]


# --------------------------------------------------------------------------- small pieces


def _duckdb():
    import duckdb

    return duckdb


@contextmanager
def _transaction(con: Any, study: Path) -> Iterator[None]:
    """BEGIN ... COMMIT, or ROLLBACK on any error (a disk-full error becomes a StoreError)."""
    duckdb = _duckdb()
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


def _insert_definition(con: Any, kind: str, version: int, raw: bytes, name: str,
                       now: datetime) -> None:
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise StoreError(Problem(name, "Definition files must be UTF-8 text.")) from None
    con.execute("INSERT INTO definitions VALUES (?, ?, ?, ?, ?, ?, ?)",
                [kind, version, _sha256(raw), f"{kind}-v{version}.yaml", name, content, now])


def _current_definition(con: Any, kind: str) -> tuple[int, str] | None:
    row = con.execute("SELECT version, sha256 FROM definitions WHERE kind = ? "
                      "ORDER BY version DESC LIMIT 1", [kind]).fetchone()
    return (row[0], row[1]) if row else None


def _response_columns(con: Any) -> list[tuple[str, str]]:
    """The data columns of ``responses`` (name, DOUBLE | VARCHAR), in table order."""
    rows = con.execute("SELECT name, type FROM pragma_table_info('responses') ORDER BY cid"
                       ).fetchall()
    return [(n, t) for n, t in rows if n not in META_COLUMNS]


def _selection(waves: Sequence[str] | None, brands: Sequence[str] | None
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


def _frame(con: Any, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
    """A query's result as pandas: text as pandas' 'str' dtype, NULL numbers as NaN."""
    import pyarrow as pa

    table = con.sql(sql, params=list(params) if params else None).to_arrow_table()
    text = pd.StringDtype("pyarrow", na_value=np.nan)
    return table.to_pandas(types_mapper={pa.string(): text, pa.large_string(): text,
                                         pa.string_view(): text}.get)


def _storable(table: pd.DataFrame, name: str) -> tuple[pd.DataFrame, list[str]]:
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
            frame[c] = pd.array([None if _missing(v) else str(v) for v in col], dtype="str")
    return frame, index


def _label(value: object, what: str, *, allow_empty: bool) -> str:
    """A wave, brand, run or table label: text of at most 100 printable characters without
    surrounding spaces. Labels are never used as file names."""
    if not isinstance(value, str):
        raise StoreError(f"The {what} must be text. Got {type(value).__name__} instead.")
    if not value and allow_empty:
        return value
    if not value or value != value.strip() or len(value) > _LABEL_MAX or not value.isprintable():
        raise StoreError(f"The {what} {value!r} is not a valid label: 1 to {_LABEL_MAX} printable "
                         "characters without leading or trailing spaces.")
    return value


def _wave_text(wave: str, brand: str) -> str:
    return f"wave '{wave}'" + (f" brand '{brand}'" if brand else "")


def _q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _scale(scale: Scale) -> str:
    """'1-10', or '0-10 continuous'."""
    return f"{_num(scale.min)}-{_num(scale.max)}{' continuous' if scale.continuous else ''}"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _file_sha256(path: Path) -> str:
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


def _write_atomic(path: Path, raw: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_bytes(raw)
    os.replace(tmp, path)


def _package_version() -> str:
    from survey._version import __version__

    return __version__



def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
