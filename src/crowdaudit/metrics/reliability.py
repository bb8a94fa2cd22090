"""Agreement statistics: Krippendorff's alpha, Fleiss' kappa, Cohen's kappa and the per-worker kappa
against the leave-one-out majority.

The job-level statistics take the ``(n_tasks, n_classes)`` matrix of answer counts
(:meth:`~crowdaudit.metrics._encoding.EncodedAnswers.label_counts`): ``counts[t, k]`` is the number
of workers who gave task ``t`` the label ``k``. Undefined values are ``None`` (or NaN in per-worker
arrays), never 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from crowdaudit.metrics._encoding import EncodedAnswers, FloatArray, IntArray

__all__ = [
    "compute_cohen_kappa",
    "compute_fleiss_kappa",
    "compute_krippendorff_alpha",
    "compute_loo_kappa",
    "compute_loo_majority_agreement",
]


_TINY = 1e-12


def compute_krippendorff_alpha(counts: IntArray) -> float | None:
    r"""Krippendorff's alpha for nominal data, from the coincidence matrix.

    Only tasks with at least two answers are pairable. With ``n_tk`` the count of label ``k`` on
    task ``t`` and ``m_t`` its number of answers, the coincidence matrix is
    ``o_ck = sum_t (n_tc n_tk - [c = k] n_tc) / (m_t - 1)``, ``n_c = sum_k o_ck``,
    ``n = sum_c n_c``, and

    ``alpha = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c n_k``.

    K. Krippendorff, *Content Analysis: An Introduction to Its Methodology*, 2nd ed., 2004, ch. 11.

    Args:
        counts: ``(n_tasks, n_classes)`` answer counts.

    Returns:
        Alpha in [-1, 1], or ``None`` when fewer than two pairable values exist or only one label
        is used (no expected disagreement).

    Example:
        >>> round(compute_krippendorff_alpha(np.array([[2, 0], [0, 2], [1, 1]])), 4)
        0.4444
    """
    counts = np.asarray(counts, dtype=np.float64)
    per_task = counts.sum(axis=1)
    pairable = counts[per_task >= 2]
    if pairable.size == 0:
        return None
    weight = 1.0 / (pairable.sum(axis=1) - 1.0)
    coincidence = (pairable * weight[:, None]).T @ pairable
    coincidence -= np.diag((pairable * weight[:, None]).sum(axis=0))
    marginals = coincidence.sum(axis=1)
    total = float(marginals.sum())
    observed = float(coincidence.sum() - np.trace(coincidence))
    expected = float(marginals.sum() ** 2 - np.sum(marginals**2))
    if total < 2 or expected <= _TINY:
        return None
    return 1.0 - (total - 1.0) * observed / expected


def compute_fleiss_kappa(counts: IntArray) -> tuple[float | None, str | None]:
    r"""Fleiss' kappa, defined only when every task has the same number of answers ``m >= 2``.

    ``P_t = (sum_k n_tk^2 - m) / (m (m - 1))``, ``P_bar = mean_t P_t``,
    ``p_k = sum_t n_tk / (T m)``, ``P_e = sum_k p_k^2``, ``kappa = (P_bar - P_e) / (1 - P_e)``.

    J. L. Fleiss, "Measuring nominal scale agreement among many raters", *Psychological Bulletin*
    76(5), 378-382, 1971.

    Args:
        counts: ``(n_tasks, n_classes)`` answer counts.

    Returns:
        ``(kappa, None)``, or ``(None, reason)`` saying why it is undefined.

    Example:
        >>> kappa, reason = compute_fleiss_kappa(np.array([[2, 0], [0, 2], [1, 1]]))
        >>> round(kappa, 4), reason
        (0.3333, None)
        >>> compute_fleiss_kappa(np.array([[2, 0], [1, 2]]))
        (None, 'tasks have between 2 and 3 answers')
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.shape[0] == 0:
        return None, "no tasks"
    per_task = counts.sum(axis=1)
    low, high = int(per_task.min()), int(per_task.max())
    if low != high:
        return None, f"tasks have between {low} and {high} answers"
    if high < 2:
        return None, "every task has a single answer"
    m = float(high)
    p_task = ((counts**2).sum(axis=1) - m) / (m * (m - 1.0))
    shares = counts.sum(axis=0) / (counts.shape[0] * m)
    p_expected = float(np.sum(shares**2))
    if 1.0 - p_expected <= _TINY:
        return None, "every answer has the same label"
    return (float(p_task.mean()) - p_expected) / (1.0 - p_expected), None


def compute_cohen_kappa(rater_a: Sequence[str], rater_b: Sequence[str]) -> float | None:
    r"""Cohen's kappa between two raters on the same items.

    ``kappa = (p_o - p_e) / (1 - p_e)`` with ``p_o`` the share of items where both agree and
    ``p_e = sum_k p_a(k) p_b(k)`` the agreement expected from their label frequencies.

    J. Cohen, "A coefficient of agreement for nominal scales", *Educational and Psychological
    Measurement* 20(1), 37-46, 1960.

    Args:
        rater_a: labels of the first rater.
        rater_b: labels of the second rater, same length and item order.

    Returns:
        Kappa in [-1, 1], or ``None`` when there are no items or ``p_e = 1`` (both raters always
        give the same single label).

    Example:
        >>> compute_cohen_kappa(["y", "y", "n", "n"], ["y", "n", "n", "n"])
        0.5
    """
    if len(rater_a) != len(rater_b):
        raise ValueError("both raters must rate the same items")
    if not len(rater_a):
        return None
    _, codes = np.unique(
        np.asarray(list(rater_a) + list(rater_b), dtype=object), return_inverse=True
    )
    a, b = codes[: len(rater_a)], codes[len(rater_a) :]
    k = int(codes.max()) + 1
    observed = float(np.mean(a == b))
    expected = float(np.dot(np.bincount(a, minlength=k), np.bincount(b, minlength=k))) / len(a) ** 2
    if 1.0 - expected <= _TINY:
        return None
    return (observed - expected) / (1.0 - expected)


