"""Flags and verdicts from hand-made evidence: each rule, the gold guard and the reasons."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from crowdaudit.metrics.intervals import Z_95, wilson_bounds
from crowdaudit.metrics.verdicts import (
    FlagThresholds,
    WorkerEvidence,
    _count,
    _decimals,
    judge_workers,
)


def _evidence(**overrides: object) -> WorkerEvidence:
    # Five workers on a 2-class job, 40 answers each, except the last (3 answers):
    # 0 good, 1 always "yes", 2 label-swapper, 3 typical, 4 newcomer. Median skill 0.7.
    base = WorkerEvidence(
        n_answers=np.array([40, 40, 40, 40, 3]),
        top_label=["yes", "yes", "no", "yes", "yes"],
        top_count=np.array([21, 40, 22, 21, 3]),
        consensus_top_share=np.array([0.5, 0.45, 0.5, 0.5, 0.6]),
        skill=np.array([0.9, 0.6, 0.1, 0.8, 0.85]),
        skill_low=np.array([0.82, 0.5, 0.04, 0.68, 0.6]),
        skill_high=np.array([0.95, 0.72, 0.2, 0.9, 0.97]),
        spam_score=np.array([0.2, 1.0, 0.2, 0.3, 0.5]),
        kappa=np.array([0.8, 0.0, -0.8, 0.0, np.nan]),
        loo_agree=np.array([36, 18, 4, 34, 3]),
        loo_used=np.array([40, 40, 40, 40, 3]),
        median_seconds=None,
        job_median_seconds=None,
        gold_correct=None,
        n_gold=None,
        n_classes=2,
        job_ok=True,
        job_reason=None,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def test_each_flag_on_its_evidence() -> None:
    judged = judge_workers(_evidence(), FlagThresholds())
    assert judged.median_skill == pytest.approx(0.7)  # of the four with >= 5 answers
    flags = {name: None if v is None else v.tolist() for name, v in judged.flags.items()}
    # 1: 40 of 40 "yes" (Wilson low 0.94) while the labels say "yes" on 45 %, but its skill
    # interval reaches 0.72, above the median 0.7: no flag, only a verdict asking for a check.
    assert flags["same_answer"] == [False, False, False, False, False]
    assert flags["inverted"] == [False, False, True, False, False]
    assert flags["low_skill"] == [False, False, True, False, False]
    assert flags["fast_and_disagreeing"] is None
    assert judged.verdict == ["trusted", "check", "check", "ok", "not enough data"]
    # Agreement with the others' majority: 18 of 40 (Wilson 90 % 0.33-0.58) is below the median
    # of 0.9, 0.45, 0.1, 0.85 (0.65), but neither below one half nor confirmed by the skill
    # interval (0.5-0.72 reaches the median 0.7): the check comes from the same answer on all 40.
    assert judged.verdict_reason[1] == (
        "answered 'yes' on all 40 objects; the recommended labels of those objects are 'yes' on "
        "45 % (all 40 alike by chance: 0.0 %)"
    )
    assert judged.flag_reason[2] == (
        "skill 0.10 (90 % interval 0.04-0.20) on 40 answers, all below 0.50: most answers wrong, "
        "and wrong consistently (spam score 0.20, at most 0.50; random answers score near 1); "
        "skill 0.10 (90 % interval 0.04-0.20) on 40 answers, all below 0.60, halfway between "
        "chance (0.50) and the job's median skill (0.70)"
    )
    assert judged.verdict_reason[4] == "3 answers; at least 5 are needed"


def test_same_answer_needs_the_interval_below_the_median() -> None:
    ev = _evidence(skill_high=np.array([0.95, 0.65, 0.2, 0.9, 0.97]))
    judged = judge_workers(ev, FlagThresholds())
    assert judged.flags["same_answer"] is not None
    assert judged.flags["same_answer"].tolist() == [False, True, False, False, False]
    assert judged.flag_reason[1] == (
        "answered 'yes' on 40 of 40 objects (100 %); the recommended labels of those objects are "
        "'yes' on 45 %"
    )
    # Not flagged when the estimated labels of the same objects are also nearly all "yes".
    alike = judge_workers(
        replace(ev, consensus_top_share=np.array([0.5, 0.9, 0.5, 0.5, 0.6])), FlagThresholds()
    )
    assert alike.flags["same_answer"] is not None
    assert not alike.flags["same_answer"][1]


def test_gold_above_the_median_is_never_flagged() -> None:
    # Worker 2 looks swapped to the model, but is right on 30 of 30 gold objects: its Wilson
    # interval (0.886-1) lies above the median gold accuracy.
    gold_correct = np.array([27.0, 15.0, 30.0, 15.0, 0.0])
    n_gold = np.array([30.0, 30.0, 30.0, 30.0, 0.0])
    low, _ = wilson_bounds(gold_correct, n_gold, z=Z_95)
    assert low[2] > np.median((gold_correct / np.where(n_gold > 0, n_gold, 1))[:4])
    judged = judge_workers(_evidence(gold_correct=gold_correct, n_gold=n_gold), FlagThresholds())
    assert judged.flags["inverted"] is not None
    assert judged.flags["inverted"].tolist() == [False] * 5
    assert judged.flag_reason[2] is None
    assert judged.verdict[2] == "ok"
    # The reason names what gold overruled (median gold accuracy 0.9, 0.5, 1.0, 0.5: 0.7).
    assert judged.verdict_reason[2] == (
        "skill 0.10 (90 % interval 0.04-0.20) on 40 answers; the job's median skill is 0.70; "
        "the answers alone would raise flag_inverted, flag_low_skill, but gold decides: right on "
        "30 of 30 gold objects (100 %), above the job's median gold accuracy (70 %) even at the "
        "low end of its 95 % interval, so not checked"
    )
    # Worker 0 is protected too (27 of 30, Wilson low 0.74) but is trusted without gold.
    assert judged.verdict[0] == "trusted"
    assert "gold" not in judged.verdict_reason[0]


def test_the_median_gold_leaves_out_workers_with_few_gold_answers() -> None:
    # Worker 2 looks swapped to the model but is right on 26 of 30 gold objects: Wilson 95 %
    # low end 0.703 (by hand: centre 0.825, half-width 0.122). The median gold accuracy of the
    # workers with at least 5 gold answers (0.9, 0.5, 0.867, 0.5) is 0.683, so worker 2 is
    # protected. Newcomer 4 is right on its only gold answer; counted, it would raise the median
    # to 0.867 and leave worker 2 flagged.
    gold_correct = np.array([27.0, 15.0, 26.0, 15.0, 1.0])
    n_gold = np.array([30.0, 30.0, 30.0, 30.0, 1.0])
    low, _ = wilson_bounds(gold_correct[2:3], n_gold[2:3], z=Z_95)
    assert low[0] == pytest.approx(0.703, abs=0.001)
    judged = judge_workers(_evidence(gold_correct=gold_correct, n_gold=n_gold), FlagThresholds())
    assert judged.flags["inverted"] is not None
    assert judged.flags["inverted"].tolist() == [False] * 5
    assert judged.verdict[2] == "ok"
    # When only workers with few gold answers have gold, their median is used: here 1.0, which
    # protects nobody.
    alone = judge_workers(
        _evidence(gold_correct=np.array([0.0, 0, 0, 0, 1]), n_gold=np.array([0.0, 0, 0, 0, 1])),
        FlagThresholds(),
    )
    assert alone.flags["inverted"] is not None
    assert alone.flags["inverted"].tolist() == [False, False, True, False, False]


def test_fast_flag_needs_speed_disagreement_and_low_skill() -> None:
    ev = _evidence(median_seconds=np.array([2.0, 2.0, 2.0, 20.0, np.nan]), job_median_seconds=10.0)
    judged = judge_workers(ev, FlagThresholds())
    fast = judged.flags["fast_and_disagreeing"]
    assert fast is not None
    # 0 fast but agrees; 1 fast, kappa 0, but its skill interval reaches 0.72 > 0.7: no;
    # 2 fast, kappa -0.8, interval below: yes; 3 slow; 4 too few answers and no time.
    assert fast.tolist() == [False, False, True, False, False]


def test_a_job_too_small_judges_nobody() -> None:
    ev = _evidence(job_ok=False, job_reason="the job has 2 workers")
    judged = judge_workers(ev, FlagThresholds())
    assert judged.verdict == ["not enough data"] * 5
    assert judged.verdict_reason == ["the job has 2 workers"] * 5
    assert all(not bool(v.any()) for v in judged.flags.values() if v is not None)
    assert judged.median_skill is None


def _peers(**overrides: object) -> WorkerEvidence:
    # Six workers, 40 answers each, none flagged: median skill 0.9, median agreement 0.9.
    # 4 agrees on 24 of 40 (Wilson 90 % 0.47-0.72), 5 on 12 of 40 (0.20-0.43).
    base = _evidence(
        n_answers=np.array([40] * 6),
        top_label=["yes"] * 6,
        top_count=np.array([21] * 6),
        consensus_top_share=np.array([0.5] * 6),
        skill=np.array([0.9, 0.9, 0.9, 0.9, 0.8, 0.8]),
        skill_low=np.array([0.8] * 6),
        skill_high=np.array([0.95] * 6),
        spam_score=np.array([0.2] * 6),
        kappa=np.array([0.5] * 6),
        loo_agree=np.array([36, 36, 36, 36, 24, 12]),
        loo_used=np.array([40] * 6),
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def test_low_agreement_accuses_only_when_confirmed() -> None:
    # 4: below the median agreement, but its skill interval reaches 0.95: ok. 5: below one half,
    # no confirmation needed.
    judged = judge_workers(_peers(), FlagThresholds())
    assert judged.verdict == ["ok", "ok", "ok", "ok", "ok", "check"]
    assert judged.verdict_reason[5] == (
        "agreed with the other workers' majority on 12 of 40 objects, well below the job's "
        "median agreement (90 %)"
    )
    # The skill interval of 4 below the median skill 0.9 confirms it.
    skill_high = np.array([0.95, 0.95, 0.95, 0.95, 0.85, 0.95])
    confirmed = judge_workers(_peers(skill_high=skill_high), FlagThresholds())
    assert confirmed.verdict[4] == "check"
    assert confirmed.verdict_reason[4] == (
        "agreed with the other workers' majority on 24 of 40 objects, well below the job's "
        "median agreement (90 %); skill 0.80 (90 % interval 0.80-0.85) on 40 answers, below the "
        "job's median skill 0.90"
    )


def test_gold_decides_over_skill_when_the_worker_has_gold() -> None:
    skill_high = np.array([0.95, 0.95, 0.95, 0.95, 0.85, 0.95])
    n_gold = np.array([30.0] * 6)
    # 4 is right on 27 of 30 gold objects, the job's median: gold does not confirm, skill or not.
    same = np.array([27.0] * 6)
    ev = _peers(skill_high=skill_high, gold_correct=same, n_gold=n_gold)
    assert judge_workers(ev, FlagThresholds()).verdict[4] == "ok"
    # 18 of 30 (Wilson 90 % high 0.73) is below the median 0.9: confirmed.
    worse = np.array([27.0, 27.0, 27.0, 27.0, 18.0, 27.0])
    ev = _peers(skill_high=np.array([0.95] * 6), gold_correct=worse, n_gold=n_gold)
    judged = judge_workers(ev, FlagThresholds())
    assert judged.verdict[4] == "check"
    assert judged.verdict_reason[4].endswith(
        "; right on 18 of 30 gold objects (60 %), below the job's median gold accuracy (90 %)"
    )
    # Fewer than 5 gold answers: the skill interval decides again.
    few = np.array([30.0, 30.0, 30.0, 30.0, 4.0, 30.0])
    ev = _peers(skill_high=skill_high, gold_correct=np.minimum(same, few), n_gold=few)
    assert judge_workers(ev, FlagThresholds()).verdict[4] == "check"


def test_agreement_leaves_the_flagged_workers_out() -> None:
    # 5 is flagged (skill 0.1-0.3, below halfway between chance 0.5 and the median 0.9); the
    # agreement is recomputed without its answers, once, and those counts are the ones judged.
    calls: list[list[bool]] = []

    def without(left_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        calls.append(left_out.tolist())
        return np.array([36, 36, 36, 36, 36, 10]), np.array([40, 40, 40, 40, 40, 40])

    ev = _peers(
        skill=np.array([0.9, 0.9, 0.9, 0.9, 0.9, 0.2]),
        skill_low=np.array([0.8, 0.8, 0.8, 0.8, 0.8, 0.1]),
        skill_high=np.array([0.95, 0.95, 0.95, 0.95, 0.85, 0.3]),
        loo_agree=np.array([36, 36, 36, 36, 12, 10]),
    )
    # Counted with everyone, 4 agrees on 12 of 40 and would be accused.
    assert judge_workers(ev, FlagThresholds()).verdict[4] == "check"
    judged = judge_workers(ev, FlagThresholds(), without)
    assert calls == [[False, False, False, False, False, True]]
    assert judged.verdict[4] == "ok"
    assert judged.verdict[5] == "check"
    # Nobody flagged: nothing to leave out, the evidence's counts are used as they are.
    calls.clear()
    assert judge_workers(_peers(), FlagThresholds(), without).verdict[5] == "check"
    assert calls == []


def test_the_same_label_everywhere_must_be_unlikely_by_chance() -> None:
    # Worker 5 answers "yes" on all 12 of its objects. Where the job's labels of those objects
    # are "yes" on 80 %, answers following them are all "yes" with chance 0.8 ** 12 = 6.9 %:
    # no evidence. At 75 %, 0.75 ** 12 = 3.2 %: a check.
    def judged(share: float) -> tuple[str, str]:
        ev = _peers(
            n_answers=np.array([40, 40, 40, 40, 40, 12]),
            top_count=np.array([21, 21, 21, 21, 21, 12]),
            consensus_top_share=np.array([0.5] * 5 + [share]),
            loo_agree=np.array([36, 36, 36, 36, 36, 11]),
            loo_used=np.array([40, 40, 40, 40, 40, 12]),
        )
        result = judge_workers(ev, FlagThresholds())
        return result.verdict[5], result.verdict_reason[5]

    assert judged(0.8)[0] == "ok"
    assert judged(0.75) == (
        "check",
        "answered 'yes' on all 12 objects; the recommended labels of those objects are 'yes' on "
        "75 % (all 12 alike by chance: 3.2 %)",
    )


def _worker_2(**values: float) -> WorkerEvidence:
    """The base evidence with worker 2's skill, interval or spam score replaced. The median skill
    stays 0.7 while worker 2's skill is at most 0.6 (0.6 and 0.8 are the middle two)."""
    ev = _evidence()
    changed = {}
    for name, value in values.items():
        column = getattr(ev, name).copy()
        column[2] = value
        changed[name] = column
    return replace(ev, **changed)  # type: ignore[arg-type]


