"""compute_skill: the worker, item and summary tables, by hand and as properties."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from crowdkit.aggregation import DawidSkene as CKDawidSkene
from crowdkit.aggregation import OneCoinDawidSkene as CKOneCoin
from hypothesis import given, settings
from hypothesis import strategies as st
from skill_fixtures import GAL_TOY, GAL_TOY_GOLD, accuracy, crowdkit_labels, run_crowdkit

from crowdaudit.errors import EmptyJobError
from crowdaudit.metrics.skill import (
    SKILL_ITEM_COLUMNS,
    SKILL_WORKER_COLUMNS,
    SkillReport,
    compute_skill,
)
from crowdaudit.metrics.verdicts import FlagThresholds

SUMMARY_KEYS = {
    "n_answers",
    "n_tasks",
    "n_workers",
    "n_classes",
    "classes",
    "class_priors",
    "krippendorff_alpha",
    "fleiss_kappa",
    "fleiss_kappa_reason",
    "estimated_label_accuracy",
    "estimated_label_accuracy_low",
    "estimated_label_accuracy_high",
    "skill_model_agreement",
    "skill_reason",
    "median_skill",
    "pooling_strength",
    "skill_prior_strength",
    "recommended_model",
    "best_held_out_model",
    "held_out_log_likelihood",
    "label_temperature",
    "ds_iterations",
    "ds_converged",
    "one_coin_iterations",
    "one_coin_converged",
    "gold_clamped",
    "n_gold_tasks",
    "label_accuracy",
    "n_flag_same_answer",
    "n_flag_inverted",
    "n_flag_low_skill",
    "n_flag_fast_and_disagreeing",
    "n_verdict_trusted",
    "n_verdict_ok",
    "n_verdict_check",
    "n_verdict_not_enough_data",
}


def _by_worker(report: SkillReport, column: str) -> dict[str, object]:
    return dict(report.workers.select("worker", column).iter_rows())


def test_gal_toy_report() -> None:
    report = compute_skill(GAL_TOY, gold=GAL_TOY_GOLD)
    assert report.workers.columns == list(SKILL_WORKER_COLUMNS)
    assert report.items.columns == list(SKILL_ITEM_COLUMNS)
    assert report.workers["worker"].to_list() == [f"worker{i}" for i in range(1, 6)]
    # Five answers each: too few for a flag, enough for the verdict to ask for a check of the
    # always-"porn" worker and of the one who disagrees with the others on every object.
    for flag in ("flag_same_answer", "flag_inverted", "flag_low_skill"):
        assert set(_by_worker(report, flag).values()) == {False}
    assert _by_worker(report, "verdict") == {
        "worker1": "check",
        "worker2": "ok",
        "worker3": "ok",
        "worker4": "ok",
        "worker5": "check",
    }
    reasons = _by_worker(report, "verdict_reason")
    assert reasons["worker1"] == (
        "answered 'porn' on all 5 objects; the recommended labels of those objects are 'porn' on "
        "40 % (all 5 alike by chance: 1.0 %)"  # 0.4 ** 5
    )
    # By hand: on url5 the other four tie 2-2, so 4 objects are compared.
    assert str(reasons["worker5"]).startswith(
        "agreed with the other workers' majority on 0 of 4 objects"
    )
    assert set(_by_worker(report, "flag_fast_and_disagreeing").values()) == {None}
    spam = _by_worker(report, "spam_score")
    assert spam["worker1"] == pytest.approx(1.0, abs=0.01)
    assert spam["worker3"] == pytest.approx(0.0, abs=0.02)
    assert spam["worker5"] == pytest.approx(0.0, abs=0.02)
    # Kappa against the leave-one-out majority is -1 for worker5 by hand (test_reliability), but
    # on 4 compared answers: below the 5 the skill numbers need, so the table shows none.
    assert _by_worker(report, "n_kappa") == {
        "worker1": 4,
        "worker2": 2,
        "worker3": 3,
        "worker4": 3,
        "worker5": 4,
    }
    assert set(_by_worker(report, "kappa").values()) == {None}

    summary = report.summary
    assert set(summary) == SUMMARY_KEYS
    json.dumps(summary)
    assert summary["n_answers"] == 25
    assert summary["classes"] == ["notporn", "porn"]
    assert summary["n_gold_tasks"] == 5
    assert summary["fleiss_kappa_reason"] is None
    assert summary["n_flag_fast_and_disagreeing"] is None
    assert (summary["n_flag_same_answer"], summary["n_flag_inverted"]) == (0, 0)
    assert summary["n_verdict_check"] == 2
    assert summary["skill_model_agreement"] is None  # nobody has 10 answers

    ds = run_crowdkit(CKDawidSkene(n_iter=100, tol=1e-5), GAL_TOY)
    one_coin = run_crowdkit(CKOneCoin(n_iter=100, tol=1e-5), GAL_TOY)
    assert summary["label_accuracy"] == {
        "majority_vote": pytest.approx(0.4),  # by hand, see test_estimators
        "dawid_skene": pytest.approx(accuracy(crowdkit_labels(ds), GAL_TOY_GOLD)),
        "one_coin": pytest.approx(accuracy(crowdkit_labels(one_coin), GAL_TOY_GOLD)),
        "pooled": pytest.approx(accuracy(dict(report.pooled.labels_.iter_rows()), GAL_TOY_GOLD)),
        "recommended": pytest.approx(
            accuracy(dict(report.items.select("task", "label").iter_rows()), GAL_TOY_GOLD)
        ),
    }


def test_items_most_likely_wrong_first() -> None:
    answers = pl.DataFrame(
        {
            "task": ["a", "a", "a", "b", "b", "b", "c", "c", "c"],
            "worker": ["x", "y", "z"] * 3,
            "label": ["1", "1", "1", "1", "2", "1", "2", "2", "1"],
        }
    )
    items = compute_skill(answers).items
    probabilities = items["label_probability"].to_list()
    assert probabilities == sorted(probabilities)
    assert items["task"].to_list()[-1] == "a"  # the unanimous object last
    assert items.filter(pl.col("task") == "a")["majority_vote"].item() == "1"
    assert items["n_answers"].to_list() == [3, 3, 3]


def test_clamped_gold_fixes_items_but_not_label_accuracy() -> None:
    plain = compute_skill(GAL_TOY, gold=GAL_TOY_GOLD)
    clamped = compute_skill(GAL_TOY, gold=GAL_TOY_GOLD, clamp_gold=True)
    assert clamped.summary["gold_clamped"] is True
    assert clamped.summary["label_accuracy"] == plain.summary["label_accuracy"]
    labels = dict(clamped.items.select("task", "ds_label").iter_rows())
    assert labels == dict(GAL_TOY_GOLD.iter_rows())
    assert clamped.items["ds_posterior"].to_list() == [1.0] * 5


def test_gold_without_answered_tasks() -> None:
    gold = pl.DataFrame({"task": ["elsewhere"], "label": ["porn"]})
    summary = compute_skill(GAL_TOY, gold=gold).summary
    assert summary["n_gold_tasks"] == 0
    assert summary["label_accuracy"] == {
        "majority_vote": None,
        "dawid_skene": None,
        "one_coin": None,
        "pooled": None,
        "recommended": None,
    }


def test_without_gold() -> None:
    summary = compute_skill(GAL_TOY).summary
    assert summary["label_accuracy"] is None
    assert summary["n_gold_tasks"] is None


def test_empty_job() -> None:
    empty = pl.DataFrame(schema={"task": pl.String, "worker": pl.String, "label": pl.String})
    with pytest.raises(EmptyJobError, match="no answers"):
        compute_skill(empty)


def test_one_worker_one_label() -> None:
    answers = pl.DataFrame({"task": ["a", "b"], "worker": ["w", "w"], "label": ["x", "x"]})
    report = compute_skill(answers)
    row = report.workers.row(0, named=True)
    assert row["kappa"] is None
    assert row["n_kappa"] == 0
    assert row["spam_score"] is None
    # One worker: no skill number as if it meant something, and the summary says why.
    assert (row["skill"], row["ds_accuracy"], row["one_coin_accuracy"]) == (None, None, None)
    assert row["verdict"] == "not enough data"
    assert report.summary["skill_reason"] == (
        "the job has 1 worker; skill needs at least 3 workers answering the same objects"
    )
    assert row["verdict_reason"] == report.summary["skill_reason"]
    assert report.summary["estimated_label_accuracy"] is None
    assert report.summary["krippendorff_alpha"] is None
    assert report.summary["fleiss_kappa_reason"] == "every task has a single answer"


def test_unequal_answers_explain_fleiss() -> None:
    summary = compute_skill(GAL_TOY.slice(1)).summary
    assert summary["fleiss_kappa"] is None
    assert summary["fleiss_kappa_reason"] == "tasks have between 4 and 5 answers"


def test_fast_and_disagreeing_worker() -> None:
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 2, size=40)
    rows = []
    for t, y in enumerate(truth):
        for w in range(4):
            rows.append((f"t{t}", f"good{w}", str(y), 30.0 + w))
        rows.append((f"t{t}", "rusher", str(rng.integers(0, 2)), 2.0))
        rows.append((f"t{t}", "quick-and-right", str(y), 2.0))
        rows.append((f"t{t}", "untimed", str(y), None))
    answers = pl.DataFrame(
        rows,
        schema={"task": pl.String, "worker": pl.String, "label": pl.String, "seconds": pl.Float64},
        orient="row",
    )
    report = compute_skill(answers)
    flags = _by_worker(report, "flag_fast_and_disagreeing")
    assert flags["rusher"] is True
    assert flags["quick-and-right"] is False
    assert flags["good0"] is False
    assert flags["untimed"] is None
    assert report.summary["n_flag_fast_and_disagreeing"] == 1


# ---------------------------------------------------------------------------------------------
# Properties


@st.composite
def jobs(draw: st.DrawFn) -> pl.DataFrame:
    n_tasks = draw(st.integers(1, 10))
    n_workers = draw(st.integers(1, 5))
    rows = []
    for t in range(n_tasks):
        workers = draw(st.sets(st.integers(0, n_workers - 1), min_size=1))
        for w in sorted(workers):
            rows.append((f"t{t}", f"w{w}", draw(st.sampled_from(["a", "b", "c"]))))
    return pl.DataFrame(rows, schema=["task", "worker", "label"], orient="row")


_ODD = FlagThresholds(
    min_answers=2,
    min_skill_answers=1,
    min_workers=1,
    min_job_answers=1,
    same_answer_share=0.9123,
    inverted_max_skill=0.4321,
    inverted_max_spam=0.5123,
)
"""Thresholds that float noise from a different summation order cannot straddle."""


@settings(max_examples=40, deadline=None)
@given(jobs(), st.randoms(use_true_random=False))
def test_renaming_workers_and_shuffling_rows_changes_nothing(
    job: pl.DataFrame, rnd: object
) -> None:
    names = job["worker"].unique().sort().to_list()
    new_names = [f"renamed-{i}" for i in range(len(names))]
    rnd.shuffle(new_names)  # type: ignore[attr-defined]
    mapping = dict(zip(names, new_names, strict=True))
    order = list(range(job.height))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    other = job[order].with_columns(pl.col("worker").replace_strict(mapping))

    # tol=0 runs EM for max_iter steps on both sides: with a tolerance, float noise from the
    # other summation order can stop one fit a step earlier, a difference of up to ~1e-5.
    first = compute_skill(job, thresholds=_ODD, tol=0.0)
    second = compute_skill(other, thresholds=_ODD, tol=0.0)
    back = {v: k for k, v in mapping.items()}
    workers = second.workers.with_columns(pl.col("worker").replace_strict(back)).sort("worker")
    for column in SKILL_WORKER_COLUMNS:
        a, b = first.workers[column], workers[column]
        if a.dtype == pl.Float64:
            assert a.is_null().to_list() == b.is_null().to_list()
            np.testing.assert_allclose(
                a.fill_null(0).to_numpy(), b.fill_null(0).to_numpy(), atol=1e-7
            )
        else:
            assert a.to_list() == b.to_list(), column
    np.testing.assert_allclose(first.dawid_skene.probas_, second.dawid_skene.probas_, atol=1e-7)
    mv = dict(first.items.select("task", "majority_vote").iter_rows())
    assert mv == dict(second.items.select("task", "majority_vote").iter_rows())
    for key in ("krippendorff_alpha", "fleiss_kappa", "estimated_label_accuracy"):
        assert first.summary[key] == pytest.approx(second.summary[key], abs=1e-7)


@st.composite
def jobs_with_a_perfect_worker(draw: st.DrawFn) -> pl.DataFrame:
    """A perfect worker and a perfect helper on every task, and a worker wrong on <= 1 in 4."""
    classes = ["a", "b", "c"][: draw(st.integers(2, 3))]
    truth = draw(st.lists(st.sampled_from(classes), min_size=8, max_size=20))
    truth[: len(classes)] = classes  # every class really occurs
    rows = []
    for t, label in enumerate(truth):
        rows.append((f"t{t}", "perfect", label))
        rows.append((f"t{t}", "helper", label))
        noisy = draw(st.sampled_from(classes)) if t % 4 == 3 else label
        rows.append((f"t{t}", "noisy", noisy))
    return pl.DataFrame(rows, schema=["task", "worker", "label"], orient="row")


@settings(max_examples=40, deadline=None)
@given(jobs_with_a_perfect_worker())
def test_perfect_worker_is_accurate_and_not_spam(job: pl.DataFrame) -> None:
    report = compute_skill(job)
    row = report.workers.filter(pl.col("worker") == "perfect").row(0, named=True)
    # Not exactly 1: the default smoothing (0.01 pseudo-count per cell) on 4-15 tasks.
    assert row["ds_accuracy"] == pytest.approx(1.0, abs=0.03)
    assert row["one_coin_accuracy"] == pytest.approx(1.0, abs=0.03)
    assert row["spam_score"] == pytest.approx(0.0, abs=0.05)
    assert not row["flag_same_answer"]
    assert not row["flag_inverted"]


def test_smoothing_escapes_a_degenerate_fixed_point() -> None:
    # "random" alone says c on t3. Unsmoothed EM (crowd-kit's too) settles where class c explains
    # perfect's "a" as well as class a does, leaving t3 at 2/3; a 0.01 pseudo-count breaks that.
    rows = []
    for t, (label, random_label) in enumerate([("a", "a"), ("b", "b"), ("a", "a"), ("a", "c")]):
        rows += [(f"t{t}", "perfect", label), (f"t{t}", "helper", label)]
        rows.append((f"t{t}", "random", random_label))
    job = pl.DataFrame(rows, schema=["task", "worker", "label"], orient="row")
    stuck = compute_skill(job, smoothing=0.0).dawid_skene.probas_[3]
    assert stuck.tolist() == pytest.approx([2 / 3, 0.0, 1 / 3], abs=1e-6)
    assert compute_skill(job).dawid_skene.probas_[3, 0] > 0.999
