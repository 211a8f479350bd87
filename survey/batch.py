"""Batch runs on Dask: one task per cell (wave x brand x segment level), on a local cluster
started in-process (default, sized to the machine) or on an existing cluster
(``scheduler="tcp://host:8786"``; a plain ``Client()`` would also honour
``DASK_SCHEDULER_ADDRESS``).

A failing cell is reported with its error and the others finish: each task catches its own
exception and returns it as data. Results come back in cell order whatever order the workers
finish in, and every cell's random seed derives from the run's seed and the cell's key
(:func:`cell_seed`), so a run gives the same numbers on 1 worker, 2 workers or a cluster.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import traceback
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Cell:
    """One unit of work: ``key`` names it (e.g. {"wave": "2026Q1", "brand": "A"}); ``rows``
    selects its respondents from the run's data (None: all)."""

    key: tuple[tuple[str, str], ...]
    rows: Any = None

    @property
    def label(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.key)

    def as_dict(self) -> dict[str, str]:
        return dict(self.key)


@dataclass(frozen=True)
class CellOutcome:
    """What a cell produced: ``result`` when ``ok``, else ``error`` (one line) and
    ``traceback``; ``seconds`` of work on the worker."""

    cell: Cell
    ok: bool
    result: Any = None
    error: str = ""
    traceback: str = ""
    seconds: float = 0.0


def cell_seed(seed: int, key: Sequence[tuple[str, str]]) -> int:
    """A 63-bit seed from the run's seed and the cell's key (stable across processes and
    machines: SHA-256, not Python's salted ``hash``)."""
    text = f"{seed}|" + "|".join(f"{k}={v}" for k, v in key)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") >> 1


def _run_cell(fn: Callable[[pd.DataFrame, Cell], Any], data: pd.DataFrame, cell: Cell
              ) -> CellOutcome:
    from threadpoolctl import threadpool_limits

    started = time.perf_counter()
    try:
        rows = data if cell.rows is None else data.loc[cell.rows]
        # One BLAS thread wherever the cell runs: a multi-threaded BLAS sums in another order
        # and would change the last digits between this process and a Dask worker.
        with threadpool_limits(1):
            result = fn(rows, cell)
    except Exception as exc:  # a cell's failure is data: the other cells go on
        return CellOutcome(cell, False, error=f"{type(exc).__name__}: {exc}".splitlines()[0],
                           traceback=traceback.format_exc(),
                           seconds=time.perf_counter() - started)
    return CellOutcome(cell, True, result=result, seconds=time.perf_counter() - started)


@contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None):
    """A Dask client: on ``scheduler`` if given, else on a local cluster of ``workers``
    single-threaded worker processes (default: one per core)."""
    from distributed import Client, LocalCluster

    # Dask logs every worker start and stop at INFO; a run's progress bar says enough. The
    # worker processes read the level from the environment they inherit.
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")
    for name in ("distributed", "distributed.scheduler", "distributed.nanny",
                 "distributed.worker", "distributed.core"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    n = workers or os.cpu_count() or 1
    # One thread per worker: each cell's numpy work is single-threaded linear algebra on small
    # matrices, so processes, not threads, give the parallelism (and no GIL contention).
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=40) as cluster, \
            Client(cluster) as client:
        yield client


#: Below this many cells a run without an explicit ``workers`` or scheduler stays in this
#: process: a local cluster costs seconds to start (worker processes importing the
#: estimators), more than it saves on a few cells (issue 11: the bundled 4-cell study took
#: 26-46 s on the default cluster against 10 s in process).
LOCAL_CLUSTER_MIN_CELLS = 8


def use_dask(n_cells: int, scheduler: str | None, workers: int | None) -> bool:
    """Whether a run of ``n_cells`` goes to Dask: always with a ``scheduler``; never with
    ``workers=0``; with ``workers`` given, yes; by default (None) when the run is large
    enough to pay for a local cluster (:data:`LOCAL_CLUSTER_MIN_CELLS`)."""
    if scheduler:
        return True
    if workers is not None:
        return workers > 0
    return n_cells >= LOCAL_CLUSTER_MIN_CELLS


@contextmanager
def executor(n_cells: int, scheduler: str | None = None, workers: int | None = None):
    """The client a run's cells go to (None: this process), chosen once for the whole run by
    :func:`use_dask` and kept for all its steps (cells, then comparisons): one cluster start
    per run."""
    if not use_dask(n_cells, scheduler, workers):
        yield None
        return
    with dask_client(scheduler, workers) as client:
        yield client


def run_cells(fn: Callable[[pd.DataFrame, Cell], Any], data: pd.DataFrame,
              cells: Sequence[Cell], *, client=None,
              progress: Callable[[int, int], None] | None = None) -> list[CellOutcome]:
    """Run ``fn(rows, cell)`` for every cell and return the outcomes in cell order: on the
    Dask ``client`` (from :func:`executor`), else in this process.

    ``fn`` must be importable by the workers (a module-level function). ``data`` is sent to
    the cluster once (scattered to every worker) and each cell selects its rows there.
    ``progress(done, total)`` is called as cells finish."""
    total = len(cells)
    if client is None:
        out = []
        for cell in cells:
            out.append(_run_cell(fn, data, cell))
            if progress:
                progress(1, total)
        return out
    from distributed import as_completed

    # A new key each time: the same frame scattered again for a later step of the run would
    # share the key of the first, released with it ("lost dependencies").
    shared = client.scatter(data, broadcast=True, hash=False)
    futures = [client.submit(_run_cell, fn, shared, cell, pure=False) for cell in cells]
    index = {f.key: k for k, f in enumerate(futures)}
    results: list[CellOutcome | None] = [None] * total
    for future in as_completed(futures):
        results[index[future.key]] = future.result()
        if progress:
            progress(1, total)
    return [r for r in results if r is not None]
