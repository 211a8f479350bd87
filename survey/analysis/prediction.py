"""Out-of-sample prediction of a PLS path model: PLSpredict and CVPAT.

**PLSpredict** (Shmueli, Ray, Velasquez Estrada & Chatla 2016, "The elephant in the room:
predictive performance of PLS models", Journal of Business Research 69(10), 4552-4564;
Shmueli, Sarstedt, Hair et al. 2019, "Predictive model assessment in PLS-SEM: guidelines for
using PLSpredict", European Journal of Marketing 53(11), 2322-2347). The respondents are
shuffled and cut into ``folds`` folds of (nearly) equal size, ``repetitions`` times. For each
fold the model is re-estimated on the other folds (the training sample: its item means,
standard deviations and correlations, each the full sample's sums minus the held-out fold's;
the PLS core of :class:`survey.estimators.BatchedPls` on the stack of a repetition's k
training correlation matrices at once, no PLS loop per fold), and the indicators of every
endogenous latent of the held-out respondents are predicted:

- each latent's score is its training outer weights times the held-out items, standardized
  with the training means and standard deviations;
- ``direct`` approach (the default, as in seminr's ``predict_pls``: Danks 2021, "The piggy in
  the middle: the role of mediators in PLS-SEM-based prediction", The DATA BASE for Advances
  in Information Systems 52(SI)): an endogenous latent is predicted from the scores of its
  direct antecedents, sum_a beta_at score_a; ``earliest`` approach (Shmueli et al. 2016): only
  the scores of the exogenous latents are used, propagated through the paths in causal order;
- an indicator's prediction is the predicted latent score times the item's training loading
  (its correlation with the latent's score), back to the raw metric with the training mean
  and standard deviation.

Beside each indicator: the linear-model benchmark LM (Shmueli et al. 2019): the
indicator regressed by OLS on the training sample on the indicators the approach predicts
from (``direct``: the indicators of the latent's direct antecedents; ``earliest``: all the
indicators of the exogenous latents), and the indicator average IA (the training mean).
Per indicator and repetition: RMSE and MAE of the PLS and LM predictions, and
Q²_predict = 1 - SSE(PLS) / SSE(IA) (Shmueli et al. 2019: against the training-sample mean).
Every number is averaged over the repetitions; a repetition is reduced to these numbers and
the respondents' losses before the next one is made (memory grows with n, not with R x n).

Reading (Shmueli et al. 2019, their guidelines; Hair, Risher, Sarstedt & Ringle 2019, "When to
use and how to report the results of PLS-SEM", European Business Review 31(1), 2-24; Hair et
al. 2022, A Primer on PLS-SEM, 3rd ed., ch. 6), per endogenous latent over its indicators: the
model lacks predictive power (``none``) when an indicator's Q²_predict is not above 0 (the
model does not beat the training mean there), or when PLS has a lower RMSE than LM on no
indicator; ``low`` when it does on a minority; ``medium`` on a majority or half;
``high`` on all of them.

**CVPAT** (Liengaard, Sharma, Hult et al. 2021, "Prediction: coveted, yet forsaken? Introducing
a cross-validated predictive ability test in partial least squares path modeling", Decision
Sciences 52(2), 362-392; Sharma, Liengaard, Hair, Sarstedt & Ringle 2023, "Predictive model
assessment and selection in composite-based modeling using PLS-SEM: extensions and guidelines
for using CVPAT", European Journal of Marketing 57(6), 1662-1677). Over the same folds, a
respondent's loss is the squared prediction error averaged over the indicators of each
endogenous latent, then over the latents (the per-latent average of the seminrExtras port);
averaged over the repetitions. Two predictors are compared by the mean of the respondents'
loss differences D = loss(B) - loss(A): the paired t test t = mean(D) / (sd(D) / sqrt(n)) with
n - 1 degrees of freedom (Liengaard et al. 2021), and Sharma et al.'s bootstrap test,
whose standard error is the standard deviation of the mean of D over bootstrap resamples of
the respondents. PLS against IA and LM: one-sided (H1: the benchmark's loss is larger, Sharma
et al. 2023); two models: two-sided.

Missing answers: the estimate's policy. ``listwise``: the respondents the estimate used.
``mean``: each training sample's missing answers are replaced by its own item means (what
estimating on that sample would do), a held-out respondent's missing predictor answers by the
training means (no information from the held-out respondents reaches the training fit); a
held-out respondent's missing *target* answer has nothing to be compared with: it is left out
of that indicator's errors and counted (``n_unscored``).

Not available (a :class:`PredictionUnavailable` with its reason, never a number the data
cannot carry): fewer than 2 folds or more than n / 2; a training sample not larger than the
number of items; case weights (PLSpredict and CVPAT are defined on unweighted respondents); a
model without paths; a headline estimate that is not PLS; no repetition in which every
training fit succeeded. Higher-order latents are predicted as composites of all their
dimensions' items (as estimated); PLSpredict has no published treatment of them (seminr
refuses such models), which a note says.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from survey.distributions import t_sf, t_two_sided
from survey.errors import EstimationError
from survey.numbers import finite
from survey.pathmodel import BoundModel

#: How an endogenous latent is predicted: from its direct antecedents (default, as seminr) or
#: from the exogenous latents only.
APPROACHES = ("direct", "earliest")
#: The Hair et al. (2019, 2022) readings of the PLS-versus-LM count, weakest first.
POWER = ("none", "low", "medium", "high")
#: Why a prediction is not available.
UNAVAILABLE = ("folds", "training_size", "case_weights", "no_paths", "fits_failed",
               "no_targets", "not_pls")


class PredictionError(EstimationError):
    """The data or the settings cannot carry an out-of-sample prediction (``code``: one of
    :data:`UNAVAILABLE`)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class PredictSettings:
    """How to cross-validate: ``folds`` k, ``repetitions`` of the k-fold split, the ``seed`` of
    the shuffles and of CVPAT's bootstrap, the prediction ``approach`` and CVPAT's bootstrap
    ``resamples`` (Sharma et al. 2023 use 2,000; seminrExtras too)."""

    folds: int = 10
    repetitions: int = 10
    seed: int = 2026
    approach: str = "direct"
    resamples: int = 2000

    def __post_init__(self) -> None:
        if self.approach not in APPROACHES:
            raise PredictionError("folds", f"Unknown prediction approach {self.approach!r}. "
                                  f"Expected one of {list(APPROACHES)}.")
        if self.repetitions < 1:
            raise PredictionError("folds", f"Repetitions must be at least 1. Got "
                                  f"{self.repetitions} instead.")
        if self.resamples < 0:
            raise PredictionError("folds", f"CVPAT bootstrap resamples must be 0 or more. Got "
                                  f"{self.resamples} instead.")


