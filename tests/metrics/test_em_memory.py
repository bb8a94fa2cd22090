"""The Dawid-Skene fits hold no (answers x K) arrays: their memory follows the confusion array.

A job of 20,000 answers over 300 classes: one (answers x K) float64 array is 48 MB, while each
(workers x K x K) confusion array of its 10 workers is 7.2 MB. The bound below sits well under
the old fit's three (answers x K) arrays (cell indices, gathered log-confusion entries, spread
posteriors: about 144 MB) and well above a handful of confusion arrays.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import polars as pl
import pytest

from crowdaudit.metrics._encoding import encode_answers
from crowdaudit.metrics.estimators import DawidSkene
from crowdaudit.metrics.pooled import PooledDawidSkene

N_TASKS, PER_TASK, N_WORKERS, K = 2000, 10, 10, 300


def _wide_answers() -> pl.DataFrame:
    rng = np.random.default_rng(5)
    truth = rng.integers(0, K, N_TASKS)
    task = np.repeat(np.arange(N_TASKS), PER_TASK)
    worker = np.tile(np.arange(N_WORKERS), N_TASKS)
    right = rng.random(task.size) < 0.8
    label = np.where(right, truth[task], rng.integers(0, K, task.size))
    return pl.DataFrame(
        {
            "task": [f"t{t}" for t in task],
            "worker": [f"w{w}" for w in worker],
            "label": [f"c{c}" for c in label],
        }
    )


@pytest.mark.parametrize("model", [DawidSkene, PooledDawidSkene])
def test_fit_memory_does_not_grow_with_answers_times_classes(
    model: type[DawidSkene],
) -> None:
    enc = encode_answers(_wide_answers())
    assert enc.n_classes == K
    answers_by_classes = enc.n_answers * K * 8
    tracemalloc.start()
    model(max_iter=3).fit(enc)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # The old fit held three (answers x K) arrays at once; the confusion, count and posterior
    # arrays of this job together stay under one and a half.
    assert peak < 1.5 * answers_by_classes, peak / 2**20
