"""What the platform importers share: an export's cells as text, a ``;``- or tab-separated
export that was read as comma-separated split again, and the questions of a fielded form
(:func:`survey.fielding.form_plan`) with the texts of their choices, to read an answer given
as its text back as its code.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import Problem, ResponseValidationError
from survey.fielding import Field, form_plan, text_of
from survey.questionnaire import Questionnaire

#: Separators of a platform export besides the comma: Kobo's CSV default ``;``, tab.
OTHER_SEPARATORS = (";", "\t")


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
    # By position: a reader may have given the frame an index of its own (pandas takes a
    # row's surplus cells as an index when a ';' file is read as comma-separated).
    cells = {str(c).strip(): [cell_text(v) for v in frame.iloc[:, j].tolist()]
             for j, c in enumerate(frame.columns)}
    return pd.DataFrame(cells, index=range(len(frame)), dtype=object)


def header(frame: pd.DataFrame) -> list[str]:
    """The column names of ``frame``, those of a ``;``- or tab-separated file read as one
    comma-separated column split again."""
    names = [str(c).strip() for c in frame.columns]
    if len(names) == 1:
        for sep in OTHER_SEPARATORS:
            if sep in names[0]:
                return next(csv.reader([names[0]], delimiter=sep))
    return names


def resplit(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """``frame`` as text cells; a ``;``- or tab-separated export that a comma-separated
    reader read as one column is split into its columns again. Raises
    :class:`ResponseValidationError` naming the row when a row does not split into as many
    cells as the header (a cell held a comma, which the comma-separated reading already cut:
    the file must be read with its own separator)."""
    text = as_text(frame)
    if len(text.columns) != 1:
        return text
    name = text.columns[0]
    sep = next((s for s in OTHER_SEPARATORS if s in name), None)
    if sep is None:
        return text
    shown = "tab" if sep == "\t" else f"'{sep}'"
    if not frame.index.equals(pd.RangeIndex(len(frame))):
        # pandas makes a row's surplus cells the index: a comma cut some row into more cells.
        raise ResponseValidationError(Problem(
            source, f"The file is {shown}-separated and was read as comma-separated: a cell "
                    "holding a comma was cut into two. Read it with its own separator, or "
                    "export it comma-separated."))
    # The comma-separated reader has taken the quotes off the first cell only, which a
    # platform's first column (a time stamp, an id) never needs.
    columns = next(csv.reader([name], delimiter=sep))
    rows = []
    for k, cell in enumerate(text[name]):
        try:
            lines = list(csv.reader(io.StringIO(cell, newline=""), delimiter=sep, strict=True))
        except csv.Error:
            lines = []
        cells = lines[0] if len(lines) == 1 else []
        # A separator or a quote in the first cell: the comma reader took that cell's
        # quotes off and its end cannot be told (a platform's first column, a time stamp or
        # an id, never holds one).
        if (len(cells) != len(columns) or cell.startswith('"')
                or any(c in cells[0] for c in (sep, '"'))):
            raise ResponseValidationError(Problem(
                source, f"The file is {shown}-separated and its row {k + 2} does not split "
                        f"into the header's {len(columns)} cells: the file was read as "
                        "comma-separated, and a cell holding a comma or a line break was cut "
                        "there. Read it with its own separator, or export it "
                        "comma-separated.", row=k + 2))
        rows.append([c.strip() for c in cells])
    if len(set(columns)) != len(columns):
        dups = sorted({c for c in columns if columns.count(c) > 1})
        raise ResponseValidationError(Problem(source, f"Duplicate column names {dups}; every "
                                                      "column must have its own name."))
    return pd.DataFrame(rows, columns=[c.strip() for c in columns], dtype=object)


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
