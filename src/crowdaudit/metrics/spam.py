"""Spam score: how uninformative a worker's answers are (the flags are in :mod:`.verdicts`).

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

import numpy as np

from crowdaudit.metrics._confusion import SparseConfusion, row_slices
from crowdaudit.metrics._encoding import FloatArray

__all__ = ["compute_spam_score"]


def _weighted_spread(columns: FloatArray, priors: FloatArray) -> FloatArray:
    """``sum_{c<c'} p_c p_c' |x_c - x_c'|`` of every row ``x`` of ``columns``, ``(n,)``.

    Sorted, the pair sum is ``sum_j p_j (x_j P_j - X_j)`` with ``P_j``, ``X_j`` the sums of
    ``p_i`` and ``p_i x_i`` over the values below ``x_j``: ``K log K`` per row instead of ``K^2``.
    """
    order = np.argsort(columns, axis=1, kind="stable")
    values = np.take_along_axis(columns, order, axis=1)
    weights = priors[order]
    weighted = weights * values
    below = np.cumsum(weights, axis=1) - weights
    below_weighted = np.cumsum(weighted, axis=1) - weighted
    out: FloatArray = np.sum(weighted * below - weights * below_weighted, axis=1)
    return out


def _spread_by_worker(confusion: FloatArray | SparseConfusion, priors: FloatArray) -> FloatArray:
    """``sum_l sum_{c<c'} p_c p_c' |pi_w[c, l] - pi_w[c', l]|`` for each worker, ``(W,)``."""
    if isinstance(confusion, SparseConfusion):
        pairs = confusion.pairs
        out = np.zeros(pairs.n_workers)
        for rows in row_slices(pairs.n_pairs, pairs.k):
            block = np.arange(rows.start, rows.stop)
            spread = _weighted_spread(confusion.at_pairs(block), priors)
            out += np.bincount(pairs.worker[rows], weights=spread, minlength=pairs.n_workers)
        # Every label a worker never gave has the same column: count it once, times how many.
        fill, unused = confusion.unobserved()
        out += unused * _weighted_spread(fill, priors)
        return out
    n_workers, k = confusion.shape[0], confusion.shape[1]
    columns = np.ascontiguousarray(confusion.transpose(0, 2, 1)).reshape(n_workers * k, k)
    by_worker: FloatArray = _weighted_spread(columns, priors).reshape(n_workers, k).sum(axis=1)
    return by_worker


def compute_spam_score(confusion: FloatArray | SparseConfusion, priors: FloatArray) -> FloatArray:
    """Spam score of each worker from their confusion matrix (formula in the module docstring).

    ``sum_{c<c'} p_c p_c' TV(pi[c], pi[c'])`` is summed column by column (``TV`` is half a sum
    over answered classes), and each column's pair sum is computed sorted, so no temporary grows
    with ``K^2``; a :class:`~crowdaudit.metrics._confusion.SparseConfusion` is read only at the
    labels each worker gave, plus one shared column for all the others.

    Args:
        confusion: ``(n_workers, K, K)``, ``confusion[w, k, l] = P(answer l | true class k)``, or
            the same matrices held sparsely.
        priors: ``(K,)`` class priors.

    Returns:
        ``(n_workers,)`` scores in [0, 1]; NaN when fewer than two classes carry prior mass.

    Example:
        >>> perfect = np.eye(2)[None]
        >>> same = np.array([[[1.0, 0.0], [1.0, 0.0]]])
        >>> compute_spam_score(np.concatenate([perfect, same]), np.array([0.5, 0.5])).tolist()
        [0.0, 1.0]
    """
    if isinstance(confusion, SparseConfusion):
        n_workers, k = confusion.pairs.n_workers, confusion.pairs.k
    else:
        n_workers, k = confusion.shape[0], confusion.shape[1]
    total = float((priors.sum() ** 2 - np.sum(priors * priors)) / 2.0) if k else 0.0
    if k < 2 or total <= 1e-12:
        return np.full(n_workers, np.nan)
    weighted = 0.5 * _spread_by_worker(confusion, priors)
    score: FloatArray = np.clip(1.0 - weighted / total, 0.0, 1.0)
    return score
