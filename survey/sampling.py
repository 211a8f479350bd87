"""Sampling: draw a sample from a frame, weight it to population margins, and state the precision
of an index under the design.

The three designs of the source material (§3: simple random, systematic with a fixed interval,
stratified) are drawn here with numpy's ``Generator`` so that one seed gives one sample:

- ``srs``: simple random sampling without replacement; every unit has probability n/N.
- ``systematic``: the fractional-interval method (Kish 1965, *Survey Sampling*, §4.1). The
  interval k = N/n need not be a whole number; a random start s is drawn uniformly from
  {0, ..., N-1} and the units at frame positions floor((s + j N) / n), j = 0 ... n-1, are taken,
  i.e. start s/n and then every k-th position, rounded down. Integer arithmetic makes this exact:
  n distinct units are always drawn, and for every unit exactly n of the N possible starts select
  it, so every unit has probability n/N. The frame's order is the list order: sorting the frame
  (e.g. by region) before drawing gives an implicitly stratified sample.
- ``stratified``: an allocation per stratum (:func:`allocate`), then SRS within each stratum;
  a unit of stratum h has probability n_h/N_h.

Weighting (raking and post-stratification) uses **svy** (MIT, the maintained successor of
samplics by the same authors), chosen after trying the candidates under pandas 3.1 / numpy 2.4:

- weightipy 0.4.2 rakes correctly on feasible data, but has no base (design) weights (it always
  starts from 1), and when a target level has no respondents it skips it and returns wrong
  margins without a word (measured: a 20 % target cell came out at 0 %);
- samplics 0.6.1 rakes and its ``TaylorEstimator`` matched Cochran's formula, but it is archived
  (a FutureWarning on import says so); an empty target cell gave a numpy broadcast error;
- balance 0.23.0 cannot be installed with numpy 2 on Python 3.11 (it pins numpy<2, scipy<1.14,
  scikit-learn<1.4);
- svy 0.35.0 rakes and post-stratifies from base weights, refuses an empty target cell with a
  clear message, raises on non-convergence, and its Taylor-linearisation variance of the
  weighted (ratio) mean matched Cochran (1977) eq. 5.6 to the last digit.

svy normalises shares that do not sum to 1 without a word and, like every library, cannot know
what the user meant, so targets are validated here first and the achieved margins are always
checked after weighting (:class:`WeightingError` if any target is missed).

svy is imported inside the functions that use it: importing this module (and so starting the
``survey`` command) does not load it.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import ClassVar, Literal

import numpy as np
import pandas as pd

from survey.assess import CRITERIA
from survey.errors import Problem, SamplingError, WeightingError

DESIGNS = ("srs", "systematic", "stratified")
ALLOCATIONS = ("proportional", "equal")
#: Columns added to the sample by :func:`draw_sample`.
DESIGN_COLUMNS = ("selection_prob", "design_weight", "stratum", "fpc")
#: Largest difference between an achieved weighted share and its target that is accepted.
MARGIN_TOLERANCE = 1e-6
#: How far a variable's target shares may sum from 1 (rounding in a published table).
SHARE_SUM_TOLERANCE = 1e-6

Design = Literal["srs", "systematic", "stratified"]
Allocation = Literal["proportional", "equal"] | Mapping[Hashable, int]


# --------------------------------------------------------------------------- drawing


def draw_sample(frame: pd.DataFrame, *, design: Design, n: int, seed: int,
                strata: str | None = None, allocation: Allocation = "proportional",
                source: str = "<frame>") -> pd.DataFrame:
    """Draw a probability sample of ``n`` units from a sampling frame (one row per unit).

    ``design`` is ``"srs"`` (without replacement), ``"systematic"`` (fractional interval N/n,
    random start; see the module docstring) or ``"stratified"`` (``strata`` names the column;
    ``allocation`` is ``"proportional"`` (largest remainder, at least one unit per stratum),
    ``"equal"`` or a dict stratum -> n_h; SRS within each stratum). ``source`` names the frame in
    error messages (a file name).

    Returns the selected rows, in frame order and with the frame's index, plus
    ``selection_prob``, ``design_weight`` (1 / probability: the weights sum to N, and per stratum
    to N_h), ``stratum`` (stratified only) and ``fpc`` (the population size of the unit's stratum,
    or N). The same frame and seed always give the same sample.
    """
    if design not in DESIGNS:
        raise SamplingError(Problem(source, f"Unknown sampling design '{design}'. Expected one "
                                            f"of {list(DESIGNS)}."))
    size = len(frame)
    _check_n(n, size, source)
    if design == "stratified":
        if strata is None:
            raise SamplingError(Problem(source, "A stratified design needs a strata column. "
                                                "Name it with strata=... (--strata)."))
    elif strata is not None:
        raise SamplingError(Problem(source, f"Strata column '{strata}' was given for a "
                                            f"'{design}' design. Use design='stratified' or "
                                            "leave strata out."))
    added = [c for c in DESIGN_COLUMNS if c in frame.columns
             and not (c == "stratum" and strata == "stratum")]
    if added:
        raise SamplingError(Problem(source, f"The frame already has column(s) {added}, which "
                                            "the sample adds. Rename or drop them first."))

    rng = np.random.default_rng(seed)
    if design == "srs":
        rows = np.sort(rng.choice(size, size=n, replace=False))
        return _with_design(frame, rows, np.full(n, n), np.full(n, size))
    if design == "systematic":
        rows = _systematic_positions(size, n, int(rng.integers(size)))
        return _with_design(frame, rows, np.full(n, n), np.full(n, size))

    labels = _stratum_labels(frame, strata, source)
    levels = _ordered(pd.unique(labels))
    codes = pd.Index(levels).get_indexer(labels)
    sizes = {level: int(np.count_nonzero(codes == i)) for i, level in enumerate(levels)}
    take = allocate(sizes, n, allocation, source=source, column=strata)
    rows, taken, pops = [], [], []
    for i, level in enumerate(levels):
        members = np.flatnonzero(codes == i)
        n_h, N_h = take[level], sizes[level]
        rows.append(members[rng.choice(N_h, size=n_h, replace=False)])
        taken.append(np.full(n_h, n_h))
        pops.append(np.full(n_h, N_h))
    rows_all = np.concatenate(rows)
    order = np.argsort(rows_all, kind="stable")
    sample = _with_design(frame, rows_all[order], np.concatenate(taken)[order],
                          np.concatenate(pops)[order])
    if strata != "stratum":
        sample.insert(len(sample.columns) - 1, "stratum", labels[rows_all[order]])
    return sample


def allocate(stratum_sizes: Mapping[Hashable, int], n: int, allocation: Allocation =
             "proportional", *, source: str = "<frame>", column: str | None = None
             ) -> dict[Hashable, int]:
    """Sample sizes per stratum that sum to exactly ``n``.

    ``"proportional"``: n_h = n N_h / N rounded by largest remainder (Hamilton's method: floors
    first, then one more unit to the largest fractional parts; ties go to the larger stratum);
    then every stratum left with none gets one unit, taken from the stratum most over its exact
    share, so every stratum is sampled. ``"equal"``: n / H each, the remainder by the same rule.
    A dict gives n_h explicitly; it must name every stratum and sum to ``n``.
    Every stratum gets at least one unit and at most N_h, otherwise :class:`SamplingError`.
    """
    of = f" of '{column}'" if column else ""
    levels = list(stratum_sizes)
    if isinstance(allocation, Mapping):
        take = _explicit(stratum_sizes, n, allocation, source, of)
    elif allocation in ALLOCATIONS:
        if n < len(levels):
            raise SamplingError(Problem(source, f"A stratified sample needs at least one unit in "
                                                f"each of the {len(levels)} strata{of}. Got "
                                                f"n={n} instead."))
        total = sum(stratum_sizes.values())
        quota = {h: (n * stratum_sizes[h] / total if allocation == "proportional"
                     else n / len(levels)) for h in levels}
        take = _largest_remainder(quota, n, stratum_sizes)
        _at_least_one(take, quota)
    else:
        raise SamplingError(Problem(source, f"Unknown allocation '{allocation}'. Expected one "
                                            f"of {list(ALLOCATIONS)} or a mapping stratum -> n."))
    where = f"{source}: column '{column}'" if column else source
    over = [Problem(where, f"stratum '{h}' has {stratum_sizes[h]} units but the {_name(allocation)}"
                           f" allocation asks for {take[h]}. Lower its allocation or merge it "
                           "with another stratum.", column=column, value=str(h))
            for h in levels if take[h] > stratum_sizes[h]]
    if over:
        raise SamplingError(over)
    return take


def _check_n(n: int, size: int, source: str) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise SamplingError(Problem(source, f"The sample size n must be a whole number. Got "
                                            f"{n!r} instead."))
    if size == 0:
        raise SamplingError(Problem(source, "The frame has no units to sample."))
    if n <= 0:
        raise SamplingError(Problem(source, f"The sample size n must be at least 1. Got {n} "
                                            "instead."))
    if n > size:
        raise SamplingError(Problem(source, f"The sample size n cannot exceed the {size} units "
                                            f"of the frame (sampling is without replacement). "
                                            f"Got n={n} instead."))


def _systematic_positions(size: int, n: int, start: int) -> np.ndarray:
    """Frame positions floor((start + j*N) / n), j = 0..n-1, for a start in {0, ..., N-1}."""
    return (start + np.arange(n, dtype=np.int64) * size) // n


def _with_design(frame: pd.DataFrame, rows: np.ndarray, taken: np.ndarray,
                 pop: np.ndarray) -> pd.DataFrame:
    """The rows with their probability n_h/N_h, weight N_h/n_h (computed as a ratio of whole
    numbers, so that n weights of N/n sum to N up to one rounding) and stratum size."""
    sample = frame.iloc[rows].copy()
    sample["selection_prob"] = taken / pop
    sample["design_weight"] = pop / taken
    sample["fpc"] = pop.astype(np.int64)
    return sample


def _stratum_labels(frame: pd.DataFrame, column: str, source: str) -> np.ndarray:
    if column not in frame.columns:
        raise SamplingError(Problem(source, f"Strata column '{column}' is not in the frame. "
                                            f"Expected one of {[str(c) for c in frame.columns]}."))
    col = frame[column]
    blank = col.isna().to_numpy().copy()
    if col.dtype == object or pd.api.types.is_string_dtype(col):
        blank |= col.astype(str).str.strip().eq("").to_numpy() & ~blank
    if blank.any():
        # Rows as a spreadsheet shows them: the header is row 1, the first unit row 2.
        raise SamplingError([Problem(f"{source}:{i + 2}", f"column '{column}': the unit has no "
                                     "stratum. Give every unit of the frame a stratum.",
                                     row=i + 2, column=column, value="")
                             for i in np.flatnonzero(blank)])
    return col.to_numpy()


def _ordered(levels: Sequence[Hashable]) -> list[Hashable]:
    try:
        return sorted(levels)
    except TypeError:  # mixed types: keep the order of first appearance
        return list(levels)


def _name(allocation: Allocation) -> str:
    return "explicit" if isinstance(allocation, Mapping) else str(allocation)


def _explicit(sizes: Mapping[Hashable, int], n: int, allocation: Mapping[Hashable, int],
              where: str, of: str) -> dict[Hashable, int]:
    problems = []
    by_text = {str(h): h for h in sizes}
    take: dict[Hashable, int] = {}
    named = set()
    for key, value in allocation.items():
        level = key if key in sizes else by_text.get(str(key))
        if level is None:
            problems.append(Problem(where, f"The allocation names stratum '{key}', which is not "
                                           f"a stratum{of} in the frame. Expected strata "
                                           f"{list(sizes)}.",
                                    value=str(key)))
            continue
        named.add(level)
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            problems.append(Problem(where, f"The allocation of stratum '{key}' must be a whole "
                                           f"number of at least 1. Got {value!r} instead.",
                                    value=str(key)))
        else:
            take[level] = int(value)
    missing = [h for h in sizes if h not in named]
    if missing:
        problems.append(Problem(where, f"The allocation gives no sample size for strata "
                                       f"{missing}{of}. Every stratum needs at least one unit."))
    if not problems and sum(take.values()) != n:
        problems.append(Problem(where, f"The allocation sums to {sum(take.values())} units but n "
                                       f"is {n}. Make them agree."))
    if problems:
        raise SamplingError(problems)
    return {h: take[h] for h in sizes}


def _largest_remainder(quota: Mapping[Hashable, float], n: int,
                       sizes: Mapping[Hashable, int]) -> dict[Hashable, int]:
    take = {h: math.floor(q) for h, q in quota.items()}
    left = n - sum(take.values())
    # Ties (equal fractional parts) go to the larger stratum, then to the earlier one.
    order = sorted(quota, key=lambda h: (-(quota[h] - take[h]), -sizes[h]))
    for h in order[:left]:
        take[h] += 1
    return take


def _at_least_one(take: dict[Hashable, int], quota: Mapping[Hashable, float]) -> None:
    for h in [h for h, v in take.items() if v == 0]:
        # Take the unit from the stratum most above its exact share (it has >= 2 units, since
        # n >= H and some stratum has none).
        donor = max((d for d, v in take.items() if v >= 2),
                    key=lambda d: (take[d] - quota[d], take[d]))
        take[donor] -= 1
        take[h] = 1


# --------------------------------------------------------------------------- weighting


def rake(frame: pd.DataFrame, margins: Mapping[str, Mapping[Hashable, float]], *,
         base_weights: Sequence[float] | np.ndarray | None = None, total: float | None = None,
         tol: float = 1e-10, max_iter: int = 1000, source: str = "<sample>") -> np.ndarray:
    """Rake (iterative proportional fitting) weights to population margins.

    ``margins`` maps a column of ``frame`` to its target shares {level: share}; each variable's
    shares must sum to 1 and cover every level present in the data, and every level with a
    positive share must have respondents. Raking starts from ``base_weights`` (default 1 each,
    e.g. the design weights of :func:`draw_sample`) and keeps their sum unless ``total`` (e.g.
    the population size) is given. Uses svy's raking (Deming & Stephan 1940); the achieved
    margins are then checked against the targets to :data:`MARGIN_TOLERANCE`.

    Returns the weights, one per row of ``frame``. Raises :class:`WeightingError`.
    """
    if not margins:
        raise WeightingError(Problem(source, "No margins to rake to. Give at least one column "
                                             "with its target shares."))
    base = _base_weights(frame, base_weights, source)
    levels, targets = {}, {}
    problems: list[Problem] = []
    for column, shares in margins.items():
        try:
            levels[column], targets[column] = _margin(frame, column, shares, source)
        except WeightingError as exc:
            problems.extend(exc.problems)
    if problems:
        raise WeightingError(problems)

    import polars as pl
    import svy

    data = pl.DataFrame({f"m{i}": levels[c] for i, c in enumerate(margins)} | {"w": base})
    shares = {f"m{i}": targets[c] for i, c in enumerate(margins)}
    sample = svy.Sample(data, svy.Design(wgt="w"))
    try:
        weights = sample.weighting.rake(shares=shares, tol=tol, max_iter=max_iter
                                        ).data["rk_wgt"].to_numpy().astype(float)
    except svy.SvyError as exc:
        raise WeightingError(Problem(source, f"Raking to the margins of {list(margins)} failed: "
                                             f"{_svy_message(exc)}. The margins may be "
                                             "inconsistent with the sample (an empty "
                                             "combination); merge levels or drop a margin.")
                             ) from exc
    weights = _scaled(weights, total)
    _check_achieved(weights, levels, targets, source)
    return weights


def poststratify(frame: pd.DataFrame, column: str, shares: Mapping[Hashable, float],
                 base_weights: Sequence[float] | np.ndarray | None = None, *,
                 total: float | None = None, source: str = "<sample>") -> np.ndarray:
    """Post-stratify weights to the population shares of one column's cells.

    In cell h every weight is multiplied by share_h * T / B_h, where B_h is the cell's sum of
    base weights and T the total (``total``, default the sum of ``base_weights``); with unit base
    weights and T = N this is the textbook weight N_h / n_h. Same checks as :func:`rake`.
    """
    base = _base_weights(frame, base_weights, source)
    levels, targets = _margin(frame, column, shares, source)

    import polars as pl
    import svy

    sample = svy.Sample(pl.DataFrame({"cell": levels, "w": base}), svy.Design(wgt="w"))
    try:
        weights = sample.weighting.poststratify(shares=targets, cells="cell"
                                                ).data["ps_wgt"].to_numpy().astype(float)
    except svy.SvyError as exc:
        raise WeightingError(Problem(source, f"column '{column}': post-stratification failed: "
                                             f"{_svy_message(exc)}.")) from exc
    weights = _scaled(weights, total)
    _check_achieved(weights, {column: levels}, {column: targets}, source)
    return weights


def _base_weights(frame: pd.DataFrame, base_weights, source: str) -> np.ndarray:
    if len(frame) == 0:
        raise WeightingError(Problem(source, "The sample has no respondents to weight."))
    if base_weights is None:
        return np.ones(len(frame))
    base = np.asarray(base_weights, dtype=float)
    if base.shape != (len(frame),):
        raise WeightingError(Problem(source, f"base_weights must have one value per row "
                                             f"({len(frame)}). Got shape {base.shape} instead."))
    bad = ~np.isfinite(base) | (base <= 0)
    if bad.any():
        raise WeightingError(Problem(source, f"Weights must be positive numbers; "
                                             f"{int(bad.sum())} are not. Got "
                                             f"{base[bad][0]!r} instead (row {_row(bad)})."))
    return base


def _margin(frame: pd.DataFrame, column: str, shares: Mapping[Hashable, float], source: str
            ) -> tuple[list[str], dict[str, float]]:
    """The column's levels as text, and validated targets keyed by the same text."""
    where = f"{source}: column '{column}'"
    if column not in frame.columns:
        raise WeightingError(Problem(source, f"Margin column '{column}' is not in the sample. "
                                             f"Expected one of {[str(c) for c in frame.columns]}."))
    if not isinstance(shares, Mapping) or not shares:
        raise WeightingError(Problem(where, f"the targets must be a non-empty mapping "
                                            f"{{level: share}}. Got {shares!r} instead."))
    problems = []
    targets: dict[str, float] = {}
    for key, value in shares.items():
        text = _level_text(key)
        try:
            share = float(value)
        except (TypeError, ValueError):
            share = math.nan
        if text is None or text in targets:
            problems.append(Problem(where, f"target level {key!r} is missing or repeated. Give "
                                           "each level once."))
        elif not math.isfinite(share) or share < 0:
            problems.append(Problem(where, f"the target share of level '{key}' must be a number "
                                           f"between 0 and 1. Got {value!r} instead."))
        else:
            targets[text] = share
    if problems:
        raise WeightingError(problems)
    total = sum(targets.values())
    if abs(total - 1) > SHARE_SUM_TOLERANCE:
        raise WeightingError(Problem(where, f"the target shares must sum to 1. Got "
                                            f"{total:.6g} instead."))
    levels = [_level_text(v) for v in frame[column].tolist()]
    blank = np.array([v is None for v in levels])
    if blank.any():
        raise WeightingError(Problem(where, f"{int(blank.sum())} respondents have no value "
                                            f"(first at row {_row(blank)}); raking needs every "
                                            "respondent's level. Impute them or weight them "
                                            "separately."))
    counts = pd.Series(levels).value_counts()
    for level, count in counts.items():
        if level not in targets:
            problems.append(Problem(where, f"level '{level}' has {count} respondents but no "
                                           "target share. Add it to the targets or recode it.",
                                    column=column, value=level))
    for level, share in targets.items():
        if share > 0 and level not in counts:
            problems.append(Problem(where, f"target level '{level}' (share {share:g}) has no "
                                           "respondents, so no weighting can reach it. Merge it "
                                           "with a neighbouring level or collect more interviews.",
                                    column=column, value=level))
    if problems:
        raise WeightingError(problems)
    return levels, targets


