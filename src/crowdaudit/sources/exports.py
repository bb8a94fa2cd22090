"""The registry of file sources: platform exports and long tables, each detected by content.

A reader is one module with a ``looks_like`` test and a ``parse`` function; adding one is that
module plus one line in :data:`READERS`. Readers are tried in order, so the more specific come
first (a Mechanical Turk CSV is a CSV, but a plain long table is not a Mechanical Turk CSV).

==================  ===========================================================================
``--format``        export
==================  ===========================================================================
label-studio        Label Studio JSON export (:mod:`crowdaudit.sources.labelstudio`)
label-studio-min    Label Studio JSON-MIN export (:mod:`crowdaudit.sources.labelstudio_min`)
label-studio-csv    Label Studio CSV export (:mod:`crowdaudit.sources.labelstudio_min`)
mturk               Mechanical Turk batch results CSV (:mod:`crowdaudit.sources.mturk`)
toloka              Toloka results TSV (:mod:`crowdaudit.sources.toloka`)
long-table          ``task,worker,label`` CSV or Parquet (:mod:`crowdaudit.sources.longtable`)
==================  ===========================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Final

from crowdaudit.errors import InputFormatError
from crowdaudit.model import Job
from crowdaudit.sources import labelstudio, labelstudio_min, longtable, mturk, toloka
from crowdaudit.sources.export_job import ExportOptions

__all__ = [
    "EXPORT_SUFFIXES",
    "FORMAT_NAMES",
    "READERS",
    "ExportOptions",
    "Reader",
    "find_reader",
    "is_export_file",
    "parse_export",
]

Parse = Callable[..., Job]
"""``parse(data, *, where, name, strict, options) -> Job``."""


@dataclass(frozen=True, slots=True)
class Reader:
    """One file format: its ``--format`` name, a test on the bytes, and its parser."""

    name: str
    looks_like: Callable[[bytes, str], bool]
    parse: Parse


READERS: Final[tuple[Reader, ...]] = (
    Reader(
        labelstudio.NAME,
        labelstudio.looks_like_label_studio_json,
        labelstudio.parse_label_studio_json,
    ),
    Reader(
        labelstudio_min.NAME_MIN,
        labelstudio_min.looks_like_json_min,
        labelstudio_min.parse_json_min,
    ),
    Reader(
        labelstudio_min.NAME_CSV, labelstudio_min.looks_like_ls_csv, labelstudio_min.parse_ls_csv
    ),
    Reader(mturk.NAME, mturk.looks_like_mturk, mturk.parse_mturk),
    Reader(toloka.NAME, toloka.looks_like_toloka, toloka.parse_toloka),
    Reader(longtable.NAME, longtable.looks_like_long_table, longtable.parse_long_table_export),
)

FORMAT_NAMES: Final[tuple[str, ...]] = tuple(reader.name for reader in READERS)
"""The names ``--format`` accepts."""

EXPORT_SUFFIXES: Final = (".csv", ".tsv", ".json", ".parquet", ".pq", ".txt")


def is_export_file(source: str, options: ExportOptions) -> bool:
    """Whether ``source`` names one file (an export or a long table) rather than a job folder."""
    return options.format is not None or source.lower().rstrip("/").endswith(EXPORT_SUFFIXES)


def find_reader(data: bytes, where: str, *, forced: str | None = None) -> Reader:
    """The reader named ``forced``, else the first whose test the bytes pass, else (for a
    ``.csv`` or ``.parquet`` file) the long table.

    Raises:
        ValueError: ``forced`` names no reader (a usage error).
        InputFormatError: no reader recognises the file.
    """
    if forced is not None:
        for reader in READERS:
            if reader.name == forced:
                return reader
        raise ValueError(f"unknown format {forced!r}; choose one of {', '.join(FORMAT_NAMES)}")
    for reader in READERS:
        if reader.looks_like(data, where):
            return reader
    if where.lower().endswith(longtable.LONG_TABLE_SUFFIXES):
        # A CSV or Parquet file of no known platform is taken for a long table, whose reader
        # names the columns it lacks.
        return find_reader(data, where, forced=longtable.NAME)
    raise InputFormatError(
        "unrecognised export",
        where=where,
        why="not a Label Studio JSON, JSON-MIN or CSV export, a Mechanical Turk batch results CSV, "
        "a Toloka results TSV nor a task,worker,label table; name the format with --format",
        code="unknown-format",
    )


def parse_export(data: bytes, *, where: str, strict: bool, options: ExportOptions) -> Job:
    """Read one export file into a :class:`Job` named after the file (pure)."""
    reader = find_reader(data, where, forced=options.format)
    stem = PurePosixPath(where.rstrip("/")).name.rsplit(".", 1)[0]
    return reader.parse(data, where=where, name=stem, strict=strict, options=options)
