"""The study (:class:`Study`): create, open, ingest, query and store runs."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from survey.errors import Problem, SurveyError
from survey.ingest import columns_summary, read_coded_responses
from survey.pathmodel import PathModel, bind, load_model
from survey.questionnaire import Questionnaire, load_questionnaire
from survey.store import db
from survey.store import incoming as inc
from survey.store.db import (
    DATABASE,
    DEFINITIONS,
    LOCK_TIMEOUT,
    SCHEMA_VERSION,
    StoreError,
    StoreLockedError,
)
from survey.store.incoming import IngestResult

if TYPE_CHECKING:
    from survey.quality import QualityFlags

#: The response-quality flags of each wave's current file (survey quality STUDY).
QUALITY_TABLE = """CREATE TABLE IF NOT EXISTS quality_flags (ingest_id INTEGER, wave VARCHAR,
    brand VARCHAR, source_sha256 VARCHAR, "row" BIGINT, rule VARCHAR, value VARCHAR,
    reason VARCHAR, checked_at TIMESTAMP)"""

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
            now = db.now()
            with study._connect(write=True, create=True) as con:
                con.execute("BEGIN TRANSACTION")
                con.execute(db.SCHEMA)
                con.executemany("INSERT INTO meta VALUES (?, ?)", [
                    ("schema_version", str(SCHEMA_VERSION)), ("created_at", now.isoformat()),
                    ("csi_survey_version", db.package_version())])
                for kind, source in (("questionnaire", questionnaire), ("model", model)):
                    db.insert_definition(con, kind, 1, Path(source).read_bytes(),
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
            except db.duckdb_module().CatalogException:
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
            return db.frame(con, "SELECT kind, version, sha256, file, name, added_at "
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
        with self._connect(write=True) as con, db.transaction(con, self.path):
            current = db.current_definition(con, "model")
            if current is not None and current[1] == db.sha256(raw):
                return current[0]
            version = (current[0] if current else 0) + 1
            db.insert_definition(con, "model", version, raw, Path(path).name, db.now())
        self._write_definition_files()
        return version

    # -- ingesting

    def ingest(self, data: str | Path, *, wave: str, brand: str = "", replace: bool = False,
               questionnaire: str | Path | None = None, sheet: str | int | None = None,
               encoding: str | None = None, platform: str = "auto") -> IngestResult:
        """Validate the response file ``data`` exactly as :func:`survey.ingest.read_responses`
        does, with the study's current questionnaire (or ``questionnaire``, stored as its next
        version), and append it as ``wave`` (and ``brand``) in one transaction.

        The same file (same SHA-256) already stored as this wave and brand is a no-op
        (status 'unchanged'); stored as another wave or brand, it is refused. A wave and brand
        already holding another file is refused unless ``replace``. A new questionnaire
        version may add items (NULL for earlier waves) and drop items (their columns stay);
        an item whose scale changed is refused. ``encoding``: the file's encoding when it is
        known; ``platform``: the survey platform whose export it is (default: told from its
        columns), see :func:`survey.ingest.read_responses`."""
        wave = db.label(wave, "wave", allow_empty=False)
        brand = db.label(brand, "brand", allow_empty=True)
        path = Path(data)
        sha = db.file_sha256(path)
        with self._connect() as con:
            inc.check_target(con, self.path, path, sha, wave, brand, replace)
            if (done := inc.unchanged(con, self.path, path, sha, wave, brand)) is not None:
                if questionnaire is not None:
                    done = dataclasses.replace(done, notes=(
                        f"{questionnaire} was not stored: there was nothing to ingest.",))
                return done
            current = db.current_definition(con, "questionnaire")
            versions = [v for (v,) in con.execute(
                "SELECT version FROM definitions WHERE kind = 'questionnaire' ORDER BY version"
            ).fetchall()]
            columns = db.response_columns(con)
        assert current is not None  # create() stores version 1
        new_raw = None
        if questionnaire is not None:
            new_raw = Path(questionnaire).read_bytes()
            if db.sha256(new_raw) == current[1]:
                new_raw = None
        notes: list[str] = []
        if new_raw is not None:
            q = load_questionnaire(questionnaire)
            inc.check_compatible(q, [(v, self.questionnaire(v)) for v in versions])
            q_version = current[0] + 1
            notes += inc.version_notes(q, self.questionnaire(current[0]), q_version, current[0])
            notes += self._model_fit_note(q)
        else:
            q = self.questionnaire(current[0])
            q_version = current[0]
        coded = read_coded_responses(path, q, sheet=sheet, encoding=encoding,
                                     platform=platform)
        inc.check_last_row(path, coded)
        notes += coded.report.notes  # empty rows skipped, blank screening answers taken
        notes += columns_summary(coded.report)  # a platform export's columns, recoded codes
        sha = coded.report.sha256  # the bytes validated are the bytes recorded
        names = [str(c) for c in coded.frame.columns]
        inc.plan_columns(names, coded.rated.keys(), columns, path)  # fail before waiting
        arrays = inc.incoming_arrays(coded)
        rejects = inc.rejects_table(coded)
        screened = inc.screened_table(coded)
        now = db.now()
        with self._connect(write=True) as con, db.transaction(con, self.path):
            # Checked again under the lock: another process may have written meanwhile.
            if db.current_definition(con, "questionnaire") != current:
                raise StoreError(Problem(str(self.path), "The study's questionnaire changed "
                                                         "while this file was being validated. "
                                                         "Run the command again."))
            plan, skipped = inc.plan_columns(names, coded.rated.keys(), db.response_columns(con),
                                          path)
            incoming = inc.arrow_table(arrays, ["row", *(n for n in names if n not in skipped
                                                      and n.lower() not in db.RESERVED)])
            notes += [f"Column '{c}' was a rated item of an earlier questionnaire version and "
                      f"is not one of version {q_version}: its values in {path.name} were not "
                      "stored." for c in skipped]
            inc.check_target(con, self.path, path, sha, wave, brand, replace)
            if (done := inc.unchanged(con, self.path, path, sha, wave, brand)) is not None:
                return done
            if new_raw is not None:
                db.insert_definition(con, "questionnaire", q_version, new_raw,
                                   Path(questionnaire).name, now)
            old = con.execute("SELECT ingest_id, file_name FROM ingests WHERE wave = ? AND "
                              "brand = ? AND status = 'current'", [wave, brand]).fetchone()
            if old is not None:  # only with replace: incoming.check_target refused otherwise
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
                con.execute(f"ALTER TABLE responses ADD COLUMN {db.q(name)} {sql_type}")
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
            return db.frame(con, "SELECT wave, brand, file_name, sha256, n_rows, n_accepted, "
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
            columns = [c for c, _ in db.response_columns(con)]
            where, params = db.selection(waves, brands)
            selected = ", ".join(["wave", "brand", '"row"', *map(db.q, columns)])
            frame = db.frame(con, f"SELECT {selected} FROM responses {where} "
                                'ORDER BY ingest_id, "row"', params)
        frame = frame.set_index("row")
        frame.index = frame.index.astype("int64")
        return frame

    def rejects(self, waves: Sequence[str] | None = None,
                brands: Sequence[str] | None = None) -> pd.DataFrame:
        """Every rejected answer of the chosen waves and brands: wave, brand, source_sha256,
        row, column, value, reason, message."""
        where, params = db.selection(waves, brands)
        with self._connect() as con:
            return db.frame(con, "SELECT wave, brand, source_sha256, \"row\", \"column\", value, "
                               f"reason, message FROM rejects {where} "
                               "ORDER BY ingest_id, \"row\", \"column\"", params)

    def screened_out(self, waves: Sequence[str] | None = None,
                     brands: Sequence[str] | None = None) -> pd.DataFrame:
        """Screened-out respondents: wave, brand, source_sha256, row, answers (a dict of
        their screening answers)."""
        where, params = db.selection(waves, brands)
        with self._connect() as con:
            frame = db.frame(con, "SELECT wave, brand, source_sha256, \"row\", answers "
                                f"FROM screened_out {where} ORDER BY ingest_id, \"row\"", params)
        frame["answers"] = [json.loads(a) for a in frame["answers"]]
        return frame

    # -- response quality

    def save_quality_flags(self, wave: str, brand: str, flags: QualityFlags) -> int:
        """Store the response-quality flags (survey.quality) of the current file of ``wave``
        and ``brand`` beside its responses, replacing the flags stored for it before, in one
        transaction; returns the number of flags stored. The table ``quality_flags``
        (ingest_id, wave, brand, source_sha256, row, rule, value, reason, checked_at) is made
        on first use."""
        wave = db.label(wave, "wave", allow_empty=False)
        brand = db.label(brand, "brand", allow_empty=True)
        table = pd.DataFrame({"row": flags.flags["row"].astype("int64"),
                              "rule": flags.flags["rule"].astype(str),
                              "value": [None if db.missing(v) else str(v)
                                        for v in flags.flags["value"]],
                              "reason": flags.flags["reason"].astype(str)})
        with self._connect(write=True) as con, db.transaction(con, self.path):
            found = con.execute("SELECT ingest_id, sha256 FROM ingests WHERE wave = ? AND "
                                "brand = ? AND status = 'current'", [wave, brand]).fetchone()
            if found is None:
                raise StoreError(Problem(str(self.path), f"No wave {db.wave_text(wave, brand)} "
                                                         "in this study."))
            con.execute(QUALITY_TABLE)
            con.execute("DELETE FROM quality_flags WHERE wave = ? AND brand = ?", [wave, brand])
            con.register("_flags", table)
            con.execute("INSERT INTO quality_flags SELECT ?::INTEGER, ?::VARCHAR, ?::VARCHAR, "
                        "?::VARCHAR, \"row\", rule, value, reason, ?::TIMESTAMP FROM _flags",
                        [found[0], wave, brand, found[1], db.now()])
            con.unregister("_flags")
        return len(table)

    def quality_flags(self, waves: Sequence[str] | None = None,
                      brands: Sequence[str] | None = None) -> pd.DataFrame:
        """The stored quality flags of the current files of the chosen waves and brands:
        wave, brand, source_sha256, row, rule, value, reason, checked_at (none stored yet:
        no rows)."""
        where, params = db.selection(waves, brands)
        with self._connect() as con:
            if not con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = "
                               "'quality_flags'").fetchall():
                return pd.DataFrame(columns=["wave", "brand", "source_sha256", "row", "rule",
                                             "value", "reason", "checked_at"])
            current = ("ingest_id IN (SELECT ingest_id FROM ingests WHERE status = "
                       "'current')")
            where = f"{where} AND {current}" if where else f"WHERE {current}"
            return db.frame(con, "SELECT wave, brand, source_sha256, \"row\", rule, value, "
                                f"reason, checked_at FROM quality_flags {where} "
                                "ORDER BY ingest_id, \"row\", rule", params)

    # -- runs

    def save_run(self, run_id: str, manifest: Mapping[str, Any],
                 tables: Mapping[str, pd.DataFrame]) -> None:
        """Store an estimation run: its manifest (JSON) and its result tables, each as a table
        of the database (a non-default index is stored as columns and restored on reading).
        A run id is used once."""
        run_id = db.label(run_id, "run id", allow_empty=False)
        manifest_json = json.dumps(manifest, ensure_ascii=False, sort_keys=True)
        prepared = {}
        for name, table in tables.items():
            db.label(name, "table name", allow_empty=False)
            prepared[name] = db.storable(table, name)
        with self._connect(write=True) as con, db.transaction(con, self.path):
            if con.execute("SELECT 1 FROM runs WHERE run_id = ?", [run_id]).fetchone():
                raise StoreError(Problem(str(self.path), f"Run '{run_id}' already exists. "
                                                         "Choose another run id."))
            con.execute("INSERT INTO runs VALUES (?, ?, ?)", [run_id, db.now(), manifest_json])
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
            runs = db.frame(con, "SELECT run_id, created_at, manifest FROM runs "
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
                frame = db.frame(con, f"SELECT * FROM {table_name}")
                index = json.loads(index)
                out[name] = frame.set_index(index) if index else frame
        return out

    # -- internals

    @contextmanager
    def _connect(self, *, write: bool = False, create: bool = False) -> Iterator[Any]:
        """A connection to the study's database, waiting up to ``lock_timeout`` seconds for
        another process's lock; closed (and so checkpointed) on leaving."""
        duckdb = db.duckdb_module()
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
                row = db.current_definition(con, kind)
                version = row[0] if row else None
            found = con.execute("SELECT file, sha256, content FROM definitions WHERE kind = ? "
                                "AND version = ?", [kind, version]).fetchone()
        if found is None:
            raise StoreError(Problem(str(self.path), f"No {kind} version {version} in this "
                                                     "study."))
        file, sha, content = found
        path = self.path / DEFINITIONS / file
        try:
            if not path.is_file() or db.sha256(path.read_bytes()) != sha:
                db.write_atomic(path, content.encode("utf-8"))
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
            if not path.is_file() or db.sha256(path.read_bytes()) != sha:
                db.write_atomic(path, content.encode("utf-8"))

    def _model_fit_note(self, q: Questionnaire) -> list[str]:
        try:
            bind(self.model(), q)
        except SurveyError as exc:
            return [f"The current path model does not fit this questionnaire version "
                    f"({exc}); add a model version (Study.add_model) before estimating."]
        return []


