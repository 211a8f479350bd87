"""Re-estimation of a tracking study: every cell (wave x brand x segment level) on Dask, then
wave over wave for each brand (or other ``by`` combination).

:func:`track` takes the responses of every wave in one frame (``wave`` and the ``by`` columns
as text, items as floats with NaN for missing: what ``survey.store.Study.responses`` returns)
and gives a :class:`Tracking`: the cells' indices and paths with their bootstrap intervals,
the failed cells with their errors, the changes between consecutive waves with their
intervals, permutation p-values and measurement invariance (MICOM), and the improvement
check. Its ``tables()`` are what the study store keeps for the run (tables, not pickles).
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from survey.analysis.nps import Nps, NpsDifference, nps_difference
from survey.analysis.waves import (
    CHANGE_RULE,
    Change,
    ImprovementCheck,
    consecutive_pairs,
    wave_changes,
)
from survey.analysis.waves import improvement_check as check_improvement
from survey.batch import Cell, CellOutcome, cell_seed, executor, run_cells, use_dask
from survey.errors import EstimationError, Problem, SurveyError
from survey.estimators import check_pls_model
from survey.estimators.bootstrap import BootstrapResult, BootstrapSettings
from survey.estimators.result import Estimate
from survey.estimators.sample_size import minimum_n
from survey.pathmodel import BoundModel
from survey.quality import RULES

#: Bootstrapped kinds a cell keeps for the wave comparisons (the rest is dropped before the
#: result leaves the worker: 1000 resamples x every loading and weight would be megabytes).
KEPT = ("index", "path")


@dataclass(frozen=True)
class CellSpec:
    """What every cell task needs besides its rows (picklable: sent to the workers)."""

    bound: BoundModel
    method: str
    missing: str | None
    scheme: str
    hoc: str
    weights: str | None
    resamples: int
    seed: int
    interval: str
    permutations: int
    inadmissible: str = "keep"


@dataclass(frozen=True)
class CellResult:
    """One cell's estimate (bootstrap kept for indices and paths), its IPMA rows and its NPS
    (None without a 0-10 recommend question)."""

    key: dict[str, str]
    n: int
    estimate: Estimate
    ipma: tuple[dict[str, Any], ...] = ()
    nps: Nps | None = None


def _slim(boot: BootstrapResult | None) -> BootstrapResult | None:
    if boot is None:
        return None
    keep = [j for j, label in enumerate(boot.labels) if label[0] in KEPT]
    return replace(boot, labels=tuple(boot.labels[j] for j in keep),
                   estimate=boot.estimate[keep], draws=boot.draws[:, keep],
                   jackknife=None if boot.jackknife is None else boot.jackknife[:, keep])


def estimate_cell(rows: pd.DataFrame, cell: Cell, spec: CellSpec) -> CellResult:
    """A Dask task: estimate the model on one cell's rows (module level: importable)."""
    from survey.analysis.drivers import ipma
    from survey.analysis.scores import construct_scores
    from survey.errors import EstimationError
    from survey.estimators import estimate_model

    floor = minimum_n(spec.bound, spec.method)
    if len(rows) < floor:
        raise EstimationError(f"cell {cell.label}: {len(rows)} respondents, fewer than the "
                              f"{floor} this model needs; not estimated.")
    boot = (BootstrapSettings(spec.resamples, seed=cell_seed(spec.seed, cell.key),
                              inadmissible=spec.inadmissible)
            if spec.resamples else None)
    est = estimate_model(spec.method, spec.bound, rows, missing=spec.missing,
                         scheme=spec.scheme, hoc=spec.hoc, weights=spec.weights,
                         bootstrap=boot, interval=spec.interval, source=f"cell {cell.label}")
    rows_ipma = ()
    if spec.method == "pls":
        points, _ = ipma(spec.bound, construct_scores(spec.bound, est, rows,
                                                      weights=spec.weights))
        rows_ipma = tuple(p.to_json() for p in points)
    est = replace(est, bootstrap=_slim(est.bootstrap))
    return CellResult(cell.as_dict(), est.n, est, rows_ipma, _cell_nps(rows, cell, spec))