def _flagged(ev: WorkerEvidence, name: str) -> bool:
    flags = judge_workers(ev, FlagThresholds()).flags[name]
    assert flags is not None
    return bool(flags[2])


def test_low_skill_needs_the_whole_interval_below_its_threshold() -> None:
    # Halfway between chance (0.5) and the median (0.7) is 0.6. The point 0.55 is below it in both
    # cases; only the high end of the interval decides.
    assert not _flagged(_worker_2(skill=0.55, skill_low=0.45, skill_high=0.65), "low_skill")
    assert _flagged(_worker_2(skill=0.55, skill_low=0.45, skill_high=0.59), "low_skill")
    # Neither interval is wholly below one half: not inverted either.
    assert not _flagged(_worker_2(skill=0.55, skill_low=0.45, skill_high=0.65), "inverted")


def test_inverted_needs_the_whole_interval_below_one_half() -> None:
    # The point 0.45 is below one half in both cases (spam score 0.2).
    reaching = _worker_2(skill=0.45, skill_low=0.35, skill_high=0.55)
    assert not _flagged(reaching, "inverted")
    assert _flagged(reaching, "low_skill")  # 0.55 < 0.6: the worker is still accused, as weak
    assert _flagged(_worker_2(skill=0.45, skill_low=0.35, skill_high=0.49), "inverted")


