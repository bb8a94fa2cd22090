"""Flags raised on evidence only, and one verdict per worker, with their reasons in words (pure).

A flag accuses; it needs its condition to hold across the worker's whole 90 % skill interval (or
the Wilson interval of a share), never at a point estimate, and at least ``min_answers`` answers.
A worker whose gold accuracy (Wilson 95 % interval) lies entirely above the job's median gold
accuracy is never flagged. That median, here and in the verdicts, is taken over the workers with at
least ``min_skill_answers`` gold answers (over every worker with gold when none has that many).

* ``flag_same_answer``: the lower bound of the share of the worker's answers equal to their most
  frequent label is at least ``same_answer_share``, that is ``same_answer_margin`` above how often
  the recommended labels of the same objects (the ``label`` of the items table) are that label,
  and the skill interval lies below the job's median skill.
* ``flag_inverted``: the whole skill interval is below ``inverted_max_skill`` (and below the job's
  median), and the spam score is at most ``inverted_max_spam``: most answers are wrong, yet they
  still depend on the true class, so they are wrong in a consistent way (a fixed other class for
  each class, say), not at random. A worker who swaps two of many classes and is right on the
  rest keeps a skill above one half and is not flagged.
* ``flag_low_skill``: the whole skill interval is below the midpoint between chance (``1/K``) and
  the job's median skill.
* ``flag_fast_and_disagreeing``: median seconds below ``fast_ratio`` of the job's median, leave-one-
  out kappa below ``fast_max_kappa``, and the skill interval below the job's median.

Verdicts, first rule that applies:

1. ``not enough data``: the job has fewer than ``min_workers`` workers, fewer than
   ``min_job_answers`` answers or no object answered twice, or the worker has fewer than
   ``min_skill_answers`` answers.
2. ``check``: any flag; or agreement with the other workers' majority whose Wilson 90 % interval
   lies entirely below the job's median agreement, confirmed by the best other evidence of the
   worker: for a worker with at least ``min_skill_answers`` gold answers, a gold Wilson 90 %
   interval below the job's median gold accuracy, else a skill interval below the job's median
   skill (agreement alone is noisy: who a worker happened to share objects with moves it), unless
   the agreement interval lies entirely below one half; or the same label on every answer while
   the recommended labels of those objects vary (under 90 % that label) so much that answers
   following them would all be alike with a chance under 5 % (the share to the power of the
   answers). (The gold guard above applies here too.) The
   majority leaves out the answers of the flagged workers when ``judge_workers`` is given
   ``agreement``, so that a spammer's answers do not decide what the others are compared with.
3. ``trusted``: at least ``min_answers`` answers and the skill interval entirely at or above the
   job's median skill.
4. ``ok``: everything else.

Where gold kept a worker from ``check`` (the guard, or gold not confirming low agreement), the
reason says so, with the gold figures and the evidence gold overruled. Two numbers a reason
compares are printed with 3 decimals (4 if need be) when they would look equal at 2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from crowdaudit.metrics._encoding import FloatArray, IntArray
from crowdaudit.metrics.intervals import Z_95, wilson_bounds

__all__ = ["FLAG_NAMES", "FlagThresholds", "WorkerEvidence", "WorkerJudgments", "judge_workers"]

BoolArray = NDArray[np.bool_]
AgreementWithout = Callable[[BoolArray], tuple[IntArray, IntArray]]
"""Agreement with the others' majority, leaving out the answers of the given workers."""

FLAG_NAMES = ("same_answer", "inverted", "low_skill", "fast_and_disagreeing")
"""The flags, in column order (``flag_<name>``)."""


@dataclass(frozen=True, slots=True)
class FlagThresholds:
    """Thresholds of the flags and verdicts (module docstring)."""

    min_answers: int = 10
    min_skill_answers: int = 5
    min_workers: int = 3
    min_job_answers: int = 20
    same_answer_share: float = 0.8
    same_answer_margin: float = 0.25
    inverted_max_skill: float = 0.5
    inverted_max_spam: float = 0.5
    fast_ratio: float = 0.5
    fast_max_kappa: float = 0.2


