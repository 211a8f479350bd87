"""Fielding a questionnaire on a survey platform: the form a platform imports, written from the
questionnaire YAML so that nobody re-types questions, codes or skip logic by hand.

Three platforms, one plan (:func:`form_plan`):

- **XLSForm** (KoboToolbox, ODK, Ona, SurveyCTO): an XLSX with ``survey``, ``choices`` and
  ``settings`` sheets, one ``label::Language (code)`` column per language (XLSForm
  specification, https://xlsform.org, "Multiple language support").
- **LimeSurvey** TSV: the tab-separated survey-structure text LimeSurvey imports (Import
  survey, ``.txt``), one row per survey setting (class ``S``, ``SL``), group (``G``),
  question (``Q``), sub-question (``SQ``) and answer option (``A``), repeated per language.
- **SurveyJS** JSON: ``pages`` of ``elements`` with ``visibleIf`` and localised strings
  ``{"default": ..., "zh-cn": ..., "en": ...}``.

What every form carries: the screening questions first, each asked only of respondents whom
the earlier ones qualified, and everything after them only of qualified respondents (the
platform's relevance / ``visibleIf``: a screened-out respondent is not asked the items, as
ingestion expects, see :mod:`survey.ingest`); every rated item (and stated-importance rating)
as a single choice from its scale's points plus the scale's don't-know codes as explicit
choices with the questionnaire's own code; the other questions and the respondent profile;
the complaint outcome asked only of respondents who complained (the questionnaire's
``gauges``). Field names follow :mod:`survey.platforms`: item ids as they are (XLSForm,
SurveyJS), :func:`survey.platforms.limesurvey_code` for LimeSurvey, refused when a code would
be invalid or shared.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from survey.errors import Problem, SurveyError
from survey.platforms import limesurvey_code
from survey.questionnaire import Label, Question, Questionnaire, Scale

#: The platforms a form is written for (``survey export --to``) and the file each one takes.
PLATFORMS = {"xlsform": ".xlsx", "limesurvey": ".txt", "surveyjs": ".json"}
_FORM_NAMES = {"xlsform": "An XLSForm", "limesurvey": "A LimeSurvey survey structure",
               "surveyjs": "A SurveyJS survey"}

#: The form's own words (the questionnaire has every other text): the don't-know choice and
#: the headings of the pages outside the constructs. English serves a language not listed.
FORM_TEXTS: Mapping[str, Mapping[str, str]] = {
    "dont_know": {"zh": "无法回答", "en": "Can't answer"},
    # Page headings of the questions outside the constructs.
    "screening": {"zh": "甄别", "en": "Screening"},
    "other": {"zh": "其他问题与背景资料", "en": "Other questions and profile"},
    "importance": {"zh": "重要性", "en": "Importance"},
}

#: XLSForm's language columns name the language and its code: ``label::English (en)``.
LANGUAGE_NAMES = {"zh": "Chinese", "en": "English", "fr": "French", "de": "German",
                  "es": "Spanish", "ja": "Japanese", "ko": "Korean", "ru": "Russian",
                  "pt": "Portuguese", "ar": "Arabic", "it": "Italian"}
#: LimeSurvey's and SurveyJS's codes for languages whose code differs from the
#: questionnaire's: Simplified Chinese is ``zh-Hans`` in LimeSurvey, ``zh-cn`` in SurveyJS.
LIMESURVEY_LANGUAGES = {"zh": "zh-Hans"}
SURVEYJS_LANGUAGES = {"zh": "zh-cn"}
#: LimeSurvey answer codes: letters and digits, at most 5 characters (LimeSurvey 3+).
_LIMESURVEY_ANSWER = re.compile(r"^[A-Za-z0-9]{1,5}$")
#: Columns of LimeSurvey's response export that a question code must not take (the export
#: would then have two columns of that name).
LIMESURVEY_RESERVED = frozenset({"id", "token", "submitdate", "lastpage", "startlanguage",
                                 "seed", "startdate", "datestamp", "ipaddr", "refurl",
                                 "interviewtime"})


class FieldingError(SurveyError):
    """The questionnaire cannot be written as the requested platform's form (an unknown
    platform, a language it lacks, an id the platform cannot take)."""


@dataclass(frozen=True)
class Choice:
    """One answer option: the code stored in the data and its text."""

    code: Any
    text: Label
    dont_know: bool = False


@dataclass(frozen=True)
class Field:
    """One question of the form. ``kind``: ``single``, ``multiple``, ``integer``,
    ``number``, ``text`` or ``date``; ``choices`` of a single or multiple choice and their
    list name (a scale's list is shared by its items); ``minimum``/``maximum`` bound a
    number (``allowed`` codes, the don't-knows of a continuous scale, pass too);
    ``asked_if``: (question id, codes) conditions that must all hold for the question to be
    asked; ``group``: the construct (or ``importance``) whose page it is on, None outside;
    ``section``: ``screening`` or ``other`` for a question outside the groups."""

    id: str
    kind: str
    text: Label
    choices: tuple[Choice, ...] = ()
    list_name: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    allowed: tuple[float, ...] = ()
    required: bool = False
    asked_if: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    group: str | None = None
    section: str = "other"

    @property
    def page(self) -> str:
        """The page it is on: its group, or ``screening``, or ``other`` (the other
        questions and the profile)."""
        return self.group or self.section


@dataclass(frozen=True)
class Group:
    """A page of items: a construct's (or the importance ratings'), with its heading."""

    id: str
    label: Label


@dataclass(frozen=True)
class FormPlan:
    """What every platform's form holds, in order: ``fields``, the ``groups`` they refer to,
    the questionnaire's ``title`` and id, and the ``languages`` written (the first is the
    form's default)."""

    id: str
    title: Label
    languages: tuple[str, ...]
    fields: tuple[Field, ...]
    groups: Mapping[str, Group]
    #: The questionnaire's file and id, for messages.
    where: str = ""


# --------------------------------------------------------------------------- the plan


def form_plan(questionnaire: Questionnaire, languages: Sequence[str] | None = None) -> FormPlan:
    """The questions of ``questionnaire`` as a platform form asks them (see the module).

    ``languages``: the languages to write, each one the questionnaire has (default: all, its
    main language first). Raises :class:`FieldingError` naming a language it lacks."""
    q = questionnaire
    langs = tuple(languages) if languages else q.languages
    missing = [lang for lang in langs if lang not in q.languages]
    if missing or len(set(langs)) != len(langs):
        what = (f"has no text in {', '.join(repr(x) for x in missing)}" if missing
                else "takes each language once")
        raise FieldingError(Problem(_where(q), f"The questionnaire {what}. Expected languages "
                                               f"among {list(q.languages)}. Got {list(langs)} "
                                               "instead."))
    fields: list[Field] = []
    qualified: list[tuple[str, tuple[Any, ...]]] = []
    for question in q.screening:
        fields.append(_question_field(question, tuple(qualified), required=True,
                                      section="screening"))
        if question.qualify:
            qualified.append((question.id, tuple(question.qualify)))
    asked = tuple(qualified)
    groups: dict[str, Group] = {}
    names = {*(i.id for i in q.items), *(r.id for r in q.importance),
             *(x.id for x in (*q.screening, *q.demographics, *q.questions)),
             "screening", "other"}  # a page or group name is unique in the form
    for construct in q.constructs.values():
        if not construct.items:
            continue  # a higher-order construct is asked through its dimensions' items
        group = construct.id if construct.id not in names else f"{construct.id}_page"
        groups[group] = Group(group, construct.label)
        for item in construct.items:
            fields.append(_rated_field(item.id, item.text, q.scales[item.scale], asked, group))
    if q.importance:
        group = "importance" if "importance" not in names else "importance_page"
        groups[group] = Group(group, _form_label("importance", q.languages))
        for rating in q.importance:
            fields.append(_rated_field(rating.id, rating.text, q.scales[rating.scale], asked,
                                       group))
    g = q.gauges
    for question in (*q.questions, *q.demographics):
        conditions = asked
        if question.id == g.complaint_outcome and g.complained:
            # The outcome of a complaint is asked of those who complained (gauges.complained).
            conditions = (*asked, (g.complained, tuple(g.complained_yes)))
        fields.append(_question_field(question, conditions, required=False))
    return FormPlan(q.id, q.title, langs, tuple(fields), groups, _where(q))


def _where(q: Questionnaire) -> str:
    """Where a problem lies: the questionnaire's file and id (its id alone when it was not
    read from a file)."""
    return f"{q.source}: questionnaire '{q.id}'" if q.source else f"questionnaire '{q.id}'"


def dont_know_text(lang: str) -> str:
    """The don't-know choice's text in ``lang`` (English for a language not listed)."""
    table = FORM_TEXTS["dont_know"]
    return table.get(lang, table["en"])


def _form_label(key: str, languages: Sequence[str]) -> Label:
    words = FORM_TEXTS[key]
    return Label(tuple((lang, words.get(lang, words["en"])) for lang in languages))


def _rated_field(fid: str, text: Label, scale: Scale, asked: tuple, group: str) -> Field:
    if scale.continuous:
        return Field(fid, "number", text, minimum=scale.min, maximum=scale.max,
                     allowed=scale.dont_know, required=True, asked_if=asked, group=group)
    labels = dict(scale.labels)
    choices = [Choice(point, _point_label(point, labels.get(point)))
               for point in range(int(scale.min), int(scale.max) + 1)]
    choices += [Choice(_code(code), Label(tuple((lang, dont_know_text(lang))
                                                for lang in _label_languages(text))), True)
                for code in scale.dont_know]
    return Field(fid, "single", text, tuple(choices), f"scale_{scale.id}", required=True,
                 asked_if=asked, group=group)


def _label_languages(label: Label) -> tuple[str, ...]:
    return tuple(lang for lang, _ in label.texts)


def _point_label(point: int, label: Label | None) -> Label:
    """A scale point's choice text: the number, with its label when the scale has one
    (``1 (Very poor)``): respondents see which end is which."""
    if label is None:
        return Label((("*", str(point)),))
    return Label(tuple((lang, f"{point} ({text})") for lang, text in label.texts))


def _code(value: float) -> Any:
    return int(value) if float(value).is_integer() else value


def _question_field(question: Question, asked: tuple, *, required: bool,
                    section: str = "other") -> Field:
    kind = question.type
    if kind in ("single", "multiple"):
        choices = tuple(Choice(code, text) for code, text in question.options)
        return Field(question.id, kind, question.label, choices, f"q_{question.id}",
                     required=required, asked_if=asked, section=section)
    return Field(question.id, kind, question.label, minimum=question.min,
                 maximum=question.max, required=required, asked_if=asked, section=section)


def text_of(label: Label, lang: str) -> str:
    """A label's text in ``lang`` (a scale point without a label has one text for all)."""
    table = dict(label.texts)
    if "*" in table:
        return table["*"]
    return label.get(lang)


# --------------------------------------------------------------------------- writers


def export_form(questionnaire: Questionnaire, to: str,
                languages: Sequence[str] | None = None) -> bytes:
    """The form of ``questionnaire`` for the platform ``to`` (one of :data:`PLATFORMS`) as
    the bytes of the file the platform imports: XLSX (XLSForm), UTF-8 tab-separated text
    (LimeSurvey) or UTF-8 JSON (SurveyJS). ``languages`` as for :func:`form_plan`.

    Raises :class:`FieldingError` for an unknown platform, a language the questionnaire
    lacks, or an id or code the platform cannot take (naming the questionnaire and item)."""
    if to not in PLATFORMS:
        raise FieldingError(Problem("--to", f"Unknown platform '{to}'. Expected one of "
                                            f"{sorted(PLATFORMS)}."))
    plan = form_plan(questionnaire, languages)
    if to == "xlsform":
        return xlsform_bytes(plan)
    if to == "limesurvey":
        return limesurvey_text(plan, questionnaire).encode("utf-8")
    return (json.dumps(surveyjs_form(plan), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write_form(questionnaire: Questionnaire, to: str, path: str | Path,
               languages: Sequence[str] | None = None) -> Path:
    """:func:`export_form` written to ``path`` (its folder is created); returns the path.
    The file's extension must be the one the platform takes (:data:`PLATFORMS`): Kobo, ODK
    and LimeSurvey tell a form's format by it."""
    path = Path(path)
    if to in PLATFORMS and path.suffix.lower() != PLATFORMS[to]:
        raise FieldingError(Problem(str(path), f"{_FORM_NAMES[to]} is a "
                                               f"{PLATFORMS[to]} file. Got '{path.suffix}' "
                                               f"instead: name it "
                                               f"'{path.with_suffix(PLATFORMS[to]).name}'."))
    data = export_form(questionnaire, to, languages)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# -- XLSForm


def xlsform_language(lang: str) -> str:
    """XLSForm's name of a language column: ``English (en)``."""
    return f"{LANGUAGE_NAMES.get(lang, lang)} ({lang})"


def xlsform_sheets(plan: FormPlan) -> dict[str, list[dict[str, Any]]]:
    """The XLSForm's ``survey``, ``choices`` and ``settings`` sheets as rows (column ->
    cell). Relevance is written on every question (not only its page), so each question
    carries its own skip logic whatever page it is moved to."""
    langs = plan.languages
    problems: list[Problem] = []

    def labels(label: Label, what: str) -> dict[str, str]:
        out = {}
        for lang in langs:
            text = text_of(label, lang)
            if "${" in text:
                # XLSForm has no escape for it: '${name}' is always a reference.
                problems.append(Problem(plan.where, f"The text of {what} in "
                                        f"'{lang}' holds '${{', which XLSForm reads as a "
                                        f"reference to another question: {text!r}. Reword "
                                        "it (e.g. '$ {').", value=text))
            out[f"label::{xlsform_language(lang)}"] = text
        return out

    survey: list[dict[str, Any]] = []
    choices: list[dict[str, Any]] = []
    lists: set[str] = set()
    open_group: str | None = None
    for f in plan.fields:
        if f.group != open_group:
            if open_group is not None:
                survey.append({"type": "end_group", "name": open_group})
            if f.group is not None:
                survey.append({"type": "begin_group", "name": f.group,
                               **labels(plan.groups[f.group].label, f"page '{f.group}'"),
                               "appearance": "field-list"})
            open_group = f.group
        row: dict[str, Any] = {"type": _XLSFORM_TYPES[f.kind], "name": f.id,
                               **labels(f.text, f"question '{f.id}'"),
                               "required": "yes" if f.required else "",
                               "relevance": _xlsform_relevance(f.asked_if)}
        if f.kind in ("single", "multiple"):
            row["type"] = f"{row['type']} {f.list_name}"
            if f.list_name not in lists:
                lists.add(f.list_name)
                choices += [{"list_name": f.list_name, "name": str(c.code),
                             **labels(c.text, f"choice {c.code} of '{f.id}'")}
                            for c in f.choices]
        constraint = _xlsform_constraint(f)
        if constraint:
            row["constraint"] = constraint
        survey.append(row)
    if open_group is not None:
        survey.append({"type": "end_group", "name": open_group})
    if problems:
        raise FieldingError(problems)
    settings = [{"form_title": text_of(plan.title, langs[0]), "form_id": plan.id,
                 "default_language": xlsform_language(langs[0])}]
    return {"survey": survey, "choices": choices, "settings": settings}


_XLSFORM_TYPES = {"single": "select_one", "multiple": "select_multiple", "integer": "integer",
                  "number": "decimal", "text": "text", "date": "date"}


def _xlsform_value(code: Any) -> str:
    return "'" + str(code).replace("'", "") + "'"


def _xlsform_relevance(asked_if: tuple) -> str:
    # selected() works for select_one and select_multiple alike (XLSForm, "Relevant").
    parts = []
    for qid, codes in asked_if:
        alternatives = [f"selected(${{{qid}}}, {_xlsform_value(c)})" for c in codes]
        parts.append(alternatives[0] if len(alternatives) == 1
                     else "(" + " or ".join(alternatives) + ")")
    return " and ".join(parts)


def _xlsform_constraint(f: Field) -> str:
    bounds = []
    if f.minimum is not None:
        bounds.append(f". >= {_number(f.minimum)}")
    if f.maximum is not None:
        bounds.append(f". <= {_number(f.maximum)}")
    if not bounds:
        return ""
    inside = " and ".join(bounds)
    if f.allowed:
        return f"({inside}) or " + " or ".join(f". = {_number(c)}" for c in f.allowed)
    return inside


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def xlsform_bytes(plan: FormPlan) -> bytes:
    """The XLSForm as XLSX bytes. Every text is written as a text cell, never a formula
    (xlsxwriter's ``strings_to_formulas=False``, as the report's workbook): a question that
    starts with ``=`` stays that question, word for word, and no apostrophe is added (the
    platform would show it to respondents)."""
    import xlsxwriter

    sheets = xlsform_sheets(plan)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False,
                                     "strings_to_urls": False, "strings_to_numbers": False})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        columns: list[str] = []
        for row in rows:
            columns += [c for c in row if c not in columns]
        for j, column in enumerate(columns):
            sheet.write_string(0, j, column)
        for i, row in enumerate(rows, start=1):
            for j, column in enumerate(columns):
                value = row.get(column, "")
                if value != "":
                    sheet.write_string(i, j, str(value))
    book.close()
    return out.getvalue()


# -- LimeSurvey

#: The columns of LimeSurvey's tab-separated survey structure (LimeSurvey 3+, "Export ->
#: Tab-separated-values format"), then the question attributes this form uses.
LIMESURVEY_COLUMNS = ("id", "related_id", "class", "type/scale", "name", "relevance", "text",
                      "help", "language", "validation", "mandatory", "encrypted", "other",
                      "default", "same_default", "min_num_value_n", "max_num_value_n")
_LIMESURVEY_TYPES = {"single": "L", "multiple": "M", "integer": "N", "number": "N",
                     "text": "S", "date": "D"}


def limesurvey_language(lang: str) -> str:
    return LIMESURVEY_LANGUAGES.get(lang, lang)


def limesurvey_html(text: str) -> str:
    """Question and answer text as LimeSurvey shows it: LimeSurvey stores these texts as HTML
    and prints them as they are, so the questionnaire's text is escaped (``<`` is ``&lt;``,
    a line break ``<br />``): it is shown word for word and never runs as markup."""
    return html.escape(text, quote=False).replace("\r\n", "\n").replace("\n", "<br />")


def limesurvey_codes(questionnaire: Questionnaire) -> dict[str, str]:
    """Item or question id -> its LimeSurvey question code (:func:`limesurvey_code`), for
    every question of the form. Raises :class:`FieldingError` naming the questionnaire and
    the items when a code would be invalid, reserved by LimeSurvey's response export, or
    shared by two items (LimeSurvey compares codes without regard to case)."""
    q = questionnaire
    ids = [*(x.id for x in q.screening), *(i.id for i in q.items), *(r.id for r in q.importance),
           *(x.id for x in (*q.questions, *q.demographics))]
    problems: list[Problem] = []
    codes: dict[str, str] = {}
    by_code: dict[str, list[str]] = {}
    for i in ids:
        try:
            code = limesurvey_code(i)
        except ValueError as exc:
            problems.append(Problem(_where(q), f"{exc} Shorten the id for LimeSurvey."))
            continue
        if code.casefold() in LIMESURVEY_RESERVED:
            problems.append(Problem(_where(q), f"Item '{i}' gives the LimeSurvey code '{code}', "
                                               "a column LimeSurvey's response export has "
                                               "already. Rename the item."))
        codes[i] = code
        by_code.setdefault(code.casefold(), []).append(i)
    for shared in by_code.values():
        if len(shared) > 1:
            problems.append(Problem(_where(q), f"Items {shared} share the LimeSurvey code "
                                               f"'{codes[shared[0]]}' (LimeSurvey codes keep "
                                               "letters and digits only). Rename one of them."))
    if problems:
        raise FieldingError(problems)
    return codes


def limesurvey_answer_code(code: Any, *, where: str, what: str) -> str:
    """A questionnaire code as a LimeSurvey answer code (letters and digits, at most 5), or
    :class:`FieldingError` naming ``what`` (the scale or question) when it cannot be one."""
    text = str(code)
    if not _LIMESURVEY_ANSWER.match(text):
        raise FieldingError(Problem(where, f"{what}: the code {text!r} cannot be a LimeSurvey "
                                           "answer code (letters and digits, at most 5). "
                                           "Recode it in the questionnaire."))
    return text


def limesurvey_rows(plan: FormPlan, questionnaire: Questionnaire) -> list[dict[str, str]]:
    """The LimeSurvey structure as rows (column -> cell). Each group, question, sub-question
    and answer is written once per language, its ``id`` tying the languages together;
    relevance uses the question codes (LimeSurvey's ExpressionScript); the screening is its
    own group, the other questions and the profile another; question and answer texts are
    escaped HTML (:func:`limesurvey_html`)."""
    codes = limesurvey_codes(questionnaire)
    where = _where(questionnaire)
    langs = plan.languages
    ls = [limesurvey_language(lang) for lang in langs]
    rows: list[dict[str, str]] = [
        {"class": "S", "name": "sid", "text": ""},
        {"class": "S", "name": "language", "text": ls[0]},
        {"class": "S", "name": "additional_languages", "text": " ".join(ls[1:])},
        {"class": "S", "name": "format", "text": "G"},
    ]
    rows += [{"class": "SL", "name": "surveyls_title", "text": text_of(plan.title, lang),
              "language": code} for lang, code in zip(langs, ls, strict=True)]
    pages: list[tuple[str, Label, list[Field]]] = []
    for f in plan.fields:
        if not pages or pages[-1][0] != f.page:
            pages.append((f.page, page_label(plan, f.page), []))
        pages[-1][2].append(f)
    multiple = {f.id for f in plan.fields if f.kind == "multiple"}
    qid = 0
    for gid, (_, label, fields) in enumerate(pages, start=1):
        rows += [{"id": str(gid), "class": "G", "name": text_of(label, lang), "relevance": "1",
                  "language": code} for lang, code in zip(langs, ls, strict=True)]
        for f in fields:
            qid += 1
            relevance = _limesurvey_relevance(f.asked_if, codes, multiple) or "1"
            answers = [limesurvey_answer_code(c.code, where=where, what=f"'{f.id}'")
                       for c in f.choices]
            for lang, code in zip(langs, ls, strict=True):
                row = {"id": str(qid), "class": "Q", "type/scale": _LIMESURVEY_TYPES[f.kind],
                       "name": codes[f.id], "relevance": relevance,
                       "text": limesurvey_html(text_of(f.text, lang)),
                       "language": code, "mandatory": "Y" if f.required else "N",
                       "other": "N"}
                if f.kind in ("integer", "number") and not f.allowed:
                    row["min_num_value_n"] = "" if f.minimum is None else _number(f.minimum)
                    row["max_num_value_n"] = "" if f.maximum is None else _number(f.maximum)
                if f.kind == "integer":
                    row["validation"] = r"/^-?\d+$/"
                rows.append(row)
                if f.kind == "multiple":
                    rows += [{"class": "SQ", "name": f"SQ{a}", "relevance": "1",
                              "text": limesurvey_html(text_of(c.text, lang)),
                              "language": code}
                             for a, c in zip(answers, f.choices, strict=True)]
                elif f.kind == "single":
                    rows += [{"class": "A", "type/scale": "0", "name": a,
                              "text": limesurvey_html(text_of(c.text, lang)),
                              "language": code}
                             for a, c in zip(answers, f.choices, strict=True)]
    return rows


def page_label(plan: FormPlan, page: str) -> Label:
    """A page's heading: its construct's label, or the form's words for the screening and
    the other questions."""
    if page in plan.groups:
        return plan.groups[page].label
    return _form_label(page, plan.languages)


def _limesurvey_relevance(asked_if: tuple, codes: Mapping[str, str],
                          multiple: set[str]) -> str:
    # A multiple choice's option is its sub-question, "Y" when ticked (code_SQ1).
    parts = []
    for qid, values in asked_if:
        alternatives = [f'{codes[qid]}_SQ{v}.NAOK == "Y"' if qid in multiple
                        else f'{codes[qid]}.NAOK == "{v}"' for v in values]
        parts.append("(" + " or ".join(alternatives) + ")")
    return " and ".join(parts)


def limesurvey_text(plan: FormPlan, questionnaire: Questionnaire) -> str:
    """The LimeSurvey structure as the tab-separated text LimeSurvey imports: a header row,
    cells quoted where they hold a tab, a quote or a line break (quotes doubled), as
    LimeSurvey's reader expects."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", quotechar='"', quoting=csv.QUOTE_MINIMAL,
                        lineterminator="\n")
    writer.writerow(LIMESURVEY_COLUMNS)
    for row in limesurvey_rows(plan, questionnaire):
        writer.writerow([row.get(c, "") for c in LIMESURVEY_COLUMNS])
    return out.getvalue()


# -- SurveyJS


def surveyjs_language(lang: str) -> str:
    return SURVEYJS_LANGUAGES.get(lang, lang)


def surveyjs_form(plan: FormPlan) -> dict[str, Any]:
    """The SurveyJS survey JSON: one page for the screening, one per construct (and the
    importance ratings), one for the other questions and profile. Texts are localised
    strings, ``default`` the form's first language; ``visibleIf`` carries the skip logic and
    invisible answers are cleared, so a screened-out respondent's result has no items."""
    langs = plan.languages

    def text(label: Label) -> dict[str, str]:
        out = {"default": text_of(label, langs[0])}
        out.update({surveyjs_language(lang): text_of(label, lang) for lang in langs})
        return out

    multiple = {f.id for f in plan.fields if f.kind == "multiple"}
    pages: list[dict[str, Any]] = []
    for f in plan.fields:
        if not pages or pages[-1]["name"] != f.page:
            pages.append({"name": f.page, "title": text(page_label(plan, f.page)),
                          "elements": []})
        element: dict[str, Any] = {"type": _SURVEYJS_TYPES[f.kind], "name": f.id,
                                   "title": text(f.text)}
        if f.kind in ("single", "multiple"):
            element["choices"] = [{"value": c.code, "text": text(c.text)} for c in f.choices]
        elif f.kind in ("integer", "number"):
            element["inputType"] = "number"
            validator = {"type": "numeric"}
            if f.minimum is not None:
                validator["minValue"] = _code(f.minimum)
            if f.maximum is not None:
                validator["maxValue"] = _code(f.maximum)
            if f.allowed:  # a continuous scale's don't-know code lies outside its range
                inside = " and ".join(f"{{{f.id}}} {op} {_number(v)}" for op, v in
                                      ((">=", f.minimum), ("<=", f.maximum)) if v is not None)
                codes = " or ".join(f"{{{f.id}}} = {_number(c)}" for c in f.allowed)
                validator = {"type": "expression", "expression": f"({inside}) or {codes}"}
            element["validators"] = [validator]
        elif f.kind == "date":
            element["inputType"] = "date"
        if f.required:
            element["isRequired"] = True
        visible = _surveyjs_visible(f.asked_if, multiple)
        if visible:
            element["visibleIf"] = visible
        pages[-1]["elements"].append(element)
    return {"title": text(plan.title), "locale": surveyjs_language(langs[0]),
            "clearInvisibleValues": "onHidden", "showQuestionNumbers": "off",
            "pages": pages}


_SURVEYJS_TYPES = {"single": "radiogroup", "multiple": "checkbox", "integer": "text",
                   "number": "text", "text": "text", "date": "text"}


def _surveyjs_literal(code: Any) -> str:
    return str(code) if isinstance(code, int | float) else "'" + str(code).replace("'", "") + "'"


def _surveyjs_visible(asked_if: tuple, multiple: set[str]) -> str:
    # A checkbox's value is an array ("anyof"); a radiogroup's one value is compared with "=".
    parts = []
    for qid, codes in asked_if:
        if qid in multiple:
            parts.append(f"{{{qid}}} anyof [{', '.join(_surveyjs_literal(c) for c in codes)}]")
        elif len(codes) == 1:
            parts.append(f"{{{qid}}} = {_surveyjs_literal(codes[0])}")
        else:
            parts.append("(" + " or ".join(f"{{{qid}}} = {_surveyjs_literal(c)}"
                                           for c in codes) + ")")
    return " and ".join(parts)
