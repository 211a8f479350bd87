"""Peer reference numbers for our PLS-PM estimator, produced by the PyPI package seminr 0.2.1.

Run by hand from the repository root::

    .venv/bin/python tests/reference/seminr_reference.py                  # write the CSVs
    .venv/bin/python tests/reference/seminr_reference.py --time-bootstrap  # also time seminr's bootstrap

seminr (Python port of the R package seminr, GPL-3.0) is used only as an oracle that produces
numbers; none of its code is copied here. The script estimates four cases with ``estimate_pls``
and writes tidy CSV files, one row per number, floats written with ``repr`` (full precision),
into ``tests/reference/data/`` with latent names translated to ours:

``seminr_mobi_ecsi_*``
    ECSI on seminr's ``datasets/mobi.csv`` (250 rows, no missing values). Every latent a
    composite with mode A (``correlation_weights``): image IMAG1-5, expectation CUEX1-3,
    quality PERQ1-7, value PERV1-2, satisfaction CUSA1-3, complaints CUSCO (single item),
    loyalty CUSL1-3. Twelve paths as in ``models/ecsi.yaml``. Path weighting inner scheme.
``seminr_mobi_ecsi_factorial_*``
    The same model with the factorial inner scheme (``path_factorial``). seminr 0.2.1 offers
    no centroid scheme (only ``path_weighting`` and ``path_factorial``), so there is no
    centroid case.
``seminr_corp_rep_*``
    Corporate reputation (Hair et al. 2017, *A Primer on PLS-SEM*, 2nd ed.) on seminr's
    ``datasets/corp_rep_data.csv`` (344 rows). quality qual_1-8, performance perf_1-5,
    csr csor_1-5, attractiveness attr_1-3 mode B (``regression_weights``); competence
    comp_1-3, likeability like_1-3, loyalty cusl_1-3 mode A; satisfaction the single item
    cusa. Paths: the four formative latents -> competence and likeability; competence,
    likeability -> satisfaction and loyalty; satisfaction -> loyalty. Rows with the missing
    code -99 in any of the 31 used columns are removed before estimation (8 rows; 336
    remain; their file lines are in ``seminr_corp_rep_dropped_rows.csv``), so seminr's
    default mean replacement never runs. Path weighting.
``seminr_mobi_hoc_*``
    A second-order composite on mobi, seminr's two-stage approach (``higher_composite``,
    mode A over the dimension scores): experience over quality and value. Paths:
    image -> expectation, satisfaction, loyalty; expectation -> experience, satisfaction;
    experience -> satisfaction; satisfaction -> complaints, loyalty; complaints -> loyalty.
    Stage one replaces experience by its dimensions (expectation -> quality, value;
    quality, value -> satisfaction; no quality -> value path); stage two uses the stage-one
    scores of quality and value as experience's two indicators. In the loadings, weights,
    cross-loadings and item-VIF files the "items" of experience are therefore ``quality``
    and ``value``; reliability and HTMT of experience are computed on those two score
    columns (seminr's convention). Path weighting.

Settings everywhere: seminr defaults, ``max_it=300``, ``stop_criterion=7`` (stop when the sum
of absolute changes of all outer weights is below 1e-7), ``missing=mean_replacement`` (never
triggered: the data reaching seminr are complete), items standardized with the n-1 SD.

Files per case (prefix as above):

=====================  ===========================================================
``paths``              ``from,to,estimate``: path coefficients of the model's paths
``loadings``           ``latent,item,estimate``: outer loadings (own latent only)
``weights``            ``latent,item,estimate``: outer weights (own latent only)
``r2``                 ``latent,r2,adj_r2``: endogenous latents
``reliability``        ``latent,alpha,rho_a,rho_c,ave``
``htmt``               ``a,b,value``: each unordered pair once, a before b in model order
``cross_loadings``     ``item,latent,value``: every item with every latent score
``fsquare``            ``from,to,value``: Cohen's f2 of the model's paths
``vif``                ``from,to,value``: inner VIF of each antecedent of ``to``
                       (``nan`` where ``to`` has a single antecedent, as seminr reports)
``item_vif``           ``latent,item,value``: VIF of each item on its latent's other items
``total_effects``      ``from,to,value``: every pair joined by a directed route
``fornell_larcker``    ``a,b,value``: sqrt(AVE) on a == b, score correlation of
                       a (later) with b (earlier) otherwise
``iterations``         ``quantity,value``: seminr's ``iterations`` (passes after the first:
                       0 means the first weight update already converged), the final
                       summed weight change, ``max_it``, ``stop_criterion``, ``n_obs``;
                       the HOC case also gives the stage-one values
=====================  ===========================================================

``--time-bootstrap`` runs ``bootstrap_model`` on the ECSI case with 200 and 1000 resamples
(``seed=20261124``, ``cores=1``: seminr's sequential path; BLAS pinned to one thread below)
and prints milliseconds per resample; it writes nothing.
"""

