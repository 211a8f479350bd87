"""Which column of a response file is which item or question: the rules every importer shares.

A column is matched to a questionnaire id (an item, a stated-importance rating, a screening,
profile or other question) by the first rule that names it, in this order:

1. ``source``: the id's ``source:`` in the questionnaire (for this platform, else for every
   file): the header's text, a question number (``Q5``, ``5``: the header is the number or
   starts with it followed by ``.``, ``、``, ``(``, ``:`` or a space) or a ``/regex/`` matched
   against the whole header. An id whose source matches no column, or two, is an error.
2. ``id``: the header is the id.
3. ``question text`` (platform exports only): the question's text in the header (问卷星's
   "5.您对机组人员的服务态度满意吗？" with its number left off, a matrix row's label "5(服务态度)",
   SurveyMonkey's sub-question) equals the item's text or short name, in any language of the
   questionnaire, compared without spaces, case or punctuation.
4. ``key``: the header's :func:`survey.platforms.header_key` equals the id's, and no other
   id's (:func:`survey.platforms.ambiguous_keys`): ``service/crew_friendly``, ``CrewFriendly``
   and LimeSurvey's ``crewfriendly`` are ``crew_friendly``.

A column claimed by two ids, or an id that the question-text rule finds in two columns, is an
error naming the file, the header row and the columns: a guess would put answers under the
wrong item. Columns that no rule claims keep their header and are listed as ignored
(``metadata`` for a platform's own columns, else ``not in the questionnaire``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from survey.errors import Problem, ResponseValidationError
from survey.importers import Adapted, ColumnUse
from survey.platforms import ambiguous_keys, header_key
from survey.questionnaire import Questionnaire, Source

#: What may follow a question number at the start of a header: 5.xxx, 5、xxx, 5(xxx), Q5: xxx.
_AFTER_NUMBER = r"(?:$|[.．、(（:：\s])"
#: Left off a question's text before comparing: spaces and punctuation (a platform's copy
#: adds a comma, a question mark or a required-answer star the questionnaire does not have).
_TEXT_NOISE = re.compile(r"[\s\u3000?？:：.。!！*＊,，、;；]+")


@dataclass(frozen=True)
class Header:
    """One column of a file as the matching rules see it: ``column`` its name in the frame
    (unique), ``position`` its place (1-based), ``names`` the texts a ``source:`` may equal
    (the header, and for a two-row header the combined "question / sub-question" and the
    sub-question), ``texts`` the question wording compared with the questionnaire's
    (platform exports only), ``metadata`` whether it is one of the platform's own columns."""

    column: str
    position: int
    names: tuple[str, ...]
    texts: tuple[str, ...] = ()
    metadata: bool = False


def targets(q: Questionnaire) -> dict[str, tuple[str, ...]]:
    """Every id a column may be read as, with the wording that names it (text and short
    name in every language): items, importance ratings, screening, profile and other
    questions."""
    out: dict[str, tuple[str, ...]] = {}
    for i in q.items:
        out[i.id] = (*i.text.as_dict().values(), *i.short.as_dict().values())
    for r in q.importance:
        out[r.id] = (*r.text.as_dict().values(), *r.short.as_dict().values())
    for x in (*q.screening, *q.demographics, *q.questions):
        out[x.id] = (*x.label.as_dict().values(),
                     *(x.short.as_dict().values() if x.short else ()))
    return out


def wording(text: str) -> str:
    """``text`` as question wordings are compared: case-folded, without spaces and
    punctuation (a platform adds "？" or a trailing space where the questionnaire has none)."""
    return _TEXT_NOISE.sub("", str(text).casefold())


def matches(source: Source, header: Header) -> bool:
    """Whether ``source`` names the column ``header`` (see the module)."""
    if source.regex:
        pattern = re.compile(source.pattern[1:-1])
        return any(pattern.fullmatch(n.strip()) for n in header.names)
    want = source.pattern.strip()
    for name in header.names:
        name = name.strip()
        if name == want or wording(name) == wording(want):
            return True
        if re.match(re.escape(want) + _AFTER_NUMBER, name, flags=re.IGNORECASE):
            return True
    return False


def _where(source: str, header_row: int) -> str:
    return f"{source}:{header_row}"


