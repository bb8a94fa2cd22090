"""Recommended labels: the four models' average, with probabilities that keep the doubt about the model.

The candidates are majority vote, one-coin Dawid-Skene, Dawid-Skene and the pooled Dawid-Skene
(:mod:`.pooled`). Each is scored by the held-out likelihood of the answers
(:mod:`.calibration`): hide each answer, predict it from the task's other answers and the model
refitted without it (one-step leave-one-out of the worker's counts), sum the log probabilities.
The same score tempers each model's posteriors (:func:`~.calibration.calibrate_posteriors`).

**The label** (``recommended_model`` = ``"average"``) is the most probable class of the four
models' posteriors averaged with equal weights, ``argmax_k (1/4) sum_m P_m(z_t = k)``: a soft vote
of the four models. The untempered posteriors vote, so that each model weighs as much as its own
labels do; tempering serves the probabilities below, and a model tempered close to uniform would
otherwise lose its vote. The held-out score alone picks the model that predicts *answers* best,
which on real jobs is often the one that models worker biases best, not the one with the best
labels; the soft vote does not bet the job on that one choice.

**How sure each label is** (:func:`average_label_probability`). ``label_probability`` is the
probability of the recommended label averaged, with equal weights, over the four models' tempered
posteriors. On real jobs the models' own certainties differ by many points; averaging keeps the
doubt about the choice of model in every label's probability. A label the other models dispute
gets a low probability and comes early in the review order.

**The estimated label accuracy** (:func:`estimate_label_accuracy`) is the mean of
``label_probability``. Its range runs from the lowest to the highest of the four models' own
estimates (each model's mean tempered probability of the recommended labels), widened by the
profile-likelihood and sampling spread (:class:`~.calibration.Calibrated`) of the model with the
best held-out score (``best`` below). The low end is also at most the expected share of right
*answers* under that model: if the workers' mistakes were fully shared, combining answers would
gain nothing, and no model that assumes independent mistakes can rule that out from the answers
alone.

Majority vote enters the held-out score as the model in which every worker has the same one-coin
accuracy (its most probable label is the majority label, ties and near-ties going to the more
frequent class); its vote in the average is the share of answers for each class.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Final

import numpy as np
import polars as pl
from numpy.typing import NDArray

from crowdaudit.metrics._confusion import take_cells
from crowdaudit.metrics._encoding import EncodedAnswers, FloatArray
from crowdaudit.metrics.calibration import Calibrated, calibrate_posteriors, leave_out_rows
from crowdaudit.metrics.estimators import DawidSkene, MajorityVote, OneCoinDawidSkene
from crowdaudit.metrics.pooled import PooledDawidSkene
from crowdaudit.schema import COL

__all__ = [
    "MODELS",
    "RECOMMENDED",
    "LabelChoice",
    "LabelEstimate",
    "average_label_probability",
    "choose_labels",
    "estimate_label_accuracy",
    "soft_vote",
]


MODELS: Final = ("majority_vote", "one_coin", "dawid_skene", "pooled")
"""Names of the candidate models, as in ``summary.json``; ties go to the earlier one."""

RECOMMENDED: Final = "average"
"""``recommended_model`` of every job: the soft vote of the four models (module docstring)."""


@dataclass(frozen=True, slots=True)
class LabelChoice:
    """The candidates, the best-scoring one and the recommended labels.

    Attributes:
        recommended: :data:`RECOMMENDED`, the key of the recommended labels in ``labels``.
        best: the model with the best held-out score (one of :data:`MODELS`).
        calibrated: model name -> its tempered posteriors and held-out score.
        labels: model name (and :data:`RECOMMENDED`) -> ``(n_tasks,)`` class code of each task's
            label.
    """

    recommended: str
    best: str
    calibrated: dict[str, Calibrated]
    labels: dict[str, NDArray[np.int64]]


def _one_coin_hidden(
    enc: EncodedAnswers,
    skills_right: FloatArray,
    totals: FloatArray,
    probas: FloatArray,
    alpha: float,
) -> FloatArray:
    """Leave-one-out rows of a one-coin model: the worker's accuracy without answer ``n``."""
    k = enc.n_classes
    q_own = take_cells(probas, enc.task, enc.label)
    right = skills_right[enc.worker] - q_own + k * alpha
    total = totals[enc.worker] - 1.0 + k * k * alpha
    skill = np.clip(right / np.maximum(total, 1e-12), 1e-10, 1.0 - 1e-10)
    rows = np.repeat(((1.0 - skill) / max(k - 1, 1))[:, None], k, axis=1)
    rows[np.arange(enc.n_answers), enc.label] = skill
    return rows


def _one_coin_candidate(enc: EncodedAnswers, model: OneCoinDawidSkene) -> Calibrated:
    right = np.bincount(
        enc.worker,
        weights=take_cells(model.probas_, enc.task, enc.label),
        minlength=enc.n_workers,
    ).astype(np.float64)
    totals = np.bincount(enc.worker, minlength=enc.n_workers).astype(np.float64)
    hidden = _one_coin_hidden(enc, right, totals, model.probas_, model.smoothing)
    return calibrate_posteriors(enc, model.priors_, model.confusion_columns_, hidden)