# --------------------------------------------------------------------------- cross-validation


@dataclass(frozen=True)
class CrossValidated:
    """The out-of-sample predictions of one model: ``items`` (the m target indicators),
    ``latent_of`` (each one's latent), ``actual`` (n, m) their answers (NaN: missing),
    ``pls``, ``lm``, ``ia`` (R, n, m) the predictions of every usable repetition, ``folds``
    (R_all, n) the fold of each respondent in every repetition (0-based), ``used`` (R_all,)
    whether a repetition is usable (all its training fits succeeded), ``failures`` the reason
    of each failed training fit, ``rows`` the respondents' index labels."""

    items: tuple[str, ...]
    latent_of: tuple[str, ...]
    actual: np.ndarray
    pls: np.ndarray
    lm: np.ndarray
    ia: np.ndarray
    folds: np.ndarray
    used: np.ndarray
    failures: tuple[str, ...]
    rows: pd.Index
    approach: str
    missing: str

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.latent_of))

    def losses(self, which: str) -> np.ndarray:
        """CVPAT's loss (n, T + 1) of predictor ``which`` ('pls', 'lm', 'ia'): per respondent
        the squared error averaged over each target latent's indicators (T columns), then over
        the latents (the last column); averaged over the usable repetitions. NaN where a
        respondent answered none of a latent's indicators."""
        err2 = (self.actual[None] - getattr(self, which)) ** 2  # (R, n, m)
        lat = np.asarray(self.latent_of)
        cols = []
        for t in self.targets:
            e = err2[:, :, lat == t]
            answered = (~np.isnan(e)).sum(axis=2)
            with np.errstate(invalid="ignore", divide="ignore"):  # none answered: NaN
                cols.append(np.nansum(e, axis=2) / answered)
        per = np.stack(cols, axis=2)  # (R, n, T)
        overall = per.mean(axis=2, keepdims=True)
        return np.concatenate([per, overall], axis=2).mean(axis=0)


def assign_folds(n: int, folds: int, repetitions: int, seed: int) -> np.ndarray:
    """(repetitions, n) fold of each respondent (0-based): each repetition shuffles the
    respondents (numpy's PCG64 seeded by ``seed``) and cuts the shuffled order into ``folds``
    contiguous blocks whose sizes differ by at most one (block of position i: floor(i k / n))."""
    rng = np.random.default_rng(seed)
    out = np.empty((repetitions, n), dtype=np.int64)
    block = (np.arange(n) * folds) // n
    for r in range(repetitions):
        out[r, rng.permutation(n)] = block
    return out


def check_folds(n: int, folds: int, n_items: int) -> None:
    """Refuse a split the data cannot carry: k must lie in [2, n / 2] (every held-out fold at
    least two respondents) and every training sample must be larger than the number of items (else
    its correlation matrix is singular and the LM benchmark has no unique solution)."""
    if folds < 2 or folds > n // 2:
        raise PredictionError("folds", f"{folds} folds for {n} respondents: the number of "
                              f"folds must lie between 2 and n / 2 = {n // 2}.")
    smallest = n - math.ceil(n / folds)
    if smallest <= n_items:
        raise PredictionError("training_size", f"With {folds} folds of {n} respondents the "
                              f"smallest training sample has {smallest} respondents, not more "
                              f"than the model's {n_items} items: its item correlations would "
                              "be singular. Use more folds or more respondents.")


def _checked_fold_ids(fold_ids: np.ndarray, n: int, n_items: int, source: str) -> np.ndarray:
    """Fold ids given by the caller (to reproduce a peer's folds, or leave-one-out with
    ``k = n``, which the settings' k <= n / 2 rule does not allow): a (repetitions, n) array of
    0-based folds, each fold non-empty in every repetition, every training sample larger than
    the number of items."""
    ids = np.asarray(fold_ids)
    if ids.ndim != 2 or ids.shape[1] != n or not np.issubdtype(ids.dtype, np.integer) \
            or ids.min() < 0:
        raise PredictionError("folds", f"{source}: fold ids must be a (repetitions, {n}) array "
                              "of 0-based integer folds.")
    k = int(ids.max()) + 1
    sizes = np.stack([np.bincount(row, minlength=k) for row in ids])
    if (sizes == 0).any():
        raise PredictionError("folds", f"{source}: a fold is empty in some repetition; every "
                              f"fold 0..{k - 1} must hold a respondent.")
    if n - sizes.max() <= n_items:
        raise PredictionError("training_size", f"{source}: the smallest training sample has "
                              f"{n - sizes.max()} respondents, not more than the model's "
                              f"{n_items} items.")
    return ids.astype(np.int64)


@dataclass(frozen=True)
class _Structure:
    """What prediction needs of a bound model: the latents (``latents``, causal order) with
    their column in BatchedPls's weights, their items' columns, the paths, the targets."""

    latents: tuple[str, ...]
    column: dict[str, int]
    items_of: dict[str, tuple[int, ...]]
    paths: tuple[tuple[str, str], ...]
    targets: tuple[str, ...]
    exogenous: tuple[str, ...]


def _structure(bound: BoundModel, kernel: Any) -> _Structure:
    model = bound.model
    col = {item: j for j, item in enumerate(kernel.items)}
    measured = dict(bound.measurement)
    second = dict(bound.second_order)
    items_of = {}
    for latent in model.latents:
        names = (measured[latent] if latent in measured
                 else [i for d in second[latent] for i in measured[d]])
        items_of[latent] = tuple(col[i] for i in names)
    order = model.causal_order()
    return _Structure(tuple(order), {c: kernel.constructs.index(c) for c in order}, items_of,
                      tuple(model.paths), tuple(x for x in order if model.predecessors(x)),
                      tuple(x for x in order if not model.predecessors(x)))