def unmatched_sources(q: Questionnaire, platform: str, present: Iterable[str],
                      required: Iterable[str], source: str, header_row: int = 1
                      ) -> list[Problem]:
    """A problem for each required id that has a ``source:`` (for ``platform`` or every
    file) but no column after matching: the column the questionnaire names is absent."""
    present = set(present)
    out = []
    for target in required:
        sources = q.sources.get(target, ())
        own = [s for s in sources if s.platform == platform] or [
            s for s in sources if s.platform is None]
        if own and target not in present:
            said = " or ".join(repr(s.pattern) for s in own)
            out.append(Problem(
                _where(source, header_row),
                f"No column matches the source {said} of '{target}' (the questionnaire's "
                "source:). Expected a header equal to it, starting with it as a question "
                "number, or matching it as a /regex/.", row=header_row, column=own[0].pattern))
    return out


def match(headers: Sequence[Header], q: Questionnaire, platform: str, source: str, *,
          header_row: int = 1, required: Iterable[str] = ()) -> tuple[dict[str, str],
                                                                      list[ColumnUse]]:
    """Match ``headers`` to the questionnaire's ids (see the module): column -> id, and every
    column's :class:`ColumnUse` in file order. ``required``: ids the file must have (the
    model's items and the screening questions): such an id whose ``source:`` names no column
    is an error. Raises :class:`ResponseValidationError` (file, header row, columns) for a
    source matching no column or several, and for a column claimed by two ids."""
    wanted = targets(q)
    required = set(required)
    by_column = {h.column: h for h in headers}
    claimed: dict[str, tuple[str, str]] = {}  # column -> (id, rule)
    problems: list[Problem] = []

    def claim(column: str, target: str, rule: str) -> None:
        if column in claimed and claimed[column][0] != target:
            other = claimed[column][0]
            problems.append(Problem(
                _where(source, header_row),
                f"Column {by_column[column].position} ({column!r}) is matched to both "
                f"'{other}' ({claimed[column][1]}) and '{target}' ({rule}). Expected one item "
                "or question per column; give each of them a 'source:' naming its own column.",
                row=header_row, column=column))
            return
        claimed[column] = (target, rule)

    done: set[str] = set()
    for target in wanted:
        sources = q.sources.get(target, ())
        own = [s for s in sources if s.platform == platform] or [
            s for s in sources if s.platform is None]
        if not own:
            continue
        found = [h for h in headers if any(matches(s, h) for s in own)]
        said = " or ".join(repr(s.pattern) for s in own)
        if len(found) > 1:
            problems.append(Problem(
                _where(source, header_row),
                f"The source {said} of '{target}' matches {len(found)} columns: "
                f"{_columns(found)}. Expected exactly one; make the source more precise (the "
                "whole header, or a /regex/).", row=header_row, column=found[0].column))
        elif not found:
            if target in required:
                problems.append(Problem(
                    _where(source, header_row),
                    f"No column matches the source {said} of '{target}' (the questionnaire's "
                    f"source:). Expected a header equal to it or starting with it; the header "
                    f"(row {header_row}) has {len(headers)} columns: {_columns(headers, 8)}.",
                    row=header_row, column=own[0].pattern))
            continue
        else:
            claim(found[0].column, target, "source")
        done.add(target)
    for target in wanted:
        if target not in done and target in by_column and target not in claimed:
            claim(target, target, "id")
            done.add(target)
    # The question's wording (platform exports): unique both ways, else an error.
    by_wording: dict[str, list[str]] = {}
    for target, texts in wanted.items():
        if target in done:
            continue
        for t in {wording(x) for x in texts if wording(x)}:
            by_wording.setdefault(t, []).append(target)
    found_by: dict[str, list[Header]] = {}
    for h in headers:
        if h.column in claimed or h.metadata:
            continue
        hits = sorted({t for text in h.texts for t in by_wording.get(wording(text), ())})
        if len(hits) > 1:
            problems.append(Problem(
                _where(source, header_row),
                f"Column {h.position} ({h.column!r}) matches {len(hits)} items or questions by "
                f"its text: {', '.join(repr(t) for t in hits)}. Expected one; give the right "
                f"one a 'source:' naming this column.", row=header_row, column=h.column))
        elif hits:
            found_by.setdefault(hits[0], []).append(h)
    for target, found in found_by.items():
        if len(found) > 1:
            problems.append(Problem(
                _where(source, header_row),
                f"'{target}' matches {len(found)} columns by its text: {_columns(found)}. "
                "Expected one; give it a 'source:' naming its column.", row=header_row,
                column=found[0].column))
            continue
        claim(found[0].column, target, "question text")
        done.add(target)
    # The header key: shared by no two ids, and the column not claimed already.
    ambiguous = ambiguous_keys(wanted)
    keys = {header_key(t): t for t in wanted if t not in done}
    for h in headers:
        if h.column in claimed or h.metadata:
            continue
        key = header_key(h.column)
        if key and key in keys and key not in ambiguous:
            claim(h.column, keys.pop(key), "key")
    if problems:
        raise ResponseValidationError(problems)
    uses = []
    for h in headers:
        if h.column in claimed:
            uses.append(ColumnUse(h.column, *claimed[h.column]))
        elif h.column == (q.respondent_id or "respondent_id"):
            uses.append(ColumnUse(h.column, None, "respondent id"))
        elif h.metadata:
            uses.append(ColumnUse(h.column, None, "metadata"))
        elif h.column.startswith("Unnamed: "):
            uses.append(ColumnUse(h.column, None, "no header"))
        else:
            uses.append(ColumnUse(h.column, None, "not in the questionnaire"))
    return {c: t for c, (t, _) in claimed.items()}, uses