def choose_labels(
    enc: EncodedAnswers,
    *,
    dawid_skene: DawidSkene,
    one_coin: OneCoinDawidSkene,
    pooled: PooledDawidSkene,
    majority: MajorityVote,
) -> LabelChoice:
    """Score and temper the four fitted models, and take their soft vote (module docstring).

    Args:
        enc: the encoded answers the models were fitted on.
        dawid_skene, one_coin, pooled, majority: the fitted models.
    """
    shared = dataclasses.replace(
        enc,
        worker=np.zeros(enc.n_answers, dtype=np.int64),
        workers=pl.Series(COL.WORKER, ["*"], dtype=pl.String),
    )
    equal = OneCoinDawidSkene(
        max_iter=one_coin.max_iter, tol=one_coin.tol, smoothing=one_coin.smoothing
    ).fit(shared)
    calibrated = {
        "majority_vote": _one_coin_candidate(shared, equal),
        "one_coin": _one_coin_candidate(enc, one_coin),
        "dawid_skene": calibrate_posteriors(
            enc,
            dawid_skene.priors_,
            dawid_skene.confusion_columns_,
            # The fit's last M-step counted the expected answers of its final posteriors: the
            # Dirichlet parameters C_w + alpha, held at the (worker, label) pairs.
            leave_out_rows(enc, dawid_skene.confusion_columns_, dawid_skene.probas_),
        ),
        "pooled": calibrate_posteriors(
            enc,
            pooled.priors_,
            pooled.confusion_columns_,
            leave_out_rows(enc, pooled.confusion_columns_, pooled.probas_),
        ),
    }
    labels = {
        "majority_vote": majority.probas_.argmax(axis=1),
        "one_coin": one_coin.probas_.argmax(axis=1),
        "dawid_skene": dawid_skene.probas_.argmax(axis=1),
        "pooled": pooled.probas_.argmax(axis=1),
    }
    labels[RECOMMENDED] = soft_vote(
        (majority.probas_, one_coin.probas_, dawid_skene.probas_, pooled.probas_)
    )
    scores = [calibrated[name].held_out for name in MODELS]
    best = MODELS[int(np.argmax(scores))]
    return LabelChoice(RECOMMENDED, best, calibrated, labels)


def soft_vote(posteriors: tuple[FloatArray, ...]) -> NDArray[np.int64]:
    """Most probable class of the equal-weight average; ties go to the smaller class code.

    Args:
        posteriors: ``(n_tasks, K)`` arrays, one per model, each row summing to 1.

    Example:
        >>> a = np.array([[0.9, 0.1], [0.5, 0.5]])
        >>> b = np.array([[0.2, 0.8], [0.3, 0.7]])
        >>> soft_vote((a, b)).tolist()  # task 0: 0.55 against 0.45; task 1: 0.4 against 0.6
        [0, 1]
    """
    total: FloatArray = np.zeros_like(posteriors[0])
    for probas in posteriors:
        total += probas
    codes: NDArray[np.int64] = total.argmax(axis=1)
    return codes


def average_label_probability(choice: LabelChoice) -> FloatArray:
    """``(n_tasks,)`` probability of each recommended label, averaged over the four models.

    ``mean_m P_m(z_t = l_t)``, with ``P_m`` model ``m``'s tempered posteriors and ``l_t`` the
    recommended label (module docstring).
    """
    total = np.zeros(choice.labels[choice.recommended].size, dtype=np.float64)
    for name in MODELS:
        total += _probability_of_recommended(choice, name)
    out: FloatArray = total / len(MODELS)
    return out


def _probability_of_recommended(choice: LabelChoice, name: str) -> FloatArray:
    """``(n_tasks,)`` model ``name``'s tempered probability of each recommended label."""
    codes = choice.labels[choice.recommended]
    probability: FloatArray = choice.calibrated[name].probas[np.arange(codes.size), codes]
    return probability


@dataclass(frozen=True, slots=True)
class LabelEstimate:
    """The estimated share of right recommended labels and its 90 % range (module docstring)."""

    accuracy: float
    low: float
    high: float


def estimate_label_accuracy(
    enc: EncodedAnswers, choice: LabelChoice, probability: FloatArray
) -> LabelEstimate:
    """Estimate the accuracy of the recommended labels without gold (module docstring).

    Args:
        enc: the encoded answers the models were fitted on.
        choice: the candidates and the recommended model.
        probability: ``(n_tasks,)`` :func:`average_label_probability`; not empty.

    Returns:
        The mean of ``probability`` and its range; ``low <= accuracy <= high``.
    """
    own = [float(_probability_of_recommended(choice, m).mean()) for m in MODELS]
    cal = choice.calibrated[choice.best]
    estimate = float(probability.mean())
    answers_right = float(take_cells(cal.probas, enc.task, enc.label).mean())
    low = min(min(own) - (cal.accuracy - cal.accuracy_low), answers_right, estimate)
    high = max(max(own) + (cal.accuracy_high - cal.accuracy), estimate)
    return LabelEstimate(accuracy=estimate, low=max(0.0, low), high=min(1.0, high))