def test_inverted_needs_answers_that_depend_on_the_true_class() -> None:
    # Skill 0.04-0.20, wholly below one half. A spam score above 0.5 (answers that say little about
    # the true class) is not inverted, only weak; 0.5 itself still is ("at most").
    assert not _flagged(_worker_2(spam_score=0.6), "inverted")
    assert _flagged(_worker_2(spam_score=0.6), "low_skill")
    assert not _flagged(_worker_2(spam_score=np.nan), "inverted")
    assert _flagged(_worker_2(spam_score=0.5), "inverted")


@pytest.mark.parametrize(
    ("a", "b", "digits"),
    [
        (0.79, 0.91, 2),
        (0.9104, 0.9130, 3),  # 0.91 and 0.91
        (0.8996, 0.9, 4),  # 0.90 and 0.90, 0.900 and 0.900
        (0.5, 0.5, 4),
        (0.915, 0.905, 2),  # 0.92 against 0.91
    ],
)
def test_compared_numbers_get_the_decimals_that_tell_them_apart(
    a: float, b: float, digits: int
) -> None:
    assert _decimals(a, b) == digits
    if digits < 4:
        assert f"{a:.{digits}f}" != f"{b:.{digits}f}"


def test_counts_are_singular_for_one() -> None:
    assert _count(1, "answer") == "1 answer"
    assert _count(np.float64(1.0), "gold object") == "1 gold object"
    assert _count(0, "object") == "0 objects"
    assert _count(np.int64(40), "answer") == "40 answers"
    judged = judge_workers(_evidence(n_answers=np.array([40, 40, 40, 40, 1])), FlagThresholds())
    assert judged.verdict_reason[4] == "1 answer; at least 5 are needed"


