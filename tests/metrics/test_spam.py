"""Spam score, checked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from crowdaudit.metrics.spam import compute_spam_score

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