def _columns(headers: Sequence[Header], limit: int = 5) -> str:
    shown = ", ".join(f"{h.position} ({h.column!r})" for h in headers[:limit])
    return shown + (f" and {len(headers) - limit} more" if len(headers) > limit else "")


def renamed(frame: pd.DataFrame, mapping: Mapping[str, str], uses: Sequence[ColumnUse]
            ) -> tuple[pd.DataFrame, list[ColumnUse]]:
    """``frame`` with each matched column renamed to its id. A column left unmatched whose
    header is an id that another column was matched to (a ``source:`` chose another column)
    is dropped, and listed as ignored ("replaced by source")."""
    taken = set(mapping.values())
    drop = [c for c in frame.columns if c not in mapping and c in taken]
    uses = [ColumnUse(u.column, None, "replaced by source") if u.column in drop else u
            for u in uses]
    return frame.drop(columns=drop).rename(columns=dict(mapping)), uses


def adapt_frame(frame: pd.DataFrame, headers: Sequence[Header], q: Questionnaire,
                platform: str, source: str, *, rows: Sequence[int], header_row: int = 1,
                required: Iterable[str] = (),
                recoded: Mapping[str, Mapping[str, object]] | None = None,
                notes: Sequence[str] = ()) -> Adapted:
    """Match ``headers`` (the columns of ``frame``, in order) and return the frame in the
    native layout (see :class:`survey.importers.Adapted`)."""
    mapping, uses = match(headers, q, platform, source, header_row=header_row,
                          required=required)
    out, uses = renamed(frame, mapping, uses)
    return Adapted(platform, out.reset_index(drop=True), tuple(int(r) for r in rows),
                   tuple(uses), recoded or {}, tuple(notes))


def platform_codes(q: Questionnaire, platform: str, defaults: Mapping[object, object],
                   ids: Iterable[str]) -> dict[str, dict[str, object]]:
    """The answer codes to recode for each of ``ids`` in ``platform``'s export: the
    platform's own (``defaults``, e.g. 问卷星's -2 skipped, -3 not applicable), then the
    questionnaire's ``recode:`` rules for this platform or every one, and for the id's
    scale or every one (a later rule wins). Codes as text, as the cells are compared."""
    scale_of: dict[str, str | None] = {i.id: i.scale for i in q.items}
    scale_of.update({r.id: r.scale for r in q.importance})
    out: dict[str, dict[str, object]] = {}
    for target in ids:
        codes = {_code_text(k): v for k, v in defaults.items()}
        for rule in q.recode:
            if rule.platform not in (None, platform):
                continue
            if rule.scale is not None and rule.scale != scale_of.get(target):
                continue
            codes.update({_code_text(k): v for k, v in rule.codes})
        if codes:
            out[target] = codes
    return out


def _code_text(code: object) -> str:
    if isinstance(code, bool):
        return str(code).lower()
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    return str(code).strip()