@dataclass(frozen=True, slots=True)
class WorkerEvidence:
    """What the judgments are made from, one entry per worker.

    Attributes:
        n_answers: answers per worker.
        top_label: the worker's most frequent label (its name).
        top_count: how many answers are that label.
        consensus_top_share: share of the worker's objects whose recommended label is that
            label.
        skill, skill_low, skill_high: skill and its 90 % interval.
        spam_score: see :mod:`.spam` (NaN where undefined).
        kappa: leave-one-out kappa (NaN where undefined).
        loo_agree, loo_used: answers equal to the others' unique majority, and answers compared
            (all workers counted among the others).
        median_seconds: per worker (NaN where unknown), or None without timings.
        job_median_seconds: over all answers, or None.
        gold_correct, n_gold: per worker, or None without gold.
        n_classes: classes of the job.
        job_ok: whether the job has enough workers and overlap to judge anyone.
        job_reason: why not, when ``job_ok`` is False.
    """

    n_answers: IntArray
    top_label: list[str]
    top_count: IntArray
    consensus_top_share: FloatArray
    skill: FloatArray
    skill_low: FloatArray
    skill_high: FloatArray
    spam_score: FloatArray
    kappa: FloatArray
    loo_agree: IntArray
    loo_used: IntArray
    median_seconds: FloatArray | None
    job_median_seconds: float | None
    gold_correct: FloatArray | None
    n_gold: FloatArray | None
    n_classes: int
    job_ok: bool
    job_reason: str | None


@dataclass(frozen=True, slots=True)
class WorkerJudgments:
    """Flags (name -> per-worker booleans; ``fast_and_disagreeing`` None without timings), the
    flag reasons (None where unflagged), verdicts and their reasons, and the job's median skill."""

    flags: dict[str, BoolArray | None]
    flag_reason: list[str | None]
    verdict: list[str]
    verdict_reason: list[str]
    median_skill: float | None


def _median(values: FloatArray, mask: BoolArray) -> float | None:
    chosen = values[mask & ~np.isnan(values)]
    return float(np.median(chosen)) if chosen.size else None


def _gold_accuracy(ev: WorkerEvidence) -> FloatArray | None:
    """Each worker's share of right gold answers (NaN without gold answers), or None when no
    worker has any."""
    if ev.gold_correct is None or ev.n_gold is None or not np.any(ev.n_gold > 0):
        return None
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy: FloatArray = ev.gold_correct / ev.n_gold
    return accuracy


def _median_gold(ev: WorkerEvidence, t: FlagThresholds) -> float | None:
    """The job's median gold accuracy: over the workers with at least ``min_skill_answers`` gold
    answers (a share of one or two answers is 0 or 1 and would drag the median), or over every
    worker with gold when none has that many; None without gold."""
    accuracy = _gold_accuracy(ev)
    if accuracy is None or ev.n_gold is None:
        return None
    enough = ev.n_gold >= t.min_skill_answers
    return _median(accuracy, enough if enough.any() else ev.n_gold > 0)


def _gold_protected(ev: WorkerEvidence, median_gold: float | None) -> BoolArray:
    """Workers whose gold Wilson 95 % interval lies entirely above the median gold accuracy."""
    if median_gold is None or ev.gold_correct is None or ev.n_gold is None:
        return np.zeros(ev.n_answers.size, dtype=np.bool_)
    low, _ = wilson_bounds(ev.gold_correct, ev.n_gold, z=Z_95)
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(low, nan=-1.0) > median_gold


