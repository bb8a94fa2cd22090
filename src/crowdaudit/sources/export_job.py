"""What every platform export reader shares (pure): its options, the rows it collects, and the
:class:`~crowdaudit.sources.groundtruth.Job` built from them.

A reader walks its export once and appends one row per usable answer to :class:`ExportRows`;
:func:`build_export_job` turns those lists into the normalised responses table, keeps the latest
answer of a worker who answered a task twice (counted), and attaches the gold labels and the
people the export names.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

import polars as pl

from crowdaudit.errors import InputFormatError, SkipLog
from crowdaudit.model import Job
from crowdaudit.schema import COL, IDENTITY_COLUMNS, RESPONSES
from crowdaudit.sources.consolidated import build_consolidated, build_sources
from crowdaudit.sources.responses import parse_timestamps
from crowdaudit.sources.times import describe_time_counts, screen_times
from crowdaudit.tasks.base import TaskType
from crowdaudit.tasks.registry import TaskOptions

__all__ = [
    "PEOPLE",
    "ExportOptions",
    "ExportRows",
    "build_export_job",
    "build_table_job",
    "choose_answer_column",
    "header_names",
    "read_delimited",
    "require_columns",
]

PEOPLE: Final[dict[str, pl.DataType]] = {
    COL.WORKER: pl.String(),
    COL.USERNAME: pl.String(),
    COL.EMAIL: pl.String(),
}
"""``Job.people``: the name and e-mail an export gives for a worker id."""


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """What the user said about a platform export.

    Attributes:
        format: a reader's name (``--format``); ``None`` detects it from the content.
        control: Label Studio: the control (``from_name``) whose results are the answers.
        answer_column: Mechanical Turk and Toloka: the ``Answer.*`` or ``OUTPUT:*`` column.
        include_rejected: keep rejected assignments (Mechanical Turk, Toloka) as answers.
        labels: read labels; ``False`` keeps who-did-what only (contributions), so that an
            export whose answers cannot be read still counts.
        task: the task options (``--answer-path``, ``--compare``, ``--iou-threshold``…).
    """

    format: str | None = None
    control: str | None = None
    answer_column: str | None = None
    include_rejected: bool = False
    labels: bool = True
    task: TaskOptions = field(default_factory=TaskOptions)


@dataclass(slots=True)
class ExportRows:
    """Column-wise accumulator of answers, gold labels and people, in the order read."""

    task: list[str] = field(default_factory=list)
    worker: list[str] = field(default_factory=list)
    label: list[str | None] = field(default_factory=list)
    seconds: list[float | None] = field(default_factory=list)
    submitted: list[str | None] = field(default_factory=list)
    accepted: list[str | None] = field(default_factory=list)
    where: list[str] = field(default_factory=list)
    gold: dict[str, str] = field(default_factory=dict)
    people: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)

    def add(
        self,
        *,
        task: str,
        worker: str,
        label: str | None,
        where: str,
        seconds: float | None = None,
        submitted: str | None = None,
        accepted: str | None = None,
    ) -> None:
        self.task.append(task)
        self.worker.append(worker)
        self.label.append(label)
        self.seconds.append(seconds)
        self.submitted.append(submitted)
        self.accepted.append(accepted)
        self.where.append(where)


def read_delimited(data: bytes, where: str, *, separator: str = ",") -> pl.DataFrame:
    """A CSV or TSV export with every cell as text.

    Raises:
        InputFormatError: the bytes are not a readable table.
    """
    try:
        return pl.read_csv(
            io.BytesIO(data), separator=separator, infer_schema=False, truncate_ragged_lines=True
        )
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise InputFormatError(
            "cannot read export", where=where, why=str(exc).splitlines()[0], code="bad-table"
        ) from exc


def header_names(data: bytes, *, separator: str = ",") -> set[str]:
    """The column names of a delimited file's first line, unquoted (for detection)."""
    line = data.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", "replace")
    return {part.strip().strip('"') for part in line.split(separator)}


def require_columns(
    columns: Collection[str], required: Sequence[str], *, what: str, where: str, need: bool = False
) -> None:
    """Raise unless every ``required`` column is among ``columns``; ``need`` names them all.

    Raises:
        InputFormatError: code ``missing-column``, naming the missing ones.
    """
    missing = [column for column in required if column not in columns]
    if not missing:
        return
    listed = ", ".join(missing)
    why = f"missing column {listed}" if len(required) == 1 else f"missing column(s) {listed}"
    if need:
        why += f"; need {', '.join(required)}"
    raise InputFormatError(what, where=where, why=why, code="missing-column")


def choose_answer_column(columns: list[str], prefix: str, forced: str | None, where: str) -> str:
    """The answer column: ``forced`` (with or without ``prefix``), or the only ``prefix*`` one.

    Raises:
        InputFormatError: ``forced`` is not a column, or there is none or several to choose from.
    """
    answers = [column for column in columns if column.startswith(prefix)]
    if forced is not None:
        for candidate in (forced, prefix + forced):
            if candidate in answers:
                return candidate
        raise InputFormatError(
            "no such answer column",
            where=where,
            why=f"--answer-column {forced!r}; the file has: {', '.join(answers) or 'none'}",
        )
    if len(answers) == 1:
        return answers[0]
    if not answers:
        raise InputFormatError(f"no {prefix}* column", where=where, why="the file holds no answers")
    raise InputFormatError(
        "several answer columns",
        where=where,
        why=f"choose one with --answer-column: {', '.join(answers)}",
    )


