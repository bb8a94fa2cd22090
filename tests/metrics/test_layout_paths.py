"""The class-major EM loop, held-out scores, pooled evidence and integer-coded agreement give
exactly the floats of the plain task-major formulas they replace.

Each reference below is written out here in the plain layout (one row per task or answer, numpy's
own reductions along a row) and compared with ``np.array_equal`` or ``==``, never a tolerance:
these paths change how the numbers are laid out in memory, not which numbers are added.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from scipy.special import gammaln
from skill_fixtures import accurate_workers_job

from crowdaudit.metrics import calibration, estimators, pooled
from crowdaudit.metrics._confusion import (
    Pairs,
    SparseConfusion,
    column_max,
    column_sum,
    row_max,
    row_sum,
    stable_order,
    take_cells,
)
from crowdaudit.metrics._encoding import EncodedAnswers, encode_answers
from crowdaudit.metrics.estimators import DawidSkene
from crowdaudit.metrics.workers import compute_loo_agreement, latest_answers


def _values(shape: tuple[int, int], seed: int) -> np.ndarray:
    """Positive values spread over many orders of magnitude, so summation order shows."""
    rng = np.random.default_rng(seed)
    return rng.random(shape) * np.exp(rng.normal(0.0, 8.0, shape))


def _job(k: int, *, seed: int) -> pl.DataFrame:
    return accurate_workers_job(n_tasks=300, per_task=4, n_workers=20, k=k, seed=seed)


@pytest.mark.parametrize("k", range(1, 13))
def test_column_reductions_equal_row_reductions_of_the_transpose(k: int) -> None:
    values = _values((k, 3000), seed=k)
    rows = np.ascontiguousarray(values.T)
    assert np.array_equal(column_max(values), row_max(rows)[:, 0])
    assert np.array_equal(column_sum(values), row_sum(rows)[:, 0])
    assert np.array_equal(column_sum(values), rows.sum(axis=1))


@pytest.mark.parametrize(("n", "k"), [(1, 2), (7, 3), (8315, 2), (20000, 5), (999, 12)])
def test_class_means_equal_numpy_mean_over_tasks(n: int, k: int) -> None:
    task_major = _values((n, k), seed=n)
    expected = task_major.mean(axis=0)
    assert np.array_equal(estimators._class_means(np.ascontiguousarray(task_major.T)), expected)


def test_take_cells_equals_fancy_indexing() -> None:
    values = _values((50, 7), seed=1)
    rng = np.random.default_rng(2)
    rows, columns = rng.integers(0, 50, 400), rng.integers(0, 7, 400)
    assert np.array_equal(take_cells(values, rows, columns), values[rows, columns])
    assert np.array_equal(take_cells(values.T.copy(), columns, rows), values[rows, columns])


@pytest.mark.parametrize("k", [1, 2, 3, 5, 9])
def test_predict_equals_softmax_then_einsum(k: int) -> None:
    posterior = _values((k, 4000), seed=k)
    hidden = _values((4000, k), seed=k + 100)
    log_joint = np.log(posterior)
    rows = np.ascontiguousarray(log_joint.T)
    # The task-major formula: softmax along each row, then numpy's sum of products.
    shifted = np.exp(rows - rows.max(axis=1, keepdims=True))
    expected = np.einsum("nk,nk->n", shifted / shifted.sum(axis=1, keepdims=True), hidden)
    assert np.array_equal(calibration._predict(log_joint, hidden, class_major=True), expected)
    assert np.array_equal(calibration._predict(rows, hidden, class_major=False), expected)


def _reference_held_out(
    enc: EncodedAnswers,
    log_rows: np.ndarray,
    log_priors: np.ndarray,
    hidden: np.ndarray,
    tau: float,
) -> np.ndarray:
    """The held-out log likelihood in the task-major layout, with numpy's own row reductions."""
    sums = np.zeros((enc.n_tasks, log_rows.shape[1]))
    for c in range(log_rows.shape[1]):
        sums[:, c] = np.bincount(enc.task, weights=log_rows[:, c], minlength=enc.n_tasks)
    log_joint = (tau * sums + log_priors)[enc.task] - tau * log_rows
    shifted = np.exp(log_joint - log_joint.max(axis=1, keepdims=True))
    posterior = shifted / shifted.sum(axis=1, keepdims=True)
    predicted = np.einsum("nk,nk->n", posterior, hidden)
    return np.log(np.clip(predicted, 1e-12, None))


