"""An incoming file on its way into the study store: the target wave and brand, the columns
it adds, its answers, rejects and screened-out rows as Arrow tables, and whether its
questionnaire is compatible with the stored versions."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import Problem, QuestionnaireError
from survey.ingest import CodedResponses
from survey.questionnaire import Questionnaire
from survey.store import db
from survey.store.db import META_COLUMNS, StoreError

# --------------------------------------------------------------------------- ingest pieces


def check_target(con: Any, study: Path, path: Path, sha: str, wave: str, brand: str,
                  replace: bool) -> None:
    """Refuse a file stored as another wave, or a wave that holds another file (unless
    ``replace``)."""
    same = con.execute("SELECT wave, brand FROM ingests WHERE sha256 = ? AND status = 'current' "
                       "AND NOT (wave = ? AND brand = ?)", [sha, wave, brand]).fetchone()
    if same is not None:
        raise StoreError(Problem(str(path), f"This file (SHA-256 {sha[:12]}) is already stored "
                                            f"as {db.wave_text(*same)} in {study}; the same "
                                            "respondents cannot be another wave or brand."))
    held = con.execute("SELECT file_name, sha256, ingested_at FROM ingests WHERE wave = ? AND "
                       "brand = ? AND status = 'current'", [wave, brand]).fetchone()
    if held is not None and held[1] != sha and not replace:
        raise StoreError(Problem(str(study), f"{db.capital(db.wave_text(wave, brand))} already "
                                             f"holds {held[0]} (SHA-256 {held[1][:12]}, "
                                             f"ingested {held[2]:%Y-%m-%d %H:%M:%S} UTC). Use "
                                             f"--replace to replace it with {path.name}."))


def unchanged(con: Any, study: Path, path: Path, sha: str, wave: str, brand: str
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


def check_last_row(path: Path, coded: CodedResponses) -> None:
    """Refuse a CSV whose last row has fewer fields than its header: a copy or download cut
    short. The reader (pandas' rule) pads such a row with empty cells, which would store the
    lost answers as missing ones (read_responses rejects that row when no line break follows
    it; the store keeps no part of such a file). The reader counted the last row's fields on
    the decoded text, so this holds for every encoding, and a last row inside a multi-line
    quoted cell is counted whole."""
    if coded.report.format != "csv" or coded.last_fields is None:
        return
    expected = len(coded.frame.columns)
    if coded.last_fields < expected:
        raise StoreError(Problem(str(path), f"The last row has {coded.last_fields} of "
                                            f"{expected} fields: the file looks cut short (an "
                                            "interrupted copy or download?). Nothing was "
                                            "stored."))


def rated_ids(q: Questionnaire) -> set[str]:
    return {i.id for i in q.items} | {r.id for r in q.importance}


def plan_columns(names: Sequence[str], rated: Iterable[str], stored: list[tuple[str, str]],
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
        if key in db.RESERVED:
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
        if name.lower() in db.RESERVED:
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


def incoming_arrays(coded: CodedResponses) -> dict[str, Any]:
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
        elif str(name).lower() not in db.RESERVED:
            arrays[str(name)] = text_array(coded.frame[name].iloc[kept])
    return arrays


def arrow_table(arrays: Mapping[str, Any], names: Sequence[str]):
    import pyarrow as pa

    return pa.Table.from_arrays([arrays[n] for n in names], list(names))


def text_array(column: pd.Series):
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
    return pa.array([None if db.missing(v) else _cell_text(v) for v in column],
                    type=pa.large_string())


def rejects_table(coded: CodedResponses):
    import pyarrow as pa

    r = coded.rejects
    return pa.table({
        "row": pa.array(r["row"].to_numpy(np.int64)),
        **{c: pa.array([str(v) for v in r[c]], pa.large_string())
           for c in ("column", "value", "reason", "message")}})


def screened_table(coded: CodedResponses):
    """Screened-out rows with their screening answers as JSON text."""
    import pyarrow as pa

    from survey.ingest import _cell_text

    frame = coded.screened_frame()
    ids = [s.id for s in coded.questionnaire.screening if s.id in frame.columns]
    answers = [json.dumps({i: None if db.missing(v) else _cell_text(v)
                           for i, v in zip(ids, row, strict=True)}, ensure_ascii=False)
               for row in frame[ids].itertuples(index=False, name=None)]
    return pa.table({"row": pa.array(frame.index.to_numpy(np.int64)),
                     "answers": pa.array(answers, pa.large_string())})


def check_compatible(new: Questionnaire, versions: list[tuple[int, Questionnaire]]) -> None:
    """Refuse a questionnaire version whose items would not fit the stored columns: an item
    whose scale (min-max) changed or stopped being continuous (its stored answers need not be
    scale points), a rated item turned into a question, or the reverse."""
    problems = []
    where = str(new.source or new.id)
    new_rated = {i: new.scale_of(i) for i in rated_ids(new)}
    new_questions = {x.id for x in (*new.screening, *new.demographics, *new.questions)}
    for version, old in versions:
        old_rated = {i: old.scale_of(i) for i in rated_ids(old)}
        old_questions = {x.id for x in (*old.screening, *old.demographics, *old.questions)}
        for item in sorted(new_rated.keys() & old_rated.keys()):
            a, b = old_rated[item], new_rated[item]
            if (a.min, a.max) != (b.min, b.max) or (a.continuous and not b.continuous):
                problems.append(Problem(where, f"Item '{item}' is on the {db.scale(b)} scale "
                                               f"here but on the {db.scale(a)} scale in "
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


def version_notes(new: Questionnaire, old: Questionnaire, version: int, previous: int
                   ) -> list[str]:
    added = sorted(rated_ids(new) - rated_ids(old))
    dropped = sorted(rated_ids(old) - rated_ids(new))
    text = f"Questionnaire version {version} stored"
    if added:
        text += f"; new items (empty for earlier waves): {', '.join(added)}"
    if dropped:
        text += (f"; items of version {previous} no longer asked (kept for earlier waves): "
                 f"{', '.join(dropped)}")
    return [text + "."]


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
        where = db.wave_text(self.wave, self.brand)
        if self.status == "unchanged":
            return (f"{self.file}: Already stored as {where} (same SHA-256 {self.sha256[:12]}, "
                    f"ingested {self.ingested_at:%Y-%m-%d %H:%M:%S} UTC); nothing to do.")
        verb = (f"replaced {self.replaced_file} as" if self.status == "replaced"
                else "stored as")
        return (f"{self.file}: {verb} {where} in {self.study}: {self.n_accepted} accepted, "
                f"{self.n_rejected} rejected, {self.n_screened_out} screened out of "
                f"{self.n_rows} rows (questionnaire version {self.questionnaire_version}).")
