"""Gold (golden) labels in the three formats crowdaudit accepts (pure parsing).

1. The seed notebook's golden manifest: JSON Lines, each line ``{"<datasetObjectId>": "<label>"}``.
2. CSV with a header ``task,label`` (``task`` is the ``datasetObjectId``, or the task id of a long
   table).
3. JSON Lines with a ``source-ref`` or ``source`` key and a ``label`` key, matched on the data
   object's source as written in the job's output manifest.

Formats 1 and 3 may be mixed in one file. When a task appears twice, the later line wins.

For task types other than single-label classification a gold value has the shape of the output
manifest's label attribute value for that type (see :mod:`crowdaudit.tasks`); values are kept as
JSON text here and read by the job's task type when they are joined to its answers.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping

import orjson
import polars as pl

from crowdaudit.errors import GoldFormatError, SkippedRecord
from crowdaudit.model import Gold
from crowdaudit.schema import COL

__all__ = ["match_gold", "parse_gold"]

SOURCE = "source"


def _json_text(value: object) -> str:
    return orjson.dumps(value).decode()


def _parse_csv(data: bytes, where: str) -> Gold:
    try:
        table = pl.read_csv(io.BytesIO(data), infer_schema=False)
    except (pl.exceptions.PolarsError, ValueError) as exc:
        raise GoldFormatError(
            "cannot parse gold file", where=where, why=f"malformed CSV: {exc}"
        ) from exc
    missing = {COL.TASK, COL.LABEL} - set(table.columns)
    if missing:
        found = ", ".join(table.columns) or "none"
        raise GoldFormatError(
            "cannot parse gold file",
            where=where,
            why=f"CSV needs columns task,label; found: {found}",
        )
    columns = table.select(COL.TASK, COL.LABEL).with_row_index("_line", offset=2)
    empty = pl.any_horizontal(
        pl.col(name).is_null() | (pl.col(name).str.strip_chars() == "")
        for name in (COL.TASK, COL.LABEL)
    )
    skipped = tuple(
        SkippedRecord(
            "cannot use gold label",
            f"{where}:{line}",
            "task or label is empty",
            "incomplete-gold-row",
        )
        for line in columns.filter(empty).get_column("_line")
    )
    by_task = (
        columns.filter(~empty)
        .select(COL.TASK, COL.LABEL)
        .unique(subset=COL.TASK, keep="last", maintain_order=True)
    )
    by_task = by_task.with_columns(_each_distinct(by_task.get_column(COL.LABEL), _json_text))
    empty_sources = pl.DataFrame(schema={SOURCE: pl.String(), COL.LABEL: pl.String()})
    return Gold(where, by_task, empty_sources, skipped)


def _each_distinct(column: pl.Series, convert: Callable[[str], str]) -> pl.Series:
    """``convert`` applied to every value of a String column without nulls, computed once per
    distinct value (a job's gold labels are mostly a few classes)."""
    distinct = column.unique(maintain_order=True)
    converted = pl.Series([convert(value) for value in distinct], dtype=pl.String)
    return column.replace_strict(distinct, converted, return_dtype=pl.String)


def _parse_json_lines(data: bytes, where: str) -> Gold:
    by_task: dict[str, str] = {}
    by_source: dict[str, str] = {}
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            why = "not valid UTF-8" if "UTF-8" in str(exc) else f"malformed JSON: {exc}"
            raise GoldFormatError(
                "cannot parse gold file", where=f"{where}:{number}", why=why
            ) from exc
        if not isinstance(record, Mapping):
            raise GoldFormatError(
                "cannot parse gold file", where=f"{where}:{number}", why="line is not an object"
            )
        source = record.get("source-ref", record.get("source"))
        if "label" in record and isinstance(source, str):
            by_source[source] = _json_text(record["label"])
            continue
        for task, value in record.items():
            if value is None:
                raise GoldFormatError(
                    "cannot parse gold file",
                    where=f"{where}:{number}",
                    why=f"the value of {task!r} is null; expected "
                    '{"<datasetObjectId>": <label>} or {"source-ref": …, "label": <label>}',
                )
            by_task[str(task)] = _json_text(value)
    return Gold(
        where,
        pl.DataFrame(
            {COL.TASK: list(by_task), COL.LABEL: list(by_task.values())},
            schema={COL.TASK: pl.String(), COL.LABEL: pl.String()},
        ),
        pl.DataFrame(
            {SOURCE: list(by_source), COL.LABEL: list(by_source.values())},
            schema={SOURCE: pl.String(), COL.LABEL: pl.String()},
        ),
    )


def parse_gold(data: bytes, *, where: str) -> Gold:
    """Parse a gold file; CSV when ``where`` ends in ``.csv``, JSON Lines otherwise.

    Raises:
        GoldFormatError: the file is malformed or holds no labels.
    """
    gold = (
        _parse_csv(data, where)
        if where.lower().endswith(".csv")
        else _parse_json_lines(data, where)
    )
    if gold.size == 0:
        raise GoldFormatError("cannot use gold file", where=where, why="it holds no labels")
    return gold


def match_gold(gold: Gold, sources: pl.DataFrame, read: Callable[[object], str]) -> pl.DataFrame:
    """Gold labels per task (``task, gold``), given the job's ``task, source`` table and the
    job's way of reading a gold value (its task type's ``parse_gold``).

    Labels keyed by task id are used as they are; labels keyed by source are matched through
    ``sources``. A task with both takes its task-keyed label.

    Raises:
        GoldFormatError: a value the task type cannot read, with the task it belongs to.
    """
    via_source = gold.by_source.join(sources, on=SOURCE, how="inner").select(COL.TASK, COL.LABEL)
    matched = pl.concat([gold.by_task.select(COL.TASK, COL.LABEL), via_source]).unique(
        subset=COL.TASK, keep="first", maintain_order=True
    )
    texts = matched.get_column(COL.LABEL)

    def read_text(text: str) -> str:
        try:
            return read(orjson.loads(text))
        except ValueError as exc:
            # The first task holding this text is the first row whose value cannot be read,
            # since distinct texts are read in the order they first appear.
            task = matched.filter(texts == text).item(0, COL.TASK)
            raise GoldFormatError(
                "cannot use gold label", where=f"{gold.where}: task {task}", why=str(exc)
            ) from exc

    return pl.DataFrame(
        [matched.get_column(COL.TASK), _each_distinct(texts, read_text).alias(COL.GOLD)],
        schema={COL.TASK: pl.String(), COL.GOLD: pl.String()},
    )