@pytest.mark.parametrize("k", [2, 3, 7, 12])
def test_held_out_scores_equal_the_task_major_formula(k: int) -> None:
    enc = encode_answers(_job(k, seed=k))
    model = DawidSkene().fit(enc)
    hidden = calibration.leave_out_rows(enc, model.confusion_columns_, model.probas_)
    log_rows = calibration._answer_log_rows(enc, model.confusion_columns_)
    log_priors = np.log(np.clip(model.priors_, 1e-12, None))
    sums = calibration._task_sums(enc, log_rows)
    found = calibration._held_out(enc, log_rows, sums, log_priors, hidden, (0.3, 1.0))
    for row, tau in zip(found, (0.3, 1.0), strict=True):
        assert np.array_equal(row, _reference_held_out(enc, log_rows, log_priors, hidden, tau))
    single = calibration.held_out_log_likelihood(
        enc, model.priors_, model.confusion_columns_, hidden, 0.3
    )
    assert np.array_equal(single, found[0])


def _reference_dawid_skene(enc: EncodedAnswers, smoothing: float, max_iter: int) -> np.ndarray:
    """Dawid-Skene EM with task-major posteriors and numpy's own reductions along rows."""
    order = np.argsort(enc.task, kind="stable")
    per_task = np.bincount(enc.task, minlength=enc.n_tasks)
    starts = np.concatenate(([0], np.cumsum(per_task)[:-1]))
    task = np.repeat(np.arange(enc.n_tasks), per_task)
    pairs = Pairs(task, enc.worker[order], enc.label[order], enc.n_workers, enc.n_classes)
    k = enc.n_classes
    counts = enc.label_counts().astype(float)
    probas = counts / counts.sum(axis=1, keepdims=True)
    history: list[float] = []
    for _ in range(max_iter + 1):
        priors = np.clip(probas.mean(axis=0), 1e-10, None)
        priors /= priors.sum()
        expected = pairs.expected_counts(probas)
        confusion = SparseConfusion(pairs, expected, np.full((k, k), smoothing))
        if len(history) == max_iter:
            break
        logs = np.log(confusion.at_pairs(np.arange(pairs.n_pairs)))
        log_joint = np.add.reduceat(logs[pairs.of_answer], starts, axis=0) + np.log(priors)
        top = log_joint.max(axis=1, keepdims=True)
        scaled = np.exp(log_joint - top)
        norm = scaled.sum(axis=1, keepdims=True)
        history.append(float(np.sum(np.log(norm) + top)) / enc.n_answers)
        probas = scaled / norm
        if len(history) > 1 and abs(history[-1] - history[-2]) < 1e-5:
            break
    return probas


@pytest.mark.parametrize("k", [2, 4, 6])
def test_dawid_skene_equals_the_task_major_loop(k: int) -> None:
    enc = encode_answers(_job(k, seed=10 + k))
    model = DawidSkene(max_iter=100, tol=1e-5, smoothing=0.01).fit(enc)
    assert np.array_equal(model.probas_, _reference_dawid_skene(enc, 0.01, 100))
    assert model.probas_.flags.c_contiguous


