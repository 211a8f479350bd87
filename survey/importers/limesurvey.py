"""LimeSurvey response exports (CSV, tab-separated, XLSX) of a form written by ``survey export
--to limesurvey``.

What LimeSurvey writes (Responses -> Export, headings "Question code", responses "Answer
codes"): meta columns ``id``, ``token``, ``submitdate``, ``lastpage``, ``startlanguage``,
``seed``, ``startdate``, ``datestamp`` (``ipaddr``, ``refurl`` when recorded; timings
``interviewtime``, ``groupTime12``, ``crewfriendlyTime``), then one column per question named
by its code (:func:`survey.fielding.limesurvey_codes`: no underscores), a multiple choice as
one column per option ``code[SQ1]`` holding ``Y`` or nothing; answer codes as exported, numbers
of a numerical question with LimeSurvey's ten decimals (``35.0000000000``), dates with a time
(``2026-09-05 00:00:00``), and ``N/A`` or nothing for a question that was not asked (the
export's "NULL values" option). An export with "Full answers" has the answer's text instead
of its code: read back through the form's choice texts in every language.
"""

from __future__ import annotations

import html
import re

import pandas as pd

from survey.errors import Problem, ResponseValidationError
from survey.fielding import LIMESURVEY_RESERVED, Field, limesurvey_html, text_of
from survey.importers import Adapted, ColumnUse
from survey.importers.layout import (
    as_text,
    choice_codes,
    form_fields,
    header,
    merge_recoded,
    norm,
    numeric_text,
    recode,
    text_targets,
)
from survey.platforms import limesurvey_code
from survey.questionnaire import Questionnaire

NAME = "limesurvey"
LABEL = "LimeSurvey"

#: The meta columns only LimeSurvey's export has together (all three of them).
_MARKERS = frozenset({"submitdate", "lastpage", "startlanguage"})
#: Timing columns of the export ("Question time", "Group time").
_TIMING = re.compile(r"^(interviewtime|groupTime\d+|\w+Time)$")
#: A multiple choice's option column: ``code[SQ1]`` (LimeSurvey 3+) or ``code_SQ1``.
_OPTION = re.compile(r"^(?P<code>[A-Za-z][A-Za-z0-9]*)(\[SQ(?P<a>[A-Za-z0-9]+)\]|_SQ(?P<b>[A-Za-z0-9]+))$")
#: What LimeSurvey writes for a question not asked (NULL), as the export's option has it.
UNASKED = ("n/a",)


def detect(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` is a LimeSurvey response export (its meta columns)."""
    return _MARKERS <= set(header(frame))


def adapt(frame: pd.DataFrame, questionnaire: Questionnaire, source: str) -> Adapted:
    """The export in the native layout (see the module): question codes (or the
    question's text, as the export's headings option has it) back to ids, a multiple
    choice's ``Y`` columns joined into the native comma-separated list, ``N/A``
    read as not asked, numbers without LimeSurvey's trailing zeros, dates without the time,
    answer texts back to their codes."""
    text = as_text(frame)
    fields = form_fields(questionnaire)
    by_code: dict[str, str] = {}
    for fid in fields:
        try:
            by_code.setdefault(limesurvey_code(fid).casefold(), fid)
        except ValueError:
            continue  # an id no LimeSurvey form can have: its column cannot be in the file
    texts = text_targets(fields)
    uses: list[ColumnUse] = []
    columns: dict[str, pd.Series] = {}
    options: dict[str, list[tuple[str, str]]] = {}
    recoded: dict[str, dict[str, str]] = {}
    for column in text.columns:
        match = _OPTION.match(column)
        target, rule = _target(column, by_code, texts)
        if target is not None:
            if target in columns:
                raise ResponseValidationError(Problem(
                    source, f"Two columns answer '{target}' (code "
                            f"'{limesurvey_code(target)}'), the second is '{column}'. Expected "
                            "one column per question.", column=column))
            cells, done = _answers(text[column], fields[target])
            columns[target] = cells
            merge_recoded(recoded, target, done)
            uses.append(ColumnUse(column, target, rule))
        elif match and by_code.get(match["code"].casefold()) in fields \
                and fields[by_code[match["code"].casefold()]].kind == "multiple":
            target = by_code[match["code"].casefold()]
            options.setdefault(target, []).append((column, match["a"] or match["b"]))
            uses.append(ColumnUse(column, target, "platform option"))
        elif column.casefold() in LIMESURVEY_RESERVED or _TIMING.match(column) \
                or column == "seed":
            columns[column] = text[column]
            uses.append(ColumnUse(column, None, "metadata"))
        else:
            columns[column] = text[column]
            uses.append(ColumnUse(column, None, "not in the questionnaire"))
    for target, parts in options.items():
        chosen = [[] for _ in range(len(text))]
        for column, code in parts:
            for k, cell in enumerate(text[column]):
                if cell.casefold() == "y":
                    chosen[k].append(code)
        columns[target] = pd.Series([",".join(c) for c in chosen], dtype=object)
    out = pd.DataFrame(columns, index=range(len(text)), dtype=object)
    return Adapted(NAME, out, tuple(range(2, len(out) + 2)), tuple(uses), translated=recoded)


#: The heading "Question code & question text": ``crewfriendly. How caring ...``.
_CODE_AND_TEXT = re.compile(r"^(?P<code>[A-Za-z][A-Za-z0-9]*)\. ")


def _target(column: str, by_code, texts) -> tuple[str | None, str]:
    """The question a column answers, by the export's heading: the question code, "question
    code & question text", or the full question text (the form's escaped HTML read back)."""
    if column.casefold() in by_code:
        return by_code[column.casefold()], "platform"
    match = _CODE_AND_TEXT.match(column)
    if match and match["code"].casefold() in by_code:
        return by_code[match["code"].casefold()], "platform"
    key = norm(html.unescape(re.sub(r"<br\s*/?>", "\n", column)))
    if texts.get(key):
        return texts[key], "question text"
    return None, ""


def _answer_codes(field: Field) -> dict[str, str]:
    """An answer's text -> its code, also as the form wrote it (escaped HTML, which a
    "full answers" export gives back)."""
    table = choice_codes(field)
    for choice in field.choices:
        for lang, _ in choice.text.texts:
            table.setdefault(norm(limesurvey_html(text_of(choice.text, lang))), str(choice.code))
    return table


def _answers(cells: pd.Series, field: Field) -> tuple[pd.Series, dict[str, str]]:
    table = {cell: "" for cell in cells.unique() if cell.casefold() in UNASKED}
    for cell in cells.unique():
        if cell in table or cell == "":
            continue
        if field.kind in ("integer", "number", "single"):
            new = numeric_text(cell)
        elif field.kind == "date":
            new = re.sub(r"[ T]00:00(:00)?$", "", cell)
        else:
            new = cell
        if new != cell:
            table[cell] = new
    out = cells.map(lambda c: table.get(c, c))
    if field.kind == "single":
        out, texts = recode(out, _answer_codes(field))
        # Each replacement recorded against the cell as the file has it.
        table.update({cell: texts[table.get(cell, cell)] for cell in cells.unique()
                      if table.get(cell, cell) in texts})
    return out, table
