"""Response quality: flags with reasons, computed after ingestion and never applied silently.

Five rules, each a published or common practice with a default the questionnaire's
``quality:`` block may change (survey.questionnaire.QualityChecks):

- ``speeder``: the interview took less than ``speeder.share`` (default 0.3) of the median
  duration. Relative cut-offs of 30-50 % of the median are the common practice of online
  panels; Greszki, Meyer & Schoen (2015), "Exploring the effects of removing 'too fast'
  responses and respondents from web surveys", Public Opinion Quarterly 79(2), 471-503, compare
  such cut-offs. Needs a duration: one column of seconds (问卷星's 所用时间 "412秒", Qualtrics'
  "Duration (in seconds)") or a start and an end timestamp (StartDate/EndDate, Kobo's
  start/end), named in ``quality.duration`` or recognised by name (:data:`DURATION_COLUMNS`,
  :data:`START_END_COLUMNS`). The median is taken over the respondents whose duration is known
  and needs at least :data:`MIN_DURATIONS` of them.
- ``straightliner``: identical answers on every answered item of a grid, in at least
  ``straightliner.share`` (default 1.0: all) of the respondent's grids; a grid is the items of
  one construct, or a question grid the questionnaire declares (``straightliner.grids``: lists
  of item ids, as the grids were shown), counted when at least ``straightliner.min_items``
  (default 3) of them are answered (Kim, Dykema, Stevenson, Black & Moberg 2019, "Straightlining: overview of
  measurement ...", Social Science Computer Review 37(2), 214-233: nondifferentiation within a
  grid). An honest respondent who rates every item of every construct the same (all 10s from a
  delighted customer) is flagged too: that is the rule's definition, so the flag is a reason to
  look, not a verdict.
- ``duplicate``: a later respondent with the same answers to every rated item and the same
  profile (screening, demographics, other questions) as an earlier one, or the same value of
  an IP address or device id column (``quality.duplicates.columns``, else
  :data:`DUPLICATE_COLUMNS`). The first row of each group is kept unflagged, as ingestion does;
  rows identical cell for cell and repeated respondent ids are already rejected by ingestion
  and are not counted again. Two honest respondents share every answer and the whole profile
  only by chance on a very short questionnaire.
- ``attention``: an answer to an instructed-response item (``quality.attention``: column and
  the passing answers) that does not pass; a blank answer fails too (Meade & Craig 2012,
  "Identifying careless responses in survey data", Psychological Methods 17(3), 437-455).
- ``dont_know``: more than ``dont_know.share`` (default 0.15) of the rated items answered with
  a don't-know code or left blank (Hair, Hult, Ringle & Sarstedt 2017, A Primer on PLS-SEM,
  2nd ed., p. 56: an observation missing more than 15 % of its answers is usually removed).
  Items nobody in the data answered (not asked in this wave) are left out of the count.

:func:`check_quality` returns :class:`QualityFlags`: one row per respondent and rule flagged,
with the measured value and the reason, and a summary per rule (available or why not, flagged
count, threshold). Reasons and notes are written in English or Chinese (``lang``; ``survey
quality --lang``), from the sentences of :data:`REASONS`. Excluding flagged respondents is the caller's choice
(:meth:`QualityFlags.rows`, ``survey estimate --exclude-flagged``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import Problem, ResponseValidationError, SurveyError
from survey.ingest import ResponseSet
from survey.questionnaire import QualityChecks, Questionnaire

#: The rules, in the order they are reported.
RULES = ("speeder", "straightliner", "duplicate", "attention", "dont_know")
#: Duration columns recognised by name (seconds): 问卷星, Qualtrics, common exports.
DURATION_COLUMNS = ("所用时间", "答题时长", "Duration (in seconds)", "duration", "Duration")
#: Start and end timestamp columns recognised by name: Qualtrics, Kobo/ODK, 问卷星-like.
START_END_COLUMNS = (("StartDate", "EndDate"), ("start", "end"), ("开始时间", "结束时间"),
                     ("starttime", "endtime"))
#: IP address and device id columns recognised by name: 问卷星, Qualtrics, Kobo/ODK.
DUPLICATE_COLUMNS = ("来自IP", "IP地址", "IPAddress", "IP Address", "ip", "IP", "ip_address",
                     "deviceid", "device_id", "DeviceID")
#: Fewest known durations for a median to judge speed by (our rule: a median of a handful of
#: interviews says little about how long the questionnaire takes).
MIN_DURATIONS = 10
#: The languages the reasons are written in.
LANGUAGES = ("zh", "en")

#: Every sentence a flag's reason or a rule's note is made of, in each language (one place
#: for each: ``survey quality --lang`` and the stored flags read them from here). Fields in
#: braces are filled by the rule; numbers arrive formatted.
REASONS: dict[str, dict[str, str]] = {
    # reasons, one per flagged respondent
    "speeder": {"en": "took {seconds} s, under {share} of the median {median} s ({cut} s)",
                "zh": "用时 {seconds} 秒，不足中位数 {median} 秒的 {share}（{cut} 秒）"},
    "straightliner": {"en": "identical answers within {straight} of {eligible} grids ({grids})",
                      "zh": "{eligible} 个题组中有 {straight} 个答案完全相同（{grids}）"},
    "duplicate_answers": {"en": "same answers and profile as row {row}",
                          "zh": "作答与背景资料与第 {row} 行完全相同"},
    "duplicate_column": {"en": "same {column} '{value}' as row {row}",
                         "zh": "{column} '{value}' 与第 {row} 行相同"},
    "attention": {"en": "failed {n} of {total} attention checks ({details})",
                  "zh": "{total} 道注意力检查题中 {n} 道未通过（{details}）"},
    "attention_item": {"en": "{column}: {got}, expected {expected}",
                       "zh": "{column}：{got}，应为 {expected}"},
    "answer": {"en": "'{cell}'", "zh": "'{cell}'"},
    "blank": {"en": "blank", "zh": "未答"},
    "or": {"en": " or ", "zh": " 或 "},
    "separator": {"en": "; ", "zh": "；"},
    "dont_know": {"en": "{missing} of {items} rated items answered don't know or left blank "
                        "({share}, over {limit})",
                  "zh": "{items} 道评分题中 {missing} 道回答“无法回答”或空白（{share}，超过 {limit}）"},
    # notes: what a rule was based on, or why it could not be applied
    "no_duration": {"en": "no duration column (name it in quality.duration)",
                    "zh": "没有答题时长列（可在 quality.duration 中指定）"},
    "basis_column": {"en": "column '{column}'", "zh": "列 '{column}'"},
    "basis_start_end": {"en": "columns '{start}' to '{end}'",
                        "zh": "列 '{start}' 至 '{end}'"},
    "few_durations": {"en": "{n} known durations in {basis}; at least {least} are needed for a "
                            "median",
                      "zh": "{basis}中只有 {n} 个已知时长；计算中位数至少需要 {least} 个"},
    "speeder_basis": {"en": "{basis}; median {median} s of {n} known, cut-off {cut} s",
                      "zh": "{basis}；{n} 个已知时长的中位数为 {median} 秒，界值 {cut} 秒"},
    "no_grid": {"en": "no construct has {n} or more items in the data",
                "zh": "数据中没有含 {n} 道及以上题目的构念"},
    "grids": {"en": "{n} grids of {low} or more items",
              "zh": "{n} 个含 {low} 道及以上题目的题组"},
    "duplicate_basis": {"en": "{n} items and the profile", "zh": "{n} 道题及背景资料"},
    "duplicate_columns": {"en": "; columns {columns}", "zh": "；列 {columns}"},
    "no_attention": {"en": "no attention check declared (quality.attention)",
                     "zh": "未声明注意力检查题（quality.attention）"},
    "attention_basis": {"en": "{n} checks: {columns}", "zh": "{n} 道检查题：{columns}"},
    "no_rated": {"en": "no rated item answered in the data", "zh": "数据中没有作答的评分题"},
    "rated_asked": {"en": "{n} rated items asked", "zh": "共问了 {n} 道评分题"},
}


def reason_language(questionnaire: Questionnaire, lang: str | None = None) -> str:
    """The language to write reasons in: ``lang``, else the questionnaire's first when the
    reasons exist in it (:data:`LANGUAGES`), else English; as the report picks its language,
    so that the flags read like the respondents' questionnaire."""
    if lang is not None:
        return lang
    return questionnaire.language if questionnaire.language in LANGUAGES else "en"


