"""Worker skill without gold, agreement and spam signals for one job: :func:`compute_skill`.

The answers are encoded once, then majority vote, Dawid-Skene and one-coin Dawid-Skene are fitted,
and the per-worker columns, per-item table and job summary below are built from them.

Workers table (one row per worker, sorted by ``worker``):

=============================  =======  ===========================================================
column                         dtype    meaning
=============================  =======  ===========================================================
``worker``                     String   worker id
``ds_accuracy``                Float64  expected accuracy under the Dawid-Skene confusion matrix and
                                        class priors, ``sum_k p_k pi_w[k, k]``
``one_coin_accuracy``          Float64  the worker's accuracy under one-coin Dawid-Skene
``kappa``                      Float64  Cohen's kappa against the leave-one-out majority (tasks
                                        where the others tie or nobody else answered left out);
                                        null when undefined
``n_kappa``                    Int64    answers used for ``kappa``
``spam_score``                 Float64  0 informative .. 1 uninformative (see :mod:`.spam`); null
                                        with fewer than two classes
``flag_same_answer``           Boolean  (nearly) always the same label, unlike the estimated truth
``flag_inverted``              Boolean  informative but mostly wrong: systematic confusion
``flag_fast_and_disagreeing``  Boolean  much faster than the job's median and low kappa; null when
                                        the worker's time is unknown
=============================  =======  ===========================================================

Items table (one row per task, least certain first): ``task``, ``n_answers`` (Int64),
``majority_vote``, ``ds_label`` (String), ``ds_posterior`` (Float64, Dawid-Skene posterior of
``ds_label``).

Summary keys (JSON-able): ``n_answers``, ``n_tasks``, ``n_workers``, ``n_classes``, ``classes``,
``class_priors`` (label -> Dawid-Skene prior), ``krippendorff_alpha``, ``fleiss_kappa``,
``fleiss_kappa_reason`` (null when computed), ``estimated_label_accuracy`` (mean Dawid-Skene
posterior of the chosen labels), ``ds_iterations``, ``ds_converged``, ``one_coin_iterations``,
``one_coin_converged``, ``gold_clamped``, ``n_gold_tasks`` (answered tasks with gold; null
without gold), ``label_accuracy`` (null without gold, else a dict with keys ``majority_vote``,
``dawid_skene``, ``one_coin`` -> accuracy on the gold tasks, fitted *without* gold clamping; null
entries when no gold task was answered), ``n_flag_same_answer``, ``n_flag_inverted``,
``n_flag_fast_and_disagreeing`` (null without timings).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import polars as pl
from numpy.typing import NDArray

from crowdaudit.errors import EmptyJobError
from crowdaudit.metrics._encoding import EncodedAnswers, encode_answers
from crowdaudit.metrics.estimators import DawidSkene, MajorityVote, OneCoinDawidSkene
from crowdaudit.metrics.reliability import (
    compute_fleiss_kappa,
    compute_krippendorff_alpha,
    compute_loo_kappa,
)
from crowdaudit.metrics.spam import FlagThresholds, compute_spam_score, compute_worker_flags
from crowdaudit.schema import COL

__all__ = ["SKILL_ITEM_COLUMNS", "SKILL_WORKER_COLUMNS", "SkillReport", "compute_skill"]

JSONValue: TypeAlias = "bool | int | float | str | list[JSONValue] | dict[str, JSONValue] | None"

FloatArray = NDArray[np.float64]

SKILL_WORKER_COLUMNS: tuple[str, ...] = (
    COL.WORKER,
    COL.DS_ACCURACY,
    COL.ONE_COIN_ACCURACY,
    COL.KAPPA,
    COL.N_KAPPA,
    COL.SPAM_SCORE,
    COL.FLAG_SAME_ANSWER,
    COL.FLAG_INVERTED,
    COL.FLAG_FAST_AND_DISAGREEING,
)
"""Columns of :attr:`SkillReport.workers`, in order."""

SKILL_ITEM_COLUMNS: tuple[str, ...] = (
    COL.TASK,
    "n_answers",
    "majority_vote",
    "ds_label",
    "ds_posterior",
)
"""Columns of :attr:`SkillReport.items`, in order."""


@dataclass(frozen=True, slots=True)
class SkillReport:
    """What :func:`compute_skill` found.

    Attributes:
        workers: per-worker columns, keyed by ``worker`` (module docstring).
        items: per-task labels and certainty, least certain first.
        summary: job-level values, JSON-able.
        dawid_skene: the fitted Dawid-Skene estimator (confusion matrices, posteriors).
        one_coin: the fitted one-coin estimator.
    """

    workers: pl.DataFrame
    items: pl.DataFrame
    summary: dict[str, JSONValue]
    dawid_skene: DawidSkene
    one_coin: OneCoinDawidSkene


def _nullable(values: FloatArray, name: str) -> pl.Series:
    return pl.Series(name, values, dtype=pl.Float64).fill_nan(None)


def _optional_float(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def _gold_accuracy(labels: pl.DataFrame, gold: pl.DataFrame) -> float | None:
    joined = labels.join(
        gold.select(pl.col(COL.TASK).cast(pl.String), pl.col(COL.LABEL).cast(pl.String).alias("_g"))
        .drop_nulls()
        .unique(),
        on=COL.TASK,
        how="inner",
    )
    if not joined.height:
        return None
    return float(np.mean(joined[COL.LABEL].to_numpy() == joined["_g"].to_numpy()))


def _worker_medians(enc: EncodedAnswers) -> tuple[FloatArray | None, float | None]:
    if enc.seconds is None or bool(np.all(np.isnan(enc.seconds))):
        return None, None
    medians = (
        pl.DataFrame({"w": enc.worker, "s": enc.seconds})
        .with_columns(pl.col("s").fill_nan(None))
        .group_by("w")
        .agg(pl.col("s").median())
    )
    out = np.full(enc.n_workers, np.nan)
    out[medians["w"].to_numpy()] = medians["s"].fill_null(np.nan).to_numpy()
    return out, float(np.nanmedian(enc.seconds))


def compute_skill(
    answers: pl.DataFrame,
    *,
    gold: pl.DataFrame | None = None,
    clamp_gold: bool = False,
    smoothing: float = 0.01,
    max_iter: int = 100,
    tol: float = 1e-5,
    thresholds: FlagThresholds | None = None,
) -> SkillReport:
    """Estimate worker skill without gold, agreement and spam signals for one job.

    Args:
        answers: columns ``task``, ``worker``, ``label`` (String) and optionally ``seconds``
            (Float64); at most one answer per (task, worker).
        gold: optional ``task``, ``label`` table; gives ``label_accuracy`` in the summary.
        clamp_gold: also fix the posteriors of gold tasks to their gold labels in the Dawid-Skene
            and one-coin fits behind the worker and item tables (``label_accuracy`` always comes
            from fits without clamping, else it would be 1 by construction).
        smoothing: Dirichlet pseudo-count per confusion-matrix cell (see :class:`DawidSkene`).
        max_iter: most EM iterations per estimator.
        tol: EM stops when the log-likelihood per answer changes by less than this.
        thresholds: flag thresholds; ``FlagThresholds()`` when None.

    Returns:
        The workers table, items table and summary described in the module docstring.

    Raises:
        EmptyJobError: the table holds no answers.
        ValueError: a required column is missing or has nulls.
        GoldFormatError: a gold task has two different labels.

    Example:
        >>> answers = pl.DataFrame({
        ...     "task": ["1", "1", "1", "2", "2", "2"], "worker": ["a", "b", "c"] * 2,
        ...     "label": ["x", "x", "y", "y", "y", "x"]})
        >>> report = compute_skill(answers)
        >>> report.items["ds_label"].to_list(), report.summary["n_workers"]
        (['x', 'y'], 3)
    """
    if answers.height == 0:
        raise EmptyJobError("cannot estimate worker skill", why="no answers")
    thresholds = thresholds or FlagThresholds()
    enc = encode_answers(answers)
    k = enc.n_classes
    clamp = gold if clamp_gold else None

    mv = MajorityVote().fit(enc)
    ds = DawidSkene(max_iter=max_iter, tol=tol, smoothing=smoothing).fit(enc, gold=clamp)
    one_coin = OneCoinDawidSkene(max_iter=max_iter, tol=tol, smoothing=smoothing)
    one_coin.fit(enc, gold=clamp)

    counts = enc.label_counts()
    kappa, n_kappa = compute_loo_kappa(enc)
    spam = compute_spam_score(ds.confusion_, ds.priors_)

    n_answers = np.bincount(enc.worker, minlength=enc.n_workers)
    own = np.bincount(enc.worker * k + enc.label, minlength=enc.n_workers * k)
    own = own.reshape(enc.n_workers, k)
    top = own.argmax(axis=1)
    top_share = own.max(axis=1) / n_answers
    ds_codes = ds.probas_.argmax(axis=1)
    consensus_top = np.bincount(
        enc.worker, weights=ds_codes[enc.task] == top[enc.worker], minlength=enc.n_workers
    )
    medians, job_median = _worker_medians(enc)
    flags = compute_worker_flags(
        n_answers=n_answers,
        top_share=top_share,
        consensus_top_share=consensus_top / n_answers,
        ds_accuracy=ds.accuracy_,
        spam_score=spam,
        kappa=kappa,
        median_seconds=medians,
        job_median_seconds=job_median,
        thresholds=thresholds,
    )
    fast = pl.Series("flag_fast_and_disagreeing", [None] * enc.n_workers, dtype=pl.Boolean)
    if flags.fast_and_disagreeing is not None and flags.fast_known is not None:
        fast = pl.Series("flag_fast_and_disagreeing", flags.fast_and_disagreeing, dtype=pl.Boolean)
        fast = fast.scatter(np.flatnonzero(~flags.fast_known), None)
    workers = pl.DataFrame(
        [
            enc.workers,
            pl.Series("ds_accuracy", ds.accuracy_, dtype=pl.Float64),
            pl.Series("one_coin_accuracy", one_coin.skills_, dtype=pl.Float64),
            _nullable(kappa, "kappa"),
            pl.Series("n_kappa", n_kappa, dtype=pl.Int64),
            _nullable(spam, "spam_score"),
            pl.Series("flag_same_answer", flags.same_answer, dtype=pl.Boolean),
            pl.Series("flag_inverted", flags.inverted, dtype=pl.Boolean),
            fast,
        ]
    )

    posterior = ds.probas_.max(axis=1)
    items = pl.DataFrame(
        [
            enc.tasks,
            pl.Series("n_answers", counts.sum(axis=1), dtype=pl.Int64),
            mv.labels_[COL.LABEL].alias("majority_vote"),
            ds.labels_[COL.LABEL].alias("ds_label"),
            pl.Series("ds_posterior", posterior, dtype=pl.Float64),
        ]
    ).sort(["ds_posterior", COL.TASK])

    label_accuracy: JSONValue = None
    n_gold: int | None = None
    if gold is not None:
        plain_ds, plain_one_coin = ds, one_coin
        if clamp_gold:
            plain_ds = DawidSkene(max_iter=max_iter, tol=tol, smoothing=smoothing).fit(enc)
            plain_one_coin = OneCoinDawidSkene(max_iter=max_iter, tol=tol, smoothing=smoothing)
            plain_one_coin.fit(enc)
        label_accuracy = {
            "majority_vote": _gold_accuracy(mv.labels_, gold),
            "dawid_skene": _gold_accuracy(plain_ds.labels_, gold),
            "one_coin": _gold_accuracy(plain_one_coin.labels_, gold),
        }
        n_gold = int(enc.tasks.is_in(gold[COL.TASK].cast(pl.String).drop_nulls().implode()).sum())

    fleiss, fleiss_reason = compute_fleiss_kappa(counts)
    fast_count = None
    if flags.fast_and_disagreeing is not None:
        fast_count = int(flags.fast_and_disagreeing.sum())
    summary: dict[str, JSONValue] = {
        "n_answers": enc.n_answers,
        "n_tasks": enc.n_tasks,
        "n_workers": enc.n_workers,
        "n_classes": k,
        "classes": list(enc.classes),
        "class_priors": {c: float(p) for c, p in zip(enc.classes, ds.priors_, strict=True)},
        "krippendorff_alpha": _optional_float(compute_krippendorff_alpha(counts)),
        "fleiss_kappa": _optional_float(fleiss),
        "fleiss_kappa_reason": fleiss_reason,
        "estimated_label_accuracy": float(posterior.mean()),
        "ds_iterations": ds.n_iter_,
        "ds_converged": ds.converged_,
        "one_coin_iterations": one_coin.n_iter_,
        "one_coin_converged": one_coin.converged_,
        "gold_clamped": bool(clamp_gold and gold is not None),
        "n_gold_tasks": n_gold,
        "label_accuracy": label_accuracy,
        "n_flag_same_answer": int(flags.same_answer.sum()),
        "n_flag_inverted": int(flags.inverted.sum()),
        "n_flag_fast_and_disagreeing": fast_count,
    }
    return SkillReport(
        workers=workers, items=items, summary=summary, dawid_skene=ds, one_coin=one_coin
    )
