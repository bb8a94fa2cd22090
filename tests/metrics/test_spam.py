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


def _direct_spam(confusion: np.ndarray, priors: np.ndarray) -> np.ndarray:
    """The module docstring's formula over all pairs at once (a K^3 table; fine for small K)."""
    k = confusion.shape[1]
    first, second = np.triu_indices(k, 1)
    weight = priors[first] * priors[second]
    tv = 0.5 * np.abs(confusion[:, first, :] - confusion[:, second, :]).sum(axis=2)
    return np.clip(1.0 - (tv @ weight) / weight.sum(), 0.0, 1.0)


@pytest.mark.parametrize("k", [2, 3, 7, 40])
def test_blocked_spam_equals_the_formula(k: int) -> None:
    rng = np.random.default_rng(k)
    confusion = rng.dirichlet(np.ones(k), size=(6, k))
    priors = rng.dirichlet(np.ones(k))
    np.testing.assert_allclose(
        compute_spam_score(confusion, priors), _direct_spam(confusion, priors), atol=1e-12
    )


def test_spam_memory_does_not_grow_as_k_cubed() -> None:
    # 20 workers, 300 classes: the all-pairs table would hold 20 * 44,850 * 300 cells (2.2 GB).
    import tracemalloc

    rng = np.random.default_rng(0)
    confusion = rng.dirichlet(np.ones(300), size=(20, 300))
    priors = np.full(300, 1 / 300)
    tracemalloc.start()
    compute_spam_score(confusion, priors)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 200 * 2**20
