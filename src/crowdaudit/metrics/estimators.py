"""Label aggregation and worker-skill estimators: majority vote, Dawid-Skene, one-coin Dawid-Skene.

All three follow crowd-kit's shape: hyper-parameters are keyword-only constructor arguments,
``fit(answers)`` returns the estimator, and what it learned ends in ``_``.

Input table (a polars DataFrame, or an :class:`~crowdaudit.metrics._encoding.EncodedAnswers` made
once by :func:`~crowdaudit.metrics._encoding.encode_answers` and shared):

=========  ======  ===========================================
column     dtype   meaning
=========  ======  ===========================================
``task``   String  the item labelled
``worker`` String  who answered
``label``  String  the answer; at most one per (task, worker)
=========  ======  ===========================================

Learned attributes common to all three: ``classes_`` (sorted labels), ``tasks_`` and ``workers_``
(sorted names, polars Series), ``probas_`` (``(n_tasks, n_classes)`` label distribution of each
task), ``labels_`` (DataFrame ``task``, ``label``: the most probable label of each task; ties go to
the smallest label in string order).

Everything is vectorised, and the Dawid-Skene confusion matrices are held only at the
(worker, answered class) pairs of the answers (:mod:`._confusion`): the M-step sums the task
posteriors of each pair's answers, the E-step gathers the log-confusion columns of blocks of
answers. No Python loop touches individual answers, and no ``(workers, K, K)`` array is built.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Self, TypeVar

import numpy as np
import polars as pl

from crowdaudit.errors import EmptyJobError
from crowdaudit.metrics import _confusion
from crowdaudit.metrics._confusion import (
    EPS,
    OneCoinConfusion,
    Pairs,
    SparseConfusion,
    column_max,
    column_sum,
    stable_order,
)
from crowdaudit.metrics._encoding import EncodedAnswers, FloatArray, IntArray, encode_answers
from crowdaudit.schema import COL

__all__ = ["DawidSkene", "MajorityVote", "OneCoinDawidSkene"]


_EPS = EPS
"""Floor of every probability before its logarithm, as in crowd-kit (keeps log finite)."""

_Params = TypeVar("_Params")
"""What an M-step hands to the next E-step (confusion matrices, or one-coin accuracies)."""


def _as_encoded(answers: pl.DataFrame | EncodedAnswers) -> EncodedAnswers:
    enc = answers if isinstance(answers, EncodedAnswers) else encode_answers(answers)
    if enc.n_answers == 0:
        raise EmptyJobError("cannot aggregate labels", where="", why="no answers")
    return enc


def _labels_frame(enc: EncodedAnswers, probas: FloatArray) -> pl.DataFrame:
    # argmax returns the first maximum, i.e. the smallest class code = smallest label string.
    best = np.argmax(probas, axis=1) if probas.size else np.zeros(0, dtype=np.int64)
    classes = pl.Series(COL.LABEL, list(enc.classes), dtype=pl.String)
    return pl.DataFrame({COL.TASK: enc.tasks, COL.LABEL: classes.gather(best)})


def _scatter_add(index: IntArray, weights: FloatArray, size: int) -> FloatArray:
    """``out[i] = sum of weights where index == i`` (bincount: the fastest numpy scatter)."""
    return np.bincount(index, weights=weights, minlength=size).astype(np.float64, copy=False)


def _majority_probas(enc: EncodedAnswers) -> FloatArray:
    counts = enc.label_counts().astype(np.float64)
    shares: FloatArray = counts / counts.sum(axis=1, keepdims=True)
    return shares


def _clamp(by_class: FloatArray, gold: IntArray | None) -> FloatArray:
    """Class-major ``(K, n_tasks)`` posteriors with every gold task's set to its gold class."""
    if gold is None:
        return by_class
    known = np.flatnonzero(gold >= 0)
    if known.size:
        by_class[:, known] = 0.0
        by_class[gold[known], known] = 1.0
    return by_class


def _class_means(by_class: FloatArray) -> FloatArray:
    """``(K,)`` mean of each class over the tasks: ``probas.mean(axis=0)`` of the task-major
    array, the same floats. numpy adds the rows of that array one after another, and a running
    sum along each contiguous class row does the same additions."""
    sums: FloatArray = np.cumsum(by_class, axis=1)[:, -1]
    means: FloatArray = sums / by_class.shape[1]
    return means