def say(key: str, lang: str = "en", **fields: Any) -> str:
    """The sentence ``key`` of :data:`REASONS` in ``lang`` with its fields filled in."""
    return REASONS[key][lang].format(**fields)

_SECONDS = re.compile(r"^(\d+(?:\.\d+)?)\s*(?:秒|s|sec|secs|seconds)?$", re.IGNORECASE)
_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")
_CHINESE = re.compile(r"^(?:(\d+)\s*(?:小时|时))?\s*(?:(\d+)\s*分(?:钟)?)?\s*"
                      r"(?:(\d+(?:\.\d+)?)\s*秒)?$")


@dataclass(frozen=True)
class RuleSummary:
    """One rule's outcome: whether it could be applied (``available``; ``note`` says why not,
    or what it was based on), how many respondents it flagged, and its threshold."""

    rule: str
    available: bool
    flagged: int
    threshold: float | None
    note: str = ""


@dataclass(frozen=True)
class QualityFlags:
    """The quality flags of a set of respondents.

    ``n``: respondents checked; ``flags``: one row per flagged respondent and rule, columns
    ``row`` (the file's row number), ``rule``, ``value`` (the measured quantity: seconds, share
    of grids or of items, the earlier row repeated, the failed checks count) and ``reason``;
    ``rules``: a :class:`RuleSummary` per rule in :data:`RULES` order."""

    source: str
    n: int
    flags: pd.DataFrame
    rules: tuple[RuleSummary, ...]

    def rule(self, name: str) -> RuleSummary:
        for r in self.rules:
            if r.rule == name:
                return r
        raise KeyError(name)

    def rows(self, rules: Sequence[str] | None = None) -> np.ndarray:
        """The sorted row numbers flagged by any of ``rules`` (default: every rule)."""
        chosen = self.flags if rules is None else self.flags[self.flags["rule"].isin(rules)]
        return np.unique(chosen["row"].to_numpy(dtype="int64"))

    def summary(self) -> pd.DataFrame:
        """One row per rule: rule, available, flagged, share (of the respondents checked),
        threshold, note."""
        return pd.DataFrame([{"rule": r.rule, "available": r.available, "flagged": r.flagged,
                              "share": r.flagged / self.n if self.n else None,
                              "threshold": r.threshold, "note": r.note} for r in self.rules])

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "rules": self.summary().to_dict("records"),
                "flags": [{"row": int(f.row), "rule": f.rule, "value": _plain(f.value),
                           "reason": f.reason} for f in self.flags.itertuples(index=False)]}