def _loo_references(
    enc: EncodedAnswers, exclude: NDArray[np.bool_] | None = None
) -> tuple[NDArray[np.bool_], IntArray]:
    """For every answer, whether the other answers of its task have a unique majority, and it.

    The answers of the workers in ``exclude`` (a boolean per worker) are never among the others.
    """
    k = enc.n_classes
    usable = np.zeros(enc.n_answers, dtype=np.bool_)
    reference = np.zeros(enc.n_answers, dtype=np.int64)
    counts = enc.label_counts()
    own_counted = np.ones(enc.n_answers, dtype=np.int64)
    if exclude is not None and exclude.any():
        left_out = exclude[enc.worker]
        np.subtract.at(counts, (enc.task[left_out], enc.label[left_out]), 1)
        own_counted = (~left_out).astype(np.int64)
    # In blocks of answers, so that the (answers, K) table of the others' votes stays small.
    block = max(1, 4_000_000 // max(k, 1))
    for start in range(0, enc.n_answers, block):
        rows = slice(start, start + block)
        others = counts[enc.task[rows]]
        others[np.arange(others.shape[0]), enc.label[rows]] -= own_counted[rows]
        top = others.max(axis=1, initial=0)
        if k:
            reference[rows] = others.argmax(axis=1)
        usable[rows] = (top > 0) & ((others == top[:, None]).sum(axis=1) == 1)
    return usable, reference


def compute_loo_majority_agreement(
    enc: EncodedAnswers, exclude: NDArray[np.bool_] | None = None
) -> tuple[IntArray, IntArray]:
    """Answers of each worker equal to the unique majority of the other workers on the task.

    Args:
        enc: the encoded answers.
        exclude: a boolean per worker; the answers of these workers are left out of every
            majority (a worker already flagged as a spammer does not decide what the others are
            compared with). Their own answers are still compared with the rest.

    Returns:
        ``(agree, n_used)`` per worker; ``n_used`` counts the answers whose task has another
        answer (outside ``exclude``) and no tie among those (as :func:`compute_loo_kappa`).

    Example:
        >>> from crowdaudit.metrics._encoding import encode_answers
        >>> import polars as pl
        >>> enc = encode_answers(pl.DataFrame({"task": ["1"] * 3 + ["2"] * 3,
        ...     "worker": ["a", "b", "s"] * 2, "label": ["x", "x", "z", "y", "x", "z"]}))
        >>> compute_loo_majority_agreement(enc)[1].tolist()  # a and b: s always makes a tie
        [0, 0, 1]
        >>> compute_loo_majority_agreement(enc, np.array([False, False, True]))[1].tolist()
        [2, 2, 1]
    """
    usable, reference = _loo_references(enc, exclude)
    worker = enc.worker[usable]
    agree = np.bincount(
        worker, weights=enc.label[usable] == reference[usable], minlength=enc.n_workers
    )
    n_used = np.bincount(worker, minlength=enc.n_workers)
    return agree.astype(np.int64), n_used.astype(np.int64)


def compute_loo_kappa(enc: EncodedAnswers) -> tuple[FloatArray, IntArray]:
    """Cohen's kappa of each worker against the leave-one-out majority of the other workers.

    For every answer, the other workers' answers to the same task are counted; their majority is the
    reference. Answers whose task has no other answer, or whose other answers tie for the top, are
    left out. Kappa is then :func:`compute_cohen_kappa` between the worker's remaining answers and
    their references, all workers at once with ``np.bincount``.

    Args:
        enc: the encoded answers.

    Returns:
        ``(kappa, n_used)``, both of shape ``(n_workers,)``: kappa is NaN where undefined (no usable
        answer, or worker and references always the same single label); ``n_used`` counts the
        answers used.
    """
    k, n_workers = enc.n_classes, enc.n_workers
    usable, reference = _loo_references(enc)
    worker, label, reference = enc.worker[usable], enc.label[usable], reference[usable]
    n_used = np.bincount(worker, minlength=n_workers)
    agree = np.bincount(worker, weights=(label == reference), minlength=n_workers)
    own = np.bincount(worker * k + label, minlength=n_workers * k).reshape(n_workers, k)
    ref = np.bincount(worker * k + reference, minlength=n_workers * k).reshape(n_workers, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        denominator = n_used.astype(np.float64)
        observed = agree / denominator
        expected = (own * ref).sum(axis=1) / denominator**2
        kappa = (observed - expected) / (1.0 - expected)
    kappa[(n_used == 0) | (1.0 - expected <= _TINY)] = np.nan
    return kappa.astype(np.float64), n_used.astype(np.int64)
