"""The per-worker table: accuracy on gold, agreement, time (pure, vectorised with polars).

Input is an *answers* table: the responses table (``schema.RESPONSES``) with two label columns
joined on, ``consolidated`` and ``gold`` (null where unknown).

When a worker answered the same object more than once (not an exact duplicate), accuracy and
agreement use the last answer submitted; time and first/last activity count every answer.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import polars as pl

from crowdaudit.metrics._encoding import IntArray
from crowdaudit.metrics.intervals import wilson_interval
from crowdaudit.schema import COL, SEED_KEYS, WORKERS, SeedFigures
from crowdaudit.tasks.base import TaskType, compute_peer_similarity, compute_similarity

__all__ = [
    "compute_loo_agreement",
    "compute_seed_metrics",
    "compute_worker_table",
    "latest_answers",
    "rank_workers",
    "with_similarities",
]


def _codes(column: pl.Series) -> pl.Series:
    """An integer code per value of ``column`` (UInt32; one code per distinct value, nulls
    stay null). Strings are hashed once through an ``Enum`` of their distinct values, so later
    group-bys and joins work on integers."""
    if column.dtype == pl.String:
        return column.cast(pl.Enum(column.drop_nulls().unique())).to_physical()
    return column.rank("dense").cast(pl.UInt32)


def _coded(answers: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    return pl.DataFrame([_codes(answers.get_column(name)) for name in names])


def latest_answers(answers: pl.DataFrame) -> pl.DataFrame:
    """One answer per job, task and worker: the last one submitted."""
    names = [COL.JOB, COL.TASK, COL.WORKER]
    # Most tables have no repeated answer: one check on the strings then settles it, and a
    # table already in submission order (or with no times) needs no reordering.
    if not answers.select(names).is_duplicated().any():
        if answers.get_column(COL.SUBMITTED_AT).is_sorted(nulls_last=False):
            return answers
        return answers.sort(COL.SUBMITTED_AT, nulls_last=False, maintain_order=True)
    order = answers.select(
        pl.int_range(pl.len(), dtype=pl.UInt32)
        .sort_by(COL.SUBMITTED_AT, nulls_last=False, maintain_order=True)
        .alias("_row")
    ).to_series()
    keys = _coded(answers, names)[order]
    keep = keys.with_columns(order).unique(
        subset=[COL.JOB, COL.TASK, COL.WORKER], keep="last", maintain_order=True
    )
    return answers[keep.get_column("_row")]


def compute_loo_agreement(answers: pl.DataFrame) -> pl.Series:
    """For each answer, whether it equals the majority of the *other* workers' answers on its task.

    Needs columns ``job, task, worker, label`` with one answer per job, task and worker. With ``c``
    the number of answers on the task carrying the worker's label, the other workers' majority is
    the worker's label exactly when ``c - 1`` exceeds the count of every other label. Ties among the
    others count as disagreement. The result is null where nobody else answered the task. A missing
    label counts as one more label for the others; its own answer is false when the top count is
    shared and null otherwise.

    Example: answers A, A, B on one task give True, True, False; A, B gives False, False.
    """
    coded = _coded(answers, [COL.JOB, COL.TASK, COL.LABEL])
    if coded.height == 0:
        return pl.Series(COL.LOO_AGREEMENT, [], dtype=pl.Boolean)
    job, task, label = (_filled_codes(coded.get_column(name)) for name in coded.columns)
    group = _dense(job * int(task.max() + 1) + task)
    # Cells are (task, label) pairs numbered in key order, so each task's cells are contiguous.
    cell = _dense(group * int(label.max() + 1) + label)
    count = np.bincount(cell)
    of_cell = np.empty(count.size, dtype=np.int64)
    of_cell[cell] = group
    starts = np.flatnonzero(np.r_[True, of_cell[1:] != of_cell[:-1]])
    top = np.maximum.reduceat(count, starts)
    second = np.maximum.reduceat(np.where(count < top[of_cell], count, 0), starts)
    # Each label of count c fills c rows, so the top count is unique when c == top fills c rows.
    rows_top = np.add.reduceat(np.where(count == top[of_cell], count, 0), starts)
    c, top_row = count[cell], top[group]
    unique_top = rows_top[group] == top_row
    agrees = (c == top_row) & unique_top & (c - 1 > second[group])
    missing = coded.get_column(COL.LABEL).is_null().to_numpy()
    # A missing label's own answer is false when the top count is shared, else unknown.
    unknown = (np.bincount(group)[group] < 2) | (missing & unique_top)
    result = pl.Series(COL.LOO_AGREEMENT, agrees & ~missing, dtype=pl.Boolean)
    return result.scatter(np.flatnonzero(unknown), None)


def _filled_codes(codes: pl.Series) -> IntArray:
    """The codes as int64, a null as one more code of its own (as a group-by keys it)."""
    top = codes.max()
    filled = codes.fill_null(0 if top is None else cast(int, top) + 1)
    return filled.to_numpy().astype(np.int64)


def _dense(keys: IntArray) -> IntArray:
    """Consecutive codes ``0..n-1`` for the distinct ``keys``, in key order."""
    if int(keys.max()) < 1 << 22:  # a small range: count, no sort
        present = np.bincount(keys) > 0
        return (np.cumsum(present) - 1)[keys]
    codes: IntArray = np.unique(keys, return_inverse=True)[1].reshape(-1)
    return codes


def _share(hits: str, total: str) -> pl.Expr:
    return pl.when(pl.col(total) > 0).then(pl.col(hits) / pl.col(total))


def with_similarities(answers: pl.DataFrame, task: TaskType | None = None) -> pl.DataFrame:
    """Add ``gold_similarity`` and ``consensus_similarity``: how close each answer is to the gold
    and the consolidated label, in [0, 1] (null where that label is unknown). Single-label types,
    and ``task=None``, compare for equality."""
    if task is None or task.exact:
        return answers.with_columns(
            (pl.col(COL.LABEL) == pl.col(COL.GOLD)).cast(pl.Float64).alias(COL.GOLD_SIMILARITY),
            (pl.col(COL.LABEL) == pl.col(COL.CONSOLIDATED))
            .cast(pl.Float64)
            .alias(COL.CONSENSUS_SIMILARITY),
        )
    label = answers.get_column(COL.LABEL)
    return answers.with_columns(
        compute_similarity(task, label, answers.get_column(COL.GOLD)).alias(COL.GOLD_SIMILARITY),
        compute_similarity(task, label, answers.get_column(COL.CONSOLIDATED)).alias(
            COL.CONSENSUS_SIMILARITY
        ),
    )


def compute_worker_table(answers: pl.DataFrame, *, task: TaskType | None = None) -> pl.DataFrame:
    """The worker table (README, "The worker table"), one row per job and worker (``schema.WORKERS``).

    Needs columns ``job, task, worker, label, consolidated, gold, seconds, submitted_at``, and uses
    ``gold_similarity``/``consensus_similarity`` when present (:func:`with_similarities`).

    * ``gold_accuracy = gold_correct / n_gold`` with a Wilson 95% interval; null when ``n_gold`` is
      0. For single-label types ``gold_correct`` counts exact matches; for the others it is the sum
      of similarities, so the accuracy is their mean.
    * ``consensus_agreement``: mean similarity to the consolidated label over the ``n_consensus``
      objects that have one (for single-label types, the share of matches). Objects whose
      consolidation failed are not counted.
    * ``loo_agreement``: over the ``n_loo`` objects answered by someone else, for single-label
      types the share where the answer equals the majority of the others
      (:func:`compute_loo_agreement`); for the others the mean similarity to the other answers.
    * ``median_seconds``/``total_seconds`` over answers with a known time; null when none is known.
    """
    if COL.GOLD_SIMILARITY not in answers.columns:
        answers = with_similarities(answers, task)
    keys = [COL.JOB, COL.WORKER]
    latest = latest_answers(answers)
    if task is None or task.exact:
        peers = compute_loo_agreement(latest).cast(pl.Float64)
    else:
        peers = compute_peer_similarity(task, latest)
    latest = latest.with_columns(peers.alias(COL.LOO_AGREEMENT))
    quality = latest.group_by(keys).agg(
        pl.len().alias(COL.N_OBJECTS),
        pl.col(COL.GOLD_SIMILARITY).count().alias(COL.N_GOLD),
        pl.col(COL.GOLD_SIMILARITY).sum().alias(COL.GOLD_CORRECT),
        pl.col(COL.CONSENSUS_SIMILARITY).count().alias(COL.N_CONSENSUS),
        pl.col(COL.CONSENSUS_SIMILARITY).sum().alias("_consensus_hits"),
        pl.col(COL.LOO_AGREEMENT).count().alias(COL.N_LOO),
        pl.col(COL.LOO_AGREEMENT).sum().alias("_loo_hits"),
    )
    timing = answers.group_by(keys).agg(
        pl.col(COL.SECONDS).median().alias(COL.MEDIAN_SECONDS),
        pl.when(pl.col(COL.SECONDS).count() > 0)
        .then(pl.col(COL.SECONDS).sum())
        .alias(COL.TOTAL_SECONDS),
        pl.col(COL.SUBMITTED_AT).min().alias(COL.FIRST_SUBMITTED_AT),
        pl.col(COL.SUBMITTED_AT).max().alias(COL.LAST_SUBMITTED_AT),
    )
    low, high = wilson_interval(pl.col(COL.GOLD_CORRECT), pl.col(COL.N_GOLD))
    table = quality.join(timing, on=keys, how="left").with_columns(
        _share(COL.GOLD_CORRECT, COL.N_GOLD).alias(COL.GOLD_ACCURACY),
        low.alias(COL.GOLD_ACCURACY_LOW),
        high.alias(COL.GOLD_ACCURACY_HIGH),
        _share("_consensus_hits", COL.N_CONSENSUS).alias(COL.CONSENSUS_AGREEMENT),
        _share("_loo_hits", COL.N_LOO).alias(COL.LOO_AGREEMENT),
    )
    table = table.select([pl.col(name).cast(dtype) for name, dtype in WORKERS.items()])
    if task is not None:
        extra = _type_columns(latest, task)
        if extra is not None:
            table = table.join(extra, on=COL.WORKER, how="left")
    return rank_workers(table)


def _type_columns(latest: pl.DataFrame, task: TaskType) -> pl.DataFrame | None:
    """The task type's own worker columns, against gold where known, else the consolidated label."""
    pairs = latest.select(
        COL.WORKER,
        pl.col(COL.LABEL).alias("answer"),
        pl.coalesce(COL.GOLD, COL.CONSOLIDATED).alias("reference"),
    )
    return task.worker_columns(pairs)


