"""``skill_model_agreement``: how alike ``skill`` and one-coin rank the workers, without gold."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from crowdaudit.metrics.skill import compute_skill


def _job(accuracies: list[float], *, n_tasks: int = 300, seed: int = 1) -> pl.DataFrame:
    """Every worker answers every task of a 3-class job, right with their own accuracy, wrong
    answers spread evenly over the other two classes."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, n_tasks)
    rows = []
    for w, accuracy in enumerate(accuracies):
        right = rng.random(n_tasks) < accuracy
        wrong = (truth + rng.integers(1, 3, n_tasks)) % 3
        labels = np.where(right, truth, wrong)
        rows += [(f"t{t}", f"w{w}", f"c{c}") for t, c in enumerate(labels)]
    return pl.DataFrame(rows, schema=["task", "worker", "label"], orient="row")


def test_models_that_agree_on_who_is_good_rank_alike() -> None:
    # Seven workers far apart in accuracy, 300 answers each: both models order them as built,
    # so the rank correlation is exactly 1.
    accuracies = [0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.45]
    report = compute_skill(_job(accuracies))
    skill = report.workers.sort("worker")["skill"].to_list()
    assert skill == sorted(skill, reverse=True)
    assert report.summary["skill_model_agreement"] == pytest.approx(1.0, abs=1e-12)


def test_fewer_than_five_judged_workers_give_none() -> None:
    report = compute_skill(_job([0.9, 0.8, 0.7, 0.6]))
    assert report.summary["skill_model_agreement"] is None
