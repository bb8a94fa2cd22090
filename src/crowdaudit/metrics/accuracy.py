"""Accuracy of labels against gold, the one definition every figure of ``label_accuracy`` and
``consolidated_gold_accuracy`` uses (pure)."""

from __future__ import annotations

import polars as pl

from crowdaudit.schema import COL

__all__ = ["compute_label_accuracy"]


def compute_label_accuracy(
    table: pl.DataFrame, *, label: str, gold: str = COL.GOLD
) -> float | None:
    """The share of rows whose ``label`` equals their ``gold``, over the rows that have both;
    ``None`` when no row has both.

    >>> table = pl.DataFrame({"label": ["a", "b", None, "a"], "gold": ["a", "a", "b", None]})
    >>> compute_label_accuracy(table, label="label")
    0.5
    """
    scored = table.filter(pl.col(gold).is_not_null() & pl.col(label).is_not_null())
    if scored.height == 0:
        return None
    return float(scored.select((pl.col(label) == pl.col(gold)).mean()).item())
