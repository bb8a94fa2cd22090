"""Machine-readable outputs: CSV, Parquet, JSON and the seed notebook's JSON.

``render_*`` functions build bytes in memory (pure); :func:`crowdaudit.report.commit.write_all`
writes a set of them all or nothing.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import orjson
import polars as pl

from crowdaudit.schema import SeedFigures

__all__ = [
    "ISO_FORMAT",
    "TABLE_FORMATS",
    "neutralise_formulas",
    "render_json",
    "render_seed_json",
    "render_table",
    "render_table_files",
    "with_iso_datetimes",
]

ISO_FORMAT = "%Y-%m-%dT%H:%M:%S%.fZ"
"""ISO 8601 in UTC with a ``Z``; fractions of a second only where there are some."""

_JSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC


def with_iso_datetimes(table: pl.DataFrame) -> pl.DataFrame:
    """Datetime columns as ISO 8601 UTC strings, for text formats."""
    return table.with_columns(
        pl.col(pl.Datetime).dt.convert_time_zone("UTC").dt.strftime(ISO_FORMAT)
    )


def render_json(value: Any) -> bytes:
    """Indented JSON with a final newline."""
    return orjson.dumps(value, option=_JSON_OPTIONS) + b"\n"


TABLE_FORMATS = ("csv", "parquet", "json")

_FORMULA_START = r"^[=+\-@\t\r]"
"""What a spreadsheet may evaluate at the start of a cell: OWASP's list for CSV injection."""


def neutralise_formulas(table: pl.DataFrame) -> pl.DataFrame:
    """Text cells a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``, tab or carriage
    return first) get a leading ``'``, as OWASP advises; every other cell is left as it is.

    Only CSV needs this: Parquet and JSON keep the raw value.
    """
    return table.with_columns(
        pl.when(pl.col(pl.String).str.contains(_FORMULA_START))
        .then(pl.lit("'") + pl.col(pl.String))
        .otherwise(pl.col(pl.String))
        .name.keep()
    )


def render_table(table: pl.DataFrame, format: str) -> bytes:
    """One table as CSV, Parquet or JSON (a list of records); datetimes as ISO 8601 in text."""
    if format == "parquet":
        parquet = io.BytesIO()
        table.write_parquet(parquet)
        return parquet.getvalue()
    text = with_iso_datetimes(table)
    if format == "csv":
        csv = io.BytesIO()  # the bytes polars writes, without a round trip through str
        neutralise_formulas(text).write_csv(csv)
        return csv.getvalue()
    if format == "json":
        return render_json(text.to_dicts())
    raise ValueError(f"unknown table format {format!r}; expected one of {', '.join(TABLE_FORMATS)}")


def render_table_files(table: pl.DataFrame, stem: str) -> dict[str, bytes]:
    """``<stem>.csv``, ``<stem>.parquet`` and ``<stem>.json`` of one table."""
    return {f"{stem}.{format}": render_table(table, format) for format in TABLE_FORMATS}


def render_seed_json(metrics: Mapping[str, SeedFigures]) -> bytes:
    """The seed notebook's JSON: one object keyed by worker id (compact, as the notebook wrote it)."""
    return orjson.dumps(metrics)