def _cell_nps(rows: pd.DataFrame, cell: Cell, spec: CellSpec) -> Nps | None:
    """The cell's NPS (survey.analysis.nps) over its accepted respondents, case-weighted."""
    from survey.analysis.nps import nps
    from survey.estimators import case_weights

    result = nps(spec.bound, rows, case_weights(rows, spec.weights, f"cell {cell.label}"))
    return result.overall if result.available else None


def compare_cell(rows: pd.DataFrame, cell: Cell, spec: CellSpec):
    """A Dask task: the permutation comparison (with MICOM) of two waves of one brand."""
    from survey.analysis.segments import compare_levels

    key = cell.as_dict()
    return compare_levels(spec.bound, rows, "wave", key["wave_from"], key["wave_to"],
                          method=spec.method, missing=spec.missing, scheme=spec.scheme,
                          hoc=spec.hoc, weights=spec.weights, permutations=spec.permutations,
                          seed=cell_seed(spec.seed, cell.key), source=f"cell {cell.label}")


@dataclass(frozen=True)
class WaveStep:
    """Two consecutive waves of one ``by`` combination."""

    group: dict[str, str]
    wave_from: str
    wave_to: str
    changes: tuple[Change, ...]
    improvement: tuple[ImprovementCheck, ...]
    micom: dict[str, Any] | None
    note: str = ""
    #: The NPS of the later wave minus the earlier one's, with its z test (None without an
    #: NPS in both waves).
    nps: NpsDifference | None = None


@dataclass(frozen=True)
class CellExclusion:
    """What ``--exclude-flagged`` did to one estimated cell (a wave x ``by`` levels).

    ``rules``: the quality rules applied (survey.quality.RULES order); ``checked``: the cell's
    accepted respondents; ``flagged``: per rule that could be judged in every file of the
    cell, the respondents it flagged (applied or not); ``excluded_by``: per applied rule, the
    respondents it excluded (a respondent flagged by two applied rules counts under both);
    ``excluded``: respondents flagged by any applied rule. ``index_with`` is the cell's
    target index as reported (its bootstrap interval ``ci_low``-``ci_high``);
    ``index_without`` the same method's estimate, without bootstrap, on every accepted
    respondent of the cell: None when that index is invalid (``note`` 'invalid': a negative
    rescaled weight) or its estimate failed (``note`` 'failed', ``error`` the message)."""

    key: dict[str, str]
    rules: tuple[str, ...]
    checked: int
    flagged: dict[str, int]
    excluded_by: dict[str, int]
    excluded: int
    target: str | None
    index_with: float | None
    index_without: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    note: str = ""
    error: str = ""

    @property
    def used(self) -> int:
        """Respondents left to estimate the cell on."""
        return self.checked - self.excluded

    @property
    def difference(self) -> float | None:
        """Index with the exclusion minus without it (signed: which way it moved)."""
        if self.index_with is None or self.index_without is None:
            return None
        return self.index_with - self.index_without

    @property
    def half_width(self) -> float | None:
        """Half the width of the reported index's interval (None without bootstrap)."""
        if self.ci_low is None or self.ci_high is None:
            return None
        return (self.ci_high - self.ci_low) / 2

    @property
    def moved(self) -> bool | None:
        """Whether the exclusion moved the target index by more than the half-width of its
        interval: the exclusion then changes the reading of the wave as much as sampling
        error does, and a reader must know (None when either is undefined). Our rule: the
        interval is the yardstick the report already shows beside the index."""
        diff, half = self.difference, self.half_width
        if diff is None or half is None:
            return None
        return abs(diff) > half

    def row(self) -> dict[str, Any]:
        """The cell's row of the run's ``quality`` table (:data:`QUALITY_COLUMNS`): the
        counts per rule as columns (``flagged_speeder``, ``excluded_speeder``, ...; None for
        a rule that could not be judged or was not applied)."""
        return {"rules": ",".join(self.rules), "checked": self.checked,
                **{f"flagged_{r}": self.flagged.get(r) for r in RULES},
                **{f"excluded_{r}": self.excluded_by.get(r) for r in RULES},
                "excluded": self.excluded, "used": self.used, "target": self.target,
                "index_with": self.index_with, "index_without": self.index_without,
                "difference": self.difference, "ci_low": self.ci_low, "ci_high": self.ci_high,
                "half_width": self.half_width, "moved": self.moved, "note": self.note,
                "error": self.error}

    def to_json(self) -> dict[str, Any]:
        return {"cell": dict(self.key), "rules": list(self.rules), "checked": self.checked,
                "flagged": dict(self.flagged), "excluded_by": dict(self.excluded_by),
                "excluded": self.excluded, "used": self.used, "target": self.target,
                "index_with": self.index_with, "index_without": self.index_without,
                "difference": self.difference, "ci_low": self.ci_low,
                "ci_high": self.ci_high, "half_width": self.half_width, "moved": self.moved,
                "note": self.note, "error": self.error}


