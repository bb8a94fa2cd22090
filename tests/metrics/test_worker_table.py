"""The worker table: hand-checked values, the leave-one-out rule, Wilson intervals, invariances."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest
from conftest import DATA, PETS
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest

from crowdaudit.audit import audit
from crowdaudit.metrics.intervals import wilson_interval
from crowdaudit.metrics.workers import compute_loo_agreement, compute_worker_table
from crowdaudit.schema import COL, WORKER_COLUMNS

A = "private.us-east-1.1111111111111111"
B = "private.us-east-1.2222222222222222"
C = "private.us-east-1.3333333333333333"


def test_pets_worker_table_matches_the_hand_computation() -> None:
    """Every number below is worked out in tests/data/README.md."""
    workers = audit(PETS, gold=DATA / "pets-golden.manifest").workers
    assert workers.columns[: len(WORKER_COLUMNS)] == list(WORKER_COLUMNS)
    rows = {row[COL.WORKER]: row for row in workers.iter_rows(named=True)}

    expected = {
        A: (5, 4, 2, 0.5, 4, 1.0, 5, 0.4, 5.0, 32.5),
        B: (4, 3, 2, 2 / 3, 3, 1.0, 4, 0.5, 7.5, 41.0),
        C: (4, 4, 2, 0.5, 4, 0.5, 4, 0.5, 6.5, 44.0),
    }
    columns = (
        COL.N_OBJECTS,
        COL.N_GOLD,
        COL.GOLD_CORRECT,
        COL.GOLD_ACCURACY,
        COL.N_CONSENSUS,
        COL.CONSENSUS_AGREEMENT,
        COL.N_LOO,
        COL.LOO_AGREEMENT,
        COL.MEDIAN_SECONDS,
        COL.TOTAL_SECONDS,
    )
    for worker, values in expected.items():
        assert tuple(rows[worker][column] for column in columns) == pytest.approx(values), worker
    assert rows[A][COL.FIRST_SUBMITTED_AT] == datetime(2022, 8, 5, 10, 0, 10, 500000, tzinfo=UTC)
    assert rows[A][COL.LAST_SUBMITTED_AT] == datetime(2022, 8, 5, 14, 0, 2, tzinfo=UTC)
    assert rows[C][COL.LAST_SUBMITTED_AT] == datetime(2022, 8, 6, 9, 0, 1, tzinfo=UTC)
    assert set(workers[COL.JOB]) == {"pets-private"}


def test_pets_summary_matches_the_hand_computation() -> None:
    summary = audit(PETS, gold=DATA / "pets-golden.manifest").summary
    assert summary["n_objects"] == 5
    assert summary["n_answers"] == 13
    assert summary["n_workers"] == 3
    assert summary["n_failed_objects"] == 1
    assert summary["jobs"][0]["failed_objects"] == ["3"]
    assert summary["jobs"][0]["n_duplicate_answers"] == 1
    assert summary["n_gold_objects"] == 4
    assert summary["n_gold_labels_unused"] == 1
    assert summary["consolidated_gold_accuracy"] == 0.5


@pytest.mark.parametrize(
    "gold_file", ["pets-golden.manifest", "pets-gold.csv", "pets-gold-by-source.jsonl"]
)
def test_the_three_gold_formats_give_the_same_table(gold_file: str) -> None:
    reference = audit(PETS, gold=DATA / "pets-golden.manifest").workers
    assert audit(PETS, gold=DATA / gold_file).workers.equals(reference)


def test_no_gold_leaves_gold_columns_null_not_zero() -> None:
    workers = audit(PETS).workers
    assert workers[COL.N_GOLD].to_list() == [0, 0, 0]
    for column in (COL.GOLD_ACCURACY, COL.GOLD_ACCURACY_LOW, COL.GOLD_ACCURACY_HIGH):
        assert workers[column].null_count() == 3


def answers_of(rows: list[tuple[str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            COL.JOB: ["j"] * len(rows),
            COL.TASK: [task for task, _, _ in rows],
            COL.WORKER: [worker for _, worker, _ in rows],
            COL.LABEL: [label for _, _, label in rows],
        }
    )


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["a"], [None]),  # nobody else answered
        (["a", "a"], [True, True]),
        (["a", "b"], [False, False]),
        (["a", "a", "b"], [False, False, False]),  # an "a" worker sees a, b: a tie
        (["a", "a", "a", "b"], [True, True, True, False]),
        (["a", "b", "c"], [False, False, False]),
        (["a", "a", "b", "b"], [False, False, False, False]),  # an "a" worker sees a, b, b
        (["a", "a", "a", "b", "b"], [False, False, False, False, False]),  # a, a, b, b: a tie
        (["a", "a", "a", "a", "b"], [True, True, True, True, False]),
        (["a", "a", "a", "b", "c"], [True, True, True, False, False]),
    ],
)
def test_leave_one_out_majority(labels: list[str], expected: list[bool | None]) -> None:
    rows = [("t", f"w{i}", label) for i, label in enumerate(labels)]
    assert compute_loo_agreement(answers_of(rows)).to_list() == expected


def test_leave_one_out_is_per_task() -> None:
    rows = [
        ("t1", "w1", "a"),
        ("t1", "w2", "a"),
        ("t2", "w1", "b"),
        ("t2", "w2", "a"),
        ("t3", "w1", "a"),
    ]
    assert compute_loo_agreement(answers_of(rows)).to_list() == [True, True, False, False, None]


@pytest.mark.parametrize(
    ("k", "n"), [(0, 1), (1, 1), (8, 10), (2, 4), (0, 30), (29, 29), (57, 200)]
)
def test_wilson_interval_matches_scipy(k: int, n: int) -> None:
    low, high = wilson_interval(pl.col("k"), pl.col("n"))
    got = pl.DataFrame({"k": [k], "n": [n]}).select(low.alias("low"), high.alias("high")).row(0)
    reference = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert got == pytest.approx((reference.low, reference.high), abs=1e-12)


def test_wilson_interval_of_eight_in_ten() -> None:
    low, high = wilson_interval(pl.lit(8), pl.lit(10))
    assert pl.select(low.alias("low"), high.alias("high")).row(0) == pytest.approx(
        (0.4902, 0.9433), abs=5e-5
    )


def random_answers(draw: Any) -> pl.DataFrame:
    n_tasks = draw(st.integers(1, 6))
    workers = [f"w{i}" for i in range(draw(st.integers(1, 5)))]
    rows = []
    for task in range(n_tasks):
        chosen = draw(
            st.lists(st.sampled_from(workers), min_size=1, max_size=len(workers), unique=True)
        )
        for worker in chosen:
            rows.append((str(task), worker, draw(st.sampled_from("abc"))))
    table = answers_of(rows)
    gold = {str(t): draw(st.one_of(st.none(), st.sampled_from("abc"))) for t in range(n_tasks)}
    consolidated = {
        str(t): draw(st.one_of(st.none(), st.sampled_from("abc"))) for t in range(n_tasks)
    }
    return table.with_columns(
        pl.col(COL.TASK).replace_strict(gold, return_dtype=pl.String).alias(COL.GOLD),
        pl.col(COL.TASK)
        .replace_strict(consolidated, return_dtype=pl.String)
        .alias(COL.CONSOLIDATED),
        pl.lit(None, pl.Float64).alias(COL.SECONDS),
        pl.lit(None, pl.Datetime("us", "UTC")).alias(COL.SUBMITTED_AT),
    )


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_worker_table_ignores_row_order_and_worker_names(data: st.DataObject) -> None:
    answers = data.draw(st.composite(random_answers)())
    reference = compute_worker_table(answers).drop(COL.WORKER).sort(pl.all())

    shuffled = answers.sample(fraction=1.0, shuffle=True, seed=data.draw(st.integers(0, 2**16)))
    renamed = shuffled.with_columns(("renamed-" + pl.col(COL.WORKER)).alias(COL.WORKER))
    assert compute_worker_table(renamed).drop(COL.WORKER).sort(pl.all()).equals(reference)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_worker_table_bounds(data: st.DataObject) -> None:
    answers = data.draw(st.composite(random_answers)())
    table = compute_worker_table(answers)
    for column in (COL.GOLD_ACCURACY, COL.CONSENSUS_AGREEMENT, COL.LOO_AGREEMENT):
        values = table[column].drop_nulls()
        assert ((values >= 0) & (values <= 1)).all()
    defined = table.filter(pl.col(COL.N_GOLD) > 0)
    assert (defined[COL.GOLD_ACCURACY_LOW] <= defined[COL.GOLD_ACCURACY]).all()
    assert (defined[COL.GOLD_ACCURACY] <= defined[COL.GOLD_ACCURACY_HIGH]).all()
    assert table[COL.N_OBJECTS].sum() == answers.height