def test_reasons_never_show_two_compared_numbers_alike() -> None:
    # Worker 4's skill interval ends at 0.9104, below the median 0.913 by 0.003: at 2 decimals
    # both would read 0.91.
    ev = _peers(
        skill=np.array([0.913, 0.913, 0.913, 0.913, 0.79, 0.8]),
        skill_low=np.array([0.85, 0.85, 0.85, 0.85, 0.65, 0.85]),
        skill_high=np.array([0.95, 0.95, 0.95, 0.95, 0.9104, 0.95]),
    )
    judged = judge_workers(ev, FlagThresholds())
    assert judged.median_skill == pytest.approx(0.913)
    assert judged.verdict[4] == "check"
    assert judged.verdict_reason[4].endswith(
        "; skill 0.790 (90 % interval 0.650-0.910) on 40 answers, below the job's median skill "
        "0.913"
    )
    # Skill interval 0.8996-0.99 against the median 0.8996 + 0.0004 = 0.9: "0.8996".
    trusted = judge_workers(
        _peers(skill_low=np.array([0.9004, 0.8, 0.8, 0.8, 0.8, 0.8])), FlagThresholds()
    )
    assert trusted.verdict[0] == "trusted"
    assert trusted.verdict_reason[0] == (
        "skill 0.9000 (90 % interval 0.9004-0.9500) on 40 answers, at or above the job's median "
        "skill 0.9000"
    )
    # The low-skill threshold: halfway between chance 0.5 and the median 0.7 is 0.6.
    low = judge_workers(_worker_2(skill=0.55, skill_low=0.45, skill_high=0.5996), FlagThresholds())
    assert "(90 % interval 0.4500-0.5996) on 40 answers, all below 0.6000," in str(
        low.flag_reason[2]
    )


