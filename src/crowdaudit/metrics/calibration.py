r"""Skill intervals and calibrated label probabilities, from a fitted Dawid-Skene-type model (pure).

**Skill and its interval.** A worker's skill is the probability that one of their answers is
right. Its evidence is ``r_w = sum_n P(z_{t_n} = a_n)``, the expected number of right answers
under the pooled model's *tempered* posteriors (the calibrated ones, below), out of ``n_w``
answers. Skills are pooled too: they share a ``Beta(s mu, s (1 - mu))`` prior whose mean ``mu``
and strength ``s`` are both fitted by empirical Bayes, maximising the beta-binomial evidence of
all workers' ``(r_w, n_w)`` (:func:`fit_skill_prior`). ``mu`` is then the typical worker's skill,
every worker one draw from the population; the job's share of right answers would be the
prolific workers' skill instead. The posterior is ``Beta(s mu + r_w, s (1 - mu) + n_w - r_w)``:
``skill`` is its mean, ``skill_low``/``skill_high`` its 5 % and 95 % quantiles. A worker with 3
answers keeps most of the prior's width and sits near the typical worker; one with 300 is judged
on them.

**Calibration.** Conditional independence makes Dawid-Skene posteriors too sharp: two workers who
make the same mistake count as two independent pieces of evidence. The posteriors are tempered,
``P(z_t = k) ∝ p_k prod_n pi_{w_n}[k, a_n]^tau``, with ``tau`` in (0, 1] chosen without gold by the
held-out likelihood of the answers: each answer is hidden in turn, the tempered posterior of its
task from the *other* answers predicts it through the worker's confusion row, and ``tau``
maximises the sum of the log predicted probabilities. An overconfident model predicts a hidden
dissenting answer badly, so the held-out score pulls ``tau`` below 1 exactly as much as the
answers disagree with the model's certainty.

The same held-out score, per answer, compares models (majority vote, one-coin, Dawid-Skene,
pooled) without gold: :func:`held_out_log_likelihood`.

Platanios, Blum and Mitchell, "Estimating accuracy from unlabeled data", *UAI* 2014 (accuracy from
agreement without gold); Raykar et al. 2010 and Paun et al. 2018 (held-out likelihood of
annotations to compare annotation models).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize_scalar
from scipy.special import betaincinv, betaln

from crowdaudit.metrics._confusion import (
    ConfusionColumns,
    SparseConfusion,
    column_max,
    column_sum,
    row_max,
    row_slices,
    row_sum,
    take_cells,
)
from crowdaudit.metrics._encoding import EncodedAnswers, FloatArray

__all__ = [
    "SKILL_STRENGTHS",
    "TEMPERATURES",
    "Calibrated",
    "calibrate_posteriors",
    "compute_skill_interval",
    "fit_skill_prior",
    "held_out_log_likelihood",
    "leave_out_rows",
]


SKILL_STRENGTHS: Final = np.geomspace(0.5, 20.0, 25)
"""Candidate prior strengths (pseudo-answers) of the skill's Beta prior. The cap of 20 keeps the
prior from ever counting for more than 20 answers: a newcomer's interval stays wide even on a job
whose workers all look alike."""

TEMPERATURES: Final = tuple(float(t) for t in np.linspace(0.1, 1.0, 10))
"""Candidate temperatures ``tau`` of the tempered posterior."""

MAX_SCORED_ANSWERS: Final = 200_000
"""The held-out score of a larger job is computed on every m-th task (by code), enough answers
to choose a temperature and a model, so that it costs a bounded time."""

_TINY: Final = 1e-12

_MEAN_BOUND: Final = 1e-6
"""The skill prior's mean is searched in ``[_MEAN_BOUND, 1 - _MEAN_BOUND]``."""


def _beta_binomial_evidence(
    right: FloatArray, total: FloatArray, mean: float, strength: float
) -> float:
    a, b = strength * mean, strength * (1.0 - mean)
    return float(np.sum(betaln(a + right, b + total - right) - betaln(a, b)))


