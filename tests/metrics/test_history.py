"""The history table, the biggest drops and the newest workers, on tables checkable by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from crowdaudit.metrics.history import (
    compute_history,
    compute_newest_workers,
    compute_quality_drops,
)
from crowdaudit.schema import HISTORY

T1, T2, T3 = (datetime(2026, month, 1, tzinfo=UTC) for month in (1, 2, 3))


def _answers() -> pl.DataFrame:
    # Job "c" started first although its name sorts last; "b" has no timestamps at all.
    return pl.DataFrame(
        {"job": ["c", "a", "a", "b"], "submitted_at": [T1, T2, T3, None]},
        schema={"job": pl.String(), "submitted_at": pl.Datetime("us", "UTC")},
    )


def _workers(**extra: list[object]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "job": ["a", "c", "a", "c", "b", "b"],
            "worker": ["w1", "w1", "w2", "w2", "w1", "w3"],
            "n_objects": [10, 10, 10, 4, 10, 10],
            "loo_agreement": [0.6, 0.9, 0.8, 0.7, 0.5, 0.9],
            "first_submitted_at": [T2, T1, T3, T1, None, None],
            **extra,
        }
    )


def test_rows_in_job_order_with_declared_columns() -> None:
    history = compute_history(_workers(), _answers())
    assert history.columns == list(HISTORY)
    assert history.select("job_order", "job", "worker").rows() == [
        (1, "c", "w1"),
        (1, "c", "w2"),
        (2, "a", "w1"),
        (2, "a", "w2"),
        (3, "b", "w1"),
        (3, "b", "w3"),
    ]
    # No skill and no Dawid-Skene column: quality falls back to loo_agreement, and says so.
    assert history.get_column("quality").to_list() == [0.9, 0.7, 0.6, 0.8, 0.5, 0.9]
    assert set(history.get_column("quality_measure")) == {"loo_agreement"}
    assert history.get_column("skill").null_count() == 6


def test_skill_column_wins_where_present() -> None:
    skill = [0.55, None, 0.75, 0.65, 0.45, 0.95]
    history = compute_history(_workers(skill=skill), _answers())
    keys = history.select("job", "worker").rows()
    by_row = dict(zip(keys, history["quality"], strict=True))
    assert by_row[("a", "w1")] == 0.55
    assert by_row[("c", "w1")] == 0.9  # skill null there: loo_agreement
    measures = dict(zip(keys, history["quality_measure"], strict=True))
    assert measures[("c", "w1")] == "loo_agreement"
    assert measures[("a", "w1")] == "skill"


def test_drops_compare_the_latest_job_with_the_one_before() -> None:
    history = compute_history(_workers(), _answers())
    drops = compute_quality_drops(history)
    # w1: 0.9 (c) → 0.6 (a) → 0.5 (b): the latest change is -0.1, from a to b.
    # w2: 0.7 → 0.8 is a rise, and job c had 4 objects (< 5): not listed either way.
    assert drops.rows() == [("w1", "a", "b", 0.6, 0.5, pytest.approx(-0.1))]


def test_drops_ignore_a_change_of_measure() -> None:
    skill = [None, None, None, None, 0.1, None]
    drops = compute_quality_drops(compute_history(_workers(skill=skill), _answers()))
    assert drops.height == 0


def test_newest_workers_first() -> None:
    newest = compute_newest_workers(compute_history(_workers(), _answers()))
    assert newest.select("worker", "first_job", "n_jobs", "n_objects").rows() == [
        ("w3", "b", 1, 10),
        ("w1", "c", 3, 30),
        ("w2", "c", 2, 14),
    ]