def _flags(
    ev: WorkerEvidence, t: FlagThresholds, median: float, protected: BoolArray
) -> dict[str, BoolArray | None]:
    enough = (ev.n_answers >= t.min_answers) & ev.job_ok & ~protected
    below_median = ev.skill_high < median
    top_low, _ = wilson_bounds(ev.top_count.astype(np.float64), ev.n_answers.astype(np.float64))
    chance = 1.0 / max(ev.n_classes, 1)
    with np.errstate(invalid="ignore"):
        same = (
            enough
            & below_median
            & (top_low >= t.same_answer_share)
            & (ev.consensus_top_share <= top_low - t.same_answer_margin)
        )
        inverted = (
            enough
            & below_median
            & (ev.skill_high < t.inverted_max_skill)
            & (ev.spam_score <= t.inverted_max_spam)
        )
        low_skill = enough & (ev.skill_high < (median + chance) / 2.0)
    flags: dict[str, BoolArray | None] = {
        "same_answer": same,
        "inverted": inverted,
        "low_skill": low_skill,
        "fast_and_disagreeing": None,
    }
    if ev.median_seconds is not None and ev.job_median_seconds is not None:
        with np.errstate(invalid="ignore"):
            quick = ev.median_seconds < t.fast_ratio * ev.job_median_seconds
            flags["fast_and_disagreeing"] = (
                enough & below_median & quick & (ev.kappa < t.fast_max_kappa)
            )
    return flags


def _pct(value: float) -> str:
    return f"{100 * value:.0f} %"


def _decimals(a: float, b: float) -> int:
    """Decimals that tell apart two numbers a reason compares: 2, or 3 (then 4) where they round
    alike, so that no reason reads "0.91, below the job's median 0.91"."""
    for digits in (2, 3):
        if f"{a:.{digits}f}" != f"{b:.{digits}f}":
            return digits
    return 4


def _count(n: float, noun: str) -> str:
    """``n`` and the noun, singular for one: "1 answer", "40 answers"."""
    return f"{n:.0f} {noun}" + ("" if round(n) == 1 else "s")


def _skill_words(ev: WorkerEvidence, w: int, digits: int = 2) -> str:
    d = digits
    return (
        f"skill {ev.skill[w]:.{d}f} (90 % interval {ev.skill_low[w]:.{d}f}-"
        f"{ev.skill_high[w]:.{d}f}) on {_count(ev.n_answers[w], 'answer')}"
    )


def _flag_reason(
    ev: WorkerEvidence, t: FlagThresholds, w: int, raised: list[str], median: float
) -> str:
    chance = 1.0 / max(ev.n_classes, 1)
    high = float(ev.skill_high[w])
    parts = []
    for name in raised:
        if name == "same_answer":
            parts.append(
                f"answered {ev.top_label[w]!r} on {ev.top_count[w]} of "
                f"{_count(ev.n_answers[w], 'object')} ({_pct(ev.top_count[w] / ev.n_answers[w])}); "
                f"the recommended labels of those objects are {ev.top_label[w]!r} on "
                f"{_pct(ev.consensus_top_share[w])}"
            )
        elif name == "inverted":
            d = _decimals(high, t.inverted_max_skill)
            spam, most = float(ev.spam_score[w]), t.inverted_max_spam
            s = _decimals(spam, most)
            parts.append(
                f"{_skill_words(ev, w, d)}, all below {t.inverted_max_skill:.{d}f}: most answers "
                f"wrong, and wrong consistently (spam score {spam:.{s}f}, at most {most:.{s}f}; "
                "random answers score near 1)"
            )
        elif name == "low_skill":
            cut = (median + chance) / 2
            d = _decimals(high, cut)
            parts.append(
                f"{_skill_words(ev, w, d)}, all below {cut:.{d}f}, halfway between "
                f"chance ({chance:.2f}) and the job's median skill ({median:.2f})"
            )
        else:
            seconds = np.nan if ev.median_seconds is None else ev.median_seconds[w]
            parts.append(
                f"median {seconds:.1f} s per object against the job's "
                f"{ev.job_median_seconds or np.nan:.1f} s, kappa {ev.kappa[w]:.2f} with the others"
            )
    return "; ".join(parts)


def _agreement_words(agree: int, used: int, median: float, n_left_out: int) -> str:
    others = (
        f"the other workers' majority (leaving out the {n_left_out} flagged)"
        if n_left_out
        else "the other workers' majority"
    )
    return (
        f"agreed with {others} on {agree} of {_count(used, 'object')}, well below the job's "
        f"median agreement ({_pct(median)})"
    )


@dataclass(frozen=True, slots=True)
class _JobLevels:
    """The job's medians and the agreement the verdicts compare workers with."""

    skill: float
    agreement: float | None
    gold: float | None
    agree: IntArray
    used: IntArray
    n_left_out: int


