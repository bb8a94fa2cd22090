"""Spam signals: how uninformative a worker's answers are, and three flags with stated thresholds.

``spam_score`` follows Raykar and Yu's idea that a spammer's confusion matrix has identical rows
(the answer does not depend on the true class), measured with total variation instead of their
squared Euclidean distance so that the binary case reads as ``1 - |Youden's J|``:

``spam_w = 1 - sum_{c<c'} p_c p_c' TV(pi_w[c], pi_w[c']) / sum_{c<c'} p_c p_c'``,
``TV(a, b) = 1/2 sum_l |a_l - b_l|``,

with ``pi_w`` the worker's Dawid-Skene confusion matrix (rows = true class) and ``p`` the class
priors, which weight the pairs so that classes that (almost) never occur do not count. 0 for a
worker whose answer determines the true class (a perfect worker, but also a perfectly *inverted*
one); 1 for a worker whose answers are independent of it (always the same label, or random labels).
For two classes, ``spam = 1 - |sensitivity + specificity - 1|``.

V. C. Raykar and S. Yu, "Eliminating spammers and ranking annotators for crowdsourced labeling
tasks", *JMLR* 13, 491-518, 2012; P. G. Ipeirotis, F. Provost and J. Wang, "Quality management on
Amazon Mechanical Turk", *HCOMP* 2010 (the same idea, cost-based).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["FlagThresholds", "WorkerFlags", "compute_spam_score", "compute_worker_flags"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class FlagThresholds:
    """Thresholds of the three worker flags. No flag is raised for fewer than ``min_answers``.

    Attributes:
        min_answers: least answers a worker needs before any flag is raised.
        same_answer_share: ``flag_same_answer`` when the worker's most frequent label is at least
            this share of their answers, while the Dawid-Skene labels of the same tasks are that
            label less often than this share (so a worker who rightly answers "no" to an all-"no"
            batch is not flagged).
        inverted_max_accuracy: ``flag_inverted`` when ``ds_accuracy`` is below this ...
        inverted_max_spam: ... and ``spam_score`` is at most this (answers still informative once
            the confusion is corrected).
        fast_ratio: ``flag_fast_and_disagreeing`` when the worker's median seconds is below this
            fraction of the job's median seconds per answer ...
        fast_max_kappa: ... and their leave-one-out ``kappa`` is below this. Speed alone never
            flags: a fast worker whose kappa is undefined is not flagged.
    """

    min_answers: int = 5
    same_answer_share: float = 0.95
    inverted_max_accuracy: float = 0.5
    inverted_max_spam: float = 0.5
    fast_ratio: float = 0.5
    fast_max_kappa: float = 0.2


def compute_spam_score(confusion: FloatArray, priors: FloatArray) -> FloatArray:
    """Spam score of each worker from their confusion matrix (formula in the module docstring).

    Args:
        confusion: ``(n_workers, K, K)``, ``confusion[w, k, l] = P(answer l | true class k)``.
        priors: ``(K,)`` class priors.

    Returns:
        ``(n_workers,)`` scores in [0, 1]; NaN when fewer than two classes carry prior mass.

    Example:
        >>> perfect = np.eye(2)[None]
        >>> same = np.array([[[1.0, 0.0], [1.0, 0.0]]])
        >>> compute_spam_score(np.concatenate([perfect, same]), np.array([0.5, 0.5])).tolist()
        [0.0, 1.0]
    """
    k = confusion.shape[1]
    first, second = np.triu_indices(k, 1)
    pair_weight = priors[first] * priors[second]
    total = float(pair_weight.sum())
    if k < 2 or total <= 1e-12:
        return np.full(confusion.shape[0], np.nan)
    tv = 0.5 * np.abs(confusion[:, first, :] - confusion[:, second, :]).sum(axis=2)
    score: FloatArray = np.clip(1.0 - (tv @ pair_weight) / total, 0.0, 1.0)
    return score


@dataclass(frozen=True, slots=True)
class WorkerFlags:
    """The three flags, one entry per worker; ``fast_and_disagreeing`` is None without timings."""

    same_answer: BoolArray
    inverted: BoolArray
    fast_and_disagreeing: BoolArray | None
    fast_known: BoolArray | None


def compute_worker_flags(
    *,
    n_answers: IntArray,
    top_share: FloatArray,
    consensus_top_share: FloatArray,
    ds_accuracy: FloatArray,
    spam_score: FloatArray,
    kappa: FloatArray,
    median_seconds: FloatArray | None,
    job_median_seconds: float | None,
    thresholds: FlagThresholds,
) -> WorkerFlags:
    """Raise the flags of :class:`FlagThresholds` for every worker at once.

    Args:
        n_answers: answers per worker.
        top_share: share of the worker's answers equal to their most frequent label.
        consensus_top_share: share of the worker's tasks whose Dawid-Skene label is that label.
        ds_accuracy: expected accuracy under the Dawid-Skene confusion matrix.
        spam_score: :func:`compute_spam_score`.
        kappa: leave-one-out kappa (NaN where undefined).
        median_seconds: median seconds per answer of each worker (NaN where unknown), or None when
            the job has no timings.
        job_median_seconds: median seconds over all answers of the job, or None.
        thresholds: the thresholds.

    Returns:
        The flags; ``fast_known`` marks the workers whose speed could be judged.
    """
    t = thresholds
    enough = n_answers >= t.min_answers
    same = enough & (top_share >= t.same_answer_share) & (consensus_top_share < t.same_answer_share)
    with np.errstate(invalid="ignore"):
        inverted = (
            enough & (ds_accuracy < t.inverted_max_accuracy) & (spam_score <= t.inverted_max_spam)
        )
    fast: BoolArray | None = None
    known: BoolArray | None = None
    if median_seconds is not None and job_median_seconds is not None:
        known = ~np.isnan(median_seconds)
        with np.errstate(invalid="ignore"):
            quick = median_seconds < t.fast_ratio * job_median_seconds
            disagreeing = kappa < t.fast_max_kappa
        fast = known & enough & quick & disagreeing
    return WorkerFlags(
        same_answer=same, inverted=inverted, fast_and_disagreeing=fast, fast_known=known
    )
