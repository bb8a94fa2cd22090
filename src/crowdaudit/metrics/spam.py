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
from numpy.typing import NDArray

__all__ = ["compute_spam_score"]

FloatArray = NDArray[np.float64]

_BLOCK = 4_000_000
"""Most cells of the temporary table of confusion-row differences (32 MB of float64)."""


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
    n_workers, k = confusion.shape[0], confusion.shape[1]
    total = float((priors.sum() ** 2 - np.sum(priors * priors)) / 2.0) if k else 0.0
    if k < 2 or total <= 1e-12:
        return np.full(n_workers, np.nan)
    weighted = np.zeros(n_workers)
    # Pairs of true classes in blocks, so that the temporary (workers, pairs, K) table stays near
    # _BLOCK cells whatever K is (a single (workers, K^2 / 2, K) table would be K^3 in size).
    step = max(1, _BLOCK // max(n_workers * k, 1))
    for c in range(k - 1):
        for start in range(c + 1, k, step):
            others = slice(start, min(start + step, k))
            tv = 0.5 * np.abs(confusion[:, c : c + 1, :] - confusion[:, others, :]).sum(axis=2)
            weighted += tv @ (priors[c] * priors[others])
    score: FloatArray = np.clip(1.0 - weighted / total, 0.0, 1.0)
    return score
