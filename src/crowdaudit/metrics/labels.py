"""Recommended labels: one of four models chosen per job without gold, with calibrated probabilities.

The candidates are majority vote, one-coin Dawid-Skene, Dawid-Skene and the pooled Dawid-Skene
(:mod:`.pooled`). Each is scored by the held-out likelihood of the answers
(:mod:`.calibration`): hide each answer, predict it from the task's other answers and the model
refitted without it (one-step leave-one-out of the worker's counts), sum the log probabilities.
The model that predicts hidden answers best is recommended; its posteriors, tempered by the same
score, give ``label_probability`` and the estimated label accuracy.

Majority vote enters as the model in which every worker has the same one-coin accuracy (its most
probable label is the majority label, ties and near-ties going to the more frequent class).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Final

import numpy as np
import polars as pl
from numpy.typing import NDArray

from crowdaudit.metrics._confusion import SparseConfusion
from crowdaudit.metrics._encoding import EncodedAnswers
from crowdaudit.metrics.calibration import Calibrated, calibrate_posteriors, leave_out_rows
from crowdaudit.metrics.estimators import DawidSkene, MajorityVote, OneCoinDawidSkene
from crowdaudit.metrics.pooled import PooledDawidSkene
from crowdaudit.schema import COL

__all__ = ["MODELS", "LabelChoice", "choose_labels"]

FloatArray = NDArray[np.float64]

MODELS: Final = ("majority_vote", "one_coin", "dawid_skene", "pooled")
"""Names of the candidate models, as in ``summary.json``; ties go to the earlier one."""


@dataclass(frozen=True, slots=True)
class LabelChoice:
    """The candidates and the recommended one.

    Attributes:
        recommended: the chosen model's name (one of :data:`MODELS`).
        calibrated: model name -> its tempered posteriors and held-out score.
        labels: model name -> ``(n_tasks,)`` class code of each task's label.
    """

    recommended: str
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
    q_own = probas[enc.task, enc.label]
    right = skills_right[enc.worker] - q_own + k * alpha
    total = totals[enc.worker] - 1.0 + k * k * alpha
    skill = np.clip(right / np.maximum(total, 1e-12), 1e-10, 1.0 - 1e-10)
    rows = np.repeat(((1.0 - skill) / max(k - 1, 1))[:, None], k, axis=1)
    rows[np.arange(enc.n_answers), enc.label] = skill
    return rows


def _one_coin_candidate(enc: EncodedAnswers, model: OneCoinDawidSkene) -> Calibrated:
    right = np.bincount(
        enc.worker, weights=model.probas_[enc.task, enc.label], minlength=enc.n_workers
    ).astype(np.float64)
    totals = np.bincount(enc.worker, minlength=enc.n_workers).astype(np.float64)
    hidden = _one_coin_hidden(enc, right, totals, model.probas_, model.smoothing)
    return calibrate_posteriors(enc, model.priors_, model.confusion_columns_, hidden)


def _ds_counts(dawid_skene: DawidSkene) -> SparseConfusion:
    # The fit's last M-step counted the expected answers of its final posteriors: the Dirichlet
    # parameters C_w + alpha, held at the (worker, label) pairs, with no (workers, K, K) copy.
    return dawid_skene.confusion_columns_


def choose_labels(
    enc: EncodedAnswers,
    *,
    dawid_skene: DawidSkene,
    one_coin: OneCoinDawidSkene,
    pooled: PooledDawidSkene,
    majority: MajorityVote,
) -> LabelChoice:
    """Score the four fitted models by held-out likelihood and pick one (module docstring).

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
            leave_out_rows(
                enc,
                _ds_counts(dawid_skene),
                dawid_skene.probas_,
            ),
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
    scores = [calibrated[name].held_out for name in MODELS]
    recommended = MODELS[int(np.argmax(scores))]
    return LabelChoice(recommended, calibrated, labels)