def test_pooled_evidence_equals_one_strength_at_a_time() -> None:
    rng = np.random.default_rng(4)
    k = 3
    mean = rng.dirichlet(np.ones(k), size=k)
    rows = _values((30, k), seed=5)
    cells = rng.random(500) * 40
    cell = rng.integers(0, k * k, 500)
    columns = mean.reshape(-1)
    row_expected = [float(np.sum(gammaln(s) - gammaln(s + rows))) for s in pooled.POOLING_GRID]
    cell_expected = [
        float(np.sum(gammaln(s * columns[cell] + cells) - gammaln(s * columns[cell])))
        for s in pooled.POOLING_GRID
    ]
    assert pooled._row_evidence(rows).tolist() == row_expected
    assert pooled._cell_evidence(cells, cell, mean).tolist() == cell_expected
    # More classes than cells: lnΓ(s m) is then taken cell by cell, with the same result.
    few = slice(0, 5)
    assert pooled._cell_evidence(cells[few], cell[few], mean).tolist() == [
        float(
            np.sum(gammaln(s * columns[cell[few]] + cells[few]) - gammaln(s * columns[cell[few]]))
        )
        for s in pooled.POOLING_GRID
    ]


def _reference_loo(answers: pl.DataFrame) -> list[bool | None]:
    """Leave-one-out agreement in plain Python, from its definition."""
    groups: dict[tuple[object, object], list[object]] = {}
    for job, task, label in answers.select("job", "task", "label").iter_rows():
        groups.setdefault((job, task), []).append(label)
    out: list[bool | None] = []
    for job, task, label in answers.select("job", "task", "label").iter_rows():
        labels = groups[(job, task)]
        if len(labels) < 2:
            out.append(None)
            continue
        others = list(labels)
        others.remove(label)
        tally: dict[object, int] = {}
        for other in others:
            tally[other] = tally.get(other, 0) + 1
        best = max(tally.values())
        winners = [name for name, n in tally.items() if n == best]
        if label is None:
            # A missing label agrees with nobody; unknown unless the top count is shared.
            full = {name: labels.count(name) for name in set(labels)}
            shared = list(full.values()).count(max(full.values())) > 1
            out.append(False if shared else None)
            continue
        out.append(winners == [label])
    return out


def test_loo_agreement_equals_its_definition_with_ties_and_missing_labels() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(1, 40))
        answers = pl.DataFrame(
            {
                "job": rng.choice(["a", "b"], n).tolist(),
                "task": rng.choice(["x", "y", "z", "w"], n).tolist(),
                "label": [None if rng.random() < 0.15 else str(v) for v in rng.integers(0, 3, n)],
            }
        )
        assert compute_loo_agreement(answers).to_list() == _reference_loo(answers)


def test_latest_answers_without_repeats_are_in_submission_order() -> None:
    from datetime import UTC, datetime

    def at(minute: int | None) -> datetime | None:
        return None if minute is None else datetime(2024, 1, 1, 0, minute, tzinfo=UTC)

    answers = pl.DataFrame(
        {
            "job": ["j"] * 5,
            "task": ["t1", "t2", "t3", "t4", "t5"],
            "worker": ["w"] * 5,
            "submitted_at": [at(9), None, at(3), at(9), None],
        }
    )
    latest = latest_answers(answers)
    assert latest.get_column("task").to_list() == ["t2", "t5", "t3", "t1", "t4"]
    in_order = answers.sort("submitted_at", nulls_last=False, maintain_order=True)
    assert latest_answers(in_order) is in_order
    repeated = pl.concat([answers, answers.head(1).with_columns(submitted_at=pl.lit(at(1)))])
    assert latest_answers(repeated).get_column("task").to_list() == ["t2", "t5", "t3", "t1", "t4"]


@pytest.mark.parametrize("n_codes", [1, 300, 1 << 16, (1 << 16) + 1, 3_000_000])
def test_stable_order_is_numpys_stable_argsort(n_codes: int) -> None:
    codes = np.random.default_rng(n_codes).integers(0, n_codes, 100_000)
    assert np.array_equal(stable_order(codes, n_codes), np.argsort(codes, kind="stable"))
