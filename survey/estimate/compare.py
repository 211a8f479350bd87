"""Two estimates of the same model side by side (PLS next to CB-SEM) and where they disagree.

PLS estimates composites, CB-SEM common factors; on reflective data their standardized paths
differ by design (PLS paths are attenuated by measurement error, loadings inflated; Dijkstra &
Henseler 2015). The comparison flags what a reader must not miss: an opposite sign, a path
significant under one estimator only, a standardized path differing by at least
:data:`PATH_GAP`, or an index differing by at least :data:`INDEX_GAP` points.
"""

from __future__ import annotations

from typing import Any

from survey.estimate.result import Estimate

#: Standardized path difference worth a flag.
PATH_GAP = 0.10
#: 0-100 index difference worth a flag (points).
INDEX_GAP = 2.0
#: Paths smaller than this in absolute value are "zero" for the sign comparison.
SIGN_FLOOR = 0.05


def compare_estimates(a: Estimate, b: Estimate) -> list[dict[str, Any]]:
    """One row per path, index and R² present in both: the two values, their difference and
    ``reasons`` (empty when they agree)."""
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
        sig_a = None if p.p_value is None else p.p_value < 0.05
        sig_b = None if q.p_value is None else q.p_value < 0.05
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
            rows.append({"kind": "r2", "a": latent, "b": "", a.method: value,
                         b.method: b.r2[latent], "difference": value - b.r2[latent],
                         "reasons": []})
    return rows
