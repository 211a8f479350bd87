"""Customer value tiers: :func:`value_tiers` ranks customers by a spend or value column into the
value pyramid of the source material (SOURCE.md §3): platinum = top 1 % of customers, gold =
next 4 %, iron = next 15 %, lead = the other 80 %, with each tier's share of total value (the
80/20 pattern). The tiers are then a segment like any other (:mod:`survey.analysis.segments`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import EstimationError, Problem, ResponseValidationError

#: The value pyramid of SOURCE.md §3: tier and its share of customers, from the top.
TIERS: tuple[tuple[str, float], ...] = (("platinum", 0.01), ("gold", 0.04), ("iron", 0.15),
                                        ("lead", 0.80))

#: Default number of permutations and permutations per batch (3 x CHUNK correlation matrices:

# --------------------------------------------------------------------------- value tiers


@dataclass(frozen=True)
class TierSummary:
    """One tier: its customers and their value."""

    tier: str
    nominal_share: float
    n: int
    customer_share: float
    value: float
    value_share: float | None
    min_value: float | None
    max_value: float | None


@dataclass(frozen=True)
class ValueTiers:
    """Customer value tiers of one column. ``labels`` (indexed like the data, an ordered
    categorical, NaN where the value is missing) is a segment column like any other:
    ``data.assign(value_tier=tiers.labels)``."""

    column: str
    labels: pd.Series
    tiers: tuple[TierSummary, ...]
    n_ranked: int
    n_missing: int
    total_value: float

    def to_json(self) -> dict[str, Any]:
        return {"column": self.column, "n_ranked": self.n_ranked, "n_missing": self.n_missing,
                "total_value": self.total_value,
                "rule": "customers ranked by value, highest first; a tier holds the customers "
                        "whose rank lies within its cumulative share of customers (the count "
                        "rounded down); customers with equal value share the higher tier",
                "tiers": [{"tier": t.tier, "nominal_share": t.nominal_share, "n": t.n,
                           "customer_share": t.customer_share, "value": t.value,
                           "value_share": t.value_share, "min_value": t.min_value,
                           "max_value": t.max_value} for t in self.tiers]}


def value_tiers(data: pd.DataFrame, column: str, *,
                tiers: Sequence[tuple[str, float]] = TIERS, source: str = "data") -> ValueTiers:
    """Rank customers by ``column`` (spend, profit, lifetime value) into value tiers.

    Tiers are cut by cumulative share of *customers*: with N ranked customers, the first
    floor(N x 1 %) ranks are platinum, ranks up to floor(N x 5 %) gold, up to floor(N x 20 %)
    iron, the rest lead (so with N = 100, 1/4/15/80 customers; a tier never exceeds its share
    because of rounding, and below 100 customers there is no platinum tier member). Ties: customers
    with the same value always share a tier, the higher of the tiers their ranks span (a tie
    across a boundary makes the upper tier larger than its share; ``customer_share`` says by
    how much). Missing values (empty, NaN) are not ranked. A value that is not a number, is
    negative or infinite raises :class:`ResponseValidationError` naming the column and rows.
    """
    names = [t for t, _ in tiers]
    shares = np.array([s for _, s in tiers], float)
    if len(set(names)) != len(names) or (shares <= 0).any() or abs(shares.sum() - 1) > 1e-9:
        raise EstimationError(f"Value tiers must have distinct names and positive shares that "
                              f"sum to 1. Got {list(tiers)} instead.")
    if column not in data.columns:
        raise ResponseValidationError(Problem(source, f"Value column '{column}' is not in the "
                                                      f"data. Expected one of "
                                                      f"{list(map(str, data.columns))}."))
    raw = data[column]
    text = raw.astype(object).where(raw.notna(), None)
    blank = text.map(lambda v: v is None or (isinstance(v, str) and not v.strip()))
    values = pd.to_numeric(raw.where(~blank), errors="coerce").astype(float)
    bad = ~blank & ~np.isfinite(values.to_numpy())
    bad |= values.to_numpy() < 0
    if bad.any():
        problems = []
        for row in data.index[bad]:
            v = raw.loc[row]
            problems.append(Problem(f"{source}:{row}: column '{column}'",
                                    f"Value {str(v)!r} is not a non-negative number. Expected "
                                    "an amount >= 0 (leave it empty when unknown).",
                                    row=int(row) if isinstance(row, int | np.integer) else None,
                                    column=column, value=str(v)))
        raise ResponseValidationError(problems)
    valid = ~blank.to_numpy()
    v = values.to_numpy()[valid]
    n = v.size
    order = np.argsort(-v, kind="stable")
    cut = np.floor(np.round(n * np.cumsum(shares), 9)).astype(int)
    cut[-1] = n
    position_tier = np.searchsorted(cut, np.arange(n), side="right")
    sorted_v = v[order]
    # Equal values share the highest tier any of them reaches (runs of equal sorted values).
    starts = np.flatnonzero(np.r_[True, sorted_v[1:] != sorted_v[:-1]]) if n else np.array([], int)
    run_tier = np.minimum.reduceat(position_tier, starts) if n else position_tier
    run_id = np.cumsum(np.r_[True, sorted_v[1:] != sorted_v[:-1]]) - 1 if n else position_tier
    tier_of = np.empty(n, int)
    tier_of[order] = run_tier[run_id] if n else tier_of
    codes = np.full(len(data), -1)
    codes[np.flatnonzero(valid)] = tier_of
    labels = pd.Series(pd.Categorical.from_codes(codes, categories=names, ordered=True),
                       index=data.index, name=f"{column}_tier")
    total = float(v.sum())
    summary = []
    for k, (name, share) in enumerate(tiers):
        mine = v[tier_of == k]
        summary.append(TierSummary(
            name, float(share), int(mine.size), mine.size / n if n else 0.0, float(mine.sum()),
            float(mine.sum()) / total if total > 0 else None,
            float(mine.min()) if mine.size else None, float(mine.max()) if mine.size else None))
    return ValueTiers(column, labels, tuple(summary), n, int(len(data) - n), total)