def _has_gold(ev: WorkerEvidence, t: FlagThresholds, w: int) -> bool:
    return ev.n_gold is not None and bool(ev.n_gold[w] >= t.min_skill_answers)


def _gold_words(ev: WorkerEvidence, w: int) -> str:
    """The worker's gold record, e.g. "right on 19 of 23 gold objects (83 %)"."""
    right = 0.0 if ev.gold_correct is None else float(ev.gold_correct[w])
    n = 0.0 if ev.n_gold is None else float(ev.n_gold[w])
    share = f" ({_pct(right / n)})" if n else ""
    return f"right on {right:.0f} of {_count(n, 'gold object')}{share}"


def _disagreement(
    ev: WorkerEvidence, t: FlagThresholds, w: int, job: _JobLevels
) -> tuple[str | None, str | None]:
    """Whether the worker is to check on agreement: ``(why, None)`` when so; ``(None, words)``
    when the agreement is low but gold does not confirm it; ``(None, None)`` otherwise.

    Low agreement is an interval below the job's median, confirmed by the best other evidence of
    this worker (gold, its Wilson 90 % interval below the job's median gold accuracy, where the
    worker has gold answers; else the skill interval below the job's median skill). An interval
    entirely below one half needs no confirmation."""
    if job.agreement is None:
        return None, None
    _, high = wilson_bounds(np.array([float(job.agree[w])]), np.array([float(job.used[w])]))
    if not high[0] < job.agreement:
        return None, None
    words = _agreement_words(int(job.agree[w]), int(job.used[w]), job.agreement, job.n_left_out)
    if high[0] < 0.5:  # disagrees more often than agrees, whatever else says: no confirmation
        return words, None
    if _has_gold(ev, t, w) and ev.gold_correct is not None and ev.n_gold is not None:
        _, gold_high = wilson_bounds(ev.gold_correct[w : w + 1], ev.n_gold[w : w + 1])
        if job.gold is None:
            return None, None
        if not gold_high[0] < job.gold:
            return None, words
        gold = f"{_gold_words(ev, w)}, below the job's median gold accuracy ({_pct(job.gold)})"
        return f"{words}; {gold}", None
    if not ev.skill_high[w] < job.skill:
        return None, None
    d = _decimals(float(ev.skill_high[w]), job.skill)
    return (
        words + f"; {_skill_words(ev, w, d)}, below the job's median skill {job.skill:.{d}f}",
        None,
    )


def _same_label(ev: WorkerEvidence, w: int) -> str | None:
    """Why the same label on every answer is to check, or None: unlikely by chance, if each answer
    were that label as often as the recommended labels of those objects are."""
    n = int(ev.n_answers[w])
    share = float(ev.consensus_top_share[w])
    chance = share**n
    if ev.top_count[w] == n and share < 0.9 and chance < 0.05:
        return (
            f"answered {ev.top_label[w]!r} on all {_count(n, 'object')}; the recommended labels "
            f"of those objects are {ev.top_label[w]!r} on {_pct(share)} (all {n} alike by chance: "
            f"{100 * chance:.1f} %)"
        )
    return None


def _gold_decided(
    ev: WorkerEvidence, w: int, overruled: str, median_gold: float, guard: bool
) -> str:
    """The words of a verdict that gold kept from ``check``: what it overruled, and why."""
    where = (
        f"above the job's median gold accuracy ({_pct(median_gold)}) even at the low end of its "
        "95 % interval"
        if guard
        else f"not clearly below the job's median gold accuracy ({_pct(median_gold)})"
    )
    return f"; {overruled}, but gold decides: {_gold_words(ev, w)}, {where}, so not checked"


