"""One policy for numbers on their way out (JSON, reports, messages).

:func:`finite` is the value of a number that means something, None for everything else (None,
NaN, infinities, what is not a number): JSON gets null, a report a dash. :func:`plain` writes
a number as a person would type it: whole numbers without a decimal point, others in their
shortest exact form.
"""

from __future__ import annotations

import math
from typing import Any


def finite(x: Any) -> float | None:
    """``x`` as a float when it is a finite number, else None."""
    if x is None or isinstance(x, bool | str):
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def json_safe(x: Any) -> Any:
    """A JSON block with every non-finite number (NaN, an unbounded VIF) as None: JSON has no
    NaN or Infinity (Python would write them, and other readers refuse the file). Tuples
    become lists; other values are kept."""
    if isinstance(x, dict):
        return {k: json_safe(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [json_safe(v) for v in x]
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return x
    if isinstance(x, int):
        return int(x)
    try:
        f = float(x)
    except (TypeError, ValueError):
        return x
    return f if math.isfinite(f) else None


def is_number(text: str) -> bool:
    """Whether ``text`` reads as a number (float's syntax: '-5', '+3.5', '1e3', 'nan')."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def plain(x: float) -> str:
    """'10' for 10.0, '0.5' for 0.5, '8.25' for 8.25 (cut points, scale ends)."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))
