"""Worker skill without gold, flags, verdicts and recommended labels for one job: :func:`compute_skill`.

The answers are encoded once; majority vote, one-coin Dawid-Skene, Dawid-Skene and the pooled
Dawid-Skene (:mod:`.pooled`) are fitted; the recommended labels are their soft vote, made without
gold (:mod:`.labels`), and the per-worker columns, items table and job summary below are built.

Workers table (one row per worker, sorted by ``worker``):

=============================  =======  ===========================================================
column                         dtype    meaning
=============================  =======  ===========================================================
``worker``                     String   worker id
``skill``                      Float64  estimated probability that the worker's answer is right:
                                        the expected share of right answers under the pooled
                                        model's tempered posteriors, pooled toward the typical
                                        worker (:mod:`.calibration`); null for a worker with too
                                        few answers or a job too small to judge
``skill_low``, ``skill_high``  Float64  its 90 % interval (:mod:`.calibration`)
``ds_accuracy``                Float64  the same under plain Dawid-Skene (smoothed toward uniform)
``one_coin_accuracy``          Float64  the worker's accuracy under one-coin Dawid-Skene
``kappa``                      Float64  Cohen's kappa against the leave-one-out majority; null
                                        when undefined or on fewer than ``min_skill_answers``
                                        compared answers
``n_kappa``                    Int64    answers used for ``kappa``
``spam_score``                 Float64  0 informative .. 1 uninformative (:mod:`.spam`), from the
                                        Dawid-Skene confusion matrix
``flag_*``                     Boolean  flags raised on evidence only (:mod:`.verdicts`);
                                        ``flag_fast_and_disagreeing`` null without timings
``flag_reason``                String   the evidence in words and numbers; null when unflagged
``verdict``                    String   ``trusted``, ``ok``, ``check`` or ``not enough data``
``verdict_reason``             String   one line of why
=============================  =======  ===========================================================

Items table (one row per task, most likely wrong first): ``task``, ``n_answers``, ``label`` (the
recommended label), ``label_probability`` (its probability averaged over the four models,
:mod:`.labels`), ``label_votes`` and ``label_share`` (answers equal to it), ``majority_vote``,
``one_coin_label``, ``ds_label``, ``pooled_label``, ``ds_posterior`` (plain Dawid-Skene posterior
of ``ds_label``).

Summary keys (JSON-able): ``n_answers``, ``n_tasks``, ``n_workers``, ``n_classes``, ``classes``,
``class_priors``, ``krippendorff_alpha``, ``fleiss_kappa``, ``fleiss_kappa_reason``,
``skill_reason`` (null when skill could be estimated, else why not), ``pooling_strength``,
``recommended_model`` (``"average"``: the soft vote of the four models, :mod:`.labels`),
``best_held_out_model`` (the model that predicts held-out answers best),
``held_out_log_likelihood`` (model -> per answer), ``label_temperature`` (that model's),
``estimated_label_accuracy`` with ``estimated_label_accuracy_low``/``_high`` (90 %, without gold;
null when the job is too small), ``ds_iterations``, ``ds_converged``, ``one_coin_iterations``,
``one_coin_converged``, ``skill_model_agreement`` (Spearman correlation of ``skill`` with
``one_coin_accuracy`` over workers with at least 10 answers: low when the ranking depends on the
model, see :data:`MODEL_AGREEMENT_CAUTION`), ``gold_clamped``, ``n_gold_tasks``,
``label_accuracy`` (null without gold, else model -> accuracy on gold, fitted *without* gold
clamping, including ``pooled`` and ``recommended``), ``n_flag_<name>`` per flag
(``n_flag_fast_and_disagreeing`` null without timings) and ``n_verdict_<verdict>`` per verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import polars as pl
from scipy.stats import spearmanr

from crowdaudit.errors import EmptyJobError
from crowdaudit.metrics._encoding import EncodedAnswers, FloatArray, IntArray, encode_answers
from crowdaudit.metrics.accuracy import compute_label_accuracy
from crowdaudit.metrics.calibration import compute_skill_interval
from crowdaudit.metrics.estimators import DawidSkene, MajorityVote, OneCoinDawidSkene
from crowdaudit.metrics.labels import (
    MODELS,
    LabelChoice,
    average_label_probability,
    choose_labels,
    estimate_label_accuracy,
)
from crowdaudit.metrics.pooled import PooledDawidSkene
from crowdaudit.metrics.reliability import (
    compute_fleiss_kappa,
    compute_krippendorff_alpha,
    compute_loo_kappa,
    compute_loo_majority_agreement,
)
from crowdaudit.metrics.spam import compute_spam_score
from crowdaudit.metrics.verdicts import (
    FLAG_NAMES,
    FlagThresholds,
    WorkerEvidence,
    WorkerJudgments,
    judge_workers,
)
from crowdaudit.schema import (
    COL,
    WORKER_SKILL,
    HeldOutLogLikelihood,
    LabelAccuracy,
    SkillFigures,
    SkillSummary,
)

__all__ = [
    "MODEL_AGREEMENT_CAUTION",
    "SKILL_ITEM_COLUMNS",
    "SKILL_WORKER_COLUMNS",
    "SkillReport",
    "compute_skill",
]

MODEL_AGREEMENT_CAUTION: Final = 0.5
"""Below this ``skill_model_agreement``, the front ends warn that the ranking of workers depends
on the model. On the public sets it is 0.12 and 0.38 where ``skill`` ranks workers poorly or only
one model does well (bluebirds, zencrowd-us), and 0.74 to 0.97 elsewhere; the threshold was chosen
with those figures in view (``bench/trust.py``)."""


SKILL_WORKER_COLUMNS: tuple[str, ...] = (COL.WORKER, *WORKER_SKILL)
"""Columns of :attr:`SkillReport.workers`, in order."""

SKILL_ITEM_COLUMNS: tuple[str, ...] = (
    COL.TASK,
    COL.N_ANSWERS,
    COL.LABEL,
    COL.LABEL_PROBABILITY,
    COL.LABEL_VOTES,
    COL.LABEL_SHARE,
    COL.MAJORITY_VOTE,
    COL.ONE_COIN_LABEL,
    COL.DS_LABEL,
    COL.POOLED_LABEL,
    COL.DS_POSTERIOR,
)
"""Columns of :attr:`SkillReport.items`, in order."""


@dataclass(frozen=True, slots=True)
class SkillReport:
    """What :func:`compute_skill` found.

    Attributes:
        workers: per-worker columns, keyed by ``worker`` (module docstring).
        items: per-task labels and certainty, most likely wrong first.
        summary: job-level values, JSON-able (``schema.SkillSummary``).
        dawid_skene: the fitted Dawid-Skene estimator (confusion matrices, posteriors).
        one_coin: the fitted one-coin estimator.
        pooled: the fitted pooled Dawid-Skene estimator.
    """

    workers: pl.DataFrame
    items: pl.DataFrame
    summary: SkillSummary
    dawid_skene: DawidSkene
    one_coin: OneCoinDawidSkene
    pooled: PooledDawidSkene


@dataclass(frozen=True, slots=True)
class _Fits:
    mv: MajorityVote
    ds: DawidSkene
    one_coin: OneCoinDawidSkene
    pooled: PooledDawidSkene


def _nullable(values: FloatArray, name: str) -> pl.Series:
    return pl.Series(name, values, dtype=pl.Float64).fill_nan(None)


def _optional_float(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def _gold_table(gold: pl.DataFrame) -> pl.DataFrame:
    """``task`` and ``gold`` (String), one row per distinct pair, for :func:`_gold_accuracy`."""
    return (
        gold.select(
            pl.col(COL.TASK).cast(pl.String), pl.col(COL.LABEL).cast(pl.String).alias(COL.GOLD)
        )
        .drop_nulls()
        .unique()
    )


def _gold_accuracy(labels: pl.DataFrame, truth: pl.DataFrame) -> float | None:
    joined = labels.join(truth, on=COL.TASK, how="inner")
    return compute_label_accuracy(joined, label=COL.LABEL, gold=COL.GOLD)


def _worker_medians(enc: EncodedAnswers) -> tuple[FloatArray | None, float | None]:
    if enc.seconds is None or bool(np.all(np.isnan(enc.seconds))):
        return None, None
    medians = (
        pl.DataFrame({COL.WORKER: enc.worker, COL.SECONDS: enc.seconds})
        .with_columns(pl.col(COL.SECONDS).fill_nan(None))
        .group_by(COL.WORKER)
        .agg(pl.col(COL.SECONDS).median())
    )
    out = np.full(enc.n_workers, np.nan)
    out[medians[COL.WORKER].to_numpy()] = medians[COL.SECONDS].fill_null(np.nan).to_numpy()
    return out, float(np.nanmedian(enc.seconds))


def _job_reason(enc: EncodedAnswers, thresholds: FlagThresholds) -> str | None:
    """Why no skill can be estimated for this job, or None when it can."""
    if enc.n_workers < thresholds.min_workers:
        return (
            f"the job has {enc.n_workers} worker{'s' if enc.n_workers != 1 else ''}; skill needs "
            f"at least {thresholds.min_workers} workers answering the same objects"
        )
    if enc.n_answers < thresholds.min_job_answers:
        return (
            f"the job has {enc.n_answers} answers; skill needs at least "
            f"{thresholds.min_job_answers}"
        )
    if not bool(np.any(np.bincount(enc.task, minlength=enc.n_tasks) >= 2)):
        return "no object was answered by two workers, so no answer can be checked against another"
    return None


def _gold_counts(
    enc: EncodedAnswers, gold: pl.DataFrame | None
) -> tuple[FloatArray | None, FloatArray | None]:
    if gold is None:
        return None, None
    codes = enc.encode_gold(gold)[enc.task]
    known = codes >= 0
    n_gold = np.bincount(enc.worker, weights=known, minlength=enc.n_workers)
    right = np.bincount(enc.worker, weights=known & (codes == enc.label), minlength=enc.n_workers)
    return right.astype(np.float64), n_gold.astype(np.float64)


def _evidence(
    enc: EncodedAnswers,
    fits: _Fits,
    skill: list[FloatArray],
    spam: FloatArray,
    kappa: FloatArray,
    gold: pl.DataFrame | None,
    job_reason: str | None,
    label_codes: IntArray,
) -> WorkerEvidence:
    k = enc.n_classes
    n_answers = np.bincount(enc.worker, minlength=enc.n_workers)
    own = np.bincount(enc.worker * k + enc.label, minlength=enc.n_workers * k)
    own = own.reshape(enc.n_workers, k)
    top = own.argmax(axis=1)
    consensus_top = np.bincount(
        enc.worker, weights=label_codes[enc.task] == top[enc.worker], minlength=enc.n_workers
    )
    agree, used = compute_loo_majority_agreement(enc)
    medians, job_median = _worker_medians(enc)
    gold_right, n_gold = _gold_counts(enc, gold)
    return WorkerEvidence(
        n_answers=n_answers.astype(np.int64),
        top_label=[enc.classes[c] for c in top],
        top_count=own.max(axis=1).astype(np.int64),
        consensus_top_share=consensus_top / np.maximum(n_answers, 1),
        skill=skill[0],
        skill_low=skill[1],
        skill_high=skill[2],
        spam_score=spam,
        kappa=kappa,
        loo_agree=agree,
        loo_used=used,
        median_seconds=medians,
        job_median_seconds=job_median,
        gold_correct=gold_right,
        n_gold=n_gold,
        n_classes=k,
        job_ok=job_reason is None,
        job_reason=job_reason,
    )


def _workers_frame(
    enc: EncodedAnswers,
    fits: _Fits,
    ev: WorkerEvidence,
    judged: WorkerJudgments,
    n_kappa: IntArray,
    thresholds: FlagThresholds,
) -> pl.DataFrame:
    hidden = ~((ev.n_answers >= thresholds.min_skill_answers) & ev.job_ok)

    def masked(values: FloatArray, name: str) -> pl.Series:
        return _nullable(np.where(hidden, np.nan, values), name)

    flag_columns = []
    for name in FLAG_NAMES:
        values = judged.flags[name]
        column = f"flag_{name}"
        if values is None:
            flag_columns.append(pl.Series(column, [None] * enc.n_workers, dtype=pl.Boolean))
            continue
        series = pl.Series(column, values, dtype=pl.Boolean)
        if name == "fast_and_disagreeing" and ev.median_seconds is not None:
            series = series.scatter(np.flatnonzero(np.isnan(ev.median_seconds)), None)
        flag_columns.append(series)
    columns = [
        enc.workers,
        masked(ev.skill, COL.SKILL),
        masked(ev.skill_low, COL.SKILL_LOW),
        masked(ev.skill_high, COL.SKILL_HIGH),
        pl.Series(COL.VERDICT, judged.verdict, dtype=pl.String),
        pl.Series(COL.VERDICT_REASON, judged.verdict_reason, dtype=pl.String),
        masked(fits.ds.accuracy_, COL.DS_ACCURACY),
        masked(fits.one_coin.skills_, COL.ONE_COIN_ACCURACY),
        _nullable(ev.kappa, COL.KAPPA),
        pl.Series(COL.N_KAPPA, n_kappa, dtype=pl.Int64),
        masked(ev.spam_score, COL.SPAM_SCORE),
        *flag_columns,
        pl.Series(COL.FLAG_REASON, judged.flag_reason, dtype=pl.String),
    ]
    return pl.DataFrame(columns).select(SKILL_WORKER_COLUMNS)


def _items_frame(
    enc: EncodedAnswers, fits: _Fits, label_codes: IntArray, probability: FloatArray
) -> pl.DataFrame:
    counts = enc.label_counts()
    classes = pl.Series(COL.LABEL, list(enc.classes), dtype=pl.String)
    rows = np.arange(enc.n_tasks)
    n_answers = counts.sum(axis=1)
    votes = counts[rows, label_codes] if enc.n_tasks else np.zeros(0, dtype=np.int64)
    return pl.DataFrame(
        [
            enc.tasks,
            pl.Series(COL.N_ANSWERS, n_answers, dtype=pl.Int64),
            classes.gather(label_codes),
            pl.Series(COL.LABEL_PROBABILITY, probability, dtype=pl.Float64),
            pl.Series(COL.LABEL_VOTES, votes, dtype=pl.Int64),
            pl.Series(COL.LABEL_SHARE, votes / np.maximum(n_answers, 1), dtype=pl.Float64),
            fits.mv.labels_[COL.LABEL].alias(COL.MAJORITY_VOTE),
            fits.one_coin.labels_[COL.LABEL].alias(COL.ONE_COIN_LABEL),
            fits.ds.labels_[COL.LABEL].alias(COL.DS_LABEL),
            fits.pooled.labels_[COL.LABEL].alias(COL.POOLED_LABEL),
            pl.Series(COL.DS_POSTERIOR, fits.ds.probas_.max(axis=1), dtype=pl.Float64),
        ]
    ).sort([COL.LABEL_PROBABILITY, COL.TASK])


def _fit(
    enc: EncodedAnswers, clamp: pl.DataFrame | None, options: tuple[float, int, float]
) -> _Fits:
    smoothing, max_iter, tol = options
    return _Fits(
        mv=MajorityVote().fit(enc),
        ds=DawidSkene(max_iter=max_iter, tol=tol, smoothing=smoothing).fit(enc, gold=clamp),
        one_coin=OneCoinDawidSkene(max_iter=max_iter, tol=tol, smoothing=smoothing).fit(
            enc, gold=clamp
        ),
        pooled=PooledDawidSkene(max_iter=max_iter, tol=tol, smoothing=smoothing).fit(
            enc, gold=clamp
        ),
    )


def _gold_figures(
    enc: EncodedAnswers,
    fits: _Fits,
    gold: pl.DataFrame | None,
    items: pl.DataFrame,
    refit: tuple[float, int, float] | None,
) -> tuple[LabelAccuracy | None, int | None]:
    """``label_accuracy`` and ``n_gold_tasks``; with ``refit`` (the fits were clamped to gold),
    from fits and a recommendation made again without gold."""
    if gold is None:
        return None, None
    plain, recommended = fits, items.select(COL.TASK, COL.LABEL)
    if refit is not None:
        plain = _fit(enc, None, refit)
        plain_choice = _choose(enc, plain)
        codes = plain_choice.labels[plain_choice.recommended]
        recommended = pl.DataFrame(
            [enc.tasks, pl.Series(COL.LABEL, list(enc.classes)).gather(codes)]
        )
    n_gold = int(enc.tasks.is_in(gold[COL.TASK].cast(pl.String).drop_nulls().implode()).sum())
    return _label_accuracy(plain, gold, recommended), n_gold


def _choose(enc: EncodedAnswers, fits: _Fits) -> LabelChoice:
    return choose_labels(
        enc, dawid_skene=fits.ds, one_coin=fits.one_coin, pooled=fits.pooled, majority=fits.mv
    )


def _label_accuracy(plain: _Fits, gold: pl.DataFrame, recommended: pl.DataFrame) -> LabelAccuracy:
    truth = _gold_table(gold)
    return {
        "majority_vote": _gold_accuracy(plain.mv.labels_, truth),
        "dawid_skene": _gold_accuracy(plain.ds.labels_, truth),
        "one_coin": _gold_accuracy(plain.one_coin.labels_, truth),
        "pooled": _gold_accuracy(plain.pooled.labels_, truth),
        "recommended": _gold_accuracy(recommended, truth),
    }


def _estimate(
    enc: EncodedAnswers, choice: LabelChoice, probability: FloatArray, job_ok: bool
) -> SkillFigures:
    """The estimated label accuracy and its range (:func:`.labels.estimate_label_accuracy`)."""
    if not job_ok or probability.size == 0:
        return {
            "estimated_label_accuracy": None,
            "estimated_label_accuracy_low": None,
            "estimated_label_accuracy_high": None,
        }
    found = estimate_label_accuracy(enc, choice, probability)
    return {
        "estimated_label_accuracy": found.accuracy,
        "estimated_label_accuracy_low": found.low,
        "estimated_label_accuracy_high": found.high,
    }


def _model_agreement(
    ev: WorkerEvidence, one_coin: FloatArray, thresholds: FlagThresholds
) -> float | None:
    """Spearman correlation of ``skill`` with ``one_coin_accuracy`` over the workers with at least
    ``min_answers`` answers in a job fit to judge; None for fewer than 5 such workers or where
    either figure is constant."""
    chosen = (ev.n_answers >= thresholds.min_answers) & ev.job_ok
    chosen &= np.isfinite(ev.skill) & np.isfinite(one_coin)
    skill, other = ev.skill[chosen], one_coin[chosen]
    if skill.size < 5 or np.ptp(skill) == 0 or np.ptp(other) == 0:
        return None
    return float(spearmanr(skill, other).statistic)


def _counts_summary(judged: WorkerJudgments) -> SkillFigures:
    def flagged(name: str) -> int | None:
        values = judged.flags[name]
        return None if values is None else int(values.sum())

    same, inverted, low, fast = FLAG_NAMES
    return {
        "n_flag_same_answer": flagged(same),
        "n_flag_inverted": flagged(inverted),
        "n_flag_low_skill": flagged(low),
        "n_flag_fast_and_disagreeing": flagged(fast),
        "n_verdict_trusted": judged.verdict.count("trusted"),
        "n_verdict_ok": judged.verdict.count("ok"),
        "n_verdict_check": judged.verdict.count("check"),
        "n_verdict_not_enough_data": judged.verdict.count("not enough data"),
    }


def _held_out(choice: LabelChoice) -> HeldOutLogLikelihood:
    majority, one_coin, dawid_skene, pooled = (choice.calibrated[m].held_out for m in MODELS)
    return {
        "majority_vote": majority,
        "one_coin": one_coin,
        "dawid_skene": dawid_skene,
        "pooled": pooled,
    }


def _job_figures(
    enc: EncodedAnswers,
    fits: _Fits,
    choice: LabelChoice,
    judged: WorkerJudgments,
    job_reason: str | None,
) -> SkillSummary:
    counts = enc.label_counts()
    fleiss, fleiss_reason = compute_fleiss_kappa(counts)
    return {
        "n_answers": enc.n_answers,
        "n_tasks": enc.n_tasks,
        "n_workers": enc.n_workers,
        "n_classes": enc.n_classes,
        "classes": list(enc.classes),
        "class_priors": {c: float(p) for c, p in zip(enc.classes, fits.ds.priors_, strict=True)},
        "krippendorff_alpha": _optional_float(compute_krippendorff_alpha(counts)),
        "fleiss_kappa": _optional_float(fleiss),
        "fleiss_kappa_reason": fleiss_reason,
        "skill_reason": job_reason,
        "median_skill": judged.median_skill,
        "pooling_strength": fits.pooled.pooling_,
        "recommended_model": choice.recommended,
        "best_held_out_model": choice.best,
        "held_out_log_likelihood": _held_out(choice),
        "label_temperature": choice.calibrated[choice.best].temperature,
        "ds_iterations": fits.ds.n_iter_,
        "ds_converged": fits.ds.converged_,
        "one_coin_iterations": fits.one_coin.n_iter_,
        "one_coin_converged": fits.one_coin.converged_,
    }


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
    """Estimate worker skill without gold, flags, verdicts and recommended labels for one job.

    Args:
        answers: columns ``task``, ``worker``, ``label`` (String) and optionally ``seconds``
            (Float64); at most one answer per (task, worker).
        gold: optional ``task``, ``label`` table; gives ``label_accuracy`` in the summary and the
            gold guard of the flags (never used to fit skill).
        clamp_gold: also fix the posteriors of gold tasks to their gold labels in the fits behind
            the worker and item tables (``label_accuracy`` always comes from fits without
            clamping, else it would be 1 by construction).
        smoothing: Dirichlet pseudo-count per confusion-matrix cell (see :class:`DawidSkene`).
        max_iter: most EM iterations per estimator.
        tol: EM stops when the log-likelihood per answer changes by less than this.
        thresholds: flag and verdict thresholds; ``FlagThresholds()`` when None.

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
        >>> sorted(report.items["label"].to_list()), report.summary["n_workers"]
        (['x', 'y'], 3)
    """
    if answers.height == 0:
        raise EmptyJobError("cannot estimate worker skill", why="no answers")
    thresholds = thresholds or FlagThresholds()
    enc = encode_answers(answers)
    options = (smoothing, max_iter, tol)
    fits = _fit(enc, gold if clamp_gold else None, options)
    job_reason = _job_reason(enc, thresholds)
    choice = _choose(enc, fits)
    label_codes = choice.labels[choice.recommended]
    probability = average_label_probability(choice)
    *skill, skill_strength = compute_skill_interval(enc, choice.calibrated["pooled"].probas)
    spam = compute_spam_score(fits.ds.confusion_columns_, fits.ds.priors_)
    kappa, n_kappa = compute_loo_kappa(enc)
    # A kappa on 1 compared answer is undefined or 0 whatever the answer; below the floor of the
    # skill numbers it is noise, so it is neither shown nor used by the flags.
    kappa = np.where(n_kappa >= thresholds.min_skill_answers, kappa, np.nan)
    ev = _evidence(enc, fits, skill, spam, kappa, gold, job_reason, label_codes)
    judged = judge_workers(ev, thresholds, lambda out: compute_loo_majority_agreement(enc, out))
    workers = _workers_frame(enc, fits, ev, judged, n_kappa, thresholds)
    items = _items_frame(enc, fits, label_codes, probability)

    label_accuracy, n_gold = _gold_figures(enc, fits, gold, items, options if clamp_gold else None)
    summary: SkillSummary = {
        **_job_figures(enc, fits, choice, judged, job_reason),
        "skill_prior_strength": skill_strength,
        "skill_model_agreement": _model_agreement(ev, fits.one_coin.skills_, thresholds),
        **_estimate(enc, choice, probability, job_reason is None),
        "gold_clamped": bool(clamp_gold and gold is not None),
        "n_gold_tasks": n_gold,
        "label_accuracy": label_accuracy,
        **_counts_summary(judged),
    }
    return SkillReport(
        workers=workers,
        items=items,
        summary=summary,
        dawid_skene=fits.ds,
        one_coin=fits.one_coin,
        pooled=fits.pooled,
    )