@dataclass(frozen=True)
class Tracking:
    """A tracking run: cells, failures, wave steps, and the settings behind them."""

    by: tuple[str, ...]
    waves: tuple[str, ...]
    cells: tuple[CellResult, ...]
    failed: tuple[CellOutcome, ...]
    steps: tuple[WaveStep, ...]
    settings: dict[str, Any] = field(default_factory=dict)
    #: What ``--exclude-flagged`` did to each estimated cell (empty when no rule was applied).
    quality: tuple[CellExclusion, ...] = ()

    def tables(self) -> dict[str, pd.DataFrame]:
        """The run as tidy tables: cells (failures included), indices, paths, changes,
        improvement. Each has its columns even without rows (a first wave with no driver to
        improve first checks nothing), so the store keeps every table of every run."""
        keys = ("wave", *self.by)
        cells, indices, paths = [], [], []
        for c in self.cells:
            base = {k: c.key.get(k) for k in keys}
            e = c.estimate
            cells.append({**base, "status": "ok", "n": c.n, "method": e.method,
                          "admissible": e.admissible, "error": None})
            for i in e.indices:
                indices.append({**base, "latent": i.latent, "index": i.value, "se": i.se,
                                "ci_low": i.ci_low, "ci_high": i.ci_high, "valid": i.valid,
                                "n": c.n})
            for p in e.paths:
                paths.append({**base, "source": p.source, "target": p.target,
                              "estimate": p.estimate, "ci_low": p.ci_low, "ci_high": p.ci_high,
                              "p_value": p.p_value})
        for f in self.failed:
            cells.append({**{k: f.cell.as_dict().get(k) for k in keys}, "status": "failed",
                          "n": None, "method": self.settings.get("method"), "admissible": None,
                          "error": f.error})
        changes, checks = [], []
        for s in self.steps:
            base = {**s.group, "wave_from": s.wave_from, "wave_to": s.wave_to}
            changes += [{**base, **c.to_json()} for c in s.changes]
            checks += [{**base, **c.to_json()} for c in s.improvement]
        cell_keys = dict.fromkeys(keys, "str")
        step_keys = {**dict.fromkeys(self.by, "str"), "wave_from": "str", "wave_to": "str"}
        out = {"cells": _table(cells, {**cell_keys, **CELL_COLUMNS}),
               "indices": _table(indices, {**cell_keys, **INDEX_COLUMNS}),
               "paths": _table(paths, {**cell_keys, **PATH_COLUMNS}),
               "changes": _table(changes, {**step_keys, **_columns(Change)}),
               "improvement": _table(checks, {**step_keys, **_columns(ImprovementCheck)})}
        if self.quality:  # only with --exclude-flagged, as the manifest's exclude_flagged
            out["quality"] = _table([{**{k: x.key.get(k) for k in keys}, **x.row()}
                                     for x in self.quality],
                                    {**cell_keys, **QUALITY_COLUMNS})
        return out

    def to_json(self) -> dict[str, Any]:
        return {"by": list(self.by), "waves": list(self.waves), "settings": self.settings,
                **{name: _records(t) for name, t in self.tables().items()},
                "steps": [{"group": s.group, "wave_from": s.wave_from, "wave_to": s.wave_to,
                           "micom": s.micom, "note": s.note,
                           "nps": None if s.nps is None else s.nps.to_json()}
                          for s in self.steps],
                "cell_nps": [{"cell": c.key, **c.nps.to_json()} for c in self.cells
                             if c.nps is not None],
                "failures": [{"cell": f.cell.as_dict(), "error": f.error} for f in self.failed],
                "cell_warnings": [{"cell": c.key, "warnings": list(c.estimate.warnings),
                                   "warning_codes": [n.to_json() for n in c.estimate.notices]}
                                  for c in self.cells if c.estimate.notices],
                # Only when rules were applied, as the manifest's exclude_flagged.
                **({"quality": [x.to_json() for x in self.quality]} if self.quality else {})}


