"""SurveyJS results of a form written by ``survey export --to surveyjs``.

Two shapes: the results themselves, a JSON array of result objects (``survey.data`` of each
completed survey, as a backend stores them: question name -> value, an array for a checkbox,
no key for a question that was not shown, since the form clears invisible values), read
into a frame by :func:`read_results`; and the CSV (or XLSX) that SurveyJS Dashboard's table
downloads, one column per question headed by its title in the dashboard's language (or its
name) with the answers' display texts in the cells. Both are read back to ids and codes
through the form's own titles and choice texts in every language.

A dashboard CSV has no column that marks it as SurveyJS's, so :func:`detect` recognises only
the frame :func:`read_results` made; name the platform (``surveyjs``) for a dashboard CSV.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from survey.errors import Problem, ResponseValidationError
from survey.importers import Adapted, ColumnUse
from survey.importers.layout import (
    as_text,
    choice_codes,
    form_fields,
    merge_recoded,
    norm,
    recode,
    text_targets,
)
from survey.questionnaire import Questionnaire

NAME = "surveyjs"
LABEL = "SurveyJS"
#: ``frame.attrs`` key set by :func:`read_results` on the frame it makes.
_MARK = "survey_platform"


def read_results(path: str | Path) -> pd.DataFrame:
    """A JSON array of SurveyJS result objects as a frame of text cells: one column per
    question name (in the order first met), a checkbox's array as comma-separated codes,
    '' where the result has no such key. Raises :class:`ResponseValidationError` naming the
    file (and the result) when it is not such an array."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ResponseValidationError(Problem(str(path), "File not found.")) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResponseValidationError(Problem(str(path), f"The file is not UTF-8 JSON: {exc}."
                                              )) from exc
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        data = data["data"]  # an API's envelope {"data": [...]}
    if not isinstance(data, list):
        raise ResponseValidationError(Problem(str(path), "Expected a JSON array of SurveyJS "
                                                         f"result objects. Got a JSON "
                                                         f"{type(data).__name__} instead."))
    columns: dict[str, None] = {}
    for k, result in enumerate(data):
        if not isinstance(result, dict):
            raise ResponseValidationError(Problem(str(path), f"Result {k + 1} is a JSON "
                                                             f"{type(result).__name__}, not an "
                                                             "object of question -> answer.",
                                                  row=k + 2))
        columns.update(dict.fromkeys(result))
    rows = [[_cell(result.get(c)) for c in columns] for result in data]
    frame = pd.DataFrame(rows, columns=list(columns), dtype=object)
    frame.attrs[_MARK] = NAME
    return frame


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(_cell(v) for v in value)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def detect(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` was read by :func:`read_results` (see the module)."""
    return frame.attrs.get(_MARK) == NAME


def adapt(frame: pd.DataFrame, questionnaire: Questionnaire, source: str) -> Adapted:
    """The results in the native layout: columns matched by question name, else by the
    question's title in any language of the questionnaire; answers given as choice texts
    (a dashboard's display values) back to their codes, a checkbox's texts too."""
    text = as_text(frame)
    fields = form_fields(questionnaire)
    titles = text_targets(fields)
    uses: list[ColumnUse] = []
    columns: dict[str, pd.Series] = {}
    recoded: dict[str, dict[str, str]] = {}
    for column in text.columns:
        target, rule = ((column, "id") if column in fields
                        else (titles.get(norm(column)), "question text"))
        if target is None and norm(column) in titles:
            columns[column] = text[column]
            uses.append(ColumnUse(column, None, "question text shared by two questions"))
            continue
        if target is None:
            columns[column] = text[column]
            uses.append(ColumnUse(column, None, "not in the questionnaire"))
            continue
        if target in columns:
            raise ResponseValidationError(Problem(
                source, f"Two columns answer '{target}', the second is '{column}'. Expected "
                        "one column per question.", column=column))
        cells = text[column]
        f = fields[target]
        if f.kind == "single":
            cells, done = recode(cells, choice_codes(f))
            merge_recoded(recoded, target, done)
        elif f.kind == "multiple":
            table = choice_codes(f)
            done = {}
            out = []
            for cell in cells:
                # The dashboard joins a checkbox's display texts with ", ".
                parts = [p for p in (x.strip() for x in cell.split(",")) if p]
                new = ",".join(table.get(norm(p), p) for p in parts)
                if new != cell:
                    done[cell] = new
                out.append(new)
            cells = pd.Series(out, dtype=object)
            merge_recoded(recoded, target, done)
        columns[target] = cells
        uses.append(ColumnUse(column, target, rule))
    out = pd.DataFrame(columns, index=range(len(text)), dtype=object)
    notes = []
    by_text = sum(1 for u in uses if u.rule == "question text")
    if by_text:
        notes.append(f"{by_text} columns were matched to their questions by the question's "
                     "text (a SurveyJS Dashboard download).")
    return Adapted(NAME, out, tuple(range(2, len(out) + 2)), tuple(uses),
                   notes=tuple(notes), translated=recoded)
