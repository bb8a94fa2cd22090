"""Toloka results TSV (a pool's "Download results") as an audit source (pure).

One row per task of an assignment (a task suite), tab-separated, with prefixed columns:
``INPUT:*`` (the task's data), ``OUTPUT:*`` (the worker's answer), ``GOLDEN:*`` (the known answer,
filled on control tasks), ``HINT:*`` (filled on training tasks), and ``ASSIGNMENT:*``
(``assignment_id``, ``worker_id``, ``status``, ``started`` and, when chosen at download,
``task_id``, ``task_suite_id``, ``submitted``…). The default download has no ``task_id``.

* task = ``ASSIGNMENT:task_id`` when present, else ``input-`` and a hash of the ``INPUT:*`` values
  (the same data is the same task, whichever suite it came in);
* worker = ``ASSIGNMENT:worker_id``; label = the ``OUTPUT:*`` column (``--answer-column`` when
  several); gold = the matching ``GOLDEN:*`` column where filled;
* seconds: Toloka times assignments, not tasks, so ``submitted − started`` of the assignment is
  divided evenly over its tasks (said in a warning); null when ``submitted`` was not downloaded;
* training tasks (a ``HINT:*`` filled) are counted and left out; ``REJECTED`` assignments too,
  unless ``include_rejected``.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime
from typing import Final

import orjson
import polars as pl

from crowdaudit.errors import InputFormatError, SkipLog
from crowdaudit.model import Job
from crowdaudit.sources.answer_table import AnswerTable, answer_parser, parse_answer_table
from crowdaudit.sources.export_job import ExportOptions, ExportRows, header_names

__all__ = ["NAME", "looks_like_toloka", "parse_toloka", "task_key"]

NAME: Final = "toloka"
WORKER: Final = "ASSIGNMENT:worker_id"
_OUTPUT: Final = "OUTPUT:"


def looks_like_toloka(data: bytes, where: str) -> bool:
    """A TSV whose header has ``ASSIGNMENT:worker_id``."""
    return WORKER in header_names(data, separator="\t")


def task_key(inputs: dict[str, str | None]) -> str:
    """A stable id for a task known only by its ``INPUT:*`` values.

    >>> task_key({"INPUT:image": "a.jpg"}) == task_key({"INPUT:image": "a.jpg"})
    True
    """
    digest = hashlib.sha256(orjson.dumps(inputs, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return f"input-{digest[:16]}"


def _time(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _assignment_seconds(table: pl.DataFrame) -> dict[str, float]:
    """Seconds per task of each assignment: its duration over its number of tasks."""
    if not {"ASSIGNMENT:started", "ASSIGNMENT:submitted"} <= set(table.columns):
        return {}
    key = "ASSIGNMENT:assignment_id" if "ASSIGNMENT:assignment_id" in table.columns else WORKER
    sizes = Counter(table.get_column(key).to_list())
    seconds: dict[str, float] = {}
    for ident, started, submitted in table.select(
        key, "ASSIGNMENT:started", "ASSIGNMENT:submitted"
    ).iter_rows():
        begin, end = _time(started), _time(submitted)
        if ident and begin and end and end >= begin:
            seconds[ident] = (end - begin).total_seconds() / sizes[ident]
    return seconds


def _read_rows(
    table: pl.DataFrame, output: str | None, *, where: str, options: ExportOptions, skips: SkipLog
) -> tuple[ExportRows, dict[str, int], list[str]]:
    parser = answer_parser(options.task)
    golden = f"GOLDEN:{output[len(_OUTPUT) :]}" if output is not None else None
    inputs = [column for column in table.columns if column.startswith("INPUT:")]
    hints = [c for c in table.columns if c.startswith("HINT:") and c != "HINT:default_language"]
    key = "ASSIGNMENT:assignment_id" if "ASSIGNMENT:assignment_id" in table.columns else WORKER
    seconds = _assignment_seconds(table)
    counts = {"n_rows": 0, "n_training": 0, "n_rejected": 0}
    rows = ExportRows()
    for number, row in enumerate(table.iter_rows(named=True), start=2):
        if not any(row.values()):
            continue
        counts["n_rows"] += 1
        place = f"{where}:{number}"
        worker = row.get(WORKER)
        if not worker:
            skips.skip(InputFormatError("cannot use answer", where=place, why=f"no {WORKER}"))
            continue
        if any(row.get(hint) for hint in hints):
            counts["n_training"] += 1
            continue
        if row.get("ASSIGNMENT:status") == "REJECTED":
            counts["n_rejected"] += 1
            if not options.include_rejected:
                continue
        task = row.get("ASSIGNMENT:task_id") or task_key({c: row.get(c) for c in inputs})
        label = None
        try:
            if output is not None:
                if not row.get(output):
                    raise ValueError(f"{output} is empty")
                label = parser.parse_answer(row[output])
            if golden is not None and row.get(golden):
                rows.gold[task] = parser.parse_answer(row[golden])
        except ValueError as exc:
            skips.skip(InputFormatError("cannot use answer", where=place, why=str(exc)))
            continue
        rows.add(
            task=task,
            worker=worker,
            label=label,
            where=place,
            seconds=seconds.get(row.get(key) or ""),
            submitted=row.get("ASSIGNMENT:submitted"),
            accepted=row.get("ASSIGNMENT:started"),
        )
    warnings = []
    if any(value is not None for value in rows.seconds):
        warnings.append("seconds: each assignment's submitted - started, divided over its tasks")
    if counts["n_training"]:
        warnings.append(f"{counts['n_training']} training answer(s) left out")
    return rows, counts, warnings


_FORMAT: Final = AnswerTable(
    name=NAME,
    title="Toloka results",
    separator="\t",
    required=(WORKER,),
    answer_prefix=_OUTPUT,
    unit="answer",
    rows_counted="n_rows",
    read_rows=_read_rows,
)


def parse_toloka(
    data: bytes, *, where: str, name: str, strict: bool, options: ExportOptions
) -> Job:
    """Read a Toloka results TSV into a :class:`Job`.

    Raises:
        InputFormatError: not a TSV, no ``ASSIGNMENT:worker_id``, or no answer column to use.
        EmptyJobError: no row is usable.
    """
    return parse_answer_table(data, _FORMAT, where=where, name=name, strict=strict, options=options)
