"""The contribution ledger beside the audit's quality: verdict and skill next to each payout
(pure), and the worker-contribution notebook's CSV.

A person may answer under several worker ids (one per region) and in several jobs. Their verdict
is the least favourable of their rows — ``check`` over ``ok`` over ``trusted`` over ``not enough
data`` — so that a payout list never hides a worker to check; their skill is the mean of their
rows' skill weighted by objects answered.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from crowdaudit.metrics.contributions import JOIN_SEPARATOR
from crowdaudit.schema import COL, LEDGER_QUALITY, SEED_CSV

__all__ = ["QUALITY_COLUMNS", "SEED_CSV_COLUMNS", "has_personal_data", "seed_csv", "with_quality"]

QUALITY_COLUMNS: Final = tuple(LEDGER_QUALITY)
SEED_CSV_COLUMNS: Final = tuple(SEED_CSV)
_ORDER: Final = ("check", "ok", "trusted", "not enough data")


def with_quality(ledger: pl.DataFrame, workers: pl.DataFrame) -> pl.DataFrame:
    """``ledger`` (``schema.CONTRIBUTIONS`` or ``CONTRIBUTIONS_BY_JOB``), in its order, with
    ``verdict``, ``verdict_reason`` and ``skill`` from the audit's ``workers`` table."""
    by_job = COL.JOB in ledger.columns
    keys = [COL.JOB] if by_job else []
    rows = ledger.with_row_index("_row").with_columns(
        pl.col(COL.WORKER).str.split(JOIN_SEPARATOR).alias("_id")
    )
    exploded = rows.select("_row", *keys, "_id").explode("_id")
    quality = workers.select(
        *keys,
        pl.col(COL.WORKER).alias("_id"),
        pl.col(COL.N_OBJECTS).alias("_n"),
        COL.SKILL,
        COL.VERDICT,
        COL.VERDICT_REASON,
        pl.col(COL.VERDICT)
        .replace_strict({v: i for i, v in enumerate(_ORDER)}, default=len(_ORDER))
        .alias("_rank"),
    )
    joined = exploded.join(quality, on=[*keys, "_id"], how="inner")
    weight = pl.when(pl.col(COL.SKILL).is_not_null()).then(pl.col("_n")).otherwise(0)
    person = joined.group_by("_row").agg(
        pl.col(COL.VERDICT).sort_by("_rank").first(),
        pl.col(COL.VERDICT_REASON).sort_by("_rank").first(),
        # Weights normalised first: one identity's share is exactly 1, so its skill is copied
        # bit for bit (skill * n / n can differ from skill in the last bit).
        (pl.col(COL.SKILL).fill_null(0) * (weight / weight.sum())).sum().alias(COL.SKILL),
    )
    person = person.with_columns(
        pl.when(pl.col(COL.SKILL).is_finite()).then(pl.col(COL.SKILL)).alias(COL.SKILL)
    )
    out = rows.join(person, on="_row", how="left", maintain_order="left")
    return out.drop("_row", "_id")


def has_personal_data(ledger: pl.DataFrame) -> bool:
    """Whether the ledger names anyone: a user name or an e-mail in some row."""
    return any(
        name in ledger.columns and ledger.get_column(name).drop_nulls().len() > 0
        for name in (COL.USERNAME, COL.EMAIL)
    )


def seed_csv(ledger: pl.DataFrame) -> pl.DataFrame:
    """What the worker-contribution notebook writes: ``username``, ``user_sub`` (the Cognito
    sub; the worker id for a worker without one) and ``label_count`` (answers), one row per person."""
    if COL.JOB in ledger.columns:
        raise ValueError("the seed CSV has one row per person, not per person and job")
    return ledger.select(
        pl.col(COL.USERNAME),
        pl.coalesce(COL.SUB, COL.WORKER).alias(COL.USER_SUB),
        pl.col(COL.N_ANSWERS).alias(COL.LABEL_COUNT),
    )