@dataclass(frozen=True)
class TrackingRun:
    """A finished ``survey run``, saved beside its report (tracking.result.gz) so that
    ``survey report STUDY`` renders it again: the Tracking, the model it was estimated with and
    the run's manifest."""

    run_id: str
    tracking: Tracking
    bound: BoundModel
    manifest: dict[str, Any] = field(default_factory=dict)


#: Columns (and their dtypes when a table has no rows) of the run tables, after the cell's
#: key columns (wave and the ``by`` columns).
CELL_COLUMNS = {"status": "str", "n": "Int64", "method": "str", "admissible": "boolean",
                "error": "str"}
INDEX_COLUMNS = {"latent": "str", "index": "float64", "se": "float64", "ci_low": "float64",
                 "ci_high": "float64", "valid": "boolean", "n": "Int64"}
PATH_COLUMNS = {"source": "str", "target": "str", "estimate": "float64", "ci_low": "float64",
                "ci_high": "float64", "p_value": "float64"}
#: The run's ``quality`` table (CellExclusion.row), kept only when rules were applied.
QUALITY_COLUMNS = {"rules": "str", "checked": "Int64",
                   **{f"flagged_{r}": "Int64" for r in RULES},
                   **{f"excluded_{r}": "Int64" for r in RULES},
                   "excluded": "Int64", "used": "Int64", "target": "str",
                   "index_with": "float64", "index_without": "float64",
                   "difference": "float64", "ci_low": "float64", "ci_high": "float64",
                   "half_width": "float64", "moved": "boolean", "note": "str", "error": "str"}


def _columns(result: type) -> dict[str, str]:
    """The columns of a result dataclass's rows (its ``to_json``: the fields, then what it
    ``derived`` from them) and their dtypes (annotations are text here: ``from __future__
    import annotations``)."""
    kinds = {"str": "str", "float": "float64", "bool": "boolean", "int": "Int64"}
    return {**{f.name: kinds[str(f.type).split(" | ")[0]] for f in fields(result)},
            **getattr(result, "derived", {})}


def _table(rows: list[dict[str, Any]], columns: dict[str, str]) -> pd.DataFrame:
    """Rows as a frame with these columns; without rows, the columns with their dtypes."""
    if rows:
        return pd.DataFrame(rows, columns=list(columns))
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict(orient="records"):
        out.append({k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                    for k, v in row.items()})
    return out