def fit_skill_prior(right: FloatArray, total: FloatArray) -> tuple[float, float]:
    """The skills' Beta prior by empirical Bayes: mean and strength of highest evidence.

    Both are fitted to the beta-binomial evidence of all workers' ``(r_w, n_w)``: for every
    strength of :data:`SKILL_STRENGTHS`, the mean that maximises it (a bounded one-dimensional
    search), then the best pair. The mean is the *typical worker's* skill, each worker counting
    as one draw from the population; the share of right answers over the whole job would instead
    be the prolific workers' skill, and pull every newcomer toward them.

    Args:
        right: ``(n_workers,)`` expected right answers ``r_w``.
        total: ``(n_workers,)`` answers ``n_w``.

    Returns:
        ``(mean, strength)``.
    """
    pooled = float(np.clip(right.sum() / max(total.sum(), 1.0), _MEAN_BOUND, 1.0 - _MEAN_BOUND))
    best = (-np.inf, pooled, float(SKILL_STRENGTHS[0]))
    for strength in SKILL_STRENGTHS:
        found = minimize_scalar(
            lambda m, s=float(strength): -_beta_binomial_evidence(right, total, m, s),
            bounds=(_MEAN_BOUND, 1.0 - _MEAN_BOUND),
            method="bounded",
            options={"xatol": 1e-6},
        )
        score = -float(found.fun)
        if score > best[0]:
            best = (score, float(found.x), float(strength))
    return best[1], best[2]


def compute_skill_interval(
    enc: EncodedAnswers, probas: FloatArray, *, level: float = 0.90
) -> tuple[FloatArray, FloatArray, FloatArray, float]:
    """Pooled skill of every worker and its interval (module docstring).

    Args:
        enc: the encoded answers.
        probas: ``(n_tasks, K)`` calibrated posteriors of the true classes (the pooled model's,
            tempered: :func:`calibrate_posteriors`).
        level: the interval's coverage (0.90: 5 % and 95 % quantiles).

    Returns:
        ``(skill, low, high, strength)``: three ``(n_workers,)`` arrays and the fitted prior
        strength ``s``.

    Example:
        >>> import polars as pl
        >>> from crowdaudit.metrics._encoding import encode_answers
        >>> enc = encode_answers(pl.DataFrame({"task": ["1", "2", "1", "2"],
        ...                                    "worker": ["a", "a", "b", "b"],
        ...                                    "label": ["x", "y", "x", "x"]}))
        >>> probas = np.array([[1.0, 0.0], [0.0, 1.0]])
        >>> skill, low, high, _ = compute_skill_interval(enc, probas)
        >>> bool(skill[0] > skill[1]), bool(np.all(low <= skill)), bool(np.all(skill <= high))
        (True, True, True)
    """
    right = np.bincount(
        enc.worker, weights=take_cells(probas, enc.task, enc.label), minlength=enc.n_workers
    ).astype(np.float64)
    total = np.bincount(enc.worker, minlength=enc.n_workers).astype(np.float64)
    mean, strength = fit_skill_prior(right, total)
    a = strength * mean + right
    b = strength * (1.0 - mean) + total - right
    skill = a / (a + b)
    tail = (1.0 - level) / 2.0
    low = np.minimum(betaincinv(a, b, tail), skill)
    high = np.maximum(betaincinv(a, b, 1.0 - tail), skill)
    return skill, low, high, strength


def _answer_log_rows(enc: EncodedAnswers, confusion: ConfusionColumns) -> FloatArray:
    """``log pi_{w_n}[k, a_n]`` for every answer ``n`` and class ``k``: ``(n_answers, K)``."""
    rows = confusion.probabilities(enc.worker, enc.label)
    np.log(np.clip(rows, _TINY, None, out=rows), out=rows)
    return rows


def _task_sums(enc: EncodedAnswers, values: FloatArray) -> FloatArray:
    """``(K, n_tasks)``, class-major: the sums of ``values`` (``(n_answers, K)``) per task."""
    # Class by class: the same sums in the same order, without an (answers x K) index array.
    out: FloatArray = np.empty((values.shape[1], enc.n_tasks), dtype=np.float64)
    for c in range(values.shape[1]):
        out[c] = np.bincount(enc.task, weights=values[:, c], minlength=enc.n_tasks)
    return out


def held_out_log_likelihood(
    enc: EncodedAnswers,
    priors: FloatArray,
    confusion: ConfusionColumns,
    hidden: FloatArray,
    tau: float,
) -> FloatArray:
    """Log probability of each answer predicted from the other answers of its task.

    Args:
        enc: the encoded answers.
        priors: ``(K,)`` class priors.
        confusion: the workers' confusion matrices (their columns ``pi_w[:, l]``).
        hidden: ``(n_answers, K)``, ``P(worker answers a_n | true class k)`` from a model fitted
            without answer ``n`` (:func:`leave_out_rows`), so that a model is not rewarded for
            having memorised the answer it predicts.
        tau: the posterior temperature.

    Returns:
        ``(n_answers,)`` log predicted probabilities.
    """
    log_rows = _answer_log_rows(enc, confusion)
    sums = _task_sums(enc, log_rows)
    log_priors = np.log(np.clip(priors, _TINY, None))
    found: FloatArray = _held_out(enc, log_rows, sums, log_priors, hidden, (tau,))[0]
    return found


