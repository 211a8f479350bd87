"""Response exports of survey platforms, turned into the native layout before validation.

A native response file has one column per item or question, named by its id, and the
questionnaire's codes in the cells. A platform's export does not: Qualtrics and SurveyMonkey
put extra header rows under the first, 问卷星 (Wenjuanxing) heads its columns with the question
text, Kobo prefixes group paths, LimeSurvey allows no underscore in a code, and each has its own
codes for a skipped or not-applicable answer. An importer turns one platform's export into the
native layout and says what it did with every column; ingestion (:mod:`survey.ingest`) then
validates the result exactly as a native file, with the file's own row numbers in its messages.

The contract of an importer module (one per platform, registered in :data:`IMPORTERS`):

- ``NAME``: the platform's name as ``--platform`` takes it (``qualtrics``, ``kobo``, ...);
- ``LABEL``: the platform as a person names it (``Qualtrics``, ``KoboToolbox / ODK``);
- ``detect(frame) -> bool``: whether ``frame`` (the file read as text cells, the first row as
  column names, nothing dropped) is this platform's export; cheap, and never true of a native
  file whose columns are item ids;
- ``adapt(frame, questionnaire, source) -> Adapted``: the native layout. ``source`` names the
  file in messages; an export that cannot be turned into it raises
  :class:`survey.errors.ResponseValidationError` naming the file, row and column. The
  header is taken as row 1: ingestion shifts ``Adapted.rows`` when title rows stand above it.

Matching columns to ids (``source:``, id, question text, header key) is shared by every
importer and by native files: :mod:`survey.importers.matching`. The answer codes an importer
asks to recode (``Adapted.recoded``: its platform's skip codes and the questionnaire's
``recode:`` rules) are applied by ingestion, which counts them by reason.

Registration is explicit: :data:`PLATFORMS` lists the importer modules (``survey.importers.
<name>``), imported on first use; detection tries them in that order.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class ColumnUse:
    """What ingestion did with one column of the file: ``target`` is the item or question id
    it was read as (None: ignored); ``rule`` says how it was matched (``id``, ``key``,
    ``source``, ``question number``, ``platform``, ...) or why it was ignored (``metadata``,
    ``not in the questionnaire``, ``empty``)."""

    column: str
    target: str | None
    rule: str

    def to_json(self) -> dict[str, Any]:
        return {"column": self.column, "target": self.target, "rule": self.rule}


@dataclass(frozen=True)
class Adapted:
    """An export in the native layout. ``frame``: one column per matched item or question
    (named by its id) plus the file's other columns under their own names, cells as read or
    recoded to the questionnaire's codes; ``rows``: the file's row number (1-based, the header
    row is 1) of each row of ``frame``, for messages; ``columns``: every column of the file
    with its :class:`ColumnUse`; ``recoded``: id -> {code: reason or questionnaire code}, the
    codes ingestion is to recode (and count by reason); ``notes``: sentences for the ingest
    report (extra header rows skipped, ...); ``translated``: id -> {platform answer: the
    questionnaire's code}, the answers the importer itself read as codes (an answer given as
    its label, LimeSurvey's '35.0000000000'), already applied in ``frame``."""

    platform: str
    frame: pd.DataFrame
    rows: tuple[int, ...]
    columns: tuple[ColumnUse, ...]
    recoded: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    translated: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


#: The importer modules, by name (``survey.importers.<name>``, whose ``NAME`` it is), in the
#: order detection tries them. One per line: add a platform by adding its line.
PLATFORMS: tuple[str, ...] = (
    "wenjuanxing",
    "qualtrics",
    "surveymonkey",
    "kobo",
    "limesurvey",
    "surveyjs",
)
#: What ``--platform`` takes besides the platforms: ``auto`` (detect) and ``native``.
CHOICES: tuple[str, ...] = ("auto", "native", *PLATFORMS)

#: Platform name -> importer module (see the module docstring), filled from :data:`PLATFORMS`
#: on first use (:func:`importers`); ``native`` (no importer) is not listed.
IMPORTERS: dict[str, Any] = {}


def register(module: Any) -> None:
    """Add an importer module (its ``NAME``, ``LABEL``, ``detect``, ``adapt``) to the registry."""
    for attribute in ("NAME", "LABEL", "detect", "adapt"):
        if not hasattr(module, attribute):
            raise TypeError(f"importer {module.__name__} has no {attribute}")
    IMPORTERS[module.NAME] = module


def importers() -> dict[str, Any]:
    """The registry, each module of :data:`PLATFORMS` imported and registered once."""
    for name in PLATFORMS:
        if name not in IMPORTERS:
            register(importlib.import_module(f"{__name__}.{name}"))
    return IMPORTERS



def detect_platform(frame: pd.DataFrame) -> str | None:
    """The name of the platform whose export ``frame`` is, or None (a native file)."""
    found = [name for name, module in importers().items() if module.detect(frame)]
    return found[0] if found else None