def _verdict(
    ev: WorkerEvidence,
    t: FlagThresholds,
    w: int,
    reason: str | None,
    job: _JobLevels,
    guard: list[str] | None,
) -> tuple[str, str]:
    """The verdict of a judged worker and its reason. ``guard`` is None for a worker the gold
    guard does not protect; else the flags the answers alone would raise (maybe none)."""
    if reason:
        return "check", reason
    check, unconfirmed = _disagreement(ev, t, w, job)
    check = check or _same_label(ev, w)
    if guard is None:
        if check:
            return "check", check
        overruled = unconfirmed
    else:
        overruled = f"the answers alone would raise {', '.join(guard)}" if guard else check
        overruled = overruled or unconfirmed
    gold = ""
    if overruled and job.gold is not None:
        gold = _gold_decided(ev, w, overruled, job.gold, guard is not None)
    median = job.skill
    if int(ev.n_answers[w]) >= t.min_answers and ev.skill_low[w] >= median:
        d = _decimals(float(ev.skill_low[w]), median)
        why = f"{_skill_words(ev, w, d)}, at or above the job's median skill {median:.{d}f}"
        return "trusted", why + gold
    return "ok", f"{_skill_words(ev, w)}; the job's median skill is {median:.2f}" + gold


def _job_levels(
    ev: WorkerEvidence,
    flags: dict[str, BoolArray | None],
    judged: BoolArray,
    median: float,
    median_gold: float | None,
    agreement: AgreementWithout | None,
) -> _JobLevels:
    flagged = np.zeros(ev.n_answers.size, dtype=np.bool_)
    for values in flags.values():
        if values is not None:
            flagged |= values
    agree, used = ev.loo_agree, ev.loo_used
    if agreement is not None and flagged.any():
        agree, used = agreement(flagged)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = agree / used.astype(np.float64)
    return _JobLevels(
        skill=median,
        agreement=_median(share, judged & (used > 0)),
        gold=median_gold,
        agree=agree,
        used=used,
        n_left_out=int(flagged.sum()) if agreement is not None else 0,
    )


def judge_workers(
    ev: WorkerEvidence, thresholds: FlagThresholds, agreement: AgreementWithout | None = None
) -> WorkerJudgments:
    """Flags, their reasons and a verdict for every worker (rules in the module docstring).

    Args:
        ev: the evidence, one entry per worker.
        thresholds: the thresholds of the flags and verdicts.
        agreement: recomputes ``(loo_agree, loo_used)`` leaving out the answers of the workers
            given (a boolean per worker); called once, with the flagged workers, when any is
            flagged. Without it, ``ev.loo_agree`` is used as it is.

    Returns:
        The flags, their reasons, the verdicts and their reasons, and the job's median skill.
    """
    t = thresholds
    n_workers = ev.n_answers.size
    judged = (ev.n_answers >= t.min_skill_answers) & ev.job_ok
    median = _median(ev.skill, judged)
    if median is None:
        why = ev.job_reason or f"fewer than {t.min_skill_answers} answers from every worker"
        none: dict[str, BoolArray | None] = {
            name: np.zeros(n_workers, dtype=np.bool_) for name in FLAG_NAMES
        }
        if ev.median_seconds is None:
            none["fast_and_disagreeing"] = None
        return WorkerJudgments(
            none, [None] * n_workers, ["not enough data"] * n_workers, [why] * n_workers, None
        )
    median_gold = _median_gold(ev, t)
    protected = _gold_protected(ev, median_gold)
    flags = _flags(ev, t, median, protected)
    unguarded = _flags(ev, t, median, np.zeros_like(protected)) if protected.any() else flags
    job = _job_levels(ev, flags, judged, median, median_gold, agreement)
    reasons: list[str | None] = []
    verdicts, verdict_reasons = [], []
    for w in range(n_workers):
        raised = [name for name in FLAG_NAMES if (f := flags[name]) is not None and bool(f[w])]
        reason = _flag_reason(ev, t, w, raised, median) if raised else None
        reasons.append(reason)
        if not judged[w]:
            verdicts.append("not enough data")
            verdict_reasons.append(
                f"{_count(ev.n_answers[w], 'answer')}; at least {t.min_skill_answers} are needed"
            )
            continue
        guard = None
        if protected[w]:
            guard = [
                f"flag_{name}" for name in FLAG_NAMES if (f := unguarded[name]) is not None and f[w]
            ]
        verdict, why = _verdict(ev, t, w, reason, job, guard)
        verdicts.append(verdict)
        verdict_reasons.append(why)
    return WorkerJudgments(flags, reasons, verdicts, verdict_reasons, median)
