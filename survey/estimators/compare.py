"""Two estimates of the same model side by side (PLS next to CB-SEM) and where they disagree;
with consistent PLS (PLSc) run too, its numbers beside them.

PLS estimates composites, CB-SEM common factors; on reflective data their standardized paths
differ by design (PLS paths are attenuated by measurement error, loadings inflated; Dijkstra &
Henseler 2015). The comparison flags what a reader must not miss: an opposite sign, a path
significant under one estimator only, a standardized path differing by at least
:data:`PATH_GAP`, an index differing by at least :data:`INDEX_GAP` points, or an R² differing by
at least :data:`R2_GAP`. A row agrees when its ``reasons`` are empty: every consumer (console,
JSON, report) reads them and never decides for itself.
"""

from __future__ import annotations

from typing import Any

from survey.assess import CRITERIA
from survey.estimators.result import Estimate

#: Standardized path difference worth a flag.
PATH_GAP = 0.10
#: 0-100 index difference worth a flag (points).
INDEX_GAP = 2.0
#: R² difference worth a flag. On the scale of PATH_GAP: with one predictor R² = beta², so a
#: 0.10 gap in a path of about 0.5 moves R² by about 0.10 (0.5² - 0.4² = 0.09); and 0.10 is 0.4
#: of the 0.25-wide bands that call an R² weak, moderate or substantial (0.25 / 0.50 / 0.75;
#: Hair, Ringle & Sarstedt 2011, "PLS-SEM: indeed a silver bullet", JMTP 19(2), 139-152), enough
#: to move it into another band. PLS composites carry measurement error and CB-SEM factors do
#: not (Dijkstra & Henseler 2015), so a flag says "read this R² per method", not "one is wrong".
R2_GAP = 0.10
#: Paths smaller than this in absolute value are "zero" for the sign comparison.
SIGN_FLOOR = 0.05
#: A path is significant under an estimator when its p-value is below this (the one
#: significance level: survey.assess.Criteria.alpha).
ALPHA = CRITERIA.alpha


def compare_estimates(a: Estimate, b: Estimate, *, beside: Estimate | None = None
                      ) -> list[dict[str, Any]]:
    """One row per path, index and R² present in both: the two values, their difference and
    ``reasons`` (empty when they agree).

    ``beside``: a third estimate (PLSc) whose value of the same number is added to each row
    under its method's name (``significant_<method>`` too for paths), None where it lacks the
    number. It does not enter ``reasons``: those compare ``a`` and ``b``, whose difference is
    the one the rows were made for (composites against common factors); PLSc, consistent for
    common factors like CB-SEM, is the reader's third reference."""
    rows: list[dict[str, Any]] = []
    b_paths = {(p.source, p.target): p for p in b.paths}
    for p in a.paths:
        q = b_paths.get((p.source, p.target))
        if q is None or p.std_estimate is None or q.std_estimate is None:
            continue
        x, y = p.std_estimate, q.std_estimate
        reasons = []
        if abs(x) >= SIGN_FLOOR and abs(y) >= SIGN_FLOOR and (x > 0) != (y > 0):
            reasons.append("sign")
        sig_a = None if p.p_value is None else p.p_value < ALPHA
        sig_b = None if q.p_value is None else q.p_value < ALPHA
        if sig_a is not None and sig_b is not None and sig_a != sig_b:
            reasons.append("significance")
        if abs(x - y) >= PATH_GAP:
            reasons.append("size")
        rows.append({"kind": "path", "a": p.source, "b": p.target, a.method: x, b.method: y,
                     "difference": x - y, f"significant_{a.method}": sig_a,
                     f"significant_{b.method}": sig_b, "reasons": reasons})
    b_idx = {i.latent: i for i in b.indices}
    for i in a.indices:
        j = b_idx.get(i.latent)
        if j is None or i.value is None or j.value is None:
            continue
        diff = i.value - j.value
        rows.append({"kind": "index", "a": i.latent, "b": "", a.method: i.value,
                     b.method: j.value, "difference": diff,
                     "reasons": ["size"] if abs(diff) >= INDEX_GAP else []})
    for latent, value in a.r2.items():
        if latent in b.r2 and value is not None and b.r2[latent] is not None:
            diff = value - b.r2[latent]
            rows.append({"kind": "r2", "a": latent, "b": "", a.method: value,
                         b.method: b.r2[latent], "difference": diff,
                         "reasons": ["size"] if abs(diff) >= R2_GAP else []})
    if beside is not None:
        _add_beside(rows, beside)
    return rows


def _add_beside(rows: list[dict[str, Any]], c: Estimate) -> None:
    paths = {(p.source, p.target): p for p in c.paths}
    indices = {i.latent: i.value for i in c.indices}
    for row in rows:
        if row["kind"] == "path":
            p = paths.get((row["a"], row["b"]))
            row[c.method] = None if p is None else p.std_estimate
            row[f"significant_{c.method}"] = (None if p is None or p.p_value is None
                                              else p.p_value < ALPHA)
        elif row["kind"] == "index":
            row[c.method] = indices.get(row["a"])
        elif row["kind"] == "r2":
            row[c.method] = c.r2.get(row["a"])
