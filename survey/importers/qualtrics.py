"""Qualtrics response exports: CSV (three header rows) and SPSS .sav.

A Qualtrics CSV has three header rows: the export tags (``Q5_3``, or the names given to the
questions), the question text ("How satisfied are you with ... - Crew friendliness" for a
matrix row), and a row of ImportId JSON (``{"ImportId":"QID5_3"}``); the respondents start on
row 4. Its own columns are StartDate, ResponseId, Progress, ... A .sav export has the export
tags as variable names and the respondents from its first row. Answers must be exported as
numeric values (the recode values of the questions, the questionnaire's codes); -99, Qualtrics'
"seen but unanswered", becomes a missing answer (skipped).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from survey.errors import Problem, ResponseValidationError
from survey.importers import Adapted
from survey.importers.matching import Header, adapt_frame, platform_codes
from survey.questionnaire import Questionnaire

NAME = "qualtrics"
LABEL = "Qualtrics"
METADATA = ("StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
            "Finished", "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName",
            "RecipientEmail", "ExternalReference", "LocationLatitude", "LocationLongitude",
            "DistributionChannel", "UserLanguage")
#: Qualtrics' "seen but unanswered" code (its default for a question shown and left blank).
CODES = {-99: "skipped"}


def detect(frame: pd.DataFrame) -> bool:
    """Qualtrics' own ResponseId and StartDate columns."""
    names = {str(c).strip() for c in frame.columns}
    return {"ResponseId", "StartDate"} <= names


def _import_id(cell: object) -> str | None:
    """The ImportId of a third-row cell (``{"ImportId":"QID5_3"}``), or None."""
    text = "" if cell is None else str(cell).strip()
    if not text.startswith("{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return str(value.get("ImportId")) if isinstance(value, dict) and "ImportId" in value else None


def adapt(frame: pd.DataFrame, questionnaire: Questionnaire, source: str) -> Adapted:
    """The native layout of a Qualtrics export (see the module). Raises
    :class:`ResponseValidationError` naming row 3 and the column when a CSV's ImportId row is
    missing or broken (the file was edited, or exported in the legacy format)."""
    first_row = 2  # the header is row 1; ingestion shifts the rows below title rows
    columns = [str(c) for c in frame.columns]
    if Path(source).suffix.lower() == ".sav":
        headers = [Header(c, k + 1, (c,), (), c.strip() in METADATA)
                   for k, c in enumerate(columns)]
        data, rows, notes = frame, range(first_row, first_row + len(frame)), ()
    else:
        text_row, id_row = first_row, first_row + 1
        if len(frame) < 2:
            raise ResponseValidationError(Problem(
                f"{source}:{id_row}", "A Qualtrics CSV has three header rows (export tags, "
                "question text, ImportId); this file ends before its third.", row=id_row))
        ids = [_import_id(v) for v in frame.iloc[1]]
        for k, (c, found) in enumerate(zip(columns, ids, strict=True)):
            if found is None:
                cell = frame.iloc[1, k]
                raise ResponseValidationError(Problem(
                    f"{source}:{id_row}",
                    f"column {c!r}: expected Qualtrics' ImportId row (cells such as "
                    f"{{\"ImportId\":\"QID5_3\"}}) as row {id_row}. Got {str(cell)!r} instead. "
                    "Export the responses again as CSV (not the legacy format), or choose "
                    "--platform native for a file whose header rows were removed.",
                    row=id_row, column=c, value=str(cell)))
        headers = []
        for k, c in enumerate(columns):
            question = "" if pd.isna(frame.iloc[0, k]) else str(frame.iloc[0, k]).strip()
            # A matrix row's text: "<question> - <row label>"; the label names the item.
            wording = tuple(dict.fromkeys(t for t in (question, question.rsplit(" - ", 1)[-1])
                                          if t))
            headers.append(Header(c, k + 1, (c, question, ids[k]), wording,
                                  c.strip() in METADATA))
        data = frame.iloc[2:]
        rows = range(first_row + 2, first_row + 2 + len(data))
        notes = (f"Rows {text_row}-{id_row} (question text, ImportId) are Qualtrics' header "
                 "rows, not respondents.",)
    adapted = adapt_frame(data, headers, questionnaire, NAME, source, rows=rows,
                          header_row=1)
    ids_used = [u.target for u in adapted.columns if u.target]
    return Adapted(NAME, adapted.frame, adapted.rows, adapted.columns,
                   platform_codes(questionnaire, NAME, CODES, ids_used),
                   (f"Read as a {LABEL} export ({Path(source).name}).", *notes))
