"""What the platform importers share: an export's cells as text (survey.ingest reads a ``;``-
or tab-separated export with its own separator), and the questions of a fielded form
(:func:`survey.fielding.form_plan`) with the texts of their choices, to read an answer given
as its text back as its code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from survey.fielding import Field, form_plan, text_of
from survey.questionnaire import Questionnaire


def cell_text(value: object) -> str:
    """A cell as stripped text: '' for an empty cell, whole floats without '.0' (an XLSX
    export's 8.0 is the answer 8)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell of ``frame`` as text (:func:`cell_text`), columns as stripped text."""
    # By position: whatever index the reader gave the frame.
    cells = {str(c).strip(): [cell_text(v) for v in frame.iloc[:, j].tolist()]
             for j, c in enumerate(frame.columns)}
    return pd.DataFrame(cells, index=range(len(frame)), dtype=object)


def header(frame: pd.DataFrame) -> list[str]:
    """The column names of ``frame`` as stripped text."""
    return [str(c).strip() for c in frame.columns]


def form_fields(questionnaire: Questionnaire) -> dict[str, Field]:
    """Id -> the question as the exported form asks it (every language)."""
    return {f.id: f for f in form_plan(questionnaire).fields}


_SPACES = re.compile(r"\s+")


def norm(text: str) -> str:
    """Text compared without regard to case and runs of white space."""
    return _SPACES.sub(" ", str(text)).strip().casefold()


def text_targets(fields: Mapping[str, Field]) -> dict[str, str | None]:
    """A question's text in any language (by :func:`norm`) -> its id; None for a text two
    questions share (a column headed by it names neither)."""
    out: dict[str, str | None] = {}
    for fid, f in fields.items():
        for lang, _ in f.text.texts:
            key = norm(text_of(f.text, lang))
            out[key] = fid if out.get(key, fid) == fid else None
    return out


def choice_codes(field: Field) -> dict[str, str]:
    """A choice's text in any language (and its code) -> its code, as text, for an export
    that writes the answer's text instead of its code."""
    out: dict[str, str] = {}
    for choice in field.choices:
        code = str(choice.code)
        for lang, _ in choice.text.texts:
            out.setdefault(norm(text_of(choice.text, lang)), code)
    for choice in field.choices:
        out[norm(str(choice.code))] = str(choice.code)
    return out


def recode(column: pd.Series, table: Mapping[str, str]) -> tuple[pd.Series, dict[str, str]]:
    """``column`` with each cell found in ``table`` (by :func:`norm`) replaced, and the
    replacements made (cell -> new cell) that changed something."""
    done: dict[str, str] = {}
    out = []
    for cell in column:
        new = table.get(norm(cell), cell) if cell != "" else cell
        if new != cell:
            done[cell] = new
        out.append(new)
    return pd.Series(out, index=column.index, dtype=object), done


def numeric_text(cell: str) -> str:
    """A number written with trailing zeros (LimeSurvey's ``35.0000000000``) as the number
    (``35``); any other text as it is."""
    if re.fullmatch(r"-?\d+\.\d*", cell):
        stripped = cell.rstrip("0").rstrip(".")
        return stripped if stripped not in ("", "-") else "0"
    return cell


def merge_recoded(recoded: dict[str, dict[str, str]], target: str, done: Mapping[str, Any]
                  ) -> None:
    if done:
        recoded.setdefault(target, {}).update({str(k): str(v) for k, v in done.items()})