def check_rules(rules: Sequence[str]) -> tuple[str, ...]:
    """The rule names of ``--exclude-flagged``, checked; raises :class:`SurveyError` naming an
    unknown one."""
    out = []
    for name in rules:
        name = name.strip()
        if name not in RULES:
            raise SurveyError(f"Unknown quality rule {name!r}. Expected one of "
                              f"{list(RULES)}.")
        if name not in out:
            out.append(name)
    return tuple(out)


def check_quality(responses: ResponseSet | pd.DataFrame, questionnaire: Questionnaire, *,
                  source: str | None = None, lang: str = "en") -> QualityFlags:
    """Flag the accepted respondents of ``responses`` (a :class:`ResponseSet`, or a frame in
    the shape of :attr:`ResponseSet.data`, indexed by file row number, as the study store
    returns a wave) by every rule of this module, with the questionnaire's thresholds; the
    reasons and the rules' notes in ``lang`` (:data:`LANGUAGES`, sentences in
    :data:`REASONS`).

    Raises :class:`ResponseValidationError` naming file, row and column when a duration
    column holds something that is not a duration, and naming the YAML path when a column the
    questionnaire's ``quality:`` block names is not in the data."""
    if lang not in LANGUAGES:
        raise SurveyError(f"Unknown language {lang!r} for the quality reasons. Expected one of "
                          f"{list(LANGUAGES)}.")
    if isinstance(responses, ResponseSet):
        data = responses.data
        source = source or responses.report.source
    else:
        data = responses
        source = source or "<data>"
    checks = questionnaire.quality
    problems: list[Problem] = []
    where = f"{questionnaire.source or 'questionnaire'}: quality"
    for name, column in (("duration", checks.duration), ("duration.start", checks.start),
                         ("duration.end", checks.end),
                         *(("duplicates.columns", c) for c in checks.duplicate_columns),
                         *((f"attention.{k}.column", a.column)
                           for k, a in enumerate(checks.attention))):
        if column is not None and column not in data.columns:
            problems.append(Problem(source, f"Column '{column}' ({where}.{name}) is not in the "
                                            "data. Expected one of the file's columns."))
    if problems:
        raise ResponseValidationError(problems)
    found: list[pd.DataFrame] = []
    summaries = []
    for rule, fn in (("speeder", _speeders), ("straightliner", _straightliners),
                     ("duplicate", _duplicates), ("attention", _attention),
                     ("dont_know", _dont_know)):
        flagged, summary = fn(data, questionnaire, checks, source, lang)
        found.append(flagged.assign(rule=rule))
        summaries.append(summary)
    flags = pd.concat(found, ignore_index=True)[["row", "rule", "value", "reason"]]
    flags["row"] = flags["row"].astype("int64")
    flags = flags.sort_values(["row", "rule"], key=lambda s: s.map(RULES.index)
                              if s.name == "rule" else s, kind="stable").reset_index(drop=True)
    return QualityFlags(source, len(data), flags, tuple(summaries))


