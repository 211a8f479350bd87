"""How an item's column is named on the survey platforms a questionnaire is fielded on, and how
a platform's response-export header is matched back to an item without a mapping written by hand.

One place for the rule, used both ways: :mod:`survey.cli.export` names the fields of a form it
writes, and ingestion (:mod:`survey.ingest`) recognises them in the platform's response export.

- XLSForm (KoboToolbox, ODK) and SurveyJS take the item id as the field name as it is; Kobo's
  export may prefix it with the group path (``service/crew_friendly``).
- LimeSurvey question codes are letters and digits only, starting with a letter, at most 20
  characters (LimeSurvey 3+ validation): :func:`limesurvey_code`.

:func:`header_key` is the key a header and an item id are compared by: the last segment of a
group path, case-folded, with everything but letters and digits removed. ``crew_friendly``,
``service/crew_friendly``, ``CrewFriendly`` and ``crewfriendly`` share one key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: LimeSurvey's limit on a question code's length (LimeSurvey 3 and later).
LIMESURVEY_CODE_MAX = 20

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def header_key(name: str) -> str:
    """The key ``name`` (a column header or an item id) is matched by (see the module)."""
    last = str(name).strip().rsplit("/", 1)[-1]
    return _NOT_ALNUM.sub("", last.casefold())


def limesurvey_code(item_id: str) -> str:
    """``item_id`` as a LimeSurvey question code: letters and digits only, starting with a
    letter (``q`` is put before an id that starts otherwise). Raises ValueError when the code
    would be longer than :data:`LIMESURVEY_CODE_MAX` (say which item; the caller names the
    questionnaire)."""
    code = re.sub(r"[^0-9A-Za-z]+", "", item_id)
    if not code or not code[0].isalpha():
        code = "q" + code
    if len(code) > LIMESURVEY_CODE_MAX:
        raise ValueError(f"Item '{item_id}' gives the LimeSurvey code '{code}', longer than "
                         f"LimeSurvey's {LIMESURVEY_CODE_MAX} characters.")
    return code


def ambiguous_keys(ids: Iterable[str]) -> dict[str, list[str]]:
    """The header keys shared by more than one of ``ids`` (such items cannot be matched by
    key and need an explicit ``source:``), key -> the ids."""
    by_key: dict[str, list[str]] = {}
    for i in ids:
        by_key.setdefault(header_key(i), []).append(i)
    return {k: v for k, v in by_key.items() if len(v) > 1}
