"""What the Mechanical Turk and Toloka readers share (pure): a delimited file with one row per
answer, the answers in one of its prefixed columns (``Answer.*``, ``OUTPUT:*``).

Each reader declares its file in an :class:`AnswerTable` and walks the rows itself;
:func:`parse_answer_table` does the rest: it reads the table, checks the required columns, chooses
the answer column, and builds the :class:`~crowdaudit.model.Job`, with the count of rejected
answers in its warnings.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

import polars as pl

from crowdaudit.errors import EmptyJobError, SkipLog
from crowdaudit.model import Job
from crowdaudit.sources.export_job import (
    ExportOptions,
    ExportRows,
    build_export_job,
    choose_answer_column,
    read_delimited,
    require_columns,
)
from crowdaudit.tasks.base import TaskType
from crowdaudit.tasks.registry import TaskOptions
from crowdaudit.tasks.single_label import Classification

__all__ = ["AnswerTable", "ReadRows", "answer_parser", "parse_answer_table"]


class ReadRows(Protocol):
    """A reader's walk over its table's rows."""

    def __call__(
        self,
        table: pl.DataFrame,
        column: str | None,
        /,
        *,
        where: str,
        options: ExportOptions,
        skips: SkipLog,
    ) -> tuple[ExportRows, dict[str, int], list[str]]:
        """The rows of the usable answers (labels read from ``column``, none when it is
        ``None``), counts for ``Job.stats`` (``n_rejected`` among them) and the reader's own
        warnings; an unusable row goes to ``skips``."""
        ...


@dataclass(frozen=True, slots=True)
class AnswerTable:
    """One platform's delimited results file.

    Attributes:
        name: the reader's name, which starts the job's ``task_type``.
        title: the file in words, for errors (``"Mechanical Turk results"``).
        separator: the field separator.
        required: the columns the file must have.
        answer_prefix: the prefix of the answer columns.
        unit: what one row is, in words (``"assignment"``), for errors and warnings.
        rows_counted: the entry of the counts that says how many rows were read.
        read_rows: the reader's walk over the rows.
    """

    name: str
    title: str
    separator: str
    required: tuple[str, ...]
    answer_prefix: str
    unit: str
    rows_counted: str
    read_rows: ReadRows


def answer_parser(options: TaskOptions) -> TaskType:
    """The parser of the answer cells: a custom template's, so that ``--compare`` applies and
    ``--answer-path`` is left to the reader (it applies inside each cell)."""
    return replace(options, forced="custom", answer_path=None).choose(None)


def parse_answer_table(
    data: bytes,
    table_format: AnswerTable,
    *,
    where: str,
    name: str,
    strict: bool,
    options: ExportOptions,
) -> Job:
    """Read one results file of ``table_format`` into a :class:`Job`.

    Raises:
        InputFormatError: not a table, a required column missing, or no answer column to use.
        EmptyJobError: no row is usable.
    """
    table = read_delimited(data, where, separator=table_format.separator)
    require_columns(
        table.columns, table_format.required, what=f"cannot read {table_format.title}", where=where
    )
    column = (
        choose_answer_column(
            table.columns, table_format.answer_prefix, options.answer_column, where
        )
        if options.labels
        else None
    )
    skips = SkipLog(strict=strict)
    rows, counts, warnings = table_format.read_rows(
        table, column, where=where, options=options, skips=skips
    )
    if not rows.task:
        raise EmptyJobError(
            f"no usable {table_format.unit}s",
            where=where,
            why=f"{counts[table_format.rows_counted]} rows, none usable",
        )
    if counts["n_rejected"]:
        kept = "kept" if options.include_rejected else "left out"
        warnings.append(f"{counts['n_rejected']} rejected {table_format.unit}(s) {kept}")
    parser = answer_parser(options.task)
    return build_export_job(
        rows,
        name=name,
        where=where,
        task=(Classification() if parser.exact else parser) if column is not None else None,
        task_type=f"{table_format.name}/{column or 'unlabelled'}",
        skips=skips,
        stats=counts,
        warnings=tuple(warnings),
    )
