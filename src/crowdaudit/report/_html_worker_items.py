"""Server-side HTML: the items each worker to check answered, next to the job's label for them.

A reviewer who reads "check this worker" wants the evidence: what they answered, what the job
now believes (the recommended label and its probability), how the votes fell, and where the data
object is. One block per worker to check (the same workers, in the same order, as the "who to
check" list, whose links point here), at most ``cap`` items each: the answers that differ from
the recommended label first, then the least certain. ``items.csv`` holds them all.

Every value is written by workers or read from their files, so all of it goes through
:func:`html.escape`; a ``source_ref`` becomes a link only when it is an ``http(s)`` URL (an
``s3://`` URI or a path is shown as text).
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Final
from urllib.parse import urlsplit

import polars as pl

from crowdaudit.report.figures import percent
from crowdaudit.report.worker_table import check_mask
from crowdaudit.schema import COL

__all__ = ["ITEMS_CAP", "items_anchor", "render_worker_items"]

ITEMS_CAP: Final = 25
"""Items shown per worker to check; the page says so, and ``items.csv`` holds the rest."""

_ANSWER: Final = "__answer"
_DIFFERS: Final = "__differs"
_POSITION: Final = "__position"


def items_anchor(position: int) -> str:
    """The id of the block of the ``position``-th worker to check (0-based)."""
    return f"items-{position + 1}"


def _source(value: object) -> str:
    if not isinstance(value, str) or not value:
        return "–"
    text = f"<code>{escape(value)}</code>"
    if urlsplit(value).scheme.lower() in {"http", "https"}:
        return f'<a href="{escape(value, quote=True)}" rel="noopener noreferrer">{text}</a>'
    return text


def _probability(value: object) -> str:
    return percent(value, 0) if isinstance(value, float) else "–"


def _text(value: object) -> str:
    return "–" if value is None else escape(str(value))


_FIGURES: Final = (COL.LABEL, COL.LABEL_PROBABILITY, COL.VOTES, COL.SOURCE_REF)
"""The item's columns shown beside a worker's answer (null where the items lack one)."""


def _item_figures(items: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """One row per object: its keys and :data:`_FIGURES`, made once for every worker's block."""
    return items.select(
        *keys,
        *[pl.col(c) if c in items.columns else pl.lit(None).alias(c) for c in _FIGURES],
    ).unique(keys)


def _answers_by_worker(
    answers: pl.DataFrame, figures: pl.DataFrame, keys: list[str], chosen: pl.DataFrame
) -> dict[int, tuple[list[dict[str, object]], int]]:
    """For each worker of ``chosen`` (by row position): their last answer per object joined to
    the item's figures, most telling first (at most :data:`ITEMS_CAP`), and how many objects
    they answered. One pass over the answers for every worker, not one per worker."""
    who = list(chosen.columns)
    mine = (
        answers.join(chosen.with_row_index(_POSITION), on=who, how="inner", maintain_order="left")
        .unique([*keys, COL.WORKER], keep="last", maintain_order=True)
        .select(_POSITION, *keys, pl.col(COL.LABEL).cast(pl.String).alias(_ANSWER))
    )
    joined = (
        mine.join(figures, on=keys, how="left", maintain_order="left")
        .with_columns(
            (pl.col(_ANSWER) != pl.col(COL.LABEL).cast(pl.String)).fill_null(False).alias(_DIFFERS)
        )
        .sort(
            [_POSITION, _DIFFERS, COL.LABEL_PROBABILITY],
            descending=[False, True, False],
            nulls_last=True,
            maintain_order=True,
        )
    )
    counts = dict(joined.group_by(_POSITION).len().iter_rows())
    shown: dict[int, list[dict[str, object]]] = {}
    for item in joined.group_by(_POSITION, maintain_order=True).head(ITEMS_CAP).to_dicts():
        shown.setdefault(int(item.pop(_POSITION)), []).append(item)
    return {position: (shown[position], counts[position]) for position in shown}


def _block(position: int, row: Mapping[str, object], shown: list[dict[str, object]], n: int) -> str:
    worker = escape(str(row[COL.WORKER]))
    head = (
        f'<h3><span class="mono">{worker}</span> <span class="job">{_text(row.get(COL.JOB))}</span>'
        "</h3>"
    )
    if not shown:
        return (
            f'<div class="worker-items" id="{items_anchor(position)}">{head}'
            '<p class="note">No item of this worker is in the job\'s items.</p></div>'
        )
    lines = "".join(
        f'<tr class="{"differs" if item[_DIFFERS] else "same"}"><td class="mono">'
        f"{_text(item[COL.TASK])}</td><td>{_text(item[_ANSWER])}</td>"
        f"<td>{_text(item[COL.LABEL])}</td>"
        f'<td class="num">{_probability(item[COL.LABEL_PROBABILITY])}</td>'
        f"<td>{_text(item[COL.VOTES])}</td><td>{_source(item[COL.SOURCE_REF])}</td></tr>"
        for item in shown
    )
    count = f"{len(shown):,} of {n:,} items" if n > len(shown) else f"all {n:,} items"
    return (
        f'<div class="worker-items" id="{items_anchor(position)}">{head}'
        f'<p class="note">{count}, answers unlike the recommended label first.</p>'
        '<div class="table-wrap"><table class="items"><thead><tr><th>object</th>'
        "<th>their answer</th><th>recommended label</th><th>probability</th><th>votes</th>"
        f"<th>data object</th></tr></thead><tbody>{lines}</tbody></table></div></div>"
    )


def render_worker_items(
    workers: pl.DataFrame, answers: pl.DataFrame, items: pl.DataFrame, *, max_workers: int = 50
) -> str:
    """The "items of the workers to check" section: one block per worker to check (the first
    ``max_workers``, as the check list), empty when nobody is to check or the items have no
    recommended label (tasks other than single-label classification)."""
    keys = [COL.TASK]
    if COL.JOB in answers.columns and COL.JOB in items.columns and COL.JOB in workers.columns:
        keys = [COL.JOB, COL.TASK]
    if COL.LABEL not in items.columns or COL.TASK not in items.columns:
        return ""
    checked = workers.filter(check_mask(workers)).head(max_workers)
    if checked.is_empty():
        return ""
    who = [COL.WORKER, COL.JOB] if COL.JOB in keys else [COL.WORKER]
    found = _answers_by_worker(answers, _item_figures(items, keys), keys, checked.select(who))
    blocks = [
        _block(position, row, *found.get(position, ([], 0)))
        for position, row in enumerate(checked.to_dicts())
    ]
    return (
        '<section id="worker-items"><h2>Items of the workers to check</h2>'
        f'<p class="note">Up to {ITEMS_CAP} items per worker: the answers that differ from the '
        "recommended label first, then the least certain. Every item is in "
        "<code>items.csv</code>; filter its <code>workers</code> column.</p>"
        f"{''.join(blocks)}</section>"
    )