def _run_em(
    log_likelihood: Callable[[_Params], FloatArray],
    m_step: Callable[[FloatArray], tuple[FloatArray, _Params]],
    probas: FloatArray,
    gold: IntArray | None,
    *,
    n_answers: int,
    max_iter: int,
    tol: float,
) -> tuple[FloatArray, FloatArray, _Params, list[float], bool]:
    """The EM loop both Dawid-Skene models share, from the start ``probas``.

    Inside the loop the posteriors are class-major, ``(n_classes, n_tasks)``: numpy is several
    times faster along the long task axis than across a few classes, and every float is the one
    the task-major layout gives. ``m_step(probas)`` gives ``(priors, parameters)``;
    ``log_likelihood(parameters)`` gives each task's log-likelihood of its answers under each
    class, class-major too. Posteriors of gold tasks stay clamped. Stops after ``max_iter``
    iterations or once the per-answer log evidence changes by less than ``tol``.

    Returns:
        ``(probas, priors, parameters, per-answer log evidence per iteration, converged)``, with
        ``probas`` task-major, ``(n_tasks, n_classes)``.
    """
    priors, parameters = m_step(probas)
    history: list[float] = []
    converged = False
    for _ in range(max_iter):
        log_joint = log_likelihood(parameters)
        del parameters  # the M-step builds the next ones; never hold two confusion arrays
        log_joint += np.log(priors)[:, None]
        probas, evidence = _normalise_log(log_joint)
        probas = _clamp(probas, gold)
        priors, parameters = m_step(probas)
        history.append(evidence / max(n_answers, 1))
        if len(history) > 1 and abs(history[-1] - history[-2]) < tol:
            converged = True
            break
    return np.ascontiguousarray(probas.T), priors, parameters, history, converged


def _normalise_log(log_joint: FloatArray) -> tuple[FloatArray, float]:
    """Class-major posteriors from class-major log joints (each task shifted by its maximum
    before ``exp``, in place) and the total log evidence."""
    top = column_max(log_joint)
    log_joint -= top
    scaled = np.exp(log_joint, out=log_joint)
    norm = column_sum(scaled)
    evidence = float(np.sum(np.log(norm) + top))
    scaled /= norm
    return scaled, evidence


def _start(enc: EncodedAnswers, gold: IntArray | None) -> FloatArray:
    """The class-major majority-vote posteriors EM starts from, gold tasks clamped."""
    return _clamp(np.ascontiguousarray(_majority_probas(enc).T), gold)


class MajorityVote:
    """Majority vote: the most frequent answer of each task.

    ``probas_[t, k]`` is the share of task ``t``'s answers equal to class ``k``. Ties go to the
    smallest label in string order (crowd-kit does the same through ``idxmax`` over sorted columns).

    Example:
        >>> answers = pl.DataFrame({"task": ["t", "t", "t"], "worker": ["a", "b", "c"],
        ...                         "label": ["no", "yes", "yes"]})
        >>> MajorityVote().fit(answers).labels_["label"].to_list()
        ['yes']
    """

    classes_: tuple[str, ...]
    tasks_: pl.Series
    workers_: pl.Series
    probas_: FloatArray
    labels_: pl.DataFrame

    def fit(self, answers: pl.DataFrame | EncodedAnswers) -> Self:
        """Count the answers of each task.

        Args:
            answers: the answers table (see the module docstring) or its encoding.

        Returns:
            The estimator.
        """
        enc = _as_encoded(answers)
        self.classes_, self.tasks_, self.workers_ = enc.classes, enc.tasks, enc.workers
        self.probas_ = _majority_probas(enc)
        self.labels_ = _labels_frame(enc, self.probas_)
        return self