from __future__ import annotations

import os

# One BLAS thread, set before numpy loads: the bootstrap timing is for one core, and
# single-threaded BLAS makes the written numbers independent of the machine's core count.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import csv  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterable, Sequence  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import seminr  # noqa: E402
from seminr import (  # noqa: E402
    bootstrap_model,
    composite,
    constructs,
    estimate_pls,
    higher_composite,
    htmt,
    multi_items,
    na_omit,
    path_factorial,
    path_weighting,
    paths,
    regression_weights,
    relationships,
    single_item,
    summarize,
    total_effects,
)
from seminr.datasets import load_corp_rep, load_mobi  # noqa: E402
from seminr.estimate.data import Dataset  # noqa: E402

SEMINR_VERSION = "0.2.1"
OUT = Path(__file__).parent / "data"
CORP_REP_MISSING = -99.0
BOOT_SEED = 20261124


@dataclass(frozen=True)
class Case:
    """One seminr estimation: data, specification, inner scheme and our latent names."""

    prefix: str
    data: Dataset
    measurement: list
    structural: list
    inner_weights: Callable
    names: dict[str, str]  # seminr construct name -> our latent name


# --------------------------------------------------------------------------- cases

MOBI_NAMES = {"Image": "image", "Expectation": "expectation", "Quality": "quality",
              "Value": "value", "Satisfaction": "satisfaction", "Complaints": "complaints",
              "Loyalty": "loyalty", "Experience": "experience"}


def _mobi_measurement() -> list:
    return [
        composite("Image", multi_items("IMAG", range(1, 6))),
        composite("Expectation", multi_items("CUEX", range(1, 4))),
        composite("Quality", multi_items("PERQ", range(1, 8))),
        composite("Value", multi_items("PERV", range(1, 3))),
        composite("Satisfaction", multi_items("CUSA", range(1, 4))),
        composite("Complaints", single_item("CUSCO")),
        composite("Loyalty", multi_items("CUSL", range(1, 4))),
    ]


def ecsi_case(prefix: str, inner_weights: Callable) -> Case:
    structural = relationships(
        paths("Image", ["Expectation", "Satisfaction", "Loyalty"]),
        paths("Expectation", ["Quality", "Value", "Satisfaction"]),
        paths("Quality", ["Value", "Satisfaction"]),
        paths("Value", "Satisfaction"),
        paths("Satisfaction", ["Complaints", "Loyalty"]),
        paths("Complaints", "Loyalty"),
    )
    return Case(prefix, load_mobi(), constructs(*_mobi_measurement()), structural,
                inner_weights, MOBI_NAMES)


def mobi_hoc_case() -> Case:
    measurement = _mobi_measurement()
    measurement.insert(4, higher_composite("Experience", ["Quality", "Value"]))
    structural = relationships(
        paths("Image", ["Expectation", "Satisfaction", "Loyalty"]),
        paths("Expectation", ["Experience", "Satisfaction"]),
        paths("Experience", "Satisfaction"),
        paths("Satisfaction", ["Complaints", "Loyalty"]),
        paths("Complaints", "Loyalty"),
    )
    return Case("seminr_mobi_hoc_", load_mobi(), constructs(*measurement), structural,
                path_weighting, MOBI_NAMES)


CORP_REP_NAMES = {"QUAL": "quality", "PERF": "performance", "CSOR": "csr",
                  "ATTR": "attractiveness", "COMP": "competence", "LIKE": "likeability",
                  "CUSA": "satisfaction", "CUSL": "loyalty"}


def _corp_rep_measurement() -> list:
    return constructs(
        composite("QUAL", multi_items("qual_", range(1, 9)), weights=regression_weights),
        composite("PERF", multi_items("perf_", range(1, 6)), weights=regression_weights),
        composite("CSOR", multi_items("csor_", range(1, 6)), weights=regression_weights),
        composite("ATTR", multi_items("attr_", range(1, 4)), weights=regression_weights),
        composite("COMP", multi_items("comp_", range(1, 4))),
        composite("LIKE", multi_items("like_", range(1, 4))),
        composite("CUSA", single_item("cusa")),
        composite("CUSL", multi_items("cusl_", range(1, 4))),
    )