def rank_workers(table: pl.DataFrame) -> pl.DataFrame:
    """Best first: by the lower Wilson bound on gold (which discounts small samples), then by the
    lower end of the estimated skill where the table has it, then by leave-one-out agreement, then
    by objects; ties by worker id so the order is reproducible."""
    keys = [COL.JOB, COL.GOLD_ACCURACY_LOW, COL.SKILL_LOW, COL.LOO_AGREEMENT, COL.N_OBJECTS]
    keys = [key for key in keys if key in table.columns]
    return table.sort(
        [*keys, COL.WORKER],
        descending=[False, *([True] * (len(keys) - 1)), False],
        nulls_last=True,
    )


def compute_seed_metrics(answers: pl.DataFrame) -> dict[str, SeedFigures]:
    """The seed notebook's per-worker JSON, keyed by worker id, from its own definitions.

    Every answer counts (as in the notebook). The two averages are the means of the
    ``consensus_similarity`` and ``gold_similarity`` columns over answers with a consolidated,
    resp. gold, label; where there is none the value is ``None`` (the notebook wrote 0 for gold and
    let failed objects count as -1). When ``answers`` lacks those columns they are computed by
    comparing the label texts for equality (:func:`with_similarities` without a task type), so the
    averages are then shares of exact matches whatever the task type; pass answers that went
    through ``with_similarities(answers, task)`` for the type's own similarity.
    """
    total, golden, vs_consensus, vs_gold = SEED_KEYS
    if COL.GOLD_SIMILARITY not in answers.columns:
        answers = with_similarities(answers)
    per_worker = (
        answers.group_by(COL.WORKER)
        .agg(
            pl.len().alias(total),
            pl.col(COL.GOLD).is_not_null().sum().alias(golden),
            pl.col(COL.CONSENSUS_SIMILARITY).mean().alias(vs_consensus),
            pl.col(COL.GOLD_SIMILARITY).mean().alias(vs_gold),
        )
        .sort(COL.WORKER)
    )
    return {
        row.pop(COL.WORKER): cast(SeedFigures, {key: row[key] for key in SEED_KEYS})
        for row in per_worker.iter_rows(named=True)
    }
