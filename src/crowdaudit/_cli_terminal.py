"""The command line's looks: ``--help`` in words, progress bars, and what the worker table shows."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Final

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text
from typer import rich_utils
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from crowdaudit.report.worker_table import ONLY_CHOICES, SORT_CHOICES

__all__ = [
    "MinObjectsOpt",
    "OnlyOpt",
    "PlainGroup",
    "PlainHelp",
    "ProgressBars",
    "SortOpt",
    "View",
    "help_width",
]

_METAVARS: Final = {"bool": "", "int": "N", "float": "NUMBER", "Path": "PATH"}


def _no_type(ctx: object) -> None:
    """An argument's type, in ``--help``: its name already says what it is."""


def _name_values(params: Sequence[object]) -> None:
    """Name values in ``--help`` in words (``PATH``, ``N``), never as Python types (``<bool>``
    on a plain flag, ``<list[str]>``); a flag that is off by default has no ``--no-`` form."""
    for param in params:
        if not isinstance(param, TyperOption | TyperArgument) or param.metavar is not None:
            continue
        if isinstance(param, TyperArgument):
            param.metavar = param.name.upper().removesuffix("S") if param.name else "VALUE"
            param.display_type_rich = _no_type  # type: ignore[method-assign]
        else:
            param.metavar = _METAVARS.get(param.bare_type(), "TEXT")
    for param in params:
        # A flag that is off unless given needs no "--no-" form; without it, the names of the
        # options fit beside their help instead of being cut short.
        if isinstance(param, TyperOption) and param.is_flag and param.default is False:
            param.secondary_opts = []


HELP_WIDTH: Final = 100
"""Columns of ``--help`` written to a pipe or a file when ``$COLUMNS`` does not say."""


def help_width() -> int | None:
    """The width of ``--help``: None on a terminal (Rich asks the terminal), else ``$COLUMNS``
    when it holds a number of at least 40, else :data:`HELP_WIDTH`; never Rich's 80 for a pipe.

    Example::

        crowdaudit audit --help | less              # 100 columns
        COLUMNS=132 crowdaudit audit --help > help.txt  # 132
    """
    if sys.stdout.isatty():
        return None
    columns = os.environ.get("COLUMNS", "").strip()
    return int(columns) if columns.isdigit() and int(columns) >= 40 else HELP_WIDTH


def _folded(cell: Any) -> Any:
    """A help table's cell whose long words wrap onto the next line instead of ending in "…"."""
    if isinstance(cell, Text):
        cell.overflow = "fold"
    for part in getattr(cell, "renderables", ()):
        _folded(part)
    return cell


class _FoldingTable(Table):
    """Typer's options table, but a word wider than its column (``--allow-missing-identities``
    at 80 columns) is folded, never cut."""

    def add_row(self, *renderables: Any, **options: Any) -> None:
        super().add_row(*(_folded(cell) for cell in renderables), **options)


@contextmanager
def _help_at_width() -> Iterator[None]:
    """Typer's help console at :func:`help_width` (unless ``$TERMINAL_WIDTH`` already fixed it),
    its tables folding long words."""
    fixed = rich_utils.MAX_WIDTH
    if fixed is None:
        rich_utils.MAX_WIDTH = help_width()
    rich_utils.Table = _FoldingTable  # type: ignore[attr-defined]
    try:
        yield
    finally:
        rich_utils.MAX_WIDTH = fixed
        rich_utils.Table = Table  # type: ignore[attr-defined]


# The mixin's methods call on to Typer's command or group; the type checker reads it as one.
if TYPE_CHECKING:
    _HelpBase = TyperCommand
else:
    _HelpBase = object


class _PlainHelpOf(_HelpBase):
    """``--help`` that names values in words, at the width of its reader; mixed in before
    Typer's command or group class."""

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        _name_values(params)
        return params

    def format_help(self, ctx: Any, formatter: Any) -> None:
        with _help_at_width():
            super().format_help(ctx, formatter)


class PlainHelp(_PlainHelpOf, TyperCommand):
    """A command whose ``--help`` names values in words, at the width of its reader."""


class PlainGroup(_PlainHelpOf, TyperGroup):
    """The top command, whose ``--help`` names values in words too, at the width of its reader."""


class _Rate(ProgressColumn):
    """Items per second, once there is a rate to show."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f}/s", style="dim")


class ProgressBars:
    """A progress callback drawing one bar per stage on stderr; silent when not a terminal.

    A stage with nothing to do (``total`` 0) draws no bar. The bars remember how far reading
    got, for the message printed on Ctrl-C.
    """

    def __init__(self, stderr: Console, *, enabled: bool) -> None:
        self.enabled = enabled and stderr.is_terminal
        self.bars = Progress(
            TextColumn("{task.description:<20}"),
            BarColumn(),
            MofNCompleteColumn(),
            _Rate(),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=stderr,
            transient=True,
            disable=not self.enabled,
        )
        self.tasks: dict[str, TaskID] = {}
        self.read: tuple[int, int] = (0, 0)

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if stage == "reading answers" and total:
            self.read = (done, total)
        if not self.enabled or total == 0:
            return
        if stage not in self.tasks:
            self.tasks[stage] = self.bars.add_task(stage, total=total)
        self.bars.update(self.tasks[stage], completed=done, total=total)

    def __enter__(self) -> ProgressBars:
        self.bars.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bars.__exit__(None, None, None)


SortOpt = Annotated[
    str,
    typer.Option(
        help="Order of the worker table: best first, worst first (workers to check on top), or "
        "objects (most answers first)."
    ),
]
OnlyOpt = Annotated[
    str | None,
    typer.Option(
        help="Show only workers to check (verdict check) or only flagged workers: check, flagged.",
        show_default=False,
    ),
]
MinObjectsOpt = Annotated[
    int, typer.Option(help="Hide workers with fewer answered objects than this.", min=0)
]


@dataclass(frozen=True)
class View:
    """What the worker table shows: how many rows, in what order, which workers."""

    limit: int = 25
    sort: str = "best"
    only: str | None = None
    min_objects: int = 0

    def __post_init__(self) -> None:
        if self.sort not in SORT_CHOICES:
            raise typer.BadParameter(
                f"{self.sort!r} is not one of {', '.join(SORT_CHOICES)}", param_hint="--sort"
            )
        if self.only is not None and self.only not in ONLY_CHOICES:
            raise typer.BadParameter(
                f"{self.only!r} is not one of {', '.join(ONLY_CHOICES)}", param_hint="--only"
            )
