"""Mechanical Turk batch results CSV (the requester site's "Download CSV") as an audit source (pure).

One row per assignment, with ``HITId``, ``AssignmentId``, ``WorkerId``, ``AssignmentStatus``
(``Submitted``, ``Approved``, ``Rejected``), ``AcceptTime``, ``SubmitTime``,
``WorkTimeInSeconds``, the HIT's ``Input.*`` columns and the worker's ``Answer.*`` columns.

* task = ``HITId``; when the answer is a JSON list of several items (a HIT holding several items,
  as ``Answer.taskAnswers`` may), each item is its own task ``<HITId>#<index>``;
* worker = ``WorkerId``; seconds = ``WorkTimeInSeconds``; submitted = ``SubmitTime``;
* label = the ``Answer.*`` column named with ``--answer-column`` (with or without ``Answer.``), or
  the only one. Templates built on crowd-html-elements write one JSON column,
  ``Answer.taskAnswers`` (``[{"sentiment": {"label": "Positive"}}]``); ``--answer-path`` picks the
  answer inside each item (``sentiment.label``), as for Ground Truth custom templates. An object
  of booleans (a radio group, ``{"negative": false, "positive": true}``) becomes the key set true;
* ``Rejected`` assignments are counted and left out unless ``include_rejected``.

Times are written like ``Mon Nov 04 21:32:54 PST 2019``, in Pacific time with PST and PDT mixed
in one file; they are read with the zone each names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

import orjson
import polars as pl

from crowdaudit.errors import InputFormatError, SkipLog
from crowdaudit.model import Job
from crowdaudit.sources.answer_table import AnswerTable, answer_parser, parse_answer_table
from crowdaudit.sources.export_job import ExportOptions, ExportRows, header_names
from crowdaudit.tasks.custom import resolve_path

__all__ = ["NAME", "looks_like_mturk", "parse_mturk", "parse_mturk_time"]

NAME: Final = "mturk"
_REQUIRED: Final = ("HITId", "WorkerId", "AssignmentStatus")
_ANSWER: Final = "Answer."

_TIME: Final = re.compile(r"^\w{3} (\w{3}) (\d{1,2}) (\d{2}:\d{2}:\d{2}) ([A-Z]{3,4}) (\d{4})$")
_MONTHS: Final = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_ZONES: Final = {
    "UTC": "+00:00",
    "GMT": "+00:00",
    "PST": "-08:00",
    "PDT": "-07:00",
    "MST": "-07:00",
    "MDT": "-06:00",
    "CST": "-06:00",
    "CDT": "-05:00",
    "EST": "-05:00",
    "EDT": "-04:00",
}


def parse_mturk_time(text: str | None) -> str | None:
    """``Mon Nov 04 21:32:54 PST 2019`` → ``2019-11-04T21:32:54-08:00``; other text unchanged.

    >>> parse_mturk_time("Sun Mar 10 03:10:00 PDT 2019")
    '2019-03-10T03:10:00-07:00'
    """
    if text is None:
        return None
    match = _TIME.match(text.strip())
    if match is None or match.group(4) not in _ZONES or match.group(1) not in _MONTHS:
        return text
    month, day, clock, zone, year = match.groups()
    return f"{year}-{_MONTHS[month]:02d}-{int(day):02d}T{clock}{_ZONES[zone]}"


def looks_like_mturk(data: bytes, where: str) -> bool:
    """A CSV whose header has ``HITId``, ``WorkerId`` and ``AssignmentStatus``."""
    return set(_REQUIRED) <= header_names(data)


def _chosen(value: object) -> object:
    """A radio group's ``{"a": false, "b": true}`` as what is true; anything else as it is."""
    if isinstance(value, Mapping) and value and all(isinstance(v, bool) for v in value.values()):
        chosen = sorted(str(key) for key, flag in value.items() if flag)
        return chosen[0] if len(chosen) == 1 else chosen
    return value


def _items(cell: str, answer_path: str | None) -> list[object]:
    """The answers one cell holds: one, or one per item of a JSON list."""
    if answer_path is None and cell[:1] not in ("[", "{"):
        return [cell]
    try:
        decoded = orjson.loads(cell)
    except orjson.JSONDecodeError as exc:
        if answer_path is None:
            return [cell]
        raise ValueError(f"answer is not JSON ({exc})") from exc
    items = decoded if isinstance(decoded, list) else [decoded]
    if answer_path is not None:
        items = [resolve_path(item, answer_path) for item in items]
    return [_chosen(item) for item in items]


def _read_rows(
    table: pl.DataFrame, column: str | None, *, where: str, options: ExportOptions, skips: SkipLog
) -> tuple[ExportRows, dict[str, int], list[str]]:
    counts = {"n_assignments": table.height, "n_rejected": 0}
    parser = answer_parser(options.task)
    rows = ExportRows()
    for number, row in enumerate(table.iter_rows(named=True), start=2):
        place = f"{where}:{number}"
        worker, hit = row.get("WorkerId"), row.get("HITId")
        if not worker or not hit:
            skips.skip(
                InputFormatError("cannot use assignment", where=place, why="no WorkerId or HITId")
            )
            continue
        if row.get("AssignmentStatus") == "Rejected":
            counts["n_rejected"] += 1
            if not options.include_rejected:
                continue
        cell = row.get(column) if column is not None else None
        labels: list[str | None] = [None]
        if column is not None:
            try:
                if not cell:
                    raise ValueError(f"{column} is empty")
                labels = [
                    parser.parse_answer(item) for item in _items(cell, options.task.answer_path)
                ]
            except ValueError as exc:
                skips.skip(InputFormatError("cannot use assignment", where=place, why=str(exc)))
                continue
        for index, label in enumerate(labels):
            rows.add(
                task=hit if len(labels) == 1 else f"{hit}#{index}",
                worker=worker,
                label=label,
                where=place,
                seconds=_seconds(row.get("WorkTimeInSeconds")),
                submitted=parse_mturk_time(row.get("SubmitTime")),
                accepted=parse_mturk_time(row.get("AcceptTime")),
            )
    return rows, counts, []


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


_FORMAT: Final = AnswerTable(
    name=NAME,
    title="Mechanical Turk results",
    separator=",",
    required=_REQUIRED,
    answer_prefix=_ANSWER,
    unit="assignment",
    rows_counted="n_assignments",
    read_rows=_read_rows,
)


def parse_mturk(data: bytes, *, where: str, name: str, strict: bool, options: ExportOptions) -> Job:
    """Read a Mechanical Turk batch results CSV into a :class:`Job`.

    Raises:
        InputFormatError: not a CSV, a required column missing, or no answer column to use.
        EmptyJobError: no assignment is usable.
    """
    return parse_answer_table(data, _FORMAT, where=where, name=name, strict=strict, options=options)