# --------------------------------------------------------------------------- the rules

_Rule = tuple[pd.DataFrame, RuleSummary]


def _frame(rows: Sequence[int], values: Sequence[Any], reasons: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({"row": np.asarray(rows, dtype="int64"),
                         "value": pd.Series(list(values), dtype=object),
                         "reason": pd.Series(list(reasons), dtype=object)})


def durations(data: pd.DataFrame, checks: QualityChecks, source: str, lang: str = "en"
              ) -> tuple[pd.Series | None, str]:
    """The interview duration of each respondent in seconds (NaN where blank) and what it was
    read from (in ``lang``), or (None, why not). Raises :class:`ResponseValidationError`
    listing every cell that is not a duration (or an end before its start), with its row and
    column."""
    column, start, end = checks.duration, checks.start, checks.end
    if column is None and start is None:
        column = next((c for c in DURATION_COLUMNS if c in data.columns), None)
        if column is None:
            start, end = next(((s, e) for s, e in START_END_COLUMNS
                               if s in data.columns and e in data.columns), (None, None))
    if column is not None:
        seconds, problems = _parse_seconds(data[column], column, source)
        basis = say("basis_column", lang, column=column)
    elif start is not None and end is not None:
        t0, problems = _parse_times(data[start], start, source)
        t1, more = _parse_times(data[end], end, source)
        problems += more
        seconds = (t1 - t0).dt.total_seconds()
        for row in seconds.index[seconds < 0]:
            problems.append(Problem(f"{source}:{row}", f"column '{end}': the interview ends "
                                    f"({data.at[row, end]}) before it starts "
                                    f"({data.at[row, start]}). Expected an end after the start."))
        basis = say("basis_start_end", lang, start=start, end=end)
    else:
        return None, say("no_duration", lang)
    if problems:
        raise ResponseValidationError(problems)
    return seconds.astype(float), basis


def _cells(column: pd.Series) -> pd.Series:
    """A column's cells as stripped text ('' for missing)."""
    def text(v: Any) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v).strip()
    return column.map(text)


