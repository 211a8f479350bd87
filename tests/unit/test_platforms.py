"""The platform naming rule (survey.platforms) on ids the questionnaire grammar allows."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey.platforms import LIMESURVEY_CODE_MAX, ambiguous_keys, header_key, limesurvey_code

IDS = st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,18}\Z")


@given(IDS)
def test_limesurvey_code_is_valid_and_keys_back_to_the_id(item_id):
    code = limesurvey_code(item_id)
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", code)
    assert len(code) <= LIMESURVEY_CODE_MAX
    if item_id.strip("_")[:1].isalpha():  # no 'q' prefix: the code matches the id by key
        assert header_key(code) == header_key(item_id)


def test_header_key_forms_of_one_item():
    assert {header_key(h) for h in ("crew_friendly", "service/crew_friendly",
                                    " CrewFriendly ", "crewfriendly")} == {"crewfriendly"}


def test_too_long_code_is_refused_naming_the_item():
    with pytest.raises(ValueError, match="'a_very_long_item_identifier_x'"):
        limesurvey_code("a_very_long_item_identifier_x")


def test_ambiguous_keys():
    assert ambiguous_keys(["sat_1", "sat1", "loy_1"]) == {"sat1": ["sat_1", "sat1"]}
