"""Agreement statistics against krippendorff, scikit-learn and hand computation."""

from __future__ import annotations

import krippendorff
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from skill_fixtures import GAL_TOY, load_dataset
from sklearn.metrics import cohen_kappa_score

from crowdaudit.metrics._encoding import encode_answers
from crowdaudit.metrics.reliability import (
    compute_cohen_kappa,
    compute_fleiss_kappa,
    compute_krippendorff_alpha,
    compute_loo_kappa,
    compute_loo_majority_agreement,
)


def _reliability_data(answers: pl.DataFrame) -> np.ndarray:
    """Workers x tasks matrix of label codes with NaN for missing: krippendorff's input."""
    enc = encode_answers(answers)
    data = np.full((enc.n_workers, enc.n_tasks), np.nan)
    data[enc.worker, enc.task] = enc.label
    return data


# A job: tasks, each with 1-5 answers drawn from a few labels.
jobs = st.lists(
    st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=5), min_size=1, max_size=12
)


def _job_frame(job: list[list[str]]) -> pl.DataFrame:
    rows = [
        (f"t{t}", f"w{w}", label) for t, labels in enumerate(job) for w, label in enumerate(labels)
    ]
    return pl.DataFrame(rows, schema=["task", "worker", "label"], orient="row")


@settings(max_examples=60, deadline=None)
@given(jobs)
def test_krippendorff_alpha_matches_package(job: list[list[str]]) -> None:
    answers = _job_frame(job)
    ours = compute_krippendorff_alpha(encode_answers(answers).label_counts())
    pairable = [labels for labels in job if len(labels) >= 2]
    values = {label for labels in pairable for label in labels}
    if not pairable or len(values) < 2:
        assert ours is None
        return
    data = _reliability_data(answers)
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert ours == pytest.approx(expected, abs=1e-9)


def test_krippendorff_alpha_by_hand() -> None:
    # o = [[2, 1], [1, 2]], n_c = [3, 3]: alpha = 1 - 5 * 2 / 18.
    assert compute_krippendorff_alpha(np.array([[2, 0], [0, 2], [1, 1]])) == pytest.approx(4 / 9)
    assert compute_krippendorff_alpha(np.array([[3, 0], [2, 0]])) is None
    assert compute_krippendorff_alpha(np.array([[1, 0], [0, 1]])) is None


@pytest.mark.datasets
def test_krippendorff_alpha_matches_package_on_real_data() -> None:
    answers, _ = load_dataset("sp-amt")
    ours = compute_krippendorff_alpha(encode_answers(answers).label_counts())
    expected = krippendorff.alpha(
        reliability_data=_reliability_data(answers), level_of_measurement="nominal"
    )
    assert ours == pytest.approx(expected, abs=1e-9)


def test_fleiss_kappa_wikipedia_example() -> None:
    # Fleiss (1971) as worked on Wikipedia: 10 subjects, 14 raters, 5 categories, kappa = 0.210.
    counts = np.array(
        [
            [0, 0, 0, 0, 14],
            [0, 2, 6, 4, 2],
            [0, 0, 3, 5, 6],
            [0, 3, 9, 2, 0],
            [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0],
            [3, 2, 6, 3, 0],
            [2, 5, 3, 2, 2],
            [6, 5, 2, 1, 0],
            [0, 2, 2, 3, 7],
        ]
    )
    kappa, reason = compute_fleiss_kappa(counts)
    assert reason is None
    assert kappa == pytest.approx(0.20993, abs=1e-5)


@pytest.mark.parametrize(
    ("counts", "reason"),
    [
        ([[2, 0], [1, 2]], "tasks have between 2 and 3 answers"),
        ([[1, 0], [0, 1]], "every task has a single answer"),
        ([[3, 0], [3, 0]], "every answer has the same label"),
        (np.zeros((0, 2)), "no tasks"),
    ],
)
def test_fleiss_kappa_undefined(counts: list[list[int]], reason: str) -> None:
    assert compute_fleiss_kappa(np.array(counts)) == (None, reason)


label_pairs = st.lists(
    st.tuples(st.sampled_from("xyz"), st.sampled_from("xyz")), min_size=1, max_size=30
)


@settings(max_examples=60, deadline=None)
@given(label_pairs)
def test_cohen_kappa_matches_sklearn(pairs: list[tuple[str, str]]) -> None:
    a, b = [p[0] for p in pairs], [p[1] for p in pairs]
    ours = compute_cohen_kappa(a, b)
    if len(set(a) | set(b)) == 1:
        assert ours is None
        return
    assert ours == pytest.approx(cohen_kappa_score(a, b), abs=1e-9)