def _level_text(value: object) -> str | None:
    """A level as text, so that 1, 1.0 and '1' (CSV, Excel, YAML) name the same level."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _scaled(weights: np.ndarray, total: float | None) -> np.ndarray:
    if total is None:
        return weights
    if not (isinstance(total, (int, float)) and math.isfinite(total) and total > 0):
        raise WeightingError(f"The weight total must be a positive number. Got {total!r} "
                             "instead.")
    return weights * (total / weights.sum())


def _check_achieved(weights: np.ndarray, levels: Mapping[str, list[str]],
                    targets: Mapping[str, Mapping[str, float]], source: str) -> None:
    # Never trust a weighting routine's own word: weightipy returned wrong margins without a
    # warning when a target cell was empty (ECOSYSTEM.md). Recompute every share.
    problems = []
    if not np.all(np.isfinite(weights)) or weights.sum() <= 0:
        raise WeightingError(Problem(source, "Weighting produced weights that are not finite "
                                             "positive numbers."))
    for column, target in targets.items():
        achieved = pd.Series(weights).groupby(np.asarray(levels[column])).sum() / weights.sum()
        for level, share in target.items():
            got = float(achieved.get(level, 0.0))
            if abs(got - share) > MARGIN_TOLERANCE:
                problems.append(Problem(f"{source}: column '{column}'",
                                        f"level '{level}' was weighted to a share of {got:.6f}, "
                                        f"not its target {share:.6f}. The weights are not "
                                        "usable.", column=column, value=level))
    if problems:
        raise WeightingError(problems)


def _row(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0]) + 2


def _svy_message(exc: Exception) -> str:
    # svy's messages are multi-line boxes; keep the headline and the detail on one line.
    lines = [ln.strip(" ❌") for ln in str(exc).splitlines() if ln.strip()]
    return " ".join(lines[:2]).rstrip(".") if lines else type(exc).__name__


# --------------------------------------------------------------------------- precision


#: Why a margin of error is not reported for a non-probability sample.
NO_MOE = ("Not a probability sample: no margin of sampling error is reported (AAPOR Code of "
          "Professional Ethics and Practices).")


@dataclass(frozen=True)
class IndexPrecision:
    """The precision of one 0-100 index under the sampling design (see
    :func:`index_precision`). ``confidence`` is 1 - the significance level of
    survey.assess.Criteria; the margin of error is its two-sided normal quantile x se, only for a
    probability sample."""

    estimate: float
    se: float
    n: int
    population: float | None
    probability: bool
    deff: float | None
    deff_kish: float
    stratified: bool
    available: ClassVar[bool] = True

    @property
    def confidence(self) -> float:
        return round(1 - CRITERIA.alpha, 12)

    @property
    def moe(self) -> float | None:
        z = NormalDist().inv_cdf(1 - CRITERIA.alpha / 2)
        return z * self.se if self.probability else None

    @property
    def moe_note(self) -> str | None:
        """Why there is no margin of error (None when there is one)."""
        return None if self.probability else NO_MOE

    @property
    def n_effective(self) -> float | None:
        return self.n / self.deff if self.deff else None

    @property
    def n_effective_kish(self) -> float:
        return self.n / self.deff_kish

    @property
    def variance_method(self) -> str:
        """'taylor' or 'taylor_stratified' (svy's Taylor linearisation of the weighted mean)."""
        return "taylor_stratified" if self.stratified else "taylor"

    def to_json(self) -> dict[str, object]:
        return {"estimate": self.estimate, "se": self.se, "n": self.n,
                "population": self.population, "moe": self.moe,
                "moe_note": self.moe_note,
                "confidence": self.confidence, "deff": self.deff,
                "n_effective": self.n_effective, "deff_kish": self.deff_kish,
                "n_effective_kish": self.n_effective_kish, "probability": self.probability,
                "variance_method": ("Taylor linearisation of the weighted mean"
                                    + (", stratified" if self.stratified else "") + " (svy)")}




def index_precision(scores: Sequence[float] | np.ndarray, *,
                    weights: Sequence[float] | np.ndarray | None = None,
                    strata: Sequence[Hashable] | np.ndarray | None = None,
                    fpc: float | Sequence[float] | np.ndarray | None = None,
                    probability: bool, source: str = "<sample>") -> IndexPrecision:
    """Precision of a 0-100 index estimated as the (weighted) mean of respondent scores.

    ``weights`` are the final weights (design or raked; default equal), ``strata`` each
    respondent's stratum, ``fpc`` the population size of the respondent's stratum (or of the
    population; the ``fpc`` column of :func:`draw_sample`), which applies the finite-population
    correction. ``probability`` says whether the sample is a probability sample.

    The standard error is the Taylor linearisation of the ratio mean sum(w y) / sum(w) for a
    stratified single-stage design, computed by svy (for design weights N_h/n_h it equals
    Cochran 1977 eq. 5.6). Returns an :class:`IndexPrecision` (its ``to_json()``):

    - ``estimate``, ``se``, ``n``;
    - ``moe``: the 95 % margin of error z_0.975 * se, only for a probability sample; otherwise
      None and ``moe_note`` says why (AAPOR Code: no margin of sampling error for non-probability
      samples);
    - ``deff``: design variance / variance of an SRS of the same n, (1 - n/N) S^2 / n with
      S^2 = n/(n-1) sum w (y - ybar)^2 / sum w; N from ``fpc`` (without ``fpc``, 1 - n/N is
      dropped: an SRS with replacement). None for a census or constant scores;
      ``n_effective`` = n / deff;
    - ``deff_kish``: Kish's weighting effect 1 + CV^2(w) = n sum(w^2) / sum(w)^2;
      ``n_effective_kish`` = n / deff_kish.
    """
    y = np.asarray(scores, dtype=float)
    n = y.size
    if y.ndim != 1 or n < 2:
        raise WeightingError(Problem(source, f"An index precision needs at least 2 respondent "
                                             f"scores. Got {n} instead."))
    if not np.all(np.isfinite(y)):
        raise WeightingError(Problem(source, f"{int((~np.isfinite(y)).sum())} scores are missing "
                                             f"(first at row {_row(~np.isfinite(y))}). Drop those "
                                             "respondents or impute their scores first."))
    out_of_range = (y < -1e-9) | (y > 100 + 1e-9)  # a weighted sum of 100s may be 100 + 1 ulp
    if out_of_range.any():
        raise WeightingError(Problem(source, f"Scores must be 0-100 index values; "
                                             f"{int(out_of_range.sum())} are not. Got "
                                             f"{y[out_of_range][0]:g} instead (row "
                                             f"{_row(out_of_range)})."))
    y = np.clip(y, 0.0, 100.0)
    w = np.ones(n) if weights is None else _base_weights(pd.DataFrame(index=range(n)), weights,
                                                          source)
    codes = np.zeros(n, dtype=np.int64)
    if strata is not None:
        labels = pd.Series(np.asarray(strata, dtype=object))
        if len(labels) != n:
            raise WeightingError(Problem(source, f"strata must have one value per score ({n}). "
                                                 f"Got {len(labels)} instead."))
        if labels.isna().any():
            raise WeightingError(Problem(source, f"{int(labels.isna().sum())} respondents have "
                                                 "no stratum. Give every respondent a stratum."))
        codes = pd.factorize(labels, sort=False)[0].astype(np.int64)
    pop = _population_sizes(fpc, codes, n, source)

    estimate, se, deff_wr = _linearised_mean(y, w, codes, pop, source)
    # svy's 'wr' reference is an SRS with replacement (s^2 / n); the SRS without replacement
    # from the known N has (1 - n/N) s^2 / n. ('wor' in svy would take N from the weights' sum,
    # which raking or normalising makes meaningless.)
    population = None if pop is None else float(sum(np.unique(np.c_[codes, pop], axis=0)[:, 1]))
    if not math.isfinite(deff_wr) or (population is not None and n >= population):
        deff: float | None = None  # constant scores or a census: no design effect
    elif population is None:
        deff = deff_wr
    else:
        deff = deff_wr / (1 - n / population)
    deff_kish = float(n * np.sum(w ** 2) / np.sum(w) ** 2)
    return IndexPrecision(estimate, se, n, population, bool(probability), deff, deff_kish,
                          strata is not None)


def _linearised_mean(y: np.ndarray, w: np.ndarray, codes: np.ndarray, pop: np.ndarray | None,
                     source: str) -> tuple[float, float, float]:
    """The weighted mean sum(w y) / sum(w), its Taylor-linearised standard error for a
    stratified single-stage design with replacement (each respondent its own PSU; stratum h
    contributes (1 - f_h) n_h / (n_h - 1) sum_i (z_i - zbar_h)^2 with z_i = w_i (y_i - ybar) /
    sum(w), f_h = n_h / N_h when population sizes are given; Wolter 2007, 6.5; Cochran 1977,
    eq. 5.6 for design weights N_h / n_h), and the design effect against an SRS with
    replacement of the same n, v / (S^2 / n) with S^2 = n / (n - 1) sum w (y - ybar)^2 / sum w.

    This is what svy's ``estimation.mean(deff='wr')`` computes (tests/unit/test_sampling.py
    compares them on random designs); written out because each call through svy took ~60 ms
    and its import (with polars) ~0.4 s, on every estimate, for seven numbers."""
    total = w.sum()
    estimate = float(w @ y / total)
    z = w * (y - estimate) / total
    variance = 0.0
    for h in np.unique(codes):
        in_h = codes == h
        n_h = int(in_h.sum())
        if n_h < 2:
            raise WeightingError(Problem(source, "The standard error cannot be computed: a "
                                                 "stratum has a single respondent. Every "
                                                 "stratum needs at least 2 respondents."))
        z_h = z[in_h]
        share = 1.0 if pop is None else 1.0 - n_h / float(pop[in_h][0])
        variance += share * n_h / (n_h - 1) * float(np.sum((z_h - z_h.mean()) ** 2))
    n = y.size
    s2 = n / (n - 1) * float(w @ (y - estimate) ** 2) / total
    with np.errstate(invalid="ignore", divide="ignore"):
        deff = variance / (s2 / n) if s2 > 0 else math.nan
    return estimate, math.sqrt(variance), float(deff)


def _population_sizes(fpc, codes: np.ndarray, n: int, source: str) -> np.ndarray | None:
    if fpc is None:
        return None
    pop = np.broadcast_to(np.asarray(fpc, dtype=float), (n,)).copy() if np.ndim(fpc) == 0 \
        else np.asarray(fpc, dtype=float)
    if pop.shape != (n,) or not np.all(np.isfinite(pop)) or np.any(pop <= 0):
        raise WeightingError(Problem(source, f"fpc must be one positive population size per "
                                             f"score ({n}) or a single number. Got {fpc!r} "
                                             "instead."))
    problems = []
    for h in np.unique(codes):
        in_h = codes == h
        sizes = np.unique(pop[in_h])
        if sizes.size > 1:
            problems.append(Problem(source, f"fpc differs within a stratum ({sizes.tolist()}); it "
                                            "must be the population size of the stratum."))
        elif in_h.sum() > sizes[0]:
            problems.append(Problem(source, f"A stratum has {int(in_h.sum())} respondents but a "
                                            f"population size (fpc) of {sizes[0]:g}. Got fpc "
                                            "smaller than the sample instead."))
    if problems:
        raise WeightingError(problems)
    return pop


def load_margins(path: str | Path) -> dict[str, dict[Hashable, float]]:
    """Population margins from YAML, ``{column: {level: share}}``, e.g.::

        gender: {1: 0.51, 2: 0.49}
        age_band: {"18-34": 0.32, "35-54": 0.41, "55+": 0.27}

    Loaded safely (YAML 1.2, duplicate keys rejected); the shares are validated when raking.
    """
    from survey.yamlsource import load_yaml

    doc = load_yaml(path, WeightingError)
    data = doc.data
    problems = []
    if not isinstance(data, dict) or not data:
        raise WeightingError(Problem(str(path), "Expected a mapping of column names to "
                                                "{level: share} mappings."))
    for column, shares in data.items():
        if not isinstance(shares, dict) or not shares or not all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in shares.values()):
            problems.append(Problem(doc.where([column]), f"Expected {{level: share}} with "
                                                         f"numeric shares for '{column}'. "
                                                         f"Got {shares!r} instead."))
    if problems:
        raise WeightingError(problems)
    return {str(c): dict(s) for c, s in data.items()}
