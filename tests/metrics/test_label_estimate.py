"""The label probability averaged over the four models, and the label-accuracy estimate."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from skill_fixtures import GAL_TOY, small_jobs

from crowdaudit.metrics._encoding import EncodedAnswers, encode_answers
from crowdaudit.metrics.calibration import Calibrated
from crowdaudit.metrics.labels import (
    LabelChoice,
    average_label_probability,
    estimate_label_accuracy,
    soft_vote,
)
from crowdaudit.metrics.skill import compute_skill


def _calibrated(probas: list[list[float]], low: float = 0.0, high: float = 1.0) -> Calibrated:
    values = np.array(probas)
    accuracy = float(values.max(axis=1).mean())
    return Calibrated(
        temperature=1.0,
        probas=values,
        held_out=-0.5,
        accuracy=accuracy,
        accuracy_low=accuracy - low,
        accuracy_high=accuracy + high,
    )


def _choice() -> LabelChoice:
    """Two tasks, classes x and y, labelled x and y; the pooled model scores best.

    The four models' probabilities of those labels, task a then task b:
    majority vote 0.8, 0.6; one-coin 0.9, 0.7; Dawid-Skene 0.6, 0.5; pooled 1.0, 0.9.
    """
    labels = np.array([0, 1])
    return LabelChoice(
        recommended="average",
        best="pooled",
        calibrated={
            "majority_vote": _calibrated([[0.8, 0.2], [0.4, 0.6]]),
            "one_coin": _calibrated([[0.9, 0.1], [0.3, 0.7]]),
            "dawid_skene": _calibrated([[0.6, 0.4], [0.5, 0.5]]),
            # accuracy 0.95, its own range 0.90 .. 0.97
            "pooled": _calibrated([[1.0, 0.0], [0.1, 0.9]], low=0.05, high=0.02),
        },
        labels=dict.fromkeys(
            ("majority_vote", "one_coin", "dawid_skene", "pooled", "average"), labels
        ),
    )


def _encoded(labels_a: list[str], labels_b: list[str]) -> EncodedAnswers:
    tasks = ["a"] * len(labels_a) + ["b"] * len(labels_b)
    workers = [f"w{i}" for i in range(len(labels_a))] + [f"w{i}" for i in range(len(labels_b))]
    return encode_answers(
        pl.DataFrame({"task": tasks, "worker": workers, "label": labels_a + labels_b})
    )


def test_the_probability_is_the_four_models_mean() -> None:
    # (0.8 + 0.9 + 0.6 + 1.0) / 4 and (0.6 + 0.7 + 0.5 + 0.9) / 4
    np.testing.assert_allclose(average_label_probability(_choice()), [0.825, 0.675])


@pytest.mark.parametrize(
    ("labels_a", "labels_b", "low"),
    [
        # The models' own estimates: 0.70, 0.80, 0.55, 0.95. Low: Dawid-Skene's 0.55 less the
        # pooled model's downward spread 0.05; the answers' share right under the pooled model,
        # (1 + 1 + 0 + 0.9 + 0.9) / 5 = 0.76, is higher and does not bind.
        (["x", "x", "y"], ["y", "y"], 0.50),
        # These answers are right with probability 0, 0, 1, 0.1, 0.9: 0.4, which binds.
        (["y", "y", "x"], ["x", "y"], 0.40),
    ],
)
def test_the_range_spans_the_models_and_stays_below_the_answers(
    labels_a: list[str], labels_b: list[str], low: float
) -> None:
    choice = _choice()
    found = estimate_label_accuracy(
        _encoded(labels_a, labels_b), choice, average_label_probability(choice)
    )
    assert found.accuracy == pytest.approx(0.75)
    assert found.low == pytest.approx(low)
    # High: the pooled model's 0.95 plus its upward spread 0.02.
    assert found.high == pytest.approx(0.97)


ESTIMATE_KEYS = (
    "estimated_label_accuracy",
    "estimated_label_accuracy_low",
    "estimated_label_accuracy_high",
)


@settings(max_examples=30, deadline=None)
@given(small_jobs())
def test_the_range_contains_the_estimate_and_every_probability_is_one(job: pl.DataFrame) -> None:
    report = compute_skill(job)
    probability = report.items["label_probability"].to_numpy()
    assert ((probability > 0.0) & (probability <= 1.0 + 1e-12)).all()
    estimate, low, high = (report.summary[key] for key in ESTIMATE_KEYS)
    if estimate is None:
        return
    assert isinstance(estimate, float)
    assert isinstance(low, float)
    assert isinstance(high, float)
    assert 0.0 <= low <= estimate <= high <= 1.0
    assert estimate == pytest.approx(float(probability.mean()))


@settings(max_examples=20, deadline=None)
@given(small_jobs(), st.permutations(["a", "b", "c"]))
def test_relabelling_the_classes_changes_no_estimate(job: pl.DataFrame, names: list[str]) -> None:
    mapping = dict(zip(["a", "b", "c"], [f"z-{n}" for n in names], strict=True))
    first = compute_skill(job).summary
    second = compute_skill(job.with_columns(pl.col("label").replace_strict(mapping))).summary
    for key in ESTIMATE_KEYS:
        if first[key] is None:
            assert second[key] is None
        else:
            assert second[key] == pytest.approx(first[key], abs=1e-6)


def test_the_soft_vote_can_overrule_the_most_certain_model() -> None:
    # Task a: one model is sure of x (0.95), three lean to y (0.7 each): mean x 0.4625, y 0.5375.
    # Task b: an exact tie between x and y goes to the smaller class code, x.
    sure = np.array([[0.95, 0.05], [0.5, 0.5]])
    lean = np.array([[0.3, 0.7], [0.5, 0.5]])
    assert soft_vote((sure, lean, lean, lean)).tolist() == [1, 0]


def test_the_recommended_labels_are_the_soft_vote_and_not_one_models() -> None:
    report = compute_skill(GAL_TOY)
    assert report.summary["recommended_model"] == "average"
    assert report.summary["best_held_out_model"] in {
        "majority_vote",
        "one_coin",
        "dawid_skene",
        "pooled",
    }
