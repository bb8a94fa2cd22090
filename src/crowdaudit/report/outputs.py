"""The files an audit and a contribution ledger write, decided in one place, written all or nothing.

:meth:`crowdaudit.Audit.write` and :meth:`crowdaudit.Contributions.write` come here, and so do
the command line's ``audit``, ``demo`` and ``contributions``: every file is rendered first, then
:func:`crowdaudit.report.commit.write_all` stages and moves them into place together.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import polars as pl

from crowdaudit.errors import OutputError
from crowdaudit.report.commit import write_all
from crowdaudit.report.ledger_quality import seed_csv
from crowdaudit.report.writers import (
    TABLE_FORMATS,
    render_json,
    render_seed_json,
    render_table,
    render_table_files,
)
from crowdaudit.sources.aws import AwsConfig
from crowdaudit.sources.locations import Location, open_output_file, open_output_folder
from crowdaudit.sources.store import join_key

if TYPE_CHECKING:
    from crowdaudit.audit import Audit

__all__ = [
    "Written",
    "ledger_format",
    "render_audit_files",
    "write_audit",
    "write_ledger",
]


@dataclass(frozen=True, slots=True)
class Written:
    """Where a write put its files.

    Attributes:
        folder: the output folder's location (a path or an ``s3://`` prefix), or ``None`` when
            no folder was written.
        files: the names of the files written into ``folder``, in the order they were rendered.
        extras: the locations of the single files written beside it (``seed_json``,
            ``seed_csv``), in the order they were asked for.
    """

    folder: str | None
    files: tuple[str, ...]
    extras: tuple[str, ...] = ()


def render_audit_files(result: Audit) -> dict[str, bytes]:
    """Every file of an audit's output folder, by name, rendered (pure).

    ``workers.csv``, ``workers.parquet``, ``workers.json``, ``items.csv`` (when there are
    items), ``summary.json``, ``history.csv`` (for more than one job) and ``report.html``.
    """
    files = render_table_files(result.workers, "workers")
    if result.items.height:
        files["items.csv"] = render_table(result.items, "csv")
    files["summary.json"] = render_json(result.summary)
    if len(result.jobs) > 1:
        files["history.csv"] = render_table(result.history, "csv")
    files["report.html"] = result.report().encode()
    return files


def _folder_outputs(
    out: str | Path, files: dict[str, bytes], aws: AwsConfig
) -> tuple[str, list[tuple[Location, bytes]]]:
    folder = open_output_folder(str(out), aws)
    return folder.uri, [
        (Location(folder.store, join_key(folder.key, name)), data) for name, data in files.items()
    ]


def write_audit(
    result: Audit,
    out: str | Path | None,
    *,
    seed_json: str | Path | None = None,
    aws: AwsConfig | None = None,
) -> Written:
    """Write an audit's files into ``out`` and the seed notebook's JSON to ``seed_json``.

    Everything is rendered, then staged, then moved into place: a failure anywhere (a full disk,
    a folder named ``report.html``, an unwritable ``seed_json``) leaves what was there before.
    """
    aws = aws or AwsConfig()
    files: dict[str, bytes] = {}
    outputs: list[tuple[Location, bytes]] = []
    folder: str | None = None
    if out is not None:
        files = render_audit_files(result)
        folder, outputs = _folder_outputs(out, files, aws)
    if seed_json is not None:
        seed = render_seed_json(result.seed_metrics())
        outputs.append((open_output_file(str(seed_json), aws), seed))
    uris = write_all(outputs)
    return Written(folder, tuple(files), tuple(uris[len(files) :]))


def ledger_format(out: str | Path) -> str:
    """The table format a ledger file's extension asks for: ``csv``, ``json`` or ``parquet``.

    Raises:
        ValueError: any other extension.
    """
    suffix = PurePosixPath(str(out)).suffix.lower().lstrip(".")
    if suffix not in TABLE_FORMATS:
        raise ValueError(f"{str(out)!r} must end in .csv, .json or .parquet")
    return suffix


def write_ledger(
    table: pl.DataFrame,
    out: str | Path,
    *,
    seed_csv_to: str | Path | None = None,
    aws: AwsConfig | None = None,
) -> Written:
    """Write a contribution ledger to the file ``out`` (its extension picks the format) and the
    contribution notebook's CSV to ``seed_csv_to``, both or neither.

    Raises:
        OutputError: ``out`` has another extension, or ``seed_csv_to`` is asked of a ledger with
            one row per person and job; or a file could not be written.
    """
    aws = aws or AwsConfig()
    try:
        rendered = [(out, render_table(table, ledger_format(out)))]
        if seed_csv_to is not None:
            rendered.append((seed_csv_to, render_table(seed_csv(table), "csv")))
    except ValueError as exc:
        raise OutputError("cannot write the ledger", where=str(out), why=str(exc)) from exc
    uris = write_all([(open_output_file(str(place), aws), data) for place, data in rendered])
    return Written(None, (), tuple(uris))