def _held_out(
    enc: EncodedAnswers,
    log_rows: FloatArray,
    sums: FloatArray,
    log_priors: FloatArray,
    hidden: FloatArray,
    temperatures: tuple[float, ...],
) -> FloatArray:
    """``(len(temperatures), n_answers)`` log predicted probabilities, one row per ``tau``;
    ``sums`` are the class-major task sums of ``log_rows`` (:func:`_task_sums`)."""
    out: FloatArray = np.empty((len(temperatures), enc.n_answers), dtype=np.float64)
    # With few classes, class-major (K, answers) blocks: numpy is many times faster along a long
    # contiguous axis than across a few classes, and every float is the one the (answers, K)
    # layout gives. With many, (answers, K) blocks need no transposed copies. tau * sums[t] +
    # log p is the same float before or after the gather, so each block's task sums are gathered
    # once for every temperature.
    class_major = sums.shape[0] <= _CLASS_MAJOR_MAX_K
    by_task = sums if class_major else np.ascontiguousarray(sums.T)
    priors = log_priors[:, None] if class_major else log_priors
    for rows in row_slices(enc.n_answers, sums.shape[0]):
        if class_major:
            gathered = np.take(by_task, enc.task[rows], axis=1)
            own = np.ascontiguousarray(log_rows[rows].T)
        else:
            gathered, own = np.take(by_task, enc.task[rows], axis=0), log_rows[rows]
        for i, tau in enumerate(temperatures):
            block = tau * gathered
            block += priors
            block -= tau * own
            predicted = _predict(block, hidden[rows], class_major=class_major)
            np.log(np.clip(predicted, _TINY, None, out=predicted), out=out[i, rows])
    return out


_CLASS_MAJOR_MAX_K: Final = 8
"""Up to this many classes the held-out scores are computed class-major; beyond, the reductions
over classes would need a transposed copy per block, and answer-major is faster."""


def _softmax_columns(values: FloatArray) -> FloatArray:
    """Each column of a class-major ``(K, n)`` array turned into probabilities,
    ``exp(v - max) / sum``, written over it."""
    values -= column_max(values)
    np.exp(values, out=values)
    values /= column_sum(values)
    return values


def _predict(log_joint: FloatArray, hidden: FloatArray, *, class_major: bool) -> FloatArray:
    """``sum_k posterior[n, k] * hidden[n, k]``, ``(n,)``, with the posterior the softmax of
    ``log_joint`` over the classes (written over it), class-major or ``(n, K)``."""
    if not class_major:
        log_joint -= row_max(log_joint)
        np.exp(log_joint, out=log_joint)
        log_joint /= row_sum(log_joint)
        rows: FloatArray = np.einsum("nk,nk->n", log_joint, hidden)
        return rows
    posterior = _softmax_columns(log_joint)
    if posterior.shape[0] <= 2:  # a0 b0 + a1 b1 has one rounding whatever the order
        out: FloatArray = posterior[0] * hidden[:, 0]
        if posterior.shape[0] == 2:
            out += posterior[1] * hidden[:, 1]
        return out
    # More classes: numpy's own sum of products, whose order depends on its SIMD lanes.
    found: FloatArray = np.einsum("nk,nk->n", np.ascontiguousarray(posterior.T), hidden)
    return found


def leave_out_rows(enc: EncodedAnswers, counts: SparseConfusion, probas: FloatArray) -> FloatArray:
    """``P(a_n | k)`` for every answer from the Dirichlet parameters with answer ``n`` taken out.

    ``(A_w[k, a_n] - q_tk) / (R_wk - q_tk)``, with ``q_t`` the task's posterior: the one-step
    leave-one-out estimate of the worker's confusion entry.

    Args:
        enc: the encoded answers.
        counts: the Dirichlet parameters ``A_w`` (expected counts plus prior) of every worker.
        probas: ``(n_tasks, K)`` posteriors the counts were made from.
    """
    out: FloatArray = counts.dirichlet(enc.worker, enc.label)
    sums = counts.dirichlet_sums()
    # In blocks of answers, in place: no (answers x K) temporaries besides the result.
    for rows in row_slices(enc.n_answers, probas.shape[1]):
        q = np.take(probas, enc.task[rows], axis=0)
        own = out[rows]
        own -= q
        np.clip(own, _TINY, None, out=own)
        totals = np.take(sums, enc.worker[rows], axis=0)
        totals -= q
        own /= np.clip(totals, _TINY, None, out=totals)
    return out