def test_gold_that_keeps_a_worker_from_check_is_named_in_the_reason() -> None:
    # Worker 4 agrees on 24 of 40, below the median agreement, and its skill interval (to 0.85)
    # is below the median skill 0.9; but it is right on 27 of 30 gold objects, the job's median:
    # gold does not confirm the low agreement.
    skill_high = np.array([0.95, 0.95, 0.95, 0.95, 0.85, 0.95])
    same = np.array([27.0] * 6)
    ev = _peers(skill_high=skill_high, gold_correct=same, n_gold=np.array([30.0] * 6))
    judged = judge_workers(ev, FlagThresholds())
    assert judged.verdict[4] == "ok"
    assert judged.verdict_reason[4] == (
        "skill 0.80 (90 % interval 0.80-0.85) on 40 answers; the job's median skill is 0.90; "
        "agreed with the other workers' majority on 24 of 40 objects, well below the job's median "
        "agreement (90 %), but gold decides: right on 27 of 30 gold objects (90 %), not clearly "
        "below the job's median gold accuracy (90 %), so not checked"
    )
    # Worker 0 needed no gold to be ok: its reason says nothing of gold.
    assert "gold" not in judged.verdict_reason[0]


def test_the_gold_guard_names_a_check_it_overruled() -> None:
    # Worker 1 answers "yes" on all 40 objects, which alone asks for a check; but gold (30 of 30)
    # is above the median gold accuracy of the four with gold (0.9, 1.0, 0.5, 0.5): 0.7.
    n_gold = np.array([30.0, 30.0, 30.0, 30.0, 0.0])
    guarded = judge_workers(
        _evidence(gold_correct=np.array([27.0, 30, 15, 15, 0]), n_gold=n_gold), FlagThresholds()
    )
    assert guarded.verdict[1] == "ok"
    assert guarded.verdict_reason[1] == (
        "skill 0.60 (90 % interval 0.50-0.72) on 40 answers; the job's median skill is 0.70; "
        "answered 'yes' on all 40 objects; the recommended labels of those objects are 'yes' on "
        "45 % (all 40 alike by chance: 0.0 %), but gold decides: right on 30 of 30 gold objects "
        "(100 %), above the job's median gold accuracy (70 %) even at the low end of its 95 % "
        "interval, so not checked"
    )
