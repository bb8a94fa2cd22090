"""Pooled Dawid-Skene and the skill interval: the issue's hand-checkable jobs and properties."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from crowdkit.aggregation import DawidSkene as CKDawidSkene
from hypothesis import given, settings
from hypothesis import strategies as st
from skill_fixtures import GAL_TOY, crowdkit_labels, run_crowdkit, small_jobs

from crowdaudit.metrics.estimators import DawidSkene
from crowdaudit.metrics.pooled import PooledDawidSkene
from crowdaudit.metrics.skill import compute_skill
from crowdaudit.metrics.verdicts import FlagThresholds


def _job(seed: int, *, n_tasks: int = 200, k: int = 10, n_workers: int = 12) -> list[tuple]:
    """Every task answered by 4 of ``n_workers`` workers, each right with probability 0.8."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n_tasks)
    rows = []
    for t in range(n_tasks):
        for w in rng.choice(n_workers, 4, replace=False):
            right = rng.random() < 0.8
            label = truth[t] if right else (truth[t] + rng.integers(1, k)) % k
            rows.append((f"t{t:03d}", f"w{w:02d}", f"c{label}"))
    return rows, truth


def _frame(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["task", "worker", "label"], orient="row")


def test_zero_pooling_is_dawid_skene() -> None:
    rows, _ = _job(1)
    answers = _frame(rows)
    plain = DawidSkene().fit(answers)
    pooled = PooledDawidSkene(pooling=0.0).fit(answers)
    np.testing.assert_array_equal(pooled.probas_, plain.probas_)
    np.testing.assert_array_equal(pooled.confusion_, plain.confusion_)
    assert pooled.n_iter_ == plain.n_iter_


def test_zero_pooling_matches_crowdkit() -> None:
    # Unsmoothed and unpooled: crowd-kit's Dawid-Skene, label for label (see test_estimators).
    ours = PooledDawidSkene(pooling=0.0, smoothing=0.0).fit(GAL_TOY)
    theirs = crowdkit_labels(run_crowdkit(CKDawidSkene(n_iter=100, tol=1e-5), GAL_TOY))
    assert dict(ours.labels_.iter_rows()) == theirs


K_SHIFT = 10


def _shifted_job(seed: int) -> tuple[list[tuple], np.ndarray]:
    """400 tasks of true class ``t % 10``, 5 of 20 workers each; every worker answers the true
    class k with probability 0.7 and class k + 1 (mod 10) otherwise: one shared confusion."""
    rng = np.random.default_rng(seed)
    truth = np.arange(400) % K_SHIFT
    rows = []
    for t in range(truth.size):
        for w in rng.choice(20, 5, replace=False):
            label = truth[t] if rng.random() < 0.7 else (truth[t] + 1) % K_SHIFT
            rows.append((f"t{t:03d}", f"w{w:02d}", f"c{label}"))
    return rows, truth


def _realised_confusion(rows: list[tuple], truth: np.ndarray) -> np.ndarray:
    """The fixture's own confusion: answers of class l on tasks of true class k, row-normalised."""
    counts = np.zeros((K_SHIFT, K_SHIFT))
    for task, _, label in rows:
        counts[truth[int(task[1:])], int(label[1:])] += 1
    return counts / counts.sum(axis=1, keepdims=True)


def test_a_shared_confusion_is_pooled_into_a_newcomer_s_unseen_rows() -> None:
    rows, truth = _shifted_job(7)
    expected = _realised_confusion(rows, truth)
    # By construction: 0.7 on the diagonal, 0.3 one class up, nothing elsewhere.
    assert np.diag(expected) == pytest.approx(0.7, abs=0.05)
    # A newcomer answers the first 5 tasks (classes c0..c4) right and never sees c5..c9.
    rows += [(f"t{t:03d}", "newcomer", f"c{truth[t]}") for t in range(5)]
    answers = _frame(rows)
    pooled = PooledDawidSkene().fit(answers)
    plain = DawidSkene().fit(answers)
    assert pooled.classes_ == tuple(f"c{k}" for k in range(K_SHIFT))
    # Twenty workers with one confusion: the evidence asks for a strong pull toward it.
    assert pooled.pooling_ > 10.0
    np.testing.assert_allclose(pooled.population_, expected, atol=0.03)
    newcomer = pooled.workers_.to_list().index("newcomer")
    unseen = slice(5, K_SHIFT)
    # Pooled: the rows the newcomer has no answers for are the population's, off-diagonal and all.
    np.testing.assert_allclose(pooled.confusion_[newcomer, unseen], expected[unseen], atol=0.03)
    # Plain Dawid-Skene smooths the same rows toward uniform: 1/K in every cell.
    np.testing.assert_allclose(plain.confusion_[newcomer, unseen], 1.0 / K_SHIFT, atol=0.01)


def test_pooling_is_weaker_when_workers_differ() -> None:
    # Same tasks, but half the workers are always right and half answer at random: no one row
    # describes them all, so the fitted pull toward the population is weaker than above.
    rng = np.random.default_rng(8)
    truth = np.arange(400) % K_SHIFT
    rows = []
    for t in range(truth.size):
        for w in rng.choice(20, 5, replace=False):
            label = truth[t] if w < 10 else rng.integers(0, K_SHIFT)
            rows.append((f"t{t:03d}", f"w{w:02d}", f"c{label}"))
    alike = PooledDawidSkene().fit(_frame(_shifted_job(7)[0]))
    unlike = PooledDawidSkene().fit(_frame(rows))
    assert 0.0 < unlike.pooling_ < alike.pooling_ / 10


