"""Questionnaire definitions: scales, screening, respondent profile and constructs with items.

The YAML format is the contract in DESIGN.md. :func:`load_questionnaire` validates the whole file
at once and raises one :class:`QuestionnaireError` listing every problem with its file, line and
key path (``constructs.crew.items.crew_friendly.en``); inside the package a
:class:`Questionnaire` is trusted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from survey.errors import Problem, QuestionnaireError
from survey.yamlsource import YamlDocument, load_yaml

_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
QUESTION_TYPES = ("single", "multiple", "integer", "number", "text", "date")


@dataclass(frozen=True)
class Label:
    """Text in every language of the questionnaire."""

    texts: tuple[tuple[str, str], ...]

    def get(self, lang: str) -> str:
        table = dict(self.texts)
        return table.get(lang) or next(iter(table.values()), "")

    def as_dict(self) -> dict[str, str]:
        return dict(self.texts)


@dataclass(frozen=True)
class Scale:
    """A rating scale: valid scores ``min..max`` and the codes meaning "can't answer".

    A rating scale's answers are its whole-number points (``min``, ``min + 1``, ..., ``max``).
    A ``continuous`` scale takes any number in [min, max]: a measurement or a composite
    score rather than a rating (Bollen's democracy indices, test scores, a 0-100 slider);
    its ends need not be whole numbers."""

    id: str
    min: float
    max: float
    dont_know: tuple[float, ...] = ()
    labels: tuple[tuple[int, Label], ...] = ()
    continuous: bool = False

    @property
    def integer(self) -> bool:
        """Whether the answers must be whole numbers (a rating scale's points)."""
        return not self.continuous


@dataclass(frozen=True)
class Item:
    """One rated indicator: its column name, construct, scale id, question text and short name.
    ``expects`` names the construct or item whose performance this expectation item asks about
    beforehand (the pair of the satisfaction ratio C = perceived / expected)."""

    id: str
    construct: str
    scale: str
    text: Label
    short: Label
    expects: str | None = None


@dataclass(frozen=True)
class Rating:
    """A stated-importance rating: how much the aspect ``of`` (a construct or an item) matters
    to the respondent's satisfaction (the dual-evaluation method's importance)."""

    id: str
    of: str
    scale: str
    text: Label
    short: Label


@dataclass(frozen=True)
class Gauges:
    """Which questions measure the satisfaction and loyalty gauges (all optional).

    ``overall``: the overall-satisfaction item (outcome of the classic methods; default: the
    first item of the model's target); ``recommend``/``repurchase``: loyalty items;
    ``complained`` (+ its yes codes) and ``complaint_outcome`` (options ordered from best to
    worst handling): the complaint block; ``value``: the spend or value column of the value
    tiers."""

    overall: str | None = None
    recommend: str | None = None
    repurchase: str | None = None
    complained: str | None = None
    complained_yes: tuple[Any, ...] = ()
    complaint_outcome: str | None = None
    value: str | None = None


@dataclass(frozen=True)
class AttentionCheck:
    """An instructed-response item ("select 3 for this item"): the file ``column`` and the
    answers that pass it (Meade & Craig 2012, Psychological Methods 17(3), 437-455)."""

    column: str
    passing: tuple[Any, ...]


@dataclass(frozen=True)
class QualityChecks:
    """The questionnaire's ``quality:`` block: where the interview duration is and the
    thresholds of the response-quality rules (survey.quality, which documents each default and
    its source). ``duration`` names one column of seconds, or ``start``/``end`` two timestamp
    columns; None everywhere: the common platform columns are recognised."""

    duration: str | None = None
    start: str | None = None
    end: str | None = None
    #: Speeder: duration below this share of the median duration.
    speeder_share: float = 0.3
    #: Straight-liner: a grid counts from this many answered items ...
    straightline_items: int = 3
    #: ... and a respondent is flagged with identical answers in this share of their grids.
    straightline_share: float = 1.0
    #: The question grids (lists of rated item ids); empty: each construct's items.
    grids: tuple[tuple[str, ...], ...] = ()
    #: Too many don't-knows: more than this share of the rated items without an answer.
    dont_know_share: float = 0.15
    #: Columns that identify a respondent's machine (IP address, device id); empty: the
    #: common platform columns are recognised.
    duplicate_columns: tuple[str, ...] = ()
    attention: tuple[AttentionCheck, ...] = ()


@dataclass(frozen=True)
class Construct:
    """A construct measured by ``items`` or built from other constructs (``dimensions``)."""

    id: str
    label: Label
    scale: str | None
    items: tuple[Item, ...] = ()
    dimensions: tuple[str, ...] = ()

    @property
    def higher_order(self) -> bool:
        return bool(self.dimensions)


@dataclass(frozen=True)
class Question:
    """A screening or profile question (not part of any construct)."""

    id: str
    type: str
    label: Label
    options: tuple[tuple[Any, Label], ...] = ()
    min: float | None = None
    max: float | None = None
    qualify: tuple[Any, ...] = ()
    #: A short name for headings (a segment, a tracking group): "Airline" for "Which airline
    #: did you fly with most recently?". None: the label is short enough.
    short: Label | None = None

    def heading(self, lang: str) -> str:
        """The question's name in a heading: its short name, else its label."""
        return (self.short or self.label).get(lang)


@dataclass(frozen=True)
class Source:
    """Where an item or question comes from in a platform's response export (``source:``):
    a column header's text, a question number (``Q5``, ``5``: the header is the number or
    starts with it and a separator such as ``.`` or ``(``), or a regular expression written
    between slashes (``/^Q5_\\d$/``, matched against the whole header). ``platform``: the
    export it applies to (None: every file, the native one included)."""

    pattern: str
    platform: str | None = None

    @property
    def regex(self) -> bool:
        return len(self.pattern) > 2 and self.pattern.startswith("/") and self.pattern.endswith("/")


#: What a recoded answer code stands for (``recode:``): a missing answer with its reason.
RECODE_REASONS = ("skipped", "not_applicable", "dont_know")


@dataclass(frozen=True)
class Recode:
    """A rule of ``recode:``: answer codes (as the file has them) -> a reason from
    :data:`RECODE_REASONS` (the answer is missing, the reason recorded) or another code
    (a number, e.g. a platform's 0-based scale). ``platform``/``scale``: the rule applies only
    to that platform's exports / to the items on that scale (None: to all)."""

    codes: tuple[tuple[Any, Any], ...]
    platform: str | None = None
    scale: str | None = None


@dataclass(frozen=True)
class Questionnaire:
    """A validated questionnaire. Item ids are the column names of the response data."""

    id: str
    title: Label
    languages: tuple[str, ...]
    scales: Mapping[str, Scale]
    constructs: Mapping[str, Construct]
    screening: tuple[Question, ...] = ()
    demographics: tuple[Question, ...] = ()
    source: Path | None = field(default=None, compare=False)
    #: Other questions (complaint block, spend, ...), validated like the profile.
    questions: tuple[Question, ...] = ()
    importance: tuple[Rating, ...] = ()
    gauges: Gauges = field(default_factory=Gauges)
    #: The response file's column that identifies a respondent (``respondent_id: COLUMN``):
    #: a later row with an id already used is rejected as a duplicate. None: a file column
    #: named 'respondent_id' serves, if there is one.
    respondent_id: str | None = None
    #: The response-quality rules' columns and thresholds (``quality:``; survey.quality).
    quality: QualityChecks = field(default_factory=QualityChecks)
    #: Item or question id -> where its column comes from in a platform's export
    #: (``source:``), and the answer codes to recode (``recode:``), see :mod:`survey.importers`.
    sources: Mapping[str, tuple[Source, ...]] = field(default_factory=dict)
    recode: tuple[Recode, ...] = ()

    @property
    def language(self) -> str:
        """The questionnaire's main language (the first listed)."""
        return self.languages[0]

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(i for c in self.constructs.values() for i in c.items)

    def item(self, item_id: str) -> Item:
        for i in self.items:
            if i.id == item_id:
                return i
        raise KeyError(item_id)

    def scale_of(self, item_id: str) -> Scale:
        """The scale of an item or of a stated-importance rating."""
        for r in self.importance:
            if r.id == item_id:
                return self.scales[r.scale]
        return self.scales[self.item(item_id).scale]

    def question(self, qid: str) -> Question:
        for q in (*self.screening, *self.demographics, *self.questions):
            if q.id == qid:
                return q
        raise KeyError(qid)

    @property
    def expectation_pairs(self) -> tuple[tuple[str, str], ...]:
        """(expectation item, the construct or item it is paired with)."""
        return tuple((i.id, i.expects) for i in self.items if i.expects)

    def indicators(self, construct: str) -> tuple[Item, ...]:
        """Items that measure ``construct``: its own, or for a higher-order construct those of
        its dimensions (recursively), in questionnaire order."""
        c = self.constructs[construct]
        if not c.higher_order:
            return c.items
        return tuple(i for d in c.dimensions for i in self.indicators(d))


# --------------------------------------------------------------------------- loading


def load_questionnaire(path: str | Path | Mapping[str, Any]) -> Questionnaire:
    """Load and validate a questionnaire: a YAML file, YAML text (a string with a line
    break) or the same content as a mapping.

    Raises :class:`QuestionnaireError` listing every problem (file, line, key path, expected,
    found): unknown scale, duplicate item id, a construct with neither items nor dimensions,
    a dimension naming an unknown construct, a label missing a language, YAML syntax errors.
    """
    doc = load_yaml(path, QuestionnaireError)
    return _Builder(doc).build()


class _Builder:
    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.problems: list[Problem] = []
        self.languages: tuple[str, ...] = ("zh", "en")

    def fail(self, keys: Iterable[Any], message: str) -> None:
        self.problems.append(Problem(self.doc.where(list(keys)), message))

    # -- pieces
    def label(self, value: Any, keys: list[Any]) -> Label:
        if isinstance(value, str):
            self.fail(keys, f"Expected a text in each language {list(self.languages)}. "
                            f"Got the plain text {value!r} instead.")
            return Label(((self.languages[0], value),))
        if not isinstance(value, dict):
            self.fail(keys, f"Expected a mapping of language to text. Got {_kind(value)} instead.")
            return Label(())
        texts = []
        for lang in self.languages:
            text = value.get(lang)
            if text is None or (isinstance(text, str) and not text.strip()):
                self.fail([*keys, lang], f"Text in language '{lang}' is missing.")
            else:
                texts.append((lang, str(text)))
        return Label(tuple(texts))

    def ident(self, value: Any, keys: list[Any], what: str) -> bool:
        if not isinstance(value, str) or not _ID.match(value):
            self.fail(keys, f"The {what} id {value!r} is not a valid name (letters, digits and "
                            "underscores, not starting with a digit).")
            return False
        return True

    def build(self) -> Questionnaire:
        data = self.doc.data
        known = {"id", "title", "languages", "scales", "screening", "demographics",
                 "constructs", "questions", "importance", "gauges", "respondent_id",
                 "quality", "recode"}
        for key in data:
            if key not in known:
                self.fail([key], f"Unknown top-level key '{key}'. Expected one of {sorted(known)}.")
        langs = data.get("languages", ["zh", "en"])
        if (not isinstance(langs, list) or not langs
                or not all(isinstance(x, str) for x in langs)):
            self.fail(["languages"], f"Expected a list of language codes. Got {langs!r} instead.")
        else:
            self.languages = tuple(langs)
        qid = data.get("id")
        if qid is None:
            self.fail([], "The key 'id' is missing.")
        else:
            self.ident(qid, ["id"], "questionnaire")
        title = self.label(data.get("title"), ["title"]) if "title" in data else Label(())
        if "title" not in data:
            self.fail([], "The key 'title' is missing.")
        scales = self.scales(data.get("scales"))
        screening = self.questions(data.get("screening", []), "screening")
        demographics = self.questions(data.get("demographics", []), "demographics")
        others = self.questions(data.get("questions", []), "questions")
        constructs = self.constructs(data.get("constructs"), scales)
        importance = self.importance(data.get("importance"), scales)
        seen: dict[str, str] = {}
        for section, qs in (("screening", screening), ("demographics", demographics),
                            ("questions", others)):
            for q in qs:
                if q.id in seen:
                    self.fail([section], f"Question id '{q.id}' is used twice "
                                         f"(also in {seen[q.id]}).")
                seen[q.id] = section
        for c in constructs.values():
            for item in c.items:
                if item.id in seen:
                    self.fail(["constructs", c.id, "items", item.id],
                              f"Item id '{item.id}' is also used in {seen[item.id]}.")
                seen[item.id] = f"constructs.{c.id}"
        items = {i.id for c in constructs.values() for i in c.items}
        for c in constructs.values():
            for item in c.items:
                if item.expects is not None and (item.expects not in constructs
                                                 and item.expects not in items
                                                 or item.expects in (item.id, c.id)):
                    self.fail(["constructs", c.id, "items", item.id, "expects"],
                              f"'expects' must name another construct or item of this "
                              f"questionnaire. Got {item.expects!r} instead.")
        for r in importance:
            if r.id in seen:
                self.fail(["importance", "items", r.id], f"Rating id '{r.id}' is also used in "
                                                         f"{seen[r.id]}.")
            seen[r.id] = "importance"
            if r.of not in constructs and r.of not in items:
                self.fail(["importance", "items", r.id, "of"],
                          f"'of' must name a construct or item of this questionnaire. "
                          f"Got {r.of!r} instead.")
        questions = {q.id: q for q in (*screening, *demographics, *others)}
        gauges = self.gauges(data.get("gauges"), items, questions)
        respondent_id = data.get("respondent_id")
        if respondent_id is not None and (not isinstance(respondent_id, str)
                                          or not respondent_id.strip()):
            self.fail(["respondent_id"], "Expected the name of the response file's column "
                                         f"that identifies a respondent. Got "
                                         f"{_kind(respondent_id)} instead.")
            respondent_id = None
        elif respondent_id is not None and respondent_id.strip() in seen:
            self.fail(["respondent_id"], f"'{respondent_id}' is a question or item "
                                         f"({seen[respondent_id.strip()]}), not an id column. "
                                         "Name the column that identifies a respondent.")
            respondent_id = None
        quality = self.quality(data.get("quality"), seen)
        sources = self.sources(data)
        recode = self.recode(data.get("recode"), scales)
        if self.problems:
            raise QuestionnaireError(self.problems)
        return Questionnaire(
            id=str(qid), title=title, languages=self.languages, scales=scales,
            constructs=constructs, screening=screening, demographics=demographics,
            source=self.doc.path, questions=others, importance=importance, gauges=gauges,
            respondent_id=None if respondent_id is None else respondent_id.strip(),
            quality=quality, sources=sources, recode=recode,
        )

    def quality(self, raw: Any, seen: Mapping[str, str]) -> QualityChecks:
        """The ``quality:`` block (duration column(s), thresholds, duplicate columns,
        attention checks); every problem named by its YAML path."""
        if raw is None:
            return QualityChecks()
        if not isinstance(raw, dict):
            self.fail(["quality"], "Expected a mapping (duration, speeder, straightliner, "
                                   f"dont_know, duplicates, attention). Got {_kind(raw)} instead.")
            return QualityChecks()
        known = {"duration", "speeder", "straightliner", "dont_know", "duplicates", "attention"}
        for key in raw:
            if key not in known:
                self.fail(["quality", key], f"Unknown key '{key}'. Expected one of "
                                            f"{sorted(known)}.")
        out: dict[str, Any] = {}
        duration = raw.get("duration")
        if isinstance(duration, str) and duration.strip():
            out["duration"] = duration.strip()
        elif isinstance(duration, dict) and set(duration) == {"start", "end"} and all(
                isinstance(v, str) and v.strip() for v in duration.values()):
            out["start"], out["end"] = duration["start"].strip(), duration["end"].strip()
        elif duration is not None:
            self.fail(["quality", "duration"], "Expected the column of the interview duration "
                                               "in seconds, or {start: COLUMN, end: COLUMN}. "
                                               f"Got {_kind(duration)} instead.")

        def number(section: str, key: str, field_name: str, low: float, high: float,
                   whole: bool = False) -> None:
            spec = raw.get(section)
            if spec is None:
                return
            if not isinstance(spec, dict):
                self.fail(["quality", section], f"Expected a mapping like {{{key}: ...}}. "
                                                f"Got {_kind(spec)} instead.")
                return
            value = spec.get(key)
            if key not in spec:
                return
            ok = _is_number(value) and low <= value <= high and (
                not whole or float(value).is_integer())
            if not ok:
                what = "a whole number" if whole else "a number"
                self.fail(["quality", section, key], f"Expected {what} from {low:g} to {high:g}. "
                                                     f"Got {value!r} instead.")
                return
            out[field_name] = int(value) if whole else float(value)

        for section, allowed in (("speeder", {"share"}), ("straightliner", {"min_items", "share", "grids"}),
                                 ("dont_know", {"share"}), ("duplicates", {"columns"})):
            spec = raw.get(section)
            if isinstance(spec, dict):
                for key in spec:
                    if key not in allowed:
                        self.fail(["quality", section, key], f"Unknown key '{key}'. Expected "
                                                             f"{', '.join(sorted(allowed))}.")
        number("speeder", "share", "speeder_share", 0.01, 1.0)
        number("straightliner", "min_items", "straightline_items", 2, 1000, whole=True)
        number("straightliner", "share", "straightline_share", 0.01, 1.0)
        number("dont_know", "share", "dont_know_share", 0.0, 0.99)
        grids = raw.get("straightliner", {}).get("grids") if isinstance(
            raw.get("straightliner"), dict) else None
        if grids is not None:
            rated = {k for k, where in seen.items()
                     if where.startswith("constructs.") or where == "importance"}
            if not isinstance(grids, list) or not grids or not all(
                    isinstance(g, list) and len(g) >= 2 for g in grids):
                self.fail(["quality", "straightliner", "grids"],
                          "Expected a list of grids, each a list of two or more rated item ids. "
                          f"Got {_kind(grids)} instead.")
            else:
                for k, grid in enumerate(grids):
                    unknown = [i for i in grid if i not in rated]
                    if unknown:
                        self.fail(["quality", "straightliner", "grids", k],
                                  f"{unknown[0]!r} is not a rated item of this questionnaire. "
                                  "Expected item ids of its constructs or importance ratings.")
                out["grids"] = tuple(tuple(str(i) for i in g) for g in grids)
        dup = raw.get("duplicates")
        if isinstance(dup, dict) and "columns" in dup:
            columns = dup["columns"]
            if (not isinstance(columns, list) or not columns
                    or not all(isinstance(c, str) and c.strip() for c in columns)):
                self.fail(["quality", "duplicates", "columns"], "Expected a list of column "
                                                                "names (IP address, device id). "
                                                                f"Got {_kind(columns)} instead.")
            else:
                out["duplicate_columns"] = tuple(c.strip() for c in columns)
        elif dup is not None and not isinstance(dup, dict):
            self.fail(["quality", "duplicates"], "Expected {columns: [COLUMN, ...]}. Got "
                                                 f"{_kind(dup)} instead.")
        checks = raw.get("attention")
        if checks is not None:
            if not isinstance(checks, list):
                self.fail(["quality", "attention"], "Expected a list of {column, pass}. Got "
                                                    f"{_kind(checks)} instead.")
                checks = []
            found = []
            for n, spec in enumerate(checks):
                keys = ["quality", "attention", n]
                if (not isinstance(spec, dict) or set(spec) != {"column", "pass"}
                        or not isinstance(spec["column"], str) or not spec["column"].strip()):
                    self.fail(keys, "Expected {column: COLUMN, pass: [ANSWER, ...]} (the "
                                    "answers that pass the check). Got "
                                    f"{_kind(spec)} instead.")
                    continue
                column = spec["column"].strip()
                passing = spec["pass"] if isinstance(spec["pass"], list) else [spec["pass"]]
                if not passing or not all(_is_number(v) or (isinstance(v, str) and v.strip())
                                          for v in passing):
                    self.fail([*keys, "pass"], "Expected the answers (numbers or texts) that "
                                               f"pass the check. Got {spec['pass']!r} instead.")
                    continue
                if seen.get(column, "").startswith("constructs."):
                    # An instructed item inside a construct would enter the model's estimate.
                    self.fail([*keys, "column"], f"'{column}' is an item of "
                                                 f"{seen[column]}; an attention check must be "
                                                 "a column outside the model's constructs.")
                    continue
                found.append(AttentionCheck(column, tuple(passing)))
            out["attention"] = tuple(found)
        return QualityChecks(**out)

    # -- column mapping of platform exports (source:, recode:)
    def sources(self, data: Mapping[str, Any]) -> dict[str, tuple[Source, ...]]:
        """Every item's and question's ``source:``: a header text, question number or
        /regex/, a list of them, or a mapping platform -> one of those."""
        out: dict[str, tuple[Source, ...]] = {}
        found: list[tuple[str, Any, list[Any]]] = []  # (id, its source:, YAML path)
        constructs = data.get("constructs")
        for cid, spec in (constructs.items() if isinstance(constructs, dict) else ()):
            items = spec.get("items") if isinstance(spec, dict) else None
            for iid, text in (items.items() if isinstance(items, dict) else ()):
                if isinstance(text, dict) and "source" in text:
                    found.append((str(iid), text["source"],
                                  ["constructs", cid, "items", iid, "source"]))
        importance = data.get("importance")
        if isinstance(importance, dict) and isinstance(importance.get("items"), dict):
            for rid, spec in importance["items"].items():
                if isinstance(spec, dict) and "source" in spec:
                    found.append((str(rid), spec["source"], ["importance", "items", rid, "source"]))
        for section in ("screening", "demographics", "questions"):
            questions = data.get(section)
            for n, spec in enumerate(questions if isinstance(questions, list) else ()):
                if isinstance(spec, dict) and "source" in spec:
                    found.append((str(spec.get("id")), spec["source"], [section, n, "source"]))
        for target, raw, keys in found:
            by_platform = raw if isinstance(raw, dict) else {None: raw}
            sources: list[Source] = []
            for platform, value in by_platform.items():
                at = keys if platform is None else [*keys, platform]
                if platform is not None and (not isinstance(platform, str) or not _ID.match(platform)):
                    self.fail(at, f"Expected a platform name (wenjuanxing, qualtrics, "
                                  f"surveymonkey, native, ...). Got {platform!r} instead.")
                    continue
                values = value if isinstance(value, list) else [value]
                for k, v in enumerate(values):
                    where = at if not isinstance(value, list) else [*at, k]
                    if isinstance(v, int) and not isinstance(v, bool):
                        v = str(v)  # a question number written bare: source: 5
                    if not isinstance(v, str) or not v.strip():
                        self.fail(where, "Expected a column header, a question number or a "
                                         f"/regular expression/. Got {_kind(v)} instead.")
                        continue
                    source = Source(v.strip(), platform)
                    if source.regex:
                        try:
                            re.compile(source.pattern[1:-1])
                        except re.error as exc:
                            self.fail(where, f"The regular expression {source.pattern!r} is "
                                             f"not valid: {exc}.")
                            continue
                    sources.append(source)
            out[target] = tuple(sources)
        return out

    def recode(self, raw: Any, scales: Mapping[str, Scale]) -> tuple[Recode, ...]:
        """``recode:``: a list of rules {codes: {code: reason or code}, platform?, scale?}."""
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.fail(["recode"], "Expected a list of rules such as {codes: {-2: skipped, -3: "
                                  f"not_applicable}}, platform: wenjuanxing}}. Got {_kind(raw)} "
                                  "instead.")
            return ()
        out = []
        for n, rule in enumerate(raw):
            keys = ["recode", n]
            if not isinstance(rule, dict) or not isinstance(rule.get("codes"), dict):
                self.fail(keys, "Expected a mapping with 'codes' (answer code -> skipped, "
                                f"not_applicable, dont_know or a code). Got {_kind(rule)} instead.")
                continue
            for key in rule:
                if key not in {"codes", "platform", "scale"}:
                    self.fail([*keys, key], f"Unknown key '{key}'. Expected codes, platform, "
                                            "scale.")
            platform, scale = rule.get("platform"), rule.get("scale")
            if platform is not None and (not isinstance(platform, str) or not _ID.match(platform)):
                self.fail([*keys, "platform"], f"Expected a platform name. Got {platform!r} "
                                               "instead.")
            if scale is not None and scale not in scales:
                self.fail([*keys, "scale"], f"Unknown scale {scale!r}. Expected one of "
                                            f"{sorted(scales)}.")
            codes = []
            for code, to in rule["codes"].items():
                if not (_is_number(to) or to in RECODE_REASONS):
                    self.fail([*keys, "codes", code], f"Expected one of {list(RECODE_REASONS)} "
                                                      f"or a code. Got {to!r} instead.")
                    continue
                codes.append((code, to))
            out.append(Recode(tuple(codes), platform, scale))
        return tuple(out)

    def importance(self, raw: Any, scales: Mapping[str, Scale]) -> tuple[Rating, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, dict) or not isinstance(raw.get("items"), dict):
            self.fail(["importance"], "Expected 'scale' and a mapping 'items' of rating ids to "
                                      f"{{of, text, short}}. Got {_kind(raw)} instead.")
            return ()
        for key in raw:
            if key not in {"scale", "items"}:
                self.fail(["importance", key], f"Unknown key '{key}'. Expected scale, items.")
        scale = raw.get("scale")
        if scale not in scales:
            self.fail(["importance", "scale"], f"Unknown scale {scale!r}. "
                                               f"Expected one of {sorted(scales)}.")
        out = []
        for rid, spec in raw["items"].items():
            keys = ["importance", "items", rid]
            if not self.ident(rid, keys, "rating"):
                continue
            if not isinstance(spec, dict) or "of" not in spec or "text" not in spec:
                self.fail(keys, f"Expected a mapping with 'of' and 'text'. Got {_kind(spec)} "
                                "instead.")
                continue
            text = self.label(spec["text"], [*keys, "text"])
            short = self.label(spec["short"], [*keys, "short"]) if "short" in spec else text
            out.append(Rating(rid, str(spec["of"]), str(scale), text, short))
        return tuple(out)

    def gauges(self, raw: Any, items: set[str], questions: Mapping[str, Question]) -> Gauges:
        if raw is None:
            return Gauges()
        if not isinstance(raw, dict):
            self.fail(["gauges"], f"Expected a mapping of gauge to question id. Got {_kind(raw)} "
                                  "instead.")
            return Gauges()
        known = {"overall", "recommend", "repurchase", "complained", "complaint_outcome", "value"}
        for key in raw:
            if key not in known:
                self.fail(["gauges", key], f"Unknown gauge '{key}'. Expected one of "
                                           f"{sorted(known)}.")
        out: dict[str, Any] = {}
        for key in ("overall", "recommend", "repurchase"):
            if key in raw:
                if raw[key] not in items:
                    self.fail(["gauges", key], f"Expected a rated item id. Got {raw[key]!r} "
                                               "instead.")
                out[key] = raw[key]
        complained = raw.get("complained")
        if complained is not None:
            spec = complained if isinstance(complained, dict) else {"question": complained}
            qid = spec.get("question")
            q = questions.get(qid)
            if q is None or q.type != "single":
                self.fail(["gauges", "complained"], f"Expected a single-choice question id. "
                                                    f"Got {qid!r} instead.")
            else:
                yes = spec.get("yes", [q.options[0][0]])
                yes = yes if isinstance(yes, list) else [yes]
                codes = {c for c, _ in q.options}
                if not set(yes) <= codes:
                    self.fail(["gauges", "complained", "yes"], f"Expected options of '{qid}' "
                                                               f"{sorted(codes, key=str)}. "
                                                               f"Got {yes!r} instead.")
                out["complained"], out["complained_yes"] = qid, tuple(yes)
        for key, types in (("complaint_outcome", ("single",)), ("value", ("number", "integer"))):
            if key in raw:
                q = questions.get(raw[key])
                if q is None or q.type not in types:
                    self.fail(["gauges", key], f"Expected the id of a {' or '.join(types)} "
                                               f"question. Got {raw[key]!r} instead.")
                out[key] = raw[key]
        return Gauges(**out)

    def scales(self, raw: Any) -> dict[str, Scale]:
        if not isinstance(raw, dict) or not raw:
            self.fail(["scales"], "Expected a mapping of scale ids to scales "
                                  f"(e.g. 'ten: {{min: 1, max: 10}}'). Got {_kind(raw)} instead.")
            return {}
        out = {}
        for sid, spec in raw.items():
            keys = ["scales", sid]
            if not self.ident(sid, keys, "scale"):
                continue
            if not isinstance(spec, dict):
                self.fail(keys, f"Expected a mapping with min and max. Got {_kind(spec)} instead.")
                continue
            lo, hi = spec.get("min"), spec.get("max")
            if not _is_number(lo) or not _is_number(hi):
                self.fail(keys, f"Expected numeric 'min' and 'max'. Got min={lo!r}, max={hi!r} instead.")
                continue
            if lo >= hi:
                self.fail(keys, f"Expected min < max. Got min={lo}, max={hi} instead.")
                continue
            continuous = spec.get("continuous", False)
            if not isinstance(continuous, bool):
                self.fail([*keys, "continuous"], f"Expected true or false. Got "
                                                 f"{continuous!r} instead.")
                continuous = False
            elif not continuous and not (float(lo).is_integer() and float(hi).is_integer()):
                # Points of a rating scale are whole numbers: ends like 0.5 are a slip, or a
                # continuous scale that should say so (it then accepts any number inside).
                self.fail(keys, f"A rating scale's points are whole numbers. Got min={lo}, "
                                f"max={hi} instead. Use whole-number ends, or declare "
                                "'continuous: true' for answers that may be any number "
                                "between min and max.")
                continue
            dk = spec.get("dont_know", [])
            dk = dk if isinstance(dk, list) else [dk]
            for code in dk:
                if not _is_number(code):
                    self.fail([*keys, "dont_know"], f"Expected numeric codes. Got {code!r} instead.")
                elif lo <= code <= hi:
                    self.fail([*keys, "dont_know"], f"The don't-know code {code} lies inside the "
                                                    f"{lo}-{hi} scale; it must lie outside.")
            labels = []
            for point, text in (spec.get("labels") or {}).items():
                if not _is_number(point) or not lo <= point <= hi:
                    self.fail([*keys, "labels", point],
                              f"Expected a scale point between {lo} and {hi}. Got {point!r} instead.")
                    continue
                labels.append((point, self.label(text, [*keys, "labels", point])))
            for key in spec:
                if key not in {"min", "max", "dont_know", "labels", "continuous"}:
                    self.fail([*keys, key], f"Unknown scale key '{key}'. "
                                            "Expected min, max, dont_know, labels, continuous.")
            out[sid] = Scale(sid, lo, hi, tuple(c for c in dk if _is_number(c)), tuple(labels),
                             continuous)
        return out

    def questions(self, raw: Any, section: str) -> tuple[Question, ...]:
        if not isinstance(raw, list):
            self.fail([section], f"Expected a list of questions. Got {_kind(raw)} instead.")
            return ()
        out = []
        for n, spec in enumerate(raw):
            keys = [section, n]
            if not isinstance(spec, dict):
                self.fail(keys, f"Expected a mapping with id, type, label. Got {_kind(spec)} instead.")
                continue
            qid = spec.get("id")
            if not self.ident(qid, [*keys, "id"], "question"):
                continue
            qtype = spec.get("type", "single")
            if qtype not in QUESTION_TYPES:
                self.fail([*keys, "type"], f"Unknown question type {qtype!r}. "
                                           f"Expected one of {list(QUESTION_TYPES)}.")
            label = self.label(spec.get("label"), [*keys, "label"])
            options = tuple((code, self.label(text, [*keys, "options", code]))
                            for code, text in (spec.get("options") or {}).items())
            if qtype in ("single", "multiple") and not options:
                self.fail(keys, f"Question '{qid}' of type {qtype} needs 'options'.")
            qualify = spec.get("qualify", [])
            qualify = qualify if isinstance(qualify, list) else [qualify]
            codes = {c for c, _ in options}
            for code in qualify:
                if code not in codes:
                    self.fail([*keys, "qualify"], f"Qualifying answer {code!r} is not one of the "
                                                  f"options {sorted(codes, key=str)}.")
            lo, hi = spec.get("min"), spec.get("max")
            short = (self.label(spec["short"], [*keys, "short"])
                     if spec.get("short") is not None else None)
            out.append(Question(qid, qtype, label, options,
                                lo if _is_number(lo) else None, hi if _is_number(hi) else None,
                                tuple(qualify), short))
        return tuple(out)

    def constructs(self, raw: Any, scales: Mapping[str, Scale]) -> dict[str, Construct]:
        if not isinstance(raw, dict) or not raw:
            self.fail(["constructs"], "Expected a mapping of construct ids to constructs. "
                                      f"Got {_kind(raw)} instead.")
            return {}
        out: dict[str, Construct] = {}
        item_owner: dict[str, str] = {}
        for cid, spec in raw.items():
            keys = ["constructs", cid]
            if not self.ident(cid, keys, "construct"):
                continue
            if not isinstance(spec, dict):
                self.fail(keys, f"Expected a mapping with label and items. Got {_kind(spec)} instead.")
                continue
            for key in spec:
                if key not in {"label", "scale", "items", "dimensions"}:
                    self.fail([*keys, key], f"Unknown construct key '{key}'. "
                                            "Expected label, scale, items or dimensions.")
            label = self.label(spec.get("label"), [*keys, "label"])
            items_raw, dims = spec.get("items"), spec.get("dimensions")
            if not items_raw and not dims:
                self.fail(keys, f"Construct '{cid}' has neither items nor dimensions.")
                continue
            if items_raw and dims:
                self.fail(keys, f"Construct '{cid}' has both items and dimensions; give one.")
                continue
            scale = spec.get("scale")
            items: list[Item] = []
            if items_raw:
                if scale not in scales:
                    self.fail([*keys, "scale"], f"Unknown scale {scale!r}. "
                                                f"Expected one of {sorted(scales)}.")
                if not isinstance(items_raw, dict):
                    self.fail([*keys, "items"], "Expected a mapping of item ids to question texts. "
                                                f"Got {_kind(items_raw)} instead.")
                    continue
                for iid, text in items_raw.items():
                    ikeys = [*keys, "items", iid]
                    if not self.ident(iid, ikeys, "item"):
                        continue
                    if iid in item_owner:
                        self.fail(ikeys, f"Duplicate item id '{iid}' (also in construct "
                                         f"'{item_owner[iid]}').")
                        continue
                    item_owner[iid] = cid
                    expects = None
                    if isinstance(text, dict) and "text" in text:
                        qtext = self.label(text["text"], [*ikeys, "text"])
                        short = (self.label(text["short"], [*ikeys, "short"])
                                 if "short" in text else qtext)
                        expects = text.get("expects")
                        for key in text:
                            if key not in {"text", "short", "expects", "source"}:
                                self.fail([*ikeys, key], f"Unknown item key '{key}'. "
                                                         "Expected text, short, expects, "
                                                         "source.")
                    else:
                        qtext = self.label(text, ikeys)
                        short = qtext
                    items.append(Item(iid, cid, str(scale), qtext, short,
                                      None if expects is None else str(expects)))
            else:
                if not isinstance(dims, list) or not all(isinstance(d, str) for d in dims):
                    self.fail([*keys, "dimensions"], f"Expected a list of construct ids. "
                                                     f"Got {dims!r} instead.")
                    continue
            out[cid] = Construct(cid, label, scale if items_raw else None, tuple(items),
                                 tuple(dims or ()))
        for c in out.values():
            for d in c.dimensions:
                if d not in raw:
                    self.fail(["constructs", c.id, "dimensions"],
                              f"Dimension '{d}' of construct '{c.id}' is not a construct of this "
                              f"questionnaire. Expected one of {sorted(raw)}.")
                elif d == c.id:
                    self.fail(["constructs", c.id, "dimensions"],
                              f"Construct '{c.id}' lists itself as a dimension.")
        return out


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _kind(x: Any) -> str:
    if x is None:
        return "nothing"
    return f"{type(x).__name__} {x!r}" if not isinstance(x, dict | list) else type(x).__name__
