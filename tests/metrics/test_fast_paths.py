"""The fast paths for few classes and few (worker, label) pairs give the same floats as the general
paths they short-cut, and the general paths agree with plain references.

Each fast path is switched off by setting its size limit to 0 (monkeypatch), so both paths run on
the same job and are compared exactly; the references are written out in plain numpy or Python.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from crowdaudit.metrics import _confusion
from crowdaudit.metrics._confusion import Pairs, row_max, row_sum
from crowdaudit.metrics._encoding import encode_answers
from crowdaudit.metrics.pooled import PooledDawidSkene


def _values(n: int, k: int, seed: int) -> np.ndarray:
    """Positive values spread over many orders of magnitude, so summation order shows."""
    rng = np.random.default_rng(seed)
    return rng.random((n, k)) * np.exp(rng.normal(0.0, 8.0, (n, k)))


@pytest.mark.parametrize("k", range(1, 13))
def test_row_max_and_row_sum_equal_numpy_exactly(k: int) -> None:
    values = _values(5000, k, seed=k)
    assert np.array_equal(row_max(values), values.max(axis=1, keepdims=True))
    assert np.array_equal(row_sum(values), values.sum(axis=1, keepdims=True))
    assert row_sum(values).shape == (5000, 1)


def _job(k: int, *, n_tasks: int = 400, n_workers: int = 25, seed: int = 3) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n_tasks)
    task = np.repeat(np.arange(n_tasks), 4)
    worker = np.concatenate([rng.choice(n_workers, 4, replace=False) for _ in range(n_tasks)])
    right = rng.random(task.size) < rng.uniform(0.4, 0.95, n_workers)[worker]
    label = np.where(right, truth[task], rng.integers(0, k, task.size))
    return pl.DataFrame(
        {
            "task": [f"t{t:04d}" for t in task],
            "worker": [f"w{w:02d}" for w in worker],
            "label": [f"c{c:02d}" for c in label],
        }
    )


def _pairs(answers: pl.DataFrame) -> Pairs:
    enc = encode_answers(answers)
    order = np.argsort(enc.task, kind="stable")
    return Pairs(enc.task[order], enc.worker[order], enc.label[order], enc.n_workers, enc.n_classes)


def test_pairs_by_counting_equal_pairs_by_sorting(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = _job(6)
    counted = _pairs(answers)
    monkeypatch.setattr(_confusion, "SMALL_CELLS", 0)
    sorted_ = _pairs(answers)
    assert np.array_equal(counted.keys, sorted_.keys)
    assert np.array_equal(counted.of_answer, sorted_.of_answer)
    enc = encode_answers(answers)
    # Every (worker, label), answered or not: -1 exactly where the pair never occurs.
    worker = np.repeat(np.arange(enc.n_workers), enc.n_classes)
    label = np.tile(np.arange(enc.n_classes), enc.n_workers)
    seen = set(zip(enc.worker.tolist(), enc.label.tolist(), strict=True))
    expected = [(w, c) in seen for w, c in zip(worker.tolist(), label.tolist(), strict=True)]
    found = counted.find(worker, label)
    assert np.array_equal(found >= 0, expected)
    assert np.array_equal(found, sorted_.find(worker, label))
    assert np.array_equal(counted.worker[found[found >= 0]], worker[found >= 0])
    assert np.array_equal(counted.label[found[found >= 0]], label[found >= 0])


@pytest.mark.parametrize("k", [2, 3, 7, 12])
def test_expected_counts_by_class_equal_counts_by_rows(
    k: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    pairs = _pairs(_job(k))
    probas = np.random.default_rng(k).dirichlet(np.ones(k), size=400)
    by_class = pairs.expected_counts(probas)
    monkeypatch.setattr(_confusion, "_COLUMNWISE_MAX_K", 0)
    assert np.array_equal(by_class, pairs.expected_counts(probas))
    # Plain reference: each pair's answers' posteriors added up one by one.
    reference = np.zeros((pairs.n_pairs, k))
    for task, pair in zip(np.repeat(np.arange(400), 4), pairs.of_answer, strict=True):
        reference[pair] += probas[task]
    np.testing.assert_allclose(by_class, reference, rtol=1e-12)


@pytest.mark.parametrize("k", [2, 5, 9])
def test_fits_with_and_without_the_fast_paths_are_identical(
    k: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = _job(k, seed=k)
    fast = PooledDawidSkene().fit(answers)
    monkeypatch.setattr(_confusion, "_COLUMNWISE_MAX_K", 0)
    monkeypatch.setattr(_confusion, "SMALL_CELLS", 0)
    monkeypatch.setattr(_confusion, "_COLUMN_MAX_K", 0)
    monkeypatch.setattr(_confusion, "_COLUMN_SUM_MAX_K", 0)
    slow = PooledDawidSkene().fit(answers)
    assert fast.n_iter_ == slow.n_iter_
    assert fast.pooling_ == slow.pooling_
    assert np.array_equal(fast.probas_, slow.probas_)
    assert np.array_equal(fast.posterior_counts_, slow.posterior_counts_)
    assert fast.log_likelihood_ == slow.log_likelihood_