def _parse_seconds(column: pd.Series, name: str, source: str
                   ) -> tuple[pd.Series, list[Problem]]:
    if pd.api.types.is_numeric_dtype(column):
        values = column.astype(float)
        bad = values.index[values < 0]
        return values, [Problem(f"{source}:{row}", f"column '{name}': value '{values[row]:g}' "
                                "is not a duration (negative). Expected seconds.")
                        for row in bad]
    problems = []
    out = {}
    for row, cell in _cells(column).items():
        if cell == "":
            out[row] = np.nan
            continue
        seconds = _seconds(cell)
        if seconds is None:
            problems.append(Problem(f"{source}:{row}", f"column '{name}': value '{cell}' is not "
                                    "a duration. Expected seconds ('412', '412秒'), minutes and "
                                    "seconds ('6分52秒') or a clock time ('00:06:52')."))
            seconds = np.nan
        out[row] = seconds
    return pd.Series(out, index=column.index, dtype=float), problems


def _seconds(cell: str) -> float | None:
    """Seconds from '412', '412秒', '412 s', '6分52秒', '1小时2分', '00:06:52', '6:52'."""
    if m := _SECONDS.match(cell):
        return float(m.group(1))
    if m := _CLOCK.match(cell):
        hours, minutes, seconds = m.groups()
        return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    if (m := _CHINESE.match(cell)) and any(m.groups()):
        hours, minutes, seconds = m.groups()
        return int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds or 0)
    return None


def _parse_times(column: pd.Series, name: str, source: str
                 ) -> tuple[pd.Series, list[Problem]]:
    cells = _cells(column)
    parsed = pd.to_datetime(cells.where(cells != ""), errors="coerce", format="mixed",
                            utc=True)
    bad = cells.index[(cells != "") & parsed.isna()]
    return parsed, [Problem(f"{source}:{row}", f"column '{name}': value '{cells[row]}' is not a "
                            "date and time. Expected a timestamp like '2026-09-01 10:15:00'.")
                    for row in bad]


def _speeders(data: pd.DataFrame, q: Questionnaire, checks: QualityChecks, source: str,
              lang: str) -> _Rule:
    share = checks.speeder_share
    seconds, basis = durations(data, checks, source, lang)
    if seconds is None:
        return _frame([], [], []), RuleSummary("speeder", False, 0, share, basis)
    known = seconds.dropna()
    if len(known) < MIN_DURATIONS:
        return _frame([], [], []), RuleSummary(
            "speeder", False, 0, share, say("few_durations", lang, n=len(known), basis=basis,
                                            least=MIN_DURATIONS))
    median = float(known.median())
    cut = share * median
    fast = known[known < cut]
    reasons = [say("speeder", lang, seconds=_g(s), share=f"{share:.0%}", median=_g(median),
                   cut=_g(cut)) for s in fast]
    return (_frame(fast.index, fast.to_numpy(), reasons),
            RuleSummary("speeder", True, len(fast), share,
                        say("speeder_basis", lang, basis=basis, median=_g(median),
                            n=len(known), cut=_g(cut))))


def _grids(data: pd.DataFrame, q: Questionnaire) -> list[tuple[str, list[str]]]:
    """The question grids the questionnaire declares (``quality.straightliner.grids``), else
    each construct's items; the items present in the data."""
    if q.quality.grids:
        return [(f"{g[0]}..{g[-1]}", [i for i in g if i in data.columns])
                for g in q.quality.grids]
    return [(c.id, [i.id for i in c.items if i.id in data.columns])
            for c in q.constructs.values() if c.items]


