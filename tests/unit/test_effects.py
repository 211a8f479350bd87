"""Total effects, one definition for PLS, CB-SEM and the IPMA: against the closed form of a
chain and the power series B + B² + ..., in either orientation, batched."""

from __future__ import annotations

import numpy as np
import pytest

from survey.estimators.effects import total_effects


def test_a_chain_multiplies_its_paths():
    b = np.zeros((3, 3))  # [cause, effect]: a -> b -> c and a -> c
    b[0, 1], b[1, 2], b[0, 2] = 0.5, 0.4, 0.1
    t = total_effects(b)
    assert t[0, 2] == pytest.approx(0.1 + 0.5 * 0.4)
    assert t[0, 1] == pytest.approx(0.5) and t[1, 2] == pytest.approx(0.4)
    assert t[2, 0] == 0 and np.diag(t).tolist() == [0, 0, 0]
    # [effect, cause] gives the transpose: the orientation carries over.
    assert total_effects(b.T) == pytest.approx(t.T)


def test_equals_the_power_series_batched():
    rng = np.random.default_rng(3)
    k = 6
    batch = np.triu(rng.uniform(-0.6, 0.6, size=(4, k, k)), 1)  # recursive: nilpotent
    series = sum(np.linalg.matrix_power(batch[0], p) for p in range(1, k))
    assert total_effects(batch)[0] == pytest.approx(series, abs=1e-12)
    for i in range(4):
        assert total_effects(batch)[i] == pytest.approx(total_effects(batch[i]), abs=1e-15)


def test_a_failed_resample_stays_nan_and_alone():
    b = np.zeros((2, 3, 3))
    b[0, 0, 1] = 0.3
    b[1, 0, 1] = np.nan
    t = total_effects(b)
    assert t[0, 0, 1] == pytest.approx(0.3) and np.isnan(t[1]).any()