def track(bound: BoundModel, data: pd.DataFrame, *, waves: Sequence[str],
          by: Sequence[str] = ("brand",), method: str = "pls", missing: str | None = None,
          scheme: str = "path", hoc: str = "repeated", weights: str | None = None,
          bootstrap: int = 1000, seed: int = 2026, interval: str = "percentile",
          permutations: int = 1000, scheduler: str | None = None, workers: int | None = None,
          inadmissible: str = "keep",
          progress: Callable[[str], Callable[[int, int], None]] | None = None) -> Tracking:
    """Estimate every cell wave x ``by`` levels and compare consecutive waves: in this process
    or on Dask, decided once for the run (survey.batch.use_dask: a scheduler, workers > 0, or
    by default a run of enough cells to pay for a local cluster).

    ``waves`` in chronological order (only these are used); ``by`` columns split each wave
    (e.g. brand; a segment column); a cell with too few respondents or whose estimation
    fails is reported, the others go on. ``workers=0`` runs without Dask. ``inadmissible``:
    keep (lavaan's convention) or drop bootstrap resamples with an inadmissible solution.
    """
    frame = data[data["wave"].astype(str).isin([str(w) for w in waves])].copy()
    frame["wave"] = frame["wave"].astype(str)
    for column in by:
        if column not in frame.columns:
            raise SurveyError(f"Column '{column}' to split the cells by is not in the study's "
                              f"responses. Expected one of the responses' columns.")
        frame[column] = frame[column].astype("string")
    if method == "pls":
        check_pls_model(bound)  # before any cell, not once per cell
    spec = CellSpec(bound, method, missing, scheme, hoc, weights, bootstrap, seed, interval,
                    permutations, inadmissible)
    groups = _groups(frame, by)
    cells = []
    for wave in waves:
        for group in groups:
            mask = frame["wave"] == str(wave)
            for k, v in group.items():
                mask &= frame[k] == v
            if mask.any():
                cells.append(Cell((("wave", str(wave)), *group.items()),
                                  rows=frame.index[mask.to_numpy()]))
    if not cells and frame.empty:
        raise EstimationError(f"No accepted respondent in wave(s) {[str(w) for w in waves]}: "
                              "there is nothing to estimate. Check the files' ingest counts "
                              "with 'survey waves'.")
    if not cells:
        raise EstimationError(f"None of the {len(frame)} respondents of wave(s) "
                              f"{[str(w) for w in waves]} has an answer in {list(by)} to be "
                              "split by. Choose other columns to split by (--by).")
    settings = {"method": method, "missing": missing, "scheme": scheme, "higher_order": hoc,
                "weights": weights, "bootstrap": bootstrap, "seed": seed, "interval": interval,
                "inadmissible": inadmissible, "permutations": permutations,
                "scheduler": scheduler or "local", "workers": workers,
                "execution": ("dask" if use_dask(len(cells), scheduler, workers)
                              else "in process"),
                "significance_rule": CHANGE_RULE.to_json(),
                "minimum_n": minimum_n(bound, method)}
    with executor(len(cells), scheduler, workers) as client:
        return _run_steps(spec, frame, cells, groups, waves, by, client, progress, settings)


