"""Any labeling platform: a long table of answers, one row per (task, worker, label).

CSV or Parquet with the columns ``task``, ``worker``, ``label`` and, optionally, ``seconds`` (time
spent on the answer) and ``submitted_at`` (ISO 8601; UTC when no offset is given). Other columns
are ignored. This is the layout of crowd-kit and of most published crowdsourcing data sets.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Final

import polars as pl

from crowdaudit.errors import EmptyJobError, InputFormatError, SkipLog
from crowdaudit.model import Job
from crowdaudit.schema import COL, IDENTITY_COLUMNS, RESPONSES
from crowdaudit.sources.export_job import (
    ExportOptions,
    build_table_job,
    header_names,
    require_columns,
)
from crowdaudit.sources.responses import parse_timestamps
from crowdaudit.sources.times import describe_time_counts, screen_times
from crowdaudit.tasks.single_label import Classification

__all__ = [
    "LONG_TABLE_SUFFIXES",
    "NAME",
    "is_long_table",
    "looks_like_long_table",
    "parse_long_table",
    "parse_long_table_export",
]

NAME: Final = "long-table"
LONG_TABLE_SUFFIXES: Final = (".csv", ".parquet", ".pq")
REQUIRED: Final = (COL.TASK, COL.WORKER, COL.LABEL)
_PARQUET_MAGIC: Final = b"PAR1"


def is_long_table(source: str) -> bool:
    """Whether ``source`` names a long-table file rather than a job folder."""
    return source.lower().rstrip("/").endswith(LONG_TABLE_SUFFIXES)


def looks_like_long_table(data: bytes, where: str) -> bool:
    """Parquet, or a CSV whose header names ``task``, ``worker`` and ``label``."""
    if data.startswith(_PARQUET_MAGIC):
        return True
    return set(REQUIRED) <= header_names(data)


def parse_long_table_export(
    data: bytes, *, where: str, name: str, strict: bool, options: ExportOptions
) -> Job:
    """:func:`parse_long_table` as a registered reader (it has no options of its own)."""
    return parse_long_table(data, where=where, name=name, strict=strict)


def _read_frame(data: bytes, where: str) -> pl.DataFrame:
    try:
        if not data.startswith(_PARQUET_MAGIC):
            return pl.read_csv(io.BytesIO(data), infer_schema=False)
        return pl.read_parquet(io.BytesIO(data))
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise InputFormatError(
            "cannot read answers table", where=where, why=str(exc).splitlines()[0], code="bad-table"
        ) from exc


def _readable(dtype: pl.DataType) -> bool:
    if dtype.is_numeric() or isinstance(dtype, pl.Datetime | pl.Enum):
        return True
    return dtype in (pl.String, pl.Boolean, pl.Null, pl.Date, pl.Categorical)


def _check_types(frame: pl.DataFrame, where: str) -> None:
    """Every column read must hold text, numbers, booleans or times: a list, a struct or bytes
    have no one value to compare."""
    for column in (*REQUIRED, COL.SECONDS, COL.SUBMITTED_AT):
        if column in frame.columns and not _readable(frame.schema[column]):
            raise InputFormatError(
                "cannot read answers table",
                where=where,
                why=f"column {column!r} holds {frame.schema[column]}, not text or numbers",
                code="bad-column-type",
            )


def _drop_incomplete(text: pl.DataFrame, where: str, skips: SkipLog) -> tuple[pl.DataFrame, int]:
    """The rows with a task, worker and label, and how many lacked one (each skipped)."""
    # An empty or blank label is no class; an empty task or worker names no one.
    blank = text.select(
        pl.any_horizontal(
            pl.col(column).is_null() | (pl.col(column).str.strip_chars() == "")
            for column in REQUIRED
        )
    ).to_series()
    if not blank.any():  # the usual table: nothing to skip, nothing to copy
        return text, 0
    incomplete = text.filter(blank)
    for row in incomplete.get_column("_row").head(100):
        skips.skip(
            InputFormatError(
                "cannot use answer",
                where=f"{where}:{row}",
                why="task, worker or label is empty or blank",
                code="incomplete-row",
            )
        )
    return text.filter(~blank), incomplete.height


def _report_unparsed(responses: pl.DataFrame, where: str, skips: SkipLog) -> None:
    """One skip per column for ``seconds`` or ``submitted_at`` values that could not be read."""
    for column, label in ((COL.SECONDS, "_seconds"), (COL.SUBMITTED_AT, "_submitted_at")):
        if label in responses.columns:
            bad = responses.filter(pl.col(label).is_not_null() & pl.col(column).is_null())
            if bad.height:
                skips.skip(
                    InputFormatError(
                        f"cannot parse {column}",
                        where=f"{where}:{bad.get_column('_row')[0]}",
                        why=f"{bad.height} value(s) left empty, first {bad.get_column(label)[0]!r}",
                        code=f"bad-{column}",
                    )
                )


def _screen(
    responses: pl.DataFrame, where: str, now: datetime
) -> tuple[pl.DataFrame, dict[str, int], list[str]]:
    """Implausible times left out and repeated answers counted, with a warning for each."""
    responses, counts = screen_times(responses, now=now)
    warnings = describe_time_counts(counts, where)
    repeated = responses.height - responses.select(COL.TASK, COL.WORKER).n_unique()
    if repeated:
        warnings.append(
            f"{repeated} answer(s) repeat a task and worker pair already answered "
            f"(repeated-answer); accuracy and agreement use the last, time counts all: {where}"
        )
    return responses, {"n_answers_repeated": repeated, **counts}, warnings


def parse_long_table(
    data: bytes, *, where: str, name: str, strict: bool = False, now: datetime | None = None
) -> Job:
    """Read a long table of answers into a :class:`Job` (pure).

    Rows missing ``task``, ``worker`` or ``label`` are skipped and counted (fatal with
    ``strict``); so are unparseable ``seconds`` or ``submitted_at`` values, which are left null.
    Implausible times (:mod:`crowdaudit.sources.times`, judged against ``now``, the current time
    by default) are counted and left null.

    Raises:
        InputFormatError: the file cannot be read or lacks a required column.
        EmptyJobError: no row is usable.
    """
    frame = _read_frame(data, where)
    require_columns(
        frame.columns, REQUIRED, what="cannot read answers table", where=where, need=True
    )
    _check_types(frame, where)
    skips = SkipLog(strict=strict)
    text = frame.select(
        *(pl.col(column).cast(pl.String) for column in REQUIRED),
        *(
            pl.col(column).cast(pl.String).alias(f"_{column}")
            for column in (COL.SECONDS, COL.SUBMITTED_AT)
            if column in frame.columns
        ),
    ).with_row_index("_row", offset=0 if data.startswith(_PARQUET_MAGIC) else 2)
    complete, n_incomplete = _drop_incomplete(text, where, skips)
    if complete.height == 0:
        raise EmptyJobError(
            "no usable answers", where=where, why=f"{frame.height} rows, none complete"
        )
    seconds = (
        pl.col("_seconds").str.strip_chars().cast(pl.Float64, strict=False)
        if "_seconds" in complete.columns
        else pl.lit(None, pl.Float64)
    )
    submitted = (
        parse_timestamps(pl.col("_submitted_at").str.strip_chars())
        if "_submitted_at" in complete.columns
        else pl.lit(None, RESPONSES[COL.SUBMITTED_AT])
    )
    responses = complete.with_columns(
        pl.lit(name).alias(COL.JOB),
        pl.lit(None, pl.Int32).alias(COL.ITERATION),
        pl.lit(None, pl.String).alias(COL.ACCEPTED_AT),
        seconds.alias(COL.SECONDS),
        submitted.alias(COL.SUBMITTED_AT),
        *(
            pl.lit(None, pl.String).alias(column)
            for column in (*IDENTITY_COLUMNS, COL.WORKER_COMMENT)
        ),
        pl.format("{}:{}", pl.lit(where), pl.col("_row")).alias(COL.SOURCE_KEY),
    )
    _report_unparsed(responses, where, skips)
    responses = responses.select(pl.col(name).cast(dtype) for name, dtype in RESPONSES.items())
    responses, counts, warnings = _screen(responses, where, now or datetime.now(UTC))
    return build_table_job(
        responses,
        name=name,
        where=where,
        task_type="long-table",
        task=Classification(),
        skips=skips,
        stats={"n_rows": frame.height, "n_rows_skipped": n_incomplete, **counts},
        warnings=warnings,
    )