def test_cohen_kappa_edge_cases() -> None:
    assert compute_cohen_kappa([], []) is None
    assert compute_cohen_kappa(["y", "y", "n", "n"], ["y", "n", "n", "n"]) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="same items"):
        compute_cohen_kappa(["y"], [])


def _loo_reference(answers: pl.DataFrame) -> dict[str, tuple[float | None, int]]:
    """Plain-Python leave-one-out majority, then sklearn's kappa per worker."""
    by_task: dict[str, list[tuple[str, str]]] = {}
    for task, worker, label in answers.select("task", "worker", "label").iter_rows():
        by_task.setdefault(task, []).append((worker, label))
    pairs: dict[str, list[tuple[str, str]]] = {}
    for rows in by_task.values():
        for worker, label in rows:
            others: dict[str, int] = {}
            for other, other_label in rows:
                if other != worker:
                    others[other_label] = others.get(other_label, 0) + 1
            if not others:
                continue
            top = max(others.values())
            winners = [lab for lab, n in others.items() if n == top]
            if len(winners) == 1:
                pairs.setdefault(worker, []).append((label, winners[0]))
    out: dict[str, tuple[float | None, int]] = {}
    for worker in answers["worker"].unique().to_list():
        used = pairs.get(worker, [])
        a, b = [p[0] for p in used], [p[1] for p in used]
        if not used or len(set(a) | set(b)) == 1:
            out[worker] = (None, len(used))
        else:
            out[worker] = (float(cohen_kappa_score(a, b)), len(used))
    return out


def _loo_ours(answers: pl.DataFrame) -> dict[str, tuple[float | None, int]]:
    enc = encode_answers(answers)
    kappa, n_used = compute_loo_kappa(enc)
    return {
        w: (None if np.isnan(k) else float(k), int(n))
        for w, k, n in zip(enc.workers.to_list(), kappa, n_used, strict=True)
    }


def test_loo_kappa_gal_toy_by_hand() -> None:
    ours = _loo_ours(GAL_TOY)
    # worker5 is the mirror of the majority on the 4 tasks without a tie among the others.
    assert ours["worker5"] == (pytest.approx(-1.0), 4)
    # worker3: agrees on url2, url4, disagrees on url5; reference always "porn" -> kappa 0.
    assert ours["worker3"] == (pytest.approx(0.0), 3)
    # worker2: only url2 and url4 usable, both raters "porn" only -> undefined.
    assert ours["worker2"] == (None, 2)


@settings(max_examples=40, deadline=None)
@given(jobs)
def test_loo_kappa_matches_reference(job: list[list[str]]) -> None:
    answers = _job_frame(job)
    expected = _loo_reference(answers)
    ours = _loo_ours(answers)
    assert ours.keys() == expected.keys()
    for worker, (kappa, n_used) in expected.items():
        assert ours[worker][1] == n_used
        if kappa is None:
            assert ours[worker][0] is None
        else:
            assert ours[worker][0] == pytest.approx(kappa, abs=1e-9)


def _agreement_reference(answers: pl.DataFrame, left_out: set[str]) -> dict[str, tuple[int, int]]:
    """Plain Python: each answer against the unique majority of the other workers on its task,
    the workers in ``left_out`` never among those others."""
    by_task: dict[str, list[tuple[str, str]]] = {}
    for task, worker, label in answers.select("task", "worker", "label").iter_rows():
        by_task.setdefault(task, []).append((worker, label))
    out = dict.fromkeys(answers["worker"].unique().to_list(), (0, 0))
    for rows in by_task.values():
        for worker, label in rows:
            votes: dict[str, int] = {}
            for other, other_label in rows:
                if other != worker and other not in left_out:
                    votes[other_label] = votes.get(other_label, 0) + 1
            top = max(votes.values(), default=0)
            winners = [lab for lab, n in votes.items() if n == top]
            if top and len(winners) == 1:
                agree, used = out[worker]
                out[worker] = (agree + (label == winners[0]), used + 1)
    return out


@settings(max_examples=40, deadline=None)
@given(jobs, st.sets(st.integers(0, 4)))
def test_loo_agreement_leaving_workers_out_matches_reference(
    job: list[list[str]], left: set[int]
) -> None:
    answers = _job_frame(job)
    enc = encode_answers(answers)
    names = enc.workers.to_list()
    exclude = np.array([int(name[1:]) in left for name in names])
    agree, used = compute_loo_majority_agreement(enc, exclude)
    expected = _agreement_reference(
        answers, {n for n, out in zip(names, exclude, strict=True) if out}
    )
    assert {n: (int(a), int(u)) for n, a, u in zip(names, agree, used, strict=True)} == expected
