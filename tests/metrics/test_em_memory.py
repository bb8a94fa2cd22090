"""Memory of the Dawid-Skene fits and the skill step: no (answers x K) index arrays in the fits,
and no (workers x K x K) array anywhere.

First case: 20,000 answers over 300 classes, 10 workers. One (answers x K) float64 array is 48 MB;
the bound sits well under the old fit's three of them (cell indices, gathered log-confusion
entries, spread posteriors: about 144 MB).

The other cases: 100 workers with 60 answers each, over 200 or 400 classes, where one
(workers x K x K) array (128 MB at K = 400) outweighs the (answers x K) ones (19 MB). Peaks are
traced allocations (tracemalloc), compared across K and against the dense array's size.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable

import polars as pl
import pytest
from skill_fixtures import accurate_workers_job

from crowdaudit.metrics._encoding import encode_answers
from crowdaudit.metrics.estimators import DawidSkene
from crowdaudit.metrics.pooled import PooledDawidSkene
from crowdaudit.metrics.skill import compute_skill

N_TASKS, PER_TASK, N_WORKERS, K = 2000, 10, 10, 300


def _wide_answers() -> pl.DataFrame:
    return accurate_workers_job(
        n_tasks=N_TASKS, per_task=PER_TASK, n_workers=N_WORKERS, k=K, seed=5
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


# Many workers on few answers each: here a (workers x K x K) float64 array outweighs the
# (answers x K) ones, so a dense confusion array anywhere would dominate the peak.
MANY_WORKERS, FEW_TASKS, FEW_PER_TASK = 100, 750, 8


def _many_worker_answers(k: int) -> pl.DataFrame:
    return accurate_workers_job(
        n_tasks=FEW_TASKS, per_task=FEW_PER_TASK, n_workers=MANY_WORKERS, k=k, seed=7
    )


def _peak(run: Callable[[], object]) -> int:
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def _dense_bytes(k: int) -> int:
    return MANY_WORKERS * k * k * 8


@pytest.mark.parametrize("model", [DawidSkene, PooledDawidSkene])
def test_fit_memory_has_no_workers_by_k_squared_term(model: type[DawidSkene]) -> None:
    peaks = {}
    for k in (200, 400):
        enc = encode_answers(_many_worker_answers(k))
        peaks[k] = _peak(lambda enc=enc: model(max_iter=3).fit(enc))
    # Doubling K doubles the (answers x K) arrays but would quadruple a (workers x K x K) one:
    # the old fits held two of those (counts and confusion), 2 x 128 MB at K = 400.
    assert peaks[400] < 2.6 * peaks[200], (peaks[400] / 2**20, peaks[200] / 2**20)
    assert peaks[400] < 0.5 * _dense_bytes(400), peaks[400] / 2**20


def test_fitted_models_keep_no_dense_confusion() -> None:
    k = 400
    enc = encode_answers(_many_worker_answers(k))
    tracemalloc.start()
    models = [DawidSkene().fit(enc), PooledDawidSkene().fit(enc)]
    kept, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(models) == 2
    # The old models kept three (workers x K x K) arrays (confusion, pooled confusion and
    # Dirichlet parameters: 384 MB); now at most one (pairs x K) array of counts each, and a
    # pair per answer at most.
    assert kept < 2 * enc.n_answers * k * 8, kept / 2**20
    assert kept < 0.3 * _dense_bytes(k), kept / 2**20


def test_skill_step_memory_has_no_workers_by_k_squared_term() -> None:
    peaks = {k: _peak(lambda k=k: compute_skill(_many_worker_answers(k))) for k in (200, 400)}
    # Four models, the spam score and the held-out scoring. The old step peaked at 714 MB at
    # K = 400, over five (workers x K x K) arrays, and grew about fourfold from K = 200.
    assert peaks[400] < 2.6 * peaks[200], (peaks[400] / 2**20, peaks[200] / 2**20)
    assert peaks[400] < 1.5 * _dense_bytes(400), peaks[400] / 2**20