def _seconds(value: float | None) -> float | None:
    return value if value is not None and value >= 0 else None


def _responses(rows: ExportRows, name: str) -> pl.DataFrame:
    table = pl.DataFrame(
        {
            COL.TASK: rows.task,
            COL.WORKER: rows.worker,
            COL.LABEL: rows.label,
            COL.SECONDS: [_seconds(value) for value in rows.seconds],
            "_submitted": rows.submitted,
            "_accepted": rows.accepted,
            COL.SOURCE_KEY: rows.where,
        },
        schema={
            COL.TASK: pl.String(),
            COL.WORKER: pl.String(),
            COL.LABEL: pl.String(),
            COL.SECONDS: pl.Float64(),
            "_submitted": pl.String(),
            "_accepted": pl.String(),
            COL.SOURCE_KEY: pl.String(),
        },
    )
    return table.with_columns(
        pl.lit(name).alias(COL.JOB),
        pl.lit(None, pl.Int32).alias(COL.ITERATION),
        parse_timestamps(pl.col("_submitted")).alias(COL.SUBMITTED_AT),
        parse_timestamps(pl.col("_accepted")).alias(COL.ACCEPTED_AT),
        *(
            pl.lit(None, pl.String).alias(column)
            for column in (*IDENTITY_COLUMNS, COL.WORKER_COMMENT)
        ),
    )


def _report_timestamps(table: pl.DataFrame, skips: SkipLog) -> None:
    for column, raw in ((COL.SUBMITTED_AT, "_submitted"), (COL.ACCEPTED_AT, "_accepted")):
        bad = table.filter(pl.col(raw).is_not_null() & pl.col(column).is_null())
        if bad.height:
            skips.skip(
                InputFormatError(
                    f"cannot parse {column}",
                    where=bad.get_column(COL.SOURCE_KEY)[0],
                    why=f"{bad.height} value(s) left empty, first {bad.get_column(raw)[0]!r}",
                    code=f"bad-{column}",
                )
            )


def _keep_latest(table: pl.DataFrame, skips: SkipLog) -> tuple[pl.DataFrame, int]:
    """One answer per worker and task: the last submitted (the last read on ties)."""
    ordered = table.with_row_index("_order").sort(
        COL.SUBMITTED_AT, "_order", nulls_last=False, maintain_order=True
    )
    latest = ordered.unique(subset=[COL.TASK, COL.WORKER], keep="last", maintain_order=True)
    dropped = ordered.join(latest.select("_order"), on="_order", how="anti")
    for where, worker in dropped.select(COL.SOURCE_KEY, COL.WORKER).head(100).iter_rows():
        skips.skip(
            InputFormatError(
                "answer replaced by a later one",
                where=where,
                why=f"worker {worker} answered this task again",
                code="repeated-answer",
            )
        )
    return latest.sort("_order").drop("_order"), dropped.height


def build_export_job(
    rows: ExportRows,
    *,
    name: str,
    where: str,
    task: TaskType | None,
    task_type: str,
    skips: SkipLog,
    stats: Mapping[str, int],
    warnings: tuple[str, ...] = (),
    now: datetime | None = None,
) -> Job:
    """The :class:`Job` of a platform export's answers (pure but for ``now``, the current time
    by default, against which implausible times are judged: :mod:`crowdaudit.sources.times`).

    ``rows.gold`` maps tasks to canonical gold labels (``Job.gold``); ``rows.people`` maps
    worker ids to ``(name, e-mail)`` (``Job.people``).
    """
    table = _responses(rows, name)
    _report_timestamps(table, skips)
    table, repeated = _keep_latest(table, skips)
    responses = table.select(pl.col(column).cast(dtype) for column, dtype in RESPONSES.items())
    responses, time_counts = screen_times(responses, now=now or datetime.now(UTC))
    gold = pl.DataFrame(
        {COL.TASK: list(rows.gold), COL.GOLD: list(rows.gold.values())},
        schema={COL.TASK: pl.String(), COL.GOLD: pl.String()},
    )
    people = pl.DataFrame(
        {
            COL.WORKER: list(rows.people),
            COL.USERNAME: [person[0] for person in rows.people.values()],
            COL.EMAIL: [person[1] for person in rows.people.values()],
        },
        schema=PEOPLE,
    )
    return build_table_job(
        responses,
        name=name,
        where=where,
        task_type=task_type,
        task=task,
        skips=skips,
        stats={
            **stats,
            "n_answers_repeated": repeated,
            "n_gold_in_export": gold.height,
            **time_counts,
        },
        warnings=(*warnings, *describe_time_counts(time_counts, where)),
        gold=gold if gold.height else None,
        people=people if people.height else None,
    )


def build_table_job(
    responses: pl.DataFrame,
    *,
    name: str,
    where: str,
    task_type: str,
    task: TaskType | None,
    skips: SkipLog,
    stats: Mapping[str, int],
    warnings: tuple[str, ...] | list[str],
    gold: pl.DataFrame | None = None,
    people: pl.DataFrame | None = None,
) -> Job:
    """The :class:`Job` of answers read from one table (an export or a long table): no
    consolidated labels and no label sources, as no platform but Ground Truth writes them."""
    return Job(
        name=name,
        uri=where,
        responses=responses,
        consolidated=build_consolidated({}),
        sources=build_sources([]),
        label_attribute=None,
        task_type=task_type,
        consolidated_from=None,
        skipped=tuple(skips.records),
        stats=dict(stats),
        warnings=tuple(warnings),
        task=task,
        gold=gold,
        people=people,
    )