def _corp_rep_structural() -> list:
    return relationships(
        paths(["QUAL", "PERF", "CSOR", "ATTR"], ["COMP", "LIKE"]),
        paths(["COMP", "LIKE"], ["CUSA", "CUSL"]),
        paths("CUSA", "CUSL"),
    )


def corp_rep_complete_rows() -> tuple[Dataset, list[int]]:
    """corp_rep_data restricted to rows without -99 in any used column.

    Returns the complete rows (used columns only) and the file lines (header = line 1) of
    the rows removed.
    """
    raw = load_corp_rep()
    used = [item for spec in _corp_rep_measurement() for item in spec.items]
    cols = [raw.columns.index(c) for c in used]
    values = raw.values[:, cols]
    bad = (values == CORP_REP_MISSING).any(axis=1)
    return (Dataset(tuple(used), np.ascontiguousarray(values[~bad])),
            [int(k) + 2 for k in np.flatnonzero(bad)])


def corp_rep_case(data: Dataset) -> Case:
    return Case("seminr_corp_rep_", data, _corp_rep_measurement(), _corp_rep_structural(),
                path_weighting, CORP_REP_NAMES)


# --------------------------------------------------------------------------- tables


def _write(name: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    rows = list(rows)
    with open(OUT / name, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([repr(float(v)) if isinstance(v, float | np.floating) else v
                             for v in row])
    return len(rows)


def _reachable(pairs: Sequence[tuple[str, str]], order: Sequence[str]) -> list[tuple[str, str]]:
    """Pairs (a, b) with a directed route a -> ... -> b, sorted by ``order`` (model order)."""
    succ: dict[str, set[str]] = {}
    for a, b in pairs:
        succ.setdefault(a, set()).add(b)
    out = set()
    for start in succ:
        stack, seen = list(succ[start]), set()
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(succ.get(node, ()))
        out.update((start, b) for b in seen)
    return sorted(out, key=lambda ab: (order.index(ab[0]), order.index(ab[1])))


def write_case(case: Case) -> dict[str, int]:
    """Estimate ``case`` with seminr and write its CSV files; returns rows written per file."""
    model = estimate_pls(case.data, case.measurement, case.structural,
                         inner_weights=case.inner_weights)
    summary = summarize(model)
    ours = case.names.get
    name = {c: ours(c, c) for c in (*model.outer_loadings.rows, *model.outer_loadings.cols)}
    sm_paths = [(r.source, r.target) for r in case.structural]
    latents = list(summary.reliability.rows)  # constructs in the model, seminr's order
    p, n = case.prefix, {}

    n["paths"] = _write(f"{p}paths.csv", ("from", "to", "estimate"),
                        ((name[a], name[b], model.path_coef.get(a, b)) for a, b in sm_paths))
    for kind, matrix in (("loadings", model.outer_loadings), ("weights", model.outer_weights)):
        own = [(c, i) for c in matrix.cols for i in model.mm_matrix.construct_items(c)
               if i in matrix.rows]
        n[kind] = _write(f"{p}{kind}.csv", ("latent", "item", "estimate"),
                         ((name[c], name[i], matrix.get(i, c)) for c, i in own))
    n["r2"] = _write(f"{p}r2.csv", ("latent", "r2", "adj_r2"),
                     ((name[c], model.r_squared.get("Rsq", c), model.r_squared.get("AdjRsq", c))
                      for c in model.r_squared.cols))
    rel = summary.reliability
    n["reliability"] = _write(
        f"{p}reliability.csv", ("latent", "alpha", "rho_a", "rho_c", "ave"),
        ((name[c], *(rel.get(c, k) for k in ("alpha", "rhoA", "rhoC", "AVE"))) for c in latents))
    ht = htmt(model)  # upper triangle in constructs-in-model order
    n["htmt"] = _write(f"{p}htmt.csv", ("a", "b", "value"),
                       ((name[a], name[b], ht.get(a, b))
                        for i, a in enumerate(ht.rows) for b in ht.cols[i + 1:]))
    cl = summary.validity.cross_loadings
    n["cross_loadings"] = _write(f"{p}cross_loadings.csv", ("item", "latent", "value"),
                                 ((name.get(i, i), name[c], cl.get(i, c))
                                  for i in cl.rows for c in cl.cols))
    n["fsquare"] = _write(f"{p}fsquare.csv", ("from", "to", "value"),
                          ((name[a], name[b], summary.f_square.get(a, b)) for a, b in sm_paths))
    n["vif"] = _write(f"{p}vif.csv", ("from", "to", "value"),
                      ((name[a], name[b], summary.vif_antecedents[b][a]) for a, b in sm_paths))
    n["item_vif"] = _write(f"{p}item_vif.csv", ("latent", "item", "value"),
                           ((name[c], name.get(i, i), v)
                            for c, by_item in summary.validity.vif_items.items()
                            for i, v in by_item.items()))
    te = total_effects(model.path_coef)
    n["total_effects"] = _write(f"{p}total_effects.csv", ("from", "to", "value"),
                                ((name[a], name[b], te.get(a, b))
                                 for a, b in _reachable(sm_paths, model.constructs)))
    fl = summary.validity.fl_criteria
    n["fornell_larcker"] = _write(f"{p}fornell_larcker.csv", ("a", "b", "value"),
                                  ((name[a], name[b], fl.get(a, b))
                                   for i, a in enumerate(fl.rows) for b in fl.cols[: i + 1]))
    meta = [("iterations", model.iterations), ("weight_diff", model.weight_diff),
            ("max_it", model.settings.max_it), ("stop_criterion", model.settings.stop_criterion),
            ("n_obs", model.data.n_obs)]
    if model.first_stage_model is not None:
        first = model.first_stage_model
        meta += [("first_stage_iterations", first.iterations),
                 ("first_stage_weight_diff", first.weight_diff)]
    n["iterations"] = _write(f"{p}iterations.csv", ("quantity", "value"), meta)
    if model.iterations >= model.settings.max_it:
        raise RuntimeError(f"{p}: seminr did not converge in {model.settings.max_it} iterations.")
    return n


def check_corp_rep_listwise(data: Dataset) -> None:
    """Our row removal must equal seminr's own ``missing_value=-99, missing=na_omit`` route."""
    ours = estimate_pls(data, _corp_rep_measurement(), _corp_rep_structural())
    theirs = estimate_pls(load_corp_rep(), _corp_rep_measurement(), _corp_rep_structural(),
                          missing_value=CORP_REP_MISSING, missing=na_omit)
    gap = float(np.max(np.abs(ours.path_coef.values - theirs.path_coef.values)))
    if theirs.data.n_obs != data.n_obs or gap > 1e-12:
        raise RuntimeError(f"corp_rep: na_omit route differs (n={theirs.data.n_obs}, gap={gap}).")


# --------------------------------------------------------------------------- bootstrap timing


def time_bootstrap() -> None:
    """Print seminr's sequential bootstrap speed on the ECSI case (ms per resample)."""
    case = ecsi_case("", path_weighting)
    model = estimate_pls(case.data, case.measurement, case.structural)
    bootstrap_model(model, nboot=10, seed=BOOT_SEED, cores=1)  # warm-up (imports, caches)
    for nboot in (200, 1000):
        start = time.perf_counter()
        boot = bootstrap_model(model, nboot=nboot, seed=BOOT_SEED, cores=1)
        elapsed = time.perf_counter() - start
        print(f"bootstrap_model(nboot={nboot}, seed={BOOT_SEED}, cores=1): {elapsed:.2f} s, "
              f"{1000 * elapsed / nboot:.2f} ms/resample, boots={boot.boots}, fails={boot.fails}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-bootstrap", action="store_true",
                        help="also time seminr's bootstrap on the ECSI case (writes nothing)")
    args = parser.parse_args()
    if seminr.__version__ != SEMINR_VERSION:
        raise SystemExit(f"Expected seminr {SEMINR_VERSION}. Got {seminr.__version__} instead.")
    OUT.mkdir(exist_ok=True)
    corp_rep, dropped = corp_rep_complete_rows()
    check_corp_rep_listwise(corp_rep)
    _write("seminr_corp_rep_dropped_rows.csv", ("file_line",), ((k,) for k in dropped))
    print(f"corp_rep: {len(dropped)} rows with -99 removed, {corp_rep.n_obs} remain")
    for case in (ecsi_case("seminr_mobi_ecsi_", path_weighting),
                 ecsi_case("seminr_mobi_ecsi_factorial_", path_factorial),
                 corp_rep_case(corp_rep), mobi_hoc_case()):
        counts = write_case(case)
        print(f"{case.prefix}*: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if args.time_bootstrap:
        time_bootstrap()


if __name__ == "__main__":
    main()
