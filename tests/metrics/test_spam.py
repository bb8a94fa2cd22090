"""Spam score and worker flags, checked by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from crowdaudit.metrics.spam import (
    FlagThresholds,
    WorkerFlags,
    compute_spam_score,
    compute_worker_flags,
)

_EVEN = np.array([0.5, 0.5])


@pytest.mark.parametrize(
    ("confusion", "expected"),
    [
        ([[1.0, 0.0], [0.0, 1.0]], 0.0),  # perfect
        ([[0.0, 1.0], [1.0, 0.0]], 0.0),  # inverted: just as informative
        ([[1.0, 0.0], [1.0, 0.0]], 1.0),  # always the same answer
        ([[0.5, 0.5], [0.5, 0.5]], 1.0),  # coin flip
        ([[0.8, 0.2], [0.3, 0.7]], 0.5),  # 1 - |0.8 + 0.7 - 1|
    ],
)
def test_spam_score_binary_by_hand(confusion: list[list[float]], expected: float) -> None:
    score = compute_spam_score(np.array([confusion]), _EVEN)
    assert score.tolist() == [pytest.approx(expected)]


def test_spam_score_multiclass_by_hand() -> None:
    # Confuses class 1 with class 2 completely: pairs (0,1) and (0,2) fully apart, (1,2) identical.
    confusion = np.array([[[1.0, 0, 0], [0, 0.5, 0.5], [0, 0.5, 0.5]]])
    priors = np.full(3, 1 / 3)
    assert compute_spam_score(confusion, priors)[0] == pytest.approx(1 / 3)
    # A class that never occurs does not count.
    assert compute_spam_score(confusion, np.array([0.5, 0.5, 0.0]))[0] == pytest.approx(0.0)


def test_spam_score_needs_two_classes() -> None:
    assert np.isnan(compute_spam_score(np.ones((2, 1, 1)), np.ones(1))).all()


def _flags(**overrides: Any) -> WorkerFlags:
    base: dict[str, Any] = {
        "n_answers": np.array([10, 10, 10, 10, 2]),
        "top_share": np.array([1.0, 0.6, 0.5, 0.55, 1.0]),
        "consensus_top_share": np.array([0.5, 0.5, 0.5, 0.5, 0.5]),
        "ds_accuracy": np.array([0.5, 0.9, 0.1, 0.45, 0.5]),
        "spam_score": np.array([1.0, 0.2, 0.1, 0.95, 1.0]),
        "kappa": np.array([0.0, 0.8, -0.8, np.nan, 0.0]),
        "median_seconds": None,
        "job_median_seconds": None,
        "thresholds": FlagThresholds(),
    }
    base.update(overrides)
    return compute_worker_flags(**base)


def test_same_answer_and_inverted_flags() -> None:
    flags = _flags()
    # worker 4 also always answers the same label but has too few answers.
    assert flags.same_answer.tolist() == [True, False, False, False, False]
    # worker 3 is inaccurate but near-random (spam 0.95): not "inverted".
    assert flags.inverted.tolist() == [False, False, True, False, False]
    assert flags.fast_and_disagreeing is None


def test_same_answer_not_flagged_when_truth_is_the_same() -> None:
    flags = _flags(consensus_top_share=np.array([0.97, 0.5, 0.5, 0.5, 0.5]))
    assert not flags.same_answer[0]


def test_fast_flag_needs_speed_and_disagreement() -> None:
    flags = _flags(
        median_seconds=np.array([2.0, 2.0, 20.0, 2.0, 2.0]),
        job_median_seconds=10.0,
    )
    # 0: fast, kappa 0 -> flagged; 1: fast but agrees; 2: disagrees but slow;
    # 3: fast, kappa undefined -> speed alone never flags; 4: too few answers.
    assert flags.fast_and_disagreeing is not None
    assert flags.fast_known is not None
    assert flags.fast_and_disagreeing.tolist() == [True, False, False, False, False]
    assert flags.fast_known.all()
    unknown = _flags(
        median_seconds=np.array([np.nan, 2.0, 20.0, 2.0, 2.0]), job_median_seconds=10.0
    )
    assert unknown.fast_known is not None
    assert unknown.fast_known.tolist() == [False, True, True, True, True]