def _training_moments(x: np.ndarray, fold_ids: np.ndarray, splits: Sequence[tuple[int, int]]
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Means (B, q), covariances (B, q, q) and the number of rows (B,) of every training
    sample (all respondents but fold f of repetition r, for each (r, f) of ``splits``), a
    missing answer replaced by its training mean (its deviation is 0), as estimating on that
    sample with mean replacement would.

    The sums over a training sample are the full sample's minus the held-out fold's, so each
    split costs a pass over its fold only. Items are centred at their full-sample means first
    (the differences of sums then lose no precision). With missing answers x0 (answers,
    missing at 0) and A (answered) give sum over training rows of A_i A_j (x_i - m_i)(x_j - m_j)
    = S(x0_i x0_j) - m_j S(x0_i A_j) - m_i S(A_i x0_j) + m_i m_j S(A_i A_j).
    """
    answered = ~np.isnan(x)
    with np.errstate(invalid="ignore"):
        centre = np.nanmean(x, axis=0)
    x0 = np.where(answered, x - centre, 0.0)
    a = answered.astype(float)
    complete = bool(answered.all())
    n, q = x.shape
    total_s, total_n = x0.sum(axis=0), a.sum(axis=0)
    total_p = x0.T @ x0
    total_q = None if complete else x0.T @ a
    total_r = None if complete else a.T @ a
    b = len(splits)
    mean = np.empty((b, q))
    cov = np.empty((b, q, q))
    rows = np.empty(b)
    for k, (r, f) in enumerate(splits):
        held = fold_ids[r] == f
        xf, af = x0[held], a[held]
        m = (total_s - xf.sum(axis=0)) / (total_n - af.sum(axis=0))
        p = total_p - xf.T @ xf
        if complete:
            n_train = n - xf.shape[0]
            c = p - n_train * np.outer(m, m)
        else:
            qq = total_q - xf.T @ af
            rr = total_r - af.T @ af
            c = p - qq * m[None, :] - qq.T * m[:, None] + rr * np.outer(m, m)
        rows[k] = n - xf.shape[0]
        mean[k] = m + centre
        cov[k] = c / (rows[k] - 1)
    # A variance that is rounding residue of the differences (an item constant in a training
    # sample: 1e-17 instead of 0) is 0, so the PLS kernel sees the constant item and says so.
    scale = np.maximum(np.diag(total_p) / max(n - 1, 1), np.finfo(float).tiny)
    variances = np.einsum("bii->bi", cov)
    variances[variances < 1e-12 * scale] = 0.0
    return mean, cov, rows


@dataclass(frozen=True)
class _Prepared:
    """A model ready to cross-validate: the compiled PLS kernel, its structure, the item
    answers ``x`` (n, q; NaN missing) of the respondents used and their index labels."""

    bound: BoundModel
    kernel: Any
    structure: _Structure
    x: np.ndarray
    rows: pd.Index
    missing: str


def _prepare(bound: BoundModel, data: pd.DataFrame, *, missing: str, hoc: str, scheme: str,
             tol: float, approach: str) -> _Prepared:
    if approach not in APPROACHES:
        raise PredictionError("folds", f"Unknown prediction approach {approach!r}. Expected "
                              f"one of {list(APPROACHES)}.")
    if bound.model.is_cfa:
        raise PredictionError("no_paths", "The model has no paths (a measurement model): "
                              "there is no endogenous latent to predict.")
    from survey.estimators import BatchedPls  # the PLS kernel loads on first use

    kernel = BatchedPls(bound, hoc=hoc if bound.second_order else "repeated", scheme=scheme,
                        tol=tol)
    x = data[list(kernel.items)].to_numpy(dtype=float)
    rows = data.index
    if missing == "listwise":
        keep = ~np.isnan(x).any(axis=1)
        x, rows = x[keep], rows[keep]
    elif missing != "mean":
        raise PredictionError("folds", f"Unknown missing-data treatment {missing!r}. Expected "
                              "'mean' or 'listwise'.")
    return _Prepared(bound, kernel, _structure(bound, kernel), x, rows, missing)


def _fold_ids(prep: _Prepared, folds: int, repetitions: int, seed: int,
              fold_ids: np.ndarray | None, source: str) -> np.ndarray:
    n, q = prep.x.shape
    if fold_ids is None:
        check_folds(n, folds, q)
        return assign_folds(n, folds, repetitions, seed)
    return _checked_fold_ids(fold_ids, n, q, source)


def cross_validate(bound: BoundModel, data: pd.DataFrame, *, missing: str = "mean",
                   hoc: str = "repeated", scheme: str = "path", folds: int = 10,
                   repetitions: int = 10, seed: int = 2026, approach: str = "direct",
                   fold_ids: np.ndarray | None = None, tol: float = 1e-7,
                   source: str = "data") -> CrossValidated:
    """PLS, LM and IA out-of-sample predictions of every endogenous latent's indicators, in
    every repetition (their arrays hold R x n x m numbers: :func:`pls_predict` runs one
    repetition at a time instead).

    ``data``: the respondents (item columns, NaN for missing); ``missing``: the estimate's
    policy ('mean' or 'listwise'); ``hoc``, ``scheme``, ``tol`` (the PLS stopping rule): as
    the estimate's. ``fold_ids`` (repetitions, n), 0-based, replaces the seeded shuffle (to
    reproduce a peer's folds, or leave-one-out).
    Raises :class:`PredictionError` when the data cannot carry it (see the module).
    """
    prep = _prepare(bound, data, missing=missing, hoc=hoc, scheme=scheme, tol=tol,
                    approach=approach)
    ids = _fold_ids(prep, folds, repetitions, seed, fold_ids, source)
    cv = _run(prep, ids, approach)
    if not cv.used.any():
        raise _all_failed(cv.failures, source)
    return replace(cv, pls=cv.pls[cv.used], lm=cv.lm[cv.used], ia=cv.ia[cv.used])


def _all_failed(failures: Sequence[str], source: str) -> PredictionError:
    reasons = sorted({f for f in failures if f})
    return PredictionError("fits_failed", f"{source}: every repetition has a training sample "
                           f"whose fit failed ({'; '.join(reasons)}): no out-of-sample "
                           "prediction.")


def _run(prep: _Prepared, fold_ids: np.ndarray, approach: str) -> CrossValidated:
    """The predictions of every repetition of ``fold_ids`` (failed ones included, NaN, with
    ``used`` False)."""
    bound, kernel, s, x, rows = prep.bound, prep.kernel, prep.structure, prep.x, prep.rows
    n = x.shape[0]
    folds = int(fold_ids.max()) + 1
    reps = fold_ids.shape[0]

    # Every training sample's moments, then one batched PLS fit of all of them.
    splits = [(r, f) for r in range(reps) for f in range(folds)]
    mean, cov, _ = _training_moments(x, fold_ids, splits)
    sd = np.sqrt(np.einsum("bii->bi", cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / (sd[:, :, None] * sd[:, None, :])
    fit = kernel(corr, mean, sd)
    failures = list(fit.failed)

    targets = s.targets
    target_cols = [j for t in targets for j in s.items_of[t]]
    latent_of = tuple(t for t in targets for _ in s.items_of[t])
    m = len(target_cols)
    pls = np.full((reps, n, m), np.nan)
    lm = np.full((reps, n, m), np.nan)
    ia = np.full((reps, n, m), np.nan)
    lat_idx = [s.column[c] for c in s.latents]
    pos = {c: k for k, c in enumerate(s.latents)}
    path_at = [(pos[a], pos[t], k) for k, (a, t) in enumerate(kernel.paths)]
    # Per target: its indicators, its latent, and the indicators LM predicts them from.
    plan = []
    for t in targets:
        inputs = ([j for a in bound.model.predecessors(t) for j in s.items_of[a]]
                  if approach == "direct" else [j for a in s.exogenous for j in s.items_of[a]])
        plan.append((np.asarray(s.items_of[t]), pos[t], np.asarray(inputs)))
    # The LM benchmark's coefficients of every split, one batched solve per target.
    coefs = [_lm_coefficients(cov, inputs, cols, failures) for cols, _, inputs in plan]
    answered = ~np.isnan(x)
    for b, (r, f) in enumerate(splits):
        if failures[b]:
            continue
        test = fold_ids[r] == f
        mu, sigma = mean[b], sd[b]
        # A held-out respondent's missing answer sits at the training mean (deviation 0).
        dev = np.where(answered[test], x[test] - mu, 0.0)
        v = fit.weights[b][:, lat_idx]  # (q, L): effective weights of the model's latents
        loading = corr[b] @ v  # corr(item, latent score): the scores have unit variance
        beta = np.zeros((len(s.latents), len(s.latents)))
        for i, j, k in path_at:
            beta[i, j] = fit.paths[b, k]
        predicted = _predict_scores((dev / sigma) @ v, beta, s, approach)
        preds, lms = [], []
        for (cols, latent, inputs), coef in zip(plan, coefs, strict=True):
            preds.append(predicted[:, [latent]] * (loading[cols, latent] * sigma[cols])
                         + mu[cols])
            lms.append(mu[cols] + dev[:, inputs] @ coef[b])
        pls[r, test] = np.concatenate(preds, axis=1)
        lm[r, test] = np.concatenate(lms, axis=1)
        ia[r, test] = mu[target_cols]
    failed = np.array([bool(x_) for x_ in failures]).reshape(reps, folds)
    return CrossValidated(
        items=tuple(kernel.items[j] for j in target_cols), latent_of=latent_of,
        actual=x[:, target_cols], pls=pls, lm=lm, ia=ia, folds=fold_ids,
        used=~failed.any(axis=1), failures=tuple(failures), rows=rows, approach=approach,
        missing=prep.missing)


def _lm_coefficients(cov: np.ndarray, inputs: np.ndarray, cols: np.ndarray,
                     failures: list[str]) -> np.ndarray:
    """(B, k, m) OLS coefficients of items ``cols`` on items ``inputs`` from each split's
    training covariance ``cov`` (B, q, q), in one batched solve; a split whose predictor
    covariance is singular gets its failure in ``failures`` (its coefficients NaN)."""
    a = cov[:, inputs][:, :, inputs]
    rhs = cov[:, inputs][:, :, cols]
    try:
        return np.linalg.solve(a, rhs)
    except np.linalg.LinAlgError:  # one split or more singular: find which, one by one
        out = np.full(rhs.shape, np.nan)
        for b in range(len(cov)):
            try:
                out[b] = np.linalg.solve(a[b], rhs[b])
            except np.linalg.LinAlgError:
                failures[b] = failures[b] or "singular predictor covariance of the LM benchmark"
        return out


def _predict_scores(scores: np.ndarray, beta: np.ndarray, s: _Structure,
                    approach: str) -> np.ndarray:
    """Predicted latent scores (n, L) from the held-out respondents' scores. ``direct``: each
    endogenous latent from its antecedents' scores; ``earliest``: from the exogenous scores,
    propagated in causal order (``s.latents`` is causal)."""
    if approach == "direct":
        out = scores @ beta
        exo = [k for k, c in enumerate(s.latents) if c in s.exogenous]
        out[:, exo] = scores[:, exo]
        return out
    out = np.zeros_like(scores)
    for k, c in enumerate(s.latents):
        out[:, k] = scores[:, k] if c in s.exogenous else out @ beta[:, k]
    return out


# --------------------------------------------------------------------------- PLSpredict


@dataclass(frozen=True)
class IndicatorPrediction:
    """One target indicator: Q²_predict, RMSE and MAE of PLS and LM (averages over the
    repetitions), whether PLS beats LM on each, and the respondents scored (``n``) and left
    out for a missing answer (``n_unscored``)."""

    latent: str
    item: str
    q2_predict: float | None
    pls_rmse: float | None
    pls_mae: float | None
    lm_rmse: float | None
    lm_mae: float | None
    lm_q2_predict: float | None
    pls_beats_lm_rmse: bool
    pls_beats_lm_mae: bool
    n: int
    n_unscored: int

    def to_json(self) -> dict[str, Any]:
        return {"latent": self.latent, "item": self.item, "q2_predict": self.q2_predict,
                "pls_rmse": self.pls_rmse, "pls_mae": self.pls_mae, "lm_rmse": self.lm_rmse,
                "lm_mae": self.lm_mae, "lm_q2_predict": self.lm_q2_predict,
                "pls_beats_lm_rmse": self.pls_beats_lm_rmse,
                "pls_beats_lm_mae": self.pls_beats_lm_mae, "n": self.n,
                "n_unscored": self.n_unscored}


@dataclass(frozen=True)
class PredictivePower:
    """The reading of one endogenous latent's indicators (see the module): ``power`` one of
    :data:`POWER`, ``q2_positive`` indicators with Q²_predict > 0, ``beats_rmse`` /
    ``beats_mae`` indicators where PLS has the lower error, out of ``n_items``."""

    latent: str
    n_items: int
    q2_positive: int
    beats_rmse: int
    beats_mae: int
    power: str
    code: str

    def to_json(self) -> dict[str, Any]:
        return {"latent": self.latent, "n_items": self.n_items,
                "q2_positive": self.q2_positive, "pls_beats_lm_rmse": self.beats_rmse,
                "pls_beats_lm_mae": self.beats_mae, "power": self.power, "code": self.code}


def predictive_power(latent: str, rows: Sequence[IndicatorPrediction]) -> PredictivePower:
    """Hair et al.'s (2019; 2022, ch. 6) reading of ``rows`` (one latent's indicators):
    ``none`` when an indicator's Q²_predict is not above 0 (code 'q2_not_positive') or PLS
    beats LM on no indicator; ``low`` on a minority, ``medium`` on half or a majority, ``high``
    on every one (by RMSE, Shmueli et al. 2019's default)."""
    m = len(rows)
    q2 = sum(1 for x in rows if x.q2_predict is not None and x.q2_predict > 0)
    beats = sum(x.pls_beats_lm_rmse for x in rows)
    mae = sum(x.pls_beats_lm_mae for x in rows)
    if q2 < m:
        power, code = "none", "q2_not_positive"
    elif beats == 0:
        power, code = "none", "lm_better_everywhere"
    elif beats == m:
        power, code = "high", "pls_better_everywhere"
    elif 2 * beats >= m:
        power, code = "medium", "pls_better_majority"
    else:
        power, code = "low", "pls_better_minority"
    return PredictivePower(latent, m, q2, beats, mae, power, code)


def indicator_table(cv: CrossValidated) -> list[IndicatorPrediction]:
    """Per target indicator: Q²_predict, RMSE, MAE of PLS and LM, averaged over the usable
    repetitions (each repetition's numbers over the respondents who answered it)."""
    answered = ~np.isnan(cv.actual)  # (n, m)
    scored = answered.sum(axis=0)
    y = np.where(answered, cv.actual, 0.0)

    def errors(pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sums of squared and of absolute errors (R, m) over the answering respondents."""
        e = np.where(answered[None], y[None] - pred, 0.0)
        return (e ** 2).sum(axis=1), np.abs(e).sum(axis=1)

    (sse, sae), (lm_sse, lm_sae), (ia_sse, _) = errors(cv.pls), errors(cv.lm), errors(cv.ia)
    with np.errstate(invalid="ignore", divide="ignore"):
        q2 = (1 - sse / ia_sse).mean(axis=0)
        lm_q2 = (1 - lm_sse / ia_sse).mean(axis=0)
        rmse, lm_rmse = np.sqrt(sse / scored).mean(axis=0), np.sqrt(lm_sse / scored).mean(axis=0)
        mae, lm_mae = (sae / scored).mean(axis=0), (lm_sae / scored).mean(axis=0)
    return [IndicatorPrediction(
        cv.latent_of[j], item, finite(q2[j]), finite(rmse[j]), finite(mae[j]),
        finite(lm_rmse[j]), finite(lm_mae[j]), finite(lm_q2[j]), bool(rmse[j] < lm_rmse[j]),
        bool(mae[j] < lm_mae[j]), int(scored[j]), int(cv.actual.shape[0] - scored[j]))
        for j, item in enumerate(cv.items)]


# --------------------------------------------------------------------------- CVPAT


@dataclass(frozen=True)
class LossTest:
    """CVPAT's comparison of predictors A and B on one latent (or ``overall``): their average
    losses, the mean difference D = loss(B) - loss(A) (> 0: A predicts better), the paired t
    test (t, df, p) and the bootstrap test (its standard error, t and p; None without
    resamples). ``alternative``: 'greater' (H1: B's loss is larger) or 'two-sided'."""

    latent: str
    a: str
    b: str
    loss_a: float
    loss_b: float
    difference: float
    t_value: float | None
    df: int
    p_value: float | None
    boot_se: float | None
    boot_t_value: float | None
    boot_p_value: float | None
    alternative: str
    n: int

    def to_json(self) -> dict[str, Any]:
        return {"latent": self.latent, "a": self.a, "b": self.b, "loss_a": self.loss_a,
                "loss_b": self.loss_b, "difference": self.difference, "t_value": self.t_value,
                "df": self.df, "p_value": self.p_value, "boot_se": self.boot_se,
                "boot_t_value": self.boot_t_value, "boot_p_value": self.boot_p_value,
                "alternative": self.alternative, "n": self.n}


def _with_p_values(tests: Sequence[LossTest]) -> list[LossTest]:
    """``tests`` with the p-values of their t and bootstrap t (Student's t with n - 1 df,
    upper tail or two-sided as each test's alternative), all computed at once."""
    t = np.array([[x.t_value, x.boot_t_value] for x in tests], dtype=float)  # None: NaN
    df = np.array([[x.df, x.df] for x in tests], dtype=float)
    two = np.array([[x.alternative == "two-sided"] * 2 for x in tests])
    usable = np.isfinite(t) & (df > 0)
    p = np.full(t.shape, np.nan)
    p[usable & two] = t_two_sided(t[usable & two], df[usable & two])
    p[usable & ~two] = t_sf(t[usable & ~two], df[usable & ~two])
    return [replace(x, p_value=finite(p[k, 0]), boot_p_value=finite(p[k, 1]))
            for k, x in enumerate(tests)]


def loss_test(loss_a: np.ndarray, loss_b: np.ndarray, *, latent: str, a: str, b: str,
              alternative: str, boot_means: np.ndarray | None) -> LossTest:
    """CVPAT test of the respondents' losses ``loss_a`` and ``loss_b`` (n,): D = B - A.

    Paired t (Liengaard et al. 2021): mean(D) / (sd(D) / sqrt(n)), df n - 1. Bootstrap
    (Sharma et al. 2023): the standard error is the standard deviation (n - 1 divisor) of
    ``boot_means``, mean(D) in each bootstrap resample of the respondents; t = mean(D) / that
    SE, p from Student's t with n - 1 df. Respondents with a NaN loss (no answer to any
    indicator of the latent) are left out."""
    return _with_p_values([_loss_statistics(loss_a, loss_b, latent=latent, a=a, b=b,
                                            alternative=alternative,
                                            boot_means=boot_means)])[0]


def _loss_statistics(loss_a: np.ndarray, loss_b: np.ndarray, *, latent: str, a: str, b: str,
                     alternative: str, boot_means: np.ndarray | None) -> LossTest:
    """:func:`loss_test` without its p-values (None)."""
    ok = np.isfinite(loss_a) & np.isfinite(loss_b)
    d = loss_b[ok] - loss_a[ok]
    n = int(d.size)
    mean = float(d.mean()) if n else math.nan
    sd = float(d.std(ddof=1)) if n > 1 else math.nan
    t = mean / (sd / math.sqrt(n)) if n > 1 and sd > 0 else math.nan
    boot_se = boot_t = math.nan
    if boot_means is not None and n > 1:
        boot_se = float(boot_means.std(ddof=1))
        if boot_se > 0:
            boot_t = mean / boot_se
    return LossTest(latent, a, b, float(loss_a[ok].mean()) if n else math.nan,
                    float(loss_b[ok].mean()) if n else math.nan, mean, finite(t), n - 1,
                    None, finite(boot_se), finite(boot_t), None, alternative, n)


class Resampler:
    """CVPAT's bootstrap: ``resamples`` draws of n respondents with replacement, the same for
    every test of a run (PCG64 seeded by ``seed`` and the tag 1, so not the folds' stream).
    :meth:`means` gives the mean of each column of D (n, T) in every resample; a test on
    fewer respondents (some without a loss) gets its own draws, seeded by ``seed``, 1 and that
    number. ``draws`` (B, n) replaces the seeded draws of the n respondents (to reproduce a
    peer's resamples). The draws are made and tallied in chunks of at most :data:`CHUNK`
    indices (the same stream as one draw): memory stays flat however many respondents."""

    CHUNK = 2_000_000

    def __init__(self, n: int, resamples: int, seed: int,
                 draws: np.ndarray | None = None) -> None:
        self.n, self.seed = n, seed
        self.resamples = resamples if draws is None else len(draws)
        self._given = None if draws is None else np.asarray(draws)
        self._kept: dict[int, np.ndarray] = {}

    def draws(self, n: int) -> np.ndarray:
        """The (resamples, n) respondent indices of the seeded draws of n respondents."""
        return np.vstack(list(self._chunks(n)))

    def _chunks(self, n: int):
        if n == self.n and self._given is not None:
            yield self._given
            return
        rng = np.random.default_rng([self.seed, 1] if n == self.n else [self.seed, 1, n])
        step = max(1, self.CHUNK // max(n, 1))
        for start in range(0, self.resamples, step):
            yield rng.integers(0, n, size=(min(step, self.resamples - start), n))

    def means(self, d: np.ndarray) -> np.ndarray | None:
        """(resamples, T) means of the columns of ``d`` (n, T) over each resample, or None
        without resamples."""
        if self.resamples < 2:
            return None
        n = d.shape[0]
        return np.vstack([counts @ d / n for counts in self._counts(n)])

    def _counts(self, n: int):
        """The draws of n respondents as (b, n) counts of each respondent, chunk by chunk; kept
        for the next test when they fit in one chunk (CVPAT's tests against IA and LM share
        them)."""
        if n in self._kept:
            yield self._kept[n]
            return
        for draws in self._chunks(n):
            b = draws.shape[0]
            flat = (draws + n * np.arange(b)[:, None]).ravel()
            counts = np.bincount(flat, minlength=b * n).reshape(b, n).astype(float)
            if b == self.resamples:
                self._kept[n] = counts
            yield counts


def cvpat_tests(loss_a: np.ndarray, loss_b: np.ndarray, latents: Sequence[str], *, a: str,
                b: str, alternative: str, resampler: Resampler | None
                ) -> tuple[LossTest, ...]:
    """One :func:`loss_test` per latent column of the (n, T + 1) loss matrices, then
    ``overall`` (the last column), all on the same bootstrap resamples (the columns without a
    missing loss in one pass over them)."""
    names = [*latents, "overall"]
    diff = loss_b - loss_a
    complete = np.isfinite(diff).all(axis=0)
    boot = {}
    if resampler is not None and complete.any():
        means = resampler.means(diff[:, complete])
        if means is not None:
            boot = {k: means[:, j] for j, k in enumerate(np.flatnonzero(complete))}
    for k in np.flatnonzero(~complete):
        if resampler is not None:
            ok = np.isfinite(diff[:, k])
            means = resampler.means(diff[ok, k][:, None])
            boot[k] = None if means is None else means[:, 0]
    return tuple(_with_p_values([
        _loss_statistics(loss_a[:, k], loss_b[:, k], latent=name, a=a, b=b,
                         alternative=alternative, boot_means=boot.get(k))
        for k, name in enumerate(names)]))


@dataclass(frozen=True)
class Cvpat:
    """CVPAT of two predictors over the same folds: ``tests`` per target latent and overall."""

    a: str
    b: str
    alternative: str
    tests: tuple[LossTest, ...]
    resamples: int
    level: float = 0.05

    @property
    def overall(self) -> LossTest:
        return self.tests[-1]

    @property
    def significant(self) -> bool | None:
        """Whether A and B differ overall at 5 % (bootstrap p when there are resamples)."""
        p = self.overall.boot_p_value if self.resamples > 1 else self.overall.p_value
        return None if p is None else bool(p < self.level)

    def to_json(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "alternative": self.alternative,
                "resamples": self.resamples, "level": self.level,
                "significant": self.significant,
                "tests": [x.to_json() for x in self.tests]}


# --------------------------------------------------------------------------- the analysis


@dataclass(frozen=True)
class PredictionUnavailable:
    """Why there is no out-of-sample prediction (``code``: one of :data:`UNAVAILABLE`)."""

    code: str
    reason: str
    settings: PredictSettings = field(default_factory=PredictSettings)
    available: ClassVar[bool] = False

    def to_json(self) -> dict[str, Any]:
        return {"available": False, "code": self.code, "reason": self.reason,
                **_settings_json(self.settings)}


def _settings_json(s: PredictSettings) -> dict[str, Any]:
    return {"folds": s.folds, "repetitions": s.repetitions, "seed": s.seed,
            "approach": s.approach, "cvpat_resamples": s.resamples}


@dataclass(frozen=True)
class Prediction:
    """PLSpredict and CVPAT of one PLS estimate: ``indicators`` (one row per target
    indicator), ``power`` (the reading per endogenous latent), ``headline`` (the model's
    target's reading, or None when it has no endogenous target), and CVPAT of PLS against the
    IA and LM benchmarks (one-sided). ``repetitions_used``: repetitions whose every training
    fit succeeded; ``failed_fits``: the training fits that failed, with their reasons."""

    settings: PredictSettings
    n: int
    missing: str
    indicators: tuple[IndicatorPrediction, ...]
    power: tuple[PredictivePower, ...]
    headline: PredictivePower | None
    cvpat_ia: Cvpat
    cvpat_lm: Cvpat
    repetitions_used: int
    failed_fits: tuple[str, ...]
    higher_order: tuple[str, ...] = ()
    available: ClassVar[bool] = True

    def to_json(self) -> dict[str, Any]:
        return {"available": True, **_settings_json(self.settings), "n": self.n,
                "missing": self.missing, "repetitions_used": self.repetitions_used,
                "failed_fits": list(self.failed_fits),
                "benchmark": ("OLS of each indicator on the indicators of its latent's direct "
                              "antecedents" if self.settings.approach == "direct" else
                              "OLS of each indicator on all indicators of the exogenous "
                              "latents"),
                "q2_predict_baseline": "training-sample mean",
                "higher_order": list(self.higher_order),
                "indicators": [x.to_json() for x in self.indicators],
                "power": [x.to_json() for x in self.power],
                "headline": None if self.headline is None else self.headline.to_json(),
                "cvpat": {"ia": self.cvpat_ia.to_json(), "lm": self.cvpat_lm.to_json()}}


def pls_predict(bound: BoundModel, data: pd.DataFrame, *, missing: str = "mean",
                hoc: str = "repeated", scheme: str = "path",
                settings: PredictSettings | None = None, weights: str | None = None,
                fold_ids: np.ndarray | None = None, tol: float = 1e-7,
                draws: np.ndarray | None = None, source: str = "data") -> Prediction:
    """PLSpredict and CVPAT (against IA and LM) of ``bound`` on ``data`` (see the module).

    ``missing``, ``hoc``, ``scheme``, ``tol``: the estimate's settings; ``weights``: the
    estimate's case-weight column (refused: see the module). ``fold_ids``: see
    :func:`cross_validate`; ``draws``: CVPAT's bootstrap indices (see :class:`Resampler`).
    Raises :class:`PredictionError`."""
    settings = settings or PredictSettings()
    if weights is not None:
        raise PredictionError("case_weights", f"The estimate is weighted by '{weights}': "
                              "PLSpredict and CVPAT compare prediction errors of unweighted "
                              "respondents (Shmueli et al. 2016; Liengaard et al. 2021). "
                              "Estimate without case weights to run them.")
    from threadpoolctl import threadpool_limits

    # Matrices of a few dozen rows: BLAS threads gain nothing and, on a busy machine, spin
    # (the demo's 10 x 10 folds took 1.5 s of CPU with them, 0.15 s without).
    with threadpool_limits(1):
        return _pls_predict(bound, data, missing=missing, hoc=hoc, scheme=scheme,
                            settings=settings, fold_ids=fold_ids, tol=tol, draws=draws,
                            source=source)


def _pls_predict(bound: BoundModel, data: pd.DataFrame, *, missing: str, hoc: str, scheme: str,
                 settings: PredictSettings, fold_ids: np.ndarray | None, tol: float,
                 draws: np.ndarray | None, source: str) -> Prediction:
    prep = _prepare(bound, data, missing=missing, hoc=hoc, scheme=scheme, tol=tol,
                    approach=settings.approach)
    ids = _fold_ids(prep, settings.folds, settings.repetitions, settings.seed, fold_ids,
                    source)
    # One repetition at a time: the predictions of a repetition (n x m) are reduced to its
    # indicator table and the respondents' losses before the next one is made.
    tables, failures = [], []
    losses: dict[str, np.ndarray] = {}
    used = 0
    for r in range(len(ids)):
        cv = _run(prep, ids[[r]], settings.approach)
        failures += [f for f in cv.failures if f]
        if not cv.used[0]:
            continue
        used += 1
        tables.append(indicator_table(cv))
        for which in ("pls", "lm", "ia"):
            losses[which] = losses.get(which, 0.0) + cv.losses(which)
    if not used:
        raise _all_failed(failures, source)
    rows = _averaged(tables)
    targets = prep.structure.targets
    power = tuple(predictive_power(t, [x for x in rows if x.latent == t]) for t in targets)
    target = bound.model.target
    headline = next((p for p in power if p.latent == target), None)
    n = prep.x.shape[0]
    resampler = Resampler(n, settings.resamples, settings.seed, draws)
    pls_loss = losses["pls"] / used
    tests = {b: Cvpat("pls", b, "greater",
                      cvpat_tests(pls_loss, losses[b] / used, targets, a="pls", b=b,
                                  alternative="greater", resampler=resampler),
                      resampler.resamples)
             for b in ("ia", "lm")}
    return Prediction(settings=settings, n=n, missing=missing,
                      indicators=tuple(rows), power=power, headline=headline,
                      cvpat_ia=tests["ia"], cvpat_lm=tests["lm"],
                      repetitions_used=used, failed_fits=tuple(failures),
                      higher_order=tuple(h for h, _ in bound.second_order))


def _averaged(tables: Sequence[Sequence[IndicatorPrediction]]) -> list[IndicatorPrediction]:
    """The indicator tables of the repetitions as one: every number averaged over them, the
    comparisons made on the averages."""
    out = []
    for rows in zip(*tables, strict=True):
        def mean(name: str, rows=rows) -> float | None:
            values = [getattr(x, name) for x in rows]
            return None if any(v is None for v in values) else float(np.mean(values))

        first = rows[0]
        rmse, lm_rmse, mae, lm_mae = (mean("pls_rmse"), mean("lm_rmse"), mean("pls_mae"),
                                      mean("lm_mae"))
        out.append(IndicatorPrediction(
            first.latent, first.item, mean("q2_predict"), rmse, mae, lm_rmse, lm_mae,
            mean("lm_q2_predict"),
            rmse is not None and lm_rmse is not None and rmse < lm_rmse,
            mae is not None and lm_mae is not None and mae < lm_mae,
            first.n, first.n_unscored))
    return out


def prediction_of(bound: BoundModel, data: pd.DataFrame, estimate: Any,
                  settings: PredictSettings | None = None) -> Prediction | PredictionUnavailable:
    """:func:`pls_predict` of a PLS ``estimate`` with its own settings (missing policy, inner
    scheme, higher-order approach, case weights), or why it is not available."""
    settings = settings or PredictSettings()
    if estimate.method != "pls":
        return PredictionUnavailable("not_pls", "PLSpredict and CVPAT predict from a PLS "
                                     "estimate's composites; the headline estimate is "
                                     f"{estimate.method}. Estimate with --method pls or both.",
                                     settings)
    hoc = str(estimate.settings.get("higher_order", "repeated"))
    try:
        return pls_predict(bound, data, missing=estimate.missing,
                           hoc="repeated" if hoc == "none" else hoc,
                           scheme=str(estimate.settings.get("scheme", "path")),
                           settings=settings, tol=float(estimate.settings.get("tolerance", 1e-7)),
                           weights=estimate.settings.get("weights_column"))
    except PredictionError as exc:
        return PredictionUnavailable(exc.code, str(exc), settings)


def cvpat_compare(bound_a: BoundModel, bound_b: BoundModel, data: pd.DataFrame, *,
                  missing: str = "mean", hoc: str = "repeated", scheme: str = "path",
                  settings: PredictSettings | None = None,
                  fold_ids: np.ndarray | None = None, tol: float = 1e-7,
                  draws: np.ndarray | None = None, source: str = "data") -> Cvpat:
    """CVPAT of two models (A: ``bound_a``, established; B: ``bound_b``, alternative) over the
    same folds and bootstrap resamples, two-sided (Liengaard et al. 2021): D = loss(B) - loss(A),
    per target latent and overall. Both models must predict the same indicators of the same
    latents (they may differ in their paths and exogenous latents). With ``listwise`` the
    respondents complete on both models' items are used."""
    settings = settings or PredictSettings()
    items = list(dict.fromkeys([*bound_a.items, *bound_b.items]))
    frame = data
    if missing == "listwise":
        frame = data.loc[~data[items].isna().any(axis=1)]
    preps = [_prepare(b, frame, missing=missing, hoc=hoc, scheme=scheme, tol=tol,
                      approach=settings.approach) for b in (bound_a, bound_b)]
    n = len(frame)
    if fold_ids is None:
        check_folds(n, settings.folds, max(p.x.shape[1] for p in preps))
        fold_ids = assign_folds(n, settings.folds, settings.repetitions, settings.seed)
    else:
        for prep in preps:
            fold_ids = _checked_fold_ids(fold_ids, n, prep.x.shape[1], source)
    sums = [0.0, 0.0]
    used, failures, targets = 0, [], None
    from threadpoolctl import threadpool_limits

    for r in range(len(fold_ids)):
        with threadpool_limits(1):  # small matrices (see pls_predict)
            cvs = [_run(prep, fold_ids[[r]], settings.approach) for prep in preps]
        if targets is None:
            a, b = (list(zip(cv.latent_of, cv.items, strict=True)) for cv in cvs)
            if a != b:
                raise PredictionError(
                    "no_targets", f"Models '{bound_a.model.id}' and '{bound_b.model.id}' do "
                    "not predict the same indicators of the same latents; CVPAT compares two "
                    "models' losses on the same targets.")
            targets = cvs[0].targets
        failures += [f for cv in cvs for f in cv.failures if f]
        if not all(cv.used[0] for cv in cvs):
            continue  # both models on the same repetitions
        used += 1
        for k, cv in enumerate(cvs):
            sums[k] = sums[k] + cv.losses("pls")
    if not used:
        raise _all_failed(failures, source)
    resampler = Resampler(n, settings.resamples, settings.seed, draws)
    return Cvpat(bound_a.model.id, bound_b.model.id, "two-sided",
                 cvpat_tests(sums[0] / used, sums[1] / used, targets, a=bound_a.model.id,
                             b=bound_b.model.id, alternative="two-sided",
                             resampler=resampler),
                 resampler.resamples)
