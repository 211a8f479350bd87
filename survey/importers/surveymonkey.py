"""SurveyMonkey response exports (CSV or Excel, "all responses data", numerical values).

SurveyMonkey writes two header rows: the question text in the first (once, above the first
column of a question with several), the sub-question in the second: a matrix row's label,
or "Response" / "Open-Ended Response" for a question of one column. Its own columns are
Respondent ID, Collector ID, Start Date, End Date, IP Address, Email Address, First Name,
Last Name and Custom Data 1. Each column is named "question / sub-question" (the question
alone when it has one column); a ``source:`` may give that name, the question or the
sub-question. Answers must be exported as numerical values (the questionnaire's codes).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from survey.importers import Adapted
from survey.importers.matching import Header, adapt_frame, platform_codes
from survey.questionnaire import Questionnaire

NAME = "surveymonkey"
LABEL = "SurveyMonkey"
METADATA = ("Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address",
            "Email Address", "First Name", "Last Name", "Custom Data 1")
#: Second-row labels of a question that has one column (no sub-question).
_SINGLE = ("Response", "Open-Ended Response", "")
CODES: dict[object, object] = {}


def detect(frame: pd.DataFrame) -> bool:
    """SurveyMonkey's own Respondent ID and Collector ID columns."""
    names = {str(c).strip() for c in frame.columns}
    return {"Respondent ID", "Collector ID"} <= names


def _blank(name: object) -> bool:
    text = "" if name is None or (isinstance(name, float) and pd.isna(name)) else str(name)
    return not text.strip() or text.startswith("Unnamed: ")


def adapt(frame: pd.DataFrame, questionnaire: Questionnaire, source: str) -> Adapted:
    """The native layout of a SurveyMonkey export (see the module)."""
    first_row = 2  # the header is row 1; ingestion shifts the rows below title rows
    headers, names, question = [], [], ""
    for k, c in enumerate(frame.columns):
        if not _blank(c):
            question = str(c).strip()
        cell = frame.iloc[0, k] if len(frame) else ""
        sub = "" if _blank(cell) else str(cell).strip()
        single = sub in _SINGLE
        name = question if single else f"{question} / {sub}"
        while name in names:  # two columns alike: keep both, apart
            name = f"{name} ({k + 1})"
        names.append(name)
        metadata = question in METADATA and single
        headers.append(Header(name, k + 1, (name, question) if single else (name, sub),
                              (question,) if single else (sub,), metadata))
    data = frame.iloc[1:].copy()
    data.columns = names
    adapted = adapt_frame(data, headers, questionnaire, NAME, source,
                          rows=range(first_row + 1, first_row + 1 + len(data)),
                          header_row=1)
    ids = [u.target for u in adapted.columns if u.target]
    return Adapted(NAME, adapted.frame, adapted.rows, adapted.columns,
                   platform_codes(questionnaire, NAME, CODES, ids),
                   (f"Read as a {LABEL} export ({Path(source).name}); row {first_row} holds "
                    "the sub-questions, not a respondent.",))