def _run_steps(spec: CellSpec, frame: pd.DataFrame, cells: list[Cell], groups, waves, by,
               client, progress, settings: dict[str, Any]) -> Tracking:
    """The cells, then the comparisons of consecutive waves, on one executor."""
    bound, permutations = spec.bound, spec.permutations
    bar = progress("cells") if progress else None
    outcomes = run_cells(functools.partial(estimate_cell, spec=spec), frame, cells,
                         client=client, progress=bar)
    done = [o.result for o in outcomes if o.ok]
    failed = [o for o in outcomes if not o.ok]
    if not done:
        # A run of failures only would store and report nothing but the failures (and a
        # report whose settings and trends are blanks): say why instead.
        raise EstimationError(f"None of the {len(failed)} cells could be estimated, so "
                              f"there is nothing to store or report. The first: "
                              f"{failed[0].error} Split the waves into fewer cells (--by) "
                              "or collect more respondents.")
    by_key = {tuple(sorted(c.key.items())): c for c in done}

    compare = []
    for group in groups:
        for a, b in consecutive_pairs([str(w) for w in waves]):
            ka = tuple(sorted({"wave": a, **group}.items()))
            kb = tuple(sorted({"wave": b, **group}.items()))
            if ka in by_key and kb in by_key and permutations:
                mask = frame["wave"].isin([a, b])
                for k, v in group.items():
                    mask &= frame[k] == v
                compare.append(Cell((*group.items(), ("wave_from", a), ("wave_to", b)),
                                    rows=frame.index[mask.to_numpy()]))
    bar = progress("wave comparisons") if progress and compare else None
    tests = run_cells(functools.partial(compare_cell, spec=spec), frame, compare,
                      client=client, progress=bar) if compare else []
    test_of = {tuple(sorted(o.cell.as_dict().items())): o for o in tests}

    steps = []
    target = bound.model.target
    for group in groups:
        for a, b in consecutive_pairs([str(w) for w in waves]):
            before = by_key.get(tuple(sorted({"wave": a, **group}.items())))
            after = by_key.get(tuple(sorted({"wave": b, **group}.items())))
            if before is None or after is None:
                continue
            outcome = test_of.get(tuple(sorted({**group, "wave_from": a, "wave_to": b}.items())))
            pair = outcome.result if outcome is not None and outcome.ok else None
            note = "" if pair is not None or not permutations else (
                f"No permutation test: {outcome.error}" if outcome is not None else "")
            if pair is not None and not pair.tests:
                note, pair = pair.note, None
            changes = wave_changes(before.estimate, after.estimate, pair, rule=CHANGE_RULE)
            improvement = check_improvement(before.ipma, changes, target=target)
            micom = None if pair is None or pair.micom is None else pair.micom.to_json()
            change = (nps_difference(before.nps, after.nps, names=(a, b))
                      if before.nps is not None and after.nps is not None else None)
            steps.append(WaveStep(dict(group), a, b, tuple(changes), tuple(improvement), micom,
                                  note, change))
    return Tracking(tuple(by), tuple(str(w) for w in waves), tuple(done), tuple(failed),
                    tuple(steps), settings)


def _groups(frame: pd.DataFrame, by: Sequence[str]) -> list[dict[str, str]]:
    """Every combination of the ``by`` columns' levels present in the data (sorted)."""
    if not by:
        return [{}]
    levels = [sorted(frame[c].dropna().unique().tolist(), key=str) for c in by]
    present = set(map(tuple, frame[list(by)].dropna().astype(str).to_numpy().tolist()))
    return [dict(zip(by, combo, strict=True)) for combo in itertools.product(*levels)
            if tuple(str(x) for x in combo) in present]



