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

The strength is fitted by empirical Bayes: at every M-step, the Dirichlet-multinomial evidence of
the expected counts,

``sum_{w,k} [lnΓ(s) - lnΓ(s + n_wk) + sum_l (lnΓ(s m_kl + C_wkl) - lnΓ(s m_kl))]``,

is computed over a log-spaced grid of ``s``, and ``s`` is the grid's geometric mean weighted by
the evidence (the posterior mean of ``ln s`` under a flat prior on the grid). A job whose workers
all behave alike gets a large ``s``; one with very different workers a small one. Taking the
single best grid point instead let ``s`` jump between far-apart values where the evidence is
nearly flat (on small jobs), moving every worker's skill with it.

S. Paun, B. Carpenter, J. Chamberlain, D. Hovy, U. Kruschwitz and M. Poesio, "Comparing Bayesian
models of annotation", *TACL* 6, 571-585, 2018 (the partially pooled Dawid-Skene);
H.-C. Kim and Z. Ghahramani, "Bayesian classifier combination", *AISTATS* 2012;
Dawid and Skene 1979.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from scipy.special import gammaln

from crowdaudit.metrics._confusion import BLOCK_CELLS, Pairs, row_slices
from crowdaudit.metrics._encoding import FloatArray, IntArray
from crowdaudit.metrics.estimators import DawidSkene

__all__ = ["POOLING_GRID", "PooledDawidSkene"]


POOLING_GRID: Final = np.geomspace(0.25, 2000.0, 40)
"""Candidate pooling strengths (pseudo-answers per confusion row) for empirical Bayes."""


def _grid_blocks(n_values: int) -> list[slice]:
    """Consecutive slices of the grid, each with at most about :data:`BLOCK_CELLS` (strength,
    value) entries, so one array op scores many strengths at once."""
    step = max(1, BLOCK_CELLS // max(n_values, 1))
    n = POOLING_GRID.shape[0]
    return [slice(first, min(first + step, n)) for first in range(0, n, step)]


def _row_evidence(rows: FloatArray) -> FloatArray:
    """``sum over (worker, k) of lnΓ(s) - lnΓ(s + n_wk)`` for every strength ``s`` of the grid."""
    flat = rows.reshape(-1)
    out = np.empty(POOLING_GRID.shape[0])
    for grid in _grid_blocks(flat.shape[0]):
        strengths = POOLING_GRID[grid, None]
        out[grid] = np.sum(gammaln(strengths) - gammaln(strengths + flat), axis=1)
    return out


def _cell_evidence(cells: FloatArray, cell: IntArray, means: FloatArray) -> FloatArray:
    """``sum over cells of lnΓ(s m + C) - lnΓ(s m)`` for every strength ``s`` of the grid, with
    ``m = means.flat[cell]``.

    ``lnΓ(s m)`` takes one of ``K^2`` values per strength: when there are fewer of those than
    cells, it is computed on ``means`` and gathered, the same floats as cell by cell.
    """
    out = np.empty(POOLING_GRID.shape[0])
    flat = means.reshape(-1)
    of_cells = flat[cell]
    by_class = flat.shape[0] < cells.shape[0]
    for grid in _grid_blocks(cells.shape[0]):
        strengths = POOLING_GRID[grid, None]
        prior = strengths * of_cells
        prior_term = (
            np.take(gammaln(strengths * flat), cell, axis=1) if by_class else gammaln(prior)
        )
        out[grid] = np.sum(gammaln(prior + cells) - prior_term, axis=1)
    return out


def fit_pooling_strength(pairs: Pairs, counts: FloatArray, mean: FloatArray) -> float:
    """The strength: the grid's geometric mean weighted by the evidence (formula and reason in
    the module docstring).

    Only cells with expected counts enter the cell term (``lnΓ(a + 0) - lnΓ(a)`` is 0), and those
    lie in the columns of the labels each worker gave: the cost follows the answers, not
    ``workers x K x K``.

    Args:
        pairs: the answers' (worker, label) pairs.
        counts: ``(n_pairs, K)`` expected counts of each pair's column.
        mean: ``(K, K)`` population confusion rows (each summing to 1, no zeros).
    """
    # Each strength's sums are taken along one row of a (strengths, values) array, the same
    # floats as summing that strength's values alone.
    scores = _row_evidence(pairs.sum_by_worker(lambda block: counts[block]))
    columns = np.ascontiguousarray(mean.T)
    k = pairs.k
    # In blocks of pairs, so the temporaries stay small however many cells hold counts.
    for block in row_slices(pairs.n_pairs, k):
        cells = counts[block]
        used = cells > 1e-12
        # The flat index into ``columns`` of every used cell: row = the pair's label, column = k.
        cell = (pairs.label[block, None] * k + np.arange(k)[None, :])[used]
        scores += _cell_evidence(cells[used], cell, columns)
    weights = np.exp(scores - scores.max())
    return float(np.exp(np.sum(weights * np.log(POOLING_GRID)) / weights.sum()))


class PooledDawidSkene(DawidSkene):
    """Dawid-Skene with confusion rows pooled toward the population (module docstring).

    Learned, besides those of :class:`~crowdaudit.metrics.estimators.DawidSkene`: ``pooling_``
    (the strength ``s`` used at the last M-step), ``population_`` ``(K, K)`` (the population
    confusion rows ``m``) and ``posterior_counts_`` ``(n_workers, K, K)``, the Dirichlet
    parameters ``C_w + s m + alpha`` of each worker's rows, built on demand from
    ``confusion_columns_`` (which hands out the same parameters column by column).

    Example:
        Two workers agree on tasks 1 and 2 and split on task 3, where a third worker settles it:

        >>> import polars as pl
        >>> answers = pl.DataFrame({
        ...     "task": ["1", "1", "2", "2", "3", "3", "3"],
        ...     "worker": ["a", "b", "a", "b", "a", "b", "c"],
        ...     "label": ["x", "x", "y", "y", "x", "y", "y"]})
        >>> PooledDawidSkene().fit(answers).labels_["label"].to_list()
        ['x', 'y', 'y']
    """

    pooling_: float
    population_: FloatArray

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

    @property
    def posterior_counts_(self) -> FloatArray:
        """The ``(n_workers, K, K)`` Dirichlet parameters ``C_w + s m + alpha``, built on demand
        (``W K^2`` floats: on large jobs read :attr:`confusion_columns_` instead)."""
        return self.confusion_columns_.dense_dirichlet()

    def _pseudo_counts(self, pairs: Pairs, counts: FloatArray) -> FloatArray:
        k = pairs.k
        pooled = pairs.sum_by_label(counts).T + self.smoothing + 1e-6
        mean = pooled / pooled.sum(axis=1, keepdims=True)
        strength = self.pooling
        if strength is None:
            strength = fit_pooling_strength(pairs, counts, mean) if k > 1 else 0.0
        self.pooling_ = strength
        self.population_ = mean
        prior: FloatArray = strength * mean + self.smoothing
        return prior
