"""Each worker's quality job after job: the history table, the biggest drops, the newest workers.

All functions are pure: tables in, tables out.

The quality of a row is the first of these the worker table has for it:

1. ``skill`` — the gold-free skill of the trust model, when the worker table carries that column;
2. ``ds_accuracy`` — Dawid-Skene's estimated accuracy (single-label jobs);
3. ``loo_agreement`` — agreement with the majority of the other workers (every task type).

``quality_measure`` names which one, so that a change is only ever computed between two jobs of
the same measure. Gold is never used for ``quality``: ``gold_accuracy`` stays the independent
check beside it.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from crowdaudit.schema import COL, HISTORY

__all__ = ["QUALITY_MEASURES", "compute_history", "compute_newest_workers", "compute_quality_drops"]

QUALITY_MEASURES: Final = (COL.SKILL, COL.DS_ACCURACY, COL.LOO_AGREEMENT)
"""Columns a row's ``quality`` is taken from, first present and not null wins."""

MIN_OBJECTS_FOR_CHANGE: Final = 5
"""Objects a worker must have answered in both jobs for a change in quality to be reported."""


def _with_columns(workers: pl.DataFrame) -> pl.DataFrame:
    missing = [
        pl.lit(None, dtype).alias(name) for name, dtype in HISTORY.items() if name not in workers
    ]
    return workers.with_columns(missing) if missing else workers


def compute_history(workers: pl.DataFrame, answers: pl.DataFrame) -> pl.DataFrame:
    """One row per worker and job, jobs in the order they started (``schema.HISTORY``).

    Args:
        workers: the worker table, one row per worker and job (``job``, ``worker``,
            ``n_objects`` and any of the quality columns, gold and timing columns).
        answers: the responses (``job``, ``submitted_at``): a job starts with its first answer.

    Returns:
        ``job_order`` (1 for the job that started first), ``job``, ``job_started_at``,
        ``worker`` and the figures; rows sorted by job order, then by worker. Jobs without any
        timestamp come last, by name.

    Example:
        >>> from datetime import datetime, UTC
        >>> workers = pl.DataFrame({"job": ["b", "a"], "worker": ["w", "w"], "n_objects": [3, 4],
        ...                         "loo_agreement": [0.5, 1.0]})
        >>> answers = pl.DataFrame({"job": ["a", "b"], "submitted_at": [
        ...     datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)]})
        >>> compute_history(workers, answers).select("job_order", "job", "quality").rows()
        [(1, 'a', 1.0), (2, 'b', 0.5)]
    """
    starts = (
        answers.group_by(COL.JOB)
        .agg(pl.col(COL.SUBMITTED_AT).min().alias(COL.JOB_STARTED_AT))
        .sort(COL.JOB_STARTED_AT, COL.JOB, nulls_last=True)
        .with_row_index(COL.JOB_ORDER, offset=1)
        .with_columns(pl.col(COL.JOB_ORDER).cast(pl.Int64))
    )
    present = [name for name in QUALITY_MEASURES if name in workers.columns]
    table = _with_columns(workers.drop(COL.JOB_STARTED_AT, COL.JOB_ORDER, strict=False))
    quality = pl.coalesce([pl.col(name).cast(pl.Float64) for name in present] or [pl.lit(None)])
    measure = pl.lit(None, pl.String())
    for name in reversed(present):
        measure = pl.when(pl.col(name).is_not_null()).then(pl.lit(name)).otherwise(measure)
    table = table.with_columns(
        quality.cast(pl.Float64).alias(COL.QUALITY), measure.alias(COL.QUALITY_MEASURE)
    )
    table = table.drop(COL.JOB_STARTED_AT, COL.JOB_ORDER, strict=False).join(
        starts, on=COL.JOB, how="left"
    )
    return table.select([pl.col(name).cast(dtype) for name, dtype in HISTORY.items()]).sort(
        COL.JOB_ORDER, COL.WORKER, nulls_last=True
    )


def compute_quality_drops(history: pl.DataFrame, *, limit: int = 10) -> pl.DataFrame:
    """The workers whose quality fell most from their previous job to their latest one.

    Only a change between two jobs of the same ``quality_measure``, with at least
    :data:`MIN_OBJECTS_FOR_CHANGE` objects in each, is considered; rises are left out.

    Returns:
        ``worker``, ``previous_job``, ``job``, ``previous_quality``, ``quality``, ``change``
        (negative), largest fall first.
    """
    rated = history.filter(
        pl.col(COL.QUALITY).is_not_null() & (pl.col(COL.N_OBJECTS) >= MIN_OBJECTS_FOR_CHANGE)
    ).sort(COL.WORKER, COL.JOB_ORDER)
    by_worker = pl.col(COL.WORKER)
    changes = rated.with_columns(
        pl.col(COL.JOB).shift(1).over(by_worker).alias("previous_job"),
        pl.col(COL.QUALITY).shift(1).over(by_worker).alias("previous_quality"),
        pl.col(COL.QUALITY_MEASURE).shift(1).over(by_worker).alias("previous_measure"),
        pl.col(COL.JOB_ORDER).max().over(by_worker).alias("latest_order"),
    )
    return (
        changes.filter(
            (pl.col(COL.JOB_ORDER) == pl.col("latest_order"))
            & (pl.col("previous_measure") == pl.col(COL.QUALITY_MEASURE))
        )
        .with_columns((pl.col(COL.QUALITY) - pl.col("previous_quality")).alias("change"))
        .filter(pl.col("change") < 0)
        .sort("change", COL.WORKER)
        .select(COL.WORKER, "previous_job", COL.JOB, "previous_quality", COL.QUALITY, "change")
        .head(limit)
    )


def compute_newest_workers(history: pl.DataFrame, *, limit: int = 10) -> pl.DataFrame:
    """The workers who joined last: ``worker``, ``first_job``, ``first_submitted_at``,
    ``n_jobs``, ``n_objects`` and ``quality`` in their first job, newest first."""
    firsts = history.sort(COL.JOB_ORDER, COL.FIRST_SUBMITTED_AT, nulls_last=True).group_by(
        COL.WORKER, maintain_order=True
    )
    return (
        firsts.agg(
            pl.col(COL.JOB).first().alias("first_job"),
            pl.col(COL.JOB_ORDER).first().alias(COL.JOB_ORDER),
            pl.col(COL.FIRST_SUBMITTED_AT).min(),
            pl.len().cast(pl.Int64).alias(COL.N_JOBS),
            pl.col(COL.N_OBJECTS).sum(),
            pl.col(COL.QUALITY).first(),
        )
        .sort(
            [COL.JOB_ORDER, COL.FIRST_SUBMITTED_AT, COL.WORKER],
            descending=[True, True, False],
            nulls_last=True,
        )
        .drop(COL.JOB_ORDER)
        .head(limit)
    )