def _straightliners(data: pd.DataFrame, q: Questionnaire, checks: QualityChecks,
                    source: str, lang: str) -> _Rule:
    low = checks.straightline_items
    grids = [(g, cols) for g, cols in _grids(data, q) if len(cols) >= low]
    if not grids:
        return _frame([], [], []), RuleSummary(
            "straightliner", False, 0, checks.straightline_share,
            say("no_grid", lang, n=low))
    eligible = np.zeros(len(data), dtype=int)
    straight = np.zeros(len(data), dtype=int)
    names: list[list[str]] = [[] for _ in range(len(data))]
    for g, cols in grids:
        values = data[cols].to_numpy(dtype=float)
        answered = np.sum(~np.isnan(values), axis=1)
        ok = answered >= low
        with np.errstate(invalid="ignore"):
            same = ok & (np.nanmax(np.where(ok[:, None], values, 0), axis=1)
                         == np.nanmin(np.where(ok[:, None], values, 0), axis=1))
        eligible += ok
        straight += same
        for k in np.flatnonzero(same):
            names[k].append(g)
    share = np.divide(straight, eligible, out=np.zeros(len(data)), where=eligible > 0)
    hit = (eligible > 0) & (share >= checks.straightline_share - 1e-12)
    at = np.flatnonzero(hit)
    reasons = [say("straightliner", lang, straight=straight[k], eligible=eligible[k],
                   grids=", ".join(names[k][:5]) + (", ..." if len(names[k]) > 5 else ""))
               for k in at]
    return (_frame(data.index[at], share[at], reasons),
            RuleSummary("straightliner", True, len(at), checks.straightline_share,
                        say("grids", lang, n=len(grids), low=low)))


def _profile_columns(data: pd.DataFrame, q: Questionnaire) -> list[str]:
    return [x.id for x in (*q.screening, *q.demographics, *q.questions) if x.id in data.columns]


def _duplicates(data: pd.DataFrame, q: Questionnaire, checks: QualityChecks,
                source: str, lang: str) -> _Rule:
    items = [i.id for i in q.items if i.id in data.columns]
    reasons: dict[int, list[str]] = {}
    first_of: dict[int, int] = {}
    if items:
        columns = items + _profile_columns(data, q)
        key = data[columns].astype(str)
        group = key.groupby(columns, sort=False, dropna=False).ngroup().to_numpy()
        _, first, inverse = np.unique(group, return_index=True, return_inverse=True)
        firsts = first[inverse]
        for k in np.flatnonzero(firsts != np.arange(len(data))):
            row, earlier = int(data.index[k]), int(data.index[firsts[k]])
            reasons.setdefault(row, []).append(say("duplicate_answers", lang, row=earlier))
            first_of.setdefault(row, earlier)
    declared = checks.duplicate_columns
    id_columns = list(declared) or [c for c in DUPLICATE_COLUMNS if c in data.columns]
    for column in id_columns:
        cells = _cells(data[column])
        present = cells[cells != ""]
        earlier = present.groupby(present, sort=False).transform(lambda s: s.index[0])
        for row, first in earlier[earlier != earlier.index].items():
            reasons.setdefault(int(row), []).append(
                say("duplicate_column", lang, column=column, value=cells[row], row=int(first)))
            first_of.setdefault(int(row), int(first))
    rows = sorted(reasons)
    basis = (say("duplicate_basis", lang, n=len(items))
             + (say("duplicate_columns", lang, columns=", ".join(id_columns))
                if id_columns else ""))
    return (_frame(rows, [first_of[r] for r in rows],
                   [say("separator", lang).join(reasons[r]) for r in rows]),
            RuleSummary("duplicate", bool(items or id_columns), len(rows), None, basis))


def _same(cell: str, passing: Sequence[Any]) -> bool:
    for p in passing:
        if isinstance(p, (int, float)):
            try:
                if float(cell) == float(p):
                    return True
            except ValueError:
                pass
        elif cell == str(p).strip():
            return True
    return False


def _attention(data: pd.DataFrame, q: Questionnaire, checks: QualityChecks,
               source: str, lang: str) -> _Rule:
    if not checks.attention:
        return _frame([], [], []), RuleSummary("attention", False, 0, None,
                                               say("no_attention", lang))
    failed: dict[int, list[str]] = {}
    for check in checks.attention:
        expected = say("or", lang).join(repr(p) for p in check.passing)
        for row, cell in _cells(data[check.column]).items():
            if not _same(cell, check.passing):
                got = say("answer", lang, cell=cell) if cell else say("blank", lang)
                failed.setdefault(int(row), []).append(
                    say("attention_item", lang, column=check.column, got=got,
                        expected=expected))
    rows = sorted(failed)
    return (_frame(rows, [len(failed[r]) for r in rows],
                   [say("attention", lang, n=len(failed[r]), total=len(checks.attention),
                        details=say("separator", lang).join(failed[r])) for r in rows]),
            RuleSummary("attention", True, len(rows), None,
                        say("attention_basis", lang, n=len(checks.attention),
                            columns=", ".join(c.column for c in checks.attention))))


