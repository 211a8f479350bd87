"""KoboToolbox and ODK Central response exports (CSV and XLSX) of a form written by
``survey export --to xlsform``.

What Kobo writes (its "XML values and headers" export, the default): one column per question
named by the form's field name, prefixed by the group path when "include groups in headers"
is on (``crew/crew_friendly``); the choice's name (the questionnaire's code) in the cells;
a select_multiple as one column of space-separated codes plus one 0/1 column per option
(``grp/q/1``); blank (or ``n/a``) for a question not asked after screening-out; meta columns
``start``, ``end``, ``today``, ``deviceid`` ... and ``_id``, ``_uuid``, ``_submission_time``,
``_validation_status``, ``_status``, ``_submitted_by``, ``__version__``, ``_tags``,
``_notes``, ``_index``. Its CSV is ``;``-separated by default. Kobo's "Labels" export heads
the columns with the question's text (after the group's, ``Cabin-crew service/How ...``)
and writes the choice's text: both are read back through the form's texts in every language
(a select_multiple's labels, joined by spaces, cannot be told apart: export its XML values).

ODK Central's CSV is the same with its own meta columns (``SubmissionDate``, ``KEY``,
``SubmitterID``, ``ReviewState`` ...) and ``-`` between group and field (``crew-crew_friendly``).
"""

from __future__ import annotations

import re

import pandas as pd

from survey.errors import Problem, ResponseValidationError
from survey.importers import Adapted, ColumnUse
from survey.importers.layout import (
    as_text,
    choice_codes,
    form_fields,
    header,
    merge_recoded,
    norm,
    recode,
    text_targets,
)
from survey.questionnaire import Questionnaire

NAME = "kobo"
LABEL = "KoboToolbox / ODK"

#: Kobo's and ODK Central's meta columns (also any column starting with '_', or under
#: ``meta/`` or ``formhub/``).
META = frozenset({"start", "end", "today", "deviceid", "subscriberid", "simserial",
                  "phonenumber", "username", "email", "audit", "instanceID", "SubmissionDate",
                  "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
                  "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits",
                  "FormVersion"})
#: The columns that only Kobo's export has (at least two of them: a native file has none),
#: and those of ODK Central's.
_MARKERS = frozenset({"_id", "_uuid", "_submission_time", "_index", "__version__",
                      "_validation_status", "_submitted_by", "_status"})
_CENTRAL_MARKERS = frozenset({"SubmissionDate", "KEY", "SubmitterID", "ReviewState"})
#: Between the group path and the field name: '/' (Kobo), '-' (ODK Central). Field and
#: group names are XML names of letters, digits and '_' here, so neither is ever inside one.
_PATH = re.compile(r"[/-]")
#: What Kobo writes for a question that was not asked.
UNASKED = ("n/a",)


def detect(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` is a Kobo or ODK Central export: at least two of their own meta
    columns."""
    names = set(header(frame))
    return len(_MARKERS & names) >= 2 or len(_CENTRAL_MARKERS & names) >= 2


def _is_meta(column: str) -> bool:
    path = _PATH.split(column)
    return (column in META or column.startswith("_") or path[0] in ("meta", "formhub")
            or path[-1] == "instanceID")


def adapt(frame: pd.DataFrame, questionnaire: Questionnaire, source: str) -> Adapted:
    """The export in the native layout (see the module): each question's column named by its
    id, ``n/a`` read as not asked, a select_multiple's space-separated codes as the native
    comma-separated list; meta and per-option columns kept and reported as such."""
    text = as_text(frame)
    fields = form_fields(questionnaire)
    texts = text_targets(fields)
    uses: list[ColumnUse] = []
    rename: dict[str, str] = {}
    for column in text.columns:
        path = _PATH.split(column)
        target, rule = _target(column, path, fields, texts)
        if target is not None:
            if target in rename.values():
                first = next(c for c, t in rename.items() if t == target)
                raise ResponseValidationError(Problem(
                    source, f"Columns '{first}' and '{column}' both answer '{target}'. "
                            "Expected one column per question.", column=column))
            rename[column] = target
            uses.append(ColumnUse(column, target, rule))
        elif _is_meta(column):
            uses.append(ColumnUse(column, None, "metadata"))
        elif len(path) > 1 and fields.get(path[-2]) and fields[path[-2]].kind == "multiple":
            uses.append(ColumnUse(column, None, f"option column of '{path[-2]}'"))
        else:
            uses.append(ColumnUse(column, None, "not in the questionnaire"))
    recoded: dict[str, dict[str, str]] = {}
    columns = {}
    for column in text.columns:
        cells = text[column]
        target = rename.get(column)
        if target is not None:
            done = {cell: "" for cell in cells.unique() if cell.casefold() in UNASKED}
            if fields[target].kind == "multiple":
                # Kobo joins the chosen options with spaces; the native list uses commas.
                done.update({cell: ",".join(cell.split()) for cell in cells.unique()
                             if " " in cell.strip() and cell.casefold() not in UNASKED})
            if done:
                cells = cells.map(lambda c, d=done: d.get(c, c))
            merge_recoded(recoded, target, done)
            if fields[target].kind == "single":  # a "Labels" export: the choice's text
                cells, labels = recode(cells, choice_codes(fields[target]))
                merge_recoded(recoded, target, labels)
        columns[target or column] = cells
    out = pd.DataFrame(columns, index=range(len(text)), dtype=object)
    notes = []
    by_text = sum(1 for u in uses if u.rule == "question text")
    if by_text:
        notes.append(f"{by_text} columns were matched to their questions by the question's "
                     "text (Kobo's 'Labels' export).")
    grouped = sum(1 for u in uses if u.rule == "platform")
    if grouped:
        notes.append(f"{grouped} columns were matched to their questions by the last part of "
                     "their group path (Kobo's 'include groups in headers').")
    return Adapted(NAME, out, tuple(range(2, len(out) + 2)), tuple(uses),
                   notes=tuple(notes), translated=recoded)


def _target(column: str, path: list[str], fields, texts) -> tuple[str | None, str]:
    """The question a column answers and how it was matched: its name is the field's, or
    ends with it after a group path; or (a "Labels" export) it is the question's text,
    possibly after its group's text and a '/'."""
    if column in fields:
        return column, "id"
    if len(path) > 1 and path[-1] in fields:
        return path[-1], "platform"
    key = norm(column)
    if texts.get(key):
        return texts[key], "question text"
    # "Group label/Question label": the question's text follows the first '/' whose
    # remainder is a question's text (a label may hold a '/' itself).
    for k, char in enumerate(column):
        if char == "/" and texts.get(norm(column[k + 1:])):
            return texts[norm(column[k + 1:])], "question text"
    return None, ""
