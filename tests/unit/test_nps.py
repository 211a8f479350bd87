"""Net Promoter Score (survey.analysis.nps): the score and its multinomial standard error in
closed form, weighted with Kish's effective n, the coverage of its interval and the size of the
difference test by simulation, and the withheld inference."""

from __future__ import annotations

import math

import numpy as np
import pytest

from survey.analysis.nps import MIN_N, net_promoter, nps_difference

#: 0-10 answers: 5 detractors (0-6), 3 passives (7-8), 4 promoters (9-10).
ANSWERS = np.array([0, 3, 5, 6, 6, 7, 8, 8, 9, 10, 10, 9] * 5, float)


def test_score_and_se_closed_form():
    x = net_promoter(ANSWERS)
    n = ANSWERS.size
    p, d = 4 / 12, 5 / 12
    assert x.score == pytest.approx(100 * (p - d), abs=1e-12)
    assert (x.promoters, x.passives, x.detractors) == pytest.approx((p, 3 / 12, d), abs=1e-12)
    assert x.se == pytest.approx(100 * math.sqrt((p + d - (p - d) ** 2) / n), abs=1e-12)
    # The same variance as the mean of per-respondent scores 100 / 0 / -100 (ddof 0).
    s = np.where(ANSWERS >= 9, 100.0, np.where(ANSWERS <= 6, -100.0, 0.0))
    assert x.se == pytest.approx(s.std() / math.sqrt(n), abs=1e-12)
    assert x.ci_low == pytest.approx(x.score - 1.959963984540054 * x.se, abs=1e-9)


def test_weights_use_weighted_shares_and_kish_n():
    w = np.tile([1.0, 2.0, 0.5, 3.0], ANSWERS.size // 4)
    x = net_promoter(ANSWERS, w)
    p = w[ANSWERS >= 9].sum() / w.sum()
    d = w[ANSWERS <= 6].sum() / w.sum()
    n_eff = w.sum() ** 2 / (w ** 2).sum()
    assert x.n_effective == pytest.approx(n_eff)
    assert x.score == pytest.approx(100 * (p - d))
    assert x.se == pytest.approx(100 * math.sqrt((p + d - (p - d) ** 2) / n_eff))


def test_missing_answers_are_left_out():
    x = net_promoter(np.r_[ANSWERS, np.nan, np.nan])
    assert x.n == ANSWERS.size and x.score == pytest.approx(net_promoter(ANSWERS).score)
    assert net_promoter([np.nan]) is None


def test_interval_covers_at_its_level():
    """2,000 samples of 300 from a population with 40 % promoters and 25 % detractors: the 95 %
    interval covers the true NPS (15) in 95 % of them (± 1.5 points, 3 binomial SEs)."""
    rng = np.random.default_rng(2026)
    hits = 0
    for _ in range(2000):
        sample = rng.choice([10, 7, 2], size=300, p=[0.40, 0.35, 0.25])
        x = net_promoter(sample)
        hits += x.ci_low <= 15 <= x.ci_high
    assert abs(hits / 2000 - 0.95) < 0.015


def test_difference_test_has_its_size_and_closed_form():
    a, b = net_promoter(ANSWERS), net_promoter(ANSWERS[::-1][:40])
    diff = nps_difference(a, b)
    assert diff.difference == pytest.approx(b.score - a.score)
    assert diff.se == pytest.approx(math.hypot(a.se, b.se))
    rng = np.random.default_rng(7)
    rejections = 0
    for _ in range(1000):
        one = net_promoter(rng.choice([10, 7, 2], size=250, p=[0.4, 0.35, 0.25]))
        two = net_promoter(rng.choice([10, 7, 2], size=150, p=[0.4, 0.35, 0.25]))
        rejections += nps_difference(one, two).p_value < 0.05
    assert abs(rejections / 1000 - 0.05) < 0.021  # 3 binomial SEs


def test_inference_withheld_when_the_data_cannot_carry_it():
    few = net_promoter(ANSWERS[:MIN_N - 1])
    assert few.withheld == "too_few_answers" and few.se is None and few.ci_low is None
    same = net_promoter(np.full(100, 10.0))
    assert same.withheld == "one_group" and same.score == 100 and same.se is None
    assert nps_difference(few, net_promoter(ANSWERS)).p_value is None
