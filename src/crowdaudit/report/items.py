"""``items.csv`` for every task type (pure).

Single-label jobs get their items from the skill estimators (majority vote, Dawid-Skene label and
posterior). Types compared by a similarity — label sets, boxes, entities, masks, custom values —
get one row per object built here from the answers (``schema.ITEMS_BY_SIMILARITY``), least agreed
first: the objects worth another look. Every items table then gains what the label's metadata
says (``schema.LABEL_DETAILS``) and the object's ``source_ref``.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from crowdaudit.metrics.workers import latest_answers
from crowdaudit.schema import COL, ITEMS_BY_SIMILARITY, LABEL_DETAILS
from crowdaudit.tasks.base import TaskType, compute_peer_similarity

__all__ = ["build_similarity_items", "with_object_details", "with_votes"]


def build_similarity_items(answers: pl.DataFrame, task: TaskType) -> pl.DataFrame:
    """One row per job and object of ``answers`` (responses with ``consolidated``, ``gold`` and
    their similarities, :func:`crowdaudit.metrics.workers.with_similarities`), each worker's last
    answer counted once.

    * ``mean_consensus_similarity``: mean of ``sim(answer, consolidated)``;
    * ``mean_gold_similarity``: mean of ``sim(answer, gold)``;
    * ``mean_peer_similarity``: mean over answers of their mean similarity to the object's other
      answers (null for an object with one answer).
    """
    latest = latest_answers(answers).filter(pl.col(COL.LABEL).is_not_null())
    latest = latest.with_columns(compute_peer_similarity(task, latest).alias("_peer"))
    items = latest.group_by(COL.JOB, COL.TASK).agg(
        pl.len().alias(COL.N_ANSWERS),
        pl.col(COL.WORKER).sort().str.join(";").alias(COL.WORKERS),
        pl.col(COL.CONSENSUS_SIMILARITY).mean().alias(COL.MEAN_CONSENSUS_SIMILARITY),
        pl.col(COL.GOLD_SIMILARITY).mean().alias(COL.MEAN_GOLD_SIMILARITY),
        pl.col("_peer").mean().alias(COL.MEAN_PEER_SIMILARITY),
        pl.col(COL.CONSOLIDATED).first(),
        pl.col(COL.GOLD).first(),
        pl.lit(None, pl.String).alias(COL.SOURCE_REF),
    )
    return items.select(
        pl.col(name).cast(dtype) for name, dtype in ITEMS_BY_SIMILARITY.items()
    ).sort(
        COL.MEAN_PEER_SIMILARITY,
        COL.JOB,
        pl.col(COL.TASK).str.len_chars(),
        COL.TASK,
        nulls_last=True,
        maintain_order=True,
    )


def with_votes(items: pl.DataFrame, answers: pl.DataFrame) -> pl.DataFrame:
    """``items`` of single-label jobs, in the same order, with what a reviewer needs beside the
    label: ``votes`` (every answered label with its count, most voted first, as
    ``Canary=3; Sparrow=2``) and ``workers`` (who answered, ``;``-separated), each worker's last
    answer counted once."""
    if items.height == 0:
        return items
    needed = answers.select(COL.JOB, COL.TASK, COL.WORKER, COL.LABEL, COL.SUBMITTED_AT)
    latest = latest_answers(needed).filter(pl.col(COL.LABEL).is_not_null())
    latest = latest.select(COL.JOB, COL.TASK, COL.WORKER, pl.col(COL.LABEL).cast(pl.String))
    counts = latest.group_by(COL.JOB, COL.TASK, COL.LABEL).agg(pl.len().alias("_n"))
    counts = counts.sort(["_n", COL.LABEL], descending=[True, False]).select(
        COL.JOB, COL.TASK, (pl.col(COL.LABEL) + "=" + pl.col("_n").cast(pl.String)).alias(COL.VOTES)
    )
    # Rows sorted first, then gathered into lists and joined: the same texts as sorting and
    # joining strings inside each group, several times faster.
    votes = _joined(counts, COL.VOTES, "; ")
    who = _joined(latest.select(COL.JOB, COL.TASK, COL.WORKER).sort(COL.WORKER), COL.WORKER, ";")
    who = who.rename({COL.WORKER: COL.WORKERS})
    extra = [c for c in (COL.VOTES, COL.WORKERS) if c in items.columns]
    rows = items.drop(extra).join(votes, on=[COL.JOB, COL.TASK], how="left", maintain_order="left")
    return rows.join(who, on=[COL.JOB, COL.TASK], how="left", maintain_order="left")


def _joined(rows: pl.DataFrame, column: str, separator: str) -> pl.DataFrame:
    """``column``'s values of each job and task, in row order, joined by ``separator``."""
    # A group-by keeps the rows' order within each group whatever the order of the groups.
    lists = rows.group_by(COL.JOB, COL.TASK).agg(pl.col(column))
    return lists.with_columns(pl.col(column).list.join(separator))


def with_object_details(
    items: pl.DataFrame, objects: Sequence[tuple[str, pl.DataFrame, pl.DataFrame | None]]
) -> pl.DataFrame:
    """``items`` (columns ``job``, ``task``…) with each object's ``source_ref`` and label details,
    in the same order.

    Args:
        items: the items table of one or more jobs.
        objects: per job, its name, its ``task, source`` table and its label details
            (``schema.LABEL_DETAILS``) or ``None``.
    """
    if items.height == 0:
        return items
    refs = pl.concat(
        [
            sources.select(COL.TASK, pl.col("source").alias("_source")).with_columns(
                pl.lit(job, pl.String).alias(COL.JOB)
            )
            for job, sources, _ in objects
        ],
        how="vertical_relaxed",
    )
    rows = items.join(refs, on=[COL.JOB, COL.TASK], how="left", maintain_order="left")
    source = pl.col("_source")
    if COL.SOURCE_REF in rows.columns:
        source = pl.coalesce(pl.col(COL.SOURCE_REF), source)
    rows = rows.with_columns(source.alias(COL.SOURCE_REF)).drop("_source")
    known = [
        details.with_columns(pl.lit(job, pl.String).alias(COL.JOB))
        for job, _, details in objects
        if details is not None
    ]
    if not known:
        return rows
    extra = [name for name in LABEL_DETAILS if name != COL.TASK and name not in rows.columns]
    table = pl.concat(known, how="vertical_relaxed").select(COL.JOB, COL.TASK, *extra)
    # Only what some object's metadata says: a classification job has no adjustment status.
    said = [name for name in extra if table.get_column(name).null_count() < table.height]
    table = table.select(COL.JOB, COL.TASK, *said)
    return rows.join(table, on=[COL.JOB, COL.TASK], how="left", maintain_order="left")
