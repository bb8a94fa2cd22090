"""Label Studio's JSON-MIN and CSV exports as audit sources (pure).

Both have one record per annotation: the task's ``data`` fields, the task ``id``, one field per
control named by its ``from_name``, and ``annotator``, ``annotation_id``, ``created_at``,
``updated_at``, ``lead_time``::

    [{"text": "…", "id": 1, "sentiment": "Positive", "annotator": "ann@example.com",
      "annotation_id": 10, "created_at": "…", "updated_at": "…", "lead_time": 12.5}]

A control's field holds a single choice (or a single line of text) as a bare string, and anything
else as the list of its results' ``value`` objects without their ``type``; the CSV export writes
those lists as JSON text. ``annotator`` is the author's e-mail, or the user id when there is none.

What these exports lose, compared with the JSON export: the ``ground_truth`` flag (so they carry no
gold; pass ``--gold`` or export JSON), the cancelled annotations (dropped before export, so they
cannot be counted), and the control types, guessed here from the values. A field of bare strings (a
single choice) is told from a data field by JSON-MIN's key order (controls come between ``id`` and
``annotator``) or, in CSV, by varying between the annotations of a task; else name it with
``--control``. It is read as choices.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import orjson

from crowdaudit.errors import InputFormatError, SkipLog
from crowdaudit.model import Job
from crowdaudit.sources.consolidated import load_json_array
from crowdaudit.sources.export_job import ExportOptions, header_names, read_delimited
from crowdaudit.sources.labelstudio_controls import (
    LsAnswer,
    LsFound,
    build_label_studio_job,
    choose_answer_control,
    kind_of_value,
)

__all__ = [
    "NAME_CSV",
    "NAME_MIN",
    "looks_like_json_min",
    "looks_like_ls_csv",
    "parse_json_min",
    "parse_ls_csv",
]

NAME_MIN: Final = "label-studio-min"
NAME_CSV: Final = "label-studio-csv"

_RESERVED: Final = frozenset(
    {
        "id",
        "annotator",
        "annotation_id",
        "created_at",
        "updated_at",
        "lead_time",
        "agreement",
        "history",
    }
)
_WARNING: Final = (
    "{} export: no gold (the ground_truth flag is not exported) and cancelled annotations "
    "cannot be counted; export JSON for both"
)


def looks_like_json_min(data: bytes, where: str) -> bool:
    """A JSON array of records with ``annotator`` and ``annotation_id``."""
    return data.lstrip()[:1] == b"[" and b'"annotation_id"' in data and b'"annotator"' in data


def looks_like_ls_csv(data: bytes, where: str) -> bool:
    """A CSV whose header has ``annotator``, ``annotation_id`` and ``lead_time``."""
    return {"annotator", "annotation_id", "lead_time"} <= header_names(data)


def _values(value: object) -> tuple[Mapping[str, object], ...] | None:
    """A control field as ``value`` objects; ``None`` when it is not shaped like one."""
    if isinstance(value, str):
        return ({"choices": [value]},)
    items = value if isinstance(value, list) else [value]
    if items and all(kind_of_value(item) is not None for item in items):
        return tuple(item for item in items if isinstance(item, Mapping))
    return None


def _between_id_and_annotator(record: Mapping[str, object]) -> list[str]:
    """JSON-MIN writes data fields, ``id``, the controls, then ``annotator``: the keys between."""
    keys = list(record)
    if "id" in keys and "annotator" in keys and keys.index("id") < keys.index("annotator"):
        return keys[keys.index("id") + 1 : keys.index("annotator")]
    return []


def _varying(records: Sequence[Mapping[str, object]], key: str) -> bool:
    """Whether two annotations of one task differ in ``key``: an answer, not a data field."""
    seen: dict[object, object] = {}
    for record in records:
        task = record.get("id")
        if task in seen and seen[task] != record.get(key):
            return True
        seen.setdefault(task, record.get(key))
    return False


def _controls(records: Sequence[Mapping[str, object]], forced: str | None) -> dict[str, set[str]]:
    """The fields that hold results, with their kinds.

    A field of structured values is one; a field of bare strings is one when ``forced``, when
    JSON-MIN's key order places it among the controls, or when it varies within a task.
    """
    ordered = {key for record in records for key in _between_id_and_annotator(record)}
    strings = {key for record in records for key, value in record.items() if isinstance(value, str)}
    answers = {key for key in strings if key in ordered or key == forced or _varying(records, key)}
    controls: dict[str, set[str]] = {}
    for record in records:
        for key, value in record.items():
            if key in _RESERVED or value is None or value == "":
                continue
            if isinstance(value, str) and key not in answers:
                continue
            values = _values(value)
            if values is not None:
                kinds = {kind_of_value(item) or "" for item in values}
                controls.setdefault(key, set()).update(kinds)
    return controls


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value)) if value not in (None, "") else None
    except ValueError:
        return None


def _text(value: object) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value.strip() or None if isinstance(value, str) else None


def _parse_records(
    records: Sequence[object],
    *,
    where: str,
    name: str,
    strict: bool,
    options: ExportOptions,
    fmt: str,
) -> Job:
    skips = SkipLog(strict=strict)
    usable: list[tuple[int, Mapping[str, object]]] = []
    for index, record in enumerate(records):
        if (
            isinstance(record, Mapping)
            and _text(record.get("id"))
            and _text(record.get("annotator"))
        ):
            usable.append((index, record))
        else:
            skips.skip(
                InputFormatError(
                    "cannot read annotation",
                    where=f"{where}: record {index}",
                    why="no id or annotator",
                )
            )
    controls = _controls([record for _, record in usable], options.control)
    control, kind = choose_answer_control(controls, options, where)
    answers: list[LsAnswer] = []
    people: dict[str, tuple[str | None, str | None]] = {}
    for index, record in usable:
        worker = _text(record.get("annotator")) or ""
        if "@" in worker:
            people[worker] = (None, worker)
        field = record.get(control) if control is not None else None
        answers.append(
            LsAnswer(
                task=_text(record.get("id")) or "",
                worker=worker,
                values=(_values(field) or ()) if field is not None else (),
                where=f"{where}: record {index}",
                seconds=_number(record.get("lead_time")),
                submitted=_text(record.get("created_at")) or _text(record.get("updated_at")),
            )
        )
    found = LsFound(answers, kind, people, {"n_annotations": len(records)}, (_WARNING.format(fmt),))
    return build_label_studio_job(found, name=name, where=where, options=options, skips=skips)


def parse_json_min(
    data: bytes, *, where: str, name: str, strict: bool, options: ExportOptions
) -> Job:
    """Read a Label Studio JSON-MIN export into a :class:`Job`.

    Raises:
        InputFormatError: malformed JSON, not a list, or no usable control.
        EmptyJobError: no annotation is usable.
    """
    records = load_json_array(
        data,
        what="cannot parse Label Studio export",
        where=where,
        why="not a list of records",
        error=InputFormatError,
    )
    return _parse_records(
        records, where=where, name=name, strict=strict, options=options, fmt="JSON-MIN"
    )


def _cell(value: str | None) -> object:
    if value is None or value[:1] not in ("[", "{"):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return value


def parse_ls_csv(
    data: bytes, *, where: str, name: str, strict: bool, options: ExportOptions
) -> Job:
    """Read a Label Studio CSV export into a :class:`Job`.

    Raises:
        InputFormatError: not a readable CSV, or no usable control.
        EmptyJobError: no annotation is usable.
    """
    table = read_delimited(data, where)
    records = [
        {key: _cell(value) for key, value in row.items()} for row in table.iter_rows(named=True)
    ]
    return _parse_records(
        records, where=where, name=name, strict=strict, options=options, fmt="CSV"
    )
