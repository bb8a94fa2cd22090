r"""Partially pooled Dawid-Skene: worker confusion rows shrunk toward the population's.

Input table as in :mod:`crowdaudit.metrics.estimators` (``task``, ``worker``, ``label``).

Plain Dawid-Skene smooths each worker's confusion rows toward *uniform*: a worker who never saw
class ``k`` gets accuracy ``1/K`` on it, so five perfect answers on a ten-class job read as a poor
worker. Here every row ``k`` of every worker has the prior

``pi_w[k] ~ Dirichlet(s * m_k + alpha)``,

where ``m_k`` is row ``k`` of the population's confusion matrix (all workers' expected counts
pooled, normalised), ``s >= 0`` the pooling strength and ``alpha`` the small symmetric smoothing of
:class:`~crowdaudit.metrics.estimators.DawidSkene`. The M-step is the MAP update

``pi_w[k, l] ∝ C_w[k, l] + s m_{kl} + alpha``, ``C_w[k, l] = sum_{t answered l by w} P(z_t = k)``,

so a worker with few answers is assumed typical until the answers say otherwise, and a worker with
many answers is judged on them. ``s = 0`` is plain Dawid-Skene exactly.

The strength is fitted by empirical Bayes (type-II maximum likelihood): at every M-step, ``s``
maximises the Dirichlet-multinomial evidence of the expected counts,

``sum_{w,k} [lnΓ(s) - lnΓ(s + n_wk) + sum_l (lnΓ(s m_kl + C_wkl) - lnΓ(s m_kl))]``,

over a log-spaced grid. A job whose workers all behave alike gets a large ``s``; one with very
different workers a small one.

S. Paun, B. Carpenter, J. Chamberlain, D. Hovy, U. Kruschwitz and M. Poesio, "Comparing Bayesian
models of annotation", *TACL* 6, 571-585, 2018 (the partially pooled Dawid-Skene);
H.-C. Kim and Z. Ghahramani, "Bayesian classifier combination", *AISTATS* 2012;
Dawid and Skene 1979.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray
from scipy.special import gammaln

from crowdaudit.metrics.estimators import DawidSkene

__all__ = ["POOLING_GRID", "PooledDawidSkene"]

FloatArray = NDArray[np.float64]

POOLING_GRID: Final = np.geomspace(0.25, 2000.0, 40)
"""Candidate pooling strengths (pseudo-answers per confusion row) for empirical Bayes."""

_EVIDENCE_BLOCK: Final = 1 << 18
"""Cells whose evidence term is computed at once."""


def _evidence(cells: FloatArray, means: FloatArray, rows: FloatArray, strength: float) -> float:
    """Dirichlet-multinomial log evidence of every worker's rows, up to a constant in ``s``.

    Only cells with expected counts enter the cell term (``lnΓ(a + 0) - lnΓ(a)`` is 0), so the
    cost follows the answers, not ``workers x K x K``.
    """
    total = float(np.sum(gammaln(strength) - gammaln(strength + rows)))
    # In blocks, so the temporaries stay small however many cells hold counts.
    for start in range(0, cells.size, _EVIDENCE_BLOCK):
        prior = strength * means[start : start + _EVIDENCE_BLOCK]
        total += float(
            np.sum(gammaln(prior + cells[start : start + _EVIDENCE_BLOCK]) - gammaln(prior))
        )
    return total


def fit_pooling_strength(counts: FloatArray, mean: FloatArray) -> float:
    """The grid strength of highest evidence (formula in the module docstring).

    Args:
        counts: ``(n_workers, K, K)`` expected confusion counts.
        mean: ``(K, K)`` population confusion rows (each summing to 1, no zeros).
    """
    k = mean.shape[0]
    flat = counts.reshape(-1)
    used = np.flatnonzero(flat > 1e-12)
    cells = flat[used]
    used %= k * k
    means = mean.reshape(-1)[used]
    del used
    rows = counts.sum(axis=2)
    scores = [_evidence(cells, means, rows, float(s)) for s in POOLING_GRID]
    return float(POOLING_GRID[int(np.argmax(scores))])


class PooledDawidSkene(DawidSkene):
    """Dawid-Skene with confusion rows pooled toward the population (module docstring).

    Learned, besides those of :class:`~crowdaudit.metrics.estimators.DawidSkene`: ``pooling_``
    (the strength ``s`` used at the last M-step), ``population_`` ``(K, K)`` (the population
    confusion rows ``m``) and ``posterior_counts_`` ``(n_workers, K, K)``, the Dirichlet
    parameters ``C_w + s m + alpha`` of each worker's rows, from which skill intervals follow.

    Example:
        >>> import polars as pl
        >>> answers = pl.DataFrame({
        ...     "task": ["1", "1", "1", "2", "2", "2"], "worker": ["a", "b", "c"] * 2,
        ...     "label": ["x", "x", "y", "y", "y", "x"]})
        >>> PooledDawidSkene().fit(answers).labels_["label"].to_list()
        ['x', 'y']
    """

    pooling_: float
    population_: FloatArray
    posterior_counts_: FloatArray

    def __init__(
        self,
        *,
        pooling: float | None = None,
        max_iter: int = 100,
        tol: float = 1e-5,
        smoothing: float = 0.01,
    ) -> None:
        """Set the hyper-parameters.

        Args:
            pooling: the strength ``s``; None (the default) fits it by empirical Bayes. 0 is plain
                Dawid-Skene.
            max_iter: most EM iterations.
            tol: stop when the log-likelihood per answer changes by less than this.
            smoothing: symmetric pseudo-count ``alpha`` per cell, as in Dawid-Skene.
        """
        super().__init__(max_iter=max_iter, tol=tol, smoothing=smoothing)
        if pooling is not None and pooling < 0:
            raise ValueError("pooling must be >= 0")
        self.pooling = pooling

    def _pseudo_counts(self, counts: FloatArray) -> FloatArray:
        k = counts.shape[1]
        pooled = counts.sum(axis=0) + self.smoothing + 1e-6
        mean = pooled / pooled.sum(axis=1, keepdims=True)
        strength = self.pooling
        if strength is None:
            strength = fit_pooling_strength(counts, mean) if k > 1 else 0.0
        self.pooling_ = strength
        self.population_ = mean
        prior: FloatArray = strength * mean + self.smoothing
        return prior

    def _finish(self, counts: FloatArray, prior: FloatArray) -> None:
        if hasattr(self, "posterior_counts_"):
            del self.posterior_counts_  # the last M-step's: never hold two
        self.posterior_counts_ = counts + prior[None]
