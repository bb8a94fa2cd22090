"""The terminal's worker table: which workers to show, in what order, and a layout that fits.

Choosing rows is pure polars (:func:`select_workers`); laying out is pure arithmetic on the cell
texts (:func:`fit_columns`); :func:`render_worker_table` turns both into a Rich table. Workers to
check are always shown, whatever ``limit`` says: the table exists to find them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import polars as pl
from rich.table import Table
from rich.text import Text

from crowdaudit.report.figures import percent, percent_range
from crowdaudit.report.plain import printable
from crowdaudit.schema import COL

__all__ = [
    "ONLY_CHOICES",
    "SORT_CHOICES",
    "Column",
    "check_mask",
    "fit_columns",
    "render_check_list",
    "render_worker_table",
    "select_workers",
    "short_id",
]

SORT_CHOICES: Final = ("worst", "best", "objects")
ONLY_CHOICES: Final = ("check", "flagged")

_VERDICT: Final = COL.VERDICT
_VERDICT_REASON: Final = COL.VERDICT_REASON
_FLAG_REASON: Final = COL.FLAG_REASON
_ROW: Final = "__row"
_MIN_WORKER: Final = 12
_MIN_FLAGS: Final = 10
_VERDICT_STYLES: Final[Mapping[str, str]] = {"trusted": "green", "check": "bold yellow"}


def flag_columns(workers: pl.DataFrame) -> list[str]:
    """The boolean ``flag_*`` columns (``flag_reason`` is words, not a flag)."""
    return [c for c in workers.columns if c.startswith("flag_") and c != _FLAG_REASON]


def _flagged(workers: pl.DataFrame) -> pl.Expr:
    flags = flag_columns(workers)
    if not flags:
        return pl.lit(False)
    return pl.any_horizontal([pl.col(name).fill_null(False) for name in flags])


def check_mask(workers: pl.DataFrame) -> pl.Expr:
    """True for a worker to check: verdict ``check`` where verdicts exist, else any flag raised."""
    if _VERDICT in workers.columns:
        return pl.col(_VERDICT).eq("check").fill_null(False)
    return _flagged(workers)


def select_workers(
    workers: pl.DataFrame,
    *,
    sort: str = "best",
    only: str | None = None,
    min_objects: int = 0,
    limit: int | None = 25,
) -> tuple[pl.DataFrame, int]:
    """The rows to show and how many passed the filters.

    ``best`` keeps the table's order (best first); ``worst`` puts workers to check first, then the
    rest in reverse; ``objects`` puts the busiest first. ``limit`` cuts the list, but every worker to
    check stays, listed after the top rows in the same order.
    """
    if sort not in SORT_CHOICES:
        raise ValueError(f"sort must be one of {', '.join(SORT_CHOICES)}, not {sort!r}")
    if only is not None and only not in ONLY_CHOICES:
        raise ValueError(f"only must be one of {', '.join(ONLY_CHOICES)}, not {only!r}")
    table = workers.with_row_index(_ROW).with_columns(check_mask(workers).alias("__check"))
    table = table.filter(pl.col(COL.N_OBJECTS) >= min_objects)
    if only == "check":
        table = table.filter(pl.col("__check"))
    elif only == "flagged":
        table = table.filter(_flagged(workers))
    if sort == "worst":
        table = table.sort(["__check", _ROW], descending=[True, True])
    elif sort == "objects":
        table = table.sort([COL.N_OBJECTS, _ROW], descending=[True, False])
    passed = table.height
    if limit is not None:
        table = table.with_row_index("__pos").filter((pl.col("__pos") < limit) | pl.col("__check"))
    return table.drop([c for c in table.columns if c.startswith("__")]), passed


def short_id(worker: str, width: int) -> str:
    """``worker`` cut to ``width`` characters keeping its end, where ids differ
    (``public.us-east-1.7VRIL4…`` all start alike)."""
    return worker if len(worker) <= width else "…" + worker[len(worker) - width + 1 :]


@dataclass(frozen=True)
class Column:
    """One column of the table: its header, cell texts, how it aligns, and how much it is worth
    (the lowest ``keep`` goes first when the terminal is narrow; ``None`` never goes)."""

    header: str
    cells: list[str]
    keep: int | None
    justify: str = "right"
    flexible: bool = False

    @property
    def natural(self) -> int:
        return max([len(self.header), *(len(cell) for cell in self.cells)])


def _least(column: Column) -> int:
    if column.header == "worker":
        return min(column.natural, _MIN_WORKER)
    if column.flexible:
        return min(column.natural, _MIN_FLAGS)
    return column.natural


def fit_columns(columns: Sequence[Column], width: int | None) -> list[tuple[Column, int]]:
    """The columns kept and the width of each, so that the table fits ``width`` characters.

    A table is one border character plus, per column, its text and three more (two of padding,
    one of border). Low-value columns are dropped first; then the flags, and after them the
    worker id, take whatever room is left.
    """
    kept = list(columns)

    def needed(cols: Sequence[Column]) -> int:
        return 1 + sum(3 + _least(column) for column in cols)

    if width is not None:
        for column in sorted((c for c in columns if c.keep is not None), key=lambda c: c.keep or 0):
            if needed(kept) <= width:
                break
            kept.remove(column)
    widths = {id(column): _least(column) for column in kept}
    room = None if width is None else width - needed(kept)
    growing = [c for c in kept if c.flexible] + [c for c in kept if c.header == "worker"]
    for column in growing:
        extra = column.natural - widths[id(column)]
        grant = extra if room is None else max(0, min(extra, room))
        widths[id(column)] += grant
        room = None if room is None else room - grant
    return [(column, widths[id(column)]) for column in kept]


_NUMBERS: tuple[tuple[str, str, str, int], ...] = (
    # (header, source column, how shown, worth); a column null for every worker is left out.
    ("gold", COL.GOLD_ACCURACY, "percent", 90),
    ("95% CI", COL.GOLD_ACCURACY_LOW, "interval", 20),
    ("skill", COL.SKILL, "percent", 95),
    ("90% CI", COL.SKILL_LOW, "interval", 25),
    ("consensus", COL.CONSENSUS_AGREEMENT, "percent", 60),
    ("LOO", COL.LOO_AGREEMENT, "percent", 30),
    ("spam", COL.SPAM_SCORE, "score", 70),
    ("median s", COL.MEDIAN_SECONDS, "seconds", 50),
)
_HIGH: Final[Mapping[str, str]] = {
    COL.GOLD_ACCURACY_LOW: COL.GOLD_ACCURACY_HIGH,
    COL.SKILL_LOW: COL.SKILL_HIGH,
}


def _format(row: Mapping[str, Any], column: str, kind: str) -> str:
    value = row[column]
    if value is None:
        return "" if kind == "interval" else "–"
    if kind == "interval":
        high = row.get(_HIGH[column])
        return "" if high is None else percent_range(value, high, unit="")
    if kind == "seconds":
        return f"{value:.1f}"
    if kind == "score":
        return f"{value:.2f}"
    return percent(value)


def _flag_words(row: Mapping[str, Any], flags: Sequence[str]) -> str:
    return ", ".join(name.removeprefix("flag_").replace("_", " ") for name in flags if row[name])


def _columns(shown: pl.DataFrame, workers: pl.DataFrame) -> list[Column]:
    rows = shown.to_dicts()
    columns = [Column("#", [str(i) for i in range(1, len(rows) + 1)], keep=10)]
    if workers.select(pl.col(COL.JOB).n_unique()).item() > 1:
        columns.append(Column("job", [printable(row[COL.JOB]) for row in rows], 35, "left"))
    columns.append(Column("worker", [printable(row[COL.WORKER]) for row in rows], None, "left"))
    columns.append(Column("objects", [f"{row[COL.N_OBJECTS]:,}" for row in rows], 80))
    for header, source, kind, worth in _NUMBERS:
        if source in workers.columns and workers.get_column(source).null_count() < workers.height:
            columns.append(Column(header, [_format(row, source, kind) for row in rows], worth))
    if _VERDICT in workers.columns:
        columns.append(Column("verdict", [row[_VERDICT] or "" for row in rows], None, "left"))
    flags = flag_columns(workers)
    if flags and workers.select(_flagged(workers).any()).item():
        cells = [_flag_words(row, flags) for row in rows]
        columns.append(Column("flags", cells, None, "left", flexible=True))
    return columns


def _title(workers: pl.DataFrame, shown: pl.DataFrame, passed: int, n_check: int) -> str:
    title = f"Workers ({workers.height})"
    if passed < workers.height:
        title += f", {passed} match the filters"
    if shown.height < passed:
        title += f", {shown.height} shown"
    if n_check:
        title += f"; {n_check} to check, all shown"
    return title


def _cell(column: Column, text: str, width: int) -> Text:
    if column.header == "worker":
        return Text(short_id(text, width))
    if column.header == "verdict":
        return Text(text, style=_VERDICT_STYLES.get(text, ""))
    if column.header == "flags":
        return Text(text, style="bold red")
    return Text(text, style="dim" if column.header.endswith("CI") else "")


def render_worker_table(
    workers: pl.DataFrame,
    *,
    limit: int | None = 25,
    width: int | None = None,
    sort: str = "best",
    only: str | None = None,
    min_objects: int = 0,
) -> Table:
    """The worker table, at most ``limit`` rows plus every worker to check (all when ``None``).

    With ``width`` (the terminal's), low-value columns are dropped and worker ids cut, keeping
    their distinct end, so that the table fits; the output files hold everything whole.
    """
    shown, passed = select_workers(
        workers, sort=sort, only=only, min_objects=min_objects, limit=limit
    )
    n_check = shown.select(check_mask(workers).sum()).item() if shown.height else 0
    fitted = fit_columns(_columns(shown, workers), width)
    table = Table(
        title=_title(workers, shown, passed, n_check), title_justify="left", header_style="bold"
    )
    for column, size in fitted:
        table.add_column(
            column.header,
            justify="left" if column.justify == "left" else "right",
            width=size,
            no_wrap=not column.flexible,
            overflow="fold" if column.flexible else "ellipsis",
        )
    for index in range(shown.height):
        table.add_row(*(_cell(column, column.cells[index], size) for column, size in fitted))
    return table


def render_check_list(workers: pl.DataFrame, *, width: int | None = None) -> list[Text]:
    """One line per worker to check: the distinct end of the id and why, in words."""
    rows = workers.filter(check_mask(workers)).to_dicts()
    flags = flag_columns(workers)
    lines = [Text(f"To check ({len(rows)}), and why:", style="bold")] if rows else []
    for row in rows:
        why = row.get(_VERDICT_REASON) or row.get(_FLAG_REASON) or _flag_words(row, flags)
        worker = printable(row[COL.WORKER])
        if width is not None:
            worker = short_id(worker, max(_MIN_WORKER, min(len(worker), width // 3)))
        lines.append(
            Text.assemble(("check ", "bold yellow"), worker, "  ", printable(str(why or "")))
        )
    return lines
