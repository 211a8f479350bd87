"""survey.numbers: the one policy for numbers on their way out."""

from __future__ import annotations

import math

import numpy as np
import pytest

from survey.numbers import finite, plain


@pytest.mark.parametrize(("value", "expected"), [
    (1, 1.0), (0.25, 0.25), (np.float64(-2.5), -2.5), (np.int64(3), 3.0), (None, None),
    (math.nan, None), (math.inf, None), (-np.inf, None), ("1.5", None), (True, None),
    (object(), None), ([1.0], None)])
def test_finite_keeps_only_finite_numbers(value, expected):
    assert finite(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (10.0, "10"), (0, "0"), (-3.0, "-3"), (0.5, "0.5"), (8.25, "8.25"), (1 / 3, repr(1 / 3))])
def test_plain_writes_numbers_as_typed(value, expected):
    assert plain(value) == expected


def test_is_number_reads_float_syntax():
    from survey.numbers import is_number

    assert [is_number(t) for t in ("-5", "+3.5", "1e3", "=1+1", "@SUM", "", "七")] == [
        True, True, True, False, False, False, False]