def _dont_know(data: pd.DataFrame, q: Questionnaire, checks: QualityChecks,
               source: str, lang: str) -> _Rule:
    share = checks.dont_know_share
    items = [i.id for i in q.items if i.id in data.columns]
    values = data[items].to_numpy(dtype=float) if items else np.empty((len(data), 0))
    asked = ~np.all(np.isnan(values), axis=0) if len(data) else np.zeros(len(items), bool)
    values = values[:, asked]
    if values.shape[1] == 0:
        return _frame([], [], []), RuleSummary("dont_know", False, 0, share,
                                               say("no_rated", lang))
    missing = np.isnan(values).sum(axis=1)
    frac = missing / values.shape[1]
    at = np.flatnonzero(frac > share + 1e-12)
    reasons = [say("dont_know", lang, missing=missing[k], items=values.shape[1],
                   share=f"{frac[k]:.0%}", limit=f"{share:.0%}") for k in at]
    return (_frame(data.index[at], frac[at], reasons),
            RuleSummary("dont_know", True, len(at), share,
                        say("rated_asked", lang, n=values.shape[1])))


def _g(x: float) -> str:
    return f"{x:.0f}" if abs(x) >= 10 else f"{x:.3g}"


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


# --------------------------------------------------------------------------- exclusion


@dataclass(frozen=True)
class QualityExclusion:
    """What ``--exclude-flagged`` did to an estimation: the rules applied (``rules``), the
    flags of every rule (``flags``), the rows excluded (flagged by any applied rule), and the
    headline method's indices with the exclusion (the estimate reported) and without it (the
    same estimate, without bootstrap, on every accepted respondent): ``indices`` maps each
    latent to (with, without), None where an index is not valid."""

    rules: tuple[str, ...]
    flags: QualityFlags
    excluded: tuple[int, ...]
    method: str
    indices: tuple[tuple[str, float | None, float | None], ...]
    target: str | None = None

    @property
    def n_checked(self) -> int:
        return self.flags.n

    @property
    def n_used(self) -> int:
        return self.flags.n - len(self.excluded)

    def excluded_by(self, rule: str) -> int:
        """Respondents flagged by ``rule`` and excluded (0 for a rule not applied); a
        respondent flagged by two applied rules counts under both."""
        return self.flags.rule(rule).flagged if rule in self.rules else 0

    def to_json(self) -> dict[str, Any]:
        """The JSON ``quality`` block: per rule, whether it could be applied, how many were
        flagged and how many excluded; the rows excluded; the indices with and without."""
        rules = []
        for r in self.flags.rules:
            rules.append({"rule": r.rule, "available": r.available, "threshold": r.threshold,
                          "flagged": r.flagged,
                          "share": r.flagged / self.n_checked if self.n_checked else None,
                          "excluded": self.excluded_by(r.rule), "note": r.note})
        return {"excluded_rules": list(self.rules), "n_checked": self.n_checked,
                "n_excluded": len(self.excluded), "n_used": self.n_used,
                "rules": rules, "excluded_rows": [int(r) for r in self.excluded],
                "method": self.method, "target": self.target,
                "indices": [{"latent": latent, "with_exclusion": w, "without_exclusion": wo,
                             "difference": None if w is None or wo is None else w - wo}
                            for latent, w, wo in self.indices]}


def exclusion_rows(flags: QualityFlags, rules: Sequence[str], source: str) -> np.ndarray:
    """The rows to exclude for ``rules``. Raises :class:`SurveyError` when a rule asked for
    could not be applied (no duration column, no attention check declared, ...): excluding
    nobody while saying the rule was applied would mislead."""
    for name in rules:
        summary = flags.rule(name)
        if not summary.available:
            raise SurveyError(f"{source}: cannot exclude '{name}' respondents: {summary.note}. "
                              f"Leave '{name}' out of --exclude-flagged, or give the data what "
                              "the rule needs.")
    return flags.rows(rules)
