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
* ``quality_flags``: ingest_id, wave, brand, source_sha256, row, rule, value, reason,
  checked_at: the response-quality flags of each wave's file (``survey quality STUDY``,
  survey.quality), made on first use; checking a wave again replaces its flags.
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


from survey.store.db import (
    DATABASE,
    DEFINITIONS,
    LOCK_TIMEOUT,
    META_COLUMNS,
    StoreError,
    StoreLockedError,
)
from survey.store.incoming import IngestResult
from survey.store.study import Study

__all__ = ["DATABASE", "DEFINITIONS", "LOCK_TIMEOUT", "META_COLUMNS", "IngestResult",
           "StoreError", "StoreLockedError", "Study"]