def test_a_five_answer_perfect_worker_is_typical_not_flagged() -> None:
    rows, truth = _job(2)
    rows += [(f"t{t:03d}", "newcomer", f"c{truth[t]}") for t in range(5)]
    report = compute_skill(_frame(rows))
    row = report.workers.filter(pl.col("worker") == "newcomer").row(0, named=True)
    median = report.summary["median_skill"]
    assert isinstance(median, float)
    assert not any(row[c] for c in report.workers.columns if c.startswith("flag_") and row[c])
    assert row["flag_reason"] is None
    assert row["verdict"] in {"ok", "trusted"}
    # Near the population, not 1/K-smoothed: within 0.1 of the median, with a wide interval.
    assert row["skill"] == pytest.approx(median, abs=0.1)
    assert row["skill_high"] - row["skill_low"] > 0.15
    # Plain Dawid-Skene, smoothed toward uniform, calls the same worker poor.
    assert row["ds_accuracy"] < median - 0.2
    assert row["verdict"] != "check"


def test_a_five_answer_perfect_worker_is_not_flagged_even_at_five_answers() -> None:
    # The default flags need 10 answers, which alone keeps a 5-answer worker unflagged. With that
    # floor lowered to 5, only the evidence can keep the newcomer clear: a wide interval that
    # reaches the job's median, so no flag's condition holds across all of it.
    rows, truth = _job(2)
    rows += [(f"t{t:03d}", "newcomer", f"c{truth[t]}") for t in range(5)]
    low_floor = FlagThresholds(min_answers=5, min_skill_answers=5)
    report = compute_skill(_frame(rows), thresholds=low_floor)
    row = report.workers.filter(pl.col("worker") == "newcomer").row(0, named=True)
    median = report.summary["median_skill"]
    assert isinstance(median, float)
    assert row["skill_low"] < median < row["skill_high"]
    flags = [c for c in report.workers.columns if c.startswith("flag_") and c != "flag_reason"]
    assert [row[c] for c in flags if row[c] is not None] == [False] * 3
    assert row["flag_reason"] is None
    assert row["verdict"] in {"ok", "trusted"}
    # Five answers are judged with these thresholds: a 5-answer worker who says c0 on objects of
    # other classes is asked to be checked (an interval this wide accuses no one of a flag yet).
    rows += [(f"t{t:03d}", "parrot", "c0") for t in range(10, 200) if truth[t] != 0][:5]
    parrot = compute_skill(_frame(rows), thresholds=low_floor).workers
    assert parrot.filter(pl.col("worker") == "parrot")["verdict"].item() == "check"


def test_an_always_same_worker_is_flagged_with_its_reason() -> None:
    rows, _ = _job(3, k=4)
    rows += [(f"t{t:03d}", "parrot", "c0") for t in range(40)]
    report = compute_skill(_frame(rows))
    row = report.workers.filter(pl.col("worker") == "parrot").row(0, named=True)
    assert row["flag_same_answer"] is True
    assert row["verdict"] == "check"
    assert str(row["flag_reason"]).startswith("answered 'c0' on 40 of 40 objects (100 %)")


def test_a_label_swapping_worker_is_flagged_inverted() -> None:
    rows, truth = _job(4, k=2)
    rows += [(f"t{t:03d}", "swapper", f"c{1 - truth[t]}") for t in range(40)]
    report = compute_skill(_frame(rows))
    row = report.workers.filter(pl.col("worker") == "swapper").row(0, named=True)
    assert row["flag_inverted"] is True
    assert row["skill_high"] < 0.5
    assert "wrong consistently" in str(row["flag_reason"])


@settings(max_examples=30, deadline=None)
@given(small_jobs())
def test_intervals_contain_the_skill(job: pl.DataFrame) -> None:
    workers = compute_skill(job).workers.drop_nulls("skill")
    assert (workers["skill_low"] <= workers["skill"]).all()
    assert (workers["skill"] <= workers["skill_high"]).all()


def test_more_agreeing_answers_never_widen_the_interval() -> None:
    rows, truth = _job(5, k=3)
    widths = []
    for n in range(5, 60, 5):
        extra = [(f"t{t:03d}", "steady", f"c{truth[t]}") for t in range(n)]
        row = compute_skill(_frame(rows + extra)).workers.filter(pl.col("worker") == "steady")
        widths.append(float((row["skill_high"] - row["skill_low"]).item()))
    assert widths == sorted(widths, reverse=True)


@settings(max_examples=20, deadline=None)
@given(small_jobs(), st.permutations(["a", "b", "c"]))
def test_relabelling_the_classes_changes_nothing(job: pl.DataFrame, names: list[str]) -> None:
    mapping = dict(zip(["a", "b", "c"], [f"z-{n}" for n in names], strict=True))
    first = compute_skill(job)
    second = compute_skill(job.with_columns(pl.col("label").replace_strict(mapping)))
    for column in ("skill", "skill_low", "skill_high"):
        np.testing.assert_allclose(
            first.workers[column].fill_null(-1).to_numpy(),
            second.workers[column].fill_null(-1).to_numpy(),
            atol=1e-6,
        )
    assert first.workers["verdict"].to_list() == second.workers["verdict"].to_list()
    a = first.items.sort("task")["label_probability"].to_numpy()
    b = second.items.sort("task")["label_probability"].to_numpy()
    np.testing.assert_allclose(a, b, atol=1e-6)