class _Cells:
    """The answers sorted by task, each with its (worker, label) pair, for the E-step.

    The E-step gathers log-confusion columns one block of tasks at a time, so no
    ``(answers x K)`` array is held; the block sizes are :mod:`._confusion`'s.
    """

    def __init__(self, pairs: Pairs, per_task: IntArray, starts: IntArray) -> None:
        self.pairs, self.per_task, self.starts = pairs, per_task, starts
        self.pair = pairs.of_answer

    def log_sums(self, confusion: SparseConfusion) -> FloatArray:
        """``sum over task t's answers of log confusion[w, :, l]``, class-major ``(K, n_tasks)``."""
        n_tasks, k = self.per_task.shape[0], self.pairs.k
        n_pairs = self.pairs.n_pairs
        if n_tasks and n_pairs * k <= _confusion.SMALL_CELLS:
            return self._log_sums_by_pair(confusion)
        out = np.empty((k, n_tasks), dtype=np.float64)
        ends = self.starts + self.per_task
        step = max(1, _confusion.BLOCK_CELLS // max(k * int(self.per_task.max(initial=1)), 1))
        for first in range(0, n_tasks, step):
            last = min(first + step, n_tasks)
            rows = slice(int(self.starts[first]), int(ends[last - 1]))
            gathered = np.log(confusion.at_pairs(self.pair[rows]))
            out[:, first:last] = np.add.reduceat(
                gathered, self.starts[first:last] - self.starts[first], axis=0
            ).T
        return out

    def _log_sums_by_pair(self, confusion: SparseConfusion) -> FloatArray:
        """:meth:`log_sums` with each pair's log column taken once, then gathered per answer
        and summed per task one class at a time: the same floats, without repeating the
        logarithm for every answer."""
        n_pairs, k = self.pairs.n_pairs, self.pairs.k
        logs = np.log(confusion.at_pairs(np.arange(n_pairs, dtype=np.int64))).T.copy()
        out = np.empty((k, self.per_task.shape[0]), dtype=np.float64)
        for c in range(k):
            out[c] = np.add.reduceat(np.take(logs[c], self.pair), self.starts)
        return out


_Fitted = tuple[FloatArray, list[float], bool]
"""What an EM fit returns: task posteriors, the log-likelihood per answer, converged or not."""


class _ExpectationMaximisation:
    """What the two Dawid-Skene estimators share: the hyper-parameters, the attributes every fit
    learns, and :meth:`fit`."""

    def __init__(self, *, max_iter: int = 100, tol: float = 1e-5, smoothing: float = 0.01) -> None:
        """Set the hyper-parameters.

        Args:
            max_iter: most EM iterations.
            tol: stop when the log-likelihood per answer changes by less than this.
            smoothing: Dirichlet pseudo-count added to every confusion-matrix cell. 0 is plain
                maximum likelihood, as crowd-kit; the default 0.01 barely moves well-fed workers
                but lets EM leave the degenerate fixed points that a class seen on a single task
                creates on sparse data.
        """
        if max_iter < 1 or tol < 0 or smoothing < 0:
            raise ValueError("max_iter must be >= 1, tol and smoothing >= 0")
        self.max_iter = max_iter
        self.tol = tol
        self.smoothing = smoothing

    classes_: tuple[str, ...]
    tasks_: pl.Series
    workers_: pl.Series
    probas_: FloatArray
    labels_: pl.DataFrame
    priors_: FloatArray
    n_iter_: int
    converged_: bool
    log_likelihood_: list[float]

    def fit(
        self, answers: pl.DataFrame | EncodedAnswers, *, gold: pl.DataFrame | None = None
    ) -> Self:
        """Fit by EM.

        Args:
            answers: the answers table (see the module docstring) or its encoding.
            gold: optional ``task``, ``label`` table; these tasks' posteriors are clamped.

        Returns:
            The estimator.
        """
        enc = _as_encoded(answers)
        gold_codes = enc.encode_gold(gold) if gold is not None else None
        self.classes_, self.tasks_, self.workers_ = enc.classes, enc.tasks, enc.workers
        probas, history, converged = self._fit(enc, gold_codes)
        self.probas_ = probas
        self.labels_ = _labels_frame(enc, probas)
        self.n_iter_ = len(history)
        self.converged_ = converged
        self.log_likelihood_ = history
        return self

    def _fit(self, enc: EncodedAnswers, gold_codes: IntArray | None) -> _Fitted:
        """Fit the model's own parameters; return the posteriors, the log-likelihood per answer
        of each iteration, and whether EM converged."""
        raise NotImplementedError


class DawidSkene(_ExpectationMaximisation):
    r"""Dawid-Skene: one full confusion matrix per worker, fitted by EM.

    Model (Dawid and Skene 1979): task ``t`` has a true class ``z_t ~ Categorical(p)``; worker ``w``
    answers class ``l`` with probability ``pi_w[k, l]`` when the true class is ``k``. EM alternates

    * E-step: ``log P(z_t = k | answers) = log p_k + sum_{(t,w,l)} log pi_w[k, l] + const``,
      normalised in log space (shift by the row maximum before ``exp``);
    * M-step: ``p_k = mean_t P(z_t = k)``,
      ``pi_w[k, l] ∝ alpha + sum_{t answered l by w} P(z_t = k)``.

    ``alpha`` is ``smoothing``: a symmetric Dirichlet pseudo-count on every row of every confusion
    matrix (MAP instead of maximum likelihood), which keeps workers with a handful of answers from
    getting confusion rows of exact zeros and ones. Probabilities are floored at 1e-10 before the
    logarithm. EM starts from the majority-vote distribution, stops when the log-likelihood per
    answer changes by less than ``tol`` or after ``max_iter`` iterations, and is deterministic.

    With ``gold`` given to :meth:`fit`, the posterior of every gold task is clamped to its gold
    label throughout (as crowd-kit's ``true_labels``).

    A. P. Dawid and A. M. Skene, "Maximum likelihood estimation of observer error-rates using the EM
    algorithm", *Journal of the Royal Statistical Society C* 28(1), 20-28, 1979.
    https://doi.org/10.2307/2346806

    Learned, besides those of the module docstring: ``priors_`` ``(n_classes,)``;
    ``confusion_columns_`` (:class:`~crowdaudit.metrics._confusion.SparseConfusion`: the expected
    counts of each (worker, answered class) pair, from which every cell follows); ``confusion_``
    ``(n_workers, n_classes, n_classes)``, built from it on demand,
    ``confusion_[w, k, l] = P(worker w answers l | true k)``, rows summing to 1; ``accuracy_``
    ``(n_workers,)``, the expected accuracy ``sum_k p_k pi_w[k, k]``; ``n_iter_``;
    ``converged_``; ``log_likelihood_`` (per answer, one value per iteration).

    Example:
        >>> answers = pl.DataFrame({
        ...     "task": ["1", "1", "1", "2", "2", "2"], "worker": ["a", "b", "c"] * 2,
        ...     "label": ["x", "x", "y", "y", "y", "x"]})
        >>> DawidSkene().fit(answers).labels_["label"].to_list()
        ['x', 'y']
    """

    confusion_columns_: SparseConfusion
    accuracy_: FloatArray

    def _fit(self, enc: EncodedAnswers, gold_codes: IntArray | None) -> _Fitted:
        k, n_workers = enc.n_classes, enc.n_workers

        # Answers sorted by task (stable, so row order within a task is kept): the E-step then
        # sums each task's contiguous block with reduceat, and the M-step scatters the task
        # posteriors over their answers. Both go class by class or task block by task block, so
        # no (answers x K) array of cell indices is ever held.
        order = stable_order(enc.task, enc.n_tasks)
        per_task = np.bincount(enc.task, minlength=enc.n_tasks)
        starts = np.concatenate(([0], np.cumsum(per_task)[:-1])).astype(np.int64)
        task = np.repeat(np.arange(enc.n_tasks, dtype=np.int64), per_task)
        pairs = Pairs(task, enc.worker[order], enc.label[order], n_workers, k)
        del order, task
        cells = _Cells(pairs, per_task, starts)

        probas, priors, confusion, history, converged = _run_em(
            cells.log_sums,
            lambda probas: self._m_step(probas, cells),
            _start(enc, gold_codes),
            gold_codes,
            n_answers=enc.n_answers,
            max_iter=self.max_iter,
            tol=self.tol,
        )

        self.priors_ = priors
        self.confusion_columns_ = confusion.compact()
        del confusion
        self.accuracy_ = self.confusion_columns_.diagonal() @ priors
        return probas, history, converged

    @property
    def confusion_(self) -> FloatArray:
        """The ``(n_workers, K, K)`` confusion matrices, built on demand (``W K^2`` floats: on
        large jobs read :attr:`confusion_columns_` instead)."""
        return self.confusion_columns_.dense()

    def _m_step(self, probas: FloatArray, cells: _Cells) -> tuple[FloatArray, SparseConfusion]:
        priors = np.clip(_class_means(probas), _EPS, None)
        priors /= priors.sum()
        counts = cells.pairs.expected_counts(probas.T)
        prior = self._pseudo_counts(cells.pairs, counts)
        return priors, SparseConfusion(cells.pairs, counts, prior)

    def _pseudo_counts(self, pairs: Pairs, counts: FloatArray) -> FloatArray:
        """The Dirichlet pseudo-counts added to every worker's ``(K, K)`` expected counts."""
        return np.full((pairs.k, pairs.k), self.smoothing)


class OneCoinDawidSkene(_ExpectationMaximisation):
    r"""One-coin Dawid-Skene: one accuracy ``s_w`` per worker, errors spread evenly.

    The confusion matrix of worker ``w`` is ``pi_w[k, k] = s_w`` and
    ``pi_w[k, l] = (1 - s_w) / (K - 1)`` for ``l != k``. The E-step is Dawid-Skene's; the M-step
    sets ``s_w`` to the expected share of the worker's answers that are correct,

    ``s_w = (sum_{(t,w,l)} P(z_t = l) + K alpha) / (n_w + K^2 alpha)``,

    which is the pooled diagonal of a confusion matrix smoothed with ``alpha`` per cell (``alpha =
    smoothing``), floored and capped at 1e-10 and 1 - 1e-10. Same start, stopping rule and
    determinism as :class:`DawidSkene`; crowd-kit's ``OneCoinDawidSkene`` is the same model.

    Y. Zhang, X. Chen, D. Zhou and M. I. Jordan, "Spectral methods meet EM: a provably optimal
    algorithm for crowdsourcing", *JMLR* 17, 2016 (the one-coin model); Dawid and Skene 1979.

    Learned, besides those of the module docstring: ``priors_``, ``skills_`` ``(n_workers,)`` (the
    accuracies ``s_w``), ``confusion_columns_`` (columns of the implied confusion matrices) and
    ``confusion_`` (the implied ``(n_workers, K, K)`` matrices, built on demand), ``n_iter_``,
    ``converged_``, ``log_likelihood_``.

    Example:
        Worker ``c`` disagrees on two of three tasks, so its skill comes out low:

        >>> answers = pl.DataFrame({
        ...     "task": ["1", "1", "1", "2", "2", "2", "3", "3", "3"],
        ...     "worker": ["a", "b", "c"] * 3,
        ...     "label": ["x", "x", "y", "y", "y", "x", "x", "x", "x"]})
        >>> model = OneCoinDawidSkene().fit(answers)
        >>> model.labels_["label"].to_list(), model.skills_.round(2).tolist()
        (['x', 'y', 'x'], [0.99, 0.99, 0.34])
    """

    skills_: FloatArray
    confusion_columns_: OneCoinConfusion

    def _fit(self, enc: EncodedAnswers, gold_codes: IntArray | None) -> _Fitted:
        k = enc.n_classes
        class_task = enc.label * enc.n_tasks + enc.task

        def log_likelihood(skills: FloatArray) -> FloatArray:
            log_right = np.log(skills)
            log_wrong = np.log((1.0 - skills) / (k - 1))
            # Every answer adds log_wrong to all classes and log_right - log_wrong to its own.
            own = _scatter_add(class_task, (log_right - log_wrong)[enc.worker], enc.n_tasks * k)
            log_joint = own.reshape(k, enc.n_tasks)
            log_joint += _scatter_add(enc.task, log_wrong[enc.worker], enc.n_tasks)[None, :]
            return log_joint

        total = np.bincount(enc.worker, minlength=enc.n_workers).astype(np.float64)
        probas, priors, skills, history, converged = _run_em(
            log_likelihood,
            lambda probas: self._m_step(enc, probas, class_task, total),
            _start(enc, gold_codes),
            gold_codes,
            n_answers=enc.n_answers,
            max_iter=self.max_iter if k > 1 else 0,
            tol=self.tol,
        )

        self.priors_ = priors
        self.skills_ = skills
        self.confusion_columns_ = OneCoinConfusion(skills, k)
        return probas, history, converged or k <= 1

    @property
    def confusion_(self) -> FloatArray:
        """The implied ``(n_workers, K, K)`` confusion matrices, built on demand."""
        return self.confusion_columns_.dense()

    def _m_step(
        self, enc: EncodedAnswers, probas: FloatArray, class_task: IntArray, total: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Priors and skills from class-major posteriors; ``class_task`` is each answer's flat
        (class, task) index, ``total`` each worker's number of answers."""
        k = enc.n_classes
        priors = np.clip(_class_means(probas), _EPS, None)
        priors /= priors.sum()
        right = np.bincount(
            enc.worker, weights=np.take(probas, class_task), minlength=enc.n_workers
        )
        alpha = self.smoothing
        skills = (right + k * alpha) / np.maximum(total + k * k * alpha, _EPS)
        return priors, np.clip(skills, _EPS, 1.0 - _EPS)