def run_study(path: str | Path, *, waves: Sequence[str] | None = None,
              by: Sequence[str] = ("brand",), method: str = "pls", missing: str | None = None,
              scheme: str = "path", hoc: str = "repeated", weights: str | None = None,
              bootstrap: int = 1000, seed: int = 2026, interval: str = "percentile",
              permutations: int = 1000, scheduler: str | None = None,
              workers: int | None = None, run_id: str | None = None,
              inadmissible: str = "keep",
              progress: Callable[[str], Callable[[int, int], None]] | None = None,
              exclude_flagged: Sequence[str] = ()
              ) -> tuple[str, Tracking, dict[str, Any], BoundModel]:
    """Re-estimate a stored study: every cell of the chosen ``waves`` (default: all, in
    ingest order) split by ``by`` (brand and/or segment columns, ``age=30,45,60`` bands a
    numeric column), compare consecutive waves, store the result tables and the run manifest
    in the study. ``exclude_flagged``: response-quality rules (survey.quality.RULES) whose
    flagged respondents each wave leaves out; the flags are stored beside the wave's
    responses and the manifest's ``exclude_flagged`` says per wave and rule how many were
    flagged and excluded; the Tracking's ``quality`` (:class:`CellExclusion`, one per
    estimated cell) adds the counts per cell and the target index with and without the
    exclusion (:func:`exclusion_effects`). Returns (run id, tracking, manifest, bound
    model)."""
    import platform
    import time
    import uuid

    from survey._version import __version__
    from survey.pathmodel import bind
    from survey.quality import check_rules
    from survey.store import Study
    from survey.study import package_versions, segment_columns

    rules = check_rules(exclude_flagged)
    started = time.time()
    study = Study.open(path)
    stored = study.waves()
    if stored.empty:
        raise SurveyError(Problem(str(path), "The study has no waves yet. Add one with "
                                             "'survey ingest'."))
    order = list(dict.fromkeys(stored["wave"].astype(str)))
    if waves:
        unknown = [w for w in waves if w not in order]
        if unknown:
            raise SurveyError(f"{path}: wave(s) {unknown} are not in the study. Expected "
                              f"some of {order}.")
        order = [w for w in waves]
    definitions = study.definitions()
    q, model = study.questionnaire(), study.model()
    bound = bind(model, q)
    data = study.responses(order).reset_index()  # row numbers repeat across files
    # Segment columns first: the cells of every accepted respondent (the index without the
    # exclusion) are then cut exactly as the cells estimated.
    data, columns = segment_columns(data, [b for b in by if b != "brand"], str(path))
    excluded: list[dict[str, Any]] = []
    everyone, marks = data, None
    if rules:
        data, excluded, marks = _exclude_flagged(
            study, stored[stored["wave"].astype(str).isin(order)], data, q, rules)
    # A study without brands (no file ingested with one) has the one brand '': splitting by
    # it (the default) would label every cell and step with an empty brand; it splits nothing.
    branded = "brand" in by and bool(data["brand"].fillna("").astype(str).ne("").any())
    columns = (["brand"] if branded else []) + columns
    tracking = track(bound, data, waves=order, by=columns, method=method, missing=missing,
                     scheme=scheme, hoc=hoc, weights=weights, bootstrap=bootstrap, seed=seed,
                     interval=interval, permutations=permutations, scheduler=scheduler,
                     workers=workers, inadmissible=inadmissible, progress=progress)
    if rules:
        tracking = replace(tracking, quality=exclusion_effects(
            tracking, bound, everyone, marks, rules, method=method, missing=missing,
            scheme=scheme, hoc=hoc, weights=weights))
    run_id = run_id or time.strftime("run-%Y%m%d-%H%M%S-", time.gmtime()) + uuid.uuid4().hex[:6]
    used = stored[stored["wave"].astype(str).isin(order)]
    current = {kind: definitions[definitions["kind"] == kind].sort_values("version").iloc[-1]
               for kind in ("questionnaire", "model")}
    manifest = {
        "run_id": run_id, "csi_survey": __version__, "python": platform.python_version(),
        "study": str(path), "waves": order, "by": columns, "settings": tracking.settings,
        "seed": seed,
        "data": [{"wave": r.wave, "brand": r.brand, "file": r.file_name, "sha256": r.sha256,
                  "accepted": int(r.n_accepted)} for r in used.itertuples(index=False)],
        "questionnaire": {"version": int(current["questionnaire"].version),
                          "sha256": current["questionnaire"].sha256},
        "model": {"version": int(current["model"].version),
                  "sha256": current["model"].sha256},
        "cells": {"ok": len(tracking.cells), "failed": len(tracking.failed)},
        "versions": package_versions(), "seconds": round(time.time() - started, 3),
        # Only when used, as in survey estimate's manifest.
        **({"exclude_flagged": {"rules": list(rules), "waves": excluded}} if rules else {}),
    }
    study.save_run(run_id, manifest, tracking.tables())
    return run_id, tracking, manifest, bound