@dataclass(frozen=True, slots=True)
class _Sample:
    enc: EncodedAnswers
    rows: NDArray[np.int64]
    tasks: NDArray[np.int64]

    @property
    def n_answers(self) -> int:
        return self.enc.n_answers


def _scoring_sample(enc: EncodedAnswers) -> _Sample:
    """Every m-th task with all its answers, at most about :data:`MAX_SCORED_ANSWERS` answers."""
    step = -(-enc.n_answers // MAX_SCORED_ANSWERS)
    if step <= 1:
        return _Sample(enc, np.arange(enc.n_answers), np.arange(enc.n_tasks))
    tasks = np.arange(0, enc.n_tasks, step)
    rows = np.flatnonzero(enc.task % step == 0)
    sub = dataclasses.replace(
        enc,
        task=enc.task[rows] // step,
        worker=enc.worker[rows],
        label=enc.label[rows],
        tasks=enc.tasks.gather(tasks),
        seconds=None,
    )
    return _Sample(sub, rows, tasks)


@dataclass(frozen=True, slots=True)
class Calibrated:
    """Tempered posteriors of one model and the accuracy they imply.

    Attributes:
        temperature: the chosen ``tau``.
        probas: ``(n_tasks, K)`` tempered posteriors.
        held_out: mean held-out log likelihood per answer at ``tau``.
        accuracy: mean tempered probability of the most probable label: the expected share of
            right labels.
        accuracy_low, accuracy_high: a 90 % interval for it: the range of ``accuracy`` over the
            temperatures the held-out likelihood cannot tell from the best (log-likelihood within
            1.35, the 90 % profile-likelihood cut of one parameter), widened by 1.645 standard
            errors of a mean of Bernoulli variables.
    """

    temperature: float
    probas: FloatArray
    held_out: float
    accuracy: float
    accuracy_low: float
    accuracy_high: float


_PROFILE_CUT: Final = 2.705543454095404 / 2.0
"""Half the 90 % quantile of chi-squared with one degree of freedom."""


def calibrate_posteriors(
    enc: EncodedAnswers, priors: FloatArray, confusion: ConfusionColumns, hidden: FloatArray
) -> Calibrated:
    """Choose the temperature by held-out likelihood and temper the posteriors (module docstring).

    Args:
        enc: the encoded answers.
        priors: ``(K,)`` class priors.
        confusion: the workers' confusion matrices (their columns ``pi_w[:, l]``).
        hidden: leave-one-out rows (:func:`held_out_log_likelihood`).
    """
    log_rows = _answer_log_rows(enc, confusion)
    log_priors = np.log(np.clip(priors, _TINY, None))
    sums = _task_sums(enc, log_rows)
    sample = _scoring_sample(enc)
    scale = enc.n_answers / max(sample.n_answers, 1)
    if sample.n_answers == enc.n_answers:  # every answer is scored: no copies
        sample_rows, sample_hidden, sample_sums = log_rows, hidden, sums
    else:
        sample_rows, sample_hidden = log_rows[sample.rows], hidden[sample.rows]
        sample_sums = sums[:, sample.tasks]
    held_out = _held_out(
        sample.enc, sample_rows, sample_sums, log_priors, sample_hidden, TEMPERATURES
    )
    scores = scale * np.array([float(row.sum()) for row in held_out])
    best = int(np.argmax(scores))
    tau = float(TEMPERATURES[best])
    priors_by_class = log_priors[:, None]
    tempered = _softmax_columns(tau * sums + priors_by_class)
    top = column_max(tempered)
    kept = [
        float(column_max(_softmax_columns(t * sums + priors_by_class)).mean())
        for t, score in zip(TEMPERATURES, scores, strict=True)
        if score >= scores[best] - _PROFILE_CUT
    ]
    admissible = np.array(kept)
    spread = 1.6448536269514722 * float(np.sqrt(np.sum(top * (1.0 - top)))) / max(top.size, 1)
    return Calibrated(
        temperature=tau,
        probas=np.ascontiguousarray(tempered.T),
        held_out=float(scores[best]) / max(enc.n_answers, 1),
        accuracy=float(top.mean()),
        accuracy_low=max(0.0, float(admissible.min()) - spread),
        accuracy_high=min(1.0, float(admissible.max()) + spread),
    )