def _exclude_flagged(study, stored: pd.DataFrame, data: pd.DataFrame, q, rules: Sequence[str]
                     ) -> tuple[pd.DataFrame, list[dict[str, Any]], pd.DataFrame]:
    """``data`` (the study's responses, row numbers as a column) without the respondents
    flagged by ``rules`` in each wave and brand, whose flags are stored beside its responses;
    per wave and brand the counts flagged and excluded; and the flags of every respondent of
    ``data`` (same index), one boolean column per rule (NA where the rule could not be
    applied to the respondent's file)."""
    from survey.quality import check_quality, exclusion_rows

    keep = np.ones(len(data), dtype=bool)
    marks = pd.DataFrame({r: pd.array([pd.NA] * len(data), dtype="boolean") for r in RULES},
                         index=data.index)
    report = []
    for w in stored.itertuples(index=False):
        cell = (data["wave"] == w.wave) & (data["brand"].fillna("") == w.brand)
        frame = data[cell].set_index("row").drop(columns=["wave", "brand"])
        flags = check_quality(frame, q, source=f"{w.file_name} ({w.wave})")
        rows = exclusion_rows(flags, rules, f"{w.file_name} ({w.wave})")
        study.save_quality_flags(w.wave, w.brand, flags)
        keep &= ~(cell & data["row"].isin(rows)).to_numpy()
        for r in flags.rules:
            if r.available:
                hit = flags.flags.loc[flags.flags["rule"] == r.rule, "row"]
                marks.loc[cell, r.rule] = data.loc[cell, "row"].isin(hit).to_numpy()
        report.append({"wave": w.wave, "brand": w.brand, "checked": flags.n,
                       "excluded": len(rows),
                       "flagged": {r.rule: r.flagged for r in flags.rules if r.available},
                       "excluded_by": {r: flags.rule(r).flagged for r in rules}})
    return data[keep].reset_index(drop=True), report, marks


def exclusion_effects(tracking: Tracking, bound: BoundModel, everyone: pd.DataFrame,
                      marks: pd.DataFrame, rules: Sequence[str], *, method: str,
                      missing: str | None, scheme: str, hoc: str, weights: str | None
                      ) -> tuple[CellExclusion, ...]:
    """What excluding the respondents flagged by ``rules`` did to each estimated cell of
    ``tracking``: the counts flagged and excluded among the cell's accepted respondents
    (``everyone``: the study's responses before the exclusion, with the ``by`` columns the
    cells were cut by; ``marks``: their flags, one boolean column per rule, same index), and
    the model's target index with the exclusion (the cell's estimate) and without it (the same
    method, without bootstrap: milliseconds for PLS, on every accepted respondent of the
    cell, as survey.study does for a single study)."""
    from survey.estimators import estimate_model

    target = bound.model.target
    waves = everyone["wave"].astype(str)
    out = []
    for c in tracking.cells:
        mask = waves == str(c.key["wave"])
        for column in tracking.by:  # as track() cuts its cells
            mask &= (everyone[column].astype("string") == c.key[column]).fillna(False)
        mask = mask.to_numpy(dtype=bool)
        cell_marks = marks[mask]
        flagged = {r: int(cell_marks[r].sum()) for r in marks.columns
                   if not cell_marks[r].isna().any()}
        excluded_by = {r: flagged.get(r, 0) for r in rules}
        excluded = int(cell_marks[list(rules)].fillna(False).any(axis=1).sum())
        index = next((i for i in c.estimate.indices if i.latent == target), None)
        with_ = index.value if index is not None and index.valid else None
        without, note, error = None, "", ""
        if index is not None:
            try:
                whole = estimate_model(method, bound, everyone[mask], missing=missing,
                                       scheme=scheme, hoc=hoc, weights=weights,
                                       source=f"cell {c.key} without the exclusion")
                other = next((i for i in whole.indices if i.latent == target), None)
                if other is not None and other.valid:
                    without = other.value
                else:
                    note = "invalid"
            except SurveyError as exc:
                # The comparison is not the result: a failure leaves "without" empty, said.
                note, error = "failed", str(exc)
        out.append(CellExclusion(
            dict(c.key), tuple(rules), int(mask.sum()), flagged, excluded_by, excluded,
            target, _finite(with_), _finite(without),
            None if index is None else _finite(index.ci_low),
            None if index is None else _finite(index.ci_high), note, error))
    return tuple(out)


def _finite(x: Any) -> float | None:
    return float(x) if x is not None and math.isfinite(float(x)) else None
